package dev.portcullis.charts;

import static dev.portcullis.charts.Chart.values;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.cli.DataPlaneCommand;
import dev.portcullis.operator.cli.OperatorCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The flags the chart passes are flags the commands have: every rendering's container args are
 * parsed by the real {@code operator} and {@code data-plane} commands (a misspelt flag would
 * crash-loop the pods), and the environment variables it sets are the ones the code reads.
 */
class ChartFlagsTest {

  static Stream<Map<String, Object>> renderings() {
    return Stream.of(Map.of(),
        values("dataPlane.kind", "DaemonSet", "dataPlane.hostPorts.enabled", true, "dataPlane.httpsEnabled", false),
        values("operator.watchNamespaces", List.of("shop", "blog"), "operator.publishAddresses", List.of("192.0.2.7"),
            "operator.defaultCertificate", "certs/wildcard", "operator.watchIngressWithoutClass", true,
            "dataPlane.trustedProxies", List.of("10.0.0.0/8", "2001:db8::/32"), "dataPlane.proxyProtocol",
            List.of("http", "https"), "dataPlane.tlsMinVersion", "1.3", "dataPlane.cacheMemory", "1Gi",
            "dataPlane.extraArgs", List.of("--max-connections-per-ip=0"), "operator.extraArgs",
            List.of("--route-server-names=edge.example.com")),
        values("compat.ingressNginx.enabled", true, "compat.ingressNginx.className", "nginx-internal",
            "compat.ingressNginx.serveRefused", true),
        values("dataPlane.drainPeriodSeconds", 0, "dataPlane.drainTimeoutSeconds", 60, "dataPlane.eventLoops", 4),
        values("dataPlane.accessLog.format", "text", "dataPlane.accessLog.template", "$client \"$path\" $status",
            "dataPlane.accessLog.sampleRate", 0.5, "dataPlane.tracing.otlpEndpoint", "http://collector:4318/v1/traces",
            "dataPlane.tracing.sampleRatio", 0.25));
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void theCommandsAcceptEveryFlagTheChartPasses(Map<String, Object> v) {
    Chart.Rendered r = Chart.render(v);
    Container operator = r.get(Deployment.class, "portcullis-operator").getSpec().getTemplate().getSpec()
        .getContainers().get(0);
    assertThat(operator.getArgs().get(0)).isEqualTo("operator");
    parse(new OperatorCommand(), operator.getArgs());
    Container dataPlane = Stream.concat(r.all(Deployment.class).stream().map(d -> d.getSpec().getTemplate()),
            r.all(DaemonSet.class).stream().map(d -> d.getSpec().getTemplate()))
        .flatMap(t -> t.getSpec().getContainers().stream()).filter(c -> c.getName().equals("data-plane"))
        .findFirst().orElseThrow();
    assertThat(dataPlane.getArgs().get(0)).isEqualTo("data-plane");
    parse(new DataPlaneCommand(), dataPlane.getArgs());
    // What the commands read from the environment (their flags' defaults and the JVM's).
    assertThat(operator.getEnv()).extracting(EnvVar::getName)
        .containsExactlyInAnyOrder("POD_NAME", "POD_NAMESPACE", "PORTCULLIS_LOG_LEVEL", "JDK_JAVA_OPTIONS");
    assertThat(dataPlane.getEnv()).extracting(EnvVar::getName)
        .containsExactlyInAnyOrder("PORTCULLIS_NODE_ID", "PORTCULLIS_LOG_LEVEL", "JDK_JAVA_OPTIONS");
    Set<String> readByCode = Set.of("POD_NAME", "POD_NAMESPACE", "PORTCULLIS_NODE_ID");
    for (String name : readByCode) {
      assertThat(flagDefaults(new OperatorCommand()) + flagDefaults(new DataPlaneCommand()))
          .as("some flag defaults to ${env:%s}", name).contains("${env:" + name);
    }
  }

  @org.junit.jupiter.api.Test
  void theIngressNginxCompatibilityModeIsOffUnlessEnabled() {
    List<String> off = Chart.render(Map.of()).get(Deployment.class, "portcullis-operator").getSpec().getTemplate()
        .getSpec().getContainers().get(0).getArgs();
    assertThat(off).noneMatch(a -> a.startsWith("--ingress-nginx"));
    List<String> on = Chart.render(values("compat.ingressNginx.enabled", true, "compat.ingressNginx.className",
        "nginx-internal")).get(Deployment.class, "portcullis-operator").getSpec().getTemplate().getSpec()
        .getContainers().get(0).getArgs();
    assertThat(on).contains("--ingress-nginx-compat=true", "--ingress-nginx-class=nginx-internal",
        "--ingress-nginx-serve-refused=false");
  }

  @org.junit.jupiter.api.Test
  void aFlagTheCommandDoesNotHaveFails() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse(new DataPlaneCommand(),
        Chart.render(values("dataPlane.extraArgs", List.of("--drain-perod=5s"))).get(Deployment.class,
            "portcullis-data-plane").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()))
        .isInstanceOf(CommandLine.UnmatchedArgumentException.class).hasMessageContaining("--drain-perod");
  }

  static void parse(Object command, List<String> args) {
    CommandLine cl = new CommandLine(command);
    // Fails on an unknown flag, a missing value or a value its converter refuses.
    cl.parseArgs(args.subList(1, args.size()).toArray(String[]::new));
  }

  /** The flags' declared defaults, such as {@code ${env:POD_NAME:-...}}, before picocli resolves them. */
  static String flagDefaults(Object command) {
    StringBuilder b = new StringBuilder();
    for (java.lang.reflect.Field f : command.getClass().getDeclaredFields()) {
      CommandLine.Option o = f.getAnnotation(CommandLine.Option.class);
      if (o != null) {
        b.append(o.defaultValue()).append('\n');
      }
    }
    return b.toString();
  }
}
