package dev.portcullis.dataplane.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Consistent hashing on a ring with virtual nodes: a key always lands on the same endpoint, and
 * adding or removing one of N endpoints moves about 1/N of the keys. The ring is built over all of
 * the cluster's endpoints; a key whose endpoint is unavailable walks on to the next available one,
 * so it comes back when its endpoint recovers.
 */
final class ConsistentHashBalancer implements Balancer {

  static final int VIRTUAL_NODES = 160;

  private final long[] points;
  private final EndpointState[] owners;
  /** The index (in the cluster's endpoints) of each point's owner. */
  private final int[] ownerIndex;
  private final java.util.IdentityHashMap<EndpointState, Integer> indexOf = new java.util.IdentityHashMap<>();
  private final int endpointCount;
  private final Balancer fallback = new RoundRobinBalancer();
  /**
   * Which endpoints the last candidate array holds. The cluster hands out the same array until
   * availability changes, so this is computed once per change, not per request: a pick is then a
   * binary search and a walk, never a scan of the candidates at each step.
   */
  private volatile Mask mask;

  private record Mask(EndpointState[] candidates, boolean[] available, boolean all) {}

  ConsistentHashBalancer(EndpointState[] endpoints) {
    this.endpointCount = endpoints.length;
    for (int i = 0; i < endpoints.length; i++) {
      indexOf.put(endpoints[i], i);
    }
    long[][] entries = new long[endpoints.length * VIRTUAL_NODES][];
    int k = 0;
    for (int i = 0; i < endpoints.length; i++) {
      String id = endpoints[i].endpoint().toString();
      for (int v = 0; v < VIRTUAL_NODES; v++) {
        entries[k++] = new long[] {hash(id + "#" + v), i};
      }
    }
    Arrays.sort(entries, (a, b) -> Long.compare(a[0], b[0]));
    points = new long[entries.length];
    owners = new EndpointState[entries.length];
    ownerIndex = new int[entries.length];
    for (int i = 0; i < entries.length; i++) {
      points[i] = entries[i][0];
      ownerIndex[i] = (int) entries[i][1];
      owners[i] = endpoints[ownerIndex[i]];
    }
  }

  private Mask mask(EndpointState[] candidates) {
    Mask m = mask;
    if (m != null && m.candidates == candidates) {
      return m;
    }
    boolean[] available = new boolean[endpointCount];
    int n = 0;
    for (EndpointState c : candidates) {
      Integer i = indexOf.get(c);
      if (i != null && !available[i]) {
        available[i] = true;
        n++;
      }
    }
    m = new Mask(candidates, available, n == endpointCount);
    mask = m;
    return m;
  }

  @Override
  public EndpointState pick(EndpointState[] candidates, String hashKey) {
    if (hashKey == null || points.length == 0) {
      return fallback.pick(candidates, null);
    }
    int at = Arrays.binarySearch(points, hash(hashKey));
    if (at < 0) {
      at = -at - 1;
    }
    Mask m = mask(candidates);
    if (m.all) {
      return owners[at % owners.length];
    }
    for (int i = 0; i < owners.length; i++) {
      int p = (at + i) % owners.length;
      if (m.available[ownerIndex[p]]) {
        return owners[p];
      }
    }
    return fallback.pick(candidates, null);
  }

  /** 64-bit FNV-1a, finished with the splitmix64 mixer for an even spread. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }
}
