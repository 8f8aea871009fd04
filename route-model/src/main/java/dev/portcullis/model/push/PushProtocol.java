package dev.portcullis.model.push;

/**
 * The push protocol between the route server (operator) and data planes.
 *
 * <ul>
 *   <li>{@code GET /v1/stream} with {@code Authorization: Bearer <token>} and
 *       {@code X-Portcullis-Node: <id>} opens a long-lived response of newline-delimited JSON
 *       {@link PushMessage}s: the current snapshot first, then every newer one (bursts are
 *       coalesced: a slow data plane gets the latest table, not every intermediate one), and a
 *       {@link PushMessage.Ping} whenever the stream was quiet for {@link #PING_INTERVAL_MS}.</li>
 *   <li>{@code POST /v1/ack} with an {@link Ack} body answers each snapshot (and each delta,
 *       with the version and checksum of the table it made).</li>
 * </ul>
 * A data plane that hears nothing for {@link #READ_IDLE_TIMEOUT_MS} reconnects, with backoff.
 */
public final class PushProtocol {
  private PushProtocol() {}

  public static final int VERSION = 1;
  public static final String STREAM_PATH = "/v1/stream";
  public static final String ACK_PATH = "/v1/ack";
  public static final String NODE_HEADER = "X-Portcullis-Node";
  public static final String PROTOCOL_HEADER = "X-Portcullis-Protocol";
  /**
   * Sent by a data plane ({@code true}) that understands {@link PushMessage.Delta}: the route
   * server then sends each stream a full snapshot first and deltas after it. Others get full
   * snapshots only.
   */
  public static final String DELTAS_HEADER = "X-Portcullis-Deltas";
  public static final String CONTENT_TYPE = "application/x-ndjson";
  public static final long PING_INTERVAL_MS = 10_000;
  public static final long READ_IDLE_TIMEOUT_MS = 35_000;
  /** The largest message a data plane accepts by default (a table of ~50,000 routes fits). */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
  /** Node ids are echoed in logs and status: keep them short and plain. */
  public static final int MAX_NODE_ID_LENGTH = 128;

  public static boolean isValidNodeId(String node) {
    if (node == null || node.isEmpty() || node.length() > MAX_NODE_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < node.length(); i++) {
      char c = node.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
