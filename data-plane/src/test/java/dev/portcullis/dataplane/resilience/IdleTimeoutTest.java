package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.listener.ListenerLimits;
import dev.portcullis.model.BalancerPolicy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client idle timeout, on a listener where it is 2 s: a kept-alive connection that goes quiet
 * is closed after one to one and a quarter timeouts, and one that keeps asking is not.
 */
class IdleTimeoutTest extends LiveProxy {

  static final long IDLE_MS = 2000;
  /** Generous for a loaded 2-core machine. */
  static final long SLACK_MS = 1500;

  @Override
  DataPlaneConfig config() {
    return super.config().withLimits(ListenerLimits.DEFAULT.withIdleTimeoutMs(IDLE_MS));
  }

  @BeforeEach
  void route() throws Exception {
    serve("idle.test", cluster("idle", BalancerPolicy.ROUND_ROBIN, upstreams("up")[0]), null, null);
  }

  @Test
  void aQuietKeptAliveConnectionIsClosedAfterTheTimeout() throws Exception {
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      assertThat(c.send("GET / HTTP/1.1\r\nHost: idle.test\r\n\r\n").response()).startsWith("HTTP/1.1 200");
      long answered = System.nanoTime();
      assertThat(c.closedWithin(IDLE_MS * 5 / 4 + SLACK_MS)).as("closed").isTrue();
      assertThat((System.nanoTime() - answered) / 1_000_000).isGreaterThanOrEqualTo(IDLE_MS - 100);
    }
  }

  @Test
  void aConnectionInUseIsNotClosed() throws Exception {
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      // Twice the timeout, a request every 40% of it.
      for (int i = 0; i < 6; i++) {
        assertThat(c.send("GET / HTTP/1.1\r\nHost: idle.test\r\n\r\n").response()).startsWith("HTTP/1.1 200");
        Thread.sleep(IDLE_MS * 2 / 5);
      }
      assertThat(c.send("GET / HTTP/1.1\r\nHost: idle.test\r\n\r\n").response()).startsWith("HTTP/1.1 200");
    }
  }
}
