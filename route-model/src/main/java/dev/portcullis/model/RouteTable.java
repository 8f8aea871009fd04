package dev.portcullis.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration of a data plane: virtual hosts with their routes, and the clusters the
 * routes forward to. A table that exists is valid: every check, including cross-references,
 * runs in the constructor and fails with a {@link ModelException} naming the field.
 *
 * @param defaultCertificate the certificate for TLS clients that name no host with one of its own
 *                           (a configured Secret, by fingerprint), or null: the data plane's own
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record RouteTable(List<VirtualHost> virtualHosts, List<Cluster> clusters, TlsRef defaultCertificate) {

  public static final RouteTable EMPTY = new RouteTable(List.of(), List.of());

  public RouteTable(List<VirtualHost> virtualHosts, List<Cluster> clusters) {
    this(virtualHosts, clusters, null);
  }

  public RouteTable {
    if (defaultCertificate != null && defaultCertificate.fingerprint() == null) {
      throw new ModelException("defaultCertificate.fingerprint", "is required");
    }
    virtualHosts = Checks.list(virtualHosts, "virtualHosts");
    clusters = Checks.list(clusters, "clusters");

    Map<String, Cluster> byName = new HashMap<>();
    for (int i = 0; i < clusters.size(); i++) {
      Cluster c = clusters.get(i);
      if (byName.putIfAbsent(c.name(), c) != null) {
        throw new ModelException("clusters[" + i + "].name", "duplicate cluster name \"" + c.name() + "\"");
      }
    }
    Map<String, Integer> hosts = new HashMap<>();
    for (int i = 0; i < virtualHosts.size(); i++) {
      VirtualHost vh = virtualHosts.get(i);
      Integer previous = hosts.putIfAbsent(vh.hostname(), i);
      if (previous != null) {
        throw new ModelException("virtualHosts[" + i + "].hostname",
            "duplicate hostname \"" + vh.hostname() + "\" (also virtualHosts[" + previous + "])");
      }
      for (Route r : vh.routes()) {
        checkClusters(r, byName, vh, false);
      }
      if (vh.fallback() != null) {
        checkClusters(vh.fallback(), byName, vh, true);
      }
    }
  }

  /** Every cluster a route names exists; the field path is made only for the error (tables have 50,000 routes). */
  private static void checkClusters(Route route, Map<String, Cluster> clusters, VirtualHost vh, boolean fallback) {
    RoutePolicies.ErrorPages pages = route.policiesOrNone().errorPages();
    if (pages != null && !clusters.containsKey(pages.cluster())) {
      throw new ModelException(at(vh, route, fallback) + ".policies.errorPages.cluster", "unknown cluster \""
          + pages.cluster() + "\"");
    }
    if (route.action() instanceof RouteAction.Forward forward) {
      List<RouteAction.ClusterWeight> refs = forward.clusters();
      for (int i = 0; i < refs.size(); i++) {
        if (!clusters.containsKey(refs.get(i).cluster())) {
          throw new ModelException(at(vh, route, fallback) + ".action.clusters[" + i + "].cluster",
              "unknown cluster \"" + refs.get(i).cluster() + "\"");
        }
      }
    }
  }

  private static String at(VirtualHost vh, Route route, boolean fallback) {
    return "virtualHosts[" + vh.hostname() + "]" + (fallback ? ".fallback" : ".routes[" + route.name() + "]");
  }

  /** The routes of all virtual hosts, fallbacks included. */
  public int routeCount() {
    int n = 0;
    for (VirtualHost vh : virtualHosts) {
      n += vh.routes().size() + (vh.fallback() == null ? 0 : 1);
    }
    return n;
  }
}
