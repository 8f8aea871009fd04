package dev.portcullis.charts;

import static dev.portcullis.charts.Chart.render;
import static dev.portcullis.charts.Chart.values;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.tls.TlsSettings;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.VirtualHost;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and the alerts name only metrics a real data plane exports: a renamed metric
 * would leave a panel empty and an alert silent without anyone noticing.
 */
class DashboardMetricsTest {

  static final Pattern METRIC = Pattern.compile("\\b(portcullis_[a-z0-9_]+)");

  @Test
  void everyMetricTheDashboardAndTheAlertsUseIsExported() throws Exception {
    Set<String> used = new TreeSet<>();
    String dashboard = render(values("metrics.grafanaDashboard.enabled", true))
        .get(ConfigMap.class, "portcullis-dashboard").getData().get("portcullis.json");
    collect(dashboard, used);
    render(values("metrics.prometheusRule.enabled", true)).get(PrometheusRule.class, "portcullis").getSpec()
        .getGroups().forEach(g -> g.getRules().forEach(r -> collect(r.getExpr().getStrVal(), used)));
    assertThat(used).hasSizeGreaterThan(20);

    Set<String> exported = new TreeSet<>();
    Vertx vertx = Vertx.vertx();
    try (DataPlane dp = DataPlane.start(DataPlaneConfig.loopback(1).withTls(TlsSettings.on(0, 8443)))) {
      HttpServer backend = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
          .requestHandler(req -> req.response().end("ok"));
      backend.listen().toCompletionStage().toCompletableFuture().get();
      Cluster web = new Cluster("web", List.of(new Endpoint("127.0.0.1", backend.actualPort())), null, 1000, null);
      Route route = new Route("shop/all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("web"), null,
          new RoutePolicies(null, null, new RoutePolicies.RateLimit(1000, 1000, "Route", null, null), null),
          Timeouts.DEFAULT, null);
      dp.apply(1, new RouteTable(List.of(new VirtualHost(VirtualHost.CATCH_ALL, List.of(route), null)), List.of(web)));
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      // A cluster's meters are made by its first request.
      assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.httpPort() + "/")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      String scrape = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.adminPort()
          + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      for (String line : scrape.split("\n")) {
        if (!line.startsWith("#") && !line.isBlank()) {
          exported.add(line.split("[{ ]", 2)[0]);
        }
      }
    } finally {
      vertx.close();
    }
    assertThat(exported).as("metrics the data plane exports").containsAll(used);
  }

  static void collect(String text, Set<String> into) {
    Matcher m = METRIC.matcher(text);
    while (m.find()) {
      into.add(m.group(1));
    }
  }
}
