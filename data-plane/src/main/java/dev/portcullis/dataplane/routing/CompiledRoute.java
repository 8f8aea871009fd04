package dev.portcullis.dataplane.routing;

import dev.portcullis.dataplane.upstream.ClusterRuntime;
import dev.portcullis.model.Route;
import dev.portcullis.model.Timeouts;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.ThreadLocalRandom;

/** A route ready for the hot path: its clusters resolved, its direct response pre-encoded. */
public final class CompiledRoute {
  private final Route route;
  private final ClusterRuntime[] clusters;
  private final int[] cumulativeWeights;
  private final int totalWeight;
  private final int directStatus;
  private final Buffer directBody;

  CompiledRoute(Route route, ClusterRuntime[] clusters, int[] weights, int directStatus, Buffer directBody) {
    this.route = route;
    this.clusters = clusters;
    this.cumulativeWeights = new int[weights.length];
    int total = 0;
    for (int i = 0; i < weights.length; i++) {
      total += weights[i];
      cumulativeWeights[i] = total;
    }
    this.totalWeight = total;
    this.directStatus = directStatus;
    this.directBody = directBody;
  }

  public Route route() {
    return route;
  }

  public String name() {
    return route.name();
  }

  public Timeouts timeouts() {
    return route.timeouts();
  }

  /** True when the route answers at the edge instead of proxying. */
  public boolean isDirect() {
    return directStatus != 0;
  }

  public int directStatus() {
    return directStatus;
  }

  public Buffer directBody() {
    return directBody;
  }

  /** A cluster, chosen in proportion to the weights. */
  public ClusterRuntime pickCluster() {
    if (clusters.length == 1) {
      return clusters[0];
    }
    int r = ThreadLocalRandom.current().nextInt(totalWeight);
    for (int i = 0; i < cumulativeWeights.length; i++) {
      if (r < cumulativeWeights[i]) {
        return clusters[i];
      }
    }
    return clusters[clusters.length - 1];
  }
}
