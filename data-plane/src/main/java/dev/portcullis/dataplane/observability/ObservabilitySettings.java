package dev.portcullis.dataplane.observability;

import java.net.URI;
import java.util.Map;

/**
 * What a data plane tells about its traffic beyond its metrics (which are always on): access logs
 * and the export of traces.
 *
 * @param accessLog the access log, or {@link AccessLogSettings#OFF}
 * @param tracing   span export, or {@link TracingSettings#OFF} (traceparent is propagated either way)
 */
public record ObservabilitySettings(AccessLogSettings accessLog, TracingSettings tracing) {

  /** No access log, no span export: what embedded data planes and tests get unless they ask. */
  public static final ObservabilitySettings DEFAULT = new ObservabilitySettings(AccessLogSettings.OFF,
      TracingSettings.OFF);

  public ObservabilitySettings {
    accessLog = accessLog == null ? AccessLogSettings.OFF : accessLog;
    tracing = tracing == null ? TracingSettings.OFF : tracing;
  }

  /** How access log lines are written. */
  public enum Format { JSON, TEXT }

  /**
   * @param destination {@code stdout}, {@code stderr} or a file (appended to); null: no access log
   * @param format      one JSON object per line, or text by {@code template}
   * @param template    the text format: {@code $field} placeholders (see {@link AccessLogFormat}); null: the default
   * @param sampleRate  the share of requests logged, 0 to 1; answers with a 5xx status are always logged
   * @param queueSize   lines waiting for the writer at most; beyond, lines are dropped (and counted), never waited for
   */
  public record AccessLogSettings(String destination, Format format, String template, double sampleRate,
      int queueSize) {

    public static final int DEFAULT_QUEUE = 16_384;
    public static final AccessLogSettings OFF = new AccessLogSettings(null, Format.JSON, null, 1.0, DEFAULT_QUEUE);

    public AccessLogSettings {
      format = format == null ? Format.JSON : format;
      if (!(sampleRate >= 0 && sampleRate <= 1)) {
        throw new IllegalArgumentException("the access log sample rate must be between 0 and 1, was " + sampleRate);
      }
      if (queueSize < 1) {
        throw new IllegalArgumentException("the access log queue must hold at least one line");
      }
      if (destination != null && (destination.isBlank() || destination.equalsIgnoreCase("off"))) {
        destination = null;
      }
      if (template != null) {
        // Refused at start, not at the first request.
        AccessLogFormat.text(template);
      }
    }

    public static AccessLogSettings stdout() {
      return new AccessLogSettings("stdout", Format.JSON, null, 1.0, DEFAULT_QUEUE);
    }

    public boolean enabled() {
      return destination != null;
    }
  }

  /**
   * @param otlpEndpoint the OTLP/HTTP traces endpoint ({@code http://collector:4318/v1/traces}), or null: no export
   * @param headers      headers sent with every export (an API key, say); never logged
   * @param serviceName  the {@code service.name} of the spans
   * @param sampleRatio  the share of traces this proxy starts that are sampled (exported, and marked
   *                     sampled upstream); a traceparent that arrives keeps its own decision
   */
  public record TracingSettings(URI otlpEndpoint, Map<String, String> headers, String serviceName, double sampleRatio) {

    public static final String DEFAULT_SERVICE = "portcullis-data-plane";
    public static final TracingSettings OFF = new TracingSettings(null, Map.of(), DEFAULT_SERVICE, 1.0);

    public TracingSettings {
      headers = headers == null ? Map.of() : Map.copyOf(headers);
      serviceName = serviceName == null || serviceName.isBlank() ? DEFAULT_SERVICE : serviceName;
      if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
        throw new IllegalArgumentException("the trace sample ratio must be between 0 and 1, was " + sampleRatio);
      }
      if (otlpEndpoint != null && !("http".equalsIgnoreCase(otlpEndpoint.getScheme())
          || "https".equalsIgnoreCase(otlpEndpoint.getScheme()))) {
        throw new IllegalArgumentException("the OTLP endpoint must be an http:// or https:// URL, was "
            + withoutUserInfo(otlpEndpoint));
      }
      if (otlpEndpoint != null && (otlpEndpoint.getHost() == null || otlpEndpoint.getHost().isEmpty())) {
        throw new IllegalArgumentException("the OTLP endpoint must name a host (http://collector:4318/v1/traces), was "
            + withoutUserInfo(otlpEndpoint));
      }
    }

    public boolean enabled() {
      return otlpEndpoint != null;
    }

    /** Never shows the headers' values: they may hold credentials. */
    @Override
    public String toString() {
      return "TracingSettings[otlpEndpoint=" + withoutUserInfo(otlpEndpoint) + ", headers=" + headers.keySet() + ", serviceName="
          + serviceName + ", sampleRatio=" + sampleRatio + "]";
    }
  }

  /** A URL as it may be shown: without the user and password it may carry. */
  static String withoutUserInfo(URI uri) {
    if (uri == null || uri.getRawUserInfo() == null) {
      return String.valueOf(uri);
    }
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
        + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }
}
