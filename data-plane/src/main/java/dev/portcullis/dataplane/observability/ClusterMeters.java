package dev.portcullis.dataplane.observability;

import dev.portcullis.dataplane.upstream.ClusterRuntime;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * An upstream cluster's meters that the proxy counts on (its gauges are read from the cluster at
 * scrape time instead). Made on the cluster's first request and kept with the cluster's counters,
 * which outlive table swaps as long as the cluster keeps its name.
 */
public final class ClusterMeters {

  static final String PICKS = "portcullis.upstream.balancer.picks";
  static final String RETRIES = "portcullis.upstream.retries";
  static final String TIMEOUTS = "portcullis.upstream.timeouts";
  static final String ERRORS = "portcullis.upstream.errors";
  static final String CONNECT = "portcullis.upstream.connect.duration";
  static final String DURATION = "portcullis.upstream.request.duration";

  final Timer connect;
  final Timer duration;
  private final Counter picks;
  private final Counter panicPicks;
  private final Counter retries;
  private final Counter timeouts;
  private final Counter errors;

  ClusterMeters(MeterRegistry registry, String cluster) {
    picks = Counter.builder(PICKS).description("Endpoints the balancer picked for an attempt (a request or a retry)")
        .tag("cluster", cluster).tag("mode", "normal").register(registry);
    panicPicks = Counter.builder(PICKS).description("Endpoints the balancer picked for an attempt (a request or a retry)")
        .tag("cluster", cluster).tag("mode", "panic").register(registry);
    retries = Counter.builder(RETRIES).description("Attempts that retried a request on another endpoint")
        .tag("cluster", cluster).register(registry);
    timeouts = Counter.builder(TIMEOUTS).description("Attempts that got no response in time")
        .tag("cluster", cluster).register(registry);
    errors = Counter.builder(ERRORS)
        .description("Attempts that failed at the gateway: connection refused or reset before a response")
        .tag("cluster", cluster).register(registry);
    connect = Timer.builder(CONNECT)
        .description("Time to get a connection to an endpoint: from the pool, or a new one (TCP and TLS)")
        .tag("cluster", cluster).serviceLevelObjectives(RouteMeters.DURATION_BUCKETS).register(registry);
    duration = Timer.builder(DURATION)
        .description("Time of an attempt with the upstream, from the endpoint's pick to the end of its response")
        .tag("cluster", cluster).serviceLevelObjectives(RouteMeters.DURATION_BUCKETS).register(registry);
  }

  void picked(boolean panic, boolean retry) {
    (panic ? panicPicks : picks).increment();
    if (retry) {
      retries.increment();
    }
  }

  void attemptEnded(ClusterRuntime.Outcome outcome, long nanos) {
    switch (outcome) {
      case TIMEOUT -> timeouts.increment();
      case GATEWAY_FAILURE -> errors.increment();
      default -> { }
    }
    duration.record(nanos, TimeUnit.NANOSECONDS);
  }
}
