package dev.portcullis.dataplane;

import static dev.portcullis.dataplane.Tables.cluster;
import static dev.portcullis.dataplane.Tables.direct;
import static dev.portcullis.dataplane.Tables.host;
import static dev.portcullis.dataplane.Tables.prefix;
import static dev.portcullis.dataplane.Tables.route;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.VirtualHost;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The real data plane between real backends and a real client, all on loopback. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyTest {

  Vertx vertx;
  DataPlane dataPlane;
  EchoBackend a;
  EchoBackend b;
  EchoBackend c;
  HttpTestClient http;
  long version;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    a = await(EchoBackend.start(vertx, "a", "127.0.0.1", 0));
    b = await(EchoBackend.start(vertx, "b", "127.0.0.1", 0));
    c = await(EchoBackend.start(vertx, "c", "127.0.0.1", 0));
    dataPlane = DataPlane.start(DataPlaneConfig.loopback(2));
    http = new HttpTestClient(vertx, dataPlane.httpPort(), HttpVersion.HTTP_1_1);
  }

  @AfterAll
  void stop() {
    http.close();
    dataPlane.close();
    vertx.close();
  }

  static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  void apply(RouteTable table) throws Exception {
    dataPlane.apply(++version, table);
  }

  RouteTable simple(String hostname, Cluster cluster) {
    return host(hostname, List.of(prefix("/", cluster.name())), cluster);
  }

  @Test
  void proxiesAndSetsForwardedHeaders() throws Exception {
    apply(simple("shop.example.com", cluster("a", a.port())));
    HttpTestClient.Response r = http.send(HttpMethod.GET, "Shop.Example.com:8080", "/cart?item=1",
        Map.of("X-Forwarded-For", "6.6.6.6", "X-Real-IP", "6.6.6.6", "Forwarded", "for=6.6.6.6",
            "Connection", "keep-alive, x-secret", "x-secret", "hop", "x-custom", "kept"), null);
    assertThat(r.status()).isEqualTo(200);
    JsonObject echo = r.json();
    assertThat(echo.getString("backend")).isEqualTo("a");
    assertThat(echo.getString("path")).isEqualTo("/cart");
    assertThat(echo.getString("query")).isEqualTo("item=1");
    JsonObject h = echo.getJsonObject("headers");
    assertThat(h.getString("host")).isEqualTo("Shop.Example.com:8080");
    assertThat(h.getString("x-forwarded-for")).isEqualTo("127.0.0.1");
    assertThat(h.getString("x-real-ip")).isEqualTo("127.0.0.1");
    assertThat(h.getString("x-forwarded-proto")).isEqualTo("http");
    assertThat(h.getString("x-forwarded-host")).isEqualTo("Shop.Example.com:8080");
    assertThat(h.getString("x-forwarded-port")).isEqualTo("8080");
    assertThat(h.getString("x-custom")).isEqualTo("kept");
    assertThat(h.containsKey("forwarded")).isFalse();
    assertThat(h.containsKey("x-secret")).as("named by Connection: hop-by-hop").isFalse();
    assertThat(h.containsKey("connection")).isFalse();
    // The upstream's identity stays hidden; its own headers pass.
    assertThat(r.headers().get("server")).isNull();
    assertThat(r.headers().get("x-backend")).isEqualTo("a");
  }

  @Test
  void roundRobinSpreadsEvenly() throws Exception {
    apply(simple("rr.test", cluster("abc", a.port(), b.port(), c.port())));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      counts.merge(http.get("rr.test", "/").json().getString("backend"), 1, Integer::sum);
    }
    assertThat(counts).containsEntry("a", 10).containsEntry("b", 10).containsEntry("c", 10);
  }

  @Test
  void statusCodesForTheProxysOwnAnswers() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Cluster dead = cluster("dead", closed);
    Cluster empty = cluster("empty");
    Cluster ok = cluster("ok", a.port());
    apply(host("codes.test", List.of(prefix("/dead", "dead"), prefix("/empty", "empty"), prefix("/ok", "ok"),
        direct("/gone", 410, "gone for good\n")), dead, empty, ok));

    HttpTestClient.Response notFound = http.get("other.test", "/");
    assertThat(notFound.status()).isEqualTo(404);
    assertThat(notFound.text()).isEqualTo("no route\n");
    assertThat(notFound.headers().get("content-type")).startsWith("text/plain");
    assertThat(http.get("codes.test", "/nothing-here").status()).isEqualTo(404);
    HttpTestClient.Response badGateway = http.get("codes.test", "/dead");
    assertThat(badGateway.status()).isEqualTo(502);
    assertThat(badGateway.text()).isEqualTo("upstream connect error\n");
    HttpTestClient.Response unavailable = http.get("codes.test", "/empty");
    assertThat(unavailable.status()).isEqualTo(503);
    assertThat(unavailable.text()).isEqualTo("no healthy upstream\n");
    HttpTestClient.Response gone = http.get("codes.test", "/gone/x");
    assertThat(gone.status()).isEqualTo(410);
    assertThat(gone.text()).isEqualTo("gone for good\n");
    assertThat(http.get("codes.test", "/ok").status()).isEqualTo(200);
  }

  @Test
  void theProxysOwnAnswersKeepTheConnectionUnlessABodyIsStillComing() throws Exception {
    apply(host("own.test", List.of(direct("/gone", 410, "gone\n"))));
    // Three requests pipelined on one connection; the last asks to close it.
    String three = HttpTestClient.raw(dataPlane.httpPort(), "GET /nothing HTTP/1.1\r\nHost: other.test\r\n\r\n"
        + "GET /gone HTTP/1.1\r\nHost: own.test\r\n\r\n"
        + "GET /gone HTTP/1.1\r\nHost: own.test\r\nConnection: close\r\n\r\n");
    assertThat(three.split("HTTP/1.1 ", -1)).hasSize(4);
    assertThat(three).startsWith("HTTP/1.1 404").contains("HTTP/1.1 410");
    assertThat(three.substring(0, three.lastIndexOf("HTTP/1.1 "))).doesNotContainIgnoringCase("connection: close");
    // A body the client is still sending is not read: the connection closes after the answer.
    String upload = HttpTestClient.raw(dataPlane.httpPort(),
        "POST /nothing HTTP/1.1\r\nHost: other.test\r\nContent-Length: 100\r\n\r\nonly part of it");
    assertThat(upload).startsWith("HTTP/1.1 404").containsIgnoringCase("connection: close");
  }

  @Test
  void slowUpstreamGetsA504() throws Exception {
    Cluster slow = cluster("slow", a.port());
    apply(host("slow.test", List.of(route(PathMatch.prefix("/"), "slow", new Timeouts(0, 300, 0))), slow));
    long start = System.nanoTime();
    HttpTestClient.Response r = http.get("slow.test", "/?delay=5000");
    assertThat(r.status()).isEqualTo(504);
    assertThat(r.text()).isEqualTo("upstream timeout\n");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(4000);
    assertThat(http.get("slow.test", "/?delay=10").status()).isEqualTo(200);
  }

  @Test
  void idleAndTotalTimeoutsAlsoGiveA504() throws Exception {
    Cluster slow = cluster("slow", a.port());
    apply(host("idle.test", List.of(route(PathMatch.prefix("/idle"), "slow", new Timeouts(0, 0, 300)),
        route(PathMatch.prefix("/total"), "slow", new Timeouts(300, 0, 0))), slow));
    assertThat(http.get("idle.test", "/idle?delay=3000").status()).isEqualTo(504);
    assertThat(http.get("idle.test", "/total?delay=3000").status()).isEqualTo(504);
  }

  @Test
  void largeBodiesStreamBothWays() throws Exception {
    apply(simple("big.test", cluster("a", a.port())));
    byte[] payload = new byte[8 * 1024 * 1024];
    ThreadLocalRandom.current().nextBytes(payload);
    HttpTestClient.Response echoed = http.send(HttpMethod.POST, "big.test", "/upload?echo=body",
        Map.of("content-type", "application/octet-stream"), Buffer.buffer(payload));
    assertThat(echoed.status()).isEqualTo(200);
    assertThat(MessageDigest.getInstance("SHA-256").digest(echoed.body().getBytes()))
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(payload));

    HttpTestClient.Response big = http.get("big.test", "/download?size=20000000");
    assertThat(big.status()).isEqualTo(200);
    assertThat(big.body().length()).isEqualTo(20_000_000);
  }

  @Test
  void concurrentBodiesNeverMix() throws Exception {
    // Bodies are written from the buffers they were read into and released once written: under
    // many concurrent exchanges over pooled connections, each client gets its own bytes back.
    apply(simple("mix.test", cluster("abc", a.port(), b.port(), c.port())));
    io.vertx.core.http.HttpClient client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(dataPlane.httpPort()),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    try {
      int total = 3000;
      java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicInteger mixed = new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
      List<io.vertx.core.Future<Void>> workers = new java.util.ArrayList<>();
      for (int w = 0; w < 64; w++) {
        io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
        Runnable[] step = new Runnable[1];
        step[0] = () -> {
          int i = next.getAndIncrement();
          if (i >= total) {
            done.tryComplete();
            return;
          }
          byte[] payload = new byte[1 + ThreadLocalRandom.current().nextInt(48 * 1024)];
          ThreadLocalRandom.current().nextBytes(payload);
          client.request(new io.vertx.core.http.RequestOptions().setMethod(HttpMethod.POST)
                  .setURI("/mix/" + i + "?echo=body").putHeader("host", "mix.test"))
              .compose(req -> req.send(Buffer.buffer(payload)))
              .compose(res -> res.body())
              .onComplete(ar -> {
                if (ar.succeeded() && java.util.Arrays.equals(ar.result().getBytes(), payload)) {
                  ok.incrementAndGet();
                } else {
                  mixed.incrementAndGet();
                }
                step[0].run();
              });
        };
        vertx.runOnContext(v -> step[0].run());
        workers.add(done.future());
      }
      io.vertx.core.Future.join(workers).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
      assertThat(mixed.get()).as("exchanges whose body was not their own (or failed)").isZero();
      assertThat(ok.get()).isEqualTo(total);
    } finally {
      client.close();
    }
  }

  @Test
  void aSlowClientGetsTheWholeBodyAtItsOwnPace() throws Exception {
    // The body goes from the upstream's pooled buffers to the client without a copy; a client that
    // reads slowly makes the proxy stop reading the upstream and start again, and nothing is lost.
    apply(simple("slowread.test", cluster("a", a.port())));
    int size = 6_000_000;
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", dataPlane.httpPort()));
      socket.getOutputStream().write(("GET /download?size=" + size + " HTTP/1.1\r\nHost: slowread.test\r\n"
          + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      java.io.InputStream in = socket.getInputStream();
      java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[32 * 1024];
      int reads = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        got.write(buf, 0, n);
        if (++reads % 8 == 0) {
          Thread.sleep(2);
        }
      }
      String head = new String(got.toByteArray(), 0, Math.min(got.size(), 200), java.nio.charset.StandardCharsets.US_ASCII);
      assertThat(head).startsWith("HTTP/1.1 200");
      byte[] all = got.toByteArray();
      int bodyStart = new String(all, 0, Math.min(all.length, 4096), java.nio.charset.StandardCharsets.ISO_8859_1)
          .indexOf("\r\n\r\n") + 4;
      // De-chunk: the body's bytes are all there, and the last chunk ends it.
      int at = bodyStart;
      long body = 0;
      while (true) {
        int eol = at;
        while (all[eol] != '\r') {
          eol++;
        }
        int len = Integer.parseInt(new String(all, at, eol - at, java.nio.charset.StandardCharsets.US_ASCII).trim(), 16);
        at = eol + 2 + len + 2;
        if (len == 0) {
          break;
        }
        body += len;
      }
      assertThat(body).isEqualTo(size);
    }
  }

  @Test
  void chunkedRequestBodiesArePassedOn() throws Exception {
    apply(simple("chunked.test", cluster("a", a.port())));
    String raw = HttpTestClient.raw(dataPlane.httpPort(), "POST /count HTTP/1.1\r\nHost: chunked.test\r\n"
        + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    assertThat(raw).startsWith("HTTP/1.1 200");
    assertThat(raw).contains("\"bodyBytes\" : 11");
  }

  @Test
  void h2cClientsAreServed() throws Exception {
    apply(simple("h2.test", cluster("b", b.port())));
    try (HttpTestClient h2 = new HttpTestClient(vertx, dataPlane.httpPort(), HttpVersion.HTTP_2)) {
      HttpTestClient.Response r = h2.get("h2.test", "/h2?x=1");
      assertThat(r.version()).isEqualTo(HttpVersion.HTTP_2);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().getString("backend")).isEqualTo("b");
      assertThat(r.json().getJsonObject("headers").getString("host")).isEqualTo("h2.test");
      byte[] payload = new byte[300_000];
      ThreadLocalRandom.current().nextBytes(payload);
      HttpTestClient.Response echoed = h2.send(HttpMethod.PUT, "h2.test", "/?echo=body", Map.of(), Buffer.buffer(payload));
      assertThat(echoed.body().getBytes()).isEqualTo(payload);
    }
  }

  @Test
  void http10ClientsGetACloseDelimitedBody() throws Exception {
    apply(simple("old.test", cluster("a", a.port())));
    String raw = HttpTestClient.raw(dataPlane.httpPort(), "GET /legacy?size=5000 HTTP/1.0\r\nHost: old.test\r\n\r\n");
    assertThat(raw).startsWith("HTTP/1.0 200");
    assertThat(raw).doesNotContainIgnoringCase("transfer-encoding");
    assertThat(raw.substring(raw.indexOf("\r\n\r\n") + 4)).hasSize(5000);
  }

  @Test
  void dotSegmentsCannotReachAnotherRoute() throws Exception {
    Cluster pub = cluster("public", a.port());
    Cluster admin = cluster("admin", b.port());
    apply(host("paths.test", List.of(prefix("/public", "public"), prefix("/admin", "admin")), pub, admin));
    HttpTestClient.Response r = http.get("paths.test", "/public/../admin/x?q=1");
    assertThat(r.json().getString("backend")).isEqualTo("b");
    assertThat(r.json().getString("path")).as("the upstream sees the path that was routed").isEqualTo("/admin/x");
    HttpTestClient.Response encoded = http.get("paths.test", "/public/%2e%2e/admin");
    assertThat(encoded.json().getString("backend")).isEqualTo("b");
    assertThat(http.get("paths.test", "/public/%2Fadmin").json().getString("backend")).isEqualTo("a");
    assertThat(HttpTestClient.raw(dataPlane.httpPort(), "GET relative HTTP/1.1\r\nHost: paths.test\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 400");
    assertThat(HttpTestClient.raw(dataPlane.httpPort(), "GET /bad%zz HTTP/1.1\r\nHost: paths.test\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 400");
  }

  @Test
  void absoluteFormRoutesByItsAuthorityAndMustAgreeWithHost() throws Exception {
    apply(simple("abs.test", cluster("c", c.port())));
    String raw = HttpTestClient.raw(dataPlane.httpPort(),
        "GET http://abs.test/p?x=1 HTTP/1.1\r\nHost: abs.test\r\nConnection: close\r\n\r\n");
    assertThat(raw).startsWith("HTTP/1.1 200").contains("\"backend\" : \"c\"").contains("\"path\" : \"/p\"");
    // A target naming one host and a Host naming another: a backend could route by either.
    raw = HttpTestClient.raw(dataPlane.httpPort(),
        "GET http://abs.test/p?x=1 HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n");
    assertThat(raw).startsWith("HTTP/1.1 400");
  }

  @Test
  void hugeHeadersAreRefused() throws Exception {
    apply(simple("hdr.test", cluster("a", a.port())));
    String big = "x".repeat(40 * 1024);
    String raw;
    try {
      raw = HttpTestClient.raw(dataPlane.httpPort(), "GET / HTTP/1.1\r\nHost: hdr.test\r\nX-Big: " + big
          + "\r\nConnection: close\r\n\r\n");
    } catch (java.net.SocketException reset) {
      // Refused before the client finished writing: the connection was cut, which is also a refusal.
      return;
    }
    assertThat(raw).matches("(?s)HTTP/1.1 4(31|00).*");
  }

  @Test
  void inFlightRequestsFinishOnTheTableTheyStartedWith() throws Exception {
    apply(simple("swap.test", cluster("a", a.port())));
    CompletableFuture<HttpTestClient.Response> slow = CompletableFuture.supplyAsync(() -> {
      try {
        return http.get("swap.test", "/?delay=700");
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    Thread.sleep(200);
    apply(simple("swap.test", cluster("b", b.port())));
    assertThat(http.get("swap.test", "/").json().getString("backend")).isEqualTo("b");
    HttpTestClient.Response r = slow.get(10, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getString("backend")).isEqualTo("a");
  }

  @Test
  void hostFallbackAndCatchAll() throws Exception {
    Cluster web = cluster("web", a.port());
    Cluster fallback = cluster("fallback", c.port());
    VirtualHost demo = new VirtualHost("demo.local", List.of(prefix("/", "web")), null);
    VirtualHost wildcard = new VirtualHost("*.apps.test", List.of(prefix("/api", "web")), prefix("/", "fallback"));
    VirtualHost any = new VirtualHost("*", List.of(), prefix("/", "fallback"));
    apply(Tables.hosts(List.of(demo, wildcard, any), web, fallback));
    assertThat(http.get("demo.local", "/x").json().getString("backend")).isEqualTo("a");
    assertThat(http.get("x.apps.test", "/api").json().getString("backend")).isEqualTo("a");
    assertThat(http.get("x.apps.test", "/other").json().getString("backend")).isEqualTo("c");
    assertThat(http.get("unknown.test", "/").json().getString("backend")).isEqualTo("c");
  }

  @Test
  void headRequestsAndEmptyResponses() throws Exception {
    apply(simple("head.test", cluster("a", a.port())));
    HttpTestClient.Response head = http.send(HttpMethod.HEAD, "head.test", "/", Map.of(), null);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body().length()).isZero();
    HttpTestClient.Response noContent = http.get("head.test", "/?status=204");
    assertThat(noContent.status()).isEqualTo(204);
    assertThat(noContent.body().length()).isZero();
    HttpTestClient.Response error = http.get("head.test", "/?status=503");
    assertThat(error.status()).as("upstream errors pass through unchanged").isEqualTo(503);
    assertThat(error.json().getString("backend")).isEqualTo("a");
  }

  @Test
  void namedAndIpv6Endpoints() throws Exception {
    Cluster named = new Cluster("named", List.of(new dev.portcullis.model.Endpoint("localhost", a.port())), null, 1000, null);
    apply(simple("named.test", named));
    assertThat(http.get("named.test", "/").json().getString("backend")).isEqualTo("a");

    EchoBackend v6;
    try {
      v6 = await(EchoBackend.start(vertx, "v6", "::1", 0));
    } catch (Exception e) {
      org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback on this machine: " + e.getMessage());
      return;
    }
    try {
      Cluster six = new Cluster("six", List.of(new dev.portcullis.model.Endpoint("::1", v6.port())), null, 1000, null);
      apply(simple("v6.test", six));
      assertThat(http.get("v6.test", "/").json().getString("backend")).isEqualTo("v6");
    } finally {
      v6.close();
    }
  }

  @Test
  void upstreamThatDiesMidResponseCutsTheClient() throws Exception {
    HttpServer dying = await(vertx.createHttpServer().requestHandler(req -> {
      req.response().setChunked(true).write("partial");
      vertx.setTimer(100, t -> req.connection().close());
    }).listen(0, "127.0.0.1"));
    try {
      apply(simple("dying.test", cluster("dying", dying.actualPort())));
      String raw = HttpTestClient.raw(dataPlane.httpPort(), "GET / HTTP/1.1\r\nHost: dying.test\r\n\r\n");
      assertThat(raw).startsWith("HTTP/1.1 200").contains("partial");
      assertThat(raw).as("no terminating chunk: the client can tell the body is incomplete").doesNotEndWith("0\r\n\r\n");
    } finally {
      dying.close();
    }
  }
}
