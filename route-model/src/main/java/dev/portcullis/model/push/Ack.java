package dev.portcullis.model.push;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.portcullis.model.ModelException;

/**
 * A data plane's answer to a snapshot: ACK (applied and serving) or NACK (rejected, with the
 * reason; the data plane keeps serving its previous table).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Ack(String node, long version, String checksum, boolean accepted, String reason) {

  /** NACK reasons are shown to users; long ones are cut here. */
  public static final int MAX_REASON_LENGTH = 2048;

  public Ack {
    if (node == null || node.isBlank()) {
      throw new ModelException("node", "must not be empty");
    }
    if (reason != null && reason.length() > MAX_REASON_LENGTH) {
      reason = reason.substring(0, MAX_REASON_LENGTH) + "…";
    }
  }

  public static Ack accepted(String node, long version, String checksum) {
    return new Ack(node, version, checksum, true, null);
  }

  public static Ack rejected(String node, long version, String checksum, String reason) {
    return new Ack(node, version, checksum, false, reason);
  }
}
