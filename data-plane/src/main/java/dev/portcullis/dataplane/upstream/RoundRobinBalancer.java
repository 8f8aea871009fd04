package dev.portcullis.dataplane.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/** Each endpoint in turn. One atomic counter shared by the event loops; no locks. */
final class RoundRobinBalancer implements Balancer {
  private final AtomicInteger next = new AtomicInteger();

  @Override
  public EndpointState pick(EndpointState[] candidates, String hashKey) {
    int n = candidates.length;
    return n == 1 ? candidates[0] : candidates[Math.floorMod(next.getAndIncrement(), n)];
  }
}
