package dev.portcullis.dataplane.upstream;

import dev.portcullis.model.Endpoint;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Each endpoint in turn. One atomic counter shared by the event loops; no locks. */
final class RoundRobinBalancer implements Balancer {
  private final Endpoint[] endpoints;
  private final AtomicInteger next = new AtomicInteger();

  RoundRobinBalancer(List<Endpoint> endpoints) {
    this.endpoints = endpoints.toArray(new Endpoint[0]);
  }

  @Override
  public Endpoint pick() {
    int n = endpoints.length;
    if (n == 0) {
      return null;
    }
    if (n == 1) {
      return endpoints[0];
    }
    return endpoints[Math.floorMod(next.getAndIncrement(), n)];
  }
}
