package dev.portcullis.dataplane.routing;

import dev.portcullis.dataplane.upstream.ClusterRuntime;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteFilters;
import dev.portcullis.model.Timeouts;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.ThreadLocalRandom;

/** A route ready for the hot path: its clusters resolved, its answers and filters prepared. */
public final class CompiledRoute {

  /** What the route does. */
  public enum Kind { FORWARD, DIRECT, REDIRECT }

  private final Route route;
  private final Kind kind;
  private final ClusterRuntime[] clusters;
  private final int[] cumulativeWeights;
  private final int totalWeight;
  private final int directStatus;
  private final Buffer directBody;
  private final CorsPolicy cors;
  private final AccessPolicy access;

  CompiledRoute(Route route, ClusterRuntime[] clusters, int[] weights, int directStatus, Buffer directBody) {
    this.route = route;
    this.kind = route.action() instanceof RouteAction.Redirect ? Kind.REDIRECT
        : route.action() instanceof RouteAction.DirectResponse ? Kind.DIRECT : Kind.FORWARD;
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
    RouteFilters filters = route.filtersOrNone();
    this.cors = filters.cors() == null ? null : new CorsPolicy(filters.cors());
    this.access = route.policiesOrNone().access() == null ? null : new AccessPolicy(route.policiesOrNone().access());
  }

  public Route route() {
    return route;
  }

  public String name() {
    return route.name();
  }

  public Kind kind() {
    return kind;
  }

  public Timeouts timeouts() {
    return route.timeouts();
  }

  /** True when the route answers at the edge instead of proxying. */
  public boolean isDirect() {
    return kind == Kind.DIRECT;
  }

  public int directStatus() {
    return directStatus;
  }

  public Buffer directBody() {
    return directBody;
  }

  public RouteAction.Redirect redirect() {
    return (RouteAction.Redirect) route.action();
  }

  public RouteFilters.HeaderModifier requestHeaders() {
    return route.filtersOrNone().requestHeaders();
  }

  public RouteFilters.HeaderModifier responseHeaders() {
    return route.filtersOrNone().responseHeaders();
  }

  public RouteFilters.UrlRewrite rewrite() {
    return route.filtersOrNone().rewrite();
  }

  /** The CORS policy, or null. */
  public CorsPolicy cors() {
    return cors;
  }

  /** The client address rules, or null. */
  public AccessPolicy access() {
    return access;
  }

  /** The prefix a PathPrefix route matched, for ReplacePrefixMatch. */
  public String matchedPrefix() {
    PathMatch p = route.match().path();
    return p.type() == PathMatch.Type.PREFIX ? p.value() : null;
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
