package dev.portcullis.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.KubernetesOperator;
import dev.portcullis.operator.pki.RoutePki;
import dev.portcullis.translator.TranslatorOptions;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The operator in the ingress-nginx compatibility mode, against Fabric8's mock API server: an
 * Ingress of ingress-nginx's IngressClass with a snippet gets a Warning Event naming the
 * annotation, and one with an invalid value another; Ingresses of other controllers stay untouched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngressNginxEventsIT {

  static final String NS = "shop";
  Cluster cluster;
  KubernetesOperator operator;
  final List<String> fatal = new CopyOnWriteArrayList<>();

  @BeforeAll
  void start() throws Exception {
    cluster = new Cluster();
    TranslatorOptions options = TranslatorOptions.DEFAULT
        .withIngressNginx(new TranslatorOptions.IngressNginx("nginx", false));
    operator = new KubernetesOperator(cluster.client, new KubernetesOperator.Settings(Set.of(), "portcullis",
        "operator-1", options, 50, new InetSocketAddress("127.0.0.1", freePort()), null,
        new RoutePki.Settings("portcullis", "portcullis-route-ca", "portcullis-data-plane-tls", List.of("localhost"),
            List.of("127.0.0.1")),
        new InetSocketAddress("127.0.0.1", 0), true, "portcullis-operator", Duration.ofSeconds(4),
        List.of("203.0.113.10"), null, () -> fatal.add("operator-1"))).start();
  }

  @AfterAll
  void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    cluster.close();
    assertThat(fatal).isEmpty();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  List<Event> events(String ingress) {
    return cluster.client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> ingress.equals(e.getInvolvedObject().getName())).toList();
  }

  static Ingress annotated(String name, String className, String host, Map<String, String> annotations) {
    Ingress i = Cluster.ingress(NS, name, className, host, "web");
    i.getMetadata().setAnnotations(annotations);
    return i;
  }

  @Test
  void refusedAndInvalidAnnotationsBecomeWarningEvents() {
    cluster.client.resource(Cluster.ingressClass("public-nginx", TranslatorOptions.INGRESS_NGINX_CONTROLLER)).create();
    cluster.client.resource(Cluster.ingressClass("traefik", "traefik.io/ingress-controller")).create();
    cluster.client.resource(Cluster.service(NS, "web")).create();
    cluster.client.resource(annotated("snippet", "public-nginx", "snippet.test",
        Map.of("nginx.ingress.kubernetes.io/configuration-snippet", "more_set_headers \"X: y\";"))).create();
    cluster.client.resource(annotated("invalid", "nginx", "invalid.test",
        Map.of("nginx.ingress.kubernetes.io/limit-rps", "fast"))).create();
    cluster.client.resource(annotated("theirs", "traefik", "theirs.test",
        Map.of("nginx.ingress.kubernetes.io/configuration-snippet", "x"))).create();

    await().atMost(Duration.ofSeconds(20)).until(() -> events("snippet").stream()
        .anyMatch(e -> "SnippetRefused".equals(e.getReason())));
    Event snippet = events("snippet").stream().filter(e -> "SnippetRefused".equals(e.getReason())).findFirst()
        .orElseThrow();
    assertThat(snippet.getType()).isEqualTo("Warning");
    assertThat(snippet.getMessage()).contains("nginx.ingress.kubernetes.io/configuration-snippet")
        .contains("not served");
    await().atMost(Duration.ofSeconds(20)).until(() -> events("invalid").stream()
        .anyMatch(e -> "InvalidAnnotation".equals(e.getReason())));
    assertThat(events("invalid")).filteredOn(e -> "InvalidAnnotation".equals(e.getReason()))
        .allSatisfy(e -> assertThat(e.getMessage()).contains("nginx.ingress.kubernetes.io/limit-rps"));
    assertThat(events("theirs")).isEmpty();
  }
}
