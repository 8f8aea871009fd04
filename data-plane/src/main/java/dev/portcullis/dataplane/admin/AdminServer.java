package dev.portcullis.dataplane.admin;

import dev.portcullis.dataplane.cache.CacheKeys;
import dev.portcullis.dataplane.cache.HttpCache;
import dev.portcullis.dataplane.routing.CompiledTable;
import dev.portcullis.model.routing.Router;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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
 * The admin port: health, readiness and the running configuration. Bound to loopback unless told
 * otherwise, and never the public listener.
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 while the process serves</li>
 *   <li>{@code GET /readyz}: 200 once a route table is applied, 503 before</li>
 *   <li>{@code GET /config_dump}: the applied table with its version and checksum, as JSON</li>
 *   <li>{@code GET /status}: in local mode, what became of each object (conditions and problems),
 *       as JSON; in a cluster that lives on the objects themselves</li>
 *   <li>{@code GET /cache/stats}: the HTTP cache's counters and size, as JSON</li>
 *   <li>{@code POST /cache/purge?url=URL}, {@code ?prefix=URL} or {@code ?all=true}: drops stored
 *       responses; needs {@code Authorization: Bearer} the admin token, and is off without one</li>
 * </ul>
 */
public final class AdminServer extends VerticleBase {

  private final String host;
  private final int port;
  private final Supplier<CompiledTable> table;
  private final Supplier<Boolean> ready;
  private final Supplier<Supplier<String>> status;
  private final HttpCache cache;
  private final byte[] adminToken;
  private HttpServer server;

  /**
   * @param status gives the /status source (a JSON supplier), or null when there is none
   */
  public AdminServer(String host, int port, Supplier<CompiledTable> table, Supplier<Boolean> ready,
      Supplier<Supplier<String>> status) {
    this(host, port, table, ready, status, null, null);
  }

  /**
   * @param cache      the HTTP cache, or null
   * @param adminToken the token write operations need, or null to refuse them all
   */
  public AdminServer(String host, int port, Supplier<CompiledTable> table, Supplier<Boolean> ready,
      Supplier<Supplier<String>> status, HttpCache cache, String adminToken) {
    this.host = host;
    this.port = port;
    this.table = table;
    this.ready = ready;
    this.status = status;
    this.cache = cache;
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
          text(req, 503, "not ready: no route table applied yet\n");
        }
      }
      case "/config_dump" -> {
        CompiledTable t = table.get();
        Object dump = t.version() > 0 ? new PushMessage.Snapshot(t.version(), t.checksum(), t.table()) : t.table();
        // Serialising a big table takes a while: not on the event loop.
        vertx.executeBlocking(() -> Buffer.buffer(RouteTableJson.toPrettyJson(dump)))
            .onSuccess(body -> req.response().putHeader("content-type", "application/json").end(body))
            .onFailure(e -> text(req, 500, "config dump failed\n"));
      }
      case "/status" -> {
        Supplier<String> source = status.get();
        if (source == null) {
          text(req, 404, "no status here: in a cluster, object status lives on the objects (kubectl get pr)\n");
        } else {
          vertx.executeBlocking(source::get)
              .onSuccess(json -> req.response().putHeader("content-type", "application/json").end(json))
              .onFailure(e -> text(req, 500, "status failed\n"));
        }
      }
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
      default -> text(req, 404, "not found; try /healthz, /readyz, /config_dump, /status, /cache/stats\n");
    }
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
    if (adminToken == null) {
      text(req, 403, "purging is off: start the data plane with an admin token (--admin-token-file)\n");
      return;
    }
    String auth = req.getHeader("authorization");
    byte[] given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
        ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
    if (!MessageDigest.isEqual(given, adminToken)) {
      req.response().putHeader("www-authenticate", "Bearer");
      text(req, 401, "a valid admin token is required\n");
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
