package dev.portcullis.dataplane.observability;

import dev.portcullis.dataplane.cache.HttpCache;
import dev.portcullis.dataplane.listener.ListenerGuard;
import dev.portcullis.dataplane.listener.ListenerStats;
import dev.portcullis.dataplane.proxy.TrustedProxies;
import dev.portcullis.dataplane.ratelimit.RateLimiter;
import dev.portcullis.dataplane.routing.CompiledRoute;
import dev.portcullis.dataplane.routing.CompiledTable;
import dev.portcullis.dataplane.tls.CertificateStore;
import dev.portcullis.dataplane.tls.TlsMaterial;
import dev.portcullis.dataplane.upstream.ClusterRuntime;
import dev.portcullis.dataplane.upstream.EndpointState;
import dev.portcullis.model.Route;
import dev.portcullis.model.VirtualHost;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * A data plane's metrics, access log and traces. The proxy begins a {@link RequestRecord} per
 * request and tells it what happens; everything else (caches, listeners, certificates, the route
 * table) is read from the objects that keep the numbers anyway, at scrape time.
 *
 * <p>Labels are bounded by the route table: route and cluster names, status classes, never a
 * path, a host a client made up, or a client address. The meters of a route or a cluster are
 * made on its first request, so tables with many idle routes cost nothing, and they are removed
 * when a new table no longer has it.
 */
public final class Observability implements AutoCloseable {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT,
      new io.prometheus.metrics.model.registry.PrometheusRegistry(), CoarseClock.INSTANCE);
  private final Supplier<CompiledTable> table;
  private final TrustedProxies trusted;
  private final AccessLog accessLog;
  private final OtlpExporter exporter;
  private final double traceRatio;
  private final RouteMeters unrouted;
  private final LongAdder active = new LongAdder();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  private final Counter tablesApplied;
  private final Counter tablesRejected;
  private volatile long appliedVersion;
  private volatile String appliedChecksum;
  private volatile long appliedAtMillis;
  private volatile Rejection lastRejection;
  /** True while the newest table received was refused (the one before it serving). */
  private volatile boolean rejecting;
  private final MultiGauge certificateExpiry;
  private volatile Map<String, List<RateLimiter>> limiters = Map.of();
  private final Set<String> limiterScopes = new HashSet<>();
  /** The meters of every route that has served, by name: handed to each new table's routes of that name. */
  private final Map<String, RouteMeters> routeMeters = new java.util.concurrent.ConcurrentHashMap<>();
  /** The meters by the labels a table may drop: route, cluster, rate-limit scope. */
  private final MeterIndex byRoute = new MeterIndex("route", true);
  private final MeterIndex byCluster = new MeterIndex("cluster", true);
  private final MeterIndex byScope = new MeterIndex("scope", false);
  /** The table {@link #tableApplying} last had, and how many of its routes (fallbacks too) bear each name. */
  private CompiledTable lastTable;
  private final Map<String, Integer> routeNames = new HashMap<>();

  /** A table this data plane refused: its version, why, and when (epoch millis). */
  public record Rejection(long version, String reason, long atMillis) {}

  /**
   * @param vertx   for the OTLP exporter's HTTP client
   * @param table   the table being served (gauges read clusters from it at scrape time)
   * @param trusted whose word on the client address is taken, for the access log
   * @param node    this data plane's name ({@code service.instance.id} of its spans)
   * @throws IOException when the access log's file cannot be opened
   */
  public Observability(Vertx vertx, ObservabilitySettings settings, Supplier<CompiledTable> table,
      TrustedProxies trusted, String node) throws IOException {
    registry.config().onMeterAdded(m -> {
      byRoute.added(m);
      byCluster.added(m);
      byScope.added(m);
    });
    registry.config().onMeterRemoved(m -> {
      byRoute.removed(m);
      byCluster.removed(m);
      byScope.removed(m);
    });
    this.table = table;
    this.trusted = trusted;
    this.accessLog = settings.accessLog().enabled() ? new AccessLog(settings.accessLog()) : null;
    this.exporter = settings.tracing().enabled() ? new OtlpExporter(vertx, settings.tracing(), node) : null;
    this.traceRatio = settings.tracing().sampleRatio();
    this.unrouted = new RouteMeters(registry, "", new String[0]);
    Gauge.builder("portcullis.requests.active", active, LongAdder::sum)
        .description("Requests being served (received, not yet answered in full)").register(registry);
    tablesApplied = Counter.builder("portcullis.route.table.updates").tag("result", "applied")
        .description("Route tables received, by what became of them").register(registry);
    tablesRejected = Counter.builder("portcullis.route.table.updates").tag("result", "rejected")
        .description("Route tables received, by what became of them").register(registry);
    Gauge.builder("portcullis.route.table.applied.version", this, o -> o.appliedVersion)
        .description("Version of the route table being served").register(registry);
    Gauge.builder("portcullis.route.table.applied.timestamp", this, o -> o.appliedAtMillis / 1000.0).baseUnit("seconds")
        .description("When the route table being served was applied (Unix time)").register(registry);
    Gauge.builder("portcullis.route.table.rejected", this, o -> o.rejecting ? 1 : 0)
        .description("1 while the newest route table received was refused (NACKed) and an older one serves")
        .register(registry);
    certificateExpiry = MultiGauge.builder("portcullis.tls.certificate.expiry").baseUnit("seconds")
        .description("Seconds until the certificate's notAfter (negative once expired), per certificate served")
        .register(registry);
    if (accessLog != null) {
      FunctionCounter.builder("portcullis.access.log.lines", accessLog, AccessLog::written)
          .description("Access log lines written").register(registry);
      FunctionCounter.builder("portcullis.access.log.dropped", accessLog, AccessLog::dropped)
          .description("Access log lines dropped because the writer could not keep up").register(registry);
    }
    if (exporter != null) {
      FunctionCounter.builder("portcullis.tracing.spans.exported", exporter, OtlpExporter::exported)
          .description("Spans the OTLP endpoint accepted").register(registry);
      FunctionCounter.builder("portcullis.tracing.spans.dropped", exporter, OtlpExporter::dropped)
          .description("Spans dropped: the queue was full or the export failed").register(registry);
      FunctionCounter.builder("portcullis.tracing.export.failures", exporter, OtlpExporter::failures)
          .description("Exports the OTLP endpoint did not accept").register(registry);
    }
    new JvmMemoryMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    closeables.add(gc);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  // ---- the hot path ------------------------------------------------------------------------------

  /** The record of a request that just arrived; it counts and logs itself when the response ends. */
  public RequestRecord begin(HttpServerRequest request) {
    active.increment();
    boolean sample = exporter != null
        && (traceRatio >= 1 || (traceRatio > 0 && ThreadLocalRandom.current().nextDouble() < traceRatio));
    return new RequestRecord(this, request, sample);
  }

  void finished(RequestRecord r) {
    active.decrement();
    CompiledRoute route = r.route;
    RouteMeters meters = route == null ? unrouted : routeMeters(route);
    meters.record(route == null || r.cluster == null ? -1 : route.clusterIndex(r.cluster), r.status, r.durationNanos,
        r.bytesIn, r.bytesOut);
    if (r.cluster != null) {
      // Its gauges (endpoints, health) exist from the cluster's first request, answered or not.
      clusterMeters(r.cluster);
    }
    boolean log = accessLog != null && accessLog.samples(r.status);
    boolean span = exporter != null && r.sampledTrace();
    if (log || span) {
      r.describe();
      if (log) {
        accessLog.offer(r);
      }
      if (span) {
        exporter.offer(r);
      }
    }
  }

  /**
   * A route's meters: on its compiled route, where {@link #tableApplying} put them when the route
   * had served before; made here (once, on the event loop) only for a route's first request.
   */
  RouteMeters routeMeters(CompiledRoute route) {
    RouteMeters m = route.meters();
    if (m == null) {
      String[] clusters = route.clusterNames();
      m = routeMeters.compute(route.name(), (name, old) -> old != null && old.forClusters(clusters) ? old
          : new RouteMeters(registry, name, clusters));
      route.meters(m);
    }
    return m;
  }

  ClusterMeters clusterMeters(ClusterRuntime cluster) {
    if (cluster == null) {
      return null;
    }
    ClusterMeters m = cluster.meters();
    if (m == null) {
      m = new ClusterMeters(registry, cluster.name());
      clusterGauges(cluster.name());
      cluster.meters(m);
    }
    return m;
  }

  String clientOf(HttpServerRequest request) {
    return trusted.clientOf(request);
  }

  /** A cluster's gauges, read from the table being served when Prometheus scrapes. */
  private void clusterGauges(String name) {
    for (String state : new String[] {"healthy", "unhealthy", "ejected"}) {
      Gauge.builder("portcullis.upstream.endpoints", this, o -> o.endpoints(name, state))
          .description("Endpoints of the cluster: healthy (taking requests), unhealthy (failing health checks), "
              + "ejected (by outlier detection)")
          .tag("cluster", name).tag("state", state).register(registry);
    }
    Gauge.builder("portcullis.upstream.requests.active", this, o -> o.ofCluster(name, ClusterRuntime::activeRequests))
        .description("Requests in flight to the cluster").tag("cluster", name).register(registry);
    FunctionCounter.builder("portcullis.upstream.circuit.breaker.open", this,
            o -> o.ofCluster(name, ClusterRuntime::overflows))
        .description("Requests refused at once because the cluster's circuit breaker was open")
        .tag("cluster", name).register(registry);
    FunctionCounter.builder("portcullis.upstream.ejections", this, o -> o.ofCluster(name, ClusterRuntime::ejections))
        .description("Endpoints ejected by outlier detection").tag("cluster", name).register(registry);
  }

  private double ofCluster(String name, ToDoubleFunction<ClusterRuntime> f) {
    ClusterRuntime c = table.get().cluster(name);
    return c == null ? 0 : f.applyAsDouble(c);
  }

  private double endpoints(String name, String state) {
    ClusterRuntime c = table.get().cluster(name);
    if (c == null) {
      return 0;
    }
    long now = System.nanoTime();
    int n = 0;
    for (EndpointState e : c.endpoints()) {
      String s = !e.checkedHealthy() ? "unhealthy" : e.ejected(now) ? "ejected" : "healthy";
      if (s.equals(state)) {
        n++;
      }
    }
    return n;
  }

  // ---- what is read at scrape time -----------------------------------------------------------------

  /** The HTTP cache's counters and size. */
  public void bind(HttpCache cache) {
    HttpCache.Stats s = cache.stats();
    counter("portcullis.cache.hits", s.hits, "Requests answered from the cache, fresh");
    counter("portcullis.cache.misses", s.misses, "Cacheable requests the cache had nothing usable for");
    counter("portcullis.cache.stale", s.staleServed,
        "Requests answered with a stale stored response (stale-while-revalidate, stale-if-error)");
    counter("portcullis.cache.revalidations", s.revalidations, "Stored responses revalidated with the origin");
    counter("portcullis.cache.coalesced", s.coalesced, "Requests that waited for another one's upstream request");
    counter("portcullis.cache.stores", s.stores, "Responses stored");
    counter("portcullis.cache.evictions", s.evictions, "Stored responses evicted to make room");
    Gauge.builder("portcullis.cache.entries", cache, HttpCache::entries).description("URLs stored").register(registry);
    Gauge.builder("portcullis.cache.size", cache, HttpCache::bytes).baseUnit("bytes")
        .description("Bytes stored").register(registry);
    Gauge.builder("portcullis.cache.capacity", cache, HttpCache::maxBytes).baseUnit("bytes")
        .description("The cache's memory budget").register(registry);
  }

  private void counter(String name, LongAdder adder, String description) {
    FunctionCounter.builder(name, adder, LongAdder::sum).description(description).register(registry);
  }

  /** The public listeners' connections and TLS handshakes. */
  public void bind(ListenerGuard guard) {
    ListenerStats s = guard.stats();
    Gauge.builder("portcullis.connections.active", guard, g -> g.limiter().open())
        .description("Client connections open on the public listeners").register(registry);
    counter("portcullis.connections.accepted", s.accepted, "Client connections accepted");
    counter("portcullis.connections.rejected", s.rejected,
        "Client connections closed at once: over --max-connections or --max-connections-per-ip");
    FunctionCounter.builder("portcullis.tls.handshakes", s.handshakes, LongAdder::sum).tag("result", "success")
        .description("TLS handshakes on the HTTPS listener, by result").register(registry);
    FunctionCounter.builder("portcullis.tls.handshakes", s.handshakeFailures, LongAdder::sum).tag("result", "failure")
        .description("TLS handshakes on the HTTPS listener, by result").register(registry);
  }

  // ---- route tables ------------------------------------------------------------------------------

  /**
   * A table is about to be swapped in (called on a worker thread, before the swap): the routes it
   * compiled anew get the meters their names have, the certificates' expiry rows follow the new
   * store, and the rate limits' counters follow the new limits. What it no longer has is noted for
   * {@link #sweepMeters}, which removes those meters after the swap: a table's apply does not wait
   * for meters made since the last one to be looked at (after a burst of first requests to many
   * routes, tens of thousands).
   *
   * <p>The work is about what changed since the last table: the hosts that are not the same
   * instance, the names that lost their last route; never a scan of every meter or every route.
   */
  public synchronized void tableApplying(CompiledTable next, CertificateStore certificates) {
    CompiledTable last = lastTable;
    // Names that lost a route, and the hosts whose compiled routes may be new.
    Set<String> dropped = new HashSet<>();
    List<String> changedHosts = new ArrayList<>();
    Set<String> clusters = new HashSet<>();
    CompiledTable.Delta delta = next.delta(last);
    if (delta != null) {
      // Compiled against the last table: it knows what it changed.
      delta.droppedHosts().forEach(vh -> count(vh, -1, dropped));
      for (VirtualHost vh : delta.compiledHosts()) {
        count(vh, 1, dropped);
        changedHosts.add(vh.hostname());
      }
      clusters.addAll(delta.droppedClusters());
    } else {
      for (VirtualHost vh : next.table().virtualHosts()) {
        VirtualHost before = last == null ? null : last.router().hostNamed(vh.hostname());
        if (before != vh) {
          if (before != null) {
            count(before, -1, dropped);
          }
          count(vh, 1, dropped);
          changedHosts.add(vh.hostname());
        }
      }
      if (last != null) {
        for (VirtualHost vh : last.table().virtualHosts()) {
          if (next.router().hostNamed(vh.hostname()) == null) {
            count(vh, -1, dropped);
          }
        }
        last.clusters().forEach(c -> clusters.add(c.name()));
      }
    }
    lastTable = next;
    sweptNames.addAll(dropped);
    sweptClusters.addAll(clusters);
    sweptScopes.addAll(limiters.keySet());
    Map<String, List<RateLimiter>> byScopeOf = new HashMap<>();
    next.rateLimiters().forEach((id, limiter) -> byScopeOf.computeIfAbsent(id.scope(), k -> new ArrayList<>()).add(limiter));
    // Resolved here, off the event loop: a route's requests after the swap find its meters on it.
    // Routes of hosts that are the same instance as before are the same objects, meters and all.
    for (String host : changedHosts) {
      next.router().payloadsOf(host).forEach(this::handMeters);
    }
    limiters = Map.copyOf(byScopeOf);
    limiterScopes.retainAll(byScopeOf.keySet());
    for (String scope : byScopeOf.keySet()) {
      if (limiterScopes.add(scope)) {
        FunctionCounter.builder("portcullis.ratelimit.rejections", this, o -> o.rejections(scope))
            .description("Requests refused with 429 by a rate limit, by its scope (a rule's scope, or the route)")
            .tag("scope", scope).register(registry);
      }
    }
    if (certificates != null) {
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      certificates.named().forEach((name, material) -> rows.add(MultiGauge.Row.of(Tags.of("certificate", name),
          material, Observability::secondsLeft)));
      certificateExpiry.register(rows, true);
    }
  }

  /** Route names, clusters and rate-limit scopes that may have lost their meters' reason to be: for {@link #sweepMeters}. */
  private final Set<String> sweptNames = new HashSet<>();
  private final Set<String> sweptClusters = new HashSet<>();
  private final Set<String> sweptScopes = new HashSet<>();

  /**
   * Removes the meters of what the last table given to {@link #tableApplying} no longer has: the
   * route names that lost their last route, its clusters and rate-limit scopes that went, and
   * whatever got meters since the last sweep and is not in it (a request in flight on an older
   * table counts into a route that was gone already). Called on a worker thread after the swap.
   * A route of a later table can never lose its meters to it: the names, clusters and scopes are
   * looked up in the tables as they are when it runs, and tables wait for it to finish.
   */
  public synchronized void sweepMeters() {
    CompiledTable table = lastTable;
    sweptNames.addAll(byRoute.drainRecent());
    for (String name : sweptNames) {
      if (!routeNames.containsKey(name)) {
        byRoute.removeAll(name, registry);
        routeMeters.remove(name);
      }
    }
    sweptNames.clear();
    sweptClusters.addAll(byCluster.drainRecent());
    for (String cluster : sweptClusters) {
      if (table == null || table.cluster(cluster) == null) {
        byCluster.removeAll(cluster, registry);
      }
    }
    sweptClusters.clear();
    sweptScopes.addAll(byScope.drainRecent());
    Map<String, List<RateLimiter>> now = limiters;
    for (String scope : sweptScopes) {
      if (!now.containsKey(scope)) {
        byScope.removeAll(scope, registry);
      }
    }
    sweptScopes.clear();
  }

  /** Counts the names of a host's routes, fallback included, in or out; names that reach none go to {@code dropped}. */
  private void count(VirtualHost vh, int delta, Set<String> dropped) {
    for (Route r : vh.routes()) {
      count(r.name(), delta, dropped);
    }
    if (vh.fallback() != null) {
      count(vh.fallback().name(), delta, dropped);
    }
  }

  private void count(String name, int delta, Set<String> dropped) {
    Integer n = routeNames.merge(name, delta, (a, b) -> a + b == 0 ? null : a + b);
    if (n == null) {
      dropped.add(name);
    }
  }

  /**
   * A compiled route gets the meters its name has, if they count the same clusters: what a route
   * compiled anew would start with (one kept from a table whose meters went has its stale ones dropped).
   */
  private void handMeters(CompiledRoute r) {
    RouteMeters m = routeMeters.get(r.name());
    r.meters(m != null && m.forClusters(r.clusterNames()) ? m : null);
  }

  private double rejections(String scope) {
    List<RateLimiter> of = limiters.get(scope);
    if (of == null) {
      return 0;
    }
    long n = 0;
    for (RateLimiter l : of) {
      n += l.rejections();
    }
    return n;
  }

  private static double secondsLeft(TlsMaterial m) {
    return (m.notAfter().toEpochMilli() - System.currentTimeMillis()) / 1000.0;
  }

  /** A table is being served. */
  public void tableApplied(CompiledTable t) {
    appliedVersion = t.version();
    appliedChecksum = t.checksum();
    appliedAtMillis = System.currentTimeMillis();
    rejecting = false;
    tablesApplied.increment();
  }

  /** A table was refused (NACKed); the one before keeps serving. */
  public void tableRejected(long version, String reason) {
    lastRejection = new Rejection(version, reason, System.currentTimeMillis());
    rejecting = true;
    tablesRejected.increment();
  }

  public long appliedVersion() {
    return appliedVersion;
  }

  public String appliedChecksum() {
    return appliedChecksum;
  }

  /** When the table being served was applied (epoch millis; 0 before the first). */
  public long appliedAtMillis() {
    return appliedAtMillis;
  }

  /** The last table refused, or null. */
  public Rejection lastRejection() {
    return lastRejection;
  }

  /** True while the newest table received was refused. */
  public boolean rejecting() {
    return rejecting;
  }

  /** The access log, or null when it is off. */
  public AccessLog accessLog() {
    return accessLog;
  }

  /** The span exporter, or null when export is off. */
  public OtlpExporter exporter() {
    return exporter;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  // ---- scraping ------------------------------------------------------------------------------------

  /** True when the scraper's Accept header asks for OpenMetrics rather than Prometheus' text format. */
  public static boolean openMetrics(String accept) {
    return accept != null && accept.contains("application/openmetrics-text");
  }

  /** The content types Prometheus' client writes (the text format's are not on the compile class path). */
  static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  public static String contentType(String accept) {
    return openMetrics(accept) ? OPENMETRICS : PROMETHEUS_TEXT;
  }

  /** Every meter, in the format the Accept header asks for. */
  public String scrape(String accept) {
    return registry.scrape(contentType(accept));
  }

  /** Stops the access log's and the exporter's threads (after what is queued), and the JVM binders. */
  @Override
  public void close() {
    if (accessLog != null) {
      accessLog.close();
    }
    if (exporter != null) {
      exporter.close();
    }
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        // closing a binder: nothing to do about it
      }
    }
    registry.close();
  }
}
