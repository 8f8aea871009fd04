package dev.portcullis.dataplane.upstream;

import java.util.concurrent.ThreadLocalRandom;

/** A uniformly random endpoint. */
final class RandomBalancer implements Balancer {
  @Override
  public EndpointState pick(EndpointState[] candidates, String hashKey) {
    int n = candidates.length;
    return candidates[n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n)];
  }
}
