package dev.portcullis.model.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NameOrderTest {

  private static List<String> pairs(List<String> now, List<String> was) {
    List<String> seen = new ArrayList<>();
    NameOrder.pair(now, was, s -> s, new NameOrder.Pairing() {
      @Override
      public void paired(int i, int j) {
        assertThat(now.get(i)).isEqualTo(was.get(j));
        seen.add("= " + now.get(i));
      }

      @Override
      public void added(int i) {
        seen.add("+ " + now.get(i));
      }

      @Override
      public void gone(int j) {
        seen.add("- " + was.get(j));
      }
    });
    return seen;
  }

  @Test
  void listsInNameOrderArePairedByTheWalk() {
    // Pairs as the walk finds them, then what was added, then what went.
    assertThat(pairs(List.of("a", "c", "d", "f"), List.of("b", "c", "d", "e")))
        .containsExactly("= c", "= d", "+ a", "+ f", "- b", "- e");
  }

  /** Any order, as many shuffles: every name in both is paired once, the others are added or gone. */
  @Test
  void listsInAnyOrderComeOutTheSame() {
    Random random = new Random(5);
    for (int round = 0; round < 50; round++) {
      List<String> now = new ArrayList<>();
      List<String> was = new ArrayList<>();
      for (int n = 0; n < 40; n++) {
        int where = random.nextInt(3);
        if (where != 1) {
          now.add("n" + n);
        }
        if (where != 0) {
          was.add("n" + n);
        }
      }
      if (round % 2 == 1) {
        Collections.shuffle(now, random);
        Collections.shuffle(was, random);
      }
      List<String> expected = new ArrayList<>();
      now.forEach(n -> expected.add((was.contains(n) ? "= " : "+ ") + n));
      was.stream().filter(n -> !now.contains(n)).forEach(n -> expected.add("- " + n));
      assertThat(pairs(now, was)).as("round " + round).containsExactlyInAnyOrderElementsOf(expected);
    }
  }
}
