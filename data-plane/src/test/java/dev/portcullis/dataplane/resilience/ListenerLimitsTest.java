package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.listener.ListenerLimits;
import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cluster;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Slow clients and oversized heads, on a listener whose request-head deadline is 1 s: a head sent
 * a byte at a time is cut off however often bytes come, one that is slow but complete is served,
 * and heads with too many, too large headers or too long a target get 431 or 414, not a bare close.
 */
class ListenerLimitsTest extends LiveProxy {

  static final long HEAD_TIMEOUT_MS = 1000;
  /** Generous for a loaded 2-core machine, but far below the 75 s idle timeout. */
  static final long SLACK_MS = 2000;

  @Override
  DataPlaneConfig config() {
    return super.config().withLimits(ListenerLimits.DEFAULT.withHeaderTimeoutMs(HEAD_TIMEOUT_MS));
  }

  @BeforeEach
  void route() throws Exception {
    Upstream up = upstreams("up")[0];
    serve("h.test", cluster("limits", BalancerPolicy.ROUND_ROBIN, up), null, null);
  }

  @Test
  void aHeadSentAByteAtATimeIsCutOffAtTheDeadline() throws Exception {
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      c.send("GET / HTTP/1.1\r\nHost: h.test\r\n");
      boolean closed = false;
      // A header byte every 100 ms: plenty to reset an idle timeout, never a complete head.
      for (int i = 0; i < 60 && !closed; i++) {
        try {
          c.send("X");
        } catch (java.io.IOException e) {
          closed = true;
          break;
        }
        closed = c.closedWithin(100);
      }
      assertThat(closed).as("closed").isTrue();
      assertThat(c.elapsedMs()).isBetween(HEAD_TIMEOUT_MS - 100, HEAD_TIMEOUT_MS + SLACK_MS);
    }
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAtTheDeadline() throws Exception {
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      assertThat(c.closedWithin(HEAD_TIMEOUT_MS + SLACK_MS)).isTrue();
      assertThat(c.elapsedMs()).isGreaterThanOrEqualTo(HEAD_TIMEOUT_MS - 100);
    }
  }

  @Test
  void aSlowButCompleteHeadIsServed() throws Exception {
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      c.send("GET / HTT");
      Thread.sleep(250);
      c.send("P/1.1\r\nHost: h.te");
      Thread.sleep(250);
      c.send("st\r\n\r\n");
      assertThat(c.response()).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void keepAliveConnectionsMayIdleBetweenRequestsButNotDribbleTheNextHead() throws Exception {
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      c.send("GET / HTTP/1.1\r\nHost: h.test\r\n\r\n");
      assertThat(c.response()).startsWith("HTTP/1.1 200");
      // Idle for longer than the head deadline: the idle timeout governs the wait, not the deadline.
      Thread.sleep(HEAD_TIMEOUT_MS + 500);
      c.send("GET / HTTP/1.1\r\nHost: h.test\r\n\r\n");
      assertThat(c.response()).startsWith("HTTP/1.1 200");
      long start = System.nanoTime();
      c.send("GET / HTTP/1.1\r\n");
      boolean closed = false;
      for (int i = 0; i < 60 && !closed; i++) {
        try {
          c.send("X");
        } catch (java.io.IOException e) {
          closed = true;
          break;
        }
        closed = c.closedWithin(100);
      }
      assertThat(closed).isTrue();
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(HEAD_TIMEOUT_MS + SLACK_MS);
    }
  }

  @Test
  void tooManyHeadersGet431() throws Exception {
    StringBuilder ok = new StringBuilder("GET / HTTP/1.1\r\nHost: h.test\r\n");
    for (int i = 1; i < ListenerLimits.DEFAULT_MAX_HEADERS; i++) {
      ok.append("X-H").append(i).append(": v\r\n");
    }
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      assertThat(c.send(ok + "\r\n").response()).startsWith("HTTP/1.1 200");
    }
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      String reply = c.send(ok + "X-One-Too-Many: v\r\n\r\n").response();
      assertThat(reply).startsWith("HTTP/1.1 431").contains("connection: close");
      assertThat(c.closedWithin(5000)).isTrue();
    }
  }

  @Test
  void oversizedHeadersGet431NotABareClose() throws Exception {
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      String big = "x".repeat(ListenerLimits.DEFAULT_MAX_HEADER_SIZE + 1024);
      String reply = c.send("GET / HTTP/1.1\r\nHost: h.test\r\nX-Big: " + big + "\r\n\r\n").response();
      assertThat(reply).startsWith("HTTP/1.1 431");
    }
  }

  @Test
  void aTooLongTargetGets414() throws Exception {
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      String path = "/" + "a".repeat(ListenerLimits.DEFAULT_MAX_URI_LENGTH);
      String reply = c.send("GET " + path + " HTTP/1.1\r\nHost: h.test\r\n\r\n").response();
      assertThat(reply).startsWith("HTTP/1.1 414").contains("request target longer than");
    }
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      // Long, but within the proxy's limit and the test backend's (4 KiB request lines).
      String path = "/" + "a".repeat(3000);
      assertThat(c.send("GET " + path + " HTTP/1.1\r\nHost: h.test\r\n\r\n").response()).startsWith("HTTP/1.1 200");
    }
  }
}
