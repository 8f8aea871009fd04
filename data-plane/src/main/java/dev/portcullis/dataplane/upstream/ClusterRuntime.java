package dev.portcullis.dataplane.upstream;

import dev.portcullis.dataplane.CoarseTime;
import dev.portcullis.model.Cluster;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import dev.portcullis.model.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster as the data plane runs it: its endpoints' states, its balancer, passive outlier
 * detection and the set of endpoints that may take requests now. A new route table reuses the
 * state of every endpoint that stays, so health, ejections and latency estimates survive it.
 *
 * <p>Availability: Kubernetes readiness is the first filter (only ready endpoints are in the
 * table), then active health checks and outlier ejection. When fewer than half the endpoints are
 * available the cluster panics and balances over all of them: better some failures than sending
 * the whole load to a few survivors.
 */
public final class ClusterRuntime {

  /** Below this share of available endpoints the cluster balances over all of them. */
  static final double PANIC_THRESHOLD = 0.5;
  /**
   * Passive detection that is always on: consecutive gateway failures (connection refused or
   * reset, no response in time) that eject an endpoint, as Envoy's consecutive_gateway_failure.
   */
  static final int DEFAULT_GATEWAY_FAILURES = 3;
  static final long DEFAULT_BASE_EJECTION_NANOS = 10_000_000_000L;
  static final int DEFAULT_MAX_EJECTION_PERCENT = 50;
  /** An ejection lasts base × n for the n-th ejection in a row, up to this many times the base. */
  static final int MAX_EJECTION_MULTIPLIER = 10;
  /** Retries in flight stay under this share of the requests in flight... */
  static final double RETRY_BUDGET = 0.2;
  /** ...but a few are always allowed, so that a quiet cluster can still retry. */
  static final int MIN_CONCURRENT_RETRIES = 3;

  /** How a request ended, for passive health. */
  public enum Outcome {
    /** A response came (its status says more). */
    RESPONSE,
    /** The connection could not be made, or was reset before the response. */
    GATEWAY_FAILURE,
    /** No response in time. */
    TIMEOUT,
    /** The request ended for reasons that say nothing about the endpoint (client gone, circuit open). */
    NEUTRAL
  }

  /** Counters of the cluster that outlive route-table swaps (its name stays; endpoints may change). */
  static final class Counters {
    final AtomicInteger active = new AtomicInteger();
    final AtomicInteger pending = new AtomicInteger();
    final AtomicInteger retries = new AtomicInteger();
    final AtomicLong overflows = new AtomicLong();
    final AtomicLong ejections = new AtomicLong();
    /** The cluster's meters, made on its first request; they follow the counters across table swaps. */
    dev.portcullis.dataplane.observability.ClusterMeters meters;
  }

  private final Cluster cluster;
  private final EndpointState[] all;
  private final Balancer balancer;
  private final Counters counters;
  private final int consecutive5xx;
  private final long baseEjectionNanos;
  /** How long an endpoint must do well, after an ejection ends, for each step of its record to be forgiven. */
  private final long forgiveNanos;
  private final int maxEjectionPercent;
  private final int maxInFlight;
  private final int maxPending;
  /** TLS to the endpoints (one object per cluster: connection pools are keyed by it), or null. */
  private final ClientSSLOptions ssl;
  private volatile EndpointState[] available;
  /** True while too few endpoints are available and the balancer picks among all of them. */
  private volatile boolean panic;
  /** When the set of available endpoints must be recomputed (the next ejection to expire). */
  private volatile long recomputeAt;
  /** The endpoints' health version the available set was computed at. */
  private volatile long healthVersion;

  public ClusterRuntime(Cluster cluster) {
    this(cluster, null);
  }

  /**
   * @param previous the runtime of the cluster of the same name in the table before, or null: the
   *                 states of the endpoints that stay, and the cluster's counters, carry over
   */
  public ClusterRuntime(Cluster cluster, ClusterRuntime previous) {
    this.cluster = cluster;
    Map<Endpoint, EndpointState> known = previous == null ? Map.of() : previous.states();
    this.all = cluster.endpoints().stream().map(e -> known.getOrDefault(e, new EndpointState(e)))
        .toArray(EndpointState[]::new);
    this.counters = previous == null ? new Counters() : previous.counters;
    this.balancer = switch (cluster.balancer()) {
      case ROUND_ROBIN -> new RoundRobinBalancer();
      case RANDOM -> new RandomBalancer();
      case LEAST_REQUEST -> new LeastRequestBalancer(false);
      case EWMA -> new LeastRequestBalancer(true);
      case CONSISTENT_HASH -> new ConsistentHashBalancer(all);
    };
    Cluster.OutlierDetection od = cluster.outlierDetection();
    this.consecutive5xx = od == null ? 0 : od.consecutive5xx();
    this.baseEjectionNanos = od == null ? DEFAULT_BASE_EJECTION_NANOS : od.baseEjectionTimeMs() * 1_000_000L;
    // Envoy's interval: the ejection multiplier goes down one step per interval the host does well.
    this.forgiveNanos = od == null ? DEFAULT_BASE_EJECTION_NANOS : od.intervalMs() * 1_000_000L;
    this.maxEjectionPercent = od == null ? DEFAULT_MAX_EJECTION_PERCENT : od.maxEjectionPercent();
    Cluster.CircuitBreaker cb = cluster.circuitBreaker() == null ? Cluster.CircuitBreaker.DEFAULT : cluster.circuitBreaker();
    // HTTP/1.1 sends one request per connection: requests in flight are the connections in use.
    this.maxInFlight = cluster.effectiveProtocol() == Cluster.Protocol.HTTP1
        ? Math.min(cb.maxConnections(), cb.maxRequests()) : cb.maxRequests();
    this.maxPending = cb.maxPendingRequests();
    this.ssl = previous != null && previous.cluster.tls() != null && previous.cluster.tls().equals(cluster.tls())
        && previous.ssl != null ? previous.ssl : sslOptions(cluster);
    recompute(System.nanoTime());
  }

  /**
   * The client TLS settings of a TLS cluster: its CA and name checked when it has a CA (the chain
   * must lead to the CA, and the certificate must name {@code serverName}); else encrypted without
   * authenticating the endpoint, as nginx and Contour do by default.
   */
  static ClientSSLOptions sslOptions(Cluster cluster) {
    if (!cluster.effectiveProtocol().tls()) {
      return null;
    }
    ClientSSLOptions o = new ClientSSLOptions()
        .setEnabledSecureTransportProtocols(java.util.Set.of("TLSv1.2", "TLSv1.3"))
        .setSslHandshakeTimeout(cluster.connectTimeoutMs())
        .setSslHandshakeTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
        .setUseAlpn(cluster.effectiveProtocol().http2());
    if (cluster.effectiveProtocol().http2()) {
      o.setApplicationLayerProtocols(java.util.List.of("h2"));
    }
    Cluster.UpstreamTls tls = cluster.tls();
    if (tls != null && tls.caPem() != null) {
      o.setTrustOptions(new PemTrustOptions().addCertValue(io.vertx.core.buffer.Buffer.buffer(tls.caPem())))
          .setHostnameVerificationAlgorithm("HTTPS");
    } else {
      o.setTrustAll(true).setHostnameVerificationAlgorithm("");
    }
    return o;
  }

  /** The client TLS settings for the endpoints, or null when they are spoken to in cleartext. */
  public ClientSSLOptions ssl() {
    return ssl;
  }

  /** The host name to send as SNI (and check, with a CA), or null for cleartext and IP-only TLS. */
  public String serverName() {
    return cluster.tls() == null ? null : cluster.tls().serverName();
  }

  public Cluster cluster() {
    return cluster;
  }

  public String name() {
    return cluster.name();
  }

  /** Every endpoint's state. */
  public EndpointState[] endpoints() {
    return all;
  }

  /** An endpoint for a request, or null when the cluster has none. */
  public EndpointState pick(String hashKey) {
    return pick(hashKey, null);
  }

  /** An endpoint other than {@code avoid} when there is one (for a retry), or null when none at all. */
  public EndpointState pick(String hashKey, EndpointState avoid) {
    if (all.length == 0) {
      return null;
    }
    // Coarse: ejections and their ends are counted in seconds; a tick late is nothing.
    long now = CoarseTime.nanos();
    if (now - recomputeAt >= 0 || healthVersion != EndpointState.HEALTH_VERSION.get()) {
      recompute(now);
    }
    EndpointState[] candidates = available;
    if (avoid != null && candidates.length > 1) {
      EndpointState[] others = new EndpointState[candidates.length];
      int k = 0;
      for (EndpointState e : candidates) {
        if (e != avoid) {
          others[k++] = e;
        }
      }
      candidates = java.util.Arrays.copyOf(others, k);
    }
    return balancer.pick(candidates, hashKey);
  }

  /** Recomputes the available set; panics (all endpoints) below the threshold. */
  private synchronized void recompute(long now) {
    long version = EndpointState.HEALTH_VERSION.get();
    List<EndpointState> up = new ArrayList<>(all.length);
    long next = now + 60_000_000_000L;
    for (EndpointState e : all) {
      if (e.available(now)) {
        up.add(e);
      } else if (e.ejected(now) && e.ejectedUntil - next < 0) {
        next = e.ejectedUntil;
      }
    }
    boolean enough = up.size() >= Math.ceil(all.length * PANIC_THRESHOLD) && !up.isEmpty();
    available = enough ? up.toArray(new EndpointState[0]) : all;
    panic = !enough && up.size() < all.length;
    recomputeAt = next;
    healthVersion = version;
  }

  /** True when too few endpoints are available and the cluster balances over all of them. */
  public boolean panicking() {
    if (all.length == 0 || available != all) {
      return false;
    }
    long now = System.nanoTime();
    for (EndpointState e : all) {
      if (!e.available(now)) {
        return true;
      }
    }
    return false;
  }

  /**
   * True when the last picks balanced over all endpoints because too few were available: the
   * state {@link #panicking} computes, as of the last pick, without a walk over the endpoints.
   */
  public boolean panicMode() {
    return panic;
  }

  /**
   * Admits a request to the cluster, or refuses it when the circuit breaker is open (too many in
   * flight). An admitted request must be {@link #release released}.
   */
  public boolean tryAdmit() {
    while (true) {
      int current = counters.active.get();
      if (current >= maxInFlight) {
        counters.overflows.incrementAndGet();
        return false;
      }
      if (counters.active.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  public void release() {
    counters.active.decrementAndGet();
  }

  /** A request starts waiting for a connection; false when too many already wait. */
  public boolean tryPend() {
    if (counters.pending.incrementAndGet() > maxPending) {
      counters.pending.decrementAndGet();
      counters.overflows.incrementAndGet();
      return false;
    }
    return true;
  }

  public void pended() {
    counters.pending.decrementAndGet();
  }

  /** A request attempt starts on an endpoint. */
  public void started(EndpointState e) {
    e.active.incrementAndGet();
    e.requests.incrementAndGet();
  }

  /**
   * A request attempt on an endpoint ended.
   *
   * @param outcome      how it ended
   * @param status       the response status when there was one, else 0
   * @param latencyNanos time to the response headers (0 when unknown)
   */
  public void finished(EndpointState e, Outcome outcome, int status, long latencyNanos) {
    e.active.decrementAndGet();
    long now = CoarseTime.nanos();
    if (latencyNanos > 0) {
      e.latency(latencyNanos, now);
    }
    if (outcome == Outcome.TIMEOUT) {
      // No answer in time: the slowest answer there is, so latency-aware balancing avoids it.
      e.latency(Math.max(latencyNanos, 1_000_000_000L), now);
    }
    boolean gatewayFailure = outcome == Outcome.GATEWAY_FAILURE || outcome == Outcome.TIMEOUT;
    boolean failure = gatewayFailure || (outcome == Outcome.RESPONSE && consecutive5xx > 0 && status >= 500);
    if (outcome == Outcome.NEUTRAL) {
      return;
    }
    if (!failure) {
      e.consecutiveFailures.set(0);
      e.consecutiveGatewayFailures.set(0);
      if (e.ejections.get() > 0 && now - e.ejectedUntil > 0 && now - e.forgivenAt > forgiveNanos) {
        e.forgivenAt = now;
        e.ejections.updateAndGet(n -> Math.max(0, n - 1));
      }
      return;
    }
    boolean eject = false;
    if (gatewayFailure && e.consecutiveGatewayFailures.incrementAndGet() >= DEFAULT_GATEWAY_FAILURES) {
      eject = true;
    }
    if (consecutive5xx > 0 && e.consecutiveFailures.incrementAndGet() >= consecutive5xx) {
      eject = true;
    }
    if (eject && !e.ejected(now)) {
      eject(e, now);
    }
  }

  private synchronized void eject(EndpointState e, long now) {
    if (e.ejected(now)) {
      return;
    }
    int ejected = 0;
    for (EndpointState s : all) {
      if (s.ejected(now)) {
        ejected++;
      }
    }
    if ((ejected + 1) * 100 > all.length * maxEjectionPercent) {
      return; // capped: at most maxEjectionPercent of the endpoints out at once
    }
    int n = Math.min(e.ejections.incrementAndGet(), MAX_EJECTION_MULTIPLIER);
    e.ejectedUntil = now + baseEjectionNanos * n;
    e.forgivenAt = e.ejectedUntil;
    e.consecutiveFailures.set(0);
    e.consecutiveGatewayFailures.set(0);
    counters.ejections.incrementAndGet();
    EndpointState.HEALTH_VERSION.incrementAndGet();
  }

  /** Requests in flight on the cluster (on this data plane). */
  public int activeRequests() {
    return counters.active.get();
  }

  /** Requests refused by the circuit breaker so far. */
  public long overflows() {
    return counters.overflows.get();
  }

  /** Endpoints ejected by outlier detection so far. */
  public long ejections() {
    return counters.ejections.get();
  }

  /** The cluster's meters, or null before its first request. */
  public dev.portcullis.dataplane.observability.ClusterMeters meters() {
    return counters.meters;
  }

  public void meters(dev.portcullis.dataplane.observability.ClusterMeters meters) {
    counters.meters = meters;
  }

  /**
   * Takes a retry from the budget: retries in flight stay under 20% of the cluster's requests in
   * flight (at least 3), so retries cannot multiply the load of an outage.
   */
  public boolean tryRetry() {
    int limit = Math.max(MIN_CONCURRENT_RETRIES, (int) (counters.active.get() * RETRY_BUDGET));
    while (true) {
      int current = counters.retries.get();
      if (current >= limit) {
        return false;
      }
      if (counters.retries.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  public void retryDone() {
    counters.retries.decrementAndGet();
  }

  /** Endpoint states by endpoint. */
  Map<Endpoint, EndpointState> states() {
    Map<Endpoint, EndpointState> m = new HashMap<>();
    for (EndpointState e : all) {
      m.put(e.endpoint(), e);
    }
    return m;
  }
}
