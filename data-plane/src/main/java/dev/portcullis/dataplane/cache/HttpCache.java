package dev.portcullis.dataplane.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The data plane's shared HTTP cache: stored responses by primary key (host, path and query, and
 * the route's key headers), each key with its Vary variants; bounded in bytes (Caffeine, weighed
 * by body and header size, least-frequently/recently used evicted first). Shared by every event
 * loop; lookups and stores never block.
 *
 * <p>Also the register of requests in flight, for coalescing: the first miss for a key goes
 * upstream, later ones for the same key wait for it and then look again.
 */
public final class HttpCache {

  /** Responses kept per URI (over its routes, key headers and Vary values); more push the oldest out. */
  static final int MAX_VARIANTS = 64;

  /** What the cache has done, for metrics. */
  public static final class Stats {
    public final LongAdder hits = new LongAdder();
    public final LongAdder misses = new LongAdder();
    public final LongAdder staleServed = new LongAdder();
    public final LongAdder revalidations = new LongAdder();
    public final LongAdder coalesced = new LongAdder();
    public final LongAdder stores = new LongAdder();
    public final LongAdder evictions = new LongAdder();
  }

  /** Everything stored for one URI, newest first. */
  record Variants(List<CachedResponse> entries, int weight) {
    static Variants of(List<CachedResponse> entries) {
      int w = 0;
      for (CachedResponse c : entries) {
        w += c.weight;
      }
      return new Variants(List.copyOf(entries), w);
    }
  }

  private final Cache<String, Variants> store;
  private final long maxBytes;
  private final Stats stats = new Stats();
  private final Map<String, Flight> flights = new ConcurrentHashMap<>();

  public HttpCache(long maxBytes) {
    this.maxBytes = maxBytes;
    this.store = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String k, Variants v) -> v.weight() + k.length())
        .removalListener((String k, Variants v, RemovalCause cause) -> {
          if (cause.wasEvicted()) {
            stats.evictions.increment();
          }
        })
        .build();
  }

  public Stats stats() {
    return stats;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Bytes stored now (after pending evictions run). */
  public long bytes() {
    store.cleanUp();
    return store.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
  }

  /** URIs with something stored. */
  public long entries() {
    return store.estimatedSize();
  }

  /** The stored response for a request: same URI, same sub-key, matching Vary; or null. */
  CachedResponse lookup(String uriKey, String subKey, io.vertx.core.MultiMap requestHeaders) {
    Variants v = store.getIfPresent(uriKey);
    if (v == null) {
      return null;
    }
    for (CachedResponse e : v.entries()) {
      if (e.subKey.equals(subKey) && matches(e, requestHeaders)) {
        return e;
      }
    }
    return null;
  }

  /** True if a response is stored for the URI and sub-key (to tell a URI miss from a Vary miss). */
  boolean hasKey(String uriKey, String subKey) {
    Variants v = store.getIfPresent(uriKey);
    if (v == null) {
      return false;
    }
    for (CachedResponse e : v.entries()) {
      if (e.subKey.equals(subKey)) {
        return true;
      }
    }
    return false;
  }

  static boolean matches(CachedResponse e, io.vertx.core.MultiMap requestHeaders) {
    if (e.varyStar) {
      return false;
    }
    for (int i = 0; i < e.varyNames.size(); i++) {
      String now = varyValue(requestHeaders, e.varyNames.get(i));
      if (!java.util.Objects.equals(now, e.varyValues.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** A request header's value as Vary compares it: all field lines joined, whitespace around commas dropped. */
  static String varyValue(io.vertx.core.MultiMap headers, String name) {
    List<String> all = headers.getAll(name);
    if (all.isEmpty()) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    for (String line : all) {
      for (String part : line.split(",")) {
        if (b.length() > 0) {
          b.append(',');
        }
        b.append(part.trim());
      }
    }
    return b.toString();
  }

  /** Stores a response, replacing the one with the same sub-key and Vary values. */
  void put(String uriKey, CachedResponse e) {
    if (e.weight > maxBytes / 4) {
      return; // one object never crowds out most of the cache
    }
    store.asMap().compute(uriKey, (k, old) -> {
      List<CachedResponse> entries = new ArrayList<>();
      entries.add(e);
      if (old != null) {
        for (CachedResponse o : old.entries()) {
          if (entries.size() >= MAX_VARIANTS) {
            break;
          }
          boolean same = o.subKey.equals(e.subKey) && o.varyNames.equals(e.varyNames)
              && o.varyValues.equals(e.varyValues);
          if (!same) {
            entries.add(o);
          }
        }
      }
      return Variants.of(entries);
    });
    stats.stores.increment();
  }

  /** Drops one stored response (say, after a revalidation answered that it may not be stored). */
  void remove(String uriKey, CachedResponse e) {
    store.asMap().computeIfPresent(uriKey, (k, old) -> {
      List<CachedResponse> left = old.entries().stream().filter(x -> x != e).toList();
      return left.isEmpty() ? null : Variants.of(left);
    });
  }

  /** Drops everything stored for a URI (all routes, key headers and Vary variants): one lookup. */
  public int invalidate(String uriKey) {
    return store.asMap().remove(uriKey) != null ? 1 : 0;
  }

  /** Drops every URI starting with the prefix; returns how many. Walks the whole cache: not for the event loop. */
  public int purgePrefix(String prefix) {
    int removed = 0;
    for (String k : store.asMap().keySet()) {
      if (k.startsWith(prefix) && store.asMap().remove(k) != null) {
        removed++;
      }
    }
    return removed;
  }

  public long purgeAll() {
    long n = store.estimatedSize();
    store.invalidateAll();
    return n;
  }

  /** A request upstream for a key, and those waiting on it. */
  static final class Flight {
    private final List<Runnable> waiters = new ArrayList<>();
    private boolean landed;

    /** Adds a waiter, run on its own context when the flight lands; false if it already has. */
    synchronized boolean await(Context context, Runnable then) {
      if (landed) {
        return false;
      }
      waiters.add(() -> context.runOnContext(v -> then.run()));
      return true;
    }

    void land() {
      List<Runnable> run;
      synchronized (this) {
        landed = true;
        run = new ArrayList<>(waiters);
        waiters.clear();
      }
      run.forEach(Runnable::run);
    }
  }

  /**
   * Joins the request in flight for the key, or starts one. Returns null when the caller is to go
   * upstream (and must call {@link #land}); otherwise the caller waits: {@code then} runs when the
   * flight lands.
   */
  public Object join(String key, Runnable then) {
    Context context = Vertx.currentContext();
    while (true) {
      Flight mine = new Flight();
      Flight existing = flights.putIfAbsent(key, mine);
      if (existing == null) {
        return null;
      }
      if (context != null && existing.await(context, then)) {
        stats.coalesced.increment();
        return existing;
      }
      if (context == null) {
        return null;
      }
      flights.remove(key, existing); // landed but not yet removed: take its place
    }
  }

  /**
   * Starts a background refresh of the key unless a request for it is in flight already; the
   * refresher calls {@link #land} when done.
   */
  public boolean startRefresh(String key) {
    return flights.putIfAbsent(key, new Flight()) == null;
  }

  /** The request in flight for the key is done (stored or not): its waiters look again. */
  public void land(String key) {
    Flight f = flights.remove(key);
    if (f != null) {
      f.land();
    }
  }
}
