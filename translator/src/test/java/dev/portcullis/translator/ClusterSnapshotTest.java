package dev.portcullis.translator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import org.junit.jupiter.api.Test;

/** Snapshots made from another by a few changes ({@link ClusterSnapshot#edit}) hold what a fresh one would. */
class ClusterSnapshotTest {

  private static EndpointSlice slice(String name, String service, String ip) {
    return new EndpointSliceBuilder().withNewMetadata().withNamespace("ns").withName(name)
        .addToLabels(ClusterSnapshot.SERVICE_NAME_LABEL, service).endMetadata()
        .withAddressType("IPv4").addNewEndpoint().withAddresses(ip).endEndpoint().build();
  }

  @Test
  void anEditedSnapshotKeepsItsBaseAndIndexesSlicesByService() {
    EndpointSlice a1 = slice("a-1", "a", "10.0.0.1");
    EndpointSlice a2 = slice("a-2", "a", "10.0.0.2");
    EndpointSlice b1 = slice("b-1", "b", "10.0.1.1");
    var service = new ServiceBuilder().withNewMetadata().withNamespace("ns").withName("a").endMetadata().build();
    ClusterSnapshot base = ClusterSnapshot.builder().addAll(java.util.List.of(a2, b1, service)).build();
    assertThat(base.endpointSlicesOf("ns", "a")).containsExactly(a2);

    EndpointSlice b1Moved = slice("b-1", "a", "10.0.1.1"); // relabelled: now one of a's slices
    ClusterSnapshot edited = base.edit().put(a1).put(b1Moved).build();
    assertThat(edited.endpointSlicesOf("ns", "a")).containsExactly(a1, a2, b1Moved); // by name
    assertThat(edited.endpointSlicesOf("ns", "b")).isEmpty();
    assertThat(edited.service("ns", "a")).containsSame(service);
    // The base is as it was.
    assertThat(base.endpointSlicesOf("ns", "a")).containsExactly(a2);
    assertThat(base.endpointSlicesOf("ns", "b")).containsExactly(b1);

    ClusterSnapshot removed = edited.edit().remove(a2).remove(service).build();
    assertThat(removed.endpointSlicesOf("ns", "a")).containsExactly(a1, b1Moved);
    assertThat(removed.service("ns", "a")).isEmpty();
    assertThat(removed.endpointSlices()).containsExactly(a1, b1Moved); // sorted by name
    assertThat(removed.size()).isEqualTo(2);
  }

  @Test
  void aBuilderUsedAgainAfterBuildLeavesTheFirstSnapshotAlone() {
    EndpointSlice a1 = slice("a-1", "a", "10.0.0.1");
    EndpointSlice a2 = slice("a-2", "a", "10.0.0.2");
    ClusterSnapshot.Builder builder = ClusterSnapshot.builder();
    builder.add(a1);
    ClusterSnapshot first = builder.build();
    builder.add(a2);
    ClusterSnapshot second = builder.build();
    assertThat(first.endpointSlicesOf("ns", "a")).containsExactly(a1);
    assertThat(first.size()).isEqualTo(1);
    assertThat(second.endpointSlicesOf("ns", "a")).containsExactly(a1, a2);
  }

  @Test
  void withMakesAnEditThatSaysWhatChanged() {
    EndpointSlice a1 = slice("a-1", "a", "10.0.0.1");
    EndpointSlice b1 = slice("b-1", "b", "10.0.1.1");
    var service = new ServiceBuilder().withNewMetadata().withNamespace("ns").withName("a").endMetadata().build();
    ClusterSnapshot base = ClusterSnapshot.builder().addAll(java.util.List.of(a1, b1, service)).build();
    EndpointSlice a1New = slice("a-1", "a", "10.0.0.9");
    var other = new ServiceBuilder().withNewMetadata().withNamespace("ns").withName("a").endMetadata().build();
    // a-1 changed, b-1 went, the Service stays (a second copy of it is ignored).
    ClusterSnapshot next = base.with(java.util.List.of(a1New, service, other));
    assertThat(next.endpointSlicesOf("ns", "a")).containsExactly(a1New);
    assertThat(next.endpointSlicesOf("ns", "b")).isEmpty();
    assertThat(next.service("ns", "a")).containsSame(service);
    ClusterSnapshot.Changes changes = next.since(base.id());
    assertThat(changes).isNotNull();
    assertThat(changes.keys()).extracting(k -> k.key().name()).containsExactlyInAnyOrder("a", "b");
    assertThat(base.with(java.util.List.of(a1, b1, service)).since(base.id()).keys()).as("nothing changed").isEmpty();
    assertThat(next.since(-1)).as("not an edit of that one").isNull();
  }

  @Test
  void editsShareTheMapsTheyDoNotWriteAndNeverChangeASnapshotBuilt() {
    var svcA = new ServiceBuilder().withNewMetadata().withNamespace("ns").withName("a").endMetadata().build();
    var svcB = new ServiceBuilder().withNewMetadata().withNamespace("ns").withName("b").endMetadata().build();
    var classX = new io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder().withNewMetadata()
        .withName("x").endMetadata().build();
    var classY = new io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder().withNewMetadata()
        .withName("y").endMetadata().build();
    EndpointSlice a1 = slice("a-1", "a", "10.0.0.1");
    ClusterSnapshot base = ClusterSnapshot.builder().addAll(java.util.List.of(svcA, classX, a1)).build();

    // A long chain of edits of one kind: the others stay the base's, and every step reads right.
    ClusterSnapshot at = base;
    for (int i = 0; i < 50; i++) {
      var c = new io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder().withNewMetadata()
          .withName("c" + i).endMetadata().build();
      at = at.edit().put(c).build();
    }
    assertThat(at.ingressClasses()).hasSize(51);
    assertThat(at.service("ns", "a")).containsSame(svcA);
    assertThat(at.endpointSlicesOf("ns", "a")).containsExactly(a1);
    assertThat(base.ingressClasses()).containsExactly(classX);
    ClusterSnapshot last = at;
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> last.ingressClasses().clear())
        .isInstanceOf(UnsupportedOperationException.class);

    // One builder, built, written again, built again: the first snapshot and the base stay as they were.
    ClusterSnapshot.Builder builder = base.edit().put(classY);
    ClusterSnapshot first = builder.build();
    ClusterSnapshot second = builder.put(svcB).remove(a1).remove(classX).build();
    assertThat(first.ingressClasses()).containsExactly(classX, classY);
    assertThat(first.service("ns", "b")).isEmpty();
    assertThat(first.endpointSlicesOf("ns", "a")).containsExactly(a1);
    assertThat(second.ingressClasses()).containsExactly(classY);
    assertThat(second.service("ns", "b")).containsSame(svcB);
    assertThat(second.endpointSlicesOf("ns", "a")).isEmpty();
    assertThat(base.size()).isEqualTo(3);
    assertThat(base.endpointSlicesOf("ns", "a")).containsExactly(a1);
    assertThat(base.service("ns", "b")).isEmpty();

    // An edit that refuses a kind not read copies nothing and changes nothing.
    var configMap = new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("m").endMetadata()
        .build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> base.edit().put(configMap))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
