package dev.portcullis.dataplane.proxy;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import java.util.Iterator;
import java.util.Map;

/** Which headers a proxy must not pass on (RFC 9110 section 7.6.1), checked without allocating. */
final class Headers {
  private Headers() {}

  /** Hop-by-hop and proxy-owned request headers: never forwarded as received. */
  static boolean skipOnRequest(CharSequence name) {
    if (name.length() == 0 || name.charAt(0) == ':') {
      return true;
    }
    switch (name.length()) {
      case 2:
        return eq(name, "te");
      case 4:
        return eq(name, "host");
      case 6:
        return eq(name, "expect");
      case 7:
        return eq(name, "upgrade") || eq(name, "trailer");
      case 9:
        return eq(name, "forwarded") || eq(name, "x-real-ip");
      case 10:
        return eq(name, "connection") || eq(name, "keep-alive");
      case 15:
        // ssl-client-*: the proxy's word on the client certificate; a client's own is a forgery.
        return eq(name, "x-forwarded-for") || eq(name, "ssl-client-cert");
      case 16:
        return eq(name, "proxy-connection") || eq(name, "x-forwarded-host") || eq(name, "x-forwarded-port");
      case 17:
        return eq(name, "transfer-encoding") || eq(name, "x-forwarded-proto") || eq(name, "ssl-client-verify");
      case 19:
        return eq(name, "proxy-authorization");
      case 20:
        return eq(name, "ssl-client-issuer-dn");
      case 21:
        return eq(name, "ssl-client-subject-dn");
      default:
        return false;
    }
  }

  /** Hop-by-hop response headers. */
  static boolean skipOnResponse(CharSequence name) {
    if (name.length() == 0 || name.charAt(0) == ':') {
      return true;
    }
    switch (name.length()) {
      case 2:
        return eq(name, "te");
      case 7:
        return eq(name, "upgrade") || eq(name, "trailer");
      case 10:
        return eq(name, "connection") || eq(name, "keep-alive");
      case 16:
        return eq(name, "proxy-connection");
      case 17:
        return eq(name, "transfer-encoding");
      case 18:
        return eq(name, "proxy-authenticate");
      default:
        return false;
    }
  }

  /**
   * Response headers that name the upstream's software and version (and so which exploits to
   * try): not passed to clients unless the data plane is told to.
   */
  static boolean identifying(CharSequence name) {
    switch (name.length()) {
      case 6:
        return eq(name, "server");
      case 12:
        return eq(name, "x-powered-by");
      case 16:
        return eq(name, "x-aspnet-version");
      case 19:
        return eq(name, "x-aspnetmvc-version");
      default:
        return false;
    }
  }

  /** Removes the {@link #identifying} headers (from a stored response, say). */
  static void hideIdentity(MultiMap headers) {
    headers.remove("server");
    headers.remove("x-powered-by");
    headers.remove("x-aspnet-version");
    headers.remove("x-aspnetmvc-version");
  }

  /**
   * True if {@code name} is {@code lower} in any case, for a {@code lower} of lower-case letters,
   * digits and dashes (the callers switch on the length first). Cheaper than
   * {@link String#equalsIgnoreCase}, which folds every character by Unicode's rules: setting bit
   * 0x20 makes an ASCII capital its small letter and leaves digits and dashes as they are; the
   * one other character it maps onto one of those (a CR onto the dash) cannot be in a header name.
   */
  private static boolean eq(CharSequence name, String lower) {
    if (name.length() != lower.length()) {
      return false;
    }
    for (int i = 0; i < lower.length(); i++) {
      char c = name.charAt(i);
      char l = lower.charAt(i);
      if (c != l && (c | 0x20) != l) {
        return false;
      }
    }
    return true;
  }

  /**
   * Copies headers, leaving out those {@code skip} names and those the {@code Connection} header
   * lists (which are hop-by-hop by declaration).
   */
  static void copy(MultiMap from, MultiMap to, boolean request) {
    copy(from, to, request, !request);
  }

  /**
   * As {@link #copy(MultiMap, MultiMap, boolean)}, leaving out {@link #identifying} headers when
   * {@code hide}. From Vert.x's own map the names and values are copied as they are held (the
   * request decoder's are views of the bytes read, and are written out again as bytes), not as
   * strings made for the copy.
   */
  static void copy(MultiMap from, MultiMap to, boolean request, boolean hide) {
    String connection = from.get("connection");
    if (from instanceof HeadersMultiMap map) {
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = map.iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> h = it.next();
        CharSequence name = h.getKey();
        if (!skip(name, connection, request, hide)) {
          to.add(name, h.getValue());
        }
      }
      return;
    }
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey();
      if (!skip(name, connection, request, hide)) {
        to.add(name, h.getValue());
      }
    }
  }

  private static boolean skip(CharSequence name, String connection, boolean request, boolean hide) {
    return (request ? skipOnRequest(name) : skipOnResponse(name) || (hide && identifying(name)))
        || (connection != null && listed(connection, name));
  }

  /** True if the comma-separated {@code Connection} value names {@code header}. */
  static boolean listed(String connection, CharSequence header) {
    int i = 0;
    int n = connection.length();
    while (i < n) {
      int comma = connection.indexOf(',', i);
      int end = comma < 0 ? n : comma;
      int s = i;
      int e = end;
      while (s < e && connection.charAt(s) == ' ') {
        s++;
      }
      while (e > s && connection.charAt(e - 1) == ' ') {
        e--;
      }
      if (e - s == header.length() && sameIgnoringCase(connection, s, header)) {
        return true;
      }
      i = end + 1;
    }
    return false;
  }

  /** True if {@code header} is at {@code from} in {@code s}, in any ASCII case (its length checked by the caller). */
  private static boolean sameIgnoringCase(String s, int from, CharSequence header) {
    for (int i = 0; i < header.length(); i++) {
      char a = s.charAt(from + i);
      char b = header.charAt(i);
      if (a != b && AsciiString.toLowerCase(a) != AsciiString.toLowerCase(b)) {
        return false;
      }
    }
    return true;
  }
}
