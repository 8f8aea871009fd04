package dev.portcullis.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WeightedScheduleTest {

  static int[] counts(int[] schedule, int n) {
    int[] c = new int[n];
    for (int i : schedule) {
      c[i]++;
    }
    return c;
  }

  @Test
  void exactSharesPerCycle() {
    assertThat(counts(CompiledRoute.schedule(new int[] {90, 10}), 2)).containsExactly(9, 1);
    assertThat(counts(CompiledRoute.schedule(new int[] {5, 1, 1}), 3)).containsExactly(5, 1, 1);
    assertThat(counts(CompiledRoute.schedule(new int[] {3, 0, 2}), 3)).containsExactly(3, 0, 2);
  }

  @Test
  void smoothInterleaving() {
    // nginx's example: weights 5, 1, 1 give a a b a c a a, not a a a a a b c.
    assertThat(CompiledRoute.schedule(new int[] {5, 1, 1})).containsExactly(0, 0, 1, 0, 2, 0, 0);
  }

  @Test
  void hugeWeightsAreScaledDown() {
    int[] s = CompiledRoute.schedule(new int[] {999_983, 17, 1});
    assertThat(s.length).isLessThanOrEqualTo(CompiledRoute.MAX_SCHEDULE + 3);
    int[] c = counts(s, 3);
    assertThat(c[1]).isPositive();
    assertThat(c[2]).as("a small weight is never starved").isPositive();
    assertThat(Arrays.stream(c).sum()).isEqualTo(s.length);
  }
}
