package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** What a matched route does with the request. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = RouteAction.Forward.class, name = "forward"),
    @JsonSubTypes.Type(value = RouteAction.DirectResponse.class, name = "direct"),
    @JsonSubTypes.Type(value = RouteAction.Redirect.class, name = "redirect")
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

  /**
   * Answer with a redirect to the same request changed as given (each null part kept as it was).
   *
   * @param scheme     http or https
   * @param hostname   the new host
   * @param port       the new port (null: the scheme's default, left out of the URL)
   * @param path       how the path changes
   * @param statusCode 301, 302, 303, 307 or 308
   * @param dropQuery  true: the request's query is left out of the new URL (as nginx's {@code return
   *                   301 URL} does); null: it is kept
   */
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  record Redirect(String scheme, String hostname, Integer port, RouteFilters.PathRewrite path, int statusCode,
      Boolean dropQuery) implements RouteAction {

    public Redirect(String scheme, String hostname, Integer port, RouteFilters.PathRewrite path, int statusCode) {
      this(scheme, hostname, port, path, statusCode, null);
    }

    public Redirect {
      dropQuery = Boolean.TRUE.equals(dropQuery) ? Boolean.TRUE : null;
      if (scheme != null && !scheme.equals("http") && !scheme.equals("https")) {
        throw new ModelException("scheme", "must be http or https, was \"" + scheme + "\"");
      }
      if (port != null) {
        Checks.inRange(port, 1, 65535, "port");
      }
      if (statusCode != 301 && statusCode != 302 && statusCode != 303 && statusCode != 307 && statusCode != 308) {
        throw new ModelException("statusCode", "must be 301, 302, 303, 307 or 308, was " + statusCode);
      }
      if (scheme == null && hostname == null && port == null && path == null) {
        throw new ModelException("", "a redirect needs a scheme, hostname, port or path");
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
