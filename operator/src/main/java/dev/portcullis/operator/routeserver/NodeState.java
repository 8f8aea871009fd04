package dev.portcullis.operator.routeserver;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What the route server knows about one data plane.
 *
 * @param node            the data plane's id
 * @param connections     open streams (0 once it went away)
 * @param sentVersion     the last version pushed to it
 * @param ackedVersion    the last version it ACKed (0 if none)
 * @param ackedChecksum   the checksum of that version
 * @param rejectedVersion the last version it NACKed (0 if none)
 * @param rejectReason    why, as the data plane said
 * @param rejectedChecksum the checksum of the version it NACKed, when it said
 * @param lastSeenMillis  when it last connected, ACKed or NACKed (epoch millis)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeState(String node, int connections, long sentVersion, long ackedVersion, String ackedChecksum,
    long rejectedVersion, String rejectReason, long lastSeenMillis, String rejectedChecksum) {

  public NodeState(String node, int connections, long sentVersion, long ackedVersion, String ackedChecksum,
      long rejectedVersion, String rejectReason, long lastSeenMillis) {
    this(node, connections, sentVersion, ackedVersion, ackedChecksum, rejectedVersion, rejectReason, lastSeenMillis,
        null);
  }

  NodeState withConnections(int delta, long now) {
    return new NodeState(node, Math.max(0, connections + delta), sentVersion, ackedVersion, ackedChecksum,
        rejectedVersion, rejectReason, now, rejectedChecksum);
  }

  NodeState withSent(long version) {
    return new NodeState(node, connections, Math.max(sentVersion, version), ackedVersion, ackedChecksum,
        rejectedVersion, rejectReason, lastSeenMillis, rejectedChecksum);
  }

  NodeState withAck(long version, String checksum, long now) {
    return new NodeState(node, connections, sentVersion, version, checksum, rejectedVersion, rejectReason, now,
        rejectedChecksum);
  }

  NodeState withNack(long version, String checksum, String reason, long now) {
    return new NodeState(node, connections, sentVersion, ackedVersion, ackedChecksum, version, reason, now, checksum);
  }
}
