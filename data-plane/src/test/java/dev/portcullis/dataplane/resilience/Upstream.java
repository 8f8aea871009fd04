package dev.portcullis.dataplane.resilience;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend whose behaviour a test changes while traffic flows: answers, fails with 503, hangs,
 * slows down, or dies; echoes WebSocket messages; counts what it was sent. Its health endpoint
 * {@code /healthz} answers {@link #healthStatus} and is not counted.
 */
final class Upstream implements AutoCloseable {

  enum Mode { OK, FAIL_503, HANG }

  final String name;
  volatile Mode mode = Mode.OK;
  volatile int delayMs;
  volatile int healthStatus = 200;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger healthChecks = new AtomicInteger();
  final AtomicInteger inFlight = new AtomicInteger();
  /** Requests that came with Transfer-Encoding: chunked. */
  final AtomicInteger chunkedRequests = new AtomicInteger();
  private final Vertx vertx;
  private HttpServer server;
  private int port;

  private Upstream(Vertx vertx, String name) {
    this.vertx = vertx;
    this.name = name;
  }

  static Upstream start(Vertx vertx, String name) throws Exception {
    Upstream u = new Upstream(vertx, name);
    u.listen(0);
    return u;
  }

  private void listen(int onPort) throws Exception {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(onPort));
    server.webSocketHandler(ws -> {
      ws.textMessageHandler(ws::writeTextMessage);
      ws.binaryMessageHandler(ws::writeBinaryMessage);
    });
    server.requestHandler(this::handle);
    await(server.listen());
    port = server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    if (req.path().equals("/healthz")) {
      healthChecks.incrementAndGet();
      req.response().setStatusCode(healthStatus).end("health of " + name);
      return;
    }
    requests.incrementAndGet();
    inFlight.incrementAndGet();
    if (req.headers().contains("transfer-encoding")) {
      chunkedRequests.incrementAndGet();
    }
    req.response().closeHandler(v -> { });
    req.body().onComplete(body -> {
      Mode m = mode;
      if (m == Mode.HANG) {
        req.connection().closeHandler(v -> inFlight.decrementAndGet());
        return;
      }
      Runnable answer = () -> {
        inFlight.decrementAndGet();
        int status = m == Mode.FAIL_503 ? 503 : 200;
        int size = body.succeeded() ? body.result().length() : -1;
        req.response().setStatusCode(status).putHeader("x-upstream", name).end(name + " " + size);
      };
      int delay = delayMs;
      if (delay > 0) {
        vertx.setTimer(delay, t -> answer.run());
      } else {
        answer.run();
      }
    });
  }

  int port() {
    return port;
  }

  /** Dies as a killed process would: the listener and every connection close at once. */
  void kill() throws Exception {
    await(server.close());
  }

  /** Comes back on the same port. */
  void restart() throws Exception {
    listen(port);
  }

  @Override
  public void close() throws Exception {
    kill();
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
