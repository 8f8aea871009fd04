package dev.portcullis.operator.status;

import dev.portcullis.operator.routeserver.NodeState;
import dev.portcullis.translator.status.Conditions;
import dev.portcullis.translator.status.Disposition;
import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.ObjectStatus;
import dev.portcullis.translator.status.StatusReport;
import java.util.HashMap;
import java.util.Map;

/**
 * Which published table versions contain which generation of each object, so that an object is
 * Programmed only once every connected data plane acknowledged a version that contains it.
 */
public final class ProgrammedTracker {

  /** How many published checksums are remembered, for the ACKs of other replicas' data planes. */
  private static final int REMEMBERED_VERSIONS = 256;
  /**
   * Per object in the latest published version: its generation there ({@link #NONE} without one)
   * and the first version of the unbroken run of versions that held that generation. One entry per
   * object, whatever the number of versions: 10,000 objects cost 10,000 entries, and a look-up is one.
   */
  private final Map<ObjectRef, long[]> since = new HashMap<>();
  /** The version each remembered checksum was published as here (other replicas number theirs their own way). */
  private final java.util.LinkedHashMap<String, Long> versionOfChecksum = new java.util.LinkedHashMap<>();
  private static final long NONE = Long.MIN_VALUE;

  /** Records what a newly published version contains (or, for the current version, what it now stands for). */
  public synchronized void published(long version, String checksum, StatusReport report) {
    if (checksum != null) {
      versionOfChecksum.remove(checksum);
      versionOfChecksum.put(checksum, version);
      while (versionOfChecksum.size() > REMEMBERED_VERSIONS) {
        versionOfChecksum.remove(versionOfChecksum.keySet().iterator().next());
      }
    }
    published(version, report);
  }

  /** The statuses of the report {@link #since} was last brought up to date with (sorted by object, as reports are). */
  private java.util.List<ObjectStatus> sinceOf = java.util.List.of();

  /**
   * Records what a newly published version contains. Reports are sorted by object, and an object
   * a translation did not touch keeps its very status instance: the last report and this one are
   * walked side by side, and only the objects whose status is another instance are looked up.
   */
  public synchronized void published(long version, StatusReport report) {
    java.util.List<ObjectStatus> now = report.objects();
    StatusReport.differences(sinceOf, now, since::remove, b -> {
      if (b.disposition() != Disposition.IGNORED && b.disposition() != Disposition.REJECTED) {
        long generation = b.generation() == null ? NONE : b.generation();
        long[] held = since.get(b.object());
        if (held == null || held[0] != generation) {
          since.put(b.object(), new long[] {generation, version});
        }
      } else {
        since.remove(b.object());
      }
    });
    sinceOf = now;
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

  /** The first version of the latest run that holds this generation of the object, or null. */
  private Long firstVersion(ObjectRef ref, Long generation) {
    long g = generation == null ? NONE : generation;
    long[] entry = since.get(ref);
    return entry != null && entry[0] == g ? entry[1] : null;
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
