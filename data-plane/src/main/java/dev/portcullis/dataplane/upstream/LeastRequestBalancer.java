package dev.portcullis.dataplane.upstream;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices: of two random endpoints, the one with fewer requests in flight (or, with
 * {@code ewma}, the lower peak-EWMA latency cost). Avoids the herd a global least-loaded choice
 * causes, at O(1) per pick.
 */
final class LeastRequestBalancer implements Balancer {
  private final boolean ewma;

  LeastRequestBalancer(boolean ewma) {
    this.ewma = ewma;
  }

  @Override
  public EndpointState pick(EndpointState[] candidates, String hashKey) {
    int n = candidates.length;
    if (n == 1) {
      return candidates[0];
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int a = random.nextInt(n);
    int b = random.nextInt(n - 1);
    if (b >= a) {
      b++;
    }
    EndpointState x = candidates[a];
    EndpointState y = candidates[b];
    if (ewma) {
      long now = System.nanoTime();
      return x.cost(now) <= y.cost(now) ? x : y;
    }
    return x.active() <= y.active() ? x : y;
  }
}
