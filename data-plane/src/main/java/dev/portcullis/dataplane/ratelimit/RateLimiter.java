package dev.portcullis.dataplane.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.portcullis.model.RoutePolicies;
import io.vertx.core.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The token buckets of one rate limit: one per key (a client address, a header value) or one for
 * the whole route, refilled continuously at {@code requestsPerSecond} up to {@code burst}. Shared
 * by every event loop: taking a token is one compare-and-set, no lock.
 *
 * <p>The key table is bounded, because keys come from clients: at most {@link #MAX_KEYS} buckets
 * (Caffeine's W-TinyLFU decides which stay, so a flood of one-off keys evicts other one-off keys
 * before the clients that come often), and a bucket idle long enough to have refilled is dropped,
 * since a full bucket and no bucket admit the same. A forgotten key starts again with a full
 * bucket. Header values longer than {@link #MAX_KEY_CHARS} are kept as a 128-bit digest, so a key
 * costs the same whatever a client sends.
 *
 * <p>Requests that have no key (no such header, or no known client address) share one bucket that
 * is never evicted: leaving the header out is not a way around the limit.
 *
 * <p>Compiled with the route and handed on to the next route table while the limit is unchanged,
 * so that a new table does not give every client a full bucket again.
 */
public final class RateLimiter {

  /**
   * Buckets kept per limit. Measured: about 180 bytes each keyed by an IPv4 address, 250 with a
   * 64-character header value (or its digest, about 150), so a limit's table stays under 2.5 MB.
   */
  public static final int MAX_KEYS = 10_000;

  /** Header values up to this long are keys as they are; longer ones are replaced by a digest. */
  static final int MAX_KEY_CHARS = 64;

  /** The policy's name in the RateLimit fields; distinct, so that an upstream's own policies sit beside it. */
  static final String POLICY_NAME = "portcullis";

  public static final CharSequence RATELIMIT_POLICY = HttpHeaders.createOptimized("ratelimit-policy");
  public static final CharSequence RATELIMIT = HttpHeaders.createOptimized("ratelimit");

  private static final long NANOS = 1_000_000_000L;
  /** The zero of the limiters' clock: its readings never go below zero, as {@link TokenBucket} wants. */
  private static final long ORIGIN = System.nanoTime();

  /** What a request is counted by. */
  public enum Key { CLIENT_IP, HEADER, ROUTE }

  /**
   * Which limiter a route gets: routes naming the same scope with the same limit share one, and a
   * new route table reuses the limiter of an equal id.
   */
  public record Id(String scope, RoutePolicies.RateLimit limit) {
    public static Id of(String routeName, RoutePolicies.RateLimit limit) {
      return new Id(limit.scope() != null ? limit.scope() : routeName, limit);
    }
  }

  /**
   * The answer to one request.
   *
   * @param admitted  true if the request got a token
   * @param remaining whole tokens left after it
   * @param waitNanos until the next token (admitted), or until a request would be admitted (refused)
   */
  public record Verdict(boolean admitted, long remaining, long waitNanos) {
    /** {@link #waitNanos} in whole seconds, rounded up and at least 1: for Retry-After and RateLimit's t. */
    public long seconds() {
      return Math.max(1, (waitNanos + NANOS - 1) / NANOS);
    }

    /** The RateLimit field (draft-ietf-httpapi-ratelimit-headers): remaining quota and when more comes. */
    public String field() {
      return '"' + POLICY_NAME + "\";r=" + remaining + ";t=" + seconds();
    }
  }

  private final RoutePolicies.RateLimit limit;
  private final Key key;
  private final String header;
  private final long interval;
  private final long capacity;
  private final LongSupplier clock;
  /** Per-key buckets; null when the key is the route. */
  private final Cache<Object, AtomicLong> buckets;
  /** The route's one bucket, or the bucket of requests without a key. */
  private final AtomicLong shared = new AtomicLong();
  private final String policyField;
  private final java.util.concurrent.atomic.LongAdder rejected = new java.util.concurrent.atomic.LongAdder();

  public RateLimiter(RoutePolicies.RateLimit limit) {
    this(limit, MAX_KEYS, () -> System.nanoTime() - ORIGIN);
  }

  /** With its own bound and clock (nanoseconds, never below zero): for tests. */
  RateLimiter(RoutePolicies.RateLimit limit, int maxKeys, LongSupplier clock) {
    this.limit = limit;
    this.key = switch (limit.key()) {
      case "ClientIP" -> Key.CLIENT_IP;
      case "Header" -> Key.HEADER;
      case "Route" -> Key.ROUTE;
      default -> throw new IllegalArgumentException("unknown rate-limit key " + limit.key());
    };
    this.header = limit.header();
    // Rounded down: at most 1 in 1,000 generous (near 1,000,000 per second), exact for divisors of 10^9.
    this.interval = limit.refillNanos();
    this.capacity = interval * limit.burst();
    this.clock = clock;
    this.buckets = key == Key.ROUTE ? null : Caffeine.newBuilder()
        .maximumSize(maxKeys)
        // By then the bucket is full again (it owed at most capacity at its last use): dropping it changes nothing.
        .expireAfterAccess(Duration.ofNanos(capacity).plusSeconds(1))
        .ticker(clock::getAsLong)
        .build();
    this.policyField = limit.requestsPerMinute() == null ? policyField(limit.requestsPerSecond(), limit.burst())
        : policyFieldPerMinute(limit.requestsPerMinute(), limit.burst());
  }

  /**
   * The RateLimit-Policy field. The draft speaks of a quota per window, not of a bucket: the window
   * is the time a drained bucket takes to fill (whole seconds, at least 1) and the quota the rate
   * times it. So q/w is the rate exactly, and q is never below the burst (nor below any r sent).
   */
  static String policyField(long requestsPerSecond, long burst) {
    long window = Math.max(1, (burst + requestsPerSecond - 1) / requestsPerSecond);
    return '"' + POLICY_NAME + "\";q=" + requestsPerSecond * window + ";w=" + window;
  }

  /**
   * The RateLimit-Policy field of a rate per minute: the window is a whole number of minutes, long
   * enough for a drained bucket to fill, so that the quota is a whole number too.
   */
  static String policyFieldPerMinute(long requestsPerMinute, long burst) {
    long minutes = Math.max(1, (burst + requestsPerMinute - 1) / requestsPerMinute);
    return '"' + POLICY_NAME + "\";q=" + requestsPerMinute * minutes + ";w=" + minutes * 60;
  }

  /**
   * Takes a token from the bucket of {@code key}: a client address or header value, as {@link #key()}
   * says; ignored for the route key. Null (no such header, no known address) takes from the bucket
   * every keyless request shares.
   */
  public Verdict acquire(String key) {
    AtomicLong bucket = shared;
    if (buckets != null && key != null) {
      Object k = bucketKey(key);
      bucket = buckets.getIfPresent(k);
      if (bucket == null) {
        bucket = buckets.get(k, x -> new AtomicLong());
      }
    }
    long result = TokenBucket.take(bucket, clock.getAsLong(), interval, capacity);
    if (result < 0) {
      rejected.increment();
      return new Verdict(false, 0, -result);
    }
    return new Verdict(true, TokenBucket.remaining(result, interval, capacity),
        TokenBucket.untilNextToken(result, interval));
  }

  /** Requests refused so far. */
  public long rejections() {
    return rejected.sum();
  }

  /** What the buckets are kept per. */
  public Key key() {
    return key;
  }

  /** The header whose value is the key, for {@link Key#HEADER}. */
  public String header() {
    return header;
  }

  public RoutePolicies.RateLimit limit() {
    return limit;
  }

  /** The RateLimit-Policy field, the same on every response. */
  public String policyField() {
    return policyField;
  }

  /** Buckets kept now, after pending evictions run: for tests and diagnostics, not the hot path. */
  public long keys() {
    if (buckets == null) {
      return 0;
    }
    buckets.cleanUp();
    return buckets.estimatedSize();
  }

  /** A long value as a digest, so that every key costs about the same. */
  private static Object bucketKey(String value) {
    return value.length() <= MAX_KEY_CHARS ? value : Digest.of(value);
  }

  /** The first 128 bits of a value's SHA-256: never equal to a String key, and not open to engineered collisions. */
  private record Digest(long high, long low) {
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is part of every JDK", e);
      }
    });

    static Digest of(String value) {
      byte[] d = SHA256.get().digest(value.getBytes(StandardCharsets.UTF_8));
      long high = 0;
      long low = 0;
      for (int i = 0; i < 8; i++) {
        high = high << 8 | (d[i] & 0xFF);
        low = low << 8 | (d[i + 8] & 0xFF);
      }
      return new Digest(high, low);
    }
  }
}
