package dev.portcullis.dataplane.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.RoutePolicies;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConcurrencyLimiterTest {

  @Test
  void admitsUpToTheLimitPerAddressAndGivesSlotsBackOnce() {
    ConcurrencyLimiter limiter = new ConcurrencyLimiter(new RoutePolicies.Concurrency(2, null));
    Runnable a = limiter.acquire("10.0.0.1");
    Runnable b = limiter.acquire("10.0.0.1");
    assertThat(a).isNotNull();
    assertThat(b).isNotNull();
    assertThat(limiter.acquire("10.0.0.1")).isNull();
    // Another address has slots of its own.
    assertThat(limiter.acquire("10.0.0.2")).isNotNull();
    a.run();
    a.run();
    assertThat(limiter.inFlight("10.0.0.1")).isEqualTo(1);
    Runnable c = limiter.acquire("10.0.0.1");
    assertThat(c).isNotNull();
    assertThat(limiter.acquire("10.0.0.1")).isNull();
    b.run();
    c.run();
    assertThat(limiter.inFlight("10.0.0.1")).isZero();
  }

  @Test
  void anUnknownAddressIsAlwaysAdmitted() {
    ConcurrencyLimiter limiter = new ConcurrencyLimiter(new RoutePolicies.Concurrency(1, null));
    assertThat(limiter.acquire(null)).isNotNull();
    assertThat(limiter.acquire(null)).isNotNull();
  }

  @Test
  void countsStayExactUnderContention() throws Exception {
    ConcurrencyLimiter limiter = new ConcurrencyLimiter(new RoutePolicies.Concurrency(3, null));
    AtomicInteger overLimit = new AtomicInteger();
    AtomicInteger holding = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Thread thread = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 20_000; i++) {
          Runnable slot = limiter.acquire("192.0.2.1");
          if (slot != null) {
            if (holding.incrementAndGet() > 3) {
              overLimit.incrementAndGet();
            }
            holding.decrementAndGet();
            slot.run();
          }
        }
      });
      thread.start();
      threads.add(thread);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(overLimit).hasValue(0);
    assertThat(limiter.inFlight("192.0.2.1")).isZero();
  }
}
