package dev.portcullis.dataplane.observability;

import dev.portcullis.dataplane.CoarseTime;
import io.micrometer.core.instrument.Clock;

/**
 * The metrics registry's clock, read on every request. Each histogram and each maximum Micrometer
 * records reads the wall clock to see whether its time window has to turn (every 40 s by
 * default), so a request that records five meters read it ten times: the single biggest leaf of
 * the proxy's CPU profile. This clock's wall time is {@link CoarseTime}'s, so the windows turn up
 * to a tick late. The durations recorded are measured by the proxy with {@link System#nanoTime()},
 * not with this clock, and {@link #monotonicTime()} stays exact.
 */
final class CoarseClock implements Clock {

  static final CoarseClock INSTANCE = new CoarseClock();

  private CoarseClock() {}

  @Override
  public long wallTime() {
    return CoarseTime.millis();
  }

  @Override
  public long monotonicTime() {
    return System.nanoTime();
  }
}
