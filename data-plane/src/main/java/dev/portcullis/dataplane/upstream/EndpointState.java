package dev.portcullis.dataplane.upstream;

import dev.portcullis.dataplane.CoarseTime;
import dev.portcullis.model.Endpoint;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the data plane knows of one endpoint: requests in flight, a peak-EWMA of its latency, and
 * its health (active checks, passive ejection). Shared by the event loops; updated lock-free.
 * Kept across route-table swaps while the endpoint stays in its cluster.
 */
public final class EndpointState {

  /**
   * Bumped on every change of any endpoint's health (checks, ejections), so that clusters recompute
   * their available endpoints on their next pick, whichever table they belong to.
   */
  static final java.util.concurrent.atomic.AtomicLong HEALTH_VERSION = new java.util.concurrent.atomic.AtomicLong();

  /** Latency decay for the peak EWMA: a sample's weight halves in about this many nanoseconds. */
  static final double DECAY_NANOS = 10_000_000_000.0;

  private final Endpoint endpoint;
  final AtomicInteger active = new AtomicInteger();
  private volatile double ewmaNanos;
  private volatile long ewmaStamp = System.nanoTime();
  /** Active health: true until checks say otherwise (and always true without checks). */
  volatile boolean checkedHealthy = true;
  final AtomicInteger checkSuccesses = new AtomicInteger();
  final AtomicInteger checkFailures = new AtomicInteger();
  /**
   * Passive health: ejected until this System.nanoTime(), and how many times so far. It starts at
   * the coarse clock's time, which no later reading of either clock precedes: the balancer reads
   * the coarse one, and a new endpoint must not look ejected to it for a tick.
   */
  volatile long ejectedUntil = CoarseTime.nanos();
  final AtomicInteger ejections = new AtomicInteger();
  /** Since when the endpoint's ejection record was last shortened (or its last ejection ended). */
  volatile long forgivenAt = System.nanoTime();
  final AtomicInteger consecutiveFailures = new AtomicInteger();
  final AtomicInteger consecutiveGatewayFailures = new AtomicInteger();
  final AtomicLong requests = new AtomicLong();

  public EndpointState(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  public int active() {
    return active.get();
  }

  public long requests() {
    return requests.get();
  }

  /** True if the endpoint may take new requests now. */
  public boolean available(long now) {
    return checkedHealthy && now - ejectedUntil >= 0;
  }

  public boolean ejected(long now) {
    return now - ejectedUntil < 0;
  }

  public boolean checkedHealthy() {
    return checkedHealthy;
  }

  /** How much longer the endpoint stays ejected (0 when it is not). */
  public long ejectedForNanos(long now) {
    return Math.max(0, ejectedUntil - now);
  }

  /** Ejections on the endpoint's record: each one lasts longer; good answers shorten the record again. */
  public int ejectionCount() {
    return ejections.get();
  }

  /**
   * Records an active health check's outcome; flips the endpoint's health after the threshold of
   * consecutive results that disagree with it.
   *
   * @return true when the health changed
   */
  public boolean checked(boolean ok, int healthyThreshold, int unhealthyThreshold) {
    if (ok) {
      checkFailures.set(0);
      if (!checkedHealthy && checkSuccesses.incrementAndGet() >= healthyThreshold) {
        checkSuccesses.set(0);
        checkedHealthy = true;
        HEALTH_VERSION.incrementAndGet();
        return true;
      }
    } else {
      checkSuccesses.set(0);
      if (checkedHealthy && checkFailures.incrementAndGet() >= unhealthyThreshold) {
        checkFailures.set(0);
        checkedHealthy = false;
        HEALTH_VERSION.incrementAndGet();
        return true;
      }
    }
    return false;
  }

  /** Peak EWMA cost: the latency estimate, weighted by the requests already waiting on it. */
  double cost(long now) {
    double latency = decayed(now);
    int inFlight = active.get();
    if (latency == 0) {
      // No sample yet: cheap, but not free, so that new endpoints are tried without being flooded.
      return inFlight + 1;
    }
    return latency * (inFlight + 1);
  }

  private double decayed(long now) {
    double value = ewmaNanos;
    long elapsed = Math.max(0, now - ewmaStamp);
    return value * Math.exp(-elapsed / DECAY_NANOS);
  }

  /** Records a latency sample: a peak EWMA jumps up to a slow sample at once and decays slowly. */
  void latency(long nanos, long now) {
    double current = decayed(now);
    double next = nanos > current ? nanos : current + (nanos - current) * 0.2;
    ewmaNanos = next;
    ewmaStamp = now;
  }

  @Override
  public String toString() {
    return endpoint.toString();
  }
}
