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
 * @param errorPages         upstream answers (and the proxy's own) replaced by another cluster's, or null
 * @param concurrency        how many requests one client address may have in flight, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RoutePolicies(Retries retries, CachePolicy cache, RateLimit rateLimit, Access access,
    Long maxRequestBodySize, Auth auth, ErrorPages errorPages, Concurrency concurrency) {

  public static final RoutePolicies NONE = new RoutePolicies(null, null, null, null, null, null, null, null);

  public RoutePolicies(Retries retries, CachePolicy cache, RateLimit rateLimit, Access access,
      Long maxRequestBodySize, Auth auth, ErrorPages errorPages) {
    this(retries, cache, rateLimit, access, maxRequestBodySize, auth, errorPages, null);
  }

  /** The same policies with this concurrency limit. */
  public RoutePolicies withConcurrency(Concurrency value) {
    return new RoutePolicies(retries, cache, rateLimit, access, maxRequestBodySize, auth, errorPages, value);
  }

  /**
   * Requests in flight per client address, per data plane, as nginx's {@code limit_conn} on
   * {@code $binary_remote_addr} (ingress-nginx's limit-connections): a request beyond the limit is
   * answered 503 at once. Checked after the rate limit.
   *
   * @param maxPerClient the most requests one address may have in flight
   * @param scope        routes whose limits name the same scope (and are equal) share their counts;
   *                     null: the route's own name
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Concurrency(int maxPerClient, String scope) {
    public Concurrency {
      Checks.inRange(maxPerClient, 1, 1_000_000, "maxPerClient");
      if (scope != null) {
        Checks.notBlank(scope, "scope");
      }
    }
  }

  public RoutePolicies {
    if (maxRequestBodySize != null && maxRequestBodySize < 0) {
      throw new ModelException("maxRequestBodySize", "must not be negative, was " + maxRequestBodySize);
    }
  }

  public RoutePolicies(Retries retries, CachePolicy cache, RateLimit rateLimit, Access access,
      Long maxRequestBodySize, Auth auth) {
    this(retries, cache, rateLimit, access, maxRequestBodySize, auth, null);
  }

  /** The same policies with these error pages. */
  public RoutePolicies withErrorPages(ErrorPages pages) {
    return new RoutePolicies(retries, cache, rateLimit, access, maxRequestBodySize, auth, pages, concurrency);
  }

  /**
   * Error pages from another cluster, as nginx's {@code proxy_intercept_errors} with
   * {@code error_page CODE = @named}: an answer with one of {@code statuses} (from the upstream, or
   * the proxy's own 502, 503 and 504) is replaced by the answer of a GET of {@code /} to
   * {@code cluster}, status included. That request carries {@code X-Code} (the status),
   * {@code X-Format} (the client's Accept), {@code X-Original-URI} and {@code X-Request-ID}, plus
   * {@code headers}. When the error cluster cannot answer, the original status goes to the client.
   *
   * @param statuses the statuses to replace, 400 to 599
   * @param cluster  the cluster that answers them
   * @param headers  more request headers for it (the source's namespace, names and port, say)
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record ErrorPages(List<Integer> statuses, String cluster, List<RouteFilters.Header> headers) {
    public ErrorPages {
      statuses = Checks.list(statuses, "statuses");
      if (statuses.isEmpty()) {
        throw new ModelException("statuses", "must name at least one status");
      }
      for (int i = 0; i < statuses.size(); i++) {
        Checks.inRange(statuses.get(i), 400, 599, "statuses[" + i + "]");
      }
      statuses = statuses.stream().distinct().sorted().toList();
      Checks.notBlank(cluster, "cluster");
      headers = Checks.list(headers, "headers");
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
        && auth == null && errorPages == null && concurrency == null;
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
   * A token bucket per key, per data plane: {@code requestsPerSecond} (or {@code requestsPerMinute})
   * refill it continuously, and it holds at most {@code burst}.
   *
   * @param key    ClientIP, Header or Route (one bucket for every request of the route)
   * @param header the header when key is Header, and only then
   * @param scope  routes whose limits name the same scope (and are equal) share their buckets: the
   *               translator names the rule, so that every match and hostname of one rule counts
   *               against one limit. Null: the route's own name.
   * @param requestsPerMinute instead of {@code requestsPerSecond} (which is then 0), for rates below
   *               one a second (nginx's {@code r/m}); null: per second
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RateLimit(int requestsPerSecond, int burst, String key, String header, String scope,
      Integer requestsPerMinute) {
    public static final List<String> KEYS = List.of("ClientIP", "Header", "Route");

    public RateLimit(int requestsPerSecond, int burst, String key, String header, String scope) {
      this(requestsPerSecond, burst, key, header, scope, null);
    }

    public RateLimit {
      if (requestsPerMinute != null) {
        Checks.inRange(requestsPerMinute, 1, 60_000_000, "requestsPerMinute");
        if (requestsPerSecond != 0) {
          throw new ModelException("requestsPerSecond", "must be 0 with requestsPerMinute");
        }
      } else {
        Checks.inRange(requestsPerSecond, 1, 1_000_000, "requestsPerSecond");
      }
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
      this(requestsPerSecond, burst, key, header, null, null);
    }

    /** The time one token takes to come back, in nanoseconds (rounded down). */
    public long refillNanos() {
      return requestsPerMinute != null ? 60_000_000_000L / requestsPerMinute : 1_000_000_000L / requestsPerSecond;
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
