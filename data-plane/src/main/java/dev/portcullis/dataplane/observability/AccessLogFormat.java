package dev.portcullis.dataplane.observability;

import dev.portcullis.model.Endpoint;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An access log line from a {@link RequestRecord}: one JSON object, or text by a template of
 * {@code $field} placeholders. Runs on the writer's thread, never on an event loop.
 *
 * <p>What is logged, and what never is: the path without its query (query strings carry tokens
 * and personal data), no request or response header but {@code User-Agent} and {@code Host} (so
 * never {@code Authorization}, {@code Cookie} or a client certificate), no body. Long values are
 * cut, and control characters escaped, so a client cannot forge or split lines.
 */
public abstract class AccessLogFormat {

  /** The fields, in the order of a JSON line. */
  static final Map<String, Function<RequestRecord, Object>> FIELDS = new LinkedHashMap<>();

  static {
    FIELDS.put("time", r -> DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(r.startMillis)));
    FIELDS.put("client", r -> r.client);
    FIELDS.put("method", r -> r.method);
    FIELDS.put("scheme", r -> r.scheme);
    FIELDS.put("host", r -> cut(r.host, 256));
    FIELDS.put("path", r -> cut(r.path, 2048));
    FIELDS.put("protocol", r -> r.protocol);
    FIELDS.put("status", r -> r.status);
    FIELDS.put("bytes_in", r -> r.bytesIn);
    FIELDS.put("bytes_out", r -> r.bytesOut);
    FIELDS.put("duration_ms", r -> new Millis(r.durationNanos));
    FIELDS.put("route", r -> r.routeName());
    FIELDS.put("cluster", r -> r.clusterName());
    FIELDS.put("upstream", r -> address(r.upstream));
    FIELDS.put("upstream_duration_ms", r -> r.upstreamDurationNanos < 0 ? null : new Millis(r.upstreamDurationNanos));
    FIELDS.put("attempts", r -> r.attempts);
    FIELDS.put("cache", r -> cacheResult(r));
    FIELDS.put("trace_id", r -> Traceparent.traceId(r.traceHi, r.traceLo));
    FIELDS.put("span_id", r -> Traceparent.spanId(r.spanId));
    FIELDS.put("user_agent", r -> cut(r.userAgent, 512));
  }

  /** The text format's default: nginx's "combined" first, then what a proxy adds. */
  public static final String DEFAULT_TEMPLATE = "$client - - [$time] \"$method $path $protocol\" $status $bytes_out "
      + "\"$user_agent\" $duration_ms $host $route $upstream $upstream_duration_ms $cache $trace_id";

  /** Appends one line (with its newline) for the record. */
  abstract void append(RequestRecord record, StringBuilder out);

  public static AccessLogFormat json() {
    return new Json();
  }

  /**
   * A text format.
   *
   * @throws IllegalArgumentException naming a placeholder that is not a field
   */
  public static AccessLogFormat text(String template) {
    return new Text(template == null ? DEFAULT_TEMPLATE : template);
  }

  /** The names a template may use. */
  public static List<String> fields() {
    return List.copyOf(FIELDS.keySet());
  }

  /** A duration in milliseconds with three decimals, written without a double's rounding noise. */
  record Millis(long nanos) {
    @Override
    public String toString() {
      long micros = nanos / 1000;
      long whole = micros / 1000;
      long frac = micros % 1000;
      return whole + "." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + frac;
    }
  }

  static String address(Endpoint e) {
    if (e == null) {
      return null;
    }
    String a = e.address();
    return (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":" + e.port();
  }

  /** The cache's part in the answer, from the Cache-Status the response carried. */
  static String cacheResult(RequestRecord r) {
    if (r.route == null || r.route.cache() == null) {
      return null;
    }
    String s = r.cacheStatus;
    if (s == null) {
      return "bypass";
    }
    if (s.contains("fwd=stale") && s.contains("fwd-status=304")) {
      return "revalidated";
    }
    if (s.contains("; hit")) {
      return s.contains("fwd=stale") ? "stale" : "hit";
    }
    return "miss";
  }

  static String cut(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max) + "...";
  }

  private static final class Json extends AccessLogFormat {
    @Override
    void append(RequestRecord record, StringBuilder out) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, Function<RequestRecord, Object>> f : FIELDS.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        out.append('"').append(f.getKey()).append("\":");
        Object v = f.getValue().apply(record);
        if (v == null) {
          out.append("null");
        } else if (v instanceof Number || v instanceof Millis) {
          out.append(v);
        } else {
          string(v.toString(), out);
        }
      }
      out.append("}\n");
    }

    private static void string(String s, StringBuilder out) {
      out.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          default -> {
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) || (c >= 0x80 && c < 0xa0)) {
              out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
              out.append(c);
            }
          }
        }
      }
      out.append('"');
    }
  }

  private static final class Text extends AccessLogFormat {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$([a-z_]+)");
    /** Literal text and field readers, in turn. */
    private final List<Object> parts = new ArrayList<>();

    Text(String template) {
      Matcher m = PLACEHOLDER.matcher(template);
      int at = 0;
      while (m.find()) {
        Function<RequestRecord, Object> field = FIELDS.get(m.group(1));
        if (field == null) {
          throw new IllegalArgumentException("the access log template names $" + m.group(1)
              + ", which is not a field; fields: " + String.join(", ", FIELDS.keySet()));
        }
        parts.add(template.substring(at, m.start()));
        parts.add(field);
        at = m.end();
      }
      parts.add(template.substring(at));
    }

    @Override
    @SuppressWarnings("unchecked")
    void append(RequestRecord record, StringBuilder out) {
      for (Object p : parts) {
        if (p instanceof String literal) {
          out.append(literal);
        } else {
          Object v = ((Function<RequestRecord, Object>) p).apply(record);
          if (v == null) {
            out.append('-');
          } else {
            escape(v.toString(), out);
          }
        }
      }
      out.append('\n');
    }

    /** As nginx escapes variables: quotes, backslashes and control characters as \xHH. */
    private static void escape(String s, StringBuilder out) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
          out.append(String.format(Locale.ROOT, "\\x%02X", (int) c));
        } else {
          out.append(c);
        }
      }
    }
  }
}
