package dev.portcullis.dataplane.upstream;

import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;

/**
 * A cluster as the data plane runs it: the model plus its balancer state. A new route table reuses
 * the runtime of every cluster that did not change, so balancing carries on undisturbed.
 */
public final class ClusterRuntime {
  private final Cluster cluster;
  private final Balancer balancer;

  public ClusterRuntime(Cluster cluster) {
    this.cluster = cluster;
    this.balancer = switch (cluster.balancer()) {
      case RANDOM -> new RandomBalancer(cluster.endpoints());
      // LeastRequest, EWMA and ConsistentHash arrive with the resilience work; until then the
      // translator tells users (a warning on the route) that round robin is used.
      case ROUND_ROBIN, LEAST_REQUEST, EWMA, CONSISTENT_HASH -> new RoundRobinBalancer(cluster.endpoints());
    };
  }

  public Cluster cluster() {
    return cluster;
  }

  public String name() {
    return cluster.name();
  }

  public Endpoint pick() {
    return balancer.pick();
  }
}
