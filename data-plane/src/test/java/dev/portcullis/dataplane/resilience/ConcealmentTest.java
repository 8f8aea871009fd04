package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.listener.ListenerLimits;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.VirtualHost;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The upstream stays hidden: its software and version headers are removed (also from cached
 * answers), a redirect built from its own address is rewritten to the client's host, and the
 * proxy's own error pages name nothing behind it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcealmentTest {

  static {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  Vertx vertx;
  HttpServer backend;
  DataPlane hiding;
  DataPlane passing;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    backend = vertx.createHttpServer().requestHandler(req -> {
      var res = req.response().putHeader("Server", "Apache/2.4.41 (Ubuntu)").putHeader("X-Powered-By", "PHP/7.4.3")
          .putHeader("X-AspNet-Version", "4.0.30319").putHeader("Cache-Control", "public, max-age=60");
      String self = "http://127.0.0.1:" + req.localAddress().port();
      switch (req.path()) {
        case "/login" -> res.setStatusCode(302).putHeader("Location", self + "/welcome?x=1").end();
        case "/elsewhere" -> res.setStatusCode(302).putHeader("Location", "https://sso.example.com/auth").end();
        default -> res.end("hello");
      }
    });
    backend.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
    hiding = start(ListenerLimits.DEFAULT);
    passing = start(ListenerLimits.DEFAULT.withPassUpstreamIdentity(true));
  }

  DataPlane start(ListenerLimits limits) throws Exception {
    DataPlane dp = DataPlane.start(DataPlaneConfig.loopback(1).withLimits(limits));
    Cluster c = new Cluster("web", List.of(new Endpoint("127.0.0.1", backend.actualPort())), null, 1000, null);
    Cluster dead = new Cluster("dead", List.of(new Endpoint("127.0.0.1", 1)), null, 1000, null);
    Route cached = new Route("app/cached", RouteMatch.path(PathMatch.prefix("/cached")), RouteAction.Forward.to("web"),
        null, new RoutePolicies(null, new RoutePolicies.CachePolicy(true), null, null), null, null);
    Route gone = new Route("app/gone", RouteMatch.path(PathMatch.prefix("/gone")), RouteAction.Forward.to("dead"),
        null, null);
    Route all = new Route("app/all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("web"), null, null);
    dp.apply(1, new RouteTable(List.of(new VirtualHost("app.test", List.of(cached, gone, all), null)), List.of(c, dead)));
    return dp;
  }

  @AfterAll
  void stop() {
    hiding.close();
    passing.close();
    vertx.close();
  }

  HttpResponse<String> get(DataPlane dp, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.httpPort() + path))
        .header("Host", "app.test:8080").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theUpstreamsSoftwareIsNotNamed() throws Exception {
    HttpResponse<String> r = get(hiding, "/");
    assertThat(r.body()).isEqualTo("hello");
    assertThat(r.headers().map().keySet()).noneMatch(h -> h.equalsIgnoreCase("server")
        || h.equalsIgnoreCase("x-powered-by") || h.equalsIgnoreCase("x-aspnet-version"));
    // Nor from the cache, which keeps what the upstream sent.
    get(hiding, "/cached");
    HttpResponse<String> hit = get(hiding, "/cached");
    assertThat(hit.headers().firstValue("cache-status").orElse("")).contains("hit");
    assertThat(hit.headers().firstValue("server")).isEmpty();
    assertThat(hit.headers().firstValue("x-powered-by")).isEmpty();
  }

  @Test
  void whenToldTheUpstreamsHeadersPass() throws Exception {
    HttpResponse<String> r = get(passing, "/");
    assertThat(r.headers().firstValue("server")).contains("Apache/2.4.41 (Ubuntu)");
    assertThat(r.headers().firstValue("x-powered-by")).contains("PHP/7.4.3");
  }

  @Test
  void aRedirectToTheUpstreamsOwnAddressGoesToTheClientsHost() throws Exception {
    HttpResponse<String> r = get(hiding, "/login");
    assertThat(r.statusCode()).isEqualTo(302);
    assertThat(r.headers().firstValue("location")).contains("http://app.test:8080/welcome?x=1");
    // A redirect elsewhere is left alone.
    assertThat(get(hiding, "/elsewhere").headers().firstValue("location")).contains("https://sso.example.com/auth");
  }

  @Test
  void errorPagesNameNothingBehindTheProxy() throws Exception {
    HttpResponse<String> r = get(hiding, "/gone");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).doesNotContain("127.0.0.1").doesNotContain(":1").doesNotContain("Exception");
    assertThat(r.headers().map().toString()).doesNotContain("127.0.0.1");
  }
}
