package dev.portcullis.dataplane.admin;

import dev.portcullis.dataplane.routing.CompiledTable;
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
 * </ul>
 */
public final class AdminServer extends VerticleBase {

  private final String host;
  private final int port;
  private final Supplier<CompiledTable> table;
  private final Supplier<Boolean> ready;
  private final Supplier<Supplier<String>> status;
  private HttpServer server;

  /**
   * @param status gives the /status source (a JSON supplier), or null when there is none
   */
  public AdminServer(String host, int port, Supplier<CompiledTable> table, Supplier<Boolean> ready,
      Supplier<Supplier<String>> status) {
    this.host = host;
    this.port = port;
    this.table = table;
    this.ready = ready;
    this.status = status;
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
      default -> text(req, 404, "not found; try /healthz, /readyz, /config_dump, /status\n");
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
