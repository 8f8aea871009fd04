package dev.portcullis.operator.rebuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.Translator;
import dev.portcullis.translator.TranslatorOptions;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RebuildLoopTest {

  record Outcome(int hosts, boolean changed) {}

  static ClusterSnapshot snapshot(String... hosts) {
    ClusterSnapshot.Builder b = ClusterSnapshot.builder();
    int i = 0;
    for (String h : hosts) {
      b.add(new IngressBuilder().withNewMetadata().withName("i" + i++).withNamespace("default").endMetadata()
          .withNewSpec().withIngressClassName("portcullis").addNewRule().withHost(h).withNewHttp().addNewPath()
          .withPath("/").withPathType("Prefix").withNewBackend().withNewService().withName("web").withNewPort()
          .withNumber(80).endPort().endService().endBackend().endPath().endHttp().endRule().endSpec().build());
    }
    return b.build();
  }

  @Test
  void coalescesBurstsAndFlagsNoOps() {
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    try (RebuildLoop loop = new RebuildLoop(new Translator(TranslatorOptions.DEFAULT),
        (result, changed, nanos, fast) -> outcomes.add(new Outcome(result.table().virtualHosts().size(), changed)), 100)) {
      loop.submit(snapshot("a.test"));
      loop.submit(snapshot("a.test", "b.test"));
      loop.submit(snapshot("a.test", "b.test", "c.test"));
      await().atMost(Duration.ofSeconds(5)).until(() -> outcomes.size() == 1);
      assertThat(outcomes).containsExactly(new Outcome(3, true));

      loop.submit(snapshot("a.test", "b.test", "c.test"));
      await().atMost(Duration.ofSeconds(5)).until(() -> outcomes.size() == 2);
      assertThat(outcomes.get(1)).isEqualTo(new Outcome(3, false));

      loop.submit(snapshot("a.test"));
      await().atMost(Duration.ofSeconds(5)).until(() -> outcomes.size() == 3);
      assertThat(outcomes.get(2)).isEqualTo(new Outcome(1, true));
    }
  }
}
