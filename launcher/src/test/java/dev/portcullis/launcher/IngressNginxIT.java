package dev.portcullis.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.translator.TranslatorOptions;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingresses written for ingress-nginx, served in the compatibility mode by the real local mode
 * (translator, route server, data plane) to real backends on loopback: the annotations that change
 * traffic do what ingress-nginx's documentation says they do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngressNginxIT {

  Vertx vertx;
  EchoBackend main;
  EchoBackend canary;
  EchoBackend errors;
  EchoBackend stickyA;
  EchoBackend stickyB;
  @TempDir
  static Path dir;
  LocalMode local;
  HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void start() throws Exception {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    vertx = Vertx.vertx();
    main = echo("main");
    canary = echo("canary");
    errors = echo("errors");
    stickyA = echo("sticky-a");
    stickyB = echo("sticky-b");
    String hash = OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), salt(), 4);
    Files.writeString(dir.resolve("backends.yaml"), String.join("---\n", Manifests.backend("main", main.port()),
        Manifests.backend("canary", canary.port()), Manifests.backend("errors", errors.port()), """
        apiVersion: v1
        kind: Service
        metadata: {name: empty}
        spec:
          ports: [{name: http, port: 80}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: sticky}
        spec:
          ports: [{name: http, port: 80}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: sticky-a
          labels: {kubernetes.io/service-name: sticky}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: sticky-b
          labels: {kubernetes.io/service-name: sticky}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: basic-auth}
        type: Opaque
        stringData:
          auth: "foo:%s"
        """.formatted(stickyA.port(), stickyB.port(), hash)));
    Map<String, String> ingresses = new LinkedHashMap<>();
    ingresses.put("rewrite", ingress("rewrite", "rewrite.test", "main", "/something(/|$)(.*)",
        "rewrite-target: /$2", "use-regex: \"true\""));
    ingresses.put("app", ingress("app", "canary.test", "main", "/"));
    ingresses.put("app-canary", ingress("app-canary", "canary.test", "canary", "/", "canary: \"true\"",
        "canary-weight: \"30\"", "canary-by-header: X-Canary", "canary-by-cookie: beta"));
    ingresses.put("value", ingress("value", "value.test", "main", "/"));
    ingresses.put("value-canary", ingress("value-canary", "value.test", "canary", "/", "canary: \"true\"",
        "canary-by-header: X-Version", "canary-by-header-value: v2"));
    ingresses.put("sticky", ingress("sticky", "sticky.test", "sticky", "/", "affinity: cookie",
        "session-cookie-name: route", "session-cookie-max-age: \"3600\""));
    ingresses.put("allowed", ingress("allowed", "allowed.test", "main", "/",
        "whitelist-source-range: 127.0.0.1/32, 10.0.0.0/8"));
    ingresses.put("denied", ingress("denied", "denied.test", "main", "/", "whitelist-source-range: 10.0.0.0/8"));
    ingresses.put("limited", ingress("limited", "limited.test", "main", "/", "limit-rps: \"2\"",
        "limit-burst-multiplier: \"1\""));
    ingresses.put("vhost", ingress("vhost", "vhost.test", "main", "/", "upstream-vhost: internal.example",
        "x-forwarded-prefix: /shop", "server-alias: alias.test"));
    ingresses.put("body", ingress("body", "body.test", "main", "/", "proxy-body-size: 1k"));
    ingresses.put("deny", ingress("deny", "deny.test", "main", "/", "denylist-source-range: 127.0.0.0/8"));
    ingresses.put("slow", ingress("slow", "slow.test", "main", "/", "proxy-read-timeout: \"1\"",
        "proxy-next-upstream: \"off\""));
    ingresses.put("hash", ingress("hash", "hash.test", "sticky", "/", "upstream-hash-by: $request_uri"));
    ingresses.put("ext", ingress("ext", "ext.test", "main", "/", "auth-url: http://127.0.0.1:%d/verify"
        .formatted(errors.port()), "auth-response-headers: X-Backend"));
    ingresses.put("conns", ingress("conns", "conns.test", "main", "/", "limit-connections: \"1\""));
    ingresses.put("cors", ingress("cors", "cors.test", "main", "/", "enable-cors: \"true\"",
        "cors-allow-origin: https://app.example.com", "cors-allow-credentials: \"true\""));
    ingresses.put("basic", ingress("basic", "basic.test", "main", "/", "auth-type: basic",
        "auth-secret: basic-auth", "auth-realm: Authentication Required - foo"));
    ingresses.put("moved", ingress("moved", "moved.test", "main", "/",
        "permanent-redirect: https://www.example.com/new"));
    ingresses.put("root", ingress("root", "root.test", "main", "/", "app-root: /app1"));
    ingresses.put("forced", ingress("forced", "forced.test", "main", "/", "force-ssl-redirect: \"true\""));
    ingresses.put("pages", ingress("pages", "pages.test", "main", "/", "custom-http-errors: \"404,503\"",
        "default-backend: errors"));
    ingresses.put("fallback", ingress("fallback", "fallback.test", "empty", "/", "default-backend: errors"));
    ingresses.put("snippet", ingress("snippet", "snippet.test", "main", "/",
        "configuration-snippet: 'more_set_headers \"X-Evil: 1\";'"));
    for (Map.Entry<String, String> e : ingresses.entrySet()) {
      Files.writeString(dir.resolve(e.getKey() + ".yaml"), e.getValue());
    }
    local = LocalMode.start(new LocalMode.Settings(dir, "127.0.0.1", "127.0.0.1", 0, 0, 0, 2,
        TranslatorOptions.DEFAULT.withIngressNginx(new TranslatorOptions.IngressNginx("nginx", false))));
    await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "rewrite.test", "/something/x", Map.of())
        .statusCode() == 200);
  }

  @AfterAll
  void stop() {
    if (local != null) {
      local.close();
    }
    vertx.close();
  }

  private EchoBackend echo(String name) throws Exception {
    return EchoBackend.start(vertx, name, "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
  }

  private static byte[] salt() {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return salt;
  }

  /** An Ingress of class nginx with one Prefix (ImplementationSpecific) path and these annotations. */
  static String ingress(String name, String host, String service, String path, String... annotations) {
    StringBuilder sb = new StringBuilder("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ")
        .append(name).append("\n  annotations:\n    portcullis.dev/test: \"true\"\n");
    for (String a : annotations) {
      if (a != null && !a.isEmpty()) {
        sb.append("    nginx.ingress.kubernetes.io/").append(a).append('\n');
      }
    }
    sb.append("""
        spec:
          ingressClassName: nginx
          rules:
          - host: %s
            http:
              paths:
              - path: '%s'
                pathType: ImplementationSpecific
                backend: {service: {name: %s, port: {number: 80}}}
        """.formatted(host, path, service));
    return sb.toString();
  }

  HttpResponse<String> send(String method, String host, String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local.httpPort() + path))
        .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).header("Host", host);
    headers.forEach(b::header);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String host, String path) throws Exception {
    return send("GET", host, path, Map.of());
  }

  static String backend(HttpResponse<String> r) {
    return r.headers().firstValue("x-backend").orElse(null);
  }

  @Test
  void rewriteTargetTakesTheCaptureGroups() throws Exception {
    HttpResponse<String> r = get("rewrite.test", "/something/new/page?x=1");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"path\" : \"/new/page\"").contains("\"query\" : \"x=1\"");
    assertThat(get("rewrite.test", "/something").body()).contains("\"path\" : \"/\"");
    // ~* in nginx: the expression is case-insensitive.
    assertThat(get("rewrite.test", "/SOMETHING/a").body()).contains("\"path\" : \"/a\"");
    assertThat(get("rewrite.test", "/other").statusCode()).isEqualTo(404);
  }

  @Test
  void canaryByHeaderCookieAndWeight() throws Exception {
    assertThat(backend(send("GET", "canary.test", "/", Map.of("X-Canary", "always")))).isEqualTo("canary");
    assertThat(backend(send("GET", "canary.test", "/", Map.of("X-Canary", "never", "Cookie", "beta=always"))))
        .isEqualTo("main");
    assertThat(backend(send("GET", "canary.test", "/", Map.of("Cookie", "a=b; beta=always")))).isEqualTo("canary");
    for (int i = 0; i < 20; i++) {
      assertThat(backend(send("GET", "canary.test", "/", Map.of("Cookie", "beta=never")))).isEqualTo("main");
    }
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 400; i++) {
      counts.merge(backend(get("canary.test", "/")), 1, Integer::sum);
    }
    // 30% by weight: 120 expected of 400; far outside chance at these bounds.
    assertThat(counts.getOrDefault("canary", 0)).isBetween(70, 170);
    assertThat(counts.get("canary") + counts.get("main")).isEqualTo(400);
  }

  @Test
  void canaryByHeaderValue() throws Exception {
    assertThat(backend(send("GET", "value.test", "/", Map.of("X-Version", "v2")))).isEqualTo("canary");
    for (int i = 0; i < 20; i++) {
      assertThat(backend(send("GET", "value.test", "/", Map.of("X-Version", "v1")))).isEqualTo("main");
      assertThat(backend(get("value.test", "/"))).isEqualTo("main");
    }
  }

  @Test
  void cookieAffinityKeepsAClientOnOneEndpoint() throws Exception {
    HttpResponse<String> first = get("sticky.test", "/");
    String setCookie = first.headers().firstValue("set-cookie").orElseThrow();
    assertThat(setCookie).startsWith("route=").contains("Max-Age=3600").contains("HttpOnly");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    String pinned = backend(first);
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = send("GET", "sticky.test", "/", Map.of("Cookie", cookie));
      assertThat(backend(r)).isEqualTo(pinned);
      assertThat(r.headers().firstValue("set-cookie")).isEmpty();
    }
    // Clients without the cookie are spread over both endpoints.
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      seen.merge(backend(get("sticky.test", "/")), 1, Integer::sum);
    }
    assertThat(seen.keySet()).containsExactlyInAnyOrder("sticky-a", "sticky-b");
  }

  @Test
  void sourceRangesAllowAndRefuse() throws Exception {
    assertThat(get("allowed.test", "/").statusCode()).isEqualTo(200);
    assertThat(get("denied.test", "/").statusCode()).isEqualTo(403);
  }

  @Test
  void limitRpsRefusesTheExcess() throws Exception {
    int refused = 0;
    int served = 0;
    for (int i = 0; i < 10; i++) {
      int s = get("limited.test", "/").statusCode();
      if (s == 429) {
        refused++;
      } else if (s == 200) {
        served++;
      }
    }
    assertThat(served).isBetween(2, 4);
    assertThat(refused).isEqualTo(10 - served);
  }

  @Test
  void limitConnectionsRefusesASecondRequestInFlightAndFreesTheSlot() throws Exception {
    var slow = client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local.httpPort()
        + "/?delay=1500")).header("Host", "conns.test").build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> get("conns.test", "/").statusCode() == 503);
    assertThat(slow.get().statusCode()).isEqualTo(200);
    assertThat(get("conns.test", "/").statusCode()).isEqualTo(200);
    // A client that goes away mid-request gives its slot back too.
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", local.httpPort())) {
      s.getOutputStream().write("GET /?delay=3000 HTTP/1.1\r\nHost: conns.test\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      await().atMost(Duration.ofSeconds(5)).until(() -> get("conns.test", "/").statusCode() == 503);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> get("conns.test", "/").statusCode() == 200);
  }

  @Test
  void upstreamVhostForwardedPrefixAndServerAlias() throws Exception {
    HttpResponse<String> r = get("vhost.test", "/x");
    assertThat(r.body()).contains("\"host\" : \"internal.example\"").contains("\"x-forwarded-prefix\" : \"/shop\"");
    assertThat(backend(get("alias.test", "/x"))).isEqualTo("main");
  }

  @Test
  void proxyBodySizeRefusesLargerBodies() throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local.httpPort() + "/"))
        .header("Host", "body.test").timeout(Duration.ofSeconds(10));
    assertThat(client.send(b.POST(HttpRequest.BodyPublishers.ofString("x".repeat(2048))).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(413);
    assertThat(client.send(b.POST(HttpRequest.BodyPublishers.ofString("x".repeat(512))).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }

  @Test
  void denylistRefusesTheClient() throws Exception {
    assertThat(get("deny.test", "/").statusCode()).isEqualTo(403);
  }

  @Test
  void proxyReadTimeoutAnswers504() throws Exception {
    assertThat(get("slow.test", "/?delay=2500").statusCode()).isEqualTo(504);
    assertThat(get("slow.test", "/?delay=10").statusCode()).isEqualTo(200);
  }

  @Test
  void upstreamHashByRequestUriKeepsAUriOnOneEndpoint() throws Exception {
    Map<String, String> byUri = new HashMap<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 60; i++) {
      String uri = "/item/" + (i % 12);
      String b = backend(get("hash.test", uri));
      seen.add(b);
      assertThat(byUri.putIfAbsent(uri, b) == null || byUri.get(uri).equals(b)).as(uri).isTrue();
    }
    assertThat(seen).containsExactlyInAnyOrder("sticky-a", "sticky-b");
  }

  @Test
  void authUrlDecidesAndPassesItsHeaders() throws Exception {
    // The auth service (an echo backend) answers 200 and names itself in X-Backend, which is copied.
    HttpResponse<String> ok = get("ext.test", "/");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).contains("\"x-backend\" : \"errors\"");
    assertThat(backend(ok)).isEqualTo("main");
  }

  @Test
  void corsPreflightAndActualRequests() throws Exception {
    HttpResponse<String> pre = send("OPTIONS", "cors.test", "/", Map.of("Origin", "https://app.example.com",
        "Access-Control-Request-Method", "PUT"));
    assertThat(pre.statusCode()).isEqualTo(204);
    assertThat(pre.headers().firstValue("access-control-allow-origin")).contains("https://app.example.com");
    assertThat(pre.headers().firstValue("access-control-allow-credentials")).contains("true");
    assertThat(pre.headers().firstValue("access-control-allow-methods").orElse("")).contains("PUT");
    HttpResponse<String> actual = send("GET", "cors.test", "/", Map.of("Origin", "https://app.example.com"));
    assertThat(actual.statusCode()).isEqualTo(200);
    assertThat(actual.headers().firstValue("access-control-allow-origin")).contains("https://app.example.com");
    HttpResponse<String> other = send("GET", "cors.test", "/", Map.of("Origin", "https://evil.example"));
    assertThat(other.headers().firstValue("access-control-allow-origin")).isEmpty();
  }

  @Test
  void basicAuthChallengesAndLetsTheUserIn() throws Exception {
    HttpResponse<String> none = get("basic.test", "/");
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("www-authenticate").orElse(""))
        .contains("Basic").contains("Authentication Required - foo");
    String good = "Basic " + Base64.getEncoder().encodeToString("foo:s3cret".getBytes(StandardCharsets.UTF_8));
    String bad = "Basic " + Base64.getEncoder().encodeToString("foo:wrong".getBytes(StandardCharsets.UTF_8));
    assertThat(send("GET", "basic.test", "/", Map.of("Authorization", good)).statusCode()).isEqualTo(200);
    assertThat(send("GET", "basic.test", "/", Map.of("Authorization", bad)).statusCode()).isEqualTo(401);
  }

  @Test
  void redirects() throws Exception {
    HttpResponse<String> moved = get("moved.test", "/old/page?a=1");
    assertThat(moved.statusCode()).isEqualTo(301);
    assertThat(moved.headers().firstValue("location")).contains("https://www.example.com/new");
    HttpResponse<String> root = get("root.test", "/");
    assertThat(root.statusCode()).isEqualTo(302);
    assertThat(root.headers().firstValue("location").orElse("")).endsWith("root.test/app1");
    assertThat(backend(get("root.test", "/app1"))).isEqualTo("main");
    HttpResponse<String> forced = get("forced.test", "/x?y=1");
    assertThat(forced.statusCode()).isIn(301, 308);
    assertThat(forced.headers().firstValue("location")).contains("https://forced.test/x?y=1");
  }

  @Test
  void customHttpErrorsAreAnsweredByTheDefaultBackend() throws Exception {
    HttpResponse<String> r = get("pages.test", "/missing?status=404");
    assertThat(backend(r)).isEqualTo("errors");
    assertThat(r.body()).contains("\"x-code\" : \"404\"").contains("\"x-namespace\" : \"default\"")
        .contains("\"x-ingress-name\" : \"pages\"").contains("\"x-service-name\" : \"main\"")
        .contains("\"x-original-uri\" : \"/missing?status=404\"");
    HttpResponse<String> ok = get("pages.test", "/?status=500");
    assertThat(backend(ok)).isEqualTo("main");
    assertThat(ok.statusCode()).isEqualTo(500);
    // A Service without endpoints: its requests go to the default backend.
    assertThat(backend(get("fallback.test", "/"))).isEqualTo("errors");
  }

  @Test
  void aSnippetIsRefusedAndItsIngressNotServed() throws Exception {
    assertThat(get("snippet.test", "/").statusCode()).isEqualTo(404);
    assertThat(local.problems()).anySatisfy(p -> assertThat(p).contains("Ingress default/snippet")
        .contains("configuration-snippet").contains("SnippetRefused"));
  }
}
