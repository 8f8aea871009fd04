package dev.portcullis.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.NetServer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The data plane's own upstream client against a real HTTP server on loopback: pooling, the
 * answers it must read correctly (1xx, HEAD, trailers, large bodies under back-pressure), and
 * the ways an exchange can go wrong.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Http1UpstreamTest {
  private static final int BIG = 1 << 20;

  Vertx vertx;
  HttpServer backend;
  HttpServer closingBackend;
  NetServer garbage;
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger closingConnections = new AtomicInteger();
  ContextInternal context;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    backend = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0));
    backend.connectionHandler(c -> connections.incrementAndGet());
    backend.requestHandler(req -> {
      HttpServerResponse res = req.response();
      switch (req.path()) {
        case "/close" -> res.putHeader("connection", "close").end("bye");
        case "/hints" -> res.writeEarlyHints(MultiMap.caseInsensitiveMultiMap().add("link", "</a.css>; rel=preload"))
            .onComplete(v -> res.end("hinted"));
        case "/trailers" -> {
          res.setChunked(true);
          res.write("part");
          res.trailers().add("x-checksum", "abc");
          res.end();
        }
        case "/big" -> res.end(Buffer.buffer(new byte[BIG]));
        case "/slow" -> { } // never answers
        default -> {
          res.putHeader("content-length", "5");
          if (req.method() == HttpMethod.HEAD) {
            res.end();
          } else {
            res.end("hello");
          }
        }
      }
    });
    await(backend.listen());
    // Closes every connection after a second of silence, as upstream servers with keep-alive do.
    closingBackend = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
        .setIdleTimeout(300).setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
    closingBackend.connectionHandler(c -> closingConnections.incrementAndGet());
    closingBackend.requestHandler(req -> req.response().end("ok"));
    await(closingBackend.listen());
    garbage = vertx.createNetServer().connectHandler(s -> s.handler(b -> s.write("HTTP/1.1 abc nonsense\r\n\r\n")));
    await(garbage.listen(0, "127.0.0.1"));
    context = (ContextInternal) vertx.getOrCreateContext();
  }

  @AfterAll
  void stop() {
    vertx.close();
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  record Result(int status, MultiMap headers, Buffer body, MultiMap trailers, Http1Upstream.Conn conn) {}

  Http1Upstream client(int maxPerEndpoint) throws Exception {
    CompletableFuture<Http1Upstream> made = new CompletableFuture<>();
    context.runOnContext(v -> made.complete(new Http1Upstream(context, 4096, 8192, maxPerEndpoint)));
    return made.get(10, TimeUnit.SECONDS);
  }

  /** One exchange on the client's event loop; {@code pauseMs} holds the body back that long first. */
  Result exchange(Http1Upstream up, int port, HttpMethod method, String path, long idleMs, long pauseMs)
      throws Exception {
    return exchange(up, port, method, path, 0, idleMs, pauseMs);
  }

  Result exchange(Http1Upstream up, int port, HttpMethod method, String path, long headMs, long idleMs, long pauseMs)
      throws Exception {
    CompletableFuture<Result> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      boolean taken = up.acquire("127.0.0.1", port, 2_000, (conn, failure) -> {
        if (failure != null) {
          done.completeExceptionally(failure);
          return;
        }
        HeadersMultiMap headers = HeadersMultiMap.httpHeaders();
        headers.set("host", "test.example");
        conn.send(method, path, headers, null, headMs, idleMs, new Http1Upstream.Listener() {
          @Override
          public void head(Http1Upstream.Call call) {
            Buffer body = Buffer.buffer();
            call.handler(body::appendBuffer);
            call.endHandler(e -> done.complete(
                new Result(call.statusCode(), call.headers(), body, call.trailers(), conn)));
            call.exceptionHandler(done::completeExceptionally);
            if (pauseMs > 0) {
              call.pause();
              vertx.setTimer(pauseMs, t -> call.resume());
            }
          }

          @Override
          public void failed(Throwable cause) {
            done.completeExceptionally(cause);
          }
        });
      });
      if (!taken) {
        done.completeExceptionally(new IllegalStateException("not taken"));
      }
    });
    return done.get(20, TimeUnit.SECONDS);
  }

  int open(Http1Upstream up, int port) throws Exception {
    CompletableFuture<Integer> n = new CompletableFuture<>();
    context.runOnContext(v -> n.complete(up.open("127.0.0.1", port)));
    return n.get(10, TimeUnit.SECONDS);
  }

  /** Connections still open once those being closed are gone (a close completes asynchronously). */
  int openAfterClosing(Http1Upstream up, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (open(up, port) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return open(up, port);
  }

  @Test
  void keepsOneConnectionForSequentialRequests() throws Exception {
    Http1Upstream up = client(8);
    int before = connections.get();
    Result first = exchange(up, backend.actualPort(), HttpMethod.GET, "/", 0, 0);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.body().toString()).isEqualTo("hello");
    for (int i = 0; i < 5; i++) {
      assertThat(exchange(up, backend.actualPort(), HttpMethod.GET, "/", 0, 0).conn()).isSameAs(first.conn());
    }
    assertThat(connections.get() - before).isEqualTo(1);
    assertThat(open(up, backend.actualPort())).isEqualTo(1);
  }

  @Test
  void aConnectionTheUpstreamClosesIsNeverReused() throws Exception {
    Http1Upstream up = client(8);
    Result a = exchange(up, backend.actualPort(), HttpMethod.GET, "/close", 0, 0);
    Result b = exchange(up, backend.actualPort(), HttpMethod.GET, "/close", 0, 0);
    assertThat(a.body().toString()).isEqualTo("bye");
    assertThat(b.body().toString()).isEqualTo("bye");
    assertThat(b.conn()).isNotSameAs(a.conn());
    assertThat(openAfterClosing(up, backend.actualPort())).isZero();
  }

  @Test
  void anIdleConnectionTheUpstreamClosedIsDroppedAndANewOneOpened() throws Exception {
    Http1Upstream up = client(8);
    int before = closingConnections.get();
    Result a = exchange(up, closingBackend.actualPort(), HttpMethod.GET, "/", 0, 0);
    Thread.sleep(800); // the backend closes it after 300 ms of silence
    Result b = exchange(up, closingBackend.actualPort(), HttpMethod.GET, "/", 0, 0);
    assertThat(a.status()).isEqualTo(200);
    assertThat(b.status()).isEqualTo(200);
    assertThat(b.conn()).isNotSameAs(a.conn());
    assertThat(closingConnections.get() - before).isEqualTo(2);
  }

  @Test
  void informationalResponsesAreSkippedForTheFinalOne() throws Exception {
    Http1Upstream up = client(8);
    Result r = exchange(up, backend.actualPort(), HttpMethod.GET, "/hints", 0, 0);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().toString()).isEqualTo("hinted");
    // The connection is still in step: the next answer is its own.
    assertThat(exchange(up, backend.actualPort(), HttpMethod.GET, "/", 0, 0).body().toString()).isEqualTo("hello");
  }

  @Test
  void aHeadAnswerHasNoBodyWhateverItsLength() throws Exception {
    Http1Upstream up = client(8);
    Result head = exchange(up, backend.actualPort(), HttpMethod.HEAD, "/", 0, 0);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.headers().get("content-length")).isEqualTo("5");
    assertThat(head.body().length()).isZero();
    Result next = exchange(up, backend.actualPort(), HttpMethod.GET, "/", 0, 0);
    assertThat(next.conn()).isSameAs(head.conn());
    assertThat(next.body().toString()).isEqualTo("hello");
  }

  @Test
  void trailersOfAChunkedBodyArrive() throws Exception {
    Result r = exchange(client(8), backend.actualPort(), HttpMethod.GET, "/trailers", 0, 0);
    assertThat(r.body().toString()).isEqualTo("part");
    assertThat(r.trailers().get("x-checksum")).isEqualTo("abc");
  }

  @Test
  void aLargeBodyArrivesWholeAfterBeingHeldBack() throws Exception {
    Http1Upstream up = client(8);
    Result r = exchange(up, backend.actualPort(), HttpMethod.GET, "/big", 0, 300);
    assertThat(r.body().length()).isEqualTo(BIG);
    // Reading resumed and the connection went back to the pool in step.
    assertThat(exchange(up, backend.actualPort(), HttpMethod.GET, "/", 0, 0).conn()).isSameAs(r.conn());
  }

  @Test
  void silenceLongerThanTheIdleTimeoutFailsTheRequestAndClosesTheConnection() throws Exception {
    Http1Upstream up = client(8);
    assertThatThrownBy(() -> exchange(up, backend.actualPort(), HttpMethod.GET, "/slow", 200, 0))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
    assertThat(openAfterClosing(up, backend.actualPort())).isZero();
  }

  @Test
  void noHeadWithinTheHeadTimeoutFailsTheRequestAndClosesTheConnection() throws Exception {
    Http1Upstream up = client(8);
    assertThatThrownBy(() -> exchange(up, backend.actualPort(), HttpMethod.GET, "/slow", 200, 0, 0))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(Http1Upstream.HeadTimeoutException.class);
    assertThat(openAfterClosing(up, backend.actualPort())).isZero();
  }

  @Test
  void aHeadTimeoutLimitsOnlyTheWaitForTheHead() throws Exception {
    Http1Upstream up = client(8);
    // The body is held back for longer than the head timeout: the call still succeeds.
    Result r = exchange(up, backend.actualPort(), HttpMethod.GET, "/big", 200, 0, 600);
    assertThat(r.body().length()).isEqualTo(BIG);
    assertThat(exchange(up, backend.actualPort(), HttpMethod.GET, "/", 200, 0, 0).conn()).isSameAs(r.conn());
  }

  @Test
  void aShortDeadlineAfterALongOneOnTheSameConnectionStillFallsDue() throws Exception {
    Http1Upstream up = client(1);
    // Leaves the connection's deadline task due in a minute.
    Result first = exchange(up, backend.actualPort(), HttpMethod.GET, "/", 60_000, 60_000, 0);
    long start = System.nanoTime();
    assertThatThrownBy(() -> exchange(up, backend.actualPort(), HttpMethod.GET, "/slow", 0, 300, 0))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
    assertThat(first.status()).isEqualTo(200);
  }

  @Test
  void aMalformedAnswerFailsTheRequest() throws Exception {
    assertThatThrownBy(() -> exchange(client(8), garbage.actualPort(), HttpMethod.GET, "/", 0, 0))
        .isInstanceOf(ExecutionException.class);
  }

  @Test
  void aRefusedConnectionFails() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    int port = closed;
    Http1Upstream up = client(8);
    assertThatThrownBy(() -> exchange(up, port, HttpMethod.GET, "/", 0, 0))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(java.net.ConnectException.class);
    assertThat(open(up, port)).isZero();
  }

  @Test
  void namesAndFullEndpointsAreLeftToTheOtherClient() throws Exception {
    Http1Upstream up = client(1);
    CompletableFuture<boolean[]> taken = new CompletableFuture<>();
    context.runOnContext(v -> {
      boolean named = up.acquire("localhost", backend.actualPort(), 1_000, (c, f) -> { });
      boolean first = up.acquire("127.0.0.1", backend.actualPort(), 1_000, (c, f) -> { });
      boolean second = up.acquire("127.0.0.1", backend.actualPort(), 1_000, (c, f) -> { });
      taken.complete(new boolean[] {named, first, second});
    });
    boolean[] t = taken.get(10, TimeUnit.SECONDS);
    assertThat(t[0]).as("a name would need a resolver").isFalse();
    assertThat(t[1]).isTrue();
    assertThat(t[2]).as("one connection allowed, and it is opening").isFalse();
  }

  @Test
  void headerFieldsAreWrittenByteForByteAsVertxWritesThem() {
    HeadersMultiMap headers = HeadersMultiMap.httpHeaders(null);
    headers.add(io.netty.util.AsciiString.cached("Host"), io.netty.util.AsciiString.cached("h.test"));
    byte[] head = "X-Bytes: caf\u00e9 \u00fcber".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    // A view into a larger array, as the request decoder makes them.
    headers.add(new io.netty.util.AsciiString(head, 0, 7, false), new io.netty.util.AsciiString(head, 9, head.length - 9, false));
    headers.add("x-string", "caf\u00e9 \u20ac");
    headers.add("X-Empty", "");
    headers.add(HttpHeaders.CONTENT_LENGTH, "0");
    io.netty.buffer.ByteBuf expected = io.netty.buffer.Unpooled.buffer();
    expected.writeCharSequence("GET /x?q=1 HTTP/1.1\r\n", java.nio.charset.StandardCharsets.US_ASCII);
    headers.encode(expected, false);
    expected.writeCharSequence("\r\n", java.nio.charset.StandardCharsets.US_ASCII);
    for (io.netty.buffer.ByteBufAllocator alloc : java.util.List.of(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT,
        new io.netty.buffer.UnpooledByteBufAllocator(false), io.netty.buffer.PooledByteBufAllocator.DEFAULT)) {
      io.netty.channel.embedded.EmbeddedChannel channel = new io.netty.channel.embedded.EmbeddedChannel(
          new Http1Upstream.RequestEncoder());
      channel.config().setAllocator(alloc);
      channel.writeOutbound(new io.netty.handler.codec.http.DefaultFullHttpRequest(
          io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET, "/x?q=1",
          io.netty.buffer.Unpooled.EMPTY_BUFFER, headers, io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE));
      io.netty.buffer.ByteBuf written = io.netty.buffer.Unpooled.buffer();
      Object out;
      while ((out = channel.readOutbound()) != null) {
        written.writeBytes((io.netty.buffer.ByteBuf) out);
        ((io.netty.buffer.ByteBuf) out).release();
      }
      assertThat(io.netty.buffer.ByteBufUtil.hexDump(written)).as(alloc.toString())
          .isEqualTo(io.netty.buffer.ByteBufUtil.hexDump(expected));
      channel.finishAndReleaseAll();
    }
  }
}
