package dev.portcullis.model.push;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.RouteTable;

/** One line of the route server's stream to a data plane. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = PushMessage.Snapshot.class, name = "snapshot"),
    @JsonSubTypes.Type(value = PushMessage.Ping.class, name = "ping")
})
public sealed interface PushMessage {

  /**
   * A complete route table.
   *
   * @param version  increases with every table the server publishes
   * @param checksum the table's content checksum; equal checksums mean equal tables
   * @param table    the table
   */
  record Snapshot(long version, String checksum, RouteTable table) implements PushMessage {
    public Snapshot {
      if (version <= 0) {
        throw new ModelException("version", "must be positive, was " + version);
      }
      if (checksum == null || checksum.isBlank()) {
        throw new ModelException("checksum", "must not be empty");
      }
      if (table == null) {
        throw new ModelException("table", "is required");
      }
    }
  }

  /** Sent when nothing else was, so that both ends notice a dead connection. */
  record Ping(long serverTimeMillis) implements PushMessage {}
}
