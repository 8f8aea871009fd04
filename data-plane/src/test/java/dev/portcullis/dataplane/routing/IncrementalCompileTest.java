package dev.portcullis.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.auth.AuthDecision;
import dev.portcullis.dataplane.auth.AuthRequest;
import dev.portcullis.dataplane.auth.AuthRuntime;
import dev.portcullis.dataplane.ratelimit.ConcurrencyLimiter;
import dev.portcullis.dataplane.ratelimit.RateLimiter;
import dev.portcullis.dataplane.upstream.ClusterRuntime;
import dev.portcullis.dataplane.upstream.EndpointState;
import dev.portcullis.model.Auth;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Credential;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.SecretRef;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.TlsRef;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.model.routing.Router;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Compiling a table against the one before it, as delta pushes do (unchanged hosts and clusters
 * are the same instances): the result must route exactly as a fresh compile of the same table,
 * keep the compiled routes of the hosts nothing changed for, and compile anew what changed or
 * what depends on something that changed (a cluster's endpoints, a credential).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IncrementalCompileTest {

  static final int HOSTS = 300;
  static final String HTPASSWD = "htpasswd:shop/users";
  static final String BCRYPT = OpenBSDBCrypt.generate("2y", "secret".toCharArray(), new byte[16], 4);

  Vertx vertx;
  AuthRuntime auth;
  Credential.Htpasswd users;
  Map<String, Credential> credentials;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    auth = new AuthRuntime(vertx);
    users = new Credential.Htpasswd(Map.of("alice", BCRYPT));
    credentials = Map.of(HTPASSWD, users);
  }

  @AfterAll
  void stop() throws Exception {
    auth.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  // ---- the table -----------------------------------------------------------------------------------

  static String host(int i) {
    return "app-" + i + ".example.com";
  }

  static String cluster(int i) {
    return "service/shop/app-" + i + "/port/80";
  }

  static Cluster clusterOf(int i, int port) {
    return new Cluster(cluster(i), List.of(new Endpoint("10.0.0." + (i % 250 + 1), port)), null, 1000, null);
  }

  static Route forward(String name, PathMatch path, String cluster, RoutePolicies policies) {
    return new Route(name, RouteMatch.path(path), RouteAction.Forward.to(cluster), null, policies, Timeouts.DEFAULT,
        null);
  }

  /**
   * Host i: five routes to its own cluster, every tenth one rate limited (its own scope) with a
   * concurrency limit, every seventh one with error pages from cluster 0, one split between two
   * clusters; host 3 has basic auth; hosts 10 and 11 hold equal routes (shared compiled routes);
   * hosts 20 to 29 are on HTTPS with HSTS, 20 and 21 asking for client certificates.
   */
  VirtualHost hostOf(int i) {
    String name = host(i);
    List<Route> routes = new ArrayList<>();
    int target = i == 11 ? 10 : i;
    String prefix = "app-" + target;
    for (int p = 0; p < 5; p++) {
      RoutePolicies policies = null;
      if (i % 10 == 0 && p == 0) {
        policies = new RoutePolicies(null, null, new RoutePolicies.RateLimit(10, 20, "ClientIP", null, null, null),
            null, null, null, null, new RoutePolicies.Concurrency(4, null));
      } else if (i % 7 == 0 && p == 1) {
        policies = new RoutePolicies(null, null, null, null, null, null,
            new RoutePolicies.ErrorPages(List.of(503), cluster(0), List.of()), null);
      } else if (i == 3 && p == 2) {
        policies = new RoutePolicies(null, null, null, null, null,
            new Auth(new Auth.Basic(new SecretRef("shop", "users", Credential.fingerprint(users)), null), null, null));
      }
      PathMatch path = p == 4 ? PathMatch.exact("/" + prefix + "/exact") : PathMatch.prefix("/" + prefix + "/p" + p);
      routes.add(forward(prefix + "/r" + p, path, cluster(target), policies));
    }
    if (i % 5 == 0) {
      routes.add(new Route(prefix + "/split", RouteMatch.path(PathMatch.prefix("/split")),
          new RouteAction.Forward(List.of(new RouteAction.ClusterWeight(cluster(i), 3),
              new RouteAction.ClusterWeight(cluster((i + 1) % HOSTS), 1))), Timeouts.DEFAULT, null));
    }
    Route fallback = i % 4 == 0 ? forward(prefix + "/default", PathMatch.prefix("/"), cluster(target), null) : null;
    TlsRef tls = null;
    if (i >= 20 && i < 30) {
      tls = new TlsRef(null, null, null, "max-age=600", null, null,
          i < 22 ? new TlsRef.ClientValidation(null, false, false) : null);
    }
    return new VirtualHost(name, routes, fallback, tls);
  }

  RouteTable base() {
    List<VirtualHost> hosts = new ArrayList<>();
    for (int i = 0; i < HOSTS; i++) {
      hosts.add(hostOf(i));
    }
    hosts.add(new VirtualHost("*.wild.example.com", List.of(forward("wild/r", PathMatch.prefix("/"), cluster(1), null)),
        null));
    hosts.add(new VirtualHost(VirtualHost.CATCH_ALL, List.of(new Route("catch-all/404",
        RouteMatch.path(PathMatch.prefix("/")), new RouteAction.DirectResponse(404, "no such host\n"),
        Timeouts.DEFAULT, null)), null));
    List<Cluster> clusters = new ArrayList<>();
    for (int i = 0; i < HOSTS; i++) {
      clusters.add(clusterOf(i, 8080));
    }
    return new RouteTable(hosts, clusters);
  }

  CompiledTable compile(RouteTable table, CompiledTable previous) {
    return compile(table, previous, credentials);
  }

  CompiledTable compile(RouteTable table, CompiledTable previous, Map<String, Credential> creds) {
    return CompiledTable.compile(previous == null ? 1 : previous.version() + 1, "c", table, previous, auth, creds);
  }

  /** The table with the host at {@code index} replaced; every other host and every cluster the same instance. */
  static RouteTable withHost(RouteTable table, int index, UnaryOperator<VirtualHost> change) {
    List<VirtualHost> hosts = new ArrayList<>(table.virtualHosts());
    VirtualHost changed = change.apply(hosts.get(index));
    if (changed == null) {
      hosts.remove(index);
    } else {
      hosts.set(index, changed);
    }
    return new RouteTable(hosts, table.clusters(), table.defaultCertificate());
  }

  static VirtualHost withRoutes(VirtualHost vh, List<Route> routes) {
    return new VirtualHost(vh.hostname(), routes, vh.fallback(), vh.tls());
  }

  // ---- what is compared ------------------------------------------------------------------------------

  /** Every host of the table routes, in {@code incremental}, as in a fresh compile, and to the table's own runtimes. */
  static void assertRoutesAsFresh(CompiledTable incremental, CompiledTable fresh) {
    RouteTable table = incremental.table();
    assertThat(fresh.table()).isSameAs(table);
    Router<CompiledRoute> inc = incremental.router();
    Router<CompiledRoute> ref = fresh.router();
    java.util.Set<CompiledRoute> reachable = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (VirtualHost vh : table.virtualHosts()) {
      List<CompiledRoute> a = inc.payloadsOf(vh.hostname());
      List<CompiledRoute> b = ref.payloadsOf(vh.hostname());
      assertThat(a).as(vh.hostname()).hasSameSizeAs(b);
      for (int i = 0; i < a.size(); i++) {
        assertSameRoute(incremental, a.get(i), b.get(i), vh);
      }
      reachable.addAll(a);
      String request = vh.isCatchAll() ? "nowhere.example.org" : vh.isWildcard() ? "x" + vh.hostname().substring(1)
          : vh.hostname();
      List<String> paths = new ArrayList<>(List.of("/", "/nothing/here", "/split/x"));
      for (Route r : vh.routes()) {
        paths.add(r.match().path().value());
        paths.add(r.match().path().value() + "/more");
      }
      for (String path : paths) {
        CompiledRoute x = inc.route(request, path);
        CompiledRoute y = ref.route(request, path);
        assertThat(x == null).as(request + path).isEqualTo(y == null);
        if (x != null) {
          assertThat(x.route()).as(request + path).isEqualTo(y.route());
          assertSameRoute(incremental, x, y, vh);
        }
      }
      assertThat(inc.virtualHost(request)).isEqualTo(ref.virtualHost(request));
    }
    // Lookups of hosts no longer in the table go where a fresh compile sends them.
    assertThat(inc.route("app-" + HOSTS + ".example.com", "/")).isNotNull();
    assertThat(inc.route("app-" + HOSTS + ".example.com", "/").route())
        .isEqualTo(ref.route("app-" + HOSTS + ".example.com", "/").route());

    assertThat(incremental.routes()).hasSameSizeAs(fresh.routes());
    assertThat(incremental.routes()).doesNotHaveDuplicates();
    assertThat(reachable).hasSameSizeAs(incremental.routes());
    assertThat(reachable).containsExactlyInAnyOrderElementsOf(incremental.routes());
    assertThat(incremental.rateLimiters().keySet()).isEqualTo(fresh.rateLimiters().keySet());
    assertThat(incremental.jwksUris()).isEqualTo(fresh.jwksUris());
    assertThat(incremental.hasTls()).isEqualTo(fresh.hasTls());
    assertThat(incremental.wantsClientCertificates()).isEqualTo(fresh.wantsClientCertificates());
    assertThat(incremental.clientAuthorities()).hasSameSizeAs(fresh.clientAuthorities());
    // Equal routes of hosts with the same TLS settings are one compiled route, as in a fresh compile.
    assertThat(distinct(inc, table)).isEqualTo(distinct(ref, table));
  }

  /** Which payload positions hold the same compiled route as which others: the sharing pattern. */
  static List<List<Integer>> distinct(Router<CompiledRoute> router, RouteTable table) {
    List<CompiledRoute> all = new ArrayList<>();
    table.virtualHosts().forEach(vh -> all.addAll(router.payloadsOf(vh.hostname())));
    List<List<Integer>> pattern = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      List<Integer> same = new ArrayList<>();
      for (int j = 0; j < all.size(); j++) {
        if (all.get(i) == all.get(j)) {
          same.add(j);
        }
      }
      if (same.size() > 1) {
        pattern.add(same);
      }
    }
    return pattern;
  }

  static void assertSameRoute(CompiledTable table, CompiledRoute x, CompiledRoute y, VirtualHost vh) {
    String at = vh.hostname() + " " + x.name();
    assertThat(x.route()).as(at).isEqualTo(y.route());
    assertThat(x.kind()).as(at).isEqualTo(y.kind());
    assertThat(x.clusterNames()).as(at).containsExactly(y.clusterNames());
    String[] names = x.clusterNames();
    for (int i = 0; i < names.length; i++) {
      // The very runtime the table holds for that cluster, not a stale one.
      assertThat(x.clusterIndex(table.cluster(names[i]))).as(at + " -> " + names[i]).isEqualTo(i);
    }
    RoutePolicies.ErrorPages pages = x.errorPages();
    if (pages != null) {
      assertThat(x.errorCluster()).as(at).isSameAs(table.cluster(pages.cluster()));
    } else {
      assertThat(x.errorCluster()).as(at).isNull();
    }
    RoutePolicies.RateLimit limit = x.route().policiesOrNone().rateLimit();
    assertThat(x.rateLimiter()).as(at)
        .isSameAs(limit == null ? null : table.rateLimiters().get(RateLimiter.Id.of(x.name(), limit)));
    assertThat(x.concurrencyLimiter() == null).as(at).isEqualTo(y.concurrencyLimiter() == null);
    assertThat(x.hsts()).as(at).isEqualTo(y.hsts());
    TlsRef.ClientValidation validation = vh.tls() == null ? null : vh.tls().clientValidation();
    assertThat(x.clientCerts()).as(at).isSameAs(validation == null ? null : table.clientPolicy(validation));
    assertThat(x.auth() == null).as(at).isEqualTo(y.auth() == null);
  }

  static int indexOf(RouteTable table, String hostname) {
    for (int i = 0; i < table.virtualHosts().size(); i++) {
      if (table.virtualHosts().get(i).hostname().equals(hostname)) {
        return i;
      }
    }
    throw new AssertionError("no host " + hostname);
  }

  /** The hosts whose compiled routes are all the previous table's objects. */
  static void assertKept(CompiledTable next, CompiledTable previous, String hostname) {
    List<CompiledRoute> now = next.router().payloadsOf(hostname);
    List<CompiledRoute> before = previous.router().payloadsOf(hostname);
    assertThat(now).as(hostname).isNotEmpty().hasSameSizeAs(before);
    for (int i = 0; i < now.size(); i++) {
      assertThat(now.get(i)).as(hostname + " " + now.get(i).name()).isSameAs(before.get(i));
    }
  }

  /** A host none of whose compiled routes is one of the previous table's. */
  static void assertCompiledAnew(CompiledTable next, CompiledTable previous, String hostname) {
    List<CompiledRoute> before = previous.router().payloadsOf(hostname);
    for (CompiledRoute r : next.router().payloadsOf(hostname)) {
      assertThat(before).as(hostname + " " + r.name()).noneMatch(b -> b == r);
    }
  }

  // ---- the cases ------------------------------------------------------------------------------------

  @Test
  void oneHostChangedKeepsEveryOtherHostsRoutes() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    int at = indexOf(base, host(42));
    RouteTable next = withHost(base, at, vh -> {
      List<Route> routes = new ArrayList<>(vh.routes());
      routes.set(0, forward("app-42/r0", PathMatch.prefix("/app-42/moved"), cluster(43), null));
      routes.add(forward("app-42/new", PathMatch.exact("/app-42/new"), cluster(42), null));
      return withRoutes(vh, routes);
    });
    CompiledTable incremental = compile(next, first);

    assertRoutesAsFresh(incremental, compile(next, first));
    assertRoutesAsFresh(incremental, compile(next, null));
    for (VirtualHost vh : next.virtualHosts()) {
      if (vh.hostname().equals(host(42))) {
        assertCompiledAnew(incremental, first, vh.hostname());
      } else {
        assertKept(incremental, first, vh.hostname());
      }
    }
    assertThat(incremental.router().route(host(42), "/app-42/moved/x").pickCluster())
        .isSameAs(incremental.cluster(cluster(43)));
    assertThat(incremental.router().route(host(42), "/app-42/p0/x")).isNull();
    assertThat(incremental.router().virtualHost(host(42))).isSameAs(next.virtualHosts().get(at));
    // Every cluster is unchanged: the same runtimes.
    for (int i = 0; i < HOSTS; i++) {
      assertThat(incremental.cluster(cluster(i))).isSameAs(first.cluster(cluster(i)));
    }
  }

  /**
   * A data plane's first table is compiled after the empty one: its routes are spread over as many
   * buckets as suit its size (not the empty table's few), so that a later push copies a few dozen
   * routes per bucket it writes; the tables after it share that spread.
   */
  @Test
  void theFirstTableAfterTheEmptyOneGetsBucketsForItsSize() {
    List<VirtualHost> hosts = new ArrayList<>();
    List<Cluster> clusters = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      List<Route> routes = new ArrayList<>();
      for (int p = 0; p < 5; p++) {
        routes.add(forward("app-" + i + "/r" + p, PathMatch.prefix("/p" + p), cluster(i), null));
      }
      hosts.add(new VirtualHost(host(i), routes, null));
      clusters.add(clusterOf(i, 8080));
    }
    hosts.sort(java.util.Comparator.comparing(VirtualHost::hostname));
    clusters.sort(java.util.Comparator.comparing(Cluster::name));
    RouteTable base = new RouteTable(hosts, clusters);
    CompiledTable first = CompiledTable.compile(1, RouteTableJson.checksum(base), base, CompiledTable.EMPTY, auth,
        credentials);
    CompiledTable fresh = compile(base, null);
    assertThat(CompiledTable.EMPTY.routeBuckets()).isEqualTo(16);
    assertThat(first.routeBuckets()).isEqualTo(fresh.routeBuckets()).isEqualTo(256);
    assertThat(first.router().route(host(42), "/p3/x").name()).isEqualTo("app-42/r3");
    int at = indexOf(base, host(42));
    RouteTable next = withHost(base, at, vh -> withRoutes(vh, List.of(forward("app-42/only", PathMatch.prefix("/only"),
        cluster(42), null))));
    CompiledTable second = compile(next, first);
    assertThat(second.routeBuckets()).isEqualTo(first.routeBuckets());
    assertThat(second.router().route(host(42), "/only/x").name()).isEqualTo("app-42/only");
    assertThat(second.router().route(host(42), "/p3/x")).isNull();
    assertThat(second.router().route(host(43), "/p3/x")).isSameAs(first.router().route(host(43), "/p3/x"));
  }

  @Test
  void aClusterWhoseEndpointsChangedRecompilesTheHostsThatUseIt() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    List<Cluster> clusters = new ArrayList<>(base.clusters());
    clusters.set(51, clusters.get(51).withEndpoints(List.of(new Endpoint("10.9.9.9", 9090))));
    RouteTable next = new RouteTable(base.virtualHosts(), clusters, base.defaultCertificate());
    CompiledTable incremental = compile(next, first);

    assertRoutesAsFresh(incremental, compile(next, first));
    assertRoutesAsFresh(incremental, compile(next, null));
    ClusterRuntime runtime = incremental.cluster(cluster(51));
    assertThat(runtime).isNotSameAs(first.cluster(cluster(51)));
    // Host 51 forwards to cluster 51; host 50 splits its traffic with it; the rest do not use it.
    for (VirtualHost vh : next.virtualHosts()) {
      if (vh.hostname().equals(host(51)) || vh.hostname().equals(host(50))) {
        assertCompiledAnew(incremental, first, vh.hostname());
      } else {
        assertKept(incremental, first, vh.hostname());
      }
    }
    CompiledRoute route = incremental.router().route(host(51), "/app-51/p3/items");
    ClusterRuntime picked = route.pickCluster();
    assertThat(picked).isSameAs(runtime);
    EndpointState endpoint = picked.pick(null);
    assertThat(endpoint.endpoint()).isEqualTo(new Endpoint("10.9.9.9", 9090));
    assertThat(incremental.router().route(host(50), "/split/x").clusterIndex(runtime)).isEqualTo(1);
  }

  @Test
  void manyClustersChangingAtOnceRecompileExactlyTheHostsThatUseThem() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    List<Cluster> clusters = new ArrayList<>(base.clusters());
    java.util.Set<Integer> changed = new java.util.HashSet<>();
    for (int i = 101; i < 200; i += 4) {
      clusters.set(i, clusters.get(i).withEndpoints(List.of(new Endpoint("10.8.8.8", 1000 + i))));
      changed.add(i);
    }
    RouteTable next = new RouteTable(base.virtualHosts(), clusters, base.defaultCertificate());
    CompiledTable incremental = compile(next, first);
    assertRoutesAsFresh(incremental, compile(next, null));
    for (int i = 0; i < HOSTS; i++) {
      // A host uses its own cluster, and splits with the next one when i is a multiple of 5.
      boolean uses = changed.contains(i) || (i % 5 == 0 && changed.contains(i + 1));
      if (uses) {
        assertCompiledAnew(incremental, first, host(i));
      } else {
        assertKept(incremental, first, host(i));
      }
    }
  }

  @Test
  void anotherAuthRuntimeRecompilesTheRoutesWithAuthentication() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    try (AuthRuntime other = new AuthRuntime(vertx)) {
      CompiledTable next = CompiledTable.compile(2, "c", base, first, other, credentials);
      assertRoutesAsFresh(next, CompiledTable.compile(2, "c", base, null, other, credentials));
      assertCompiledAnew(next, first, host(3));
      assertKept(next, first, host(4));
      // Without a runtime, the route refuses everyone: compiled again as well.
      CompiledTable none = CompiledTable.compile(3, "c", base, next, null, credentials);
      assertThat(none.router().route(host(3), "/app-3/p2")).isNotSameAs(next.router().route(host(3), "/app-3/p2"));
      assertKept(none, next, host(4));
    }
  }

  @Test
  void theErrorPagesClusterChangingRecompilesTheRoutesThatUseIt() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    List<Cluster> clusters = new ArrayList<>(base.clusters());
    clusters.set(0, clusterOf(0, 9999));
    RouteTable next = new RouteTable(base.virtualHosts(), clusters, base.defaultCertificate());
    CompiledTable incremental = compile(next, first);

    assertRoutesAsFresh(incremental, compile(next, null));
    // Every seventh host takes its error pages from cluster 0.
    assertCompiledAnew(incremental, first, host(7));
    assertThat(incremental.router().route(host(7), "/app-7/p1").errorCluster()).isSameAs(incremental.cluster(cluster(0)));
    assertKept(incremental, first, host(8));
  }

  @Test
  void aChangedCredentialRecompilesTheRoutesThatCheckIt() throws Exception {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    CompiledRoute before = first.router().route(host(3), "/app-3/p2");
    assertThat(before.auth()).isNotNull();

    // An equal credential (another instance, as a push decodes it) changes nothing.
    Map<String, Credential> equal = Map.of(HTPASSWD, new Credential.Htpasswd(new HashMap<>(users.users())));
    CompiledTable same = compile(base, first, equal);
    assertKept(same, first, host(3));

    // Another password file under the same key: the route's check is compiled again (and, as the
    // table still names the old file's fingerprint, refuses everyone until the table follows).
    Map<String, Credential> other = Map.of(HTPASSWD, new Credential.Htpasswd(Map.of("bob", BCRYPT)));
    CompiledTable incremental = compile(base, same, other);
    assertRoutesAsFresh(incremental, compile(base, null, other));
    CompiledRoute after = incremental.router().route(host(3), "/app-3/p2");
    assertThat(after).isNotSameAs(before);
    assertThat(after.auth()).isNotSameAs(before.auth());
    AuthDecision decision = after.auth().check(new AuthRequest(null, host(3), "/app-3/p2", null, null))
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(decision.status()).isEqualTo(503);
    for (VirtualHost vh : base.virtualHosts()) {
      if (!vh.hostname().equals(host(3))) {
        assertKept(incremental, same, vh.hostname());
      }
    }
    // The credential gone from the snapshot altogether: compiled again, too.
    CompiledTable without = compile(base, first, Map.of());
    assertThat(without.router().route(host(3), "/app-3/p2")).isNotSameAs(before);
    assertKept(without, first, host(4));
  }

  @Test
  void aRemovedHostIsGoneAndTheOthersAreKept() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    RouteTable next = withHost(base, indexOf(base, host(77)), vh -> null);
    CompiledTable incremental = compile(next, first);

    assertRoutesAsFresh(incremental, compile(next, null));
    assertThat(incremental.router().hostNamed(host(77))).isNull();
    assertThat(incremental.router().payloadsOf(host(77))).isEmpty();
    // Requests for it now reach the catch-all.
    assertThat(incremental.router().route(host(77), "/app-77/p0").name()).isEqualTo("catch-all/404");
    assertThat(incremental.routes()).noneMatch(r -> r.name().startsWith("app-77/"));
    for (VirtualHost vh : next.virtualHosts()) {
      assertKept(incremental, first, vh.hostname());
    }
  }

  @Test
  void anAddedHostIsCompiledAndTheOthersAreKept() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    List<VirtualHost> hosts = new ArrayList<>(base.virtualHosts());
    hosts.add(5, new VirtualHost("new.example.com", List.of(forward("new/r", PathMatch.prefix("/"), cluster(5),
        new RoutePolicies(null, null, new RoutePolicies.RateLimit(1, 1, "ClientIP", null, null, null), null))), null));
    RouteTable next = new RouteTable(hosts, base.clusters());
    CompiledTable incremental = compile(next, first);

    assertRoutesAsFresh(incremental, compile(next, null));
    assertThat(incremental.router().route("new.example.com", "/x").pickCluster()).isSameAs(incremental.cluster(cluster(5)));
    assertThat(incremental.rateLimiter("new/r")).isNotNull();
    for (VirtualHost vh : base.virtualHosts()) {
      assertKept(incremental, first, vh.hostname());
    }
  }

  @Test
  void rateAndConcurrencyLimitersKeepTheirStateAcrossTables() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    RateLimiter limiter = first.rateLimiter("app-10/r0");
    ConcurrencyLimiter concurrency = first.router().route(host(10), "/app-10/p0").concurrencyLimiter();
    assertThat(limiter).isNotNull();
    assertThat(concurrency).isNotNull();

    // Host 20 changes (its rate-limited route too, though not its limit); host 10 does not.
    int at = indexOf(base, host(20));
    RouteTable next = withHost(base, at, vh -> {
      List<Route> routes = new ArrayList<>(vh.routes());
      Route r0 = routes.get(0);
      routes.set(0, new Route(r0.name(), RouteMatch.path(PathMatch.prefix("/app-20/elsewhere")), r0.action(), null,
          r0.policies(), r0.timeouts(), null));
      return withRoutes(vh, routes);
    });
    RateLimiter changedHostsLimiter = first.rateLimiter("app-20/r0");
    CompiledTable incremental = compile(next, first);
    assertRoutesAsFresh(incremental, compile(next, first));

    assertThat(incremental.rateLimiter("app-10/r0")).isSameAs(limiter);
    assertThat(incremental.router().route(host(10), "/app-10/p0").rateLimiter()).isSameAs(limiter);
    assertThat(incremental.router().route(host(10), "/app-10/p0").concurrencyLimiter()).isSameAs(concurrency);
    CompiledRoute moved = incremental.router().route(host(20), "/app-20/elsewhere");
    assertThat(moved).isNotSameAs(first.router().route(host(20), "/app-20/p0"));
    assertThat(moved.rateLimiter()).isSameAs(changedHostsLimiter);
    // A fresh compile against the same previous table hands out the same limiters.
    assertThat(compile(next, first).rateLimiters()).isEqualTo(incremental.rateLimiters());
    // And the next table keeps them again.
    CompiledTable third = compile(base, incremental);
    assertThat(third.rateLimiter("app-10/r0")).isSameAs(limiter);
    assertThat(third.rateLimiter("app-20/r0")).isSameAs(changedHostsLimiter);
  }

  @Test
  void equalRoutesStayOneCompiledRouteWhenOneOfTheirHostsChanges() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    CompiledRoute shared = first.router().route(host(10), "/app-10/p1");
    assertThat(first.router().route(host(11), "/app-10/p1")).isSameAs(shared);

    // Host 11 gains a route; its other routes are still equal to host 10's.
    RouteTable next = withHost(base, indexOf(base, host(11)), vh -> {
      List<Route> routes = new ArrayList<>(vh.routes());
      routes.add(forward("app-11/extra", PathMatch.prefix("/extra"), cluster(11), null));
      return withRoutes(vh, routes);
    });
    CompiledTable incremental = compile(next, first);
    assertRoutesAsFresh(incremental, compile(next, null));
    assertThat(incremental.router().route(host(11), "/app-10/p1")).isSameAs(shared);
    assertThat(incremental.router().route(host(10), "/app-10/p1")).isSameAs(shared);
    assertThat(incremental.router().route(host(11), "/extra")).isNotNull();

    // The route goes from the table only with the last host that uses it.
    RouteTable without10 = withHost(next, indexOf(next, host(10)), vh -> null);
    CompiledTable third = compile(without10, incremental);
    assertRoutesAsFresh(third, compile(without10, null));
    assertThat(third.router().route(host(11), "/app-10/p1")).isSameAs(shared);
    assertThat(third.routes()).contains(shared);
    RouteTable without11 = withHost(without10, indexOf(without10, host(11)), vh -> null);
    CompiledTable fourth = compile(without11, third);
    assertRoutesAsFresh(fourth, compile(without11, null));
    assertThat(fourth.routes()).doesNotContain(shared).noneMatch(r -> r.name().startsWith("app-10/"));
    // Host 10's rate limit went with it.
    assertThat(fourth.rateLimiter("app-10/r0")).isNull();
    assertThat(third.rateLimiter("app-10/r0")).isNull();
    assertThat(incremental.rateLimiter("app-10/r0")).isNotNull();
  }

  @Test
  void aTableTellsWhatChangedSinceTheOneItWasCompiledAgainst() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    assertThat(first.delta(CompiledTable.EMPTY)).isNull();
    List<VirtualHost> hosts = new ArrayList<>(base.virtualHosts());
    VirtualHost removed = hosts.remove(indexOf(base, host(8)));
    VirtualHost old9 = hosts.get(indexOf(base, host(9)) - 1);
    VirtualHost new9 = withRoutes(old9, old9.routes().subList(0, 3));
    hosts.set(indexOf(base, host(9)) - 1, new9);
    VirtualHost added = new VirtualHost("added.example.com", List.of(forward("added/r", PathMatch.prefix("/"),
        cluster(9), null)), null);
    hosts.add(added);
    List<Cluster> clusters = new ArrayList<>(base.clusters());
    clusters.remove(8);
    RouteTable next = new RouteTable(hosts, clusters);
    CompiledTable incremental = compile(next, first);
    assertRoutesAsFresh(incremental, compile(next, null));

    CompiledTable.Delta delta = incremental.delta(first);
    assertThat(delta.droppedHosts()).containsExactlyInAnyOrder(removed, old9);
    assertThat(delta.compiledHosts()).containsExactlyInAnyOrder(new9, added);
    assertThat(delta.droppedClusters()).containsExactly(cluster(8));
    assertThat(incremental.delta(compile(base, null))).isNull();
    assertThat(incremental.cluster(cluster(8))).isNull();
  }

  @Test
  void clientCertificateHostsKeepTheirPolicyAndRoutes() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    RouteTable next = withHost(base, indexOf(base, host(30)), vh -> withRoutes(vh, vh.routes().subList(0, 2)));
    CompiledTable incremental = compile(next, first);
    assertRoutesAsFresh(incremental, compile(next, null));
    TlsRef.ClientValidation validation = new TlsRef.ClientValidation(null, false, false);
    assertThat(incremental.clientPolicy(validation)).isSameAs(first.clientPolicy(validation));
    assertKept(incremental, first, host(20));
    assertKept(incremental, first, host(25));
    assertThat(incremental.router().route(host(20), "/app-20/p1").hsts()).isEqualTo("max-age=600");
  }

  @Test
  void anEqualTableDecodedAgainKeepsEveryHost() {
    RouteTable base = base();
    CompiledTable first = compile(base, null);
    // A full push (after a reconnect): equal, but not one instance the same.
    RouteTable decoded = RouteTableJson.readTable(RouteTableJson.toJson(base));
    assertThat(decoded.virtualHosts().get(0)).isNotSameAs(base.virtualHosts().get(0)).isEqualTo(base.virtualHosts().get(0));
    CompiledTable incremental = compile(decoded, first);
    assertRoutesAsFresh(incremental, compile(decoded, null));
    for (VirtualHost vh : decoded.virtualHosts()) {
      assertKept(incremental, first, vh.hostname());
      // The host now compares by identity with the new instance.
      assertThat(incremental.router().hostNamed(vh.hostname())).isSameAs(vh);
    }
  }

  @Test
  void aSequenceOfDeltasRoutesAsAFreshCompileAtEveryStep() {
    RouteTable table = base();
    CompiledTable current = compile(table, null);
    java.util.Random random = new java.util.Random(7);
    for (int step = 0; step < 20; step++) {
      int i = random.nextInt(HOSTS);
      int at = indexOf(table, host(i));
      int s = step;
      table = switch (step % 4) {
        case 0 -> withHost(table, at, vh -> withRoutes(vh, vh.routes().subList(1, vh.routes().size())));
        case 1 -> withHost(table, at, vh -> {
          List<Route> routes = new ArrayList<>(vh.routes());
          routes.add(forward("step-" + s, PathMatch.prefix("/step/" + s), cluster((i + 3) % HOSTS), null));
          return withRoutes(vh, routes);
        });
        case 2 -> {
          List<Cluster> clusters = new ArrayList<>(table.clusters());
          clusters.set(i, clusters.get(i).withEndpoints(List.of(new Endpoint("10.1.1.1", 1000 + s))));
          yield new RouteTable(table.virtualHosts(), clusters, table.defaultCertificate());
        }
        default -> withHost(table, at, vh -> hostOf(i));
      };
      CompiledTable next = compile(table, current);
      assertRoutesAsFresh(next, compile(table, null));
      current = next;
    }
    assertThat(current.clusters()).hasSize(HOSTS);
  }
}
