package dev.portcullis.dataplane.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.Auth;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** External authorisation over real sockets: an auth service decides, and the proxy fails closed. */
class ExtAuthTest extends AuthHarness {

  HttpServer authService;
  /** What the auth service answers: allow, deny401, deny403, redirect, error, slow. */
  final AtomicReference<String> mode = new AtomicReference<>("allow");
  final AtomicReference<MultiMap> asked = new AtomicReference<>();
  final AtomicReference<String> askedBody = new AtomicReference<>();
  final AtomicReference<String> askedUri = new AtomicReference<>();
  final AtomicInteger askedCount = new AtomicInteger();

  @BeforeAll
  void authService() throws Exception {
    authService = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(req ->
        req.body().onComplete(b -> {
          askedCount.incrementAndGet();
          asked.set(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
          askedBody.set(b.succeeded() ? b.result().toString() : null);
          askedUri.set(req.method() + " " + req.uri());
          var res = req.response();
          switch (mode.get()) {
            case "allow" -> {
              res.headers().add("x-auth-user", "alice").add("x-auth-groups", "a").add("x-auth-groups", "b")
                  .add("x-not-listed", "1");
              res.end("ok");
            }
            case "allow-bare" -> res.setStatusCode(204).end();
            case "deny401" -> res.setStatusCode(401).putHeader("www-authenticate", "Bearer realm=\"shop\"")
                .putHeader("location", "https://login.example.com/?rd=x").putHeader("x-auth-user", "alice")
                .end("login first, with details the client must not see");
            case "deny403" -> res.setStatusCode(403).end("no");
            case "redirect" -> res.setStatusCode(302).putHeader("location", "https://login.example.com/").end();
            case "error" -> res.setStatusCode(500).end("boom");
            case "slow" -> vertx.setTimer(3000, t -> res.end("late"));
            default -> res.setStatusCode(500).end();
          }
        }));
    await(authService.listen());
  }

  Auth ext(String url, long timeoutMs, List<String> requestHeaders, String method) {
    return new Auth(null, null, new Auth.External(url, method, timeoutMs, requestHeaders,
        List.of("X-Auth-User", "x-auth-groups")));
  }

  String url() {
    return "http://127.0.0.1:" + authService.actualPort() + "/oauth2/auth?from=proxy";
  }

  @Test
  void allowedRequestsGoOnWithTheAuthServicesHeadersOnly() throws Exception {
    serve(ext(url(), 2000, List.of(), null), Map.of());
    mode.set("allow");
    Reply r = send("POST", "/a/../app/./x?q=1", "the body", "Cookie", "session=s1", "Authorization", "Bearer t",
        "X-Auth-User", "mallory", "X-Tenant", "t1", "X-Forwarded-For", "6.6.6.6", "X-Original-URI", "/forged");
    assertThat(r.status()).isEqualTo(200);
    assertThat(askedUri.get()).isEqualTo("GET /oauth2/auth?from=proxy");
    MultiMap a = asked.get();
    assertThat(a.get("cookie")).isEqualTo("session=s1");
    assertThat(a.get("authorization")).isEqualTo("Bearer t");
    assertThat(a.contains("x-tenant")).as("not configured: not sent").isFalse();
    assertThat(a.get("x-original-uri")).isEqualTo("/app/x?q=1");
    assertThat(a.get("x-original-method")).isEqualTo("POST");
    assertThat(a.get("x-original-url")).isEqualTo("http://" + HOST + "/app/x?q=1");
    assertThat(a.get("x-forwarded-for")).isEqualTo("127.0.0.1");
    assertThat(a.get("x-forwarded-host")).isEqualTo(HOST);
    assertThat(a.get("x-forwarded-proto")).isEqualTo("http");
    assertThat(askedBody.get()).as("the auth service never gets the body").isEmpty();
    MultiMap up = lastHeaders.get();
    assertThat(up.getAll("x-auth-user")).containsExactly("alice");
    assertThat(up.getAll("x-auth-groups")).containsExactly("a", "b");
    assertThat(up.contains("x-not-listed")).isFalse();
    assertThat(lastBody.get()).isEqualTo("the body");

    // An answer without the header: the client's own copy is still dropped.
    mode.set("allow-bare");
    assertThat(get("/x", "X-Auth-User", "mallory").status()).isEqualTo(200);
    assertThat(lastHeaders.get().contains("x-auth-user")).isFalse();
  }

  @Test
  void allHeadersWhenAskedButNeverTheProxysOwn() throws Exception {
    serve(ext(url(), 2000, List.of("*"), "POST"), Map.of());
    mode.set("allow");
    assertThat(get("/x", "X-Tenant", "t1", "X-Forwarded-Host", "evil.example").status()).isEqualTo(200);
    assertThat(askedUri.get()).startsWith("POST ");
    assertThat(asked.get().get("x-tenant")).isEqualTo("t1");
    assertThat(asked.get().get("x-forwarded-host")).isEqualTo(HOST);
    assertThat(asked.get().get("host")).isEqualTo("127.0.0.1:" + authService.actualPort());
  }

  @Test
  void refusalsPassThroughAndNothingGoesUpstream() throws Exception {
    serve(ext(url(), 2000, List.of(), null), Map.of());
    int before = backendRequests.get();
    mode.set("deny401");
    Reply r = send("POST", "/x", "secret upload", "X-Auth-User", "mallory");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.header("www-authenticate")).isEqualTo("Bearer realm=\"shop\"");
    assertThat(r.header("location")).isEqualTo("https://login.example.com/?rd=x");
    assertThat(r.header("x-auth-user")).isNull();
    assertThat(r.body()).doesNotContain("details");
    mode.set("deny403");
    assertThat(get("/x").status()).isEqualTo(403);
    assertThat(backendRequests.get()).as("no refused request reached the backend").isEqualTo(before);

    mode.set("deny401");
    String reply = raw("POST /x HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 13\r\nExpect: 100-continue\r\n\r\n",
        3000);
    assertThat(reply).startsWith("HTTP/1.1 401").doesNotContain("100 Continue");
    assertThat(backendRequests.get()).isEqualTo(before);
  }

  @Test
  void anythingElseFailsClosed() throws Exception {
    serve(ext(url(), 500, List.of(), null), Map.of());
    int before = backendRequests.get();
    mode.set("error");
    assertThat(get("/x").status()).isEqualTo(500);
    mode.set("redirect");
    assertThat(get("/x").status()).as("3xx is not a decision (as nginx's auth_request)").isEqualTo(500);
    mode.set("slow");
    long t = System.nanoTime();
    assertThat(get("/x").status()).isEqualTo(503);
    assertThat((System.nanoTime() - t) / 1_000_000).as("answered at the timeout").isLessThan(2500);
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    serve(ext("http://127.0.0.1:" + closed + "/auth", 1000, List.of(), null), Map.of());
    assertThat(get("/x").status()).isEqualTo(503);
    assertThat(backendRequests.get()).isEqualTo(before);
    assertThat(get("/open").status()).isEqualTo(200);
  }
}
