package dev.portcullis.dataplane.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The arithmetic of a token bucket whose whole state is one long: the instant at which the bucket
 * will be full again (the "theoretical arrival time" of GCRA, which is a token bucket written
 * differently). One word of state needs no packing of a token count beside a timestamp, so a single
 * compare-and-set updates it from any event loop, and a bucket is nothing but an {@link AtomicLong}.
 *
 * <p>Time is in nanoseconds on a clock that never goes below zero; a fresh state of 0 is a full
 * bucket. Each request costs {@code interval} nanoseconds of refill and the bucket holds
 * {@code capacity} nanoseconds of it ({@code burst × interval}). How long a bucket sat idle never
 * enters the arithmetic (only whether its full instant is past), so a long idle cannot overflow or
 * store more than a full bucket.
 */
final class TokenBucket {
  private TokenBucket() {}

  /**
   * Takes one token if there is one.
   *
   * @return when admitted, the refill still owed after this request, in nanoseconds (at least
   *         {@code interval}); when refused, minus the nanoseconds until a token will be there (so
   *         always below zero). Never 0.
   */
  static long take(AtomicLong state, long now, long interval, long capacity) {
    while (true) {
      long full = state.get();
      long owed = full > now ? full - now : 0;
      long after = owed + interval;
      if (after > capacity) {
        // Refused without a write: a flood of refused requests does not fight over the state.
        return -(after - capacity);
      }
      if (state.compareAndSet(full, now + after)) {
        return after;
      }
    }
  }

  /** Whole tokens left when {@code owed} nanoseconds of refill are owed. */
  static long remaining(long owed, long interval, long capacity) {
    return (capacity - owed) / interval;
  }

  /**
   * Nanoseconds until the next whole token, when {@code owed} (more than 0) is owed: the refill
   * runs continuously, so the next token is complete when the debt falls to the multiple of
   * {@code interval} below it.
   */
  static long untilNextToken(long owed, long interval) {
    long part = owed % interval;
    return part == 0 ? interval : part;
  }
}
