package dev.portcullis.model.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.Cluster;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.VirtualHost;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven matching cases; the first block is the table from the Kubernetes Ingress documentation. */
class RouterTest {

  /** {@code "Exact:/foo"} or {@code "Prefix:/foo"}; the route is named after its spec. */
  static Route route(String spec) {
    String[] p = spec.split(":", 2);
    PathMatch m = p[0].equals("Exact") ? PathMatch.exact(p[1]) : PathMatch.prefix(p[1]);
    return new Route(spec, RouteMatch.path(m), RouteAction.Forward.to("c"), null, null);
  }

  static Router<String> router(String host, List<String> specs, String fallback) {
    List<Route> routes = specs.stream().map(RouterTest::route).toList();
    Route fb = fallback == null ? null : new Route(fallback, RouteMatch.path(PathMatch.prefix("/")),
        RouteAction.Forward.to("c"), null, null);
    RouteTable table = new RouteTable(List.of(new VirtualHost(host, routes, fb)),
        List.of(new Cluster("c", List.of(), null, 1000, null)));
    return Router.compile(table, (vh, r) -> r.name());
  }

  static Stream<Arguments> kubernetesDocumentation() {
    return Stream.of(
        // paths, request, expected route (null: no match)
        Arguments.of(List.of("Prefix:/"), "/anything/at/all", "Prefix:/"),
        Arguments.of(List.of("Exact:/foo"), "/foo", "Exact:/foo"),
        Arguments.of(List.of("Exact:/foo"), "/bar", null),
        Arguments.of(List.of("Exact:/foo"), "/foo/", null),
        Arguments.of(List.of("Exact:/foo/"), "/foo", null),
        Arguments.of(List.of("Prefix:/foo"), "/foo", "Prefix:/foo"),
        Arguments.of(List.of("Prefix:/foo"), "/foo/", "Prefix:/foo"),
        Arguments.of(List.of("Prefix:/foo/"), "/foo", "Prefix:/foo/"),
        Arguments.of(List.of("Prefix:/foo/"), "/foo/", "Prefix:/foo/"),
        Arguments.of(List.of("Prefix:/aaa/bb"), "/aaa/bbb", null),
        Arguments.of(List.of("Prefix:/aaa/bbb"), "/aaa/bbb", "Prefix:/aaa/bbb"),
        Arguments.of(List.of("Prefix:/aaa/bbb/"), "/aaa/bbb", "Prefix:/aaa/bbb/"),
        Arguments.of(List.of("Prefix:/aaa/bbb"), "/aaa/bbb/", "Prefix:/aaa/bbb"),
        Arguments.of(List.of("Prefix:/aaa/bbb"), "/aaa/bbb/ccc", "Prefix:/aaa/bbb"),
        Arguments.of(List.of("Prefix:/aaa/bbb"), "/aaa/bbbxyz", null),
        Arguments.of(List.of("Prefix:/", "Prefix:/aaa"), "/aaa/ccc", "Prefix:/aaa"),
        Arguments.of(List.of("Prefix:/", "Prefix:/aaa", "Prefix:/aaa/bbb"), "/aaa/bbb", "Prefix:/aaa/bbb"),
        Arguments.of(List.of("Prefix:/", "Prefix:/aaa", "Prefix:/aaa/bbb"), "/ccc", "Prefix:/"),
        Arguments.of(List.of("Prefix:/aaa"), "/ccc", null),
        Arguments.of(List.of("Prefix:/foo", "Exact:/foo"), "/foo", "Exact:/foo"),
        // beyond the documentation
        Arguments.of(List.of("Prefix:/foo", "Exact:/foo"), "/foo/", "Prefix:/foo"),
        Arguments.of(List.of("Prefix:/foo", "Exact:/foo/bar"), "/foo/bar/", "Prefix:/foo"),
        Arguments.of(List.of("Prefix:/a", "Prefix:/a/b/c"), "/a/b", "Prefix:/a"),
        Arguments.of(List.of("Prefix:/a", "Prefix:/a/b/c"), "/a/b/cd", "Prefix:/a"),
        Arguments.of(List.of("Prefix:/a", "Prefix:/a/b/c"), "/a/b/c/d/e", "Prefix:/a/b/c"),
        Arguments.of(List.of("Prefix:/very/long/prefix/that/is/longer"), "/v", null),
        Arguments.of(List.of("Exact:/"), "/", "Exact:/"),
        Arguments.of(List.of("Exact:/"), "/x", null),
        Arguments.of(List.of("Prefix:/api"), "/API", null),
        Arguments.of(List.of("Prefix:/api"), "//api", null));
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @MethodSource("kubernetesDocumentation")
  void matchesLikeTheIngressSpecification(List<String> paths, String request, String expected) {
    assertThat(router("a.com", paths, null).route("a.com", request)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{1} -> {2}")
  @MethodSource("hosts")
  void hostPrecedence(List<String> hosts, String request, String expected) {
    List<VirtualHost> vhs = new ArrayList<>();
    for (String h : hosts) {
      vhs.add(new VirtualHost(h, List.of(new Route(h, RouteMatch.path(PathMatch.prefix("/")),
          RouteAction.Forward.to("c"), null, null)), null));
    }
    Router<String> r = Router.compile(new RouteTable(vhs, List.of(new Cluster("c", List.of(), null, 1, null))),
        (vh, route) -> route.name());
    assertThat(r.route(Router.normalizeHost(request), "/")).isEqualTo(expected);
  }

  static Stream<Arguments> hosts() {
    List<String> all = List.of("foo.com", "*.foo.com", "bar.foo.com", "*");
    List<String> noCatchAll = List.of("foo.com", "*.foo.com");
    return Stream.of(
        Arguments.of(all, "foo.com", "foo.com"),
        Arguments.of(all, "bar.foo.com", "bar.foo.com"),
        Arguments.of(all, "baz.foo.com", "*.foo.com"),
        Arguments.of(all, "baz.bar.foo.com", "*"),
        Arguments.of(all, "FOO.com", "foo.com"),
        Arguments.of(all, "foo.com:8080", "foo.com"),
        Arguments.of(all, "foo.com.", "foo.com"),
        Arguments.of(all, "Baz.Foo.Com:443", "*.foo.com"),
        Arguments.of(all, "other.org", "*"),
        Arguments.of(all, "", "*"),
        Arguments.of(all, "[::1]:8080", "*"),
        Arguments.of(all, "10.0.0.1:80", "*"),
        Arguments.of(noCatchAll, "foo.com", "foo.com"),
        Arguments.of(noCatchAll, "x.foo.com", "*.foo.com"),
        Arguments.of(noCatchAll, ".foo.com", null),
        Arguments.of(noCatchAll, "other.org", null));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("fallbacks")
  void fallbackServesUnmatchedPaths(String request, String expected) {
    Router<String> r = router("a.com", List.of("Prefix:/api", "Exact:/x"), "default");
    assertThat(r.route("a.com", request)).isEqualTo(expected);
  }

  static Stream<Arguments> fallbacks() {
    return Stream.of(
        Arguments.of("/api/v1", "Prefix:/api"),
        Arguments.of("/x", "Exact:/x"),
        Arguments.of("/x/", "default"),
        Arguments.of("/", "default"),
        Arguments.of("/apix", "default"));
  }

  /** A GET, HEAD... with headers and query parameters, for condition tests. */
  record Request(String method, java.util.Map<String, String> headers, java.util.Map<String, String> query)
      implements RequestView {
    @Override
    public String header(String lowerCaseName) {
      return headers.get(lowerCaseName);
    }

    @Override
    public String queryParam(String name) {
      return query.get(name);
    }
  }

  static Route conditional(String name, PathMatch path, String method, List<dev.portcullis.model.ValueMatch> headers,
      List<dev.portcullis.model.ValueMatch> query) {
    return new Route(name, new RouteMatch(path, headers, query, method), RouteAction.Forward.to("c"), null, null);
  }

  @org.junit.jupiter.api.Test
  void conditionsFollowTheGatewayApiPrecedence() {
    var canary = dev.portcullis.model.ValueMatch.header("x-canary", dev.portcullis.model.ValueMatch.Type.EXACT, "1");
    var beta = dev.portcullis.model.ValueMatch.header("x-beta", dev.portcullis.model.ValueMatch.Type.REGEX, "yes|true");
    var v2 = new dev.portcullis.model.ValueMatch("v", dev.portcullis.model.ValueMatch.Type.EXACT, "2");
    List<Route> routes = List.of(
        conditional("api", PathMatch.prefix("/api"), null, List.of(), List.of()),
        conditional("api-canary", PathMatch.prefix("/api"), null, List.of(canary), List.of()),
        conditional("api-canary-beta", PathMatch.prefix("/api"), null, List.of(canary, beta), List.of()),
        conditional("api-post", PathMatch.prefix("/api"), "POST", List.of(), List.of()),
        conditional("api-v2", PathMatch.prefix("/api"), null, List.of(), List.of(v2)),
        conditional("users-only-canary", PathMatch.prefix("/api/users"), null, List.of(canary), List.of()),
        conditional("regex", PathMatch.regex("/api/items/[0-9]+"), null, List.of(), List.of()),
        conditional("exact", PathMatch.exact("/api/items/42"), null, List.of(), List.of()));
    RouteTable table = new RouteTable(List.of(new VirtualHost("a.com", routes, null)),
        List.of(new Cluster("c", List.of(), null, 1000, null)));
    Router<String> r = Router.compile(table, (vh, route) -> route.name());
    java.util.Map<String, String> none = java.util.Map.of();
    assertThat(r.route("a.com", "/api/x", new Request("GET", none, none))).isEqualTo("api");
    assertThat(r.route("a.com", "/api/x", new Request("POST", java.util.Map.of("x-canary", "1"), none)))
        .as("a method condition beats header conditions").isEqualTo("api-post");
    assertThat(r.route("a.com", "/api/x", new Request("GET", java.util.Map.of("x-canary", "1"), none)))
        .isEqualTo("api-canary");
    assertThat(r.route("a.com", "/api/x", new Request("GET", java.util.Map.of("x-canary", "1", "x-beta", "true"), none)))
        .as("more header conditions win").isEqualTo("api-canary-beta");
    assertThat(r.route("a.com", "/api/x", new Request("GET", java.util.Map.of("x-beta", "true"), none)))
        .isEqualTo("api");
    assertThat(r.route("a.com", "/api/x", new Request("GET", java.util.Map.of("x-canary", "1"), java.util.Map.of("v", "2"))))
        .as("headers before query").isEqualTo("api-canary");
    assertThat(r.route("a.com", "/api/x", new Request("GET", none, java.util.Map.of("v", "2")))).isEqualTo("api-v2");
    assertThat(r.route("a.com", "/api/users/1", new Request("GET", none, none)))
        .as("a longer path whose conditions fail falls back to a shorter one").isEqualTo("api");
    assertThat(r.route("a.com", "/api/users/1", new Request("GET", java.util.Map.of("x-canary", "1"), none)))
        .isEqualTo("users-only-canary");
    assertThat(r.route("a.com", "/api/items/7", new Request("GET", none, none))).as("regex before prefix").isEqualTo("regex");
    assertThat(r.route("a.com", "/api/items/42", new Request("GET", none, none))).as("exact before regex").isEqualTo("exact");
    assertThat(r.route("a.com", "/api/items/7x", new Request("GET", none, none))).as("regex matches whole").isEqualTo("api");
  }
}
