package dev.portcullis.operator.status;

import dev.portcullis.operator.routeserver.NodeState;
import dev.portcullis.translator.status.Conditions;
import dev.portcullis.translator.status.Disposition;
import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.ObjectStatus;
import dev.portcullis.translator.status.StatusReport;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Which published table versions contain which generation of each object, so that an object is
 * Programmed only once every connected data plane acknowledged a version that contains it.
 */
public final class ProgrammedTracker {

  private static final int REMEMBERED_VERSIONS = 256;
  private final TreeMap<Long, Map<ObjectRef, Long>> published = new TreeMap<>();
  /** The version each remembered checksum was published as here (other replicas number theirs their own way). */
  private final Map<String, Long> versionOfChecksum = new HashMap<>();
  private static final Long NONE = Long.MIN_VALUE;

  /** Records what a newly published version contains. */
  public synchronized void published(long version, String checksum, StatusReport report) {
    if (checksum != null) {
      versionOfChecksum.put(checksum, version);
    }
    published(version, report);
  }

  /** Records what a newly published version contains. */
  public synchronized void published(long version, StatusReport report) {
    Map<ObjectRef, Long> contents = new HashMap<>();
    for (ObjectStatus s : report.objects()) {
      if (s.disposition() != Disposition.IGNORED && s.disposition() != Disposition.REJECTED) {
        contents.put(s.object(), s.generation() == null ? NONE : s.generation());
      }
    }
    published.put(version, contents);
    while (published.size() > REMEMBERED_VERSIONS) {
      long dropped = published.pollFirstEntry().getKey();
      versionOfChecksum.values().removeIf(v -> v == dropped);
    }
  }

  /**
   * As {@link #state(ObjectRef, Long, Map)}, counting also the data planes of other operator
   * replicas, by the checksums they ACKed: one whose table this replica never published (the
   * replicas momentarily disagree) does not count as serving it yet.
   */
  public synchronized Conditions.Programmed state(ObjectRef ref, Long generation, Map<String, NodeState> nodes,
      java.util.List<ReplicaAcks.Remote> remote) {
    if (remote.isEmpty()) {
      return state(ref, generation, nodes);
    }
    Map<String, NodeState> all = new HashMap<>(nodes);
    for (ReplicaAcks.Remote r : remote) {
      long acked = r.ackedChecksum() == null ? 0 : versionOfChecksum.getOrDefault(r.ackedChecksum(), 0L);
      long rejected = r.rejectedChecksum() == null ? 0 : versionOfChecksum.getOrDefault(r.rejectedChecksum(), 0L);
      all.put(r.replica() + "/" + r.node(), new NodeState(r.node(), r.connected() ? 1 : 0, 0, acked,
          r.ackedChecksum(), rejected, r.rejectReason(), 0));
    }
    return state(ref, generation, all);
  }

  /** The first remembered version containing this generation of the object, or null. */
  private Long firstVersion(ObjectRef ref, Long generation) {
    Long g = generation == null ? NONE : generation;
    for (Map.Entry<Long, Map<ObjectRef, Long>> e : published.entrySet()) {
      if (Objects.equals(e.getValue().get(ref), g)) {
        return e.getKey();
      }
    }
    return null;
  }

  /** Whether the connected data planes serve this generation of the object. */
  public synchronized Conditions.Programmed state(ObjectRef ref, Long generation, Map<String, NodeState> nodes) {
    boolean anyConnected = false;
    Long first = firstVersion(ref, generation);
    boolean pending = false;
    for (NodeState n : nodes.values()) {
      if (n.connections() <= 0) {
        continue;
      }
      anyConnected = true;
      if (first == null || n.ackedVersion() < first) {
        if (first != null && n.rejectedVersion() >= first && n.rejectedVersion() > n.ackedVersion()) {
          return Conditions.Programmed.REFUSED;
        }
        pending = true;
      }
    }
    if (!anyConnected) {
      return Conditions.Programmed.NO_DATA_PLANES;
    }
    return pending ? Conditions.Programmed.PENDING : Conditions.Programmed.YES;
  }
}
