package dev.portcullis.charts;

import static dev.portcullis.charts.Chart.render;
import static dev.portcullis.charts.Chart.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The chart's observability: access log and tracing flags, the data planes' PodMonitor, the
 * Grafana dashboard and the alerts. All off by default but the access log, which goes to stdout.
 */
class ObservabilityChartTest {

  static final String DATA_PLANE = "portcullis-data-plane";

  static List<String> dataPlaneArgs(Chart.Rendered r) {
    return r.get(Deployment.class, DATA_PLANE).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
  }

  @Test
  void theAccessLogGoesToStdoutAsJsonAndNothingIsExportedByDefault() {
    Chart.Rendered r = render();
    assertThat(dataPlaneArgs(r)).contains("--access-log=stdout", "--access-log-format=json", "--access-log-sample=1")
        .noneMatch(a -> a.startsWith("--otlp") || a.startsWith("--trace-sample") || a.startsWith("--access-log-template"));
    assertThat(r.all(ConfigMap.class)).noneMatch(c -> c.getMetadata().getName().endsWith("-dashboard"));
    assertThat(r.all(PrometheusRule.class)).isEmpty();
    assertThat(r.all(PodMonitor.class)).isEmpty();
  }

  @Test
  void accessLogAndTracingFlagsFollowTheValues() {
    List<String> args = dataPlaneArgs(render(values("dataPlane.accessLog.format", "text",
        "dataPlane.accessLog.template", "$method \"$path\" $status", "dataPlane.accessLog.sampleRate", 0.25,
        "dataPlane.tracing.otlpEndpoint", "http://otel-collector.observability:4318/v1/traces",
        "dataPlane.tracing.serviceName", "edge", "dataPlane.tracing.sampleRatio", 0.1)));
    assertThat(args).contains("--access-log-format=text", "--access-log-template=$method \"$path\" $status",
        "--access-log-sample=0.25", "--otlp-endpoint=http://otel-collector.observability:4318/v1/traces",
        "--otlp-service-name=edge", "--trace-sample=0.1");
  }

  @Test
  void dataPlanesAreScrapedPodByPodOnTheirAdminPort() {
    Chart.Rendered r = render(values("metrics.serviceMonitor.enabled", true, "metrics.serviceMonitor.labels",
        Map.of("release", "prom")));
    assertThat(r.all(ServiceMonitor.class)).hasSize(1);
    PodMonitor pm = r.get(PodMonitor.class, DATA_PLANE);
    assertThat(pm.getMetadata().getLabels()).containsEntry("release", "prom");
    assertThat(pm.getSpec().getPodMetricsEndpoints()).singleElement().satisfies(e -> {
      assertThat(e.getPort()).isEqualTo("admin");
      assertThat(e.getPath()).isEqualTo("/metrics");
      assertThat(e.getInterval()).isEqualTo("30s");
    });
    assertThat(pm.getSpec().getSelector().getMatchLabels()).isEqualTo(r.get(Deployment.class, DATA_PLANE).getSpec()
        .getSelector().getMatchLabels());
  }

  @Test
  void theDashboardIsAConfigMapForGrafanasSidecar() throws Exception {
    ConfigMap cm = render(values("metrics.grafanaDashboard.enabled", true, "metrics.grafanaDashboard.namespace",
        "monitoring", "metrics.grafanaDashboard.annotations", Map.of("grafana_folder", "Ingress")))
        .get(ConfigMap.class, "portcullis-dashboard");
    assertThat(cm.getMetadata().getNamespace()).isEqualTo("monitoring");
    assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(cm.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Ingress");
    JsonNode dashboard = new ObjectMapper().readTree(cm.getData().get("portcullis.json"));
    assertThat(dashboard.get("uid").asText()).isEqualTo("portcullis");
    List<String> titles = dashboard.get("panels").findValuesAsText("title");
    assertThat(titles).contains("Traffic", "Errors and latency", "Upstreams", "Cache and rate limits",
        "Route table and TLS", "Request duration p50 / p90 / p99", "Certificate expiry, days left");
    assertThat(dashboard.get("panels").findValuesAsText("expr")).allSatisfy(e -> assertThat(e).contains("portcullis_"))
        .anyMatch(e -> e.contains("histogram_quantile(0.99"));
    assertThat(render(values("metrics.grafanaDashboard.enabled", true)).get(ConfigMap.class, "portcullis-dashboard")
        .getMetadata().getNamespace()).isEqualTo(Chart.NAMESPACE);
  }

  @Test
  void theAlertsAreThoseTheIssueAsksForWithTheirThresholds() {
    PrometheusRule pr = render(values("metrics.prometheusRule.enabled", true, "metrics.prometheusRule.labels",
        Map.of("release", "prom"), "metrics.prometheusRule.errorRatio", 0.1,
        "metrics.prometheusRule.certificateExpiryDays", 21, "metrics.prometheusRule.for", "10m"))
        .get(PrometheusRule.class, "portcullis");
    assertThat(pr.getMetadata().getLabels()).containsEntry("release", "prom");
    Map<String, Rule> rules = pr.getSpec().getGroups().get(0).getRules().stream()
        .collect(Collectors.toMap(Rule::getAlert, Function.identity()));
    assertThat(rules).containsOnlyKeys("PortcullisHighErrorRatio", "PortcullisNoHealthyEndpoints",
        "PortcullisRouteTableRejected", "PortcullisCertificateExpiringSoon");
    assertThat(rules.get("PortcullisHighErrorRatio").getExpr().getStrVal())
        .contains("code_class=\"5xx\"").contains(") > 0.1");
    assertThat(rules.get("PortcullisNoHealthyEndpoints").getExpr().getStrVal())
        .contains("portcullis_upstream_endpoints{state=\"healthy\"}) == 0");
    assertThat(rules.get("PortcullisRouteTableRejected").getExpr().getStrVal()).contains("portcullis_route_table_rejected");
    assertThat(rules.get("PortcullisCertificateExpiringSoon").getExpr().getStrVal())
        .contains("portcullis_tls_certificate_expiry_seconds").endsWith("< " + 21 * 86400);
    assertThat(rules.values()).allSatisfy(rule -> {
      assertThat(rule.getFor()).isEqualTo("10m");
      assertThat(rule.getAnnotations().get("summary")).contains("{{ $labels.");
    });
    assertThat(rules.get("PortcullisCertificateExpiringSoon").getAnnotations().get("description"))
        .contains("within 21 days");
  }

  @Test
  void theSchemaRefusesBadObservabilityValues() {
    assertThatThrownBy(() -> render(values("dataPlane.accessLog.destination", "/var/log/access.log")))
        .hasMessageContaining("destination");
    assertThatThrownBy(() -> render(values("dataPlane.accessLog.format", "xml"))).hasMessageContaining("format");
    assertThatThrownBy(() -> render(values("dataPlane.accessLog.sampleRate", 2))).hasMessageContaining("sampleRate");
    assertThatThrownBy(() -> render(values("dataPlane.tracing.otlpEndpoint", "collector:4318")))
        .hasMessageContaining("otlpEndpoint");
    assertThatThrownBy(() -> render(values("metrics.prometheusRule.errorRatio", 5))).hasMessageContaining("errorRatio");
    assertThatThrownBy(() -> render(values("metrics.prometheusRule.certificateExpiryDays", 0)))
        .hasMessageContaining("certificateExpiryDays");
    assertThatThrownBy(() -> render(values("metrics.grafanaDashboard.enable", true))).hasMessageContaining("enable");
  }
}
