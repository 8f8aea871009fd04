package dev.portcullis.dataplane.observability;

import java.util.List;

/**
 * The OTLP/JSON form of an {@code ExportTraceServiceRequest} (opentelemetry-proto's JSON mapping:
 * ids in hex, 64-bit integers as strings, enums as numbers), one SERVER span per request with the
 * HTTP semantic conventions' attributes and the route's and upstream's.
 */
final class OtlpJson {

  static final String SCOPE = "dev.portcullis.dataplane";
  /** opentelemetry-proto Span.SpanKind SPAN_KIND_SERVER. */
  static final int KIND_SERVER = 2;
  /** Status.StatusCode STATUS_CODE_ERROR. */
  static final int STATUS_ERROR = 2;

  private OtlpJson() {}

  static String request(String resource, List<RequestRecord> spans) {
    StringBuilder b = new StringBuilder(256 + spans.size() * 700);
    b.append("{\"resourceSpans\":[{\"resource\":").append(resource)
        .append(",\"scopeSpans\":[{\"scope\":{\"name\":\"").append(SCOPE).append("\"},\"spans\":[");
    for (int i = 0; i < spans.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      span(b, spans.get(i));
    }
    return b.append("]}]}]}").toString();
  }

  static void span(StringBuilder b, RequestRecord r) {
    long startNanos = r.startMillis * 1_000_000L;
    long endNanos = startNanos + r.durationNanos;
    String route = r.routeName();
    b.append("{\"traceId\":\"").append(Traceparent.traceId(r.traceHi, r.traceLo))
        .append("\",\"spanId\":\"").append(Traceparent.spanId(r.spanId)).append('"');
    if (r.parentSpanId != 0) {
      b.append(",\"parentSpanId\":\"").append(Traceparent.spanId(r.parentSpanId)).append('"');
    }
    b.append(",\"name\":");
    string(b, (r.method == null ? "HTTP" : r.method) + (route == null ? "" : " " + route));
    b.append(",\"kind\":").append(KIND_SERVER)
        .append(",\"startTimeUnixNano\":\"").append(startNanos)
        .append("\",\"endTimeUnixNano\":\"").append(endNanos).append("\",\"attributes\":[");
    int n = 0;
    n = attr(b, n, "http.request.method", r.method);
    n = attr(b, n, "url.scheme", r.scheme);
    n = attr(b, n, "url.path", AccessLogFormat.cut(r.path, 2048));
    n = attr(b, n, "server.address", serverAddress(r.host));
    n = attr(b, n, "network.protocol.version", version(r.protocol));
    n = attr(b, n, "client.address", r.client);
    n = attr(b, n, "user_agent.original", AccessLogFormat.cut(r.userAgent, 512));
    n = intAttr(b, n, "http.response.status_code", r.status);
    n = intAttr(b, n, "http.request.body.size", r.bytesIn);
    n = intAttr(b, n, "http.response.body.size", r.bytesOut);
    n = attr(b, n, "portcullis.route", route);
    n = attr(b, n, "portcullis.cluster", r.clusterName());
    n = attr(b, n, "portcullis.upstream.address", AccessLogFormat.address(r.upstream));
    if (r.upstreamDurationNanos >= 0) {
      n = intAttr(b, n, "portcullis.upstream.duration_ns", r.upstreamDurationNanos);
    }
    n = intAttr(b, n, "portcullis.upstream.attempts", r.attempts);
    attr(b, n, "portcullis.cache", AccessLogFormat.cacheResult(r));
    b.append(']');
    if (r.status >= 500) {
      b.append(",\"status\":{\"code\":").append(STATUS_ERROR).append('}');
    }
    b.append('}');
  }

  private static String serverAddress(String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    int colon = host.lastIndexOf(':');
    return colon > 0 && colon > host.lastIndexOf(']') ? host.substring(0, colon) : host;
  }

  private static String version(String protocol) {
    if (protocol == null) {
      return null;
    }
    return protocol.equals("HTTP/2.0") ? "2" : protocol.substring(protocol.indexOf('/') + 1);
  }

  static void attribute(StringBuilder b, String key, String value) {
    b.append("{\"key\":");
    string(b, key);
    b.append(",\"value\":{\"stringValue\":");
    string(b, value);
    b.append("}}");
  }

  private static int attr(StringBuilder b, int n, String key, String value) {
    if (value == null) {
      return n;
    }
    if (n > 0) {
      b.append(',');
    }
    attribute(b, key, value);
    return n + 1;
  }

  private static int intAttr(StringBuilder b, int n, String key, long value) {
    if (n > 0) {
      b.append(',');
    }
    b.append("{\"key\":");
    string(b, key);
    b.append(",\"value\":{\"intValue\":\"").append(value).append("\"}}");
    return n + 1;
  }

  static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('"');
  }
}
