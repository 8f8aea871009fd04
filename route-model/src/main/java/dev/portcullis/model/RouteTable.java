package dev.portcullis.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration of a data plane: virtual hosts with their routes, and the clusters the
 * routes forward to. A table that exists is valid: every check, including cross-references,
 * runs in the constructor and fails with a {@link ModelException} naming the field. A table made
 * from a valid one by a few changes ({@link #edited}, {@link #following}) is checked only where
 * it differs from that one, with the same errors.
 *
 * @param defaultCertificate the certificate for TLS clients that name no host with one of its own
 *                           (a configured Secret, by fingerprint), or null: the data plane's own
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record RouteTable(List<VirtualHost> virtualHosts, List<Cluster> clusters, TlsRef defaultCertificate) {

  /**
   * Set while {@link #edited} or {@link #following} constructs a table it has checked (declared
   * before EMPTY, which the constructor makes).
   */
  private static final ThreadLocal<Boolean> EDIT_CHECKED = new ThreadLocal<>();

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
    if (EDIT_CHECKED.get() == null) { // else what differs from a valid table was checked
      checkAll(virtualHosts, clusters);
    }
  }

  private static void checkAll(List<VirtualHost> virtualHosts, List<Cluster> clusters) {
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

  /**
   * The table a valid table becomes with a few hosts and clusters replaced, added or removed,
   * checked as the constructor checks any table but only where it can differ from {@code base}:
   * the changed hosts' cluster references, and that names stay unique. With 50,000 routes, a data
   * plane applying a delta of one host checks that host, not every route again.
   *
   * @param virtualHosts  the new table's hosts: the base's with the changes made
   * @param clusters      the new table's clusters, likewise
   * @param changedHosts  the hosts of {@code virtualHosts} that are not the base's
   * @param clustersGone  whether the base had clusters the new table has not (unchanged hosts may
   *                      name them: then every route is checked, as by the constructor)
   * @throws ModelException as the constructor would
   */
  public static RouteTable edited(RouteTable base, List<VirtualHost> virtualHosts, List<Cluster> clusters,
      TlsRef defaultCertificate, List<VirtualHost> changedHosts, boolean clustersGone) {
    return edited(base, virtualHosts, clusters, defaultCertificate, changedHosts, clustersGone, false);
  }

  /**
   * {@link #edited(RouteTable, List, List, TlsRef, List, boolean)}, told whether the caller made
   * the host and cluster lists in strict name order (then they are not walked to find out).
   */
  public static RouteTable edited(RouteTable base, List<VirtualHost> virtualHosts, List<Cluster> clusters,
      TlsRef defaultCertificate, List<VirtualHost> changedHosts, boolean clustersGone, boolean inNameOrder) {
    if (base == null || clustersGone || !(inNameOrder || (inNameOrder(virtualHosts, VirtualHost::hostname)
        && inNameOrder(clusters, Cluster::name)))) {
      return new RouteTable(virtualHosts, clusters, defaultCertificate);
    }
    // In strict name order: names are unique.
    return checkingOnly(virtualHosts, clusters, defaultCertificate, changedHosts, true);
  }

  /**
   * A table made anew after a valid one (a translation after the last): when both have the same
   * host and cluster names at the same places, only the hosts that are other instances than the
   * previous table's are checked (names are then unique, and every cluster the others name is
   * still there); otherwise everything is, as by the constructor.
   */
  public static RouteTable following(RouteTable previous, List<VirtualHost> virtualHosts, List<Cluster> clusters,
      TlsRef defaultCertificate) {
    return following(previous, virtualHosts, clusters, defaultCertificate, false);
  }

  /**
   * {@link #following(RouteTable, List, List, TlsRef)}, told whether the caller made the clusters
   * in strict name order (then they are not walked to find out).
   */
  public static RouteTable following(RouteTable previous, List<VirtualHost> virtualHosts, List<Cluster> clusters,
      TlsRef defaultCertificate, boolean clustersInNameOrder) {
    if (previous == null || virtualHosts == null || clusters == null
        || previous.virtualHosts.size() != virtualHosts.size() || previous.clusters.size() != clusters.size()) {
      return new RouteTable(virtualHosts, clusters, defaultCertificate);
    }
    List<VirtualHost> changed = new java.util.ArrayList<>();
    for (int i = 0; i < virtualHosts.size(); i++) {
      VirtualHost now = virtualHosts.get(i);
      VirtualHost before = previous.virtualHosts.get(i);
      if (now != before) {
        if (now == null || !now.hostname().equals(before.hostname())) {
          return new RouteTable(virtualHosts, clusters, defaultCertificate);
        }
        changed.add(now);
      }
    }
    for (int i = 0; i < clusters.size(); i++) {
      Cluster now = clusters.get(i);
      Cluster before = previous.clusters.get(i);
      if (now != before && (now == null || !now.name().equals(before.name()))) {
        return new RouteTable(virtualHosts, clusters, defaultCertificate);
      }
    }
    return checkingOnly(virtualHosts, clusters, defaultCertificate, changed,
        clustersInNameOrder || inNameOrder(clusters, Cluster::name));
  }

  /** The table, its constructor's checks made only for these hosts' cluster references. */
  private static RouteTable checkingOnly(List<VirtualHost> virtualHosts, List<Cluster> clusters,
      TlsRef defaultCertificate, List<VirtualHost> changedHosts, boolean clustersInOrder) {
    if (!changedHosts.isEmpty()) {
      Map<String, Cluster> byName = clustersInOrder ? bisecting(clusters) : new HashMap<>();
      if (!clustersInOrder) {
        clusters.forEach(c -> byName.put(c.name(), c));
      }
      for (VirtualHost vh : changedHosts) {
        for (Route r : vh.routes()) {
          checkClusters(r, byName, vh, false);
        }
        if (vh.fallback() != null) {
          checkClusters(vh.fallback(), byName, vh, true);
        }
      }
    }
    EDIT_CHECKED.set(Boolean.TRUE);
    try {
      return new RouteTable(virtualHosts, clusters, defaultCertificate);
    } finally {
      EDIT_CHECKED.remove();
    }
  }

  /**
   * The cluster of this name, or null: found by bisection (tables are sent and built in name
   * order), else by a walk. A bisection that finds a name has found the one cluster of that name,
   * whatever the order.
   */
  public Cluster cluster(String name) {
    int at = clusterIndex(name);
    return at < 0 ? null : clusters.get(at);
  }

  /** Where the cluster of this name is in {@link #clusters}, or -1: by bisection, else by a walk. */
  public int clusterIndex(String name) {
    int at = indexByName(clusters, name, Cluster::name);
    if (at >= 0) {
      return at;
    }
    for (int i = 0; i < clusters.size(); i++) {
      if (clusters.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Where the element of this name is in a list in name order (by bisection), or, as
   * {@link java.util.Collections#binarySearch} says it, {@code -(insertion point) - 1}: negative.
   * In a list not in name order it may miss an element, but an index it returns holds that name.
   */
  public static <T> int indexByName(List<T> sorted, String name, java.util.function.Function<T, String> nameOf) {
    int lo = 0;
    int hi = sorted.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = nameOf.apply(sorted.get(mid)).compareTo(name);
      if (c == 0) {
        return mid;
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return -(lo + 1);
  }

  /** Clusters in strict name order, looked up by name by bisection (only containsKey is asked). */
  private static Map<String, Cluster> bisecting(List<Cluster> clusters) {
    return new java.util.AbstractMap<>() {
      @Override
      public boolean containsKey(Object name) {
        return indexByName(clusters, (String) name, Cluster::name) >= 0;
      }

      @Override
      public java.util.Set<Map.Entry<String, Cluster>> entrySet() {
        throw new UnsupportedOperationException();
      }
    };
  }

  /** Whether the table's hosts and its clusters are each in strict name order (as tables are sent). */
  public static boolean inNameOrder(RouteTable table) {
    return inNameOrder(table.virtualHosts(), VirtualHost::hostname) && inNameOrder(table.clusters(), Cluster::name);
  }

  private static <T> boolean inNameOrder(List<T> elements, java.util.function.Function<T, String> name) {
    if (elements == null) {
      return false;
    }
    String last = null;
    for (T e : elements) {
      if (e == null) {
        return false;
      }
      String n = name.apply(e);
      if (last != null && last.compareTo(n) >= 0) {
        return false;
      }
      last = n;
    }
    return true;
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
