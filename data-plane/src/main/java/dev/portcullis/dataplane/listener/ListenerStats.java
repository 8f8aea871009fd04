package dev.portcullis.dataplane.listener;

import java.util.concurrent.atomic.LongAdder;

/** What the public listeners count, for the metrics: connections accepted and refused, TLS handshakes. */
public final class ListenerStats {
  public final LongAdder accepted = new LongAdder();
  /** Closed at once for a connection limit. */
  public final LongAdder rejected = new LongAdder();
  public final LongAdder handshakes = new LongAdder();
  public final LongAdder handshakeFailures = new LongAdder();
}
