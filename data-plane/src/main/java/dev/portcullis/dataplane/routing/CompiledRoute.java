package dev.portcullis.dataplane.routing;

import dev.portcullis.dataplane.ratelimit.RateLimiter;
import dev.portcullis.dataplane.upstream.ClusterRuntime;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteFilters;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.Timeouts;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.atomic.AtomicLong;

/** A route ready for the hot path: its clusters resolved, its answers and filters prepared. */
public final class CompiledRoute {

  /** What the route does. */
  public enum Kind { FORWARD, DIRECT, REDIRECT }

  private final Route route;
  private final Kind kind;
  private final ClusterRuntime[] clusters;
  /** Smooth weighted round robin, precomputed: which cluster each request of a cycle goes to. */
  private final int[] schedule;
  private final AtomicLong next = new AtomicLong();
  private final int directStatus;
  private final Buffer directBody;
  private final CorsPolicy cors;
  private final AccessPolicy access;
  private final RateLimiter rateLimiter;
  private final RoutePolicies.Retries retries;
  private final int retryOn;
  private final java.util.Set<String> rewritten;
  /** Set during compilation, before the route is published to the event loops. */
  private ClusterRuntime errorCluster;
  /** Set during compilation, before the route is published to the event loops. */
  private dev.portcullis.dataplane.ratelimit.ConcurrencyLimiter concurrencyLimiter;
  /** What the table shares this compiled route by; set during compilation. */
  CompiledTable.Shared shared;
  /** The path expression, for rewrites that take its groups; null for other paths. */
  private final com.google.re2j.Pattern pathPattern;

  /** The Strict-Transport-Security value of the route's host, for HTTPS answers; or null. */
  private final String hsts;

  /** The client-certificate check of the route's host, or null. */
  private final dev.portcullis.dataplane.tls.ClientCertPolicy clientCerts;

  /** Who may use the route, or null: anyone. */
  private final dev.portcullis.dataplane.auth.RouteAuth auth;

  /**
   * The route's meters, made on its first request (a route nobody uses has none). Not volatile:
   * the meters' fields are final, and an event loop that does not see them yet makes the same
   * ones again.
   */
  private dev.portcullis.dataplane.observability.RouteMeters meters;

  CompiledRoute(Route route, ClusterRuntime[] clusters, int[] weights, int directStatus, Buffer directBody,
      RateLimiter rateLimiter, String hsts, dev.portcullis.dataplane.tls.ClientCertPolicy clientCerts,
      dev.portcullis.dataplane.auth.RouteAuth auth) {
    this.auth = auth;
    this.route = route;
    this.rateLimiter = rateLimiter;
    this.hsts = hsts;
    this.clientCerts = clientCerts;
    this.kind = route.action() instanceof RouteAction.Redirect ? Kind.REDIRECT
        : route.action() instanceof RouteAction.DirectResponse ? Kind.DIRECT : Kind.FORWARD;
    this.clusters = clusters;
    this.schedule = clusters.length > 1 ? schedule(weights) : new int[0];
    this.directStatus = directStatus;
    this.directBody = directBody;
    RouteFilters filters = route.filtersOrNone();
    this.cors = filters.cors() == null ? null : new CorsPolicy(filters.cors());
    this.access = route.policiesOrNone().access() == null ? null : new AccessPolicy(route.policiesOrNone().access());
    java.util.Set<String> names = new java.util.HashSet<>();
    RouteFilters.HeaderModifier m = filters.requestHeaders();
    if (m != null) {
      m.set().forEach(h -> names.add(h.name().toLowerCase(java.util.Locale.ROOT)));
      m.add().forEach(h -> names.add(h.name().toLowerCase(java.util.Locale.ROOT)));
      names.addAll(m.remove());
    }
    this.rewritten = java.util.Set.copyOf(names);
    this.pathPattern = route.match().path().type() == PathMatch.Type.REGEX
        ? com.google.re2j.Pattern.compile(route.match().path().value()) : null;
    RoutePolicies.Retries r = route.policiesOrNone().retries();
    this.retries = r == null ? RoutePolicies.Retries.DEFAULT : r;
    int mask = 0;
    for (String on : retries.on()) {
      mask |= retryBit(on);
    }
    // The upstream never saw these requests: always safe to send elsewhere.
    this.retryOn = mask | RETRY_CONNECT_FAILURE | RETRY_REFUSED_STREAM;
  }

  public static final int RETRY_CONNECT_FAILURE = 1;
  public static final int RETRY_REFUSED_STREAM = 2;
  public static final int RETRY_RESET = 4;
  public static final int RETRY_TIMEOUT = 8;
  public static final int RETRY_5XX = 16;
  public static final int RETRY_502 = 32;
  public static final int RETRY_503 = 64;
  public static final int RETRY_504 = 128;

  private static int retryBit(String on) {
    return switch (on) {
      case "connect-failure" -> RETRY_CONNECT_FAILURE;
      case "refused-stream" -> RETRY_REFUSED_STREAM;
      case "reset" -> RETRY_RESET;
      case "timeout" -> RETRY_TIMEOUT;
      case "5xx" -> RETRY_5XX;
      case "502" -> RETRY_502;
      case "503" -> RETRY_503;
      case "504" -> RETRY_504;
      default -> 0;
    };
  }

  /** The route's cache policy when caching is on, else null. */
  public RoutePolicies.CachePolicy cache() {
    RoutePolicies.CachePolicy c = route.policiesOrNone().cache();
    return c != null && c.enabled() ? c : null;
  }

  /**
   * The largest request body this route takes, in bytes: its own limit, else {@code fallback}
   * (the listener's default); 0 or less for none.
   */
  public long maxRequestBodySize(long fallback) {
    Long own = route.policiesOrNone().maxRequestBodySize();
    return own != null ? own : fallback;
  }

  /** The route's retry policy (the default one when it has none). */
  public RoutePolicies.Retries retries() {
    return retries;
  }

  /** True if the route retries on this condition (a RETRY_ bit). */
  public boolean retriesOn(int condition) {
    return (retryOn & condition) != 0;
  }

  /** True if the route retries a response with this status. */
  public boolean retriesStatus(int status) {
    if (status < 500 || retries.attempts() == 0) {
      return false;
    }
    return (retryOn & RETRY_5XX) != 0 || (status == 502 && (retryOn & RETRY_502) != 0)
        || (status == 503 && (retryOn & RETRY_503) != 0) || (status == 504 && (retryOn & RETRY_504) != 0);
  }

  /** The route's meters, or null before its first request. */
  public dev.portcullis.dataplane.observability.RouteMeters meters() {
    return meters;
  }

  public void meters(dev.portcullis.dataplane.observability.RouteMeters meters) {
    this.meters = meters;
  }

  /** The names of the clusters the route forwards to, in its order (none for answers at the edge). */
  public String[] clusterNames() {
    String[] names = new String[clusters.length];
    for (int i = 0; i < clusters.length; i++) {
      names[i] = clusters[i].name();
    }
    return names;
  }

  /** The index of one of the route's clusters in {@link #clusterNames}, or -1. */
  public int clusterIndex(ClusterRuntime cluster) {
    for (int i = 0; i < clusters.length; i++) {
      if (clusters[i] == cluster) {
        return i;
      }
    }
    return -1;
  }

  /** True when the route forwards to, or takes its error pages from, a runtime that passes the test. */
  boolean refersTo(java.util.function.Predicate<ClusterRuntime> test) {
    for (ClusterRuntime c : clusters) {
      if (test.test(c)) {
        return true;
      }
    }
    return errorCluster != null && test.test(errorCluster);
  }

  /** The route's authentication, or null when anyone may use it. */
  public dev.portcullis.dataplane.auth.RouteAuth auth() {
    return auth;
  }

  /** The client-certificate check of this route's host, or null. */
  public dev.portcullis.dataplane.tls.ClientCertPolicy clientCerts() {
    return clientCerts;
  }

  /** The Strict-Transport-Security value for this route's HTTPS answers, or null. */
  public String hsts() {
    return hsts;
  }

  public Route route() {
    return route;
  }

  public String name() {
    return route.name();
  }

  public Kind kind() {
    return kind;
  }

  public Timeouts timeouts() {
    return route.timeouts();
  }

  /** True when the route answers at the edge instead of proxying. */
  public boolean isDirect() {
    return kind == Kind.DIRECT;
  }

  public int directStatus() {
    return directStatus;
  }

  public Buffer directBody() {
    return directBody;
  }

  public RouteAction.Redirect redirect() {
    return (RouteAction.Redirect) route.action();
  }

  public RouteFilters.HeaderModifier requestHeaders() {
    return route.filtersOrNone().requestHeaders();
  }

  /** Request header fields (lower case) the route sets, adds or removes on the way upstream. */
  public java.util.Set<String> rewrittenRequestHeaders() {
    return rewritten;
  }

  public RouteFilters.HeaderModifier responseHeaders() {
    return route.filtersOrNone().responseHeaders();
  }

  public RouteFilters.UrlRewrite rewrite() {
    return route.filtersOrNone().rewrite();
  }

  /** The CORS policy, or null. */
  public CorsPolicy cors() {
    return cors;
  }

  /** The client address rules, or null. */
  public AccessPolicy access() {
    return access;
  }

  /** The route's rate limit (its buckets, shared with the routes of the same scope), or null. */
  public RateLimiter rateLimiter() {
    return rateLimiter;
  }

  /** The route's path expression (for ReplaceRegexMatch), or null when its path is not one. */
  public com.google.re2j.Pattern pathPattern() {
    return pathPattern;
  }

  /** The route's error pages, or null. */
  public RoutePolicies.ErrorPages errorPages() {
    return route.policiesOrNone().errorPages();
  }

  /** The cluster that answers the route's error pages, or null. */
  public ClusterRuntime errorCluster() {
    return errorCluster;
  }

  /** Set once, while the table is compiled (before any request sees the route). */
  void errorCluster(ClusterRuntime cluster) {
    this.errorCluster = cluster;
  }

  /** Requests in flight per client address, or null. */
  public dev.portcullis.dataplane.ratelimit.ConcurrencyLimiter concurrencyLimiter() {
    return concurrencyLimiter;
  }

  void concurrencyLimiter(dev.portcullis.dataplane.ratelimit.ConcurrencyLimiter limiter) {
    this.concurrencyLimiter = limiter;
  }

  /** True when an answer with this status is replaced by the error cluster's. */
  public boolean replacesStatus(int status) {
    RoutePolicies.ErrorPages pages = errorPages();
    return pages != null && errorCluster != null && pages.statuses().contains(status);
  }

  /** The prefix a PathPrefix route matched, for ReplacePrefixMatch. */
  public String matchedPrefix() {
    PathMatch p = route.match().path();
    return p.type() == PathMatch.Type.PREFIX ? p.value() : null;
  }

  /**
   * A cluster, in exact proportion to the weights: every cycle of the schedule gives each cluster
   * its weight's share, interleaved (nginx's smooth weighted round robin). One atomic counter,
   * shared by the event loops; no locks.
   */
  public ClusterRuntime pickCluster() {
    if (clusters.length == 1) {
      return clusters[0];
    }
    return clusters[schedule[(int) Math.floorMod(next.getAndIncrement(), (long) schedule.length)]];
  }

  /** Longest schedule kept; larger weight sums are scaled down to it, proportions kept to 0.01%. */
  static final int MAX_SCHEDULE = 10_000;

  static int[] schedule(int[] weights) {
    long gcd = 0;
    long total = 0;
    for (int w : weights) {
      gcd = gcd(gcd, w);
      total += w;
    }
    long[] w = new long[weights.length];
    long sum = 0;
    for (int i = 0; i < weights.length; i++) {
      w[i] = weights[i] / Math.max(1, gcd);
      sum += w[i];
    }
    if (sum > MAX_SCHEDULE) {
      sum = 0;
      for (int i = 0; i < w.length; i++) {
        w[i] = weights[i] == 0 ? 0 : Math.max(1, Math.round((double) weights[i] * MAX_SCHEDULE / total));
        sum += w[i];
      }
    }
    int[] out = new int[(int) sum];
    long[] current = new long[w.length];
    for (int n = 0; n < out.length; n++) {
      int best = -1;
      for (int i = 0; i < w.length; i++) {
        current[i] += w[i];
        if (w[i] > 0 && (best < 0 || current[i] > current[best])) {
          best = i;
        }
      }
      current[best] -= sum;
      out[n] = best;
    }
    return out;
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }
}
