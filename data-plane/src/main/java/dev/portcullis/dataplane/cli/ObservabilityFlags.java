package dev.portcullis.dataplane.cli;

import dev.portcullis.dataplane.observability.ObservabilitySettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The access log and span export as flags, shared by {@code data-plane}, {@code local} and
 * {@code demo}. Metrics need none: they are always on the admin port's {@code /metrics}.
 */
public final class ObservabilityFlags {

  @Option(names = "--access-log", paramLabel = "DEST", defaultValue = "${env:PORTCULLIS_ACCESS_LOG:-stdout}",
      description = "Where the access log goes: stdout, stderr, a file (appended to), or off (default: "
          + "${DEFAULT-VALUE}; env PORTCULLIS_ACCESS_LOG). Lines are written by a thread of their own; when it "
          + "cannot keep up they are dropped and counted (portcullis_access_log_dropped_total), never waited for.")
  String accessLog;

  @Option(names = "--access-log-format", paramLabel = "FORMAT",
      defaultValue = "${env:PORTCULLIS_ACCESS_LOG_FORMAT:-json}",
      description = "json (one object per line) or text (default: ${DEFAULT-VALUE}).")
  String accessLogFormat;

  @Option(names = "--access-log-template", paramLabel = "TEMPLATE",
      defaultValue = "${env:PORTCULLIS_ACCESS_LOG_TEMPLATE}",
      description = "The text format's line, with $field placeholders (default: nginx's combined format and the "
          + "proxy's fields). Fields: time, client, method, scheme, host, path, protocol, status, bytes_in, bytes_out, "
          + "duration_ms, route, cluster, upstream, upstream_duration_ms, attempts, cache, trace_id, span_id, "
          + "user_agent.")
  String accessLogTemplate;

  @Option(names = "--access-log-sample", paramLabel = "RATIO",
      defaultValue = "${env:PORTCULLIS_ACCESS_LOG_SAMPLE:-1.0}",
      description = "The share of requests logged, 0 to 1 (default: ${DEFAULT-VALUE}); answers with a 5xx status "
          + "are always logged.")
  double accessLogSample;

  @Option(names = "--otlp-endpoint", paramLabel = "URL", defaultValue = "${env:PORTCULLIS_OTLP_ENDPOINT}",
      description = "Export a span per request over OTLP/HTTP (JSON) to this traces endpoint, e.g. "
          + "http://otel-collector:4318/v1/traces (default: no export; traceparent is propagated either way).")
  String otlpEndpoint;

  @Option(names = "--otlp-header", paramLabel = "NAME=VALUE", split = ",",
      defaultValue = "${env:PORTCULLIS_OTLP_HEADERS}",
      description = "Header fields sent with every export, e.g. an API key (repeatable or comma-separated; env "
          + "PORTCULLIS_OTLP_HEADERS, which keeps the value out of the process list). Never logged.")
  List<String> otlpHeaders;

  @Option(names = "--otlp-service-name", paramLabel = "NAME",
      defaultValue = "${env:PORTCULLIS_OTLP_SERVICE_NAME:-" + ObservabilitySettings.TracingSettings.DEFAULT_SERVICE
          + "}",
      description = "The service.name of the exported spans (default: ${DEFAULT-VALUE}).")
  String otlpServiceName;

  @Option(names = "--trace-sample", paramLabel = "RATIO", defaultValue = "${env:PORTCULLIS_TRACE_SAMPLE:-1.0}",
      description = "The share of traces this proxy starts that are sampled and exported, 0 to 1 (default: "
          + "${DEFAULT-VALUE}). A request that brings a traceparent keeps its caller's decision.")
  double traceSample;

  /**
   * The settings the flags say.
   *
   * @throws IllegalArgumentException naming the flag and what is wrong with its value
   */
  public ObservabilitySettings settings() {
    ObservabilitySettings.Format format = switch (accessLogFormat == null ? "json"
        : accessLogFormat.trim().toLowerCase(Locale.ROOT)) {
      case "json" -> ObservabilitySettings.Format.JSON;
      case "text" -> ObservabilitySettings.Format.TEXT;
      default -> throw new IllegalArgumentException("--access-log-format must be json or text, was \""
          + accessLogFormat + "\"");
    };
    if (accessLogTemplate != null && format != ObservabilitySettings.Format.TEXT) {
      throw new IllegalArgumentException("--access-log-template needs --access-log-format text");
    }
    ObservabilitySettings.AccessLogSettings log;
    try {
      log = new ObservabilitySettings.AccessLogSettings(accessLog, format, accessLogTemplate, accessLogSample,
          ObservabilitySettings.AccessLogSettings.DEFAULT_QUEUE);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--access-log: " + e.getMessage(), e);
    }
    URI endpoint = null;
    if (otlpEndpoint != null && !otlpEndpoint.isBlank()) {
      try {
        endpoint = new URI(otlpEndpoint.trim());
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("--otlp-endpoint is not a URL: " + e.getReason());
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (otlpHeaders != null) {
      for (String h : otlpHeaders) {
        if (h.isBlank()) {
          continue;
        }
        int eq = h.indexOf('=');
        if (eq <= 0) {
          // The value may be a credential: only the name is repeated.
          throw new IllegalArgumentException("--otlp-header must be NAME=VALUE, got one without '=' or name"
              + (eq < 0 ? " (" + h.length() + " characters)" : ""));
        }
        headers.put(h.substring(0, eq).trim(), h.substring(eq + 1).trim());
      }
    }
    if (!headers.isEmpty() && endpoint == null) {
      throw new IllegalArgumentException("--otlp-header needs --otlp-endpoint");
    }
    try {
      return new ObservabilitySettings(log, new ObservabilitySettings.TracingSettings(endpoint, headers,
          otlpServiceName, traceSample));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException((e.getMessage().contains("sample") ? "--trace-sample: " : "--otlp-endpoint: ")
          + e.getMessage(), e);
    }
  }
}
