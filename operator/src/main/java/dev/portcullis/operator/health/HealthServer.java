package dev.portcullis.operator.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operator's health port: {@code /healthz} (the process serves), {@code /readyz} (the caches
 * are synced and the first table is built) and {@code /metrics} (Prometheus). Never the route
 * server's port, and never public (the chart's NetworkPolicy keeps it so).
 */
public final class HealthServer implements AutoCloseable {

  private final HttpServer server;

  /**
   * @param ready  null when ready, else why not
   * @param alive  null when healthy, else why not
   */
  public HealthServer(InetSocketAddress bind, Supplier<String> alive, Supplier<String> ready, OperatorMetrics metrics)
      throws IOException {
    server = HttpServer.create(bind, 16);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "health-server");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/healthz", ex -> check(ex, alive.get(), "ok\n"));
    server.createContext("/readyz", ex -> check(ex, ready.get(), "ready\n"));
    server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    server.createContext("/", ex -> send(ex, 404, "text/plain; charset=utf-8", "not found; try /healthz, /readyz, /metrics\n"));
  }

  public HealthServer start() {
    server.start();
    return this;
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static void check(HttpExchange ex, String problem, String ok) throws IOException {
    if (problem == null) {
      send(ex, 200, "text/plain; charset=utf-8", ok);
    } else {
      send(ex, 503, "text/plain; charset=utf-8", "not ready: " + problem + "\n");
    }
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        status = 405;
        body = "method not allowed\n";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(status, "HEAD".equals(ex.getRequestMethod()) ? -1 : bytes.length);
      if (!"HEAD".equals(ex.getRequestMethod())) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
