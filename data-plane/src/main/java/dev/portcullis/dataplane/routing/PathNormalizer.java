package dev.portcullis.dataplane.routing;

/**
 * Normalises a request path before routing, as RFC 3986 section 6.2.2 describes: percent-encoded
 * unreserved characters are decoded, other escapes upper-cased, and dot segments removed. Routing
 * and the upstream then see the same path, so {@code /public/../admin} cannot reach a route that
 * {@code /admin} would not. Encoded slashes ({@code %2F}) stay encoded: they are data, not structure.
 *
 * <p>Beyond RFC 3986, closing the gaps between what the proxy routes on and what common backends
 * act on: runs of slashes are merged (as nginx does by default), a backslash is refused (some
 * servers read it as a slash), and so is a dot segment with parameters ({@code /..;/}, which
 * Tomcat and Spring read as {@code /../}), and so is a dot segment behind an encoded slash or a
 * doubly encoded dot or slash (see {@code hasHiddenDotSegment}). {@link #routingPath} drops path parameters
 * ({@code ;jsessionid=...}) for routing only.
 */
public final class PathNormalizer {
  private PathNormalizer() {}

  /**
   * The normalised path (the same instance when nothing changes), or null when the path is not a
   * valid absolute path: it must start with '/', escapes must be well-formed, and no raw control
   * characters, spaces, '#', '\\' or non-ASCII characters are allowed, nor dot segments with
   * parameters.
   */
  public static String normalize(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    boolean simple = true;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '#' || c == '\\') {
        return null;
      }
      if (c == '%' || (c == '.' && path.charAt(i - 1) == '/') || (c == '/' && i > 0 && path.charAt(i - 1) == '/')) {
        simple = false;
      }
    }
    if (simple) {
      return path;
    }
    String decoded = decodeUnreserved(path);
    if (decoded == null) {
      return null;
    }
    if (hasDotSegmentWithParameters(decoded) || hasHiddenDotSegment(decoded)) {
      return null;
    }
    String result = removeDotSegments(mergeSlashes(decoded));
    return result.equals(path) ? path : result;
  }

  /** The path without path parameters ({@code /a;x=1/b} routes as {@code /a/b}). */
  public static String routingPath(String normalized) {
    if (normalized.indexOf(';') < 0) {
      return normalized;
    }
    StringBuilder sb = new StringBuilder(normalized.length());
    boolean skipping = false;
    for (int i = 0; i < normalized.length(); i++) {
      char c = normalized.charAt(i);
      if (c == '/') {
        skipping = false;
      } else if (c == ';') {
        skipping = true;
      }
      if (!skipping) {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /**
   * True when a dot segment hides behind an encoded slash or backslash ({@code /..%2F},
   * {@code %5C..}), which a backend that decodes them reads as {@code /../}, or when a dot, slash
   * or backslash is encoded twice ({@code %252e}), which a backend that decodes twice reads so.
   * The proxy keeps encoded slashes as data, so it would route such a path where the backend
   * does not go: refused instead.
   */
  private static boolean hasHiddenDotSegment(String path) {
    if (path.indexOf('%') < 0) {
      return false;
    }
    String lower = path.toLowerCase(java.util.Locale.ROOT);
    if (lower.contains("%252e") || lower.contains("%252f") || lower.contains("%255c")) {
      return true;
    }
    if (!lower.contains("%2f") && !lower.contains("%5c")) {
      return false;
    }
    for (String segment : lower.split("/", -1)) {
      if (!segment.contains("%2f") && !segment.contains("%5c")) {
        continue; // a plain dot segment here is removed like any other
      }
      for (String part : segment.replace("%5c", "%2f").split("%2f", -1)) {
        int semi = part.indexOf(';');
        String p = semi < 0 ? part : part.substring(0, semi);
        if (p.equals(".") || p.equals("..")) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean hasDotSegmentWithParameters(String path) {
    int i = path.indexOf("/.");
    while (i >= 0) {
      int j = i + 2;
      if (j < path.length() && path.charAt(j) == '.') {
        j++;
      }
      if (j < path.length() && path.charAt(j) == ';') {
        return true;
      }
      i = path.indexOf("/.", i + 1);
    }
    return false;
  }

  private static String mergeSlashes(String path) {
    if (path.indexOf("//") < 0) {
      return path;
    }
    StringBuilder sb = new StringBuilder(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '/' && sb.length() > 0 && sb.charAt(sb.length() - 1) == '/') {
        continue;
      }
      sb.append(c);
    }
    return sb.toString();
  }

  private static String decodeUnreserved(String path) {
    StringBuilder sb = new StringBuilder(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c != '%') {
        sb.append(c);
        continue;
      }
      if (i + 2 >= path.length()) {
        return null;
      }
      int hi = Character.digit(path.charAt(i + 1), 16);
      int lo = Character.digit(path.charAt(i + 2), 16);
      if (hi < 0 || lo < 0) {
        return null;
      }
      char decoded = (char) (hi * 16 + lo);
      if (isUnreserved(decoded)) {
        sb.append(decoded);
      } else {
        sb.append('%').append(Character.toUpperCase(path.charAt(i + 1))).append(Character.toUpperCase(path.charAt(i + 2)));
      }
      i += 2;
    }
    return sb.toString();
  }

  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  /** RFC 3986 5.2.4 for an absolute path; never climbs above the root. */
  static String removeDotSegments(String path) {
    if (path.indexOf("/.") < 0) {
      return path;
    }
    String[] segments = path.substring(1).split("/", -1);
    String[] out = new String[segments.length];
    int n = 0;
    boolean trailingSlash = false;
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      boolean last = i == segments.length - 1;
      if (s.equals(".")) {
        trailingSlash = last;
      } else if (s.equals("..")) {
        if (n > 0) {
          n--;
        }
        trailingSlash = last;
      } else {
        out[n++] = s;
        trailingSlash = false;
      }
    }
    StringBuilder sb = new StringBuilder(path.length());
    for (int i = 0; i < n; i++) {
      sb.append('/').append(out[i]);
    }
    if (trailingSlash || sb.length() == 0) {
      sb.append('/');
    }
    return sb.toString();
  }
}
