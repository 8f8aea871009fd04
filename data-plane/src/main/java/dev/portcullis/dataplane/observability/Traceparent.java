package dev.portcullis.dataplane.observability;

import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context ({@code traceparent}, version 00): parsing into longs and writing back, so a
 * request carries its trace as four numbers and a string is made only for the upstream header.
 *
 * <pre>traceparent: 00-{trace-id: 32 hex}-{parent-id: 16 hex}-{flags: 2 hex}</pre>
 */
public final class Traceparent {

  /** Its length in version 00. */
  static final int LENGTH = 55;
  /** The sampled flag: the caller may have recorded the trace, and asks the callee to. */
  public static final int SAMPLED = 1;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Traceparent() {}

  /**
   * Reads a traceparent into {@code out}: trace id high and low, parent span id, flags. False when
   * it is absent or invalid (then, by the specification, tracestate is not to be trusted either).
   * A version above 00 is read as 00 where it can be, as the specification asks; version ff and
   * all-zero ids are invalid.
   */
  public static boolean parse(String header, long[] out) {
    if (header == null) {
      return false;
    }
    String h = header.trim();
    if (h.length() < LENGTH || h.charAt(2) != '-' || h.charAt(35) != '-' || h.charAt(52) != '-') {
      return false;
    }
    int version = hex(h, 0, 2);
    if (version < 0 || version == 0xff || (version == 0 && h.length() != LENGTH)
        || (h.length() > LENGTH && h.charAt(LENGTH) != '-')) {
      return false;
    }
    long hi = hex64(h, 3);
    long lo = hex64(h, 19);
    long parent = hex64(h, 36);
    int flags = hex(h, 53, 55);
    if (!valid(h, 3, 35) || !valid(h, 36, 52) || flags < 0 || (hi == 0 && lo == 0) || parent == 0) {
      return false;
    }
    out[0] = hi;
    out[1] = lo;
    out[2] = parent;
    out[3] = flags;
    return true;
  }

  /** A random non-zero 64-bit id. */
  public static long randomId() {
    long id;
    do {
      id = ThreadLocalRandom.current().nextLong();
    } while (id == 0);
    return id;
  }

  /** The traceparent header value for a trace, naming {@code spanId} as the parent of the next hop. */
  public static String format(long traceHi, long traceLo, long spanId, int flags) {
    char[] c = new char[LENGTH];
    c[0] = '0';
    c[1] = '0';
    c[2] = '-';
    hex(traceHi, c, 3);
    hex(traceLo, c, 19);
    c[35] = '-';
    hex(spanId, c, 36);
    c[52] = '-';
    c[53] = HEX[(flags >> 4) & 0xf];
    c[54] = HEX[flags & 0xf];
    return new String(c);
  }

  /** 32 hex digits of a trace id. */
  public static String traceId(long hi, long lo) {
    char[] c = new char[32];
    hex(hi, c, 0);
    hex(lo, c, 16);
    return new String(c);
  }

  /** 16 hex digits of a span id. */
  public static String spanId(long id) {
    char[] c = new char[16];
    hex(id, c, 0);
    return new String(c);
  }

  private static void hex(long v, char[] out, int at) {
    for (int i = 15; i >= 0; i--) {
      out[at + i] = HEX[(int) (v & 0xf)];
      v >>>= 4;
    }
  }

  /** Lower-case hex only: the specification refuses upper case. */
  private static boolean valid(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char ch = s.charAt(i);
      if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static long hex64(String s, int from) {
    long v = 0;
    for (int i = from; i < from + 16; i++) {
      v = (v << 4) | Character.digit(s.charAt(i), 16);
    }
    return v;
  }

  private static int hex(String s, int from, int to) {
    if (!valid(s, from, to)) {
      return -1;
    }
    return Integer.parseInt(s, from, to, 16);
  }
}
