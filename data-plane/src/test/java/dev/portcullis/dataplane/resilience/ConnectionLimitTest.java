package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.listener.ListenerLimits;
import dev.portcullis.model.BalancerPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connection limits, counted over both event loops: 4 connections per client address and 6 in
 * all. Connections beyond are closed at once, even ones that never send a byte; a connection
 * that closes frees its place.
 */
class ConnectionLimitTest extends LiveProxy {

  @Override
  DataPlaneConfig config() {
    return super.config().withLimits(ListenerLimits.DEFAULT.withConnections(6, 4));
  }

  @BeforeEach
  void route() throws Exception {
    serve("h.test", cluster("conns", BalancerPolicy.ROUND_ROBIN, upstreams("up")[0]), null, null);
  }

  @Test
  void connectionsBeyondTheLimitsAreClosedAtOnce() throws Exception {
    List<RawClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        open.add(new RawClient(dataPlane.httpPort(), "127.0.0.1"));
      }
      // The fifth from the same address is over its limit, although nothing was sent on any.
      try (RawClient fifth = new RawClient(dataPlane.httpPort(), "127.0.0.1")) {
        assertThat(fifth.closedWithin(3000)).as("fifth from one address closed").isTrue();
      }
      open.add(new RawClient(dataPlane.httpPort(), "127.0.0.2"));
      open.add(new RawClient(dataPlane.httpPort(), "127.0.0.2"));
      // Six in all: one more from a third address is over the global limit.
      try (RawClient seventh = new RawClient(dataPlane.httpPort(), "127.0.0.3")) {
        assertThat(seventh.closedWithin(3000)).as("seventh in all closed").isTrue();
      }
      // The admitted ones still work.
      assertThat(open.get(0).send("GET / HTTP/1.1\r\nHost: h.test\r\n\r\n").response()).startsWith("HTTP/1.1 200");
      assertThat(open.get(5).send("GET / HTTP/1.1\r\nHost: h.test\r\n\r\n").response()).startsWith("HTTP/1.1 200");
      // A closed connection frees its place, on whichever event loop it closed.
      open.remove(0).close();
      await().atMost(Duration.ofSeconds(10)).until(() -> dataPlane.listenerConnections() == 5);
      try (RawClient again = new RawClient(dataPlane.httpPort(), "127.0.0.1")) {
        assertThat(again.send("GET / HTTP/1.1\r\nHost: h.test\r\n\r\n").response()).startsWith("HTTP/1.1 200");
      }
    } finally {
      for (RawClient c : open) {
        c.close();
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> dataPlane.listenerConnections() == 0);
  }

  @Test
  void aFloodOfConnectionsNeverPassesTheLimit() throws Exception {
    List<RawClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 40; i++) {
        clients.add(new RawClient(dataPlane.httpPort(), "127.0.0." + (1 + i % 8)));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> clients.stream().filter(c -> {
        try {
          return !c.closedWithin(50);
        } catch (java.io.IOException e) {
          return false;
        }
      }).count() <= 6);
      assertThat(dataPlane.listenerConnections()).isLessThanOrEqualTo(6);
    } finally {
      for (RawClient c : clients) {
        c.close();
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> dataPlane.listenerConnections() == 0);
  }
}
