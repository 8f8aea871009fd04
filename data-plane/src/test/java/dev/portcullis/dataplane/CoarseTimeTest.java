package dev.portcullis.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CoarseTimeTest {

  @Test
  void followsTheClockAtMostATickBehindAndNeverAhead() throws Exception {
    long start = CoarseTime.nanos();
    long startMillis = CoarseTime.millis();
    Thread.sleep(100);
    long nanos = CoarseTime.nanos();
    long millis = CoarseTime.millis();
    assertThat(nanos).isLessThanOrEqualTo(System.nanoTime());
    assertThat(millis).isLessThanOrEqualTo(System.currentTimeMillis());
    // It moved on while the test slept; a loaded machine may wake the ticker late, not never.
    assertThat(TimeUnit.NANOSECONDS.toMillis(nanos - start)).isGreaterThanOrEqualTo(50);
    assertThat(millis - startMillis).isGreaterThanOrEqualTo(50);
    long behind = 0;
    for (int i = 0; i < 20; i++) {
      behind = Math.max(behind, System.nanoTime() - CoarseTime.nanos());
      Thread.sleep(3);
    }
    assertThat(TimeUnit.NANOSECONDS.toMillis(behind)).isLessThan(CoarseTime.TICK_MS + 200);
  }
}
