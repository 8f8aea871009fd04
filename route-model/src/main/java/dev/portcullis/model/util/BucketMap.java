package dev.portcullis.model.util;

import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A hash map split into buckets that a later version shares until it writes them: {@link #edit}
 * makes the next version, which copies only the buckets it changes. A map of 10,000 entries made
 * from the last one for a change of one entry copies a bucket of a few dozen, not 10,000 entries.
 * Reads cost one array index more than a plain {@link HashMap}'s.
 *
 * <p>A version is written only by whoever made it, and not once a later version was made from it
 * (that one shares its buckets); from then on it is read only, and may be shared between threads
 * once safely published. {@link #freeze} makes a version refuse writes, for handing it out as an
 * unchanging map. Keys and values must not be null. Iteration is in no particular order, and what
 * it hands out cannot change the map.
 */
public final class BucketMap<K, V> extends AbstractMap<K, V> {

  private static final int MIN_BUCKETS = 16;
  private static final int MAX_BUCKETS = 4096;
  /** About this many entries per bucket; a version whose size strays 4 times from it is spread again. */
  private static final int PER_BUCKET = 16;

  private final HashMap<K, V>[] buckets;
  private final int shift;
  /** The buckets this version made its own (the others are an earlier version's, read only). */
  private final boolean[] own;
  private int size;
  /** Set by {@link #freeze}: this version refuses writes (its later versions, made by {@link #edit}, do not). */
  private boolean frozen;

  @SuppressWarnings("unchecked")
  private BucketMap(int buckets) {
    this.buckets = new HashMap[buckets];
    this.shift = 32 - Integer.numberOfTrailingZeros(buckets);
    this.own = new boolean[buckets];
  }

  private BucketMap(BucketMap<K, V> from) {
    this.buckets = from.buckets.clone();
    this.shift = from.shift;
    this.own = new boolean[buckets.length];
    this.size = from.size;
  }

  /** An empty map for about {@code expected} entries. */
  public static <K, V> BucketMap<K, V> sized(int expected) {
    return new BucketMap<>(bucketsFor(expected));
  }

  private static int bucketsFor(int entries) {
    return Integer.highestOneBit(Math.max(MIN_BUCKETS, Math.min(MAX_BUCKETS, entries / PER_BUCKET)));
  }

  /**
   * The next version: this one's entries, its buckets shared until written (spread over more or
   * fewer buckets when its size strayed from what they suit). This version must not be written
   * any more.
   */
  public BucketMap<K, V> edit() {
    int suits = bucketsFor(size);
    if (buckets.length * 4 >= suits && buckets.length <= suits * 4) {
      return new BucketMap<>(this);
    }
    BucketMap<K, V> spread = new BucketMap<>(suits);
    forEach(spread::put);
    return spread;
  }

  /**
   * Makes this version refuse every write from now on, so that it can be handed out as an
   * unchanging map; {@link #edit} still makes a later version that may be written.
   */
  public BucketMap<K, V> freeze() {
    frozen = true;
    return this;
  }

  public boolean isFrozen() {
    return frozen;
  }

  private void writing() {
    if (frozen) {
      throw new UnsupportedOperationException("this version of the map is frozen");
    }
  }

  private int bucket(Object key) {
    // The high bits (Fibonacci hashing): the bucket's own map spreads its keys by the low ones.
    return (key.hashCode() * 0x9E3779B9) >>> shift;
  }

  @Override
  public V get(Object key) {
    HashMap<K, V> b = buckets[bucket(key)];
    return b == null ? null : b.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    HashMap<K, V> b = buckets[bucket(key)];
    return b != null && b.containsKey(key);
  }

  @Override
  public V put(K key, V value) {
    writing();
    Objects.requireNonNull(value, "value");
    V before = writable(bucket(Objects.requireNonNull(key, "key"))).put(key, value);
    if (before == null) {
      size++;
    }
    return before;
  }

  @Override
  public V remove(Object key) {
    writing();
    int i = bucket(key);
    if (buckets[i] == null || !buckets[i].containsKey(key)) {
      return null;
    }
    size--;
    return writable(i).remove(key);
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean isEmpty() {
    return size == 0;
  }

  @Override
  public void forEach(BiConsumer<? super K, ? super V> action) {
    for (HashMap<K, V> b : buckets) {
      if (b != null) {
        b.forEach(action);
      }
    }
  }

  @Override
  public Collection<V> values() {
    return new AbstractCollection<>() {
      @Override
      public Iterator<V> iterator() {
        return new Walk<>(buckets, e -> e.getValue());
      }

      @Override
      public int size() {
        return size;
      }

      @Override
      public void forEach(java.util.function.Consumer<? super V> action) {
        for (HashMap<K, V> b : buckets) {
          if (b != null) {
            b.values().forEach(action);
          }
        }
      }
    };
  }

  @Override
  public Set<Entry<K, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Entry<K, V>> iterator() {
        return new Walk<>(buckets, e -> new SimpleImmutableEntry<>(e.getKey(), e.getValue()));
      }

      @Override
      public int size() {
        return size;
      }
    };
  }

  /** How many buckets there are (for tests). */
  int bucketCount() {
    return buckets.length;
  }

  private HashMap<K, V> writable(int i) {
    if (!own[i]) {
      HashMap<K, V> before = buckets[i];
      HashMap<K, V> mine = new HashMap<>(Math.max(PER_BUCKET * 2, before == null ? 0 : before.size() * 2));
      if (before != null) {
        mine.putAll(before);
      }
      buckets[i] = mine;
      own[i] = true;
    }
    return buckets[i];
  }

  /** The entries of every bucket in turn, each handed out as {@code as} makes it (read only). */
  private static final class Walk<K, V, T> implements Iterator<T> {
    private final HashMap<K, V>[] buckets;
    private final java.util.function.Function<Entry<K, V>, T> as;
    private int next;
    private Iterator<Entry<K, V>> current = java.util.Collections.emptyIterator();

    Walk(HashMap<K, V>[] buckets, java.util.function.Function<Entry<K, V>, T> as) {
      this.buckets = buckets;
      this.as = as;
    }

    @Override
    public boolean hasNext() {
      while (!current.hasNext()) {
        if (next >= buckets.length) {
          return false;
        }
        HashMap<K, V> b = buckets[next++];
        if (b != null) {
          current = b.entrySet().iterator();
        }
      }
      return true;
    }

    @Override
    public T next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return as.apply(current.next());
    }
  }
}
