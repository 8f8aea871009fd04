package dev.portcullis.dataplane.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.tls.TestPki;
import dev.portcullis.dataplane.tls.TlsSettings;
import dev.portcullis.model.Auth;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Credential;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteFilters;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.SecretRef;
import dev.portcullis.model.SourceRef;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.TlsRef;
import dev.portcullis.model.VirtualHost;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the data plane tells of its traffic, over real sockets: a real backend, the real proxy
 * with its access log in a file and span export to a fake collector, and the admin port scraped
 * after the traffic. Each test uses its own host, so the counters it reads are its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityTest {

  static {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host,connection");
  }

  static final TestPki PKI = new TestPki("Observability CA");
  static final TestPki.Issued SHOP = PKI.server(false, "secure.example.com");
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String PARENT = "00f067aa0ba902b7";

  @TempDir
  static Path dir;
  Path logFile;
  Vertx vertx;
  HttpServer backend;
  HttpServer collector;
  DataPlane dataPlane;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  /** The header fields of the backend's requests, by path. */
  final Map<String, MultiMap> seen = new java.util.concurrent.ConcurrentHashMap<>();
  /** What the collector was sent. */
  final List<JsonObject> exports = new CopyOnWriteArrayList<>();
  final AtomicReference<String> exportAuth = new AtomicReference<>();
  long version;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    // GET /status/503 answers 503; a body sent is read and answered with its length; else 200 "hello".
    backend = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(req ->
        req.body().onSuccess(body -> {
          seen.put(req.path(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
          int status = req.path().startsWith("/status/") ? Integer.parseInt(req.path().substring(8)) : 200;
          if (req.path().startsWith("/cached")) {
            req.response().putHeader("cache-control", "max-age=60");
          }
          req.response().setStatusCode(status).end(body.length() > 0 ? "got " + body.length() : "hello");
        }));
    backend.listen().toCompletionStage().toCompletableFuture().get();
    collector = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(req ->
        req.body().onSuccess(body -> {
          exportAuth.set(req.getHeader("x-api-key"));
          exports.add(new JsonObject(body));
          req.response().setStatusCode(200).end("{}");
        }));
    collector.listen().toCompletionStage().toCompletableFuture().get();
    logFile = dir.resolve("access.log");
    ObservabilitySettings settings = new ObservabilitySettings(
        new ObservabilitySettings.AccessLogSettings(logFile.toString(), ObservabilitySettings.Format.JSON, null, 1.0,
            1024),
        new ObservabilitySettings.TracingSettings(URI.create("http://127.0.0.1:" + collector.actualPort() + "/v1/traces"),
            Map.of("x-api-key", "collector-key"), "edge", 1.0));
    dataPlane = DataPlane.start(DataPlaneConfig.loopback(2).withAdminToken("admin-token")
        .withTls(TlsSettings.on(0, 8443)).withObservability(settings));
  }

  @AfterAll
  void stop() {
    dataPlane.close();
    vertx.close();
  }

  Cluster web() {
    return new Cluster("web", List.of(new Endpoint("127.0.0.1", backend.actualPort())), null, 2000, null);
  }

  static Route all(String host, RoutePolicies policies, RouteFilters filters) {
    return new Route(host + "/all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("web"), filters,
        policies, Timeouts.DEFAULT, null);
  }

  /** Every test host at once (a new table replaces the last), so tests may run in any order. */
  void serve(Map<String, Credential> credentials, VirtualHost... extra) throws Exception {
    List<VirtualHost> hosts = new ArrayList<>(List.of(
        new VirtualHost("metrics.example.com", List.of(all("metrics.example.com", null, null)), null),
        new VirtualHost("logs.example.com", List.of(all("logs.example.com", null, null)), null),
        new VirtualHost("trace.example.com", List.of(all("trace.example.com", null, null)), null)));
    hosts.addAll(List.of(extra));
    dataPlane.apply(++version, new RouteTable(hosts, List.of(web())), Map.of("default/secure-tls", SHOP.pem()),
        credentials);
  }

  HttpResponse<String> send(String method, String host, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.httpPort() + path))
        .timeout(Duration.ofSeconds(10)).header("Host", host)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> admin(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.adminPort() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> adminPost(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.adminPort() + path))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of the one series of {@code name} whose labels include {@code labels} ("k=v" each), or null. */
  static Double sample(String scrape, String name, String... labels) {
    Double found = null;
    for (String line : scrape.split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      String series = line.substring(0, line.lastIndexOf(' '));
      boolean all = true;
      for (String l : labels) {
        int eq = l.indexOf('=');
        if (!series.contains(l.substring(0, eq) + "=\"" + l.substring(eq + 1) + "\"")) {
          all = false;
          break;
        }
      }
      if (all) {
        assertThat(found).as("one series of %s with %s", name, List.of(labels)).isNull();
        found = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return found;
  }

  String scrape() throws Exception {
    HttpResponse<String> r = admin("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
    return r.body();
  }

  // ---- metrics -------------------------------------------------------------------------------------

  @Test
  void metricsCountWhatWasSent() throws Exception {
    serve(Map.of());
    String host = "metrics.example.com";
    String route = host + "/all";
    long bytesOut = 0;
    for (int i = 0; i < 7; i++) {
      HttpResponse<String> r = send("GET", host, "/ok/" + i, null);
      assertThat(r.statusCode()).isEqualTo(200);
      bytesOut += r.body().getBytes(StandardCharsets.UTF_8).length;
    }
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = send("GET", host, "/status/503", null);
      assertThat(r.statusCode()).isEqualTo(503);
      bytesOut += r.body().getBytes(StandardCharsets.UTF_8).length;
    }
    HttpResponse<String> post = send("POST", host, "/upload", "x".repeat(1500));
    assertThat(post.body()).isEqualTo("got 1500");
    bytesOut += post.body().length();
    assertThat(send("GET", host, "/status/404", null).statusCode()).isEqualTo(404);
    bytesOut += "hello".length();
    long sent = 12;
    long expectedOut = bytesOut;

    // Counted when the response ends, which may be a moment after the client has read it.
    await().atMost(Duration.ofSeconds(5)).until(() ->
        sample(scrape(), "portcullis_request_duration_seconds_count", "route=" + route), n -> n != null && n == sent);
    String m = scrape();
    assertThat(sample(m, "portcullis_requests_total", "route=" + route, "cluster=web", "code_class=2xx")).isEqualTo(8);
    assertThat(sample(m, "portcullis_requests_total", "route=" + route, "cluster=web", "code_class=5xx")).isEqualTo(3);
    assertThat(sample(m, "portcullis_requests_total", "route=" + route, "cluster=web", "code_class=4xx")).isEqualTo(1);
    // A status class the route never answered has no series (its counter is made on first use).
    assertThat(sample(m, "portcullis_requests_total", "route=" + route, "cluster=web", "code_class=3xx")).isNull();
    assertThat(sample(m, "portcullis_request_duration_seconds_bucket", "route=" + route, "le=+Inf")).isEqualTo(sent);
    assertThat(sample(m, "portcullis_request_duration_seconds_bucket", "route=" + route, "le=60.0")).isEqualTo(sent);
    assertThat(sample(m, "portcullis_request_duration_seconds_sum", "route=" + route)).isPositive();
    assertThat(sample(m, "portcullis_request_size_bytes_count", "route=" + route)).isEqualTo(sent);
    assertThat(sample(m, "portcullis_request_size_bytes_sum", "route=" + route)).isEqualTo(1500);
    assertThat(sample(m, "portcullis_response_size_bytes_sum", "route=" + route)).isEqualTo(expectedOut);
    assertThat(sample(m, "portcullis_upstream_balancer_picks_total", "cluster=web", "mode=normal")).isGreaterThanOrEqualTo(sent);
    assertThat(sample(m, "portcullis_upstream_request_duration_seconds_count", "cluster=web")).isGreaterThanOrEqualTo(sent);
    assertThat(sample(m, "portcullis_upstream_connect_duration_seconds_count", "cluster=web")).isGreaterThanOrEqualTo(sent);
    assertThat(sample(m, "portcullis_upstream_endpoints", "cluster=web", "state=healthy")).isEqualTo(1);
    assertThat(sample(m, "portcullis_upstream_endpoints", "cluster=web", "state=ejected")).isEqualTo(0);
    assertThat(sample(m, "portcullis_route_table_applied_version")).isEqualTo(version);
    assertThat(sample(m, "portcullis_route_table_applied_timestamp_seconds"))
        .isCloseTo(System.currentTimeMillis() / 1000.0, org.assertj.core.data.Offset.offset(600.0));
    assertThat(sample(m, "portcullis_route_table_rejected")).isEqualTo(0);
    assertThat(sample(m, "portcullis_connections_accepted_total")).isPositive();
    assertThat(sample(m, "portcullis_requests_active")).isNotNull();
    assertThat(sample(m, "portcullis_cache_hits_total")).isNotNull();
    // Bounded labels: the paths sent name no series.
    assertThat(m).doesNotContain("/ok/").doesNotContain("/upload").doesNotContain("127.0.0.1:" + dataPlane.httpPort());

    // A new table: the route's meters are on its new compiled route before any request, and count on.
    serve(Map.of());
    assertThat(dataPlane.current().routes()).filteredOn(r -> r.name().equals(route)).singleElement()
        .satisfies(r -> assertThat(r.meters()).isNotNull());
    assertThat(send("GET", host, "/ok/again", null).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() ->
        sample(scrape(), "portcullis_requests_total", "route=" + route, "cluster=web", "code_class=2xx"), n -> n == 9);

    // A request no route takes counts under no route, without the Host the client made up.
    assertThat(send("GET", "made-up.example.com", "/", null).statusCode()).isEqualTo(404);
    await().atMost(Duration.ofSeconds(5)).until(() ->
        sample(scrape(), "portcullis_requests_total", "route=", "cluster=", "code_class=4xx"), n -> n != null && n >= 1);
    assertThat(scrape()).doesNotContain("made-up");
  }

  @Test
  void rateLimitRejectionsAndCacheResultsAreCounted() throws Exception {
    serve(Map.of(),
        new VirtualHost("limited.example.com", List.of(all("limited.example.com",
            new RoutePolicies(null, null, new RoutePolicies.RateLimit(1, 2, "Route", null, null), null), null)), null),
        new VirtualHost("cached.example.com", List.of(all("cached.example.com",
            new RoutePolicies(null, new RoutePolicies.CachePolicy(true), null, null), null)), null));
    int refused = 0;
    for (int i = 0; i < 6; i++) {
      if (send("GET", "limited.example.com", "/", null).statusCode() == 429) {
        refused++;
      }
    }
    assertThat(refused).as("a burst of 2 at 1 a second").isGreaterThanOrEqualTo(3);
    int expected = refused;
    String route = "limited.example.com/all";
    // Refused at the edge: no cluster served them.
    await().atMost(Duration.ofSeconds(5)).until(() -> sample(scrape(), "portcullis_requests_total", "route=" + route,
        "cluster=", "code_class=4xx"), n -> n != null && n == expected);
    assertThat(sample(scrape(), "portcullis_ratelimit_rejections_total", "scope=" + route)).isEqualTo(expected);

    String before = scrape();
    double hits = sample(before, "portcullis_cache_hits_total");
    double misses = sample(before, "portcullis_cache_misses_total");
    assertThat(send("GET", "cached.example.com", "/cached/a", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "cached.example.com", "/cached/a", null).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> logLines("/cached/a").size() == 2);
    String after = scrape();
    assertThat(sample(after, "portcullis_cache_misses_total")).isEqualTo(misses + 1);
    assertThat(sample(after, "portcullis_cache_hits_total")).isEqualTo(hits + 1);
    assertThat(sample(after, "portcullis_cache_size_bytes")).isPositive();
    assertThat(logLines("/cached/a")).extracting(l -> l.getString("cache")).containsExactly("miss", "hit");
    assertThat(logLines("/cached/a").get(1).getString("upstream")).as("a hit never went upstream").isNull();
  }

  @Test
  void certificateExpiryAndHandshakesAreMeasured() throws Exception {
    serve(Map.of(), new VirtualHost("secure.example.com", List.of(all("secure.example.com", null, null)), null,
        new TlsRef("default", "secure-tls", SHOP.fingerprint(), null, Boolean.FALSE, SourceRef.of("Ingress", "default",
            "secure"))));
    io.vertx.core.http.HttpClient tls = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setSsl(true)
        .setTrustAll(true).setVerifyHost(false));
    try {
      int status = tls.request(new io.vertx.core.http.RequestOptions().setHost("127.0.0.1")
              .setPort(dataPlane.httpsPort()).setURI("/").setServer(io.vertx.core.net.SocketAddress.inetSocketAddress(
                  dataPlane.httpsPort(), "127.0.0.1")).putHeader("host", "secure.example.com"))
          .compose(req -> req.send().compose(res -> res.body().map(b -> res.statusCode())))
          .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(status).isEqualTo(200);
    } finally {
      tls.close();
    }
    String m = scrape();
    double left = (SHOP.cert().getNotAfter().getTime() - System.currentTimeMillis()) / 1000.0;
    assertThat(sample(m, "portcullis_tls_certificate_expiry_seconds", "certificate=default/secure-tls"))
        .isCloseTo(left, org.assertj.core.data.Offset.offset(60.0));
    assertThat(sample(m, "portcullis_tls_certificate_expiry_seconds", "certificate=default")).isPositive();
    assertThat(sample(m, "portcullis_tls_handshakes_total", "result=success")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void openMetricsWhenAskedFor() throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.adminPort()
        + "/metrics")).header("Accept", "application/openmetrics-text; version=1.0.0").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/openmetrics-text");
    assertThat(r.body()).endsWith("# EOF\n");
  }

  // ---- access log ----------------------------------------------------------------------------------

  List<JsonObject> logLines(String path) throws Exception {
    List<JsonObject> out = new ArrayList<>();
    if (!Files.exists(logFile)) {
      return out;
    }
    for (String line : Files.readAllLines(logFile)) {
      JsonObject json = new JsonObject(line); // every line is one JSON object
      if (path.equals(json.getString("path"))) {
        out.add(json);
      }
    }
    return out;
  }

  @Test
  void accessLogLinesAreJsonWithTheRequestsFields() throws Exception {
    serve(Map.of());
    HttpResponse<String> r = send("GET", "logs.example.com", "/logged?token=hide-me", null, "User-Agent", "probe/1.0",
        "Authorization", "Bearer never-logged");
    assertThat(r.statusCode()).isEqualTo(200);
    send("POST", "logs.example.com", "/status/502", "abc");
    await().atMost(Duration.ofSeconds(5)).until(() -> logLines("/logged").size() == 1 && logLines("/status/502").size() == 1);
    JsonObject line = logLines("/logged").get(0);
    assertThat(line.fieldNames()).contains("time", "client", "method", "host", "path", "protocol", "status", "bytes_in",
        "bytes_out", "duration_ms", "upstream", "upstream_duration_ms", "route", "cache", "trace_id", "user_agent");
    assertThat(line.getString("method")).isEqualTo("GET");
    assertThat(line.getString("host")).isEqualTo("logs.example.com");
    assertThat(line.getString("protocol")).isEqualTo("HTTP/1.1");
    assertThat(line.getInteger("status")).isEqualTo(200);
    assertThat(line.getLong("bytes_out")).isEqualTo(5);
    assertThat(line.getString("client")).isEqualTo("127.0.0.1");
    assertThat(line.getString("route")).isEqualTo("logs.example.com/all");
    assertThat(line.getString("cluster")).isEqualTo("web");
    assertThat(line.getString("upstream")).isEqualTo("127.0.0.1:" + backend.actualPort());
    assertThat(line.getString("user_agent")).isEqualTo("probe/1.0");
    assertThat(line.getString("trace_id")).matches("[0-9a-f]{32}");
    assertThat(line.getDouble("duration_ms")).isPositive();
    assertThat(line.getDouble("upstream_duration_ms")).isPositive().isLessThanOrEqualTo(line.getDouble("duration_ms"));
    assertThat(java.time.Instant.parse(line.getString("time"))).isBefore(java.time.Instant.now().plusSeconds(1));
    assertThat(seen.get("/logged").get("traceparent")).contains(line.getString("trace_id"));
    JsonObject failed = logLines("/status/502").get(0);
    assertThat(failed.getInteger("status")).isEqualTo(502);
    assertThat(failed.getString("method")).isEqualTo("POST");
    assertThat(failed.getLong("bytes_in")).isEqualTo(3);
    String all = Files.readString(logFile);
    assertThat(all).doesNotContain("hide-me").doesNotContain("never-logged");
    assertThat(sample(scrape(), "portcullis_access_log_lines_total")).isGreaterThanOrEqualTo(2);
  }

  @Test
  void textFormatFollowsItsTemplate() throws Exception {
    Path text = dir.resolve("text.log");
    try (DataPlane dp = DataPlane.start(DataPlaneConfig.loopback(1).withObservability(new ObservabilitySettings(
        new ObservabilitySettings.AccessLogSettings(text.toString(), ObservabilitySettings.Format.TEXT,
            "$method $path $status $route $cache $user_agent", 1.0, 16), null)))) {
      dp.apply(1, new RouteTable(List.of(new VirtualHost("text.example.com",
          List.of(all("text.example.com", null, null)), null)), List.of(web())));
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.httpPort()
          + "/plain?q=1")).header("Host", "text.example.com").header("User-Agent", "say \"hi\"").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(text) && !Files.readString(text).isEmpty());
      // No cache on the route: "-"; quotes escaped as nginx does, so a client cannot forge a field.
      assertThat(Files.readString(text)).isEqualTo("GET /plain 200 text.example.com/all - say \\x22hi\\x22\n");
    }
  }

  @Test
  void sampledAccessLogKeepsEveryServerError() throws Exception {
    Path sampled = dir.resolve("sampled.log");
    try (DataPlane dp = DataPlane.start(DataPlaneConfig.loopback(1).withObservability(new ObservabilitySettings(
        new ObservabilitySettings.AccessLogSettings(sampled.toString(), ObservabilitySettings.Format.JSON, null, 0.0,
            64), null)))) {
      dp.apply(1, new RouteTable(List.of(new VirtualHost("sampled.example.com",
          List.of(all("sampled.example.com", null, null)), null)), List.of(web())));
      for (String path : List.of("/a", "/status/500", "/b", "/status/503")) {
        client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.httpPort() + path))
            .header("Host", "sampled.example.com").build(), HttpResponse.BodyHandlers.ofString());
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(sampled) && Files.readAllLines(sampled).size() >= 2);
      Thread.sleep(200);
      List<String> lines = Files.readAllLines(sampled);
      assertThat(lines).hasSize(2);
      assertThat(new JsonObject(lines.get(0)).getInteger("status")).isEqualTo(500);
      assertThat(new JsonObject(lines.get(1)).getInteger("status")).isEqualTo(503);
    }
  }

  // ---- tracing -------------------------------------------------------------------------------------

  @Test
  void traceparentIsGeneratedWhenAbsent() throws Exception {
    serve(Map.of());
    send("GET", "trace.example.com", "/fresh", null, "tracestate", "vendor=untrusted");
    MultiMap got = seen.get("/fresh");
    Matcher m = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]").matcher(got.get("traceparent"));
    assertThat(m.matches()).as(got.get("traceparent")).isTrue();
    assertThat(m.group(1)).isNotEqualTo("0".repeat(32));
    assertThat(got.get("tracestate")).as("no tracestate without a valid traceparent").isNull();
  }

  @Test
  void traceparentIsPropagatedWithTheSameTraceAndExported() throws Exception {
    serve(Map.of());
    send("GET", "trace.example.com", "/joined", null, "traceparent", "00-" + TRACE + "-" + PARENT + "-01",
        "tracestate", "vendor=abc");
    MultiMap got = seen.get("/joined");
    String upstream = got.get("traceparent");
    assertThat(upstream).startsWith("00-" + TRACE + "-").endsWith("-01");
    String proxySpan = upstream.substring(36, 52);
    assertThat(proxySpan).isNotEqualTo(PARENT).matches("[0-9a-f]{16}");
    assertThat(got.get("tracestate")).isEqualTo("vendor=abc");

    // The proxy's span goes to the collector: same trace, the caller's span as parent, the upstream's parent as id.
    await().atMost(Duration.ofSeconds(10)).until(() -> span(TRACE) != null);
    JsonObject span = span(TRACE);
    assertThat(span.getString("spanId")).isEqualTo(proxySpan);
    assertThat(span.getString("parentSpanId")).isEqualTo(PARENT);
    assertThat(span.getString("name")).isNotBlank();
    String attributes = span.getJsonArray("attributes").encode();
    assertThat(attributes).contains("trace.example.com/all").contains("\"web\"").contains("200");
    assertThat(exportAuth.get()).isEqualTo("collector-key");
    assertThat(exports.get(0).encode()).contains("\"edge\"");
  }

  JsonObject span(String trace) {
    for (JsonObject e : exports) {
      for (Object rs : e.getJsonArray("resourceSpans")) {
        for (Object ss : ((JsonObject) rs).getJsonArray("scopeSpans")) {
          JsonArray spans = ((JsonObject) ss).getJsonArray("spans");
          for (Object s : spans) {
            if (trace.equals(((JsonObject) s).getString("traceId"))) {
              return (JsonObject) s;
            }
          }
        }
      }
    }
    return null;
  }

  // ---- the admin API -------------------------------------------------------------------------------

  @Test
  void configDumpNeverShowsKeysOrAuthSecrets() throws Exception {
    String hash = OpenBSDBCrypt.generate("2y", "alice-secret".toCharArray(), new byte[16], 5);
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    RSAPublicKey pub = (RSAPublicKey) g.generateKeyPair().getPublic();
    String modulus = Base64.getUrlEncoder().withoutPadding().encodeToString(unsigned(pub.getModulus()));
    String jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"use\":\"sig\",\"n\":\"" + modulus
        + "\",\"e\":\"AQAB\"}]}";
    Credential.Htpasswd users = new Credential.Htpasswd(Map.of("alice", hash));
    Credential.Jwks keys = new Credential.Jwks(jwks);
    Route basic = new Route("secure.example.com/basic", RouteMatch.path(PathMatch.prefix("/basic")),
        RouteAction.Forward.to("web"), new RouteFilters(new RouteFilters.HeaderModifier(List.of(
            new RouteFilters.Header("Authorization", "Bearer upstream-static-token"),
            new RouteFilters.Header("X-Api-Key", "k-12345")), List.of(), List.of()), null, null, null),
        new RoutePolicies(null, null, null, null, null,
            new Auth(new Auth.Basic(new SecretRef("shop", "users", Credential.fingerprint(users)), "shop"), null, null)),
        Timeouts.DEFAULT, null);
    Route jwt = new Route("secure.example.com/jwt", RouteMatch.path(PathMatch.prefix("/jwt")),
        RouteAction.Forward.to("web"), null, new RoutePolicies(null, null, null, null, null,
            new Auth(null, new Auth.Jwt("https://issuer.example.com", List.of("shop"), null,
                new SecretRef("shop", "keys", Credential.fingerprint(keys)), 60_000, List.of(), false), null)),
        Timeouts.DEFAULT, null);
    Route external = new Route("secure.example.com/ext", RouteMatch.path(PathMatch.prefix("/ext")),
        RouteAction.Forward.to("web"), null, new RoutePolicies(null, null, null, null, null,
            new Auth(null, null, new Auth.External("http://127.0.0.1:9/check", "GET", 1000, null,
                null))), Timeouts.DEFAULT, null);
    serve(Map.of("htpasswd:shop/users", users, "jwks:shop/keys", keys),
        new VirtualHost("secure.example.com", List.of(basic, jwt, external, all("secure.example.com", null, null)), null,
            new TlsRef("default", "secure-tls", SHOP.fingerprint(), null, Boolean.FALSE, SourceRef.of("Ingress",
                "default", "secure"))));
    assertThat(send("GET", "secure.example.com", "/basic/x", null).statusCode()).isEqualTo(401);

    String keyBody = SHOP.pem().privateKeyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "")
        .substring(0, 40);
    for (String path : List.of("/config", "/config_dump", "/status", "/endpoints")) {
      HttpResponse<String> dump = admin(path);
      assertThat(dump.statusCode()).as(path).isEqualTo(200);
      assertThat(dump.body()).as(path).doesNotContain("PRIVATE KEY").doesNotContain(keyBody).doesNotContain(hash)
          .doesNotContain(hash.substring(7)).doesNotContain(modulus.substring(0, 40)).doesNotContain("alice-secret")
          .doesNotContain("upstream-static-token").doesNotContain("k-12345");
    }
    JsonObject config = new JsonObject(admin("/config").body());
    assertThat(config.getLong("version")).isEqualTo(version);
    assertThat(config.getString("checksum")).startsWith("sha256:").isEqualTo(dataPlane.currentChecksum());
    assertThat(config.encode()).contains("secure.example.com/basic").contains("<redacted>")
        .contains(Credential.fingerprint(users));
  }

  @Test
  void statusEndpointsHealthAndLogLevels() throws Exception {
    serve(Map.of());
    assertThat(admin("/healthz").statusCode()).isEqualTo(200);
    assertThat(admin("/readyz").statusCode()).isEqualTo(200);
    JsonObject status = new JsonObject(admin("/status").body()).getJsonObject("dataPlane");
    assertThat(status.getBoolean("ready")).isTrue();
    assertThat(status.getJsonObject("routeTable").getLong("version")).isEqualTo(version);
    assertThat(status.getJsonObject("routeTable").getString("appliedAt")).isNotNull();
    assertThat(status.getJsonObject("certificates").fieldNames()).contains("default");

    JsonArray endpoints = new JsonArray(admin("/endpoints").body());
    JsonObject web = endpoints.getJsonObject(0);
    assertThat(web.getString("cluster")).isEqualTo("web");
    assertThat(web.getJsonArray("endpoints").getJsonObject(0).getString("health")).isEqualTo("healthy");
    assertThat(web.getJsonArray("endpoints").getJsonObject(0).getInteger("port")).isEqualTo(backend.actualPort());

    assertThat(adminPost("/logging?level=DEBUG&logger=dev.portcullis.dataplane.upstream", null).statusCode())
        .isEqualTo(401);
    HttpResponse<String> bad = adminPost("/logging?level=LOUD", "admin-token");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("LOUD");
    assertThat(adminPost("/logging?level=DEBUG&logger=dev.portcullis.dataplane.upstream", "admin-token").statusCode())
        .isEqualTo(200);
    try {
      assertThat(admin("/logging").body()).contains("dev.portcullis.dataplane.upstream").contains("DEBUG");
    } finally {
      adminPost("/logging?level=INFO&logger=dev.portcullis.dataplane.upstream", "admin-token");
    }
  }

  @Test
  void aRefusedTableIsCountedAndTheOldOneKeepsServing() throws Exception {
    serve(Map.of());
    long served = version;
    // Its host's certificate did not come with it.
    RouteTable broken = new RouteTable(List.of(new VirtualHost("broken.example.com",
        List.of(all("broken.example.com", null, null)), null, new TlsRef("default", "absent-tls", SHOP.fingerprint(), null,
            Boolean.FALSE, SourceRef.of("Ingress", "default", "broken")))), List.of(web()));
    assertThatThrownBy(() -> dataPlane.apply(served + 1, broken, Map.of()))
        .hasMessageContaining("certificates[default/absent-tls]");
    String m = scrape();
    assertThat(sample(m, "portcullis_route_table_rejected")).isEqualTo(1);
    assertThat(sample(m, "portcullis_route_table_updates_total", "result=rejected")).isGreaterThanOrEqualTo(1);
    assertThat(sample(m, "portcullis_route_table_applied_version")).isEqualTo(served);
    JsonObject status = new JsonObject(admin("/status").body()).getJsonObject("dataPlane");
    assertThat(status.getJsonObject("lastRejected").getLong("version")).isEqualTo(served + 1);
    serve(Map.of());
    assertThat(sample(scrape(), "portcullis_route_table_rejected")).isEqualTo(0);
  }

  // ---- bad settings ---------------------------------------------------------------------------------

  @Test
  void badSettingsAreRefusedWithAClearMessage() {
    assertThatThrownBy(() -> new ObservabilitySettings.AccessLogSettings("stdout", ObservabilitySettings.Format.TEXT,
        "$method $nonsense", 1.0, 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$nonsense").hasMessageContaining("fields:");
    assertThatThrownBy(() -> new ObservabilitySettings.AccessLogSettings("stdout", null, null, 1.5, 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sample rate");
    assertThatThrownBy(() -> new ObservabilitySettings.TracingSettings(URI.create("ftp://collector:4318/v1/traces"),
        null, null, 1.0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> new ObservabilitySettings.TracingSettings(URI.create("http:///v1/traces"), null, null,
        1.0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host");
    assertThatThrownBy(() -> new ObservabilitySettings.TracingSettings(URI.create("http://c:4318/"), null, null, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sample ratio");
    Path nowhere = dir.resolve("no-such-dir").resolve("access.log");
    assertThatThrownBy(() -> DataPlane.start(DataPlaneConfig.loopback(1).withObservability(new ObservabilitySettings(
        new ObservabilitySettings.AccessLogSettings(nowhere.toString(), null, null, 1.0, 10), null))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot open the access log")
        .hasMessageContaining(nowhere.toString());
  }

  static byte[] unsigned(BigInteger v) {
    byte[] b = v.toByteArray();
    return b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
  }
}
