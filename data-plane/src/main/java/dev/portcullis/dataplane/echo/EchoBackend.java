package dev.portcullis.dataplane.echo;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small HTTP server that tells what it received, for the demo, for tests and for checking a
 * route by hand: its JSON answer names the backend and echoes the method, path, query and headers.
 *
 * <p>Query parameters shape the answer: {@code status=N} sets the status, {@code delay=MS} waits
 * before answering, {@code size=N} answers with N bytes (streamed, chunked) instead of JSON, and
 * {@code echo=body} streams the request body back. Request bodies are counted, never buffered.
 */
public final class EchoBackend {

  private static final int MAX_SIZE = 1 << 30;
  private static final int MAX_DELAY_MS = 600_000;

  private final Vertx vertx;
  private final String name;
  private final HttpServer server;

  private EchoBackend(Vertx vertx, String name, HttpServer server) {
    this.vertx = vertx;
    this.name = name;
    this.server = server;
  }

  public static Future<EchoBackend> start(Vertx vertx, String name, String host, int port) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
        .setHttp2ClearTextEnabled(true));
    EchoBackend backend = new EchoBackend(vertx, name, server);
    server.requestHandler(backend::handle);
    return server.listen().map(s -> backend);
  }

  public String name() {
    return name;
  }

  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server.close();
  }

  private void handle(HttpServerRequest req) {
    HttpServerResponse res = req.response();
    res.putHeader("server", "portcullis-echo");
    res.putHeader("x-backend", name);
    int status = intParam(req, "status", 200, 100, 599);
    int delay = intParam(req, "delay", 0, 0, MAX_DELAY_MS);
    if ("body".equals(req.getParam("echo"))) {
      String type = req.getHeader("content-type");
      if (type != null) {
        res.putHeader("content-type", type);
      }
      String length = req.getHeader("content-length");
      if (length != null) {
        res.putHeader("content-length", length);
      } else {
        res.setChunked(true);
      }
      res.setStatusCode(status);
      req.pipeTo(res);
      return;
    }
    long[] bodyBytes = {0};
    req.handler(b -> bodyBytes[0] += b.length());
    req.endHandler(v -> {
      Runnable answer = () -> answer(req, res, status, bodyBytes[0]);
      if (delay > 0) {
        vertx.setTimer(delay, t -> answer.run());
      } else {
        answer.run();
      }
    });
  }

  private void answer(HttpServerRequest req, HttpServerResponse res, int status, long bodyBytes) {
    if (res.closed()) {
      return;
    }
    res.setStatusCode(status);
    String size = req.getParam("size");
    if (size != null) {
      int n = intParam(req, "size", 0, 0, MAX_SIZE);
      res.setChunked(true).putHeader("content-type", "application/octet-stream");
      writeChunks(res, n);
      return;
    }
    JsonObject json = new JsonObject()
        .put("backend", name)
        .put("method", req.method().name())
        .put("path", req.path())
        .put("query", req.query())
        .put("protocol", req.version().alpnName())
        .put("headers", headers(req.headers()))
        .put("bodyBytes", bodyBytes);
    Buffer body = Buffer.buffer(json.encodePrettily()).appendString("\n");
    res.putHeader("content-type", "application/json");
    if (req.method() == HttpMethod.HEAD) {
      res.putHeader("content-length", Integer.toString(body.length())).end();
    } else {
      res.end(body);
    }
  }

  /** Writes n bytes in 16 KiB chunks, respecting back-pressure. */
  private static void writeChunks(HttpServerResponse res, int remaining) {
    Buffer chunk = Buffer.buffer(new byte[16 * 1024]);
    while (remaining > 0 && !res.writeQueueFull()) {
      int n = Math.min(remaining, chunk.length());
      res.write(n == chunk.length() ? chunk : chunk.getBuffer(0, n));
      remaining -= n;
    }
    if (remaining == 0) {
      res.end();
    } else {
      int left = remaining;
      res.drainHandler(v -> writeChunks(res, left));
    }
  }

  private static Map<String, String> headers(MultiMap headers) {
    Map<String, String> out = new TreeMap<>();
    for (String name : headers.names()) {
      out.put(name.toLowerCase(java.util.Locale.ROOT), String.join(", ", headers.getAll(name)));
    }
    return out;
  }

  private static int intParam(HttpServerRequest req, String name, int dflt, int min, int max) {
    String v = req.getParam(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Math.max(min, Math.min(max, Integer.parseInt(v)));
    } catch (NumberFormatException e) {
      return dflt;
    }
  }
}
