package dev.portcullis.dataplane.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.dataplane.cache.CacheKeys;
import dev.portcullis.dataplane.cache.HttpCache;
import dev.portcullis.dataplane.observability.Observability;
import dev.portcullis.dataplane.routing.CompiledTable;
import dev.portcullis.dataplane.upstream.ClusterRuntime;
import dev.portcullis.dataplane.upstream.EndpointState;
import dev.portcullis.model.routing.Router;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.push.PushMessage;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.Supplier;

/**
 * The admin port: health, readiness, metrics and what the data plane is doing. Bound to loopback
 * unless told otherwise (in a pod: the pod network, behind a NetworkPolicy), never the public
 * listener. Reads are open to whoever reaches the port; changes need the admin token.
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 while the process serves</li>
 *   <li>{@code GET /readyz}: 200 once a route table is applied, 503 before and while draining</li>
 *   <li>{@code GET /metrics}: every metric, in Prometheus' text format (OpenMetrics when asked)</li>
 *   <li>{@code GET /config} (and {@code /config_dump}): the applied table with its version and
 *       checksum, as JSON, credentials redacted (see {@link ConfigDump})</li>
 *   <li>{@code GET /status}: the data plane's state (table served, last table refused and why, route
 *       server), and in local mode what became of each object (conditions and problems)</li>
 *   <li>{@code GET /endpoints}: per cluster, its endpoints with their health, ejection and requests in flight</li>
 *   <li>{@code GET /cache/stats}: the HTTP cache's counters and size, as JSON</li>
 *   <li>{@code POST /cache/purge?url=URL}, {@code ?prefix=URL} or {@code ?all=true}: drops stored responses</li>
 *   <li>{@code GET /logging}: the log levels set; {@code POST /logging?level=DEBUG[&logger=NAME]} changes one</li>
 * </ul>
 *
 * <p>The POSTs need {@code Authorization: Bearer} the admin token, and are off without one.
 */
public final class AdminServer extends VerticleBase {

  static final String ENDPOINTS = "/healthz, /readyz, /metrics, /config, /status, /endpoints, /cache/stats, /logging";

  private final String host;
  private final int port;
  private final Supplier<CompiledTable> table;
  private final Supplier<Boolean> ready;
  private final Supplier<Supplier<String>> status;
  private final HttpCache cache;
  private final byte[] adminToken;
  private final Observability observability;
  private final Supplier<Map<String, Object>> state;
  private HttpServer server;

  /**
   * @param status        gives the per-object /status source (a JSON supplier), or null when there is none
   * @param cache         the HTTP cache, or null
   * @param adminToken    the token write operations need, or null to refuse them all
   * @param observability the metrics
   * @param state         the data plane's own state, for /status
   */
  public AdminServer(String host, int port, Supplier<CompiledTable> table, Supplier<Boolean> ready,
      Supplier<Supplier<String>> status, HttpCache cache, String adminToken, Observability observability,
      Supplier<Map<String, Object>> state) {
    this.host = host;
    this.port = port;
    this.table = table;
    this.ready = ready;
    this.status = status;
    this.cache = cache;
    this.observability = observability;
    this.state = state;
    this.adminToken = adminToken == null || adminToken.isEmpty() ? null
        : adminToken.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
        .setMaxHeaderSize(8192).setMaxInitialLineLength(4096));
    server.requestHandler(this::handle);
    return server.listen();
  }

  public int actualPort() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    if (req.path().equals("/cache/purge")) {
      purge(req);
      return;
    }
    if (req.path().equals("/logging") && req.method() == HttpMethod.POST) {
      setLevel(req);
      return;
    }
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      text(req, 405, "method not allowed\n");
      return;
    }
    switch (req.path()) {
      case "/healthz" -> text(req, 200, "ok\n");
      case "/readyz" -> {
        CompiledTable t = table.get();
        if (ready.get()) {
          text(req, 200, "ready: version " + t.version() + "\n");
        } else {
          text(req, 503, "not ready: no route table applied yet, or draining\n");
        }
      }
      case "/metrics" -> {
        String accept = req.getHeader("accept");
        // Thousands of series take a while to write: not on the event loop.
        vertx.executeBlocking(() -> observability.scrape(accept))
            .onSuccess(body -> req.response().putHeader("content-type", Observability.contentType(accept)).end(body))
            .onFailure(e -> text(req, 500, "scrape failed\n"));
      }
      case "/config", "/config_dump" -> {
        CompiledTable t = table.get();
        Object dump = t.version() > 0 ? new PushMessage.Snapshot(t.version(), t.checksum(), t.table()) : t.table();
        json(req, () -> ConfigDump.json(dump));
      }
      case "/status" -> {
        Supplier<String> objects = status.get();
        json(req, () -> statusJson(objects));
      }
      case "/endpoints" -> json(req, () -> endpointsJson(table.get()));
      case "/logging" -> json(req, () -> RouteTableJson.toPrettyJson(LogLevels.levels()));
      case "/cache/stats" -> {
        if (cache == null) {
          text(req, 404, "no cache\n");
          return;
        }
        HttpCache.Stats st = cache.stats();
        String json = "{\"hits\":" + st.hits.sum() + ",\"misses\":" + st.misses.sum() + ",\"staleServed\":"
            + st.staleServed.sum() + ",\"revalidations\":" + st.revalidations.sum() + ",\"coalesced\":"
            + st.coalesced.sum() + ",\"stores\":" + st.stores.sum() + ",\"evictions\":" + st.evictions.sum()
            + ",\"entries\":" + cache.entries() + ",\"bytes\":" + cache.bytes() + ",\"maxBytes\":" + cache.maxBytes()
            + "}\n";
        req.response().putHeader("content-type", "application/json").end(json);
      }
      default -> text(req, 404, "not found; try " + ENDPOINTS + "\n");
    }
  }

  /** JSON made off the event loop: big tables take a while to write. */
  private void json(HttpServerRequest req, java.util.concurrent.Callable<String> body) {
    vertx.executeBlocking(body)
        .onSuccess(json -> req.response().putHeader("content-type", "application/json").end(Buffer.buffer(json)))
        .onFailure(e -> text(req, 500, "failed: " + e.getClass().getSimpleName() + "\n"));
  }

  private String statusJson(Supplier<String> objects) throws java.io.IOException {
    ObjectNode root = RouteTableJson.mapper().createObjectNode();
    root.set("dataPlane", RouteTableJson.mapper().valueToTree(state.get()));
    if (objects != null) {
      root.set("objects", RouteTableJson.mapper().readTree(objects.get()));
    } else {
      root.put("objects", "in a cluster, each object's status is on the object itself (kubectl describe)");
    }
    return RouteTableJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  /** Every cluster, sorted by name, with its endpoints' state as the balancer sees it now. */
  static String endpointsJson(CompiledTable t) throws java.io.IOException {
    List<ClusterRuntime> clusters = new ArrayList<>(t.clusters());
    clusters.sort(Comparator.comparing(ClusterRuntime::name));
    long now = System.nanoTime();
    ArrayNode out = RouteTableJson.mapper().createArrayNode();
    for (ClusterRuntime c : clusters) {
      ObjectNode cn = out.addObject();
      cn.put("cluster", c.name());
      cn.put("balancer", c.cluster().balancer().name());
      cn.put("protocol", c.cluster().effectiveProtocol().name());
      cn.put("requestsInFlight", c.activeRequests());
      cn.put("panic", c.panicking());
      cn.put("circuitBreakerOpened", c.overflows());
      cn.put("ejections", c.ejections());
      ArrayNode eps = cn.putArray("endpoints");
      for (EndpointState e : c.endpoints()) {
        ObjectNode en = eps.addObject();
        en.put("address", e.endpoint().address());
        en.put("port", e.endpoint().port());
        boolean ejected = e.ejected(now);
        en.put("health", !e.checkedHealthy() ? "unhealthy" : ejected ? "ejected" : "healthy");
        en.put("healthChecks", e.checkedHealthy() ? "passing" : "failing");
        en.put("ejected", ejected);
        if (ejected) {
          en.put("ejectedForMs", e.ejectedForNanos(now) / 1_000_000);
        }
        en.put("ejectionsInARow", e.ejectionCount());
        en.put("requestsInFlight", e.active());
        en.put("requests", e.requests());
      }
    }
    return RouteTableJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out);
  }

  /** True when the request carries the admin token; else it has been answered. */
  private boolean authorized(HttpServerRequest req, String what) {
    if (adminToken == null) {
      text(req, 403, what + " is off: start the data plane with an admin token (--admin-token-file)\n");
      return false;
    }
    String auth = req.getHeader("authorization");
    byte[] given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
        ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
    if (!MessageDigest.isEqual(given, adminToken)) {
      req.response().putHeader("www-authenticate", "Bearer");
      text(req, 401, "a valid admin token is required\n");
      return false;
    }
    return true;
  }

  /** Changes a log level: {@code ?level=DEBUG} (Portcullis's loggers), {@code &logger=io.vertx} for another. */
  private void setLevel(HttpServerRequest req) {
    if (!authorized(req, "changing log levels")) {
      return;
    }
    String why = LogLevels.set(req.getParam("logger"), req.getParam("level"));
    if (why != null) {
      text(req, 400, why + "\n");
      return;
    }
    String logger = req.getParam("logger") == null ? "dev.portcullis" : req.getParam("logger").trim();
    text(req, 200, logger + " now logs at " + req.getParam("level").trim().toUpperCase(java.util.Locale.ROOT) + "\n");
  }

  /** Drops stored responses: one URL (every variant of it), every URL under a prefix, or all. */
  private void purge(HttpServerRequest req) {
    if (req.method() != HttpMethod.POST) {
      text(req, 405, "use POST\n");
      return;
    }
    if (cache == null) {
      text(req, 404, "no cache\n");
      return;
    }
    if (!authorized(req, "purging")) {
      return;
    }
    String url = req.getParam("url");
    String prefix = req.getParam("prefix");
    if ("true".equals(req.getParam("all"))) {
      text(req, 200, "purged " + cache.purgeAll() + " keys\n");
    } else if (url != null || prefix != null) {
      String key = key(url != null ? url : prefix);
      if (key == null) {
        text(req, 400, "not an absolute http(s) URL: " + (url != null ? "url" : "prefix") + "\n");
        return;
      }
      if (url != null) {
        text(req, 200, "purged " + cache.invalidate(key) + " keys\n");
      } else {
        // A prefix walks every key: not on the event loop.
        vertx.executeBlocking(() -> cache.purgePrefix(key))
            .onSuccess(n -> text(req, 200, "purged " + n + " keys\n"))
            .onFailure(e -> text(req, 500, "purge failed\n"));
      }
    } else {
      text(req, 400, "say what to purge: ?url=URL, ?prefix=URL or ?all=true\n");
    }
  }

  /** The cache key of an absolute URL (host without port, lower case; path as sent; query). */
  private static String key(String url) {
    try {
      URI u = URI.create(url);
      if (u.getHost() == null || !("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))) {
        return null;
      }
      String path = dev.portcullis.dataplane.routing.PathNormalizer.normalize(
          u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath());
      if (path == null) {
        return null;
      }
      return CacheKeys.uri(Router.normalizeHost(u.getHost()), path, u.getRawQuery(), null);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static void text(HttpServerRequest req, int status, String body) {
    req.response().setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8").end(body);
  }

  @Override
  public Future<?> stop() {
    return server.close();
  }
}
