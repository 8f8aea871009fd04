package dev.portcullis.dataplane.cache;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parsed Cache-Control directives (RFC 9111 section 5.2): names are case-insensitive, values
 * are tokens or quoted strings, and when a directive appears more than once its first occurrence
 * counts. Commas inside quoted strings do not split directives.
 */
public final class CacheControl {

  /** Delta-seconds above this are taken as this (RFC 9111 section 1.2.2). */
  public static final long MAX_DELTA_SECONDS = 2147483648L;

  public static final CacheControl NONE = new CacheControl(Map.of());

  private final Map<String, String> directives;

  private CacheControl(Map<String, String> directives) {
    this.directives = directives;
  }

  /** Parses every field line of the header (null or empty: no directives). */
  public static CacheControl parse(List<String> lines) {
    if (lines == null || lines.isEmpty()) {
      return NONE;
    }
    Map<String, String> d = new HashMap<>();
    for (String line : lines) {
      parseLine(line, d);
    }
    return d.isEmpty() ? NONE : new CacheControl(d);
  }

  private static void parseLine(String s, Map<String, String> into) {
    int i = 0;
    int n = s.length();
    while (i < n) {
      while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == ',')) {
        i++;
      }
      int start = i;
      while (i < n && s.charAt(i) != '=' && s.charAt(i) != ',') {
        i++;
      }
      String name = s.substring(start, i).trim().toLowerCase(Locale.ROOT);
      String value = "";
      boolean valid = !name.isEmpty() && isToken(name);
      if (i < n && s.charAt(i) == '=') {
        i++;
        if (i < n && s.charAt(i) == '"') {
          StringBuilder v = new StringBuilder();
          i++;
          boolean closed = false;
          while (i < n) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < n) {
              v.append(s.charAt(i + 1));
              i += 2;
              continue;
            }
            if (c == '"') {
              closed = true;
              i++;
              break;
            }
            v.append(c);
            i++;
          }
          value = v.toString();
          valid &= closed;
          // skip to the next comma
          while (i < n && s.charAt(i) != ',') {
            if (s.charAt(i) != ' ' && s.charAt(i) != '\t') {
              valid = false;
            }
            i++;
          }
        } else {
          int vs = i;
          while (i < n && s.charAt(i) != ',') {
            i++;
          }
          value = s.substring(vs, i);
          if (value.isEmpty() || value.charAt(0) == ' ' || value.charAt(0) == '\t') {
            valid = false; // "max-age= 3600"
          }
          value = value.trim();
        }
      }
      if (valid && name.indexOf(' ') < 0) {
        into.putIfAbsent(name, value);
      }
    }
  }

  private static boolean isToken(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
  }

  public boolean has(String directive) {
    return directives.containsKey(directive);
  }

  public boolean isEmpty() {
    return directives.isEmpty();
  }

  /**
   * A delta-seconds directive's value, or -1 when absent or not a valid number. Values too big are
   * capped at 2^31.
   */
  public long seconds(String directive) {
    String v = directives.get(directive);
    return v == null ? -1 : deltaSeconds(v);
  }

  /** True if the directive is present without a usable number (for max-stale: any staleness). */
  public boolean hasWithoutValue(String directive) {
    String v = directives.get(directive);
    return v != null && v.isEmpty();
  }

  /** The field names a qualified no-cache or private lists, or null for the unqualified form. */
  public List<String> fieldNames(String directive) {
    String v = directives.get(directive);
    if (v == null || v.isEmpty()) {
      return null;
    }
    return java.util.Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty())
        .map(x -> x.toLowerCase(Locale.ROOT)).toList();
  }

  static long deltaSeconds(String v) {
    if (v.isEmpty() || v.length() > 40) {
      return -1;
    }
    for (int i = 0; i < v.length(); i++) {
      if (v.charAt(i) < '0' || v.charAt(i) > '9') {
        return -1;
      }
    }
    // strip leading zeros, then compare lengths to avoid overflow
    int i = 0;
    while (i < v.length() - 1 && v.charAt(i) == '0') {
      i++;
    }
    String digits = v.substring(i);
    if (digits.length() > 10) {
      return MAX_DELTA_SECONDS;
    }
    return Math.min(Long.parseLong(digits), MAX_DELTA_SECONDS);
  }

  @Override
  public String toString() {
    return directives.toString();
  }
}
