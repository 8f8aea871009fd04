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
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable, compiled route table: what every event loop reads on each request. Compiled off
 * the event loop and swapped in whole; requests in flight keep the table they started with.
 */
public final class CompiledTable {

  public static final CompiledTable EMPTY = compile(0, RouteTableJson.checksum(RouteTable.EMPTY), RouteTable.EMPTY, null);

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
  /** Set once by {@link #compile}, before the table is published. */
  private Map<ConcurrencyLimiter.Id, ConcurrencyLimiter> concurrencyLimiters = Map.of();
  /** The key-set URLs the routes' JWT checks fetch from. */
  private final java.util.Set<String> jwksUris;
  /** Every compiled route once (hosts may share one). */
  private final List<CompiledRoute> routes;

  private CompiledTable(long version, String checksum, RouteTable table, Router<CompiledRoute> router,
      Map<String, ClusterRuntime> clusters, Map<TlsRef.ClientValidation, ClientCertPolicy> clientPolicies,
      Map<RateLimiter.Id, RateLimiter> limiters, java.util.Set<String> jwksUris, List<CompiledRoute> routes) {
    this.jwksUris = java.util.Set.copyOf(jwksUris);
    this.routes = List.copyOf(routes);
    this.hasTls = table.virtualHosts().stream().anyMatch(vh -> vh.tls() != null);
    this.clientPolicies = Map.copyOf(clientPolicies);
    this.clientAuthorities = clientPolicies.values().stream().flatMap(p -> p.authorities().stream()).distinct()
        .toArray(X509Certificate[]::new);
    this.version = version;
    this.checksum = checksum;
    this.table = table;
    this.router = router;
    this.clusters = clusters;
    this.limiters = limiters;
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
   */
  public static CompiledTable compile(long version, String checksum, RouteTable table, CompiledTable previous,
      AuthRuntime auth, Map<String, Credential> credentials) {
    Map<String, ClusterRuntime> clusters = new HashMap<>();
    for (Cluster c : table.clusters()) {
      ClusterRuntime old = previous == null ? null : previous.clusters.get(c.name());
      clusters.put(c.name(), old != null && old.cluster().equals(c) ? old : new ClusterRuntime(c, old));
    }
    Map<TlsRef.ClientValidation, ClientCertPolicy> policies = new HashMap<>();
    for (VirtualHost vh : table.virtualHosts()) {
      if (vh.tls() != null && vh.tls().clientValidation() != null) {
        policies.computeIfAbsent(vh.tls().clientValidation(), v -> ClientCertPolicy.compile(v,
            "virtualHosts[" + vh.hostname() + "].tls.clientValidation"));
      }
    }
    Map<RateLimiter.Id, RateLimiter> limiters = new HashMap<>();
    Map<ConcurrencyLimiter.Id, ConcurrencyLimiter> concurrencyLimiters = new HashMap<>();
    // Equal routes of hosts with the same TLS settings share one compiled route (and its state).
    Map<List<Object>, CompiledRoute> shared = new HashMap<>();
    java.util.Set<String> jwksUris = new java.util.HashSet<>();
    Router<CompiledRoute> router = Router.compile(table, (vh, route) -> {
      String hsts = vh.tls() == null ? null : vh.tls().hsts();
      ClientCertPolicy certs = vh.tls() == null || vh.tls().clientValidation() == null ? null
          : policies.get(vh.tls().clientValidation());
      return shared.computeIfAbsent(java.util.Arrays.asList(route, hsts, certs),
          k -> compileRoute(route, clusters, limiter(route, limiters, previous),
              concurrency(route, concurrencyLimiters, previous), hsts, certs,
              auth(route, auth, credentials, jwksUris)));
    });
    CompiledTable compiled = new CompiledTable(version, checksum, table, router, Map.copyOf(clusters), policies,
        Map.copyOf(limiters), jwksUris, new java.util.ArrayList<>(shared.values()));
    compiled.concurrencyLimiters = Map.copyOf(concurrencyLimiters);
    return compiled;
  }

  private static RouteAuth auth(Route route, AuthRuntime runtime, Map<String, Credential> credentials,
      java.util.Set<String> jwksUris) {
    Auth auth = route.policiesOrNone().auth();
    if (auth == null) {
      return null;
    }
    if (runtime == null) {
      return AuthRuntime.unavailable();
    }
    if (auth.jwt() != null && auth.jwt().jwksUri() != null) {
      jwksUris.add(auth.jwt().jwksUri());
    }
    return runtime.compile(auth, credentials, route.name());
  }

  /** The key-set URLs this table's JWT routes use. */
  public java.util.Set<String> jwksUris() {
    return jwksUris;
  }

  /** The route's rate limiter: the one of its scope in this table, else the previous table's, else a new one. */
  private static RateLimiter limiter(Route route, Map<RateLimiter.Id, RateLimiter> limiters, CompiledTable previous) {
    RoutePolicies.RateLimit limit = route.policiesOrNone().rateLimit();
    if (limit == null) {
      return null;
    }
    return limiters.computeIfAbsent(RateLimiter.Id.of(route.name(), limit), id -> {
      RateLimiter old = previous == null ? null : previous.limiters.get(id);
      return old != null ? old : new RateLimiter(limit);
    });
  }

  /** The route's concurrency limiter: kept across tables for the same scope and limit, so counts stay right. */
  private static ConcurrencyLimiter concurrency(Route route, Map<ConcurrencyLimiter.Id, ConcurrencyLimiter> limiters,
      CompiledTable previous) {
    RoutePolicies.Concurrency limit = route.policiesOrNone().concurrency();
    if (limit == null) {
      return null;
    }
    return limiters.computeIfAbsent(ConcurrencyLimiter.Id.of(route.name(), limit), id -> {
      ConcurrencyLimiter old = previous == null ? null : previous.concurrencyLimiters.get(id);
      return old != null ? old : new ConcurrencyLimiter(limit);
    });
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
    return routes;
  }

  /** Every rate limiter of the table, by its id. */
  public Map<RateLimiter.Id, RateLimiter> rateLimiters() {
    return limiters;
  }

  /** Every cluster's runtime. */
  public java.util.Collection<ClusterRuntime> clusters() {
    return clusters.values();
  }
}
