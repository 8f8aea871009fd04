package dev.portcullis.dataplane.routing;

import dev.portcullis.dataplane.auth.AuthRuntime;
import dev.portcullis.dataplane.auth.RouteAuth;
import dev.portcullis.dataplane.ratelimit.ConcurrencyLimiter;
import dev.portcullis.dataplane.ratelimit.RateLimiter;
import dev.portcullis.model.Auth;
import dev.portcullis.model.Credential;
import dev.portcullis.dataplane.upstream.ClusterRuntime;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.TlsRef;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.dataplane.tls.ClientCertPolicy;
import java.security.cert.X509Certificate;
import dev.portcullis.model.routing.Router;
import dev.portcullis.model.util.BucketMap;
import dev.portcullis.model.util.Identity;
import dev.portcullis.model.util.NameOrder;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An immutable, compiled route table: what every event loop reads on each request. Compiled off
 * the event loop and swapped in whole; requests in flight keep the table they started with.
 */
public final class CompiledTable {

  private static final AtomicLong IDS = new AtomicLong();

  public static final CompiledTable EMPTY = compile(0, RouteTableJson.checksum(RouteTable.EMPTY), RouteTable.EMPTY, null);

  /** Tells tables apart without holding on to them: a table names the one it was compiled against by it. */
  private final long id = IDS.incrementAndGet();
  private final long version;
  private final String checksum;
  private final RouteTable table;
  private final Router<CompiledRoute> router;
  private final Map<String, ClusterRuntime> clusters;
  /** True when some host has TLS: only then does a request look up its host's TLS settings. */
  private final boolean hasTls;
  private final Map<TlsRef.ClientValidation, ClientCertPolicy> clientPolicies;
  private final X509Certificate[] clientAuthorities;
  private final Map<RateLimiter.Id, RateLimiter> limiters;
  private final Map<ConcurrencyLimiter.Id, ConcurrencyLimiter> concurrencyLimiters;
  /** The key-set URLs the routes' JWT checks fetch from. */
  private final Set<String> jwksUris;
  /** Every compiled route once, by what makes routes one, with how many places use each. */
  private final SharedRoutes shared;
  /** {@link #shared}'s routes as a list, made when first asked for. */
  private volatile List<CompiledRoute> routes;
  /** The counts behind the maps above, which the next table starts from. */
  private final Compilation uses;
  /** What the routes' authentication was compiled with: a later table keeps a route only if they are the same. */
  private final AuthRuntime auth;
  private final Map<String, Credential> credentials;
  /** The table this one was compiled against (its id, or 0), and what changed from it. */
  private final long basis;
  private final Delta delta;

  private CompiledTable(long version, String checksum, RouteTable table, Router<CompiledRoute> router, Compilation c) {
    this.version = version;
    this.checksum = checksum;
    this.table = table;
    this.router = router;
    this.clusters = Collections.unmodifiableMap(c.clusters);
    this.hasTls = c.tlsHosts > 0;
    this.clientPolicies = Collections.unmodifiableMap(c.policies);
    this.clientAuthorities = c.policies.values().stream().flatMap(p -> p.authorities().stream()).distinct()
        .toArray(X509Certificate[]::new);
    this.limiters = Collections.unmodifiableMap(c.limiters);
    this.concurrencyLimiters = Collections.unmodifiableMap(c.concurrency);
    this.jwksUris = Collections.unmodifiableSet(c.jwksUses.keySet());
    this.shared = c.shared;
    this.uses = c;
    this.auth = c.auth;
    this.credentials = c.credentials;
    this.basis = c.previous == null ? 0 : c.previous.id;
    this.delta = c.previous == null ? null
        : new Delta(List.copyOf(c.droppedHosts), List.copyOf(c.compiledHosts), List.copyOf(c.droppedClusters));
  }

  /**
   * What changed between the table a table was compiled against and it: the virtual hosts whose
   * compiled routes it dropped (removed, changed, or compiled again because of what they use),
   * the ones it compiled (new, changed, or compiled again), and the clusters it no longer has.
   * The hosts it kept are in neither list.
   */
  public record Delta(List<VirtualHost> droppedHosts, List<VirtualHost> compiledHosts, List<String> droppedClusters) {}

  /** How many buckets the compiled routes are kept in (for tests: a table's size decides it). */
  int routeBuckets() {
    return shared.bucketCount();
  }

  /** What changed since {@code from}, if this table was compiled against it; else null. */
  public Delta delta(CompiledTable from) {
    return from != null && delta != null && basis == from.id ? delta : null;
  }

  /**
   * Compiles a table, reusing the runtime of each cluster that is unchanged in {@code previous},
   * and the buckets of each rate limit that is unchanged (same scope, same numbers): pushing a
   * table must not hand every client a full bucket again. May take a while for big tables: call
   * it off the event loop.
   */
  public static CompiledTable compile(long version, String checksum, RouteTable table, CompiledTable previous) {
    return compile(version, checksum, table, previous, null, Map.of());
  }

  /**
   * Compiles a table and the authentication of its routes, with the credentials that came with
   * it. Without a runtime ({@code auth} null), routes with authentication refuse every request.
   *
   * <p>With {@code previous}, what it compiled is kept where nothing it depends on changed: a
   * cluster whose {@link Cluster} is equal keeps its runtime, and a virtual host that is the same
   * instance (or an equal one) keeps its compiled routes, unless one of them forwards to (or takes
   * its error pages from) a cluster that got a new runtime, or checks credentials that are not the
   * same ones. A delta push, where everything unchanged is the same instance as before, so costs
   * about what changed plus a look at each host and cluster; never a pass over every route.
   */
  public static CompiledTable compile(long version, String checksum, RouteTable table, CompiledTable previous,
      AuthRuntime auth, Map<String, Credential> credentials) {
    Compilation c = new Compilation(table, previous, auth, credentials == null ? Map.of() : credentials);
    Router<CompiledRoute> router = Router.compile(table, c::compile, previous == null ? null : previous.router,
        c::reusable, c, c.suspects);
    CompiledTable compiled = new CompiledTable(version, checksum, table, router, c);
    c.done();
    return compiled;
  }

  /**
   * What makes two routes one compiled route: an equal route on hosts with the same TLS settings.
   * Its hash is computed once (a route's is deep) and kept on the compiled route, so that a later
   * table finds a kept route again without hashing the record.
   */
  static final class Shared {
    private final Route route;
    private final String hsts;
    private final ClientCertPolicy certs;
    private final int hash;

    Shared(Route route, String hsts, ClientCertPolicy certs) {
      this.route = route;
      this.hsts = hsts;
      this.certs = certs;
      this.hash = (route.hashCode() * 31 + Objects.hashCode(hsts)) * 31 + System.identityHashCode(certs);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Shared s && hash == s.hash && certs == s.certs && Objects.equals(hsts, s.hsts)
          && (route == s.route || route.equals(s.route));
    }
  }

  /**
   * A compiled route, and in how many places (route slots and fallbacks of hosts) the table uses
   * it. Changed only in a bucket the compilation owns, so never one an earlier table still reads.
   */
  private static final class Use {
    final CompiledRoute route;
    int count;

    Use(CompiledRoute route, int count) {
      this.route = route;
      this.count = count;
    }
  }

  /**
   * The compiled routes by {@link Shared}, in buckets that a new table copies only where it
   * writes: the table before it keeps its own, and a push that changes one host copies a few dozen
   * entries instead of every route.
   */
  private static final class SharedRoutes {
    private final HashMap<Shared, Use>[] buckets;
    private final int shift;
    private final int bucketCapacity;
    /** The buckets this table made its own (the others are the previous table's, read only). */
    private final boolean[] own;
    /** How many compiled routes the buckets hold. */
    private int entries;

    /** Buckets for a table of about {@code routes} routes, of a few dozen routes each. */
    @SuppressWarnings("unchecked")
    SharedRoutes(int routes) {
      int n = bucketsFor(routes);
      this.buckets = new HashMap[n];
      this.shift = 32 - Integer.numberOfTrailingZeros(n);
      this.bucketCapacity = Math.max(4, routes / n * 4 / 3 + 1);
      this.own = new boolean[n];
    }

    SharedRoutes(SharedRoutes from) {
      this.entries = from.entries;
      this.buckets = from.buckets.clone();
      this.shift = from.shift;
      this.bucketCapacity = from.bucketCapacity;
      this.own = new boolean[buckets.length];
    }

    private static int bucketsFor(int routes) {
      return Integer.highestOneBit(Math.max(16, Math.min(1 << 16, routes / 32)));
    }

    /**
     * The routes of {@code from} for a table of about {@code routes} routes: its buckets shared
     * while their number suits that size, else spread over as many as suit it. A data plane's
     * first table is compiled after the empty one, whose 16 buckets would otherwise hold 50,000
     * routes from then on, and every later push copy thousands of them to change a few.
     */
    static SharedRoutes after(SharedRoutes from, RouteTable table) {
      int routes = from.entries > 0 ? from.entries : table.routeCount();
      int n = bucketsFor(routes);
      if (from.buckets.length * 4 >= n && from.buckets.length <= n * 4) {
        return new SharedRoutes(from);
      }
      SharedRoutes resized = new SharedRoutes(routes);
      for (HashMap<Shared, Use> b : from.buckets) {
        if (b != null) {
          b.forEach((k, u) -> resized.put(k, new Use(u.route, u.count)));
        }
      }
      return resized;
    }

    /** How many buckets there are (for tests). */
    int bucketCount() {
      return buckets.length;
    }

    private int bucket(Shared key) {
      // The high bits (Fibonacci hashing): the bucket's HashMap spreads its keys by the low ones.
      return (key.hash * 0x9E3779B9) >>> shift;
    }

    /** The entry of this key, in a bucket this table owns (so its count may change), or null. */
    Use get(Shared key) {
      return writable(bucket(key)).get(key);
    }

    void put(Shared key, Use use) {
      if (writable(bucket(key)).put(key, use) == null) {
        entries++;
      }
    }

    void remove(Shared key) {
      if (writable(bucket(key)).remove(key) != null) {
        entries--;
      }
    }

    private HashMap<Shared, Use> writable(int i) {
      if (!own[i]) {
        HashMap<Shared, Use> before = buckets[i];
        HashMap<Shared, Use> mine = new HashMap<>(before == null ? bucketCapacity
            : Math.max(bucketCapacity, before.size() * 4 / 3 + 1));
        if (before != null) {
          before.forEach((k, u) -> mine.put(k, new Use(u.route, u.count)));
        }
        buckets[i] = mine;
        own[i] = true;
      }
      return buckets[i];
    }

    List<CompiledRoute> routes() {
      List<CompiledRoute> all = new ArrayList<>();
      for (HashMap<Shared, Use> b : buckets) {
        if (b != null) {
          b.values().forEach(u -> all.add(u.route));
        }
      }
      return List.copyOf(all);
    }
  }

  private static <K> int use(Map<K, Integer> uses, K key, int delta) {
    Integer n = uses.merge(key, delta, (a, b) -> a + b == 0 ? null : a + b);
    return n == null ? 0 : n;
  }

  /**
   * One compilation: the new table's maps, started from the previous table's (copied: they are
   * small, one entry per limit, key set, client CA), and kept right as the router reports the
   * hosts it drops and compiles.
   */
  private static final class Compilation implements Router.Changes<CompiledRoute> {
    /** Null once the table is made: a table keeps its counts, never the tables before it. */
    CompiledTable previous;
    final AuthRuntime auth;
    final Map<String, Credential> credentials;
    final BucketMap<String, ClusterRuntime> clusters;
    /**
     * Which hosts use each cluster (their routes forward to it or take error pages from it), kept
     * from table to table: the hosts a replaced runtime concerns, without a look at every host.
     */
    final BucketMap<String, Set<String>> hostsByCluster;
    /** The hosts whose compiled routes may use a replaced runtime; null: every host may (authentication changed). */
    final Set<String> suspects;
    /** The previous table's runtimes of clusters that changed: routes using one are compiled again. */
    final Set<ClusterRuntime> replaced = Collections.newSetFromMap(new IdentityHashMap<>());
    /**
     * Whether a runtime is one of {@link #replaced}: for a few, compared by reference without
     * touching the runtime (a lookup reads its header, a cache miss for each route looked at).
     */
    final java.util.function.Predicate<ClusterRuntime> isReplaced;
    /** True when the routes' authentication may need compiling again: another runtime, other credentials. */
    final boolean authChanged;
    /** True when some cluster got a new runtime ({@link #replaced} is not empty). */
    final boolean clustersChanged;
    final Map<TlsRef.ClientValidation, ClientCertPolicy> policies;
    final Map<TlsRef.ClientValidation, Integer> policyUses;
    int tlsHosts;
    final Map<RateLimiter.Id, RateLimiter> limiters;
    final Map<RateLimiter.Id, Integer> limiterUses;
    final Map<ConcurrencyLimiter.Id, ConcurrencyLimiter> concurrency;
    final Map<ConcurrencyLimiter.Id, Integer> concurrencyUses;
    final Map<String, Integer> jwksUses;
    final SharedRoutes shared;
    final List<VirtualHost> droppedHosts = new ArrayList<>();
    final List<VirtualHost> compiledHosts = new ArrayList<>();
    final List<String> droppedClusters = new ArrayList<>();

    Compilation(RouteTable table, CompiledTable previous, AuthRuntime auth, Map<String, Credential> credentials) {
      this.previous = previous;
      this.auth = auth;
      this.credentials = credentials;
      Compilation before = previous == null ? null : previous.uses;
      if (previous != null && Identity.sameElements(table.clusters(), previous.table.clusters())) {
        // No cluster changed (a change of hosts only): the previous table's runtimes, as they are.
        clusters = before.clusters;
      } else {
        // The previous table's runtimes, a new one where a cluster is new or not equal.
        // (After the empty table: buckets for this size, not the empty table's few.)
        clusters = before == null || before.clusters.isEmpty() ? BucketMap.sized(table.clusters().size())
            : before.clusters.edit();
        runtimes(table, previous);
      }
      clustersChanged = !replaced.isEmpty();
      hostsByCluster = before == null || before.hostsByCluster.isEmpty() ? BucketMap.sized(table.clusters().size())
          : before.hostsByCluster.edit();
      if (replaced.size() <= 8) {
        ClusterRuntime[] few = replaced.toArray(new ClusterRuntime[0]);
        isReplaced = c -> {
          for (ClusterRuntime r : few) {
            if (r == c) {
              return true;
            }
          }
          return false;
        };
      } else {
        isReplaced = replaced::contains;
      }
      authChanged = previous != null
          && (previous.auth != auth || !sameCredentials(previous.credentials, credentials));
      if (authChanged) {
        suspects = null;
      } else {
        suspects = new java.util.HashSet<>();
        for (ClusterRuntime r : replaced) {
          suspects.addAll(before.hostsByCluster.getOrDefault(r.cluster().name(), Set.of()));
        }
      }
      policies = before == null ? new HashMap<>() : new HashMap<>(before.policies);
      policyUses = before == null ? new HashMap<>() : new HashMap<>(before.policyUses);
      tlsHosts = before == null ? 0 : before.tlsHosts;
      limiters = before == null ? new HashMap<>() : new HashMap<>(before.limiters);
      limiterUses = before == null ? new HashMap<>() : new HashMap<>(before.limiterUses);
      concurrency = before == null ? new HashMap<>() : new HashMap<>(before.concurrency);
      concurrencyUses = before == null ? new HashMap<>() : new HashMap<>(before.concurrencyUses);
      jwksUses = before == null ? new HashMap<>() : new HashMap<>(before.jwksUses);
      shared = previous == null ? new SharedRoutes(table.routeCount()) : SharedRoutes.after(previous.shared, table);
    }

    /**
     * Brings {@link #clusters} (the previous table's runtimes) to this table's clusters, paired by
     * name with the previous table's (walked side by side: a cluster that is the very instance it
     * was is looked at no further); the others get a runtime of their own where they are new or
     * not equal.
     */
    private void runtimes(RouteTable table, CompiledTable previous) {
      List<Cluster> now = table.clusters();
      List<Cluster> was = previous == null ? List.of() : previous.table.clusters();
      NameOrder.pair(now, was, Cluster::name, new NameOrder.Pairing() {
        @Override
        public void paired(int i, int j) {
          if (now.get(i) != was.get(j)) {
            runtime(now.get(i));
          }
        }

        @Override
        public void added(int i) {
          runtime(now.get(i));
        }

        @Override
        public void gone(int j) {
          // Nothing kept can use a cluster the table lost: the table's routes all name clusters it has.
          clusters.remove(was.get(j).name());
          droppedClusters.add(was.get(j).name());
        }
      });
    }

    /** The runtime of a cluster of this table: the previous one if the cluster is equal, else a new one. */
    private void runtime(Cluster c) {
      ClusterRuntime old = clusters.get(c.name());
      if (old == null) {
        clusters.put(c.name(), new ClusterRuntime(c, null));
      } else if (old.cluster() != c && !old.cluster().equals(c)) {
        clusters.put(c.name(), new ClusterRuntime(c, old));
        replaced.add(old);
      }
    }

    /** Lets go of what only the compilation needed: the previous table above all. */
    void done() {
      previous = null;
      replaced.clear();
      droppedHosts.clear();
      compiledHosts.clear();
      droppedClusters.clear();
    }

    private static boolean sameCredentials(Map<String, Credential> before, Map<String, Credential> now) {
      if (before == now) {
        return true;
      }
      if (before.size() != now.size()) {
        return false;
      }
      for (Map.Entry<String, Credential> e : now.entrySet()) {
        Credential old = before.get(e.getKey());
        if (old != e.getValue() && (old == null || !old.equals(e.getValue()))) {
          return false;
        }
      }
      return true;
    }

    /**
     * Whether the compiled routes of an unchanged host are right for the new table. Looks at its
     * routes only when something they may use changed (a runtime replaced, the credentials), and
     * then only at that.
     */
    boolean reusable(List<CompiledRoute> payloads) {
      if (!clustersChanged && !authChanged) {
        return true;
      }
      for (CompiledRoute r : payloads) {
        if (clustersChanged && r.refersTo(isReplaced)) {
          return false;
        }
        if (authChanged) {
          Auth a = r.route().policiesOrNone().auth();
          if (a != null && (previous.auth != auth || (auth != null && !sameCredential(a)))) {
            return false;
          }
        }
      }
      return true;
    }

    /** True when the credential the route's authentication was compiled with is still the one the table has. */
    private boolean sameCredential(Auth a) {
      String key = a.basic() != null ? a.basic().credentialKey()
          : a.jwt() != null && a.jwt().jwksUri() == null ? a.jwt().credentialKey() : null;
      if (key == null) {
        return true;
      }
      Credential before = previous.credentials.get(key);
      Credential now = credentials.get(key);
      return before == now || (before != null && before.equals(now));
    }

    @Override
    public void dropped(VirtualHost vh, List<CompiledRoute> payloads) {
      droppedHosts.add(vh);
      host(vh, -1);
      index(vh, false);
      for (CompiledRoute r : payloads) {
        Use u = shared.get(r.shared);
        if (u == null || u.route != r) {
          throw new IllegalStateException("the route table's bookkeeping lost " + r.name());
        }
        if (--u.count == 0) {
          shared.remove(r.shared);
          release(r, previous.auth);
        }
      }
    }

    @Override
    public void compiling(VirtualHost vh) {
      if (previous != null) {
        compiledHosts.add(vh);
      }
      host(vh, 1);
      index(vh, true);
    }

    /** Files a host under the clusters it uses in {@link #hostsByCluster} (or takes it out). */
    private void index(VirtualHost vh, boolean add) {
      for (String name : clustersOf(vh)) {
        Set<String> hosts = hostsByCluster.getOrDefault(name, Set.of());
        if (hosts.contains(vh.hostname()) == add) {
          continue;
        }
        if (add && hosts.isEmpty()) {
          hostsByCluster.put(name, Set.of(vh.hostname())); // the usual: a cluster of one host
          continue;
        }
        Set<String> next = new java.util.HashSet<>(hosts);
        if (add) {
          next.add(vh.hostname());
        } else {
          next.remove(vh.hostname());
        }
        if (next.isEmpty()) {
          hostsByCluster.remove(name);
        } else {
          hostsByCluster.put(name, Collections.unmodifiableSet(next));
        }
      }
    }

    /** The clusters a host's routes (its fallback's too) forward to or take error pages from. */
    private static Set<String> clustersOf(VirtualHost vh) {
      Set<String> names = new java.util.HashSet<>(4);
      vh.routes().forEach(r -> clustersOf(r, names));
      if (vh.fallback() != null) {
        clustersOf(vh.fallback(), names);
      }
      return names;
    }

    private static void clustersOf(Route r, Set<String> into) {
      if (r.action() instanceof RouteAction.Forward f) {
        for (RouteAction.ClusterWeight w : f.clusters()) {
          into.add(w.cluster());
        }
      }
      if (r.policiesOrNone().errorPages() != null) {
        into.add(r.policiesOrNone().errorPages().cluster());
      }
    }

    /** A host's TLS settings, counted in or out of the table. */
    private void host(VirtualHost vh, int delta) {
      if (vh.tls() == null) {
        return;
      }
      tlsHosts += delta;
      TlsRef.ClientValidation v = vh.tls().clientValidation();
      if (v != null) {
        if (delta > 0 && !policies.containsKey(v)) {
          // A policy is a pure function of its validation: the previous table's one is as good,
          // and keeping it keeps the compiled routes of the hosts that use it.
          ClientCertPolicy old = previous == null ? null : previous.clientPolicies.get(v);
          policies.put(v, old != null ? old : ClientCertPolicy.compile(v,
              "virtualHosts[" + vh.hostname() + "].tls.clientValidation"));
        }
        if (use(policyUses, v, delta) == 0) {
          policies.remove(v);
        }
      }
    }

    /** The compiled route for a route of a host being compiled: the table's equal one, else a new one. */
    CompiledRoute compile(VirtualHost vh, Route route) {
      String hsts = vh.tls() == null ? null : vh.tls().hsts();
      ClientCertPolicy certs = vh.tls() == null || vh.tls().clientValidation() == null ? null
          : policies.get(vh.tls().clientValidation());
      Shared key = new Shared(route, hsts, certs);
      Use u = shared.get(key);
      if (u != null) {
        u.count++;
        return u.route;
      }
      CompiledRoute compiled = compileRoute(route, clusters, limiter(route), concurrency(route), hsts, certs,
          auth(route));
      compiled.shared = key;
      shared.put(key, new Use(compiled, 1));
      return compiled;
    }

    /** The route's rate limiter: the one of its scope in this table, else the previous table's, else a new one. */
    private RateLimiter limiter(Route route) {
      RoutePolicies.RateLimit limit = route.policiesOrNone().rateLimit();
      if (limit == null) {
        return null;
      }
      RateLimiter.Id id = RateLimiter.Id.of(route.name(), limit);
      use(limiterUses, id, 1);
      return limiters.computeIfAbsent(id, i -> {
        RateLimiter old = previous == null ? null : previous.limiters.get(i);
        return old != null ? old : new RateLimiter(limit);
      });
    }

    /** The route's concurrency limiter: kept across tables for the same scope and limit, so counts stay right. */
    private ConcurrencyLimiter concurrency(Route route) {
      RoutePolicies.Concurrency limit = route.policiesOrNone().concurrency();
      if (limit == null) {
        return null;
      }
      ConcurrencyLimiter.Id id = ConcurrencyLimiter.Id.of(route.name(), limit);
      use(concurrencyUses, id, 1);
      return concurrency.computeIfAbsent(id, i -> {
        ConcurrencyLimiter old = previous == null ? null : previous.concurrencyLimiters.get(i);
        return old != null ? old : new ConcurrencyLimiter(limit);
      });
    }

    private RouteAuth auth(Route route) {
      Auth a = route.policiesOrNone().auth();
      if (a == null) {
        return null;
      }
      if (auth == null) {
        return AuthRuntime.unavailable();
      }
      if (a.jwt() != null && a.jwt().jwksUri() != null) {
        use(jwksUses, a.jwt().jwksUri(), 1);
      }
      return auth.compile(a, credentials, route.name());
    }

    /** A compiled route no place of the table uses any more: its limits and key set are counted out. */
    private void release(CompiledRoute r, AuthRuntime compiledWith) {
      RoutePolicies p = r.route().policiesOrNone();
      if (p.rateLimit() != null) {
        RateLimiter.Id id = RateLimiter.Id.of(r.name(), p.rateLimit());
        if (use(limiterUses, id, -1) == 0) {
          limiters.remove(id);
        }
      }
      if (p.concurrency() != null) {
        ConcurrencyLimiter.Id id = ConcurrencyLimiter.Id.of(r.name(), p.concurrency());
        if (use(concurrencyUses, id, -1) == 0) {
          concurrency.remove(id);
        }
      }
      if (compiledWith != null && p.auth() != null && p.auth().jwt() != null && p.auth().jwt().jwksUri() != null) {
        use(jwksUses, p.auth().jwt().jwksUri(), -1);
      }
    }
  }

  /** The key-set URLs this table's JWT routes use. */
  public Set<String> jwksUris() {
    return jwksUris;
  }

  private static CompiledRoute compileRoute(Route route, Map<String, ClusterRuntime> clusters, RateLimiter limiter,
      ConcurrencyLimiter concurrency, String hsts, ClientCertPolicy certs, RouteAuth auth) {
    if (route.action() instanceof RouteAction.DirectResponse d) {
      Buffer body = Buffer.buffer(d.body().getBytes(StandardCharsets.UTF_8));
      return new CompiledRoute(route, new ClusterRuntime[0], new int[0], d.status(), body, limiter, hsts, certs, auth);
    }
    if (route.action() instanceof RouteAction.Redirect) {
      return new CompiledRoute(route, new ClusterRuntime[0], new int[0], 0, null, limiter, hsts, certs, auth);
    }
    List<RouteAction.ClusterWeight> refs = ((RouteAction.Forward) route.action()).clusters().stream()
        .filter(w -> w.weight() > 0).toList();
    ClusterRuntime[] runtimes = new ClusterRuntime[refs.size()];
    int[] weights = new int[refs.size()];
    for (int i = 0; i < refs.size(); i++) {
      runtimes[i] = clusters.get(refs.get(i).cluster());
      weights[i] = refs.get(i).weight();
    }
    CompiledRoute compiled = new CompiledRoute(route, runtimes, weights, 0, null, limiter, hsts, certs, auth);
    compiled.concurrencyLimiter(concurrency);
    if (route.policiesOrNone().errorPages() != null) {
      compiled.errorCluster(clusters.get(route.policiesOrNone().errorPages().cluster()));
    }
    return compiled;
  }

  public long version() {
    return version;
  }

  public String checksum() {
    return checksum;
  }

  public RouteTable table() {
    return table;
  }

  public boolean hasTls() {
    return hasTls;
  }

  /** The compiled check of a host's client certificates. */
  public ClientCertPolicy clientPolicy(TlsRef.ClientValidation validation) {
    return clientPolicies.get(validation);
  }

  /** True when some host asks for client certificates: the listener then requests them. */
  public boolean wantsClientCertificates() {
    return !clientPolicies.isEmpty();
  }

  /** The CAs of every host that asks for client certificates. */
  public X509Certificate[] clientAuthorities() {
    return clientAuthorities;
  }

  public Router<CompiledRoute> router() {
    return router;
  }

  public ClusterRuntime cluster(String name) {
    return clusters.get(name);
  }

  /** The rate limiter of a scope (a rule's name, or a route's), or null: for tests and diagnostics. */
  public RateLimiter rateLimiter(String scope) {
    for (Map.Entry<RateLimiter.Id, RateLimiter> e : limiters.entrySet()) {
      if (e.getKey().scope().equals(scope)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** Every compiled route of the table, once each. */
  public List<CompiledRoute> routes() {
    List<CompiledRoute> r = routes;
    if (r == null) {
      r = shared.routes();
      routes = r;
    }
    return r;
  }

  /** Every rate limiter of the table, by its id. */
  public Map<RateLimiter.Id, RateLimiter> rateLimiters() {
    return limiters;
  }

  /** Every cluster's runtime. */
  public java.util.Collection<ClusterRuntime> clusters() {
    return Collections.unmodifiableCollection(clusters.values());
  }
}
