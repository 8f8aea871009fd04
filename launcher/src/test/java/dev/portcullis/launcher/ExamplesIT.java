package dev.portcullis.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.translator.TranslatorOptions;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** examples/proxyroute, as they are, in local mode with the demo's backends. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExamplesIT {

  static final Path EXAMPLES = Path.of(System.getProperty("portcullis.home", ".."), "examples", "proxyroute");
  Vertx vertx;
  LocalMode local;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    DemoCommand.startBackends(vertx);
    local = LocalMode.start(new LocalMode.Settings(EXAMPLES, "127.0.0.1", "127.0.0.1", 0, 0, 0, 2,
        TranslatorOptions.DEFAULT.withWatchIngressWithoutClass(true)));
  }

  @AfterAll
  void stop() {
    local.close();
    vertx.close();
  }

  HttpResponse<String> get(String host, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local.httpPort() + path))
        .header("Host", host);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String backend(HttpResponse<String> r) {
    return new Http.Answer(r.statusCode(), r.body()).backend();
  }

  @Test
  void canarySplit() throws Exception {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      counts.merge(backend(get("canary.local", "/")), 1, Integer::sum);
    }
    // Any 10 consecutive requests hold one for api: 1000 requests, exactly 100, wherever the cycle started.
    assertThat(counts).containsEntry("api", 100).containsEntry("web", 900);
  }

  @Test
  void headerRouting() throws Exception {
    assertThat(backend(get("headers.local", "/"))).isEqualTo("web");
    assertThat(backend(get("headers.local", "/", "X-Canary", "1"))).isEqualTo("api");
    assertThat(backend(get("headers.local", "/?version=2"))).isEqualTo("api");
  }

  @Test
  void rewrite() throws Exception {
    HttpResponse<String> r = get("rewrite.local", "/api/v1/users/7");
    assertThat(backend(r)).isEqualTo("api");
    assertThat(r.body()).contains("\"path\" : \"/users/7\"", "\"host\" : \"api.internal\"", "\"x-api-version\" : \"1\"");
    assertThat(r.headers().firstValue("x-backend")).isEmpty();
    assertThat(r.headers().firstValue("x-served-by")).hasValue("portcullis");
  }

  @Test
  void redirectToHttps() throws Exception {
    HttpResponse<String> r = get("redirect.local", "/cart?id=1");
    assertThat(r.statusCode()).isEqualTo(301);
    assertThat(r.headers().firstValue("location")).hasValue("https://redirect.local/cart?id=1");
    assertThat(get("redirect.local", "/old/page").headers().firstValue("location"))
        .hasValue("https://redirect.local/new/page");
  }

  @Test
  void stickySessionsHoldAcrossRequests() throws Exception {
    HttpResponse<String> first = get("resilient.local", "/");
    assertThat(first.statusCode()).isEqualTo(200);
    String cookie = first.headers().firstValue("set-cookie").orElseThrow();
    assertThat(cookie).contains("HttpOnly", "SameSite=Lax", "Max-Age=3600");
    String backend = backend(first);
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = get("resilient.local", "/", "Cookie", cookie.substring(0, cookie.indexOf(';')));
      assertThat(backend(r)).isEqualTo(backend);
      assertThat(r.headers().firstValue("set-cookie")).isEmpty();
    }
  }

  @Test
  void cachedPagesAreServedFromTheCache() throws Exception {
    HttpResponse<String> first = get("cached.local", "/page?utm_source=mail");
    assertThat(first.headers().firstValue("cache-status")).hasValue("Portcullis; fwd=uri-miss; stored");
    HttpResponse<String> second = get("cached.local", "/page?utm_source=web");
    assertThat(second.headers().firstValue("cache-status").orElseThrow()).startsWith("Portcullis; hit; ttl=");
    assertThat(second.body()).isEqualTo(first.body());
  }

  @Test
  void statusShowsEveryRouteProgrammed() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      String status = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local.adminPort() + "/status"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      return status.split("\"type\" : \"Programmed\",\\s*\"status\" : \"True\"", -1).length - 1 == 6;
    });
    String status = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local.adminPort() + "/status"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(status).contains("\"name\" : \"canary-split\"", "\"type\" : \"Accepted\"", "\"type\" : \"ResolvedRefs\"");
    assertThat(local.problems()).isEmpty();
  }
}
