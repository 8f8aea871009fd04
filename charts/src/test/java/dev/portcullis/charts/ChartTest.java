package dev.portcullis.charts;

import static dev.portcullis.charts.Chart.render;
import static dev.portcullis.charts.Chart.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * charts/portcullis rendered by Helm with its defaults and with the values that matter, every
 * manifest read into Fabric8's model types (Chart.Rendered refuses unknown kinds and fields).
 */
class ChartTest {

  static final boolean UPDATE = Boolean.getBoolean("golden.update");
  static final Path GOLDEN = Chart.HOME.resolve("charts/src/test/golden");
  static final String OPERATOR = "portcullis-operator";
  static final String DATA_PLANE = "portcullis-data-plane";

  // ---- lint, golden, determinism ---------------------------------------------------------------

  @Test
  void lintPassesInStrictMode() {
    for (Path chart : List.of(Chart.PORTCULLIS, Chart.CRDS_CHART)) {
      LintResult lint = new Helm(chart).lint().strict().call();
      assertThat(lint.isFailed()).as("helm lint --strict %s: %s", chart, lint.getMessages()).isFalse();
      assertThat(lint.getMessages()).as("only the missing icon is remarked on")
          .allMatch(m -> m.contains("icon is recommended"));
    }
  }

  /** The default render, kept in charts/src/test/golden/default.yaml; -Dgolden.update=true rewrites it. */
  @Test
  void defaultRenderMatchesTheGoldenFile() throws IOException {
    String yaml = render().yaml;
    Path golden = GOLDEN.resolve("default.yaml");
    if (UPDATE) {
      Files.createDirectories(GOLDEN);
      Files.writeString(golden, yaml, StandardCharsets.UTF_8);
    }
    assertThat(golden).as("run ./mvnw -pl charts test -Dgolden.update=true").exists();
    assertThat(yaml).as("%s is stale: run ./mvnw -pl charts test -Dgolden.update=true and review the diff", golden)
        .isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    try (Stream<Path> files = Files.list(GOLDEN)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("no golden file left unused")
          .containsExactly("default.yaml");
    }
  }

  @Test
  void renderingIsDeterministic() throws IOException {
    Map<String, Object> v = values("dataPlane.kind", "DaemonSet", "operator.watchNamespaces", List.of("b", "a"),
        "metrics.serviceMonitor.enabled", true);
    assertThat(Chart.template(Chart.PORTCULLIS, v)).isEqualTo(Chart.template(Chart.PORTCULLIS, v));
    // Nothing random, no clock, no certificate made by the template, no reading of the cluster.
    java.util.regex.Pattern action = java.util.regex.Pattern.compile("\\{\\{-?(.*?)-?}}", java.util.regex.Pattern.DOTALL);
    for (Path chart : List.of(Chart.PORTCULLIS, Chart.CRDS_CHART)) {
      try (Stream<Path> templates = Files.walk(chart.resolve("templates"))) {
        for (Path t : templates.filter(Files::isRegularFile).toList()) {
          java.util.regex.Matcher m = action.matcher(Files.readString(t));
          while (m.find()) {
            String code = m.group(1).trim();
            if (code.startsWith("/*")) {
              continue;
            }
            assertThat(code).as(t + ": no random value, clock, certificate or cluster lookup").doesNotContainPattern(
                "\\b(rand[A-Za-z]*|now|date[A-Za-z]*|unixEpoch|uuidv4|gen(CA|PrivateKey|SelfSignedCert|SignedCert)|lookup|htpasswd)\\b");
          }
        }
      }
    }
  }

  @Test
  void everyObjectIsOfAKnownTypeAndLabelled() {
    Chart.Rendered r = render(values("dataPlane.autoscaling.enabled", true, "metrics.serviceMonitor.enabled", true,
        "operator.watchNamespaces", List.of("shop")));
    assertThat(r.objects).extracting(HasMetadata::getKind).contains("Deployment", "Service", "ServiceAccount",
        "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "IngressClass", "PodDisruptionBudget",
        "NetworkPolicy", "HorizontalPodAutoscaler", "ServiceMonitor");
    for (HasMetadata o : r.objects) {
      assertThat(o.getMetadata().getLabels()).as(o.getKind() + "/" + o.getMetadata().getName())
          .containsEntry("app.kubernetes.io/managed-by", "Helm").containsEntry("app.kubernetes.io/part-of", "portcullis")
          .containsEntry("app.kubernetes.io/version", Chart.version());
    }
  }

  @Test
  void theChartVersionIsTheProjectVersion() throws IOException {
    Map<String, Object> chart = new Yaml().load(Files.readString(Chart.PORTCULLIS.resolve("Chart.yaml")));
    Map<String, Object> crds = new Yaml().load(Files.readString(Chart.CRDS_CHART.resolve("Chart.yaml")));
    assertThat(List.of(chart.get("version"), chart.get("appVersion"), crds.get("version"), crds.get("appVersion")))
        .as("Chart.yaml versions follow the Maven project's").containsOnly(Chart.version());
    assertThat(image(render(), OPERATOR)).isEqualTo("portcullis/operator:" + Chart.version());
    assertThat(image(render(), DATA_PLANE)).isEqualTo("portcullis/data-plane:" + Chart.version());
    assertThat(image(render(values("images.registry", "registry.example/team/", "dataPlane.image.digest",
        "sha256:" + "a".repeat(64))), DATA_PLANE)).isEqualTo("registry.example/team/portcullis/data-plane@sha256:" + "a".repeat(64));
  }

  // ---- workloads ---------------------------------------------------------------------------------

  @Test
  void replicas() {
    Chart.Rendered d = render();
    assertThat(d.get(Deployment.class, OPERATOR).getSpec().getReplicas()).isEqualTo(2);
    assertThat(d.get(Deployment.class, DATA_PLANE).getSpec().getReplicas()).isEqualTo(2);
    Chart.Rendered r = render(values("operator.replicas", 3, "dataPlane.replicas", 5));
    assertThat(r.get(Deployment.class, OPERATOR).getSpec().getReplicas()).isEqualTo(3);
    assertThat(r.get(Deployment.class, DATA_PLANE).getSpec().getReplicas()).isEqualTo(5);
  }

  @Test
  void theDataPlaneAsADaemonSet() {
    Chart.Rendered r = render(values("dataPlane.kind", "DaemonSet", "dataPlane.hostPorts.enabled", true));
    assertThat(r.find(Deployment.class, DATA_PLANE)).isEmpty();
    DaemonSet ds = r.get(DaemonSet.class, DATA_PLANE);
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isEqualTo(1);
    Container c = container(ds.getSpec().getTemplate(), "data-plane");
    assertThat(c.getArgs()).isEqualTo(container(render().get(Deployment.class, DATA_PLANE).getSpec().getTemplate(),
        "data-plane").getArgs());
    assertThat(c.getPorts()).extracting(p -> p.getName() + ":" + p.getContainerPort() + ":" + p.getHostPort())
        .containsExactly("http:8080:80", "https:8443:443", "admin:9901:null");
    assertThat(r.find(PodDisruptionBudget.class, DATA_PLANE)).as("a DaemonSet's pods move with their node").isEmpty();
    assertThatThrownBy(() -> render(values("dataPlane.kind", "DaemonSet", "dataPlane.autoscaling.enabled", true)))
        .hasMessageContaining("autoscaling needs dataPlane.kind Deployment");
  }

  @Test
  void resources() {
    Chart.Rendered r = render(values("dataPlane.resources", Map.of("requests", Map.of("cpu", "2", "memory", "2Gi"),
        "limits", Map.of("memory", "4Gi")), "operator.resources.limits.cpu", "1"));
    Container dp = container(r.get(Deployment.class, DATA_PLANE).getSpec().getTemplate(), "data-plane");
    assertThat(dp.getResources().getRequests().get("cpu").toString()).isEqualTo("2");
    assertThat(dp.getResources().getLimits().get("memory").toString()).isEqualTo("4Gi");
    Container op = container(r.get(Deployment.class, OPERATOR).getSpec().getTemplate(), "operator");
    assertThat(op.getResources().getLimits()).containsKeys("cpu", "memory");
    assertThat(op.getResources().getRequests().get("memory").toString()).isEqualTo("384Mi");
    // Defaults: memory limits everywhere (the JVM sizes its heap from them), no CPU limit (no throttling).
    Chart.Rendered d = render();
    for (String name : List.of(OPERATOR, DATA_PLANE)) {
      Container c = d.get(Deployment.class, name).getSpec().getTemplate().getSpec().getContainers().get(0);
      assertThat(c.getResources().getLimits()).containsOnlyKeys("memory");
      assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    }
  }

  @Test
  void operatorFlagsFollowTheValues() {
    List<String> args = operatorArgs(render());
    assertThat(args).startsWith("operator").contains("--namespace=portcullis", "--ingress-class=portcullis",
        "--service-name=" + OPERATOR, "--route-port=18000", "--health-port=9902",
        "--route-ca-secret=portcullis-route-ca", "--data-plane-tls-secret=portcullis-data-plane-tls",
        "--leader-election=true", "--lease-name=" + OPERATOR, "--publish-service=portcullis/" + DATA_PLANE,
        "--watch-ingress-without-class=false");
    assertThat(args).noneMatch(a -> a.startsWith("--watch-namespaces"));
    assertThat(operatorArgs(render(values("operator.watchNamespaces", List.of("shop", "blog"),
        "operator.publishAddresses", List.of("203.0.113.7"), "operator.defaultCertificate", "certs/wildcard",
        "ingressClass.name", "edge", "operator.extraArgs", List.of("--rebuild-hold-off=250")))))
        .contains("--watch-namespaces=shop,blog", "--publish-address=203.0.113.7", "--ingress-class=edge",
            "--default-certificate=certs/wildcard", "--rebuild-hold-off=250")
        .noneMatch(a -> a.startsWith("--publish-service"));
    Container op = container(render().get(Deployment.class, OPERATOR).getSpec().getTemplate(), "operator");
    assertThat(op.getEnv()).anyMatch(e -> e.getName().equals("POD_NAME")
        && e.getValueFrom().getFieldRef().getFieldPath().equals("metadata.name"));
    assertThat(op.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(op.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
  }

  @Test
  void theDataPlaneFollowsTheOperatorOverMutualTls() {
    Chart.Rendered r = render();
    PodSpec pod = r.get(Deployment.class, DATA_PLANE).getSpec().getTemplate().getSpec();
    Container c = container(r.get(Deployment.class, DATA_PLANE).getSpec().getTemplate(), "data-plane");
    Service op = r.get(Service.class, OPERATOR);
    assertThat(op.getSpec().getType()).isEqualTo("ClusterIP");
    // The route server's certificate carries <service>.<namespace>.svc: the name the data plane dials.
    assertThat(c.getArgs()).contains("--route-server=https://" + op.getMetadata().getName() + ".portcullis.svc:18000",
        "--route-ca-file=/etc/portcullis/route-tls/ca.crt", "--route-cert-file=/etc/portcullis/route-tls/tls.crt",
        "--route-key-file=/etc/portcullis/route-tls/tls.key", "--http-port=8080", "--https-port=8443",
        "--https-redirect-port=443", "--admin-bind=0.0.0.0", "--admin-port=9901");
    assertThat(pod.getVolumes()).anyMatch(v -> v.getName().equals("route-tls") && v.getSecret() != null
        && v.getSecret().getSecretName().equals("portcullis-data-plane-tls"));
    assertThat(c.getVolumeMounts()).anyMatch(m -> m.getName().equals("route-tls")
        && m.getMountPath().equals("/etc/portcullis/route-tls") && m.getReadOnly() && m.getSubPath() == null);
    assertThat(pod.getAutomountServiceAccountToken()).as("the data plane never calls the API server").isFalse();
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("admin");
    assertThat(c.getArgs()).doesNotContain("--https-port=-1");
    assertThat(container(render(values("dataPlane.httpsEnabled", false)).get(Deployment.class, DATA_PLANE)
        .getSpec().getTemplate(), "data-plane").getArgs()).contains("--https-port=-1");
  }

  @Test
  void terminationGraceCoversTheDrain() {
    Chart.Rendered d = render();
    PodSpec pod = d.get(Deployment.class, DATA_PLANE).getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertThat(c.getArgs()).contains("--drain-period=5s", "--drain-timeout=20s");
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
    assertThat(c.getLifecycle()).as("the drain starts at SIGTERM: no preStop needed by default").isNull();
    Chart.Rendered r = render(values("dataPlane.drainPeriodSeconds", 10, "dataPlane.drainTimeoutSeconds", 40,
        "dataPlane.preStopSleepSeconds", 15));
    PodSpec p = r.get(Deployment.class, DATA_PLANE).getSpec().getTemplate().getSpec();
    assertThat(p.getTerminationGracePeriodSeconds()).isEqualTo(15L + 10 + 40 + 5);
    assertThat(p.getContainers().get(0).getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(15L);
    assertThat(p.getContainers().get(0).getArgs()).contains("--drain-period=10s", "--drain-timeout=40s");
    assertThat(render(values("dataPlane.terminationGracePeriodSeconds", 120)).get(Deployment.class, DATA_PLANE)
        .getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(120L);
    assertThatThrownBy(() -> render(values("dataPlane.terminationGracePeriodSeconds", 10)))
        .hasMessageContaining("must be at least preStopSleepSeconds + drainPeriodSeconds + drainTimeoutSeconds (25)");
  }

  @Test
  void rollingUpdatesAndDisruptionBudgetsKeepReplicasServing() {
    Chart.Rendered d = render();
    Deployment dp = d.get(Deployment.class, DATA_PLANE);
    assertThat(dp.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    assertThat(dp.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal()).isEqualTo(1);
    PodDisruptionBudget pdb = d.get(PodDisruptionBudget.class, DATA_PLANE);
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(dp.getSpec().getSelector().getMatchLabels());
    PodDisruptionBudget op = d.get(PodDisruptionBudget.class, OPERATOR);
    assertThat(op.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    assertThat(op.getSpec().getSelector().getMatchLabels())
        .isEqualTo(d.get(Deployment.class, OPERATOR).getSpec().getSelector().getMatchLabels());
    Chart.Rendered off = render(values("dataPlane.podDisruptionBudget.enabled", false,
        "operator.podDisruptionBudget.enabled", false));
    assertThat(off.all(PodDisruptionBudget.class)).isEmpty();
    assertThat(render(values("operator.replicas", 1)).find(PodDisruptionBudget.class, OPERATOR))
        .as("minAvailable 1 of 1 would block node drains").isEmpty();
    // Spread over nodes, with the component's own selector.
    assertThat(dp.getSpec().getTemplate().getSpec().getTopologySpreadConstraints()).singleElement()
        .satisfies(t -> {
          assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
          assertThat(t.getLabelSelector().getMatchLabels()).isEqualTo(dp.getSpec().getSelector().getMatchLabels());
        });
  }

  @Test
  void horizontalPodAutoscaler() {
    assertThat(render().all(HorizontalPodAutoscaler.class)).isEmpty();
    Chart.Rendered r = render(values("dataPlane.autoscaling.enabled", true, "dataPlane.autoscaling.minReplicas", 3,
        "dataPlane.autoscaling.maxReplicas", 12, "dataPlane.autoscaling.targetMemoryUtilizationPercentage", 80));
    HorizontalPodAutoscaler hpa = r.get(HorizontalPodAutoscaler.class, DATA_PLANE);
    assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(DATA_PLANE);
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(12);
    assertThat(hpa.getSpec().getMetrics()).extracting(m -> m.getResource().getName() + "="
        + m.getResource().getTarget().getAverageUtilization()).containsExactly("cpu=70", "memory=80");
    assertThat(r.get(Deployment.class, DATA_PLANE).getSpec().getReplicas())
        .as("the autoscaler owns the replica count").isNull();
  }

  // ---- the Service -------------------------------------------------------------------------------

  @Test
  void theDataPlaneServiceExposesOnlyHttpAndHttps() {
    Service s = render().get(Service.class, DATA_PLANE);
    assertThat(s.getSpec().getType()).isEqualTo("LoadBalancer");
    assertThat(s.getSpec().getExternalTrafficPolicy()).isEqualTo("Cluster");
    assertThat(s.getSpec().getPorts()).extracting(p -> p.getName() + ":" + p.getPort() + "->" + p.getTargetPort().getStrVal())
        .as("the admin and route ports are never on the public Service").containsExactly("http:80->http", "https:443->https");
    Deployment dp = render().get(Deployment.class, DATA_PLANE);
    assertThat(s.getSpec().getSelector()).isEqualTo(dp.getSpec().getSelector().getMatchLabels());
  }

  @Test
  void serviceTypes() {
    Service np = render(values("dataPlane.service.type", "NodePort", "dataPlane.service.externalTrafficPolicy", "Local",
        "dataPlane.service.httpNodePort", 30080, "dataPlane.service.httpsNodePort", 30443)).get(Service.class, DATA_PLANE);
    assertThat(np.getSpec().getType()).isEqualTo("NodePort");
    assertThat(np.getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
    assertThat(np.getSpec().getPorts()).extracting(ServicePort::getNodePort).containsExactly(30080, 30443);
    Service ci = render(values("dataPlane.service.type", "ClusterIP", "dataPlane.service.httpNodePort", 30080))
        .get(Service.class, DATA_PLANE);
    assertThat(ci.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(ci.getSpec().getExternalTrafficPolicy()).as("only for external traffic").isNull();
    assertThat(ci.getSpec().getPorts()).extracting(ServicePort::getNodePort).containsOnlyNulls();
    Service lb = render(values("dataPlane.service.externalTrafficPolicy", "Local", "dataPlane.service.loadBalancerClass",
        "example.com/lb", "dataPlane.service.annotations", Map.of("lb.example.com/type", "nlb"))).get(Service.class, DATA_PLANE);
    assertThat(lb.getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
    assertThat(lb.getSpec().getLoadBalancerClass()).isEqualTo("example.com/lb");
    assertThat(lb.getMetadata().getAnnotations()).containsEntry("lb.example.com/type", "nlb");
    // HTTPS off: no https port anywhere.
    Service plain = render(values("dataPlane.httpsEnabled", false)).get(Service.class, DATA_PLANE);
    assertThat(plain.getSpec().getPorts()).extracting(ServicePort::getName).containsExactly("http");
  }

  // ---- security ----------------------------------------------------------------------------------

  @Test
  void everyContainerRunsAsNonRootOnAReadOnlyFilesystem() {
    for (Chart.Rendered r : List.of(render(), render(values("dataPlane.kind", "DaemonSet")))) {
      List<PodTemplateSpec> pods = new ArrayList<>();
      r.all(Deployment.class).forEach(d -> pods.add(d.getSpec().getTemplate()));
      r.all(DaemonSet.class).forEach(d -> pods.add(d.getSpec().getTemplate()));
      assertThat(pods).hasSize(2);
      for (PodTemplateSpec pod : pods) {
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getSpec().getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
        if (pod.getSpec().getInitContainers() != null) {
          all.addAll(pod.getSpec().getInitContainers());
        }
        for (Container c : all) {
          SecurityContext sc = c.getSecurityContext();
          assertThat(sc).as(c.getName()).isNotNull();
          assertThat(sc.getRunAsNonRoot()).isTrue();
          assertThat(sc.getRunAsUser()).isEqualTo(65532L);
          assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
          assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
          assertThat(sc.getPrivileged()).isFalse();
          assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
          assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
          // /tmp is the one writable place, an emptyDir.
          assertThat(c.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
          assertThat(pod.getSpec().getVolumes()).anyMatch(v -> v.getName().equals("tmp") && v.getEmptyDir() != null);
        }
      }
    }
  }

  @Test
  void networkPoliciesKeepTheRouteAndAdminPortsPrivate() {
    Chart.Rendered r = render();
    NetworkPolicy op = r.get(NetworkPolicy.class, OPERATOR);
    NetworkPolicy dp = r.get(NetworkPolicy.class, DATA_PLANE);
    assertThat(op.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(op.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(r.get(Deployment.class, OPERATOR).getSpec().getSelector().getMatchLabels());
    // The route port: from this release's data planes only. The health port: from nobody by default.
    assertThat(op.getSpec().getIngress()).singleElement().satisfies(rule -> {
      assertThat(ports(rule)).containsExactly("routes");
      assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(peer.getPodSelector().getMatchLabels())
          .isEqualTo(r.get(Deployment.class, DATA_PLANE).getSpec().getSelector().getMatchLabels()));
    });
    // The data plane: its public ports from anyone, its admin port from nobody by default.
    assertThat(dp.getSpec().getIngress()).singleElement().satisfies(rule -> {
      assertThat(ports(rule)).containsExactly("http", "https");
      assertThat(rule.getFrom()).isNullOrEmpty();
    });
    Map<String, Object> monitoring = Map.of("namespaceSelector", Map.of("matchLabels",
        Map.of("kubernetes.io/metadata.name", "monitoring")));
    Chart.Rendered m = render(values("networkPolicy.adminFrom", List.of(monitoring)));
    assertThat(m.get(NetworkPolicy.class, OPERATOR).getSpec().getIngress()).extracting(ChartTest::ports)
        .containsExactly(List.of("routes"), List.of("health"));
    assertThat(m.get(NetworkPolicy.class, DATA_PLANE).getSpec().getIngress()).extracting(ChartTest::ports)
        .containsExactly(List.of("http", "https"), List.of("admin"));
    assertThat(m.get(NetworkPolicy.class, DATA_PLANE).getSpec().getIngress().get(1).getFrom().get(0)
        .getNamespaceSelector().getMatchLabels()).containsEntry("kubernetes.io/metadata.name", "monitoring");
    assertThat(render(values("networkPolicy.enabled", false)).all(NetworkPolicy.class)).isEmpty();
  }

  /**
   * Exactly the permissions of the README's "The permissions it needs": reads of what is
   * translated, writes of status subresources only, Events, its Lease and its two Secrets.
   */
  @Test
  void rbacIsExactlyWhatTheOperatorNeeds() {
    Chart.Rendered r = render();
    assertThat(rules(r.get(ClusterRole.class, OPERATOR).getRules())).containsExactlyInAnyOrder(
        "networking.k8s.io/ingressclasses:get,list,watch",
        "authorization.k8s.io/selfsubjectrulesreviews:create",
        "networking.k8s.io/ingresses:get,list,watch",
        "networking.k8s.io/ingresses/status:update,patch",
        "portcullis.dev/proxyroutes:get,list,watch",
        "portcullis.dev/proxyroutes/status:update,patch",
        "core/services:get,list,watch",
        "core/secrets:get,list,watch",
        "discovery.k8s.io/endpointslices:get,list,watch",
        "core/events:create");
    Role own = r.get(Role.class, OPERATOR);
    assertThat(own.getMetadata().getNamespace()).isEqualTo("portcullis");
    assertThat(rules(own.getRules())).containsExactlyInAnyOrder(
        "coordination.k8s.io/leases:get,create,update",
        "core/configmaps:get,list,watch,create,update,delete",
        "core/secrets:create",
        "core/secrets[portcullis-route-ca,portcullis-data-plane-tls]:get,update");
    assertThat(r.get(RoleBinding.class, OPERATOR).getSubjects()).singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo(OPERATOR));
    // Nothing else is bound to anyone: the data plane's account has no permission at all.
    assertThat(r.all(RoleBinding.class)).hasSize(1);
    // Nodes only for a NodePort Service whose addresses are published.
    assertThat(rules(render(values("dataPlane.service.type", "NodePort")).get(ClusterRole.class, OPERATOR).getRules()))
        .contains("core/nodes:list,watch");
    assertThat(rules(render(values("dataPlane.service.type", "NodePort", "operator.publishAddresses",
        List.of("192.0.2.1"))).get(ClusterRole.class, OPERATOR).getRules())).noneMatch(x -> x.contains("nodes"));
  }

  @Test
  void watchedNamespacesGetRolesInsteadOfClusterWideReads() {
    Chart.Rendered r = render(values("operator.watchNamespaces", List.of("shop", "blog")));
    assertThat(rules(r.get(ClusterRole.class, OPERATOR).getRules())).containsExactlyInAnyOrder(
        "networking.k8s.io/ingressclasses:get,list,watch", "authorization.k8s.io/selfsubjectrulesreviews:create");
    List<Role> watch = r.all(Role.class).stream().filter(x -> x.getMetadata().getName().equals(OPERATOR + "-watch")).toList();
    assertThat(watch).extracting(x -> x.getMetadata().getNamespace()).containsExactly("shop", "blog");
    assertThat(rules(watch.get(0).getRules())).contains("networking.k8s.io/ingresses:get,list,watch",
        "core/secrets:get,list,watch", "networking.k8s.io/ingresses/status:update,patch", "core/events:create");
    assertThat(r.all(RoleBinding.class)).extracting(b -> b.getMetadata().getNamespace() + "/" + b.getMetadata().getName())
        .containsExactlyInAnyOrder("shop/" + OPERATOR + "-watch", "blog/" + OPERATOR + "-watch", "portcullis/" + OPERATOR);
    // The published Service lives in the operator's own namespace, which it does not watch here.
    assertThat(rules(r.get(Role.class, OPERATOR).getRules())).contains("core/services:get,list,watch");
  }

  @Test
  void ingressClass() {
    IngressClass c = render().get(IngressClass.class, "portcullis");
    assertThat(c.getSpec().getController()).isEqualTo("portcullis.dev/ingress-controller");
    assertThat(c.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(render(values("ingressClass.default", true)).get(IngressClass.class, "portcullis").getMetadata()
        .getAnnotations()).containsEntry("ingressclass.kubernetes.io/is-default-class", "true");
    assertThat(render(values("ingressClass.create", false)).all(IngressClass.class)).isEmpty();
  }

  @Test
  void serviceMonitor() {
    assertThat(render().all(ServiceMonitor.class)).isEmpty();
    ServiceMonitor sm = render(values("metrics.serviceMonitor.enabled", true, "metrics.serviceMonitor.labels",
        Map.of("release", "prom"))).get(ServiceMonitor.class, OPERATOR);
    assertThat(sm.getMetadata().getLabels()).containsEntry("release", "prom");
    assertThat(sm.getSpec().getEndpoints()).singleElement().satisfies(e -> {
      assertThat(e.getPort()).isEqualTo("health");
      assertThat(e.getPath()).isEqualTo("/metrics");
    });
    assertThat(sm.getSpec().getSelector().getMatchLabels())
        .isEqualTo(render().get(Service.class, OPERATOR).getSpec().getSelector());
  }

  /** NOTES.txt, as `helm install` prints it (a client-only dry run: no cluster needed). */
  @Test
  void theNotesSayWhatToDoNext() {
    String notes = new Helm(Chart.PORTCULLIS).install().withName(Chart.RELEASE).withNamespace(Chart.NAMESPACE)
        .withKubeVersion(Chart.KUBE_VERSION).dryRun().clientOnly().call().getOutput();
    assertThat(notes).contains("kubectl -n portcullis rollout status deployment/portcullis-operator",
        "kubectl -n portcullis rollout status deployment/portcullis-data-plane",
        "kubectl -n portcullis get service portcullis-data-plane", "--class=portcullis", "kubectl get ingress web",
        "kubectl apply --server-side -f portcullis/crds/");
    assertThat(notes).doesNotContain("WARNING");
  }

  // ---- values.schema.json ------------------------------------------------------------------------

  @Test
  void theSchemaRefusesWhatIsMisspeltOrMistyped() {
    assertThatThrownBy(() -> render(values("operator.replica", 3))).hasMessageContaining("replica");
    assertThatThrownBy(() -> render(values("dataPlane.kind", "StatefulSet"))).hasMessageContaining("kind");
    assertThatThrownBy(() -> render(values("dataPlane.service.type", "External"))).hasMessageContaining("type");
    assertThatThrownBy(() -> render(values("dataPlane.replicas", "two"))).hasMessageContaining("replicas");
    assertThatThrownBy(() -> render(values("dataPlane.httpPort", 70000))).hasMessageContaining("httpPort");
    assertThatThrownBy(() -> render(values("operator.watchNamespaces", List.of("Not_A_Namespace"))))
        .hasMessageContaining("watchNamespaces");
    assertThatThrownBy(() -> render(values("dataPlane.cacheMemory", "lots"))).hasMessageContaining("cacheMemory");
    assertThatThrownBy(() -> render(values("networkPolicy.adminFrom", List.of(Map.of("pods", "all")))))
        .hasMessageContaining("adminFrom");
    assertThatThrownBy(() -> render(values("topLevelTypo", true))).hasMessageContaining("topLevelTypo");
  }

  /** Every key of values.yaml has its own entry in values.schema.json, and no object there admits unknown keys. */
  @Test
  void theSchemaCoversEveryValue() throws IOException {
    for (Path chart : List.of(Chart.PORTCULLIS, Chart.CRDS_CHART)) {
      Map<String, Object> values = new Yaml().load(Files.readString(chart.resolve("values.yaml")));
      Map<String, Object> schema = new Yaml().load(Files.readString(chart.resolve("values.schema.json")));
      List<String> missing = new ArrayList<>();
      covered(values, schema, "", missing);
      assertThat(missing).as("values of %s without a schema, or objects that admit any key", chart.getFileName())
          .isEmpty();
    }
  }

  @SuppressWarnings("unchecked")
  static void covered(Map<String, Object> values, Map<String, Object> schema, String path, List<String> missing) {
    if (!Boolean.FALSE.equals(schema.get("additionalProperties"))) {
      missing.add(path.isEmpty() ? "(top level)" : path);
    }
    Map<String, Object> properties = (Map<String, Object>) schema.getOrDefault("properties", Map.of());
    for (Map.Entry<String, Object> e : values.entrySet()) {
      String here = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      Object property = properties.get(e.getKey());
      if (!(property instanceof Map<?, ?>)) {
        missing.add(here);
      } else if (e.getValue() instanceof Map<?, ?> child && ((Map<String, Object>) property).containsKey("properties")) {
        covered((Map<String, Object>) child, (Map<String, Object>) property, here, missing);
      }
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------

  static Container container(PodTemplateSpec pod, String name) {
    return pod.getSpec().getContainers().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  static String image(Chart.Rendered r, String deployment) {
    return r.get(Deployment.class, deployment).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  static List<String> operatorArgs(Chart.Rendered r) {
    return container(r.get(Deployment.class, OPERATOR).getSpec().getTemplate(), "operator").getArgs();
  }

  static List<String> ports(NetworkPolicyIngressRule rule) {
    return rule.getPorts().stream().map(p -> p.getPort().getStrVal()).toList();
  }

  /** Each rule as {@code group/resource[names]:verbs}, one string per resource. */
  static List<String> rules(List<PolicyRule> rules) {
    List<String> out = new ArrayList<>();
    for (PolicyRule rule : rules) {
      assertThat(rule.getVerbs()).doesNotContain("*");
      assertThat(rule.getResources()).doesNotContain("*");
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          String names = rule.getResourceNames() == null || rule.getResourceNames().isEmpty() ? ""
              : "[" + String.join(",", rule.getResourceNames()) + "]";
          out.add((group.isEmpty() ? "core" : group) + "/" + resource + names + ":" + String.join(",", rule.getVerbs()));
        }
      }
    }
    assertThat(new TreeSet<>(out)).as("no rule twice").hasSameSizeAs(out);
    return out;
  }
}
