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
}
