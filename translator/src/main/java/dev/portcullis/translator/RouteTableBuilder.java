package dev.portcullis.translator;

import dev.portcullis.model.Auth;
import dev.portcullis.model.Certificate;
import dev.portcullis.model.Credential;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.TlsRef;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.translator.backend.BackendResolver;
import dev.portcullis.translator.status.ObjectRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one builder every processor adds to. It owns conflict detection: the first claim on a
 * host and path wins, so processors must offer objects in precedence order.
 */
public final class RouteTableBuilder {

  /** A route and the object that claimed its place. */
  public record Claim(Route route, ObjectRef owner) {}

  /**
   * Routes sorted by path for readable output; routes with the same path keep the order they were
   * claimed in, which is precedence order (oldest object first), the router's tie-breaker.
   */
  private static final Comparator<Route> ROUTE_ORDER = Comparator
      .comparing((Route r) -> r.match().path().value())
      .thenComparing(r -> r.match().path().type());

  private static final class HostEntry {
    final Map<RouteMatch, Claim> routes = new LinkedHashMap<>();
    Claim fallback;
    TlsClaim tls;
  }

  /** A certificate reference and the object that claimed it for a host. */
  public record TlsClaim(TlsRef tls, ObjectRef owner) {}

  private final Map<String, HostEntry> hosts = new TreeMap<>();
  private final Map<String, Cluster> clusters = new TreeMap<>();
  private final Map<String, BackendResolver.Resolution> resolutions = new TreeMap<>();
  private final Map<String, Certificate> certificates = new TreeMap<>();
  private final Map<String, Credential> credentials = new TreeMap<>();
  private Claim globalFallback;
  private TlsRef defaultCertificate;
  private Set<String> built = Set.of();
  private Set<String> builtTls = Set.of();
  private Set<String> builtCredentials = Set.of();
  /** Undo actions of the object being processed, newest last; null outside {@link #begin}. */
  private List<Runnable> journal;

  /**
   * Starts recording what one object adds, so that {@link #rollback} can take it all back when the
   * object turns out to be unusable: one bad object never costs the others their routes.
   */
  public void begin() {
    journal = new ArrayList<>();
  }

  /** Keeps what the object added. */
  public void commit() {
    journal = null;
  }

  /** Takes back everything added since {@link #begin}. */
  public void rollback() {
    if (journal != null) {
      for (int i = journal.size() - 1; i >= 0; i--) {
        journal.get(i).run();
      }
    }
    journal = null;
  }

  private void undo(Runnable action) {
    if (journal != null) {
      journal.add(action);
    }
  }

  private HostEntry entry(String hostname) {
    HostEntry host = hosts.get(hostname);
    if (host == null) {
      // What the table would refuse at build time is refused here, on the object that asked.
      new VirtualHost(hostname, List.of(), null);
      host = new HostEntry();
      hosts.put(hostname, host);
      undo(() -> hosts.remove(hostname));
    }
    return host;
  }

  /** Makes sure the host exists, so that its requests reach a fallback rather than another host. */
  public void host(String hostname) {
    entry(hostname);
  }

  /**
   * Claims a path on a host.
   *
   * @return null if the claim was taken, or the earlier claim that holds that path
   */
  public Claim addRoute(String hostname, Route route, ObjectRef owner) {
    HostEntry host = entry(hostname);
    for (Claim c : host.routes.values()) {
      if (c.route().name().equals(route.name()) && !c.route().match().equals(route.match())) {
        throw new ModelException("name", "route name \"" + route.name() + "\" is used twice on host " + hostname);
      }
    }
    Claim earlier = host.routes.putIfAbsent(route.match(), new Claim(route, owner));
    if (earlier == null) {
      undo(() -> host.routes.remove(route.match()));
    }
    return earlier;
  }

  /** Offers the route for this host's unmatched requests; returns the earlier claim if one holds. */
  public Claim offerHostFallback(String hostname, Route route, ObjectRef owner) {
    HostEntry host = entry(hostname);
    if (host.fallback != null) {
      return host.fallback;
    }
    host.fallback = new Claim(route, owner);
    undo(() -> host.fallback = null);
    return null;
  }

  /** Offers the host's certificate; returns the earlier claim if one holds. */
  public TlsClaim offerTls(String hostname, TlsRef tls, ObjectRef owner) {
    HostEntry host = entry(hostname);
    if (host.tls != null) {
      return host.tls;
    }
    host.tls = new TlsClaim(tls, owner);
    undo(() -> host.tls = null);
    return null;
  }

  /** Offers the cluster-wide default route; returns the earlier claim if one holds. */
  public Claim offerGlobalFallback(Route route, ObjectRef owner) {
    if (globalFallback != null) {
      return globalFallback;
    }
    globalFallback = new Claim(route, owner);
    undo(() -> globalFallback = null);
    return null;
  }

  public void cluster(Cluster cluster) {
    if (clusters.putIfAbsent(cluster.name(), cluster) == null) {
      undo(() -> clusters.remove(cluster.name()));
    }
  }

  /** Adds a resolved cluster, remembering how it was resolved (for the endpoint fast path). */
  public void cluster(BackendResolver.Resolution resolution) {
    String name = resolution.cluster().name();
    if (clusters.putIfAbsent(name, resolution.cluster()) == null) {
      undo(() -> clusters.remove(name));
    }
    if (resolutions.putIfAbsent(name, resolution) == null) {
      undo(() -> resolutions.remove(name));
    }
  }

  /** Adds a checked certificate under its key (namespace/name of its Secret). */
  public void certificate(String key, Certificate certificate) {
    if (certificates.putIfAbsent(key, certificate) == null) {
      undo(() -> certificates.remove(key));
    }
  }

  /** The certificate for clients that name no host with one of their own. */
  public void defaultCertificate(TlsRef ref, Certificate certificate) {
    defaultCertificate = ref;
    certificates.put(Certificate.DEFAULT, certificate);
  }

  /** Adds a checked credential under its key (kind, namespace and name of its Secret). */
  public void credential(String key, Credential credential) {
    if (credentials.putIfAbsent(key, credential) == null) {
      undo(() -> credentials.remove(key));
    }
  }

  /** The credentials the routes of the last {@link #build} use. */
  public Map<String, Credential> credentials() {
    Map<String, Credential> used = new TreeMap<>();
    builtCredentials.forEach(k -> {
      Credential c = credentials.get(k);
      if (c != null) {
        used.put(k, c);
      }
    });
    return used;
  }

  /** The certificates the hosts of the last {@link #build} use. */
  public Map<String, Certificate> certificates() {
    Map<String, Certificate> used = new TreeMap<>();
    if (defaultCertificate != null) {
      used.put(Certificate.DEFAULT, certificates.get(Certificate.DEFAULT));
    }
    builtTls.forEach(k -> {
      Certificate c = certificates.get(k);
      if (c != null) {
        used.put(k, c);
      }
    });
    return used;
  }

  /** How the clusters in the last {@link #build} were resolved. */
  public Map<String, BackendResolver.Resolution> resolutions() {
    Map<String, BackendResolver.Resolution> used = new TreeMap<>();
    resolutions.forEach((k, v) -> {
      if (built.contains(k)) {
        used.put(k, v);
      }
    });
    return used;
  }

  /**
   * Builds the table: hosts without a fallback of their own get the global one, the catch-all
   * host exists when a rule or the global fallback needs it, and clusters no route uses are pruned.
   */
  public RouteTable build() {
    if (globalFallback != null) {
      host(VirtualHost.CATCH_ALL);
    }
    List<VirtualHost> vhosts = new ArrayList<>();
    Set<String> used = new HashSet<>();
    for (Map.Entry<String, HostEntry> e : hosts.entrySet()) {
      HostEntry host = e.getValue();
      List<Route> routes = host.routes.values().stream().map(Claim::route).sorted(ROUTE_ORDER).toList();
      Claim fallback = host.fallback != null ? host.fallback : globalFallback;
      Route fallbackRoute = fallback == null ? null : fallback.route();
      routes.forEach(r -> collectClusters(r, used));
      if (fallbackRoute != null) {
        collectClusters(fallbackRoute, used);
      }
      vhosts.add(new VirtualHost(e.getKey(), routes, fallbackRoute, host.tls == null ? null : host.tls.tls()));
    }
    List<Cluster> kept = clusters.values().stream().filter(c -> used.contains(c.name())).toList();
    built = used;
    Set<String> tls = new HashSet<>();
    for (VirtualHost vh : vhosts) {
      if (vh.tls() != null && vh.tls().fingerprint() != null) {
        tls.add(vh.tls().certificateKey());
      }
    }
    builtTls = tls;
    Set<String> creds = new HashSet<>();
    for (VirtualHost vh : vhosts) {
      vh.routes().forEach(r -> collectCredentials(r, creds));
      if (vh.fallback() != null) {
        collectCredentials(vh.fallback(), creds);
      }
    }
    builtCredentials = creds;
    return new RouteTable(vhosts, kept, defaultCertificate);
  }

  /** The keys of the credentials a route's authentication uses (those it could read). */
  private static void collectCredentials(Route route, Set<String> into) {
    Auth auth = route.policiesOrNone().auth();
    if (auth == null) {
      return;
    }
    if (auth.basic() != null && auth.basic().secret().fingerprint() != null) {
      into.add(auth.basic().credentialKey());
    }
    if (auth.jwt() != null && auth.jwt().jwksSecret() != null && auth.jwt().jwksSecret().fingerprint() != null) {
      into.add(auth.jwt().credentialKey());
    }
  }

  /** The clusters a route uses: where it forwards, and where its error pages come from. */
  private static void collectClusters(Route route, Set<String> into) {
    if (route.action() instanceof RouteAction.Forward f) {
      f.clusters().forEach(c -> into.add(c.cluster()));
    }
    if (route.policiesOrNone().errorPages() != null) {
      into.add(route.policiesOrNone().errorPages().cluster());
    }
  }
}
