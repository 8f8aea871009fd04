package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A route's policies beyond routing: retries, caching, rate limits, client address rules, the
 * request body limit and authentication. Null parts are off (or, for the body limit, the data
 * plane's default).
 *
 * @param maxRequestBodySize the largest request body in bytes (413 beyond); 0: no limit; null: the
 *                           data plane's default
 * @param auth               who may use the route: checked after the access rules and the rate limit,
 *                           before the cache and the upstream
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RoutePolicies(Retries retries, CachePolicy cache, RateLimit rateLimit, Access access,
    Long maxRequestBodySize, Auth auth) {

  public static final RoutePolicies NONE = new RoutePolicies(null, null, null, null, null, null);

  public RoutePolicies {
    if (maxRequestBodySize != null && maxRequestBodySize < 0) {
      throw new ModelException("maxRequestBodySize", "must not be negative, was " + maxRequestBodySize);
    }
  }

  public RoutePolicies(Retries retries, CachePolicy cache, RateLimit rateLimit, Access access,
      Long maxRequestBodySize) {
    this(retries, cache, rateLimit, access, maxRequestBodySize, null);
  }

  public RoutePolicies(Retries retries, CachePolicy cache, RateLimit rateLimit, Access access) {
    this(retries, cache, rateLimit, access, null, null);
  }

  @JsonIgnore
  public boolean isEmpty() {
    return retries == null && cache == null && rateLimit == null && access == null && maxRequestBodySize == null
        && auth == null;
  }

  /**
   * @param attempts        retries after the first attempt
   * @param on              failures to retry: connect-failure, refused-stream, reset, timeout, 5xx,
   *                        502, 503, 504 (connect failures and refused streams are retried even when
   *                        not listed: the upstream never saw the request)
   * @param perTryTimeoutMs time limit of each attempt until its response headers, 0 for none
   * @param backoffBaseMs   the first retry waits up to this long (full jitter), each next one twice as long
   * @param backoffMaxMs    the longest wait between attempts
   */
  public record Retries(int attempts, List<String> on, long perTryTimeoutMs, long backoffBaseMs, long backoffMaxMs) {
    public static final List<String> CONDITIONS =
        List.of("connect-failure", "refused-stream", "reset", "timeout", "5xx", "502", "503", "504");
    public static final long DEFAULT_BACKOFF_BASE_MS = 25;
    public static final long DEFAULT_BACKOFF_MAX_MS = 250;

    /**
     * What a route without a retry policy gets: like nginx's proxy_next_upstream "error timeout",
     * a request the upstream never answered goes to another endpoint, twice at most.
     */
    public static final Retries DEFAULT = new Retries(2, List.of("connect-failure", "refused-stream", "reset"), 0,
        DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS);

    public Retries {
      Checks.inRange(attempts, 0, 10, "attempts");
      on = Checks.list(on, "on");
      for (int i = 0; i < on.size(); i++) {
        if (!CONDITIONS.contains(on.get(i))) {
          throw new ModelException("on[" + i + "]", "unknown retry condition \"" + on.get(i) + "\", expected one of "
              + CONDITIONS);
        }
      }
      Checks.nonNegative(perTryTimeoutMs, "perTryTimeoutMs");
      Checks.nonNegative(backoffBaseMs, "backoffBaseMs");
      Checks.nonNegative(backoffMaxMs, "backoffMaxMs");
      if (backoffMaxMs < backoffBaseMs) {
        throw new ModelException("backoffMaxMs", "must not be below backoffBaseMs");
      }
    }

    public Retries(int attempts, List<String> on, long perTryTimeoutMs) {
      this(attempts, on, perTryTimeoutMs, DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS);
    }
  }

  /**
   * Shared caching of the route's responses (RFC 9111), as their Cache-Control allows.
   *
   * @param enabled           on or off
   * @param defaultTtlMs      freshness of responses that state none (no max-age, s-maxage or
   *                          Expires); 0: only what the response says, or the RFC's heuristic
   * @param maxObjectSize     bodies larger than this many bytes are passed on, not stored
   * @param keyHeaders        request headers (lower case) whose values are part of the cache key
   * @param ignoreQueryParams query parameters left out of the cache key (say, utm_source)
   * @param ignoreQuery       true: the whole query is left out of the key
   * @param cacheAuthorized   store responses to requests with Authorization even when the response
   *                          does not say public, s-maxage or must-revalidate
   * @param cacheSetCookie    store responses that set cookies (and so hand the cookie to everyone)
   */
  public record CachePolicy(boolean enabled, long defaultTtlMs, long maxObjectSize, List<String> keyHeaders,
      List<String> ignoreQueryParams, boolean ignoreQuery, boolean cacheAuthorized, boolean cacheSetCookie) {

    public static final long DEFAULT_MAX_OBJECT_SIZE = 8L * 1024 * 1024;

    public CachePolicy {
      Checks.nonNegative(defaultTtlMs, "defaultTtlMs");
      maxObjectSize = maxObjectSize == 0 ? DEFAULT_MAX_OBJECT_SIZE : maxObjectSize;
      if (maxObjectSize < 0 || maxObjectSize > 1L << 30) {
        throw new ModelException("maxObjectSize", "must be between 1 and 1 GiB, was " + maxObjectSize);
      }
      keyHeaders = Checks.list(keyHeaders, "keyHeaders").stream().map(h -> h.toLowerCase(java.util.Locale.ROOT))
          .toList();
      ignoreQueryParams = Checks.list(ignoreQueryParams, "ignoreQueryParams");
    }

    /** Caching on, with the defaults. */
    public CachePolicy(boolean enabled) {
      this(enabled, 0, 0, List.of(), List.of(), false, false, false);
    }
  }

  /**
   * A token bucket per key, per data plane: {@code requestsPerSecond} refill it continuously, and it
   * holds at most {@code burst}.
   *
   * @param key    ClientIP, Header or Route (one bucket for every request of the route)
   * @param header the header when key is Header, and only then
   * @param scope  routes whose limits name the same scope (and are equal) share their buckets: the
   *               translator names the rule, so that every match and hostname of one rule counts
   *               against one limit. Null: the route's own name.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RateLimit(int requestsPerSecond, int burst, String key, String header, String scope) {
    public static final List<String> KEYS = List.of("ClientIP", "Header", "Route");

    public RateLimit {
      Checks.inRange(requestsPerSecond, 1, 1_000_000, "requestsPerSecond");
      Checks.inRange(burst, 1, 10_000_000, "burst");
      Checks.notBlank(key, "key");
      if (!KEYS.contains(key)) {
        throw new ModelException("key", "unknown rate-limit key \"" + key + "\", expected one of " + KEYS);
      }
      if ("Header".equals(key)) {
        Checks.notBlank(header, "header");
      } else if (header != null) {
        throw new ModelException("header", "only key Header takes a header");
      }
      if (scope != null) {
        Checks.notBlank(scope, "scope");
      }
    }

    /** A limit of the route's own. */
    public RateLimit(int requestsPerSecond, int burst, String key, String header) {
      this(requestsPerSecond, burst, key, header, null);
    }
  }

  /** Client address rules: deny wins; when allow is not empty, only its CIDRs get in. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Access(List<String> allow, List<String> deny) {
    public Access {
      allow = Checks.list(allow, "allow");
      deny = Checks.list(deny, "deny");
      for (int i = 0; i < allow.size(); i++) {
        Cidr.parse(allow.get(i), "allow[" + i + "]");
      }
      for (int i = 0; i < deny.size(); i++) {
        Cidr.parse(deny.get(i), "deny[" + i + "]");
      }
    }
  }
}
