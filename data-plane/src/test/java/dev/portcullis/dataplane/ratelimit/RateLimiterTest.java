package dev.portcullis.dataplane.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.RoutePolicies;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** The bucket arithmetic and the key table, on a clock the test moves. */
class RateLimiterTest {

  static final long MS = 1_000_000L;
  static final long SECOND = 1_000 * MS;

  /** A clock that stands still until the test moves it. */
  static final class Clock {
    long now;

    void advance(long nanos) {
      now += nanos;
    }
  }

  static RateLimiter limiter(int rps, int burst, String key, String header, int maxKeys, Clock clock) {
    return new RateLimiter(new RoutePolicies.RateLimit(rps, burst, key, header), maxKeys, () -> clock.now);
  }

  static int admitted(RateLimiter limiter, String key, int attempts) {
    int n = 0;
    for (int i = 0; i < attempts; i++) {
      if (limiter.acquire(key).admitted()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void aFullBucketAdmitsTheBurstThenRefusesAndSaysWhenTheNextTokenComes() {
    Clock clock = new Clock();
    RateLimiter limiter = limiter(10, 5, "Route", null, 100, clock);
    for (int i = 4; i >= 0; i--) {
      RateLimiter.Verdict v = limiter.acquire(null);
      assertThat(v.admitted()).isTrue();
      assertThat(v.remaining()).isEqualTo(i);
    }
    RateLimiter.Verdict refused = limiter.acquire(null);
    assertThat(refused.admitted()).isFalse();
    assertThat(refused.remaining()).isZero();
    assertThat(refused.waitNanos()).isEqualTo(100 * MS);
    assertThat(refused.seconds()).isEqualTo(1);
    assertThat(refused.field()).isEqualTo("\"portcullis\";r=0;t=1");

    clock.advance(40 * MS);
    assertThat(limiter.acquire(null).waitNanos()).as("the wait shrinks as the bucket refills").isEqualTo(60 * MS);
  }

  @Test
  void theBucketRefillsContinuouslyAtTheRate() {
    Clock clock = new Clock();
    RateLimiter limiter = limiter(10, 5, "Route", null, 100, clock);
    assertThat(admitted(limiter, null, 10)).isEqualTo(5);
    clock.advance(99 * MS);
    assertThat(admitted(limiter, null, 10)).as("not a whole token yet").isZero();
    clock.advance(MS);
    assertThat(admitted(limiter, null, 10)).isEqualTo(1);
    // Fractions carry over: 2.5 tokens, then the other half.
    clock.advance(250 * MS);
    assertThat(admitted(limiter, null, 10)).isEqualTo(2);
    clock.advance(50 * MS);
    assertThat(admitted(limiter, null, 10)).isEqualTo(1);
    // Over a long run with a request every tick, exactly the rate passes.
    int total = 0;
    for (int t = 0; t < 10_000; t++) {
      clock.advance(MS);
      total += admitted(limiter, null, 3);
    }
    assertThat(total).isEqualTo(100);
  }

  @Test
  void aLongIdleFillsTheBucketOnlyUpToTheBurstAndNeverOverflows() {
    Clock clock = new Clock();
    RateLimiter limiter = limiter(1_000_000, 10, "Route", null, 100, clock);
    admitted(limiter, null, 10);
    clock.advance(200L * 365 * 24 * 3600 * SECOND); // two hundred years
    assertThat(admitted(limiter, null, 100)).isEqualTo(10);
    RateLimiter.Verdict refused = limiter.acquire(null);
    assertThat(refused.waitNanos()).isEqualTo(1_000);

    // The largest bucket the model allows: 10 million requests at one per second (115 days of refill).
    Clock late = new Clock();
    late.now = Long.MAX_VALUE - 200L * 24 * 3600 * SECOND;
    RateLimiter huge = limiter(1, 10_000_000, "Route", null, 100, late);
    assertThat(huge.acquire(null).remaining()).isEqualTo(9_999_999);
    late.advance(100L * 24 * 3600 * SECOND);
    RateLimiter.Verdict v = huge.acquire(null);
    assertThat(v.admitted()).isTrue();
    assertThat(v.remaining()).isEqualTo(9_999_999);
  }

  @Test
  void remainingAndTheTimeToTheNextTokenFollowTheBucket() {
    Clock clock = new Clock();
    RateLimiter limiter = limiter(4, 8, "Route", null, 100, clock);
    RateLimiter.Verdict first = limiter.acquire(null);
    assertThat(first.remaining()).isEqualTo(7);
    assertThat(first.waitNanos()).isEqualTo(250 * MS);
    clock.advance(100 * MS);
    RateLimiter.Verdict second = limiter.acquire(null);
    // Owed after it: 250 - 100 + 250 = 400 ms, so 6.4 tokens left, the next whole one in 150 ms.
    assertThat(second.remaining()).isEqualTo(6);
    assertThat(second.waitNanos()).isEqualTo(150 * MS);
    assertThat(second.field()).isEqualTo("\"portcullis\";r=6;t=1");
  }

  @Test
  void concurrentTakersNeverGetMoreThanTheBucketHolds() throws Exception {
    AtomicLong state = new AtomicLong();
    long interval = 1_000;
    long capacity = 1_000 * interval;
    int threads = 8;
    LongAdder admitted = new LongAdder();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 50_000; i++) {
          if (TokenBucket.take(state, 5_000_000, interval, capacity) > 0) {
            admitted.increment();
          }
        }
      });
      thread.start();
      all.add(thread);
    }
    start.countDown();
    for (Thread t : all) {
      t.join();
    }
    assertThat(admitted.sum()).as("the clock stood still: exactly the burst").isEqualTo(1_000);

    // With time moving under them: never more than the burst plus the refill of the time that passed.
    AtomicLong moving = new AtomicLong();
    AtomicLong clock = new AtomicLong();
    LongAdder got = new LongAdder();
    List<Thread> racers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        for (int i = 0; i < 50_000; i++) {
          long now = clock.addAndGet(7);
          if (TokenBucket.take(moving, now, interval, 10 * interval) > 0) {
            got.increment();
          }
        }
      });
      thread.start();
      racers.add(thread);
    }
    for (Thread t : racers) {
      t.join();
    }
    assertThat(got.sum()).isLessThanOrEqualTo(10 + clock.get() / interval).isGreaterThan(10);
  }

  @Test
  void eachKeyHasItsBucketAndKeylessRequestsShareOne() {
    Clock clock = new Clock();
    RateLimiter limiter = limiter(1, 2, "Header", "x-api-key", 100, clock);
    assertThat(admitted(limiter, "alice", 5)).isEqualTo(2);
    assertThat(admitted(limiter, "bob", 5)).isEqualTo(2);
    assertThat(admitted(limiter, null, 5)).isEqualTo(2);
    assertThat(admitted(limiter, null, 5)).as("one bucket for every request without the header").isZero();
    assertThat(limiter.keys()).as("the keyless bucket is not in the table").isEqualTo(2);

    // Long values are kept as a digest: equal values share, different ones do not.
    String long1 = "k".repeat(10_000);
    String long2 = "k".repeat(9_999) + "j";
    assertThat(admitted(limiter, long1, 5)).isEqualTo(2);
    assertThat(admitted(limiter, new String(long1), 5)).isZero();
    assertThat(admitted(limiter, long2, 5)).isEqualTo(2);
  }

  @Test
  void rotatingKeysNeverGrowTheTablePastItsBoundNorFreeTheClientsThatComeOften() {
    Clock clock = new Clock();
    RateLimiter limiter = limiter(1, 5, "ClientIP", null, RateLimiter.MAX_KEYS, clock);
    assertThat(admitted(limiter, "198.51.100.7", 10)).isEqualTo(5);
    for (int i = 0; i < 20 * RateLimiter.MAX_KEYS; i++) {
      limiter.acquire("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
      if (i % 50 == 0) {
        assertThat(limiter.acquire("198.51.100.7").admitted()).isFalse();
      }
    }
    assertThat(limiter.keys()).isLessThanOrEqualTo(RateLimiter.MAX_KEYS);
    assertThat(limiter.acquire("198.51.100.7").admitted()).as("a frequent client keeps its (empty) bucket").isFalse();
  }

  @Test
  void bucketsThatRefilledLeaveTheTable() {
    Clock clock = new Clock();
    RateLimiter limiter = limiter(10, 20, "ClientIP", null, 100, clock);
    assertThat(admitted(limiter, "192.0.2.1", 30)).isEqualTo(20);
    admitted(limiter, "192.0.2.2", 1);
    assertThat(limiter.keys()).isEqualTo(2);
    clock.advance(2 * SECOND);
    assertThat(limiter.keys()).as("full again, but not yet dropped").isEqualTo(2);
    clock.advance(2 * SECOND);
    assertThat(limiter.keys()).isZero();
    assertThat(admitted(limiter, "192.0.2.1", 30)).as("the same as a kept, refilled bucket").isEqualTo(20);
  }

  @Test
  void thePolicyStatesTheRateOverTheTimeAnEmptyBucketTakesToFill() {
    assertThat(RateLimiter.policyField(100, 100)).isEqualTo("\"portcullis\";q=100;w=1");
    assertThat(RateLimiter.policyField(50, 1)).isEqualTo("\"portcullis\";q=50;w=1");
    assertThat(RateLimiter.policyField(10, 100)).isEqualTo("\"portcullis\";q=100;w=10");
    assertThat(RateLimiter.policyField(3, 10)).isEqualTo("\"portcullis\";q=12;w=4");
    assertThat(RateLimiter.policyField(1, 10_000_000)).isEqualTo("\"portcullis\";q=10000000;w=10000000");
  }

  @Test
  void waitsAreRoundedUpToWholeSecondsAndAtLeastOne() {
    assertThat(new RateLimiter.Verdict(false, 0, 1).seconds()).isEqualTo(1);
    assertThat(new RateLimiter.Verdict(false, 0, SECOND).seconds()).isEqualTo(1);
    assertThat(new RateLimiter.Verdict(false, 0, SECOND + 1).seconds()).isEqualTo(2);
    assertThat(new RateLimiter.Verdict(true, 3, 20 * MS).seconds()).isEqualTo(1);
  }
}
