package dev.portcullis.dataplane.cache;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * HTTP dates (RFC 9110 section 5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms a
 * recipient must also accept. Anything else is invalid (null).
 */
public final class HttpDate {
  private HttpDate() {}

  private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
      "Nov", "Dec"};
  private static final DateTimeFormatter IMF = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
      Locale.US).withZone(ZoneOffset.UTC);

  /** Epoch milliseconds, or null when the value is not an HTTP date. */
  public static Long parse(String value) {
    if (value == null) {
      return null;
    }
    String s = value.trim();
    try {
      // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
      if (s.length() == 29 && s.charAt(3) == ',' && s.endsWith(" GMT")) {
        return epoch(num(s, 12, 4), month(s.substring(8, 11)), num(s, 5, 2), num(s, 17, 2), num(s, 20, 2),
            num(s, 23, 2));
      }
      // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
      int comma = s.indexOf(", ");
      if (comma > 0 && s.endsWith(" GMT") && s.length() == comma + 2 + 22 && s.charAt(comma + 4) == '-') {
        int b = comma + 2;
        int yy = num(s, b + 7, 2);
        int year = yy + (yy < 70 ? 2000 : 1900);
        return epoch(year, month(s.substring(b + 3, b + 6)), num(s, b, 2), num(s, b + 10, 2), num(s, b + 13, 2),
            num(s, b + 16, 2));
      }
      // asctime: Sun Nov  6 08:49:37 1994
      if (s.length() == 24 && s.charAt(3) == ' ' && s.charAt(7) == ' ') {
        String day = s.substring(8, 10).trim();
        return epoch(num(s, 20, 4), month(s.substring(4, 7)), Integer.parseInt(day), num(s, 11, 2), num(s, 14, 2),
            num(s, 17, 2));
      }
    } catch (RuntimeException e) {
      return null;
    }
    return null;
  }

  private static int num(String s, int at, int len) {
    int v = 0;
    for (int i = at; i < at + len; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException(s);
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static int month(String m) {
    for (int i = 0; i < 12; i++) {
      if (MONTHS[i].equals(m)) {
        return i + 1;
      }
    }
    throw new IllegalArgumentException(m);
  }

  private static long epoch(int year, int month, int day, int hour, int minute, int second) {
    if (hour > 23 || minute > 59 || second > 60) {
      throw new IllegalArgumentException("time");
    }
    return java.time.LocalDateTime.of(year, month, day, hour, minute, Math.min(second, 59))
        .toInstant(ZoneOffset.UTC).toEpochMilli();
  }

  /** IMF-fixdate of an epoch-millisecond time. */
  public static String format(long epochMillis) {
    return IMF.format(Instant.ofEpochMilli(epochMillis));
  }
}
