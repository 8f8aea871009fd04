package dev.portcullis.model.push;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.portcullis.model.Certificate;
import dev.portcullis.model.Credential;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.RouteTable;
import java.util.Map;

/** One line of the route server's stream to a data plane. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = PushMessage.Snapshot.class, name = "snapshot"),
    @JsonSubTypes.Type(value = PushMessage.Ping.class, name = "ping")
})
public sealed interface PushMessage {

  /**
   * A complete route table, the certificates its hosts are served with, and the credentials its
   * routes authenticate with.
   *
   * @param version      increases with every table the server publishes
   * @param checksum     the table's content checksum; equal checksums mean equal tables (each host's
   *                     certificate and each route's credential count through their fingerprints in
   *                     the table)
   * @param table        the table
   * @param certificates key material by {@link Certificate#key}; only on the authenticated stream,
   *                     never in a dump or a log
   * @param credentials  password hashes and key sets by {@link dev.portcullis.model.SecretRef#credentialKey};
   *                     like the certificates, only on the authenticated stream
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  record Snapshot(long version, String checksum, RouteTable table, Map<String, Certificate> certificates,
      Map<String, Credential> credentials) implements PushMessage {

    public Snapshot(long version, String checksum, RouteTable table) {
      this(version, checksum, table, Map.of(), Map.of());
    }

    public Snapshot(long version, String checksum, RouteTable table, Map<String, Certificate> certificates) {
      this(version, checksum, table, certificates, Map.of());
    }

    /** Never prints key material or credentials. */
    @Override
    public String toString() {
      return "Snapshot[version=" + version + ", checksum=" + checksum + ", certificates=" + certificates.keySet()
          + ", credentials=" + credentials.keySet() + "]";
    }

    public Snapshot {
      certificates = certificates == null ? Map.of() : Map.copyOf(certificates);
      credentials = credentials == null ? Map.of() : Map.copyOf(credentials);
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
