package dev.portcullis.dataplane;

import dev.portcullis.dataplane.admin.AdminServer;
import dev.portcullis.dataplane.auth.AuthRuntime;
import dev.portcullis.dataplane.config.ConfigClient;
import dev.portcullis.dataplane.cache.CacheGate;
import dev.portcullis.dataplane.cache.HttpCache;
import dev.portcullis.dataplane.listener.ListenerGuard;
import dev.portcullis.dataplane.observability.Observability;
import dev.portcullis.dataplane.proxy.Drain;
import dev.portcullis.dataplane.proxy.ProxyVerticle;
import dev.portcullis.dataplane.upstream.HealthChecker;
import dev.portcullis.dataplane.routing.CompiledTable;
import dev.portcullis.dataplane.tls.CertificateStore;
import dev.portcullis.dataplane.tls.ClientCertTrustManager;
import dev.portcullis.dataplane.tls.SelfSignedCertificate;
import dev.portcullis.dataplane.tls.SniKeyManager;
import dev.portcullis.dataplane.tls.TlsMaterial;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.push.PushMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.portcullis.model.Certificate;
import dev.portcullis.model.Credential;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running data plane: the public listener (one proxy verticle per event loop), the admin port,
 * and, when configured, the client that follows a route server.
 *
 * <p>Route tables are compiled on a worker thread and swapped in atomically; each request reads
 * the table once, so requests in flight finish on the table they started with.
 */
public final class DataPlane implements AutoCloseable, ConfigClient.SnapshotSink {

  private static final Logger LOG = LoggerFactory.getLogger(DataPlane.class);

  private final DataPlaneConfig config;
  private final Vertx vertx;
  private final AtomicReference<CompiledTable> table = new AtomicReference<>(CompiledTable.EMPTY);
  /** The default certificate made at start, served until (and unless) a snapshot brings one. */
  private final TlsMaterial generatedDefault;
  private final AtomicReference<CertificateStore> certificates;
  private final SniKeyManager keyManager;
  private final ClientCertTrustManager clientTrust;
  /** Whether the HTTPS listener asks clients for certificates (some host checks them). */
  private volatile boolean clientCertificatesRequested;
  private final Drain drain = new Drain();
  private final HttpCache cache;
  private final CacheGate cacheGate;
  private final List<ProxyVerticle> proxyVerticles = new ArrayList<>();
  /** One guard for all proxy instances: connection limits count across every event loop. */
  private final ListenerGuard guard;
  /** bcrypt workers and fetched key sets, shared by every table and event loop. */
  private final AuthRuntime auth;
  private HealthChecker healthChecker;
  /** Metrics, access log and traces. */
  private final Observability observability;
  private volatile ConfigClient configClient;
  private volatile boolean applied;
  private volatile Supplier<String> statusSource;
  private int httpPort;
  private int httpsPort = -1;
  private int adminPort = -1;

  private DataPlane(DataPlaneConfig config, Vertx vertx) throws IOException {
    this.config = config;
    this.vertx = vertx;
    this.generatedDefault = config.tls().enabled() ? SelfSignedCertificate.generate() : null;
    this.certificates = new AtomicReference<>(generatedDefault == null ? null : CertificateStore.of(generatedDefault));
    this.keyManager = new SniKeyManager(certificates::get);
    this.clientTrust = new ClientCertTrustManager(() -> table.get().clientAuthorities());
    this.cache = new HttpCache(config.cacheBytes());
    this.cacheGate = new CacheGate(cache);
    this.guard = new ListenerGuard(config.limits());
    this.auth = config.auth().runtime(vertx);
    this.observability = new Observability(vertx, config.observability(), table::get,
        config.limits().trustedProxies(), config.nodeId());
    observability.bind(cache);
    observability.bind(guard);
  }

  /** Starts and waits until the listeners are bound; throws if they cannot be. */
  public static DataPlane start(DataPlaneConfig config) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setPreferNativeTransport(true)
        .setEventLoopPoolSize(config.eventLoops())
        .setMaxEventLoopExecuteTime(2)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS));
    DataPlane dp;
    try {
      dp = new DataPlane(config, vertx);
    } catch (IOException e) {
      vertx.close();
      throw new IllegalArgumentException("cannot open the access log " + config.observability().accessLog().destination()
          + ": " + e.getMessage(), e);
    }
    try {
      await(dp.deploy());
    } catch (Exception e) {
      dp.observability.close();
      vertx.close();
      throw e;
    }
    return dp;
  }

  private Future<Void> deploy() {
    if (!vertx.isNativeTransportEnabled()) {
      LOG.info("native transport unavailable ({}); using NIO", String.valueOf(vertx.unavailableNativeTransportCause()));
    }
    List<Future<String>> proxies = new ArrayList<>();
    int port;
    try {
      // Vert.x shares one listening socket between instances only for the same requested port,
      // and port 0 is never shared: resolve a free port first.
      port = config.httpPort() == 0 ? freePort(config.bindAddress()) : config.httpPort();
      if (config.tls().enabled()) {
        httpsPort = config.tls().port() == 0 ? freePort(config.bindAddress()) : config.tls().port();
      }
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    httpPort = port;
    for (int i = 0; i < config.eventLoops(); i++) {
      ProxyVerticle verticle = new ProxyVerticle(config.bindAddress(), port, httpsPort, config.tls(), keyManager,
          clientTrust, table::get, drain, cacheGate, guard, observability);
      proxyVerticles.add(verticle);
      proxies.add(vertx.deployVerticle(verticle));
    }
    healthChecker = new HealthChecker();
    return Future.all(proxies).compose(v -> vertx.deployVerticle(healthChecker)).compose(v -> {
      if (config.adminPort() < 0) {
        return Future.succeededFuture();
      }
      AdminServer admin = new AdminServer(config.adminBindAddress(), config.adminPort(), table::get,
          () -> applied && !drain.draining(), () -> statusSource, cache, config.adminToken(), observability,
          this::state);
      return vertx.deployVerticle(admin).onSuccess(id -> adminPort = admin.actualPort());
    }).compose(v -> {
      if (config.routeServer() == null) {
        return Future.succeededFuture();
      }
      configClient = new ConfigClient(config.routeServer(), config.token(), config.routeTls(), config.nodeId(), this);
      return vertx.deployVerticle(configClient);
    }).map(v -> {
      LOG.info("data plane listening on {}:{}{} ({} event loops), admin on {}", config.bindAddress(), httpPort,
          httpsPort < 0 ? "" : " and HTTPS " + httpsPort, config.eventLoops(),
          adminPort < 0 ? "none" : config.adminBindAddress() + ":" + adminPort);
      return null;
    });
  }

  private static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return s.getLocalPort();
    }
  }

  /** Compiles the table off the event loop and swaps it in. Fails (and keeps the old table) if it cannot. */
  @Override
  public Future<Void> apply(PushMessage.Snapshot snapshot) {
    return vertx.executeBlocking(() -> {
          // What arrived is what was sent: a table that does not match its checksum (a bug, or a
          // route server of another version that reads fields differently) is refused.
          String actual = RouteTableJson.checksum(snapshot.table());
          if (!actual.equals(snapshot.checksum())
              && !RouteTableJson.legacyChecksum(snapshot.table()).equals(snapshot.checksum())) {
            // (A route server of the release before deltas checksums the whole JSON.)
            throw new dev.portcullis.model.ModelException("checksum", "is " + snapshot.checksum()
                + " but the table received has " + actual);
          }
          CertificateStore store = generatedDefault == null ? null
              : CertificateStore.build(snapshot.table(), snapshot.certificates(), generatedDefault, certificates.get());
          CompiledTable next = CompiledTable.compile(snapshot.version(), snapshot.checksum(), snapshot.table(),
              table.get(), auth, snapshot.credentials());
          // Before the swap: the meters of what the new table drops go, none of what it keeps.
          observability.tableApplying(next, store);
          return new Compiled(next, store);
        })
        .compose(done -> {
          CompiledTable compiled = done.table();
          // The listener asks for client certificates before a host needs them, and stops asking
          // only once none does: no connection in between lacks a certificate it should have.
          boolean wants = compiled.wantsClientCertificates();
          Future<Void> before = wants && !clientCertificatesRequested ? requestClientCertificates(true)
              : Future.succeededFuture();
          return before.compose(v -> {
            if (done.certificates() != null) {
              // Certificates first: a host that just got its certificate is served with it at once.
              keyManager.replaced(certificates.getAndSet(done.certificates()));
            }
            table.set(compiled);
            auth.retainJwks(compiled.jwksUris());
            healthChecker.tableChanged(compiled);
            applied = true;
            observability.tableApplied(compiled);
            LOG.info("serving route table version {} ({} hosts, {} routes, {} clusters)", compiled.version(),
                compiled.table().virtualHosts().size(), compiled.table().routeCount(),
                compiled.table().clusters().size());
            // The table is applied once the listener stops asking, too.
            return !wants && clientCertificatesRequested
                ? requestClientCertificates(false).recover(e -> Future.succeededFuture()) : Future.<Void>succeededFuture();
          });
        })
        .onFailure(e -> observability.tableRejected(snapshot.version(),
            e instanceof dev.portcullis.model.ModelException ? e.getMessage() : e.toString()))
        // The meters of what went are removed once the table serves: it does not wait for them.
        .onComplete(ar -> vertx.executeBlocking(() -> {
          observability.sweepMeters();
          return null;
        }, false));
  }

  @Override
  public void unreadable(long version, String reason) {
    observability.tableRejected(version, reason);
  }

  /** What the admin port's /status says of this data plane. */
  private Map<String, Object> state() {
    Map<String, Object> s = new java.util.LinkedHashMap<>();
    s.put("node", config.nodeId());
    s.put("ready", applied && !drain.draining());
    s.put("draining", drain.draining());
    Map<String, Object> served = new java.util.LinkedHashMap<>();
    CompiledTable t = table.get();
    served.put("version", t.version());
    served.put("checksum", applied ? t.checksum() : null);
    served.put("appliedAt", observability.appliedAtMillis() == 0 ? null
        : java.time.Instant.ofEpochMilli(observability.appliedAtMillis()).toString());
    served.put("hosts", t.table().virtualHosts().size());
    served.put("routes", t.table().routeCount());
    served.put("clusters", t.table().clusters().size());
    s.put("routeTable", served);
    Observability.Rejection r = observability.lastRejection();
    if (r != null) {
      Map<String, Object> rejected = new java.util.LinkedHashMap<>();
      rejected.put("version", r.version());
      rejected.put("reason", r.reason());
      rejected.put("at", java.time.Instant.ofEpochMilli(r.atMillis()).toString());
      rejected.put("newest", observability.rejecting());
      s.put("lastRejected", rejected);
    }
    ConfigClient client = configClient;
    if (client != null) {
      Map<String, Object> rs = new java.util.LinkedHashMap<>();
      rs.put("url", client.server().toString());
      rs.put("connected", client.following());
      s.put("routeServer", rs);
    }
    Map<String, Object> listeners = new java.util.LinkedHashMap<>();
    listeners.put("http", httpPort);
    listeners.put("https", httpsPort < 0 ? null : httpsPort);
    listeners.put("connections", guard.limiter().open());
    s.put("listeners", listeners);
    CertificateStore store = certificates.get();
    if (store != null) {
      Map<String, Object> certs = new java.util.TreeMap<>();
      store.named().forEach((name, m) -> certs.put(name, Map.of("subject", m.leaf().getSubjectX500Principal().getName(),
          "notAfter", m.notAfter().toString())));
      s.put("certificates", certs);
    }
    return s;
  }

  /** Metrics, access log and traces of this data plane. */
  public Observability observability() {
    return observability;
  }

  private Future<Void> requestClientCertificates(boolean request) {
    clientCertificatesRequested = request;
    List<Future<Boolean>> updates = new ArrayList<>();
    proxyVerticles.forEach(v -> updates.add(v.requestClientCertificates(request)));
    return Future.all(updates).<Void>mapEmpty()
        .onFailure(e -> LOG.warn("could not change whether clients are asked for certificates: {}", e.toString()));
  }

  private record Compiled(CompiledTable table, CertificateStore certificates) {}

  /** Applies a table directly (no route server): for embedding and tests. Waits for the swap. */
  public void apply(long version, RouteTable routeTable) throws Exception {
    apply(version, routeTable, Map.of());
  }

  /** Applies a table and the certificates its hosts use, directly. Waits for the swap. */
  public void apply(long version, RouteTable routeTable, Map<String, Certificate> certs) throws Exception {
    apply(version, routeTable, certs, Map.of());
  }

  /** Applies a table with its certificates and the credentials its routes authenticate with. Waits for the swap. */
  public void apply(long version, RouteTable routeTable, Map<String, Certificate> certs,
      Map<String, Credential> credentials) throws Exception {
    await(apply(new PushMessage.Snapshot(version, RouteTableJson.checksum(routeTable), routeTable, certs,
        credentials)));
  }

  /** Authentication's shared state: bcrypt workers, fetched key sets. */
  public AuthRuntime auth() {
    return auth;
  }

  /** The certificates being served, or null without an HTTPS listener. */
  public CertificateStore certificates() {
    return certificates.get();
  }

  @Override
  public String currentChecksum() {
    return applied ? table.get().checksum() : null;
  }

  /** What the admin port's /status serves (local mode: object conditions as JSON). */
  public void statusSource(Supplier<String> source) {
    this.statusSource = source;
  }

  public CompiledTable current() {
    return table.get();
  }

  public boolean ready() {
    return applied;
  }

  public int httpPort() {
    return httpPort;
  }

  /** Client connections open on the public listener now. */
  public int listenerConnections() {
    return guard.limiter().open();
  }

  public int adminPort() {
    return adminPort;
  }

  /** The HTTPS listener's port, or -1 when there is none. */
  public int httpsPort() {
    return httpsPort;
  }

  public DataPlaneConfig config() {
    return config;
  }

  Vertx vertx() {
    return vertx;
  }

  private static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new IllegalStateException("data plane did not start within 60 s", e);
    }
  }

  /** The HTTP cache every event loop shares. */
  public HttpCache cache() {
    return cache;
  }

  /** True once {@link #drain} began. */
  public boolean draining() {
    return drain.draining();
  }

  /**
   * Graceful shutdown, as on SIGTERM: readiness fails at once and HTTP/1.1 responses carry
   * {@code Connection: close}, while the listener keeps serving for {@code periodMs} (load
   * balancers and endpoint lists take that long to stop sending here); then the listener closes,
   * idle connections are closed, and requests in flight get until {@code timeoutMs} to finish.
   * Blocks the calling thread (never call it on an event loop); returns when all is stopped.
   */
  public void drain(long periodMs, long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(periodMs + timeoutMs);
    drain.begin();
    LOG.info("draining: not ready, still serving for {} ms, then up to {} ms for requests in flight", periodMs,
        timeoutMs);
    try {
      Thread.sleep(periodMs);
      List<Future<Void>> stops = new ArrayList<>();
      for (ProxyVerticle v : proxyVerticles) {
        stops.add(v.shutdown(timeoutMs));
      }
      long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1000);
      Future.join(stops).toCompletionStage().toCompletableFuture().get(left, TimeUnit.MILLISECONDS);
      LOG.info("drained");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("drain did not finish cleanly: {}", e.toString());
    }
    close();
  }

  @Override
  public void close() {
    observability.close();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("data plane did not stop cleanly: {}", e.toString());
    }
  }
}
