package dev.portcullis.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which address goes into Ingress status, against the mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class PublishAddressesTest {

  KubernetesClient client;

  static List<String> shown(PublishAddresses p) {
    if (p.current() == null) {
      return List.of("unknown");
    }
    return p.current().stream().map(a -> a.getIp() != null ? "ip:" + a.getIp() : "host:" + a.getHostname()).toList();
  }

  @Test
  void fixedAddressesWin() {
    try (PublishAddresses p = new PublishAddresses(List.of("203.0.113.1", "lb.example.com"), client, "x/y", () -> {})
        .start()) {
      assertThat(shown(p)).containsExactly("ip:203.0.113.1", "host:lb.example.com");
    }
  }

  @Test
  void aLoadBalancerServiceGivesItsAddressAndFollowsIt() {
    client.resource(new ServiceBuilder().withNewMetadata().withName("dp").withNamespace("edge").endMetadata()
        .withNewSpec().withType("LoadBalancer").withClusterIP("10.96.0.10").endSpec()
        .withNewStatus().withNewLoadBalancer().addNewIngress().withIp("198.51.100.20").endIngress().endLoadBalancer()
        .endStatus().build()).create();
    AtomicInteger changes = new AtomicInteger();
    try (PublishAddresses p = new PublishAddresses(List.of(), client, "edge/dp", changes::incrementAndGet).start()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> shown(p).equals(List.of("ip:198.51.100.20")));
      client.services().inNamespace("edge").withName("dp").editStatus(s -> {
        s.getStatus().getLoadBalancer().getIngress().get(0).setIp(null);
        s.getStatus().getLoadBalancer().getIngress().get(0).setHostname("abc.elb.example.com");
        return s;
      });
      await().atMost(Duration.ofSeconds(5)).until(() -> shown(p).equals(List.of("host:abc.elb.example.com")));
      assertThat(changes.get()).isEqualTo(2);
    }
  }

  @Test
  void aNodePortServiceGivesItsReadyNodesAddresses() {
    client.resource(new ServiceBuilder().withNewMetadata().withName("dp").withNamespace("edge").endMetadata()
        .withNewSpec().withType("NodePort").endSpec().build()).create();
    for (int i = 1; i <= 3; i++) {
      client.resource(new NodeBuilder().withNewMetadata().withName("node-" + i).endMetadata().withNewStatus()
          .addNewAddress().withType("InternalIP").withAddress("10.0.0." + i).endAddress()
          .addNewCondition().withType("Ready").withStatus(i == 3 ? "False" : "True").endCondition()
          .endStatus().build()).create();
    }
    try (PublishAddresses p = new PublishAddresses(List.of(), client, "edge/dp", () -> {}).start()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> shown(p).equals(List.of("ip:10.0.0.1", "ip:10.0.0.2")));
    }
  }

  @Test
  void withoutAServiceNothingIsPublished() {
    try (PublishAddresses p = new PublishAddresses(List.of(), client, null, () -> {}).start()) {
      assertThat(p.current()).isEmpty();
    }
  }
}
