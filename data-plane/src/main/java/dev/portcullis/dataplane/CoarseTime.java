package dev.portcullis.dataplane;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The time, read from a field that one daemon thread refreshes every {@link #TICK_MS} ms, for the
 * deadlines and windows on the request path that are counted in seconds: the request-head
 * deadline, the upstream pool's keep-alive, the upstream idle timeout, the metrics' time
 * windows. A clock read costs about 20 ns on the machines measured, and a proxied request made
 * some thirty of them; those that only ever move a deadline need no better than a tick.
 * Latencies, and every decision that compares against a deadline, still read the real clock.
 *
 * <p>The thread lives as long as the JVM (as Netty's global executor does) and wakes a hundred
 * times a second, however many data planes one JVM runs.
 */
public final class CoarseTime {

  /** How stale a reading may be. */
  public static final long TICK_MS = 10;

  private static volatile long nanos = System.nanoTime();
  private static volatile long millis = System.currentTimeMillis();

  static {
    Thread ticker = new Thread(CoarseTime::tick, "portcullis-coarse-time");
    ticker.setDaemon(true);
    ticker.start();
  }

  private CoarseTime() {}

  private static void tick() {
    long tick = TimeUnit.MILLISECONDS.toNanos(TICK_MS);
    while (true) {
      LockSupport.parkNanos(tick);
      nanos = System.nanoTime();
      millis = System.currentTimeMillis();
    }
  }

  /** {@link System#nanoTime()} as of at most {@link #TICK_MS} ms ago. */
  public static long nanos() {
    return nanos;
  }

  /** {@link System#currentTimeMillis()} as of at most {@link #TICK_MS} ms ago. */
  public static long millis() {
    return millis;
  }
}
