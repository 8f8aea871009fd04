package dev.portcullis.dataplane;

import static dev.portcullis.dataplane.Tables.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteFilters;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.ValueMatch;
import dev.portcullis.model.VirtualHost;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every match and filter a ProxyRoute can ask for, through the real data plane over real sockets. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutingFeaturesTest {

  Vertx vertx;
  DataPlane dataPlane;
  EchoBackend stable;
  EchoBackend canary;
  HttpTestClient http;
  long version;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    stable = EchoBackend.start(vertx, "stable", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
    canary = EchoBackend.start(vertx, "canary", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
    dataPlane = DataPlane.start(DataPlaneConfig.loopback(2));
    http = new HttpTestClient(vertx, dataPlane.httpPort(), HttpVersion.HTTP_1_1);
  }

  @AfterAll
  void stop() {
    http.close();
    dataPlane.close();
    vertx.close();
  }

  void serve(List<Route> routes) throws Exception {
    Cluster s = cluster("stable", stable.port());
    Cluster c = cluster("canary", canary.port());
    dataPlane.apply(++version, new RouteTable(List.of(new VirtualHost("app.test", routes, null)), List.of(s, c)));
  }

  static Route route(String name, RouteMatch match, RouteAction action, RouteFilters filters, RoutePolicies policies) {
    return new Route(name, match, action, filters, policies, null, null);
  }

  static RouteMatch prefix(String path) {
    return RouteMatch.path(PathMatch.prefix(path));
  }

  String backend(HttpMethod method, String uri, Map<String, String> headers) throws Exception {
    return http.send(method, "app.test", uri, headers, null).json().getString("backend");
  }

  @Test
  void headerQueryMethodAndRegexMatches() throws Exception {
    var canaryHeader = ValueMatch.header("x-canary", ValueMatch.Type.EXACT, "1");
    var v2 = new ValueMatch("v", ValueMatch.Type.REGEX, "2|two");
    serve(List.of(
        route("all", prefix("/"), RouteAction.Forward.to("stable"), null, null),
        route("canary-header", new RouteMatch(PathMatch.prefix("/"), List.of(canaryHeader), List.of(), null),
            RouteAction.Forward.to("canary"), null, null),
        route("canary-query", new RouteMatch(PathMatch.prefix("/"), List.of(), List.of(v2), null),
            RouteAction.Forward.to("canary"), null, null),
        route("deletes", new RouteMatch(PathMatch.prefix("/items"), List.of(), List.of(), "DELETE"),
            RouteAction.Forward.to("canary"), null, null),
        route("numbers", RouteMatch.path(PathMatch.regex("/n/[0-9]+")), RouteAction.Forward.to("canary"), null, null)));
    assertThat(backend(HttpMethod.GET, "/", Map.of())).isEqualTo("stable");
    assertThat(backend(HttpMethod.GET, "/", Map.of("X-Canary", "1"))).isEqualTo("canary");
    assertThat(backend(HttpMethod.GET, "/", Map.of("X-Canary", "2"))).isEqualTo("stable");
    assertThat(backend(HttpMethod.GET, "/?v=two&x=1", Map.of())).isEqualTo("canary");
    assertThat(backend(HttpMethod.GET, "/?v=3", Map.of())).isEqualTo("stable");
    assertThat(backend(HttpMethod.DELETE, "/items/1", Map.of())).isEqualTo("canary");
    assertThat(backend(HttpMethod.GET, "/items/1", Map.of())).isEqualTo("stable");
    assertThat(backend(HttpMethod.GET, "/n/123", Map.of())).isEqualTo("canary");
    assertThat(backend(HttpMethod.GET, "/n/12a", Map.of())).isEqualTo("stable");
  }

  @Test
  void weightedBackendsGetTheirShare() throws Exception {
    serve(List.of(route("split", prefix("/"), new RouteAction.Forward(List.of(
        new RouteAction.ClusterWeight("stable", 90), new RouteAction.ClusterWeight("canary", 10))), null, null)));
    Map<String, Integer> counts = new HashMap<>();
    int n = 2000;
    // Routes are compiled anew with each table, so the schedule starts at its beginning here.
    for (int i = 0; i < n; i++) {
      counts.merge(backend(HttpMethod.GET, "/", Map.of()), 1, Integer::sum);
    }
    System.out.printf("weights 90/10 over %d requests: %s%n", n, counts);
    assertThat(counts).as("exact proportions over whole cycles").containsEntry("stable", 1800).containsEntry("canary", 200);
  }

  @Test
  void headerModifiersChangeRequestAndResponse() throws Exception {
    RouteFilters filters = new RouteFilters(
        new RouteFilters.HeaderModifier(List.of(new RouteFilters.Header("x-env", "prod")),
            List.of(new RouteFilters.Header("x-tag", "added")), List.of("x-drop")),
        new RouteFilters.HeaderModifier(List.of(new RouteFilters.Header("cache-control", "no-store")),
            List.of(new RouteFilters.Header("x-served-by", "portcullis")), List.of("x-backend")),
        null, null);
    serve(List.of(route("mod", prefix("/"), RouteAction.Forward.to("stable"), filters, null)));
    HttpTestClient.Response r = http.send(HttpMethod.GET, "app.test", "/",
        Map.of("x-env", "dev", "x-tag", "original", "x-drop", "secret"), null);
    JsonObject h = r.json().getJsonObject("headers");
    assertThat(h.getString("x-env")).isEqualTo("prod");
    assertThat(h.getString("x-tag")).isEqualTo("original, added");
    assertThat(h.containsKey("x-drop")).isFalse();
    assertThat(r.headers().get("cache-control")).isEqualTo("no-store");
    assertThat(r.headers().get("x-served-by")).isEqualTo("portcullis");
    assertThat(r.headers().get("x-backend")).isNull();
  }

  @Test
  void urlRewrites() throws Exception {
    serve(List.of(
        route("prefix", prefix("/api/v1"), RouteAction.Forward.to("stable"), new RouteFilters(null, null,
            new RouteFilters.UrlRewrite("internal.svc", new RouteFilters.PathRewrite(RouteFilters.PathRewrite.Type.PREFIX,
                "/v2")), null), null),
        route("strip", prefix("/strip"), RouteAction.Forward.to("stable"), new RouteFilters(null, null,
            new RouteFilters.UrlRewrite(null, new RouteFilters.PathRewrite(RouteFilters.PathRewrite.Type.PREFIX, "/")),
            null), null),
        route("full", RouteMatch.path(PathMatch.exact("/old")), RouteAction.Forward.to("stable"), new RouteFilters(null,
            null, new RouteFilters.UrlRewrite(null, new RouteFilters.PathRewrite(RouteFilters.PathRewrite.Type.FULL,
                "/new/place")), null), null)));
    JsonObject a = http.get("app.test", "/api/v1/users/7?x=1").json();
    assertThat(a.getString("path")).isEqualTo("/v2/users/7");
    assertThat(a.getString("query")).isEqualTo("x=1");
    assertThat(a.getJsonObject("headers").getString("host")).isEqualTo("internal.svc");
    assertThat(a.getJsonObject("headers").getString("x-forwarded-host")).isEqualTo("app.test");
    assertThat(http.get("app.test", "/api/v1").json().getString("path")).isEqualTo("/v2");
    assertThat(http.get("app.test", "/strip/a/b").json().getString("path")).isEqualTo("/a/b");
    assertThat(http.get("app.test", "/strip").json().getString("path")).isEqualTo("/");
    assertThat(http.get("app.test", "/old").json().getString("path")).isEqualTo("/new/place");
  }

  @Test
  void redirectsAreAnsweredAtTheEdge() throws Exception {
    serve(List.of(
        route("https", prefix("/"), new RouteAction.Redirect("https", null, null, null, 301), null, null),
        route("moved", prefix("/docs"), new RouteAction.Redirect(null, "docs.example.com", 8443,
            new RouteFilters.PathRewrite(RouteFilters.PathRewrite.Type.PREFIX, "/manual"), 308), null, null)));
    HttpTestClient.Response r = http.send(HttpMethod.GET, "app.test:8080", "/cart?id=1", Map.of(), null);
    assertThat(r.status()).isEqualTo(301);
    assertThat(r.headers().get("location")).isEqualTo("https://app.test/cart?id=1");
    HttpTestClient.Response moved = http.send(HttpMethod.POST, "app.test", "/docs/intro", Map.of(), null);
    assertThat(moved.status()).isEqualTo(308);
    assertThat(moved.headers().get("location")).isEqualTo("http://docs.example.com:8443/manual/intro");
  }

  @Test
  void corsPreflightAndActualRequests() throws Exception {
    RouteFilters cors = new RouteFilters(null, null, null, new RouteFilters.Cors(
        List.of("https://app.example.com", "https://*.example.org"), List.of("GET", "PUT"), List.of("content-type",
        "x-token"), List.of("x-backend"), true, 600));
    serve(List.of(route("cors", prefix("/"), RouteAction.Forward.to("stable"), cors, null)));
    HttpTestClient.Response pre = http.send(HttpMethod.OPTIONS, "app.test", "/api", Map.of("Origin", "https://a.example.org",
        "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "x-token"), null);
    assertThat(pre.status()).isEqualTo(204);
    assertThat(pre.headers().get("access-control-allow-origin")).isEqualTo("https://a.example.org");
    assertThat(pre.headers().get("access-control-allow-methods")).isEqualTo("GET, PUT");
    assertThat(pre.headers().get("access-control-allow-headers")).isEqualTo("content-type, x-token");
    assertThat(pre.headers().get("access-control-allow-credentials")).isEqualTo("true");
    assertThat(pre.headers().get("access-control-max-age")).isEqualTo("600");

    HttpTestClient.Response refused = http.send(HttpMethod.OPTIONS, "app.test", "/api", Map.of("Origin",
        "https://evil.test", "Access-Control-Request-Method", "PUT"), null);
    assertThat(refused.status()).isEqualTo(204);
    assertThat(refused.headers().get("access-control-allow-origin")).isNull();
    HttpTestClient.Response deep = http.send(HttpMethod.OPTIONS, "app.test", "/api", Map.of("Origin",
        "https://a.b.example.org", "Access-Control-Request-Method", "GET"), null);
    assertThat(deep.headers().get("access-control-allow-origin")).as("the wildcard is one label").isNull();

    HttpTestClient.Response actual = http.send(HttpMethod.GET, "app.test", "/api", Map.of("Origin",
        "https://app.example.com"), null);
    assertThat(actual.json().getString("backend")).isEqualTo("stable");
    assertThat(actual.headers().get("access-control-allow-origin")).isEqualTo("https://app.example.com");
    assertThat(actual.headers().get("access-control-expose-headers")).isEqualTo("x-backend");
    assertThat(actual.headers().getAll("vary")).contains("Origin");
  }

  @Test
  void aRuleWithAMethodConditionAnswersItsOwnPreflights() throws Exception {
    RouteFilters cors = new RouteFilters(null, null, null, new RouteFilters.Cors(List.of("https://app.example.com"),
        List.of("PUT"), List.of(), List.of(), false, 0));
    serve(List.of(
        route("put-api", new RouteMatch(PathMatch.prefix("/api"), List.of(), List.of(), "PUT"),
            RouteAction.Forward.to("stable"), cors, null),
        route("rest", prefix("/"), RouteAction.Forward.to("canary"), null, null)));
    HttpTestClient.Response pre = http.send(HttpMethod.OPTIONS, "app.test", "/api", Map.of("Origin",
        "https://app.example.com", "Access-Control-Request-Method", "PUT"), null);
    assertThat(pre.status()).isEqualTo(204);
    assertThat(pre.headers().get("access-control-allow-origin")).isEqualTo("https://app.example.com");
    // A plain OPTIONS is not a preflight: it routes as itself, past the PUT-only rule.
    HttpTestClient.Response options = http.send(HttpMethod.OPTIONS, "app.test", "/api", Map.of(), null);
    assertThat(options.json().getString("backend")).isEqualTo("canary");
  }

  @Test
  void accessRulesUseTheClientAddress() throws Exception {
    serve(List.of(
        route("open", prefix("/"), RouteAction.Forward.to("stable"), null, null),
        route("internal", prefix("/internal"), RouteAction.Forward.to("stable"), null,
            new RoutePolicies(null, null, null, new RoutePolicies.Access(List.of("10.0.0.0/8"), List.of()))),
        route("local", prefix("/local"), RouteAction.Forward.to("stable"), null,
            new RoutePolicies(null, null, null, new RoutePolicies.Access(List.of("127.0.0.0/8", "::1/128"), List.of()))),
        route("denied", prefix("/denied"), RouteAction.Forward.to("stable"), null,
            new RoutePolicies(null, null, null, new RoutePolicies.Access(List.of(), List.of("127.0.0.1/32"))))));
    assertThat(http.get("app.test", "/").status()).isEqualTo(200);
    HttpTestClient.Response internal = http.get("app.test", "/internal");
    assertThat(internal.status()).isEqualTo(403);
    assertThat(internal.text()).isEqualTo("forbidden\n");
    assertThat(http.get("app.test", "/local").status()).isEqualTo(200);
    assertThat(http.get("app.test", "/denied/x").status()).isEqualTo(403);
    assertThat(http.send(HttpMethod.GET, "app.test", "/internal", Map.of("X-Forwarded-For", "10.1.2.3"), null).status())
        .as("a client cannot claim another address").isEqualTo(403);
  }

}
