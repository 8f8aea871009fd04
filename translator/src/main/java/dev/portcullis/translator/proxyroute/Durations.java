package dev.portcullis.translator.proxyroute;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Gateway API durations: 1 to 4 parts of 1-5 digits with h, m, s or ms, e.g. {@code 1h30m}, {@code 500ms}. */
public final class Durations {
  private Durations() {}

  private static final Pattern WHOLE = Pattern.compile(dev.portcullis.api.v1alpha1.Timeouts.DURATION);
  private static final Pattern PART = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");

  /** Milliseconds, or -1 when the text is not a duration. */
  public static long millis(String text) {
    if (text == null || !WHOLE.matcher(text).matches()) {
      return -1;
    }
    long total = 0;
    Matcher m = PART.matcher(text);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      total += switch (m.group(2)) {
        case "h" -> n * 3_600_000;
        case "m" -> n * 60_000;
        case "s" -> n * 1000;
        default -> n;
      };
    }
    return total;
  }
}
