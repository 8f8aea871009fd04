package dev.portcullis.dataplane.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A route's meters, resolved once (on the route's first request after a table swap, never for a
 * route nobody uses) and kept on its compiled route: counting a request is array indexing and
 * adder increments, with no tag or map lookup. Shared by the event loops; the lazily made rows
 * are immutable, so a race makes the same row twice (Micrometer hands both the same meters).
 */
public final class RouteMeters {

  static final String REQUESTS = "portcullis.requests";
  static final String DURATION = "portcullis.request.duration";
  static final String REQUEST_SIZE = "portcullis.request.size";
  static final String RESPONSE_SIZE = "portcullis.response.size";

  static final String[] CODE_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

  /** Classic histogram buckets, in seconds: fine enough for p50, p90 and p99 from a proxy's 1 ms to a minute. */
  static final Duration[] DURATION_BUCKETS = buckets(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
      5, 10, 30, 60);
  /** Size buckets, in bytes: powers of ten up to 100 MB. */
  static final double[] SIZE_BUCKETS = {100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

  private final MeterRegistry registry;
  private final String route;
  /** The route's clusters, by their index in the route; the last row is "no cluster". */
  private final String[] clusters;
  private final Row[] rows;
  private final Timer duration;
  private final DistributionSummary requestSize;
  private final DistributionSummary responseSize;

  /**
   * One row of counters: a route and a cluster, by status class. Each class's counter is made on
   * its first request (a counter costs about 650 bytes of heap, and most routes only ever answer
   * 2xx: at 50,000 routes, five counters each would be 160 MiB). A race makes the same counter
   * twice, and Micrometer hands both the same one.
   */
  private static final class Row {
    final Counter[] byClass = new Counter[CODE_CLASSES.length];
    final MeterRegistry registry;
    final String route;
    final String cluster;

    Row(MeterRegistry registry, String route, String cluster) {
      this.registry = registry;
      this.route = route;
      this.cluster = cluster;
    }

    Counter of(int codeClass) {
      Counter c = byClass[codeClass];
      if (c == null) {
        c = Counter.builder(REQUESTS).description("Requests answered, by route, cluster and status class")
            .tag("route", route).tag("cluster", cluster).tag("code_class", CODE_CLASSES[codeClass]).register(registry);
        byClass[codeClass] = c;
      }
      return c;
    }
  }

  RouteMeters(MeterRegistry registry, String route, String[] clusters) {
    this.registry = registry;
    this.route = route;
    this.clusters = clusters;
    this.rows = new Row[clusters.length + 1];
    this.duration = Timer.builder(DURATION)
        .description("Time from the request's arrival to the end of its response, by route")
        .tag("route", route).serviceLevelObjectives(DURATION_BUCKETS).register(registry);
    this.requestSize = DistributionSummary.builder(REQUEST_SIZE).baseUnit("bytes")
        .description("Request body bytes read, by route").tag("route", route).serviceLevelObjectives(SIZE_BUCKETS)
        .register(registry);
    this.responseSize = DistributionSummary.builder(RESPONSE_SIZE).baseUnit("bytes")
        .description("Response body bytes written, by route").tag("route", route).serviceLevelObjectives(SIZE_BUCKETS)
        .register(registry);
  }

  /**
   * @param cluster the index of the route's cluster that served it, or -1 for none (answered at the edge)
   */
  void record(int cluster, int status, long nanos, long bytesIn, long bytesOut) {
    int r = cluster < 0 || cluster >= clusters.length ? clusters.length : cluster;
    Row row = rows[r];
    if (row == null) {
      row = new Row(registry, route, r == clusters.length ? "" : clusters[r]);
      rows[r] = row;
    }
    row.of(codeClass(status)).increment();
    duration.record(nanos, TimeUnit.NANOSECONDS);
    requestSize.record(bytesIn);
    responseSize.record(bytesOut);
  }

  /** True when these are the meters of a route with these clusters, in this order. */
  boolean forClusters(String[] names) {
    return java.util.Arrays.equals(clusters, names);
  }

  static int codeClass(int status) {
    int c = status / 100 - 1;
    return c < 0 ? 0 : Math.min(c, CODE_CLASSES.length - 1);
  }

  private static Duration[] buckets(double... seconds) {
    Duration[] d = new Duration[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      d[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
    }
    return d;
  }
}
