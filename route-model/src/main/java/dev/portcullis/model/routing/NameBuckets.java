package dev.portcullis.model.routing;

import java.util.HashMap;
import java.util.function.Consumer;

/**
 * A map from names to values, split into buckets that a later version shares until it writes
 * them: {@link #edit} makes the next version, which copies only the buckets it changes. A router
 * of 10,000 hosts made after the last one for a change of one host copies a bucket of a few dozen
 * hosts instead of putting 10,000 into a new map. Reads cost one array index more than a plain
 * hash map's.
 *
 * <p>A version is changed only by the one compiling it, before it is published; once published it
 * is read only (and shared between threads, as the router is).
 */
final class NameBuckets<V> {

  private static final int MIN_BUCKETS = 16;
  private static final int MAX_BUCKETS = 4096;
  /** About this many names per bucket; a version whose size strays 4 times from it is spread again. */
  private static final int PER_BUCKET = 16;

  private final HashMap<String, V>[] buckets;
  private final int shift;
  /** The buckets this version made its own (the others are an earlier version's, read only). */
  private final boolean[] own;
  private int size;

  @SuppressWarnings("unchecked")
  private NameBuckets(int buckets) {
    this.buckets = new HashMap[buckets];
    this.shift = 32 - Integer.numberOfTrailingZeros(buckets);
    this.own = new boolean[buckets];
  }

  private NameBuckets(NameBuckets<V> from) {
    this.buckets = from.buckets.clone();
    this.shift = from.shift;
    this.own = new boolean[buckets.length];
    this.size = from.size;
  }

  /** An empty map for about {@code expected} names. */
  static <V> NameBuckets<V> sized(int expected) {
    return new NameBuckets<>(bucketsFor(expected));
  }

  private static int bucketsFor(int names) {
    return Integer.highestOneBit(Math.max(MIN_BUCKETS, Math.min(MAX_BUCKETS, names / PER_BUCKET)));
  }

  /** The next version: this one's names, its buckets shared until written (spread again if its size strayed). */
  NameBuckets<V> edit() {
    int suits = bucketsFor(size);
    if (buckets.length * 4 >= suits && buckets.length <= suits * 4) {
      return new NameBuckets<>(this);
    }
    NameBuckets<V> spread = new NameBuckets<>(suits);
    forEach((k, v) -> spread.put(k, v));
    return spread;
  }

  private int bucket(String name) {
    // The high bits (Fibonacci hashing): the bucket's own map spreads its names by the low ones.
    return (name.hashCode() * 0x9E3779B9) >>> shift;
  }

  V get(String name) {
    HashMap<String, V> b = buckets[bucket(name)];
    return b == null ? null : b.get(name);
  }

  void put(String name, V value) {
    if (writable(bucket(name)).put(name, value) == null) {
      size++;
    }
  }

  void remove(String name) {
    int i = bucket(name);
    if (buckets[i] != null && buckets[i].containsKey(name) && writable(i).remove(name) != null) {
      size--;
    }
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  void forEachValue(Consumer<V> action) {
    for (HashMap<String, V> b : buckets) {
      if (b != null) {
        b.values().forEach(action);
      }
    }
  }

  private void forEach(java.util.function.BiConsumer<String, V> action) {
    for (HashMap<String, V> b : buckets) {
      if (b != null) {
        b.forEach(action);
      }
    }
  }

  /** How many buckets there are (for tests). */
  int bucketCount() {
    return buckets.length;
  }

  private HashMap<String, V> writable(int i) {
    if (!own[i]) {
      HashMap<String, V> before = buckets[i];
      HashMap<String, V> mine = new HashMap<>(Math.max(PER_BUCKET * 2, before == null ? 0 : before.size() * 2));
      if (before != null) {
        mine.putAll(before);
      }
      buckets[i] = mine;
      own[i] = true;
    }
    return buckets[i];
  }
}
