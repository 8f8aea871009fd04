package dev.portcullis.dataplane.upstream;

import dev.portcullis.model.Endpoint;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A uniformly random endpoint. */
final class RandomBalancer implements Balancer {
  private final Endpoint[] endpoints;

  RandomBalancer(List<Endpoint> endpoints) {
    this.endpoints = endpoints.toArray(new Endpoint[0]);
  }

  @Override
  public Endpoint pick() {
    int n = endpoints.length;
    return n == 0 ? null : endpoints[n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n)];
  }
}
