package dev.portcullis.model.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BucketMapTest {

  @Test
  void aVersionSharesWhatItDoesNotWriteAndSpreadsAsItGrows() {
    BucketMap<String, String> first = BucketMap.sized(0);
    for (int i = 0; i < 100; i++) {
      first.put("n" + i, "v" + i);
    }
    BucketMap<String, String> second = first.edit();
    assertThat(second.put("n5", "changed")).isEqualTo("v5");
    assertThat(second.remove("n6")).isEqualTo("v6");
    assertThat(second.remove("absent")).isNull();
    assertThat(first.get("n5")).isEqualTo("v5");
    assertThat(first.get("n6")).isEqualTo("v6");
    assertThat(first).hasSize(100);
    assertThat(second.get("n5")).isEqualTo("changed");
    assertThat(second.containsKey("n6")).isFalse();
    assertThat(second.get("n7")).isEqualTo("v7");
    assertThat(second).hasSize(99);

    for (int i = 0; i < 20_000; i++) {
      second.put("m" + i, "w" + i);
    }
    BucketMap<String, String> spread = second.edit();
    assertThat(second.bucketCount()).isEqualTo(16);
    assertThat(spread.bucketCount()).isEqualTo(1024);
    assertThat(spread).hasSize(20_099).containsEntry("m19999", "w19999").containsEntry("n5", "changed");
    List<String> values = new ArrayList<>();
    spread.values().forEach(values::add);
    assertThat(values).hasSize(20_099);
    assertThat(spread.values().iterator().next()).isNotNull();
    assertThat(spread.entrySet()).hasSize(20_099);
  }

  /** Random edits over many versions: every version reads as a plain map given the same edits would. */
  @Test
  void everyVersionIsWhatAPlainMapWouldBe() {
    Random random = new Random(3);
    List<BucketMap<Integer, Integer>> versions = new ArrayList<>();
    List<Map<Integer, Integer>> expected = new ArrayList<>();
    BucketMap<Integer, Integer> map = BucketMap.sized(0);
    Map<Integer, Integer> model = new HashMap<>();
    for (int v = 0; v < 60; v++) {
      int edits = v % 10 == 0 ? 3_000 : random.nextInt(20);
      for (int e = 0; e < edits; e++) {
        int key = random.nextInt(5_000);
        if (random.nextInt(3) == 0) {
          assertThat(map.remove(key)).isEqualTo(model.remove(key));
        } else {
          assertThat(map.put(key, v)).isEqualTo(model.put(key, v));
        }
      }
      versions.add(map);
      expected.add(new HashMap<>(model));
      map = map.edit();
    }
    for (int v = 0; v < versions.size(); v++) {
      assertThat(versions.get(v)).as("version " + v).isEqualTo(expected.get(v)).hasSize(expected.get(v).size());
    }
  }

  @Test
  void aFrozenVersionRefusesWritesAndItsLaterVersionsDoNot() {
    BucketMap<String, String> map = BucketMap.sized(10);
    map.put("a", "1");
    BucketMap<String, String> frozen = map.freeze();
    assertThat(frozen.isFrozen()).isTrue();
    assertThatThrownBy(() -> frozen.put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> frozen.remove("a")).isInstanceOf(UnsupportedOperationException.class);
    BucketMap<String, String> later = frozen.edit();
    assertThat(later.isFrozen()).isFalse();
    later.put("a", "changed");
    later.put("b", "2");
    assertThat(frozen).containsOnly(Map.entry("a", "1"));
    assertThat(later).containsOnly(Map.entry("a", "changed"), Map.entry("b", "2"));
  }

  @Test
  void nullKeysAndValuesAreRefused() {
    BucketMap<String, String> map = BucketMap.sized(10);
    assertThatThrownBy(() -> map.put("a", null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> map.put(null, "a")).isInstanceOf(NullPointerException.class);
    assertThat(map).isEmpty();
  }
}
