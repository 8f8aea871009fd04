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
      case ROUND_ROBIN -> new RoundRobinBalancer(cluster.endpoints());
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
