package dev.portcullis.dataplane.resilience;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin for cache tests: each path answers as the test configured it (status, header fields,
 * body, delay; or 304 when the request's validators match), counts the requests it gets and
 * keeps the last one's header fields.
 */
final class Origin implements AutoCloseable {

  /** How a path answers. */
  static final class Answer {
    int status = 200;
    final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    String body = "body";
    int delayMs;
    /** Answer 304 to a request whose If-None-Match names this ETag. */
    String etag;
    /** Answer 304 to a request whose If-Modified-Since is this Last-Modified. */
    String lastModified;

    Answer header(String name, String value) {
      headers.add(name, value);
      return this;
    }

    Answer status(int s) {
      status = s;
      return this;
    }

    Answer body(String b) {
      body = b;
      return this;
    }
  }

  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final Map<String, MultiMap> lastHeaders = new ConcurrentHashMap<>();
  private final HttpServer server;

  Origin(Vertx vertx) throws Exception {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0));
    server.requestHandler(this::handle);
    Upstream.await(server.listen());
  }

  int port() {
    return server.actualPort();
  }

  Answer answer(String path) {
    Answer a = new Answer();
    answers.put(path, a);
    return a;
  }

  int count(String path) {
    AtomicInteger n = counts.get(path);
    return n == null ? 0 : n.get();
  }

  MultiMap last(String path) {
    return lastHeaders.get(path);
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    counts.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
    lastHeaders.put(path, MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
    req.body().onComplete(b -> {
      Answer a = answers.get(path);
      if (a == null) {
        req.response().setStatusCode(404).end("no answer configured");
        return;
      }
      Runnable send = () -> {
        boolean notModified = (a.etag != null && a.etag.equals(req.getHeader("if-none-match")))
            || (a.etag == null && a.lastModified != null && a.lastModified.equals(req.getHeader("if-modified-since")));
        var res = req.response().setStatusCode(notModified ? 304 : a.status);
        res.headers().addAll(a.headers);
        res.putHeader("x-origin-count", Integer.toString(count(path)));
        if (notModified) {
          res.end();
        } else {
          res.end(a.body);
        }
      };
      if (a.delayMs > 0) {
        Vertx.currentContext().owner().setTimer(a.delayMs, t -> send.run());
      } else {
        send.run();
      }
    });
  }

  @Override
  public void close() throws Exception {
    Upstream.await(server.close());
  }

  static List<String> none() {
    return List.of();
  }
}
