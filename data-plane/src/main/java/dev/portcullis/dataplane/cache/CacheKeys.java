package dev.portcullis.dataplane.cache;

import dev.portcullis.model.RoutePolicies;
import io.vertx.core.MultiMap;

/**
 * Cache keys: the URI key {@code host path?query} (the query without the route's ignored
 * parameters; host and path as the router saw them, normalised, so that spellings of one URL share
 * an entry), and within it a sub-key of route name and key header values.
 */
public final class CacheKeys {
  private CacheKeys() {}

  static final char HEADER_SEPARATOR = '\n';

  /** The key of a URI alone (what invalidation and purges address). */
  public static String uri(String host, String path, String query, RoutePolicies.CachePolicy policy) {
    StringBuilder b = new StringBuilder(host.length() + path.length() + 16).append(host).append(' ').append(path);
    String q = policy == null ? query : query(query, policy);
    if (q != null && !q.isEmpty()) {
      b.append('?').append(q);
    }
    return b.toString();
  }

  /**
   * What tells responses for one URI apart beyond Vary: the route they were stored by (two routes
   * can share a host and path and differ by a header or method condition, with different
   * backends), then the route's key headers.
   */
  static String subKey(String routeName, MultiMap headers, RoutePolicies.CachePolicy policy) {
    if (policy.keyHeaders().isEmpty()) {
      return routeName;
    }
    StringBuilder b = new StringBuilder(routeName);
    for (String h : policy.keyHeaders()) {
      String v = HttpCache.varyValue(headers, h);
      b.append(HEADER_SEPARATOR).append(h).append(':').append(v == null ? "" : v);
    }
    return b.toString();
  }

  private static String query(String query, RoutePolicies.CachePolicy policy) {
    if (query == null || policy.ignoreQuery()) {
      return null;
    }
    if (policy.ignoreQueryParams().isEmpty()) {
      return query;
    }
    StringBuilder b = new StringBuilder(query.length());
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      if (policy.ignoreQueryParams().contains(name)) {
        continue;
      }
      if (b.length() > 0) {
        b.append('&');
      }
      b.append(pair);
    }
    return b.toString();
  }
}
