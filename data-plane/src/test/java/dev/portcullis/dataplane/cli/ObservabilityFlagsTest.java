package dev.portcullis.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.dataplane.observability.ObservabilitySettings;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The observability flags: their defaults, what they make, and the message each bad value gets. */
class ObservabilityFlagsTest {

  @CommandLine.Command(name = "probe")
  static final class Probe {
    @CommandLine.Mixin
    ObservabilityFlags flags = new ObservabilityFlags();
  }

  static ObservabilitySettings parse(String... args) {
    Probe p = new Probe();
    new CommandLine(p).parseArgs(args);
    return p.flags.settings();
  }

  @Test
  void byDefaultJsonLinesGoToStdoutAndNothingIsExported() {
    ObservabilitySettings s = parse();
    assertThat(s.accessLog().destination()).isEqualTo("stdout");
    assertThat(s.accessLog().format()).isEqualTo(ObservabilitySettings.Format.JSON);
    assertThat(s.accessLog().sampleRate()).isEqualTo(1.0);
    assertThat(s.tracing().enabled()).isFalse();
  }

  @Test
  void everyFlagArrives() {
    ObservabilitySettings s = parse("--access-log", "/var/log/access.log", "--access-log-format", "TEXT",
        "--access-log-template", "$method $path $status", "--access-log-sample", "0.25",
        "--otlp-endpoint", "http://collector:4318/v1/traces", "--otlp-header", "x-api-key=k1,x-tenant=shop",
        "--otlp-service-name", "edge", "--trace-sample", "0.1");
    assertThat(s.accessLog().destination()).isEqualTo("/var/log/access.log");
    assertThat(s.accessLog().format()).isEqualTo(ObservabilitySettings.Format.TEXT);
    assertThat(s.accessLog().template()).isEqualTo("$method $path $status");
    assertThat(s.accessLog().sampleRate()).isEqualTo(0.25);
    assertThat(s.tracing().otlpEndpoint()).isEqualTo(URI.create("http://collector:4318/v1/traces"));
    assertThat(s.tracing().headers()).isEqualTo(Map.of("x-api-key", "k1", "x-tenant", "shop"));
    assertThat(s.tracing().serviceName()).isEqualTo("edge");
    assertThat(s.tracing().sampleRatio()).isEqualTo(0.1);
    assertThat(s.tracing().toString()).doesNotContain("k1");
    assertThat(parse("--access-log", "off").accessLog().enabled()).isFalse();
  }

  @Test
  void badValuesSayWhichFlagAndWhy() {
    assertThatThrownBy(() -> parse("--access-log-format", "xml")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--access-log-format must be json or text, was \"xml\"");
    assertThatThrownBy(() -> parse("--access-log-template", "$method")).hasMessageContaining("needs --access-log-format text");
    assertThatThrownBy(() -> parse("--access-log-format", "text", "--access-log-template", "$methd $path"))
        .hasMessageContaining("--access-log").hasMessageContaining("$methd").hasMessageContaining("method, scheme");
    assertThatThrownBy(() -> parse("--access-log-sample", "2")).hasMessageContaining("--access-log")
        .hasMessageContaining("between 0 and 1");
    assertThatThrownBy(() -> parse("--otlp-endpoint", "collector:4318")).hasMessageContaining("--otlp-endpoint")
        .hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> parse("--otlp-endpoint", "http://exa mple")).hasMessageContaining("--otlp-endpoint is not a URL");
    assertThatThrownBy(() -> parse("--otlp-endpoint", "http://c:4318/v1/traces", "--otlp-header", "secretvalue"))
        .hasMessageContaining("NAME=VALUE").hasMessageNotContaining("secretvalue");
    assertThatThrownBy(() -> parse("--otlp-header", "a=b")).hasMessageContaining("needs --otlp-endpoint");
    assertThatThrownBy(() -> parse("--otlp-endpoint", "http://c:4318/v1/traces", "--trace-sample", "1.5"))
        .hasMessageContaining("--trace-sample").hasMessageContaining("between 0 and 1");
    assertThatThrownBy(() -> parse("--access-log-sample", "lots")).isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--access-log-sample");
  }
}
