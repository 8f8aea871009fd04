package dev.portcullis.dataplane.cache;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A stored response (RFC 9111 section 3): status, header fields as received (less those a cache
 * must not store), body, the times of its request and response, and the request header values its
 * Vary names. Immutable; a 304 makes a new one.
 */
public final class CachedResponse {

  /** Header fields a cache does not store (hop-by-hop, and those specific to a proxy). */
  static final Set<String> NOT_STORED = Set.of("connection", "keep-alive", "proxy-connection", "te",
      "transfer-encoding", "upgrade", "trailer", "proxy-authenticate", "proxy-authentication-info",
      "proxy-authorization");
  /** Header fields a 304 does not update (RFC 9111 section 3.2, and what the stored body depends on). */
  static final Set<String> NOT_UPDATED = Set.of("content-length", "content-encoding", "content-range",
      "content-md5", "etag", "transfer-encoding");

  /** Statuses a cache may give heuristic freshness (RFC 9110 section 15.1). */
  static final Set<Integer> HEURISTIC = Set.of(200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501);
  /** Heuristic freshness is this share of the time since Last-Modified, up to a day. */
  static final double HEURISTIC_FRACTION = 0.1;
  static final long HEURISTIC_MAX_MS = 86_400_000L;

  /** Which route (and key header values) the response belongs to within its URI. */
  final String subKey;
  final int status;
  final String statusMessage;
  final List<Map.Entry<String, String>> headers;
  final Buffer body;
  final long requestTime;
  final long responseTime;
  final List<String> varyNames;
  final List<String> varyValues;
  final boolean varyStar;
  /** Filled in by the cache: bytes it weighs. */
  final int weight;

  final CacheControl cc;
  final long dateValue;
  /** Age received, in seconds; -1 when the Age header is invalid (the response is then stale). */
  final long ageValue;
  final long freshnessLifetimeMs;
  final String etag;
  final String lastModified;

  CachedResponse(String subKey, int status, String statusMessage, List<Map.Entry<String, String>> headers,
      Buffer body, long requestTime, long responseTime, List<String> varyNames, List<String> varyValues,
      long defaultTtlMs) {
    this.subKey = subKey;
    this.status = status;
    this.statusMessage = statusMessage;
    this.headers = List.copyOf(headers);
    this.body = body;
    this.requestTime = requestTime;
    this.responseTime = responseTime;
    this.varyNames = varyNames;
    this.varyValues = varyValues;
    this.varyStar = varyNames.contains("*");
    this.cc = targeted(this.headers);
    Long date = HttpDate.parse(first("date"));
    this.dateValue = date == null ? responseTime : date;
    this.ageValue = age(this.headers);
    this.etag = first("etag");
    this.lastModified = first("last-modified");
    this.freshnessLifetimeMs = lifetime(defaultTtlMs);
    int w = 256 + subKey.length() + (body == null ? 0 : body.length());
    for (Map.Entry<String, String> h : this.headers) {
      w += h.getKey().length() + h.getValue().length() + 32;
    }
    this.weight = w;
  }

  /** The stored header fields of a response (what a cache keeps of it). */
  static List<Map.Entry<String, String>> storable(MultiMap headers) {
    String connection = headers.get("connection");
    List<Map.Entry<String, String>> out = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (NOT_STORED.contains(name)) {
        continue;
      }
      if (connection != null && listed(connection, name)) {
        continue;
      }
      out.add(Map.entry(h.getKey(), h.getValue()));
    }
    return out;
  }

  static boolean listed(String list, String name) {
    for (String item : list.split(",")) {
      if (item.trim().equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  String first(String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  List<String> all(String name) {
    List<String> out = new ArrayList<>(1);
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        out.add(h.getValue());
      }
    }
    return out;
  }

  /**
   * The directives that govern this cache: CDN-Cache-Control when present (RFC 9213, a cache
   * targeted by it), else Cache-Control.
   */
  private static CacheControl targeted(List<Map.Entry<String, String>> headers) {
    List<String> cdn = new ArrayList<>();
    List<String> cc = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase("cdn-cache-control")) {
        cdn.add(h.getValue());
      } else if (h.getKey().equalsIgnoreCase("cache-control")) {
        cc.add(h.getValue());
      }
    }
    CacheControl targeted = CacheControl.parse(cdn);
    return targeted.isEmpty() ? CacheControl.parse(cc) : targeted;
  }

  /** The Age received: one field line of digits only; anything else is invalid (-1). */
  private static long age(List<Map.Entry<String, String>> headers) {
    String value = null;
    int lines = 0;
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase("age")) {
        lines++;
        value = h.getValue();
      }
    }
    if (lines == 0) {
      return 0;
    }
    if (lines > 1) {
      return -1;
    }
    return CacheControl.deltaSeconds(value.trim());
  }

  /** RFC 9111 section 4.2.1, for a shared cache. */
  private long lifetime(long defaultTtlMs) {
    long s = cc.seconds("s-maxage");
    if (s >= 0) {
      return s * 1000;
    }
    long m = cc.seconds("max-age");
    if (m >= 0) {
      return m * 1000;
    }
    if (cc.has("max-age") || cc.has("s-maxage")) {
      return 0; // present but invalid: stale
    }
    List<String> expires = all("expires");
    if (!expires.isEmpty()) {
      Long e = expires.size() == 1 ? HttpDate.parse(expires.get(0)) : null;
      return e == null ? 0 : Math.max(0, e - dateValue);
    }
    if (defaultTtlMs > 0) {
      return defaultTtlMs;
    }
    if (HEURISTIC.contains(status) || cc.has("public")) {
      Long lm = HttpDate.parse(lastModified);
      if (lm != null && lm < dateValue) {
        return Math.min(HEURISTIC_MAX_MS, (long) ((dateValue - lm) * HEURISTIC_FRACTION));
      }
    }
    return 0;
  }

  /** True when freshness was given by the response (or the route's default), not guessed. */
  boolean explicitFreshness() {
    return cc.seconds("s-maxage") >= 0 || cc.seconds("max-age") >= 0 || !all("expires").isEmpty();
  }

  /** RFC 9111 section 4.2.3: the current age in milliseconds. */
  long currentAgeMs(long now) {
    long apparent = Math.max(0, responseTime - dateValue);
    long responseDelay = responseTime - requestTime;
    long correctedAge = (ageValue < 0 ? 0 : ageValue * 1000) + responseDelay;
    long correctedInitial = Math.max(apparent, correctedAge);
    return correctedInitial + (now - responseTime);
  }

  /** Milliseconds of freshness left (negative when stale); an invalid Age makes it stale. */
  public long freshnessLeftMs(long now) {
    if (ageValue < 0) {
      return -1;
    }
    return freshnessLifetimeMs - currentAgeMs(now);
  }

  public String etag() {
    return etag;
  }

  public String lastModified() {
    return lastModified;
  }

  boolean hasValidator() {
    return etag != null || lastModified != null;
  }

  /** A copy with the header fields of a 304 merged in (RFC 9111 section 3.2), and new times. */
  CachedResponse updatedBy(MultiMap notModified, long requestTime, long responseTime, long defaultTtlMs) {
    List<Map.Entry<String, String>> fresh = storable(notModified);
    java.util.Set<String> replaced = new java.util.HashSet<>();
    for (Map.Entry<String, String> h : fresh) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (!NOT_UPDATED.contains(name)) {
        replaced.add(name);
      }
    }
    List<Map.Entry<String, String>> merged = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      if (!replaced.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        merged.add(h);
      }
    }
    for (Map.Entry<String, String> h : fresh) {
      if (replaced.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        merged.add(h);
      }
    }
    return new CachedResponse(subKey, status, statusMessage, merged, body, requestTime, responseTime, varyNames,
        varyValues, defaultTtlMs);
  }
}
