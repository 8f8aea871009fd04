package dev.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.model.push.Ack;
import dev.portcullis.model.push.PushMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableTest {

  static RouteTable sample() {
    SourceRef ingress = SourceRef.of("Ingress", "default", "shop");
    Cluster web = new Cluster("service/default/web/port/80",
        List.of(new Endpoint("10.0.0.2", 8080), new Endpoint("fd00::1", 8080)),
        BalancerPolicy.ROUND_ROBIN, 5000, SourceRef.of("Service", "default", "web"));
    Route root = new Route("ingress/default/shop/rule/0/path/0", RouteMatch.path(PathMatch.prefix("/")),
        RouteAction.Forward.to(web.name()), Timeouts.DEFAULT, ingress.withField("spec.rules[0].http.paths[0]"));
    Route gone = new Route("ingress/default/shop/rule/0/path/1", RouteMatch.path(PathMatch.exact("/gone")),
        new RouteAction.DirectResponse(503, "unavailable\n"), new Timeouts(1, 2, 3), ingress);
    Route rich = new Route("proxyroute/default/shop/rule/0/match/0", new RouteMatch(PathMatch.regex("/items/[0-9]+"),
        List.of(ValueMatch.header("X-Canary", ValueMatch.Type.EXACT, "1")),
        List.of(new ValueMatch("v", ValueMatch.Type.REGEX, "2|two")), "GET"),
        new RouteAction.Forward(List.of(new RouteAction.ClusterWeight(web.name(), 3))),
        new RouteFilters(new RouteFilters.HeaderModifier(List.of(new RouteFilters.Header("x-a", "1")), List.of(),
            List.of("X-B")), null, new RouteFilters.UrlRewrite("api.internal", null),
            new RouteFilters.Cors(List.of("https://a.example.com"), List.of("GET"), List.of(), List.of(), true, 60)),
        new RoutePolicies(new RoutePolicies.Retries(2, List.of("503"), 1000), new RoutePolicies.CachePolicy(true),
            new RoutePolicies.RateLimit(10, 20, "Header", "x-api-key", "proxyroute/default/shop/rule/api"),
            new RoutePolicies.Access(List.of("10.0.0.0/8"), List.of("::1"))),
        Timeouts.DEFAULT, ingress);
    Route moved = new Route("moved", RouteMatch.path(PathMatch.prefix("/old")), new RouteAction.Redirect("https", null,
        null, new RouteFilters.PathRewrite(RouteFilters.PathRewrite.Type.PREFIX, "/new"), 301), null, null);
    TlsRef tls = new TlsRef("default", "shop-tls", ingress.withField("spec.tls[0]"));
    return new RouteTable(List.of(new VirtualHost("shop.example.com", List.of(root, gone, rich, moved), null, tls)),
        List.of(web));
  }

  @Test
  void jsonRoundTripKeepsEverything() {
    RouteTable table = sample();
    byte[] json = RouteTableJson.toJson(table);
    assertThat(RouteTableJson.readTable(json)).isEqualTo(table);
  }

  @Test
  void tlsSettingsSurviveTheJsonRoundTrip() {
    String ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    Cluster c = new Cluster("tls", List.of(new Endpoint("10.0.0.1", 443)), null, null, 1000, null, null,
        Cluster.Protocol.H2, null, null, new Cluster.UpstreamTls("api.internal", ca));
    Route r = new Route("r", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("tls"), null, null);
    SourceRef src = SourceRef.of("ProxyRoute", "ns", "r");
    for (TlsRef.ClientValidation cv : List.of(new TlsRef.ClientValidation(null, false, false),
        new TlsRef.ClientValidation(ca, true, true))) {
      TlsRef tls = new TlsRef("ns", "cert", "ab12", "max-age=1", false, src).withClientValidation(cv);
      RouteTable table = new RouteTable(List.of(new VirtualHost("a.com", List.of(r), null, tls)), List.of(c));
      assertThat(RouteTableJson.readTable(RouteTableJson.toJson(table))).isEqualTo(table);
    }
    assertThatThrownBy(() -> new Cluster("x", List.of(), null, null, 1000, null, null, Cluster.Protocol.H2C, null,
        null, new Cluster.UpstreamTls("a.b", null))).isInstanceOf(ModelException.class).hasMessageContaining("tls");
  }

  @Test
  void anUnreadableSnapshotNeverQuotesKeyMaterialInItsReason() {
    String json = "{\"type\":\"snapshot\",\"version\":1,\"checksum\":\"x\",\"table\":{\"virtualHosts\":[],"
        + "\"clusters\":[]},\"certificates\":{\"default/a\":{\"chainPem\":\"c\",\"privateKeyPem\":"
        + "[\"TOPSECRETKEYBYTES\"]}}}";
    assertThatThrownBy(() -> RouteTableJson.read(json.getBytes(StandardCharsets.UTF_8),
        dev.portcullis.model.push.PushMessage.class))
        .isInstanceOf(ModelException.class).hasMessageContaining("certificates")
        .hasMessageNotContaining("TOPSECRET");
    String broken = "{\"type\":\"snapshot\",\"certificates\":{\"k\":TOPSECRETKEYBYTES}}";
    assertThatThrownBy(() -> RouteTableJson.read(broken.getBytes(StandardCharsets.UTF_8),
        dev.portcullis.model.push.PushMessage.class))
        .isInstanceOf(ModelException.class).hasMessageNotContaining("TOPSECRET");
  }

  @Test
  void checksumDependsOnContentOnly() {
    assertThat(RouteTableJson.checksum(sample())).isEqualTo(RouteTableJson.checksum(sample())).startsWith("sha256:");
    assertThat(RouteTableJson.checksum(RouteTable.EMPTY)).isNotEqualTo(RouteTableJson.checksum(sample()));
  }

  @Test
  void prefixIsStoredWithoutTrailingSlash() {
    assertThat(PathMatch.prefix("/foo/").value()).isEqualTo("/foo");
    assertThat(PathMatch.prefix("/").value()).isEqualTo("/");
    assertThat(PathMatch.exact("/foo/").value()).isEqualTo("/foo/");
  }

  @Test
  void unknownClusterIsNamedWithItsPath() {
    Route r = new Route("r1", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("nope"), null, null);
    assertThatThrownBy(() -> new RouteTable(List.of(new VirtualHost("a.com", List.of(r), null)), List.of()))
        .isInstanceOf(ModelException.class)
        .hasMessage("virtualHosts[a.com].routes[r1].action.clusters[0].cluster: unknown cluster \"nope\"");
  }

  @Test
  void readingNamesTheOffendingField() {
    String json = """
        {"virtualHosts":[{"hostname":"a.com","routes":[{"name":"r","match":{"path":{"type":"Prefix","value":"nope"}},
        "action":{"type":"direct","status":404,"body":""}}]}],"clusters":[]}""";
    assertThatThrownBy(() -> RouteTableJson.readTable(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ModelException.class)
        .hasMessageStartingWith("virtualHosts[0].routes[0].match.path.value: must start with '/'");
  }

  @Test
  void unknownFieldsAreRefusedNotDropped() {
    String json = "{\"virtualHosts\":[],\"clusters\":[],\"denyAll\":true}";
    assertThatThrownBy(() -> RouteTableJson.readTable(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ModelException.class)
        .hasMessageContaining("denyAll");
  }

  @Test
  void badValuesAreRefused() {
    assertThatThrownBy(() -> new Endpoint("10.0.0.1", 0)).hasMessageStartingWith("port:");
    assertThatThrownBy(() -> new VirtualHost("Shop.com", List.of(), null)).hasMessageStartingWith("hostname:");
    assertThatThrownBy(() -> new VirtualHost("*.*.com", List.of(), null)).hasMessageStartingWith("hostname:");
    assertThatThrownBy(() -> new RouteAction.Forward(List.of(new RouteAction.ClusterWeight("c", 0))))
        .hasMessageContaining("weights must not all be zero");
    assertThatThrownBy(() -> PathMatch.exact("/a b")).hasMessageStartingWith("value:");
    assertThatThrownBy(() -> new RoutePolicies.RateLimit(10, 10, "Cookie", null)).hasMessageStartingWith("key:");
    assertThatThrownBy(() -> new RoutePolicies.RateLimit(10, 10, "Header", null)).hasMessageStartingWith("header:");
    assertThatThrownBy(() -> new RoutePolicies.RateLimit(10, 10, "ClientIP", "x-a"))
        .hasMessageStartingWith("header:");
    assertThatThrownBy(() -> new RoutePolicies.RateLimit(0, 10, "Route", null))
        .hasMessageStartingWith("requestsPerSecond:");
  }

  @Test
  void duplicateHostnamesAreRefused() {
    VirtualHost a = new VirtualHost("a.com", List.of(), null);
    assertThatThrownBy(() -> new RouteTable(List.of(a, a), List.of()))
        .hasMessageStartingWith("virtualHosts[1].hostname: duplicate hostname");
  }

  @Test
  void pushMessagesRoundTrip() {
    RouteTable table = sample();
    PushMessage snap = new PushMessage.Snapshot(7, RouteTableJson.checksum(table), table);
    assertThat(RouteTableJson.read(RouteTableJson.toJson(snap), PushMessage.class)).isEqualTo(snap);
    PushMessage ping = new PushMessage.Ping(123);
    assertThat(RouteTableJson.read(RouteTableJson.toJson(ping), PushMessage.class)).isEqualTo(ping);
    Ack nack = Ack.rejected("dp-1", 7, "sha256:x", "bad");
    assertThat(RouteTableJson.read(RouteTableJson.toJson(nack), Ack.class)).isEqualTo(nack);
  }

  @Test
  void hostnameRules() {
    assertThat(Hostnames.isDnsName("foo.example.com")).isTrue();
    assertThat(Hostnames.isDnsName("-foo.com")).isFalse();
    assertThat(Hostnames.isDnsName("foo..com")).isFalse();
    assertThat(Hostnames.isDnsName("foo_bar.com")).isFalse();
    assertThat(Hostnames.isIpLiteral("10.1.2.3")).isTrue();
    assertThat(Hostnames.isIpLiteral("::1")).isTrue();
    assertThat(Hostnames.isIpLiteral("10.1.2.com")).isFalse();
  }
}
