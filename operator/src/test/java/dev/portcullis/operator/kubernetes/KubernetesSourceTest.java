package dev.portcullis.operator.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.rebuild.ChangeSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The informers against the mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class KubernetesSourceTest {

  KubernetesClient client;

  void ingress(String ns, String name) {
    client.resource(new IngressBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
        .withNewSpec().withNewDefaultBackend().withNewService().withName("web").withNewPort().withNumber(80).endPort()
        .endService().endDefaultBackend().endSpec().build()).create();
  }

  @Test
  void watchesOnlyTheConfiguredNamespaces() {
    ingress("team-a", "one");
    ingress("team-b", "two");
    List<HasMetadata> seen = new CopyOnWriteArrayList<>();
    List<String> stopped = new CopyOnWriteArrayList<>();
    try (KubernetesSource source = new KubernetesSource(client, Set.of("team-a"), (c, o) -> seen.add(o), stopped::add)
        .start()) {
      await().atMost(Duration.ofSeconds(5)).until(source::synced);
      assertThat(source.snapshot().ingresses()).extracting(i -> i.getMetadata().getName()).containsExactly("one");
      ingress("team-a", "three");
      ingress("team-b", "four");
      client.resource(new ServiceBuilder().withNewMetadata().withNamespace("team-a").withName("web").endMetadata()
          .withNewSpec().addNewPort().withPort(80).endPort().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(5)).until(() -> source.snapshot().ingresses().size() == 2);
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.stream().anyMatch(o -> o.getMetadata().getName().equals("web")));
      assertThat(seen).extracting(o -> o.getMetadata().getNamespace()).containsOnly("team-a");
      assertThat(source.snapshot().service("team-a", "web")).isPresent();
    }
    assertThat(stopped).as("closing is not a failure").isEmpty();
  }

  @Test
  void allNamespacesByDefault() {
    ingress("team-a", "one");
    ingress("team-b", "two");
    try (KubernetesSource source = new KubernetesSource(client, Set.of(), (ChangeSet c, HasMetadata o) -> { }).start()) {
      await().atMost(Duration.ofSeconds(5)).until(source::synced);
      assertThat(source.snapshot().ingresses()).hasSize(2);
    }
  }
}
