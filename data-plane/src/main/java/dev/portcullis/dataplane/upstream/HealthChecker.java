package dev.portcullis.dataplane.upstream;

import dev.portcullis.dataplane.routing.CompiledTable;
import dev.portcullis.model.Cluster;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks: an HTTP GET to each endpoint of every cluster that asks for it, on a new
 * connection each time, every interval (jittered ±10%, and first at a random point of the first
 * interval, so that replicas and endpoints are not probed in lockstep). An endpoint turns
 * unhealthy after {@code unhealthyThreshold} failed probes in a row and healthy again after
 * {@code healthyThreshold} good ones. A probe is good when it answers in time with one of the
 * expected statuses (200–399 when none are listed).
 *
 * <p>Runs on its own event loop; the route table tells it what to probe after each swap.
 */
public final class HealthChecker extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);
  static final String USER_AGENT = "portcullis-health-check";
  /** Probe answers are read and thrown away, up to this much; a bigger body ends the probe. */
  static final int MAX_BODY = 64 * 1024;

  private final Map<EndpointState, Probe> probes = new IdentityHashMap<>();
  private HttpClient http1;
  private HttpClient h2c;

  @Override
  public Future<?> start() {
    http1 = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setTcpNoDelay(true)
        .setMaxHeaderSize(32 * 1024), new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(10_000));
    h2c = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setUseAlpn(true), new PoolOptions().setHttp2MaxSize(1).setMaxWaitQueueSize(10_000));
    return Future.succeededFuture();
  }

  /** The table changed: probe what it asks for. Callable from any thread. */
  public void tableChanged(CompiledTable table) {
    if (context == null) {
      return;
    }
    context.runOnContext(v -> reconcile(table));
  }

  private void reconcile(CompiledTable table) {
    Map<EndpointState, Probe> wanted = new IdentityHashMap<>();
    // The endpoints without checks matter only to probes being stopped: with none running (most
    // tables), 10,000 endpoints are not put in a map on the event loop at every change.
    boolean running = !probes.isEmpty();
    Map<EndpointState, Boolean> unchecked = new IdentityHashMap<>();
    for (ClusterRuntime cluster : table.clusters()) {
      Cluster.HealthCheck check = cluster.cluster().healthCheck();
      if (check == null && !running) {
        continue;
      }
      for (EndpointState e : cluster.endpoints()) {
        if (check == null) {
          unchecked.put(e, true);
          continue;
        }
        Probe existing = probes.get(e);
        if (existing != null && existing.check.equals(check)
            && existing.protocol == cluster.cluster().effectiveProtocol() && existing.ssl == cluster.ssl()) {
          wanted.put(e, existing);
        } else {
          wanted.put(e, new Probe(e, check, cluster.cluster().effectiveProtocol(), cluster.name(), cluster.ssl(),
              cluster.serverName()));
        }
      }
    }
    for (Map.Entry<EndpointState, Probe> old : new HashMap<>(probes).entrySet()) {
      if (wanted.get(old.getKey()) != old.getValue()) {
        old.getValue().stop();
        probes.remove(old.getKey());
        if (unchecked.containsKey(old.getKey()) && !old.getKey().checkedHealthy) {
          // Checks were turned off: the endpoint is as healthy as Kubernetes says it is.
          old.getKey().checkedHealthy = true;
          EndpointState.HEALTH_VERSION.incrementAndGet();
        }
      }
    }
    for (Map.Entry<EndpointState, Probe> e : wanted.entrySet()) {
      if (probes.put(e.getKey(), e.getValue()) == null) {
        e.getValue().schedule(true);
      }
    }
  }

  /** Probes being run (for tests and the admin port). */
  public int probeCount() {
    return probes.size();
  }

  @Override
  public Future<?> stop() {
    probes.values().forEach(Probe::stop);
    probes.clear();
    return http1.close().eventually(() -> h2c.close());
  }

  private final class Probe {
    final EndpointState endpoint;
    final Cluster.HealthCheck check;
    final Cluster.Protocol protocol;
    final String clusterName;
    /** As the cluster's requests: probes check the endpoint the way traffic reaches it. */
    final io.vertx.core.net.ClientSSLOptions ssl;
    final String serverName;
    long timer = -1;
    boolean stopped;

    Probe(EndpointState endpoint, Cluster.HealthCheck check, Cluster.Protocol protocol, String clusterName,
        io.vertx.core.net.ClientSSLOptions ssl, String serverName) {
      this.ssl = ssl;
      this.serverName = serverName;
      this.endpoint = endpoint;
      this.check = check;
      this.protocol = protocol;
      this.clusterName = clusterName;
    }

    void schedule(boolean first) {
      if (stopped) {
        return;
      }
      ThreadLocalRandom random = ThreadLocalRandom.current();
      long interval = check.intervalMs();
      long delay = first ? 1 + random.nextLong(Math.max(1, interval))
          : Math.max(1, (long) (interval * (0.9 + 0.2 * random.nextDouble())));
      timer = vertx.setTimer(delay, t -> probe());
    }

    void stop() {
      stopped = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }

    private void probe() {
      timer = -1;
      if (stopped) {
        return;
      }
      boolean[] settled = {false};
      long deadline = vertx.setTimer(check.timeoutMs(), t -> settle(settled, false, "timed out after "
          + check.timeoutMs() + " ms"));
      RequestOptions options = new RequestOptions()
          .setMethod(HttpMethod.GET)
          .setServer(SocketAddress.inetSocketAddress(endpoint.endpoint().port(), endpoint.endpoint().address()))
          .setHost(endpoint.endpoint().address())
          .setPort(endpoint.endpoint().port())
          .setURI(check.path())
          .setConnectTimeout(check.timeoutMs())
          .putHeader("user-agent", USER_AGENT);
      if (ssl != null) {
        options.setSsl(true).setSslOptions(ssl);
        if (serverName != null) {
          options.setHost(serverName);
        }
      }
      (protocol.http2() ? h2c : http1).request(options)
          .compose(req -> req.send())
          .onComplete(ar -> {
            if (ar.failed()) {
              vertx.cancelTimer(deadline);
              settle(settled, false, ar.cause().toString());
              return;
            }
            var response = ar.result();
            int status = response.statusCode();
            boolean ok = expected(status);
            int[] read = {0};
            response.handler(b -> {
              read[0] += b.length();
              if (read[0] > MAX_BODY) {
                response.request().reset();
              }
            });
            response.exceptionHandler(e -> {
              vertx.cancelTimer(deadline);
              settle(settled, ok, "status " + status);
            });
            response.endHandler(v -> {
              vertx.cancelTimer(deadline);
              settle(settled, ok, "status " + status);
            });
          });
    }

    private boolean expected(int status) {
      List<Integer> statuses = check.expectedStatuses();
      return statuses.isEmpty() ? status >= 200 && status < 400 : statuses.contains(status);
    }

    private void settle(boolean[] settled, boolean ok, String detail) {
      if (settled[0]) {
        return;
      }
      settled[0] = true;
      if (stopped) {
        return;
      }
      if (endpoint.checked(ok, check.healthyThreshold(), check.unhealthyThreshold())) {
        if (ok) {
          LOG.info("endpoint {} of {} is healthy again", endpoint, clusterName);
        } else {
          LOG.warn("endpoint {} of {} failed {} health checks in a row ({}): no new requests until it recovers",
              endpoint, clusterName, check.unhealthyThreshold(), detail);
        }
      }
      schedule(false);
    }
  }
}
