package dev.portcullis.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.routeserver.NodeState;
import dev.portcullis.translator.status.Conditions.Programmed;
import dev.portcullis.translator.status.Disposition;
import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.ObjectStatus;
import dev.portcullis.translator.status.StatusReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgrammedTrackerTest {

  private static final ObjectRef REF = new ObjectRef("Ingress", "default", "web");

  private static StatusReport with(Long generation) {
    return new StatusReport(List.of(new ObjectStatus(REF, generation, Disposition.ACCEPTED, List.of())));
  }

  private static Map<String, NodeState> acked(long version) {
    return Map.of("n", new NodeState("n", 1, version, version, null, 0, null, 0));
  }

  @Test
  void aGenerationIsProgrammedOnceADataPlaneAckedAVersionOfItsLatestRun() {
    ProgrammedTracker tracker = new ProgrammedTracker();
    tracker.published(1, "c1", with(1L));
    tracker.published(2, "c2", with(1L)); // other objects changed: generation 1 still served since version 1
    assertThat(tracker.state(REF, 1L, acked(1))).isEqualTo(Programmed.YES);
    assertThat(tracker.state(REF, 1L, acked(0))).isEqualTo(Programmed.PENDING);

    tracker.published(3, "c3", with(2L));
    assertThat(tracker.state(REF, 2L, acked(2))).isEqualTo(Programmed.PENDING);
    assertThat(tracker.state(REF, 2L, acked(3))).isEqualTo(Programmed.YES);

    // Left out of version 4 (say its Service went), back in 5 unchanged: a data plane on 4 does not serve it.
    tracker.published(4, "c4", new StatusReport(List.of()));
    tracker.published(5, "c5", with(2L));
    assertThat(tracker.state(REF, 2L, acked(4))).isEqualTo(Programmed.PENDING);
    assertThat(tracker.state(REF, 2L, acked(5))).isEqualTo(Programmed.YES);
    assertThat(tracker.state(REF, 2L, Map.of())).isEqualTo(Programmed.NO_DATA_PLANES);
  }

  private static ObjectStatus st(String name, long generation, Disposition disposition) {
    return new ObjectStatus(new ObjectRef("Ingress", "default", name), generation, disposition, List.of());
  }

  private static Programmed state(ProgrammedTracker tracker, String name, long generation, long acked) {
    return tracker.state(new ObjectRef("Ingress", "default", name), generation, acked(acked));
  }

  /** Reports keep the status instances of untouched objects: the tracker follows what came, went and was refused. */
  @Test
  void objectsThatComeGoAndAreRefusedAreFollowedFromReportToReport() {
    ProgrammedTracker tracker = new ProgrammedTracker();
    ObjectStatus a = st("a", 1, Disposition.ACCEPTED);
    ObjectStatus c = st("c", 1, Disposition.ACCEPTED);
    tracker.published(1, new StatusReport(List.of(a, st("b", 1, Disposition.ACCEPTED), c)));
    // b refused now, c gone, d new; a the very same status.
    ObjectStatus d = st("d", 1, Disposition.ACCEPTED);
    tracker.published(2, new StatusReport(List.of(a, st("b", 2, Disposition.REJECTED), d)));
    assertThat(state(tracker, "a", 1, 1)).isEqualTo(Programmed.YES);
    assertThat(state(tracker, "b", 2, 2)).isEqualTo(Programmed.PENDING);
    assertThat(state(tracker, "c", 1, 2)).isEqualTo(Programmed.PENDING);
    assertThat(state(tracker, "d", 1, 1)).isEqualTo(Programmed.PENDING);
    assertThat(state(tracker, "d", 1, 2)).isEqualTo(Programmed.YES);
    // c back (its very status of version 1), b accepted again.
    tracker.published(3, new StatusReport(List.of(a, st("b", 3, Disposition.ACCEPTED), c, d)));
    assertThat(state(tracker, "c", 1, 2)).isEqualTo(Programmed.PENDING);
    assertThat(state(tracker, "c", 1, 3)).isEqualTo(Programmed.YES);
    assertThat(state(tracker, "b", 3, 2)).isEqualTo(Programmed.PENDING);
    assertThat(state(tracker, "b", 3, 3)).isEqualTo(Programmed.YES);
    assertThat(state(tracker, "a", 1, 1)).isEqualTo(Programmed.YES);
    assertThat(state(tracker, "d", 1, 2)).isEqualTo(Programmed.YES);
    // Everything gone, then a again.
    tracker.published(4, new StatusReport(List.of()));
    tracker.published(5, new StatusReport(List.of(a)));
    assertThat(state(tracker, "a", 1, 4)).isEqualTo(Programmed.PENDING);
    assertThat(state(tracker, "a", 1, 5)).isEqualTo(Programmed.YES);
    assertThat(state(tracker, "d", 1, 5)).isEqualTo(Programmed.PENDING);
  }

  @Test
  void aRefusedVersionIsReported() {
    ProgrammedTracker tracker = new ProgrammedTracker();
    tracker.published(1, "c1", with(1L));
    Map<String, NodeState> refused = Map.of("n", new NodeState("n", 1, 1, 0, null, 1, "bad", 0));
    assertThat(tracker.state(REF, 1L, refused)).isEqualTo(Programmed.REFUSED);
  }
}
