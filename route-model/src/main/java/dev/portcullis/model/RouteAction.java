package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** What a matched route does with the request. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = RouteAction.Forward.class, name = "forward"),
    @JsonSubTypes.Type(value = RouteAction.DirectResponse.class, name = "direct")
})
public sealed interface RouteAction {

  /** Proxy to one of the clusters, picked in proportion to their weights. */
  record Forward(List<ClusterWeight> clusters) implements RouteAction {
    public Forward {
      clusters = Checks.list(clusters, "clusters");
      if (clusters.isEmpty()) {
        throw new ModelException("clusters", "must name at least one cluster");
      }
      long total = 0;
      for (ClusterWeight c : clusters) {
        total += c.weight();
      }
      if (total == 0) {
        throw new ModelException("clusters", "weights must not all be zero");
      }
    }

    public static Forward to(String cluster) {
      return new Forward(List.of(new ClusterWeight(cluster, 1)));
    }
  }

  /** Answer at the edge with a fixed status and a short plain-text body. */
  record DirectResponse(int status, String body) implements RouteAction {
    public DirectResponse {
      Checks.inRange(status, 200, 599, "status");
      body = body == null ? "" : body;
      if (body.length() > 4096) {
        throw new ModelException("body", "must be at most 4096 characters");
      }
    }
  }

  /** A cluster and its share of the route's traffic. */
  record ClusterWeight(String cluster, int weight) {
    public ClusterWeight {
      Checks.notBlank(cluster, "cluster");
      Checks.inRange(weight, 0, 1_000_000, "weight");
    }
  }
}
