package dev.portcullis.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.dataplane.listener.ListenerLimits;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The listener flags' client idle timeout: its default, a value, and the message a bad one gets. */
class ListenerFlagsTest {

  @CommandLine.Command(name = "probe")
  static final class Probe {
    @CommandLine.Mixin
    ListenerFlags flags = new ListenerFlags();
  }

  static ListenerLimits parse(String... args) {
    Probe p = new Probe();
    new CommandLine(p).parseArgs(args);
    return p.flags.limits();
  }

  @Test
  void theClientIdleTimeoutIsNginxsKeepaliveTimeoutByDefaultAndCanBeSet() {
    assertThat(parse().idleTimeoutMs()).isEqualTo(75_000).isEqualTo(ListenerLimits.DEFAULT_IDLE_TIMEOUT_MS);
    assertThat(parse("--client-idle-timeout", "5m").idleTimeoutMs()).isEqualTo(300_000);
    assertThat(parse("--client-idle-timeout", "1500ms").idleTimeoutMs()).isEqualTo(1_500);
  }

  @Test
  void anIdleTimeoutUnderASecondSaysWhichFlagAndWhy() {
    assertThatThrownBy(() -> parse("--client-idle-timeout", "0s")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--client-idle-timeout must be at least 1s and at most 24d, not 0ms");
    assertThatThrownBy(() -> parse("--client-idle-timeout", "500ms")).hasMessageContaining("--client-idle-timeout");
  }
}
