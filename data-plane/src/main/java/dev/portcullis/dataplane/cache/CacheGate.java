package dev.portcullis.dataplane.cache;

import dev.portcullis.model.RoutePolicies;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * RFC 9111's decisions for one request on a caching route: may a stored response be reused (fresh,
 * or stale where allowed), must it be validated, may the response be stored, and how a stored
 * response is sent (with its Age and a Cache-Status). The proxy does the I/O.
 */
public final class CacheGate {

  /** Identifies this cache in Cache-Status (RFC 9211). */
  public static final String CACHE_NAME = "Portcullis";
  static final Set<Integer> UNDERSTOOD = Set.of(200, 203, 204, 206, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403,
      404, 405, 406, 410, 414, 421, 451, 500, 501, 502, 503, 504);
  static final Set<Integer> ERRORS = Set.of(500, 502, 503, 504);

  private final HttpCache cache;

  public CacheGate(HttpCache cache) {
    this.cache = cache;
  }

  public HttpCache cache() {
    return cache;
  }

  /** What to do with a request. */
  public enum Kind {
    /** Answer from the stored response. */
    HIT,
    /** Answer from the stale stored response, and refresh it in the background. */
    STALE_WHILE_REVALIDATE,
    /** Ask upstream (conditionally when the stored response has validators), then store. */
    FORWARD,
    /** Nothing usable and the client said only-if-cached: 504. */
    ONLY_IF_CACHED,
    /** Not for the cache (method, Range). */
    BYPASS
  }

  /** A decision and what it was based on. */
  public static final class Decision {
    public final Kind kind;
    /** Identifies the request's stored responses for coalescing: URI key and sub-key. */
    public final String key;
    public final String uriKey;
    final String subKey;
    /** The stored response the decision is about (a stale one for FORWARD), or null. */
    public final CachedResponse entry;
    final CacheControl requestCc;
    final RoutePolicies.CachePolicy policy;
    final boolean uriKnown;
    /** Set by the proxy: the time the request went upstream. */
    public long requestTime;
    /** Set by the proxy: this request went upstream for its key, others may wait for it. */
    public boolean leader;
    /**
     * Set by the proxy: the route authenticates its clients, so its responses count as answers to
     * authorized requests (RFC 9111 section 3.5) whatever credential the client used (a cookie, say).
     */
    public boolean authenticated;

    public RoutePolicies.CachePolicy policy() {
      return policy;
    }

    Decision(Kind kind, String subKey, String uriKey, CachedResponse entry, CacheControl requestCc,
        RoutePolicies.CachePolicy policy, boolean uriKnown) {
      this.kind = kind;
      this.subKey = subKey;
      this.key = subKey == null ? uriKey : uriKey + CacheKeys.HEADER_SEPARATOR + subKey;
      this.uriKey = uriKey;
      this.entry = entry;
      this.requestCc = requestCc;
      this.policy = policy;
      this.uriKnown = uriKnown;
    }

    /** True when the upstream request should carry the stored response's validators. */
    public boolean revalidates() {
      return entry != null && entry.hasValidator();
    }

    /** The Cache-Status fwd parameter for a forwarded request. */
    public String forwardReason() {
      if (entry != null) {
        return "stale";
      }
      if (requestCc.has("no-cache")) {
        return "request";
      }
      return uriKnown ? "vary-miss" : "uri-miss";
    }
  }

  /** RFC 9111 section 4: what may be done for this request. */
  public Decision decide(HttpServerRequest request, RoutePolicies.CachePolicy policy, String uriKey,
      String routeName) {
    HttpMethod method = request.method();
    MultiMap headers = request.headers();
    if ((method != HttpMethod.GET && method != HttpMethod.HEAD) || headers.contains(HttpHeaders.UPGRADE)) {
      return new Decision(Kind.BYPASS, null, uriKey, null, CacheControl.NONE, policy, false);
    }
    CacheControl rcc = requestDirectives(headers);
    String key = CacheKeys.subKey(routeName, headers, policy);
    CachedResponse e = cache.lookup(uriKey, key, headers);
    // A range is answered from a fresh stored 200; anything else about it goes to the origin as it is.
    boolean ranged = headers.contains("range");
    if (ranged && (e == null || e.status != 200 || e.freshnessLeftMs(System.currentTimeMillis()) <= 0
        || rcc.has("no-cache") || e.cc.has("no-cache"))) {
      return new Decision(Kind.BYPASS, null, uriKey, null, CacheControl.NONE, policy, false);
    }
    if (e == null) {
      cache.stats().misses.increment();
      boolean known = cache.hasKey(uriKey, key);
      return new Decision(rcc.has("only-if-cached") ? Kind.ONLY_IF_CACHED : Kind.FORWARD, key, uriKey, null, rcc,
          policy, known);
    }
    long now = System.currentTimeMillis();
    long left = e.freshnessLeftMs(now);
    long age = e.currentAgeMs(now);
    boolean mustValidate = rcc.has("no-cache") || (e.cc.has("no-cache") && e.cc.fieldNames("no-cache") == null);
    boolean fresh = left > 0 && !mustValidate;
    // immutable (RFC 8246): the response will not change while fresh, so a browser's reload
    // (Cache-Control: max-age=0) is answered from the store; an explicit no-cache still validates.
    if (fresh && rcc.seconds("max-age") >= 0 && age > rcc.seconds("max-age") * 1000 && !e.cc.has("immutable")) {
      fresh = false;
    }
    if (fresh && rcc.seconds("min-fresh") >= 0 && left < rcc.seconds("min-fresh") * 1000) {
      fresh = false;
    }
    if (fresh) {
      cache.stats().hits.increment();
      return new Decision(Kind.HIT, key, uriKey, e, rcc, policy, true);
    }
    boolean staleAllowed = !mustValidate && !e.cc.has("must-revalidate") && !e.cc.has("proxy-revalidate")
        && e.cc.seconds("s-maxage") < 0 && left <= 0;
    long staleness = -left;
    if (ranged) {
      return new Decision(Kind.BYPASS, null, uriKey, null, CacheControl.NONE, policy, false);
    }
    if (staleAllowed && rcc.has("max-stale")
        && (rcc.hasWithoutValue("max-stale") || (rcc.seconds("max-stale") >= 0
            && staleness <= rcc.seconds("max-stale") * 1000))) {
      cache.stats().hits.increment();
      cache.stats().staleServed.increment();
      return new Decision(Kind.HIT, key, uriKey, e, rcc, policy, true);
    }
    long swr = e.cc.seconds("stale-while-revalidate");
    if (staleAllowed && swr >= 0 && staleness <= swr * 1000) {
      cache.stats().staleServed.increment();
      return new Decision(Kind.STALE_WHILE_REVALIDATE, key, uriKey, e, rcc, policy, true);
    }
    if (rcc.has("only-if-cached")) {
      return new Decision(Kind.ONLY_IF_CACHED, key, uriKey, e, rcc, policy, true);
    }
    cache.stats().misses.increment();
    return new Decision(Kind.FORWARD, key, uriKey, e, rcc, policy, true);
  }

  static CacheControl requestDirectives(MultiMap headers) {
    List<String> cc = headers.getAll(HttpHeaders.CACHE_CONTROL);
    if (cc.isEmpty()) {
      // RFC 9111 section 5.4: Pragma: no-cache counts only without Cache-Control.
      for (String p : headers.getAll("pragma")) {
        if (CacheControl.parse(List.of(p)).has("no-cache")) {
          return CacheControl.parse(List.of("no-cache"));
        }
      }
      return CacheControl.NONE;
    }
    return CacheControl.parse(cc);
  }

  /**
   * May the stale stored response answer this failure (RFC 5861 stale-if-error, from the response
   * or the request)?
   */
  public boolean staleIfError(Decision d, int status) {
    CachedResponse e = d.entry;
    if (e == null || (status != 0 && !ERRORS.contains(status))) {
      return false;
    }
    if (e.cc.has("must-revalidate") || e.cc.has("proxy-revalidate") || e.cc.seconds("s-maxage") >= 0) {
      return false;
    }
    long staleness = -e.freshnessLeftMs(System.currentTimeMillis());
    long allowed = Math.max(e.cc.seconds("stale-if-error"), d.requestCc.seconds("stale-if-error"));
    return allowed >= 0 && staleness <= allowed * 1000;
  }

  /** Request header fields the proxy sets itself: a response that varies on them is never stored. */
  static final Set<String> PROXY_SET = Set.of("x-forwarded-for", "x-real-ip", "x-forwarded-proto",
      "x-forwarded-host", "x-forwarded-port", "forwarded", "host");

  /**
   * RFC 9111 section 3: may this response be stored? Null when not; else the header fields to
   * store.
   *
   * @param rewritten request header fields (lower case) the route changes on their way upstream:
   *                  the stored response cannot vary on what the client did not send
   */
  /**
   * True if a response for the decision's request was stored after the decision was made: a
   * request that found nothing, and then became the one to go upstream, looks once more before
   * it goes (the previous flight may have landed in between).
   */
  public boolean storedSince(Decision d, HttpServerRequest request) {
    return d.subKey != null && cache.lookup(d.uriKey, d.subKey, request.headers()) != null;
  }

  public List<Map.Entry<String, String>> storable(Decision d, HttpServerRequest request, int status,
      MultiMap responseHeaders, Set<String> rewritten) {
    if (request.method() != HttpMethod.GET || d.requestCc.has("no-store")) {
      return null;
    }
    if (status < 200 || status == 206 || status == 304) {
      return null;
    }
    return storableFields(d, request, status, CachedResponse.storable(responseHeaders), rewritten);
  }

  /** The response-side checks of {@link #storable}, on the fields a cache would keep. */
  private List<Map.Entry<String, String>> storableFields(Decision d, HttpServerRequest request, int status,
      List<Map.Entry<String, String>> stored, Set<String> rewritten) {
    CacheControl cc = targeted(stored);
    boolean mustUnderstand = cc.has("must-understand");
    if (mustUnderstand ? !UNDERSTOOD.contains(status) : cc.has("no-store")) {
      return null;
    }
    if (cc.has("private") && cc.fieldNames("private") == null) {
      return null;
    }
    for (Map.Entry<String, String> h : stored) {
      if (h.getKey().equalsIgnoreCase("vary")) {
        for (String name : h.getValue().split(",")) {
          String n = name.trim().toLowerCase(Locale.ROOT);
          if (n.equals("*") || PROXY_SET.contains(n) || rewritten.contains(n)) {
            return null;
          }
        }
      }
    }
    if ((d.authenticated || request.headers().contains(HttpHeaders.AUTHORIZATION)) && !d.policy.cacheAuthorized()
        && !cc.has("public") && !cc.has("must-revalidate") && cc.seconds("s-maxage") < 0) {
      return null;
    }
    if (!d.policy.cacheSetCookie()) {
      for (Map.Entry<String, String> h : stored) {
        if (h.getKey().equalsIgnoreCase("set-cookie") || h.getKey().equalsIgnoreCase("set-cookie2")) {
          return null; // a cookie for one client must never be handed to the next
        }
      }
    }
    boolean explicit = cc.seconds("max-age") >= 0 || cc.seconds("s-maxage") >= 0 || cc.has("public")
        || has(stored, "expires") || d.policy.defaultTtlMs() > 0 || cc.has("no-cache")
        || (CachedResponse.HEURISTIC.contains(status) && has(stored, "last-modified"));
    if (!explicit) {
      return null;
    }
    // Fields a qualified private or no-cache names are not kept.
    List<String> drop = new ArrayList<>();
    if (cc.fieldNames("private") != null) {
      drop.addAll(cc.fieldNames("private"));
    }
    if (cc.fieldNames("no-cache") != null) {
      drop.addAll(cc.fieldNames("no-cache"));
    }
    if (!drop.isEmpty()) {
      stored = stored.stream().filter(h -> !drop.contains(h.getKey().toLowerCase(Locale.ROOT))).toList();
    }
    return stored;
  }

  private static boolean has(List<Map.Entry<String, String>> headers, String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

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
    CacheControl t = CacheControl.parse(cdn);
    return t.isEmpty() ? CacheControl.parse(cc) : t;
  }

  /** Builds the stored response once its body is complete, and stores it. */
  public CachedResponse store(Decision d, HttpServerRequest request, int status, String message,
      List<Map.Entry<String, String>> headers, Buffer body, long responseTime) {
    List<String> varyNames = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase("vary")) {
        for (String n : h.getValue().split(",")) {
          String name = n.trim().toLowerCase(Locale.ROOT);
          if (!name.isEmpty() && !varyNames.contains(name)) {
            varyNames.add(name);
          }
        }
      }
    }
    List<String> varyValues = new ArrayList<>(varyNames.size());
    for (String n : varyNames) {
      varyValues.add(HttpCache.varyValue(request.headers(), n));
    }
    CachedResponse e = new CachedResponse(d.subKey, status, message, headers, body, d.requestTime, responseTime,
        List.copyOf(varyNames), java.util.Collections.unmodifiableList(varyValues), d.policy.defaultTtlMs());
    cache.put(d.uriKey, e);
    return e;
  }

  /**
   * A 304 revalidated the stored response: returns its updated copy, stored again only when the
   * updated fields still allow it (a 304 may bring Set-Cookie, private or no-store; then this client
   * gets the answer and the stored copy goes).
   */
  public CachedResponse revalidated(Decision d, HttpServerRequest request, MultiMap notModified, long responseTime,
      Set<String> rewritten) {
    cache.stats().revalidations.increment();
    CachedResponse updated = d.entry.updatedBy(notModified, d.requestTime, responseTime, d.policy.defaultTtlMs());
    cache.remove(d.uriKey, d.entry);
    if (storableFields(d, request, updated.status, updated.headers, rewritten) != null) {
      cache.put(d.uriKey, updated);
    }
    return updated;
  }

  /**
   * A newer answer to a request that had a stored response says it may not be stored: the old one
   * goes too. Only the response's own say counts: a client's no-store, a HEAD or a 304 to its own
   * conditions removes nothing.
   */
  public void forget(Decision d, HttpServerRequest request, int status) {
    if (d.entry != null && request.method() == HttpMethod.GET && !d.requestCc.has("no-store") && status >= 200
        && status != 206 && status != 304) {
      cache.remove(d.uriKey, d.entry);
    }
  }

  /**
   * Writes a stored response's status and header fields, with its current Age and a Cache-Status;
   * answers 304 instead when the client's own conditions hold (RFC 9110 section 13). Returns the
   * body to send (null for none).
   */
  public Buffer writeHead(HttpServerRequest request, CachedResponse e, String cacheStatus) {
    HttpServerResponse response = request.response();
    long now = System.currentTimeMillis();
    boolean notModified = notModified(request, e);
    response.setStatusCode(notModified ? 304 : e.status);
    if (!notModified && e.statusMessage != null && request.version() != HttpVersion.HTTP_2) {
      response.setStatusMessage(e.statusMessage);
    }
    MultiMap out = response.headers();
    for (Map.Entry<String, String> h : e.headers) {
      String name = h.getKey();
      if (name.equalsIgnoreCase("age") || name.equalsIgnoreCase("content-length")) {
        continue;
      }
      out.add(name, h.getValue());
    }
    out.set("age", Long.toString(Math.max(0, e.currentAgeMs(now) / 1000)));
    out.add("cache-status", cacheStatus);
    boolean bodiless = notModified || e.status == 204 || (e.status >= 100 && e.status < 200);
    if (bodiless) {
      return null;
    }
    String range = request.getHeader("range");
    if (range != null && e.status == 200 && ifRangeHolds(request.getHeader("if-range"), e)) {
      long[] r = singleRange(range, e.body.length());
      if (r != null && r[0] < 0) {
        response.setStatusCode(416);
        out.set("content-range", "bytes */" + e.body.length());
        out.set(HttpHeaders.CONTENT_LENGTH, "0");
        return null;
      }
      if (r != null) {
        response.setStatusCode(206);
        if (request.version() != HttpVersion.HTTP_2) {
          response.setStatusMessage("Partial Content");
        }
        out.set("content-range", "bytes " + r[0] + "-" + r[1] + "/" + e.body.length());
        out.set(HttpHeaders.CONTENT_LENGTH, Long.toString(r[1] - r[0] + 1));
        return e.body.getBuffer((int) r[0], (int) r[1] + 1);
      }
    }
    String storedLength = e.first("content-length");
    if (request.method() == HttpMethod.HEAD) {
      out.set(HttpHeaders.CONTENT_LENGTH, storedLength != null ? storedLength : Integer.toString(e.body.length()));
      return null;
    }
    out.set(HttpHeaders.CONTENT_LENGTH, Integer.toString(e.body.length()));
    return e.body;
  }

  /**
   * One byte range of a body (RFC 9110 section 14.1.2) as {first, last}; {-1, -1} when it cannot
   * be satisfied; null when the header is not a single byte range (the whole body is sent then).
   */
  static long[] singleRange(String header, long length) {
    String h = header.trim();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6) || h.indexOf(',') >= 0) {
      return null;
    }
    String spec = h.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).trim();
      String b = spec.substring(dash + 1).trim();
      long first;
      long last;
      if (a.isEmpty()) {
        long suffix = Long.parseLong(b);
        if (suffix <= 0) {
          return new long[] {-1, -1};
        }
        first = Math.max(0, length - suffix);
        last = length - 1;
      } else {
        first = Long.parseLong(a);
        last = b.isEmpty() ? length - 1 : Math.min(Long.parseLong(b), length - 1);
        if (!b.isEmpty() && Long.parseLong(b) < first) {
          return null; // invalid: ignore the header
        }
      }
      if (first >= length || length == 0) {
        return new long[] {-1, -1};
      }
      return new long[] {first, last};
    } catch (NumberFormatException ex) {
      return null;
    }
  }

  /** If-Range: the range applies only while the stored response is the one the client holds. */
  private static boolean ifRangeHolds(String ifRange, CachedResponse e) {
    if (ifRange == null) {
      return true;
    }
    String v = ifRange.trim();
    if (v.startsWith("\"")) {
      return e.etag != null && !e.etag.startsWith("W/") && e.etag.equals(v);
    }
    return e.lastModified != null && e.lastModified.trim().equals(v);
  }

  /** The Cache-Status of a hit. */
  public static String hit(CachedResponse e) {
    long ttl = e.freshnessLeftMs(System.currentTimeMillis()) / 1000;
    return CACHE_NAME + "; hit; ttl=" + ttl;
  }

  /** True when the client's If-None-Match (or else If-Modified-Since) holds for the stored response. */
  static boolean notModified(HttpServerRequest request, CachedResponse e) {
    List<String> inm = request.headers().getAll(HttpHeaders.IF_NONE_MATCH);
    if (!inm.isEmpty()) {
      if (e.etag == null) {
        return false;
      }
      String mine = weak(e.etag);
      for (String line : inm) {
        for (String tag : line.split(",")) {
          String t = tag.trim();
          if (t.equals("*") || weak(t).equals(mine)) {
            return e.status == 200;
          }
        }
      }
      return false;
    }
    String ims = request.getHeader(HttpHeaders.IF_MODIFIED_SINCE);
    if (ims != null && e.status == 200) {
      Long since = HttpDate.parse(ims);
      Long lm = HttpDate.parse(e.lastModified);
      long modified = lm != null ? lm : e.dateValue;
      return since != null && modified <= since;
    }
    return false;
  }

  private static String weak(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }

  /**
   * After an unsafe request succeeded: drops what is stored for its URI and for the same-host URIs
   * its Location and Content-Location name (RFC 9111 section 4.4).
   */
  public void invalidateAfter(HttpServerRequest request, int status, MultiMap responseHeaders, String host,
      String uriKey, RoutePolicies.CachePolicy policy) {
    HttpMethod m = request.method();
    if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.TRACE
        || status < 200 || status >= 400) {
      return;
    }
    cache.invalidate(uriKey);
    for (String name : List.of("location", "content-location")) {
      String v = responseHeaders.get(name);
      if (v == null) {
        continue;
      }
      String pathAndQuery = sameHostPath(v, host);
      if (pathAndQuery != null) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? null : pathAndQuery.substring(q + 1);
        cache.invalidate(CacheKeys.uri(host, path, query, policy));
      }
    }
  }

  private static String sameHostPath(String ref, String host) {
    if (ref.startsWith("/") && !ref.startsWith("//")) {
      return ref;
    }
    try {
      java.net.URI u = java.net.URI.create(ref);
      if (u.getHost() != null && u.getHost().equalsIgnoreCase(host)) {
        String p = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        return u.getRawQuery() == null ? p : p + "?" + u.getRawQuery();
      }
    } catch (IllegalArgumentException e) {
      return null;
    }
    return null;
  }
}
