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
import dev.portcullis.model.util.BucketMap;
import dev.portcullis.translator.backend.BackendResolver;
import dev.portcullis.translator.status.ObjectRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

  // Hash maps while objects add to them (a rebuild replays every unchanged object's calls); the
  // table is sorted once, in build().
  private final Map<String, HostEntry> hosts = new HashMap<>();
  private final Shared<Cluster> clusters = new Shared<>();
  private final Shared<BackendResolver.Resolution> resolutions = new Shared<>();
  private final Shared<Certificate> certificates = new Shared<>();
  private final Shared<Credential> credentials = new Shared<>();
  private Claim globalFallback;
  private TlsRef defaultCertificate;
  private Certificate defaultCertificateMaterial;
  /** The object whose calls are being made (set by {@link #begin(Object)}), and the order objects take precedence in. */
  private Object current;
  private Comparator<Object> precedence = (a, b) -> 0;
  /**
   * The hosts and the order of names of the last build: this builder's, or before its first one,
   * the earlier builder's, whose hosts are reused where their claims are the same routes.
   */
  private Map<String, BuiltHost> builtHosts;
  private List<String> builtHostOrder;
  private List<String> builtClusterOrder;

  /**
   * What several objects may add under one name (a cluster, a certificate): each object's
   * contribution is kept, and the one of the object that takes precedence counts, as if objects
   * had been offered in precedence order and the first had won. An object's contributions can be
   * taken back ({@link #retract}), and a later translation can keep everyone else's.
   */
  private final class Shared<V> {
    final Map<String, V> effective = new HashMap<>();
    private final Map<String, List<Object[]>> by = new HashMap<>();
    /** The names whose effective value was set or taken since the last build. */
    final Set<String> changed = new HashSet<>();

    void add(String key, V value) {
      Object owner = current;
      List<Object[]> list = by.computeIfAbsent(key, k -> new ArrayList<>(1));
      for (Object[] c : list) {
        if (c[0] == owner) {
          return; // an object's first value for a name is its value
        }
      }
      int at = list.size();
      while (at > 0 && precedence.compare(list.get(at - 1)[0], owner) > 0) {
        at--;
      }
      list.add(at, new Object[] {owner, value});
      @SuppressWarnings("unchecked")
      V first = (V) list.get(0)[1];
      effective.put(key, first);
      changed.add(key);
      undo(() -> remove(key, owner));
    }

    void remove(String key, Object owner) {
      List<Object[]> list = by.get(key);
      if (list == null || !list.removeIf(c -> c[0] == owner)) {
        return;
      }
      if (list.isEmpty()) {
        by.remove(key);
        effective.remove(key);
      } else {
        @SuppressWarnings("unchecked")
        V first = (V) list.get(0)[1];
        effective.put(key, first);
      }
      changed.add(key);
    }
  }

  public RouteTableBuilder() {
    this(null);
  }

  /**
   * A builder that reuses what an earlier one built (null: nothing): its hosts where nothing of
   * them changed, and its order of names.
   */
  public RouteTableBuilder(RouteTableBuilder previous) {
    this.builtHosts = previous == null ? Map.of() : previous.builtHosts;
    this.builtHostOrder = previous == null ? List.of() : previous.builtHostOrder;
    this.builtClusterOrder = previous == null ? List.of() : previous.builtClusterOrder;
  }
  /** Undo actions of the object being processed, newest last; null outside {@link #begin}. */
  private List<Runnable> journal;

  /**
   * Starts recording what one object adds, so that {@link #rollback} can take it all back when the
   * object turns out to be unusable: one bad object never costs the others their routes.
   */
  public void begin() {
    journal = new ArrayList<>();
  }

  /** {@link #begin()} for one object: what it adds under shared names is its contribution. */
  public void begin(Object object) {
    current = object;
    begin();
  }

  /** The order objects take precedence in, for shared names (the translator's order). */
  public void precedence(Comparator<Object> order) {
    this.precedence = order;
  }

  /** Keeps what the object added. */
  public void commit() {
    journal = null;
    current = null;
  }

  /** Takes back everything added since {@link #begin}. */
  public void rollback() {
    if (journal != null) {
      for (int i = journal.size() - 1; i >= 0; i--) {
        journal.get(i).run();
      }
    }
    journal = null;
    current = null;
  }

  private static final int HOST = 0;
  private static final int ROUTE = 1;
  private static final int HOST_FALLBACK = 2;
  private static final int TLS = 3;
  private static final int GLOBAL_FALLBACK = 4;
  private static final int CLUSTER = 5;
  private static final int RESOLUTION = 6;
  private static final int CERTIFICATE = 7;
  private static final int CREDENTIAL = 8;

  /**
   * One call an object made on the builder, and what came of it (the earlier claim it was told of,
   * or the exception it got): replayed in a later translation while the object and what it read
   * are unchanged.
   */
  public record Op(int kind, String key, Object arg, ObjectRef owner, Object outcome) {}

  /** Where the calls of the object being processed are recorded, or null. */
  private List<Op> recording;

  /** Records every call from now on into {@code into} (null: stop). */
  public void record(List<Op> into) {
    recording = into;
  }

  private Object call(int kind, String key, Object arg, ObjectRef owner) {
    Object outcome;
    try {
      outcome = perform(kind, key, arg, owner);
    } catch (RuntimeException e) {
      if (recording != null) {
        recording.add(new Op(kind, key, arg, owner, e));
      }
      throw e;
    }
    if (recording != null) {
      recording.add(new Op(kind, key, arg, owner, outcome));
    }
    return outcome;
  }

  private Object perform(int kind, String key, Object arg, ObjectRef owner) {
    switch (kind) {
      case HOST -> entry(key);
      case ROUTE -> {
        return doAddRoute(key, (Route) arg, owner);
      }
      case HOST_FALLBACK -> {
        return doOfferHostFallback(key, (Route) arg, owner);
      }
      case TLS -> {
        return doOfferTls(key, (TlsRef) arg, owner);
      }
      case GLOBAL_FALLBACK -> {
        return doOfferGlobalFallback((Route) arg, owner);
      }
      case CLUSTER -> doCluster((Cluster) arg);
      case RESOLUTION -> doCluster((BackendResolver.Resolution) arg);
      case CERTIFICATE -> doCertificate(key, (Certificate) arg);
      case CREDENTIAL -> doCredential(key, (Credential) arg);
      default -> throw new IllegalArgumentException("kind " + kind);
    }
    return null;
  }

  /**
   * Makes an object's recorded calls again, inside {@link #begin}. Returns false as soon as one
   * comes out otherwise than it did (another object now holds a path, say): the caller then rolls
   * back and processes the object afresh.
   */
  public boolean replay(List<Op> ops) {
    for (Op op : ops) {
      Object outcome;
      try {
        outcome = perform(op.kind(), op.key(), op.arg(), op.owner());
      } catch (RuntimeException e) {
        outcome = e;
      }
      if (!sameOutcome(op.outcome(), outcome)) {
        return false;
      }
    }
    return true;
  }

  /** Claims compare by owner and the very route (or certificate reference); exceptions by type and message. */
  private static boolean sameOutcome(Object recorded, Object now) {
    if (recorded == now) {
      return true;
    }
    if (recorded instanceof Claim a && now instanceof Claim b) {
      return a.route() == b.route() && a.owner().equals(b.owner());
    }
    if (recorded instanceof TlsClaim a && now instanceof TlsClaim b) {
      return a.tls() == b.tls() && a.owner().equals(b.owner());
    }
    if (recorded instanceof RuntimeException a && now instanceof RuntimeException b) {
      return a.getClass() == b.getClass() && java.util.Objects.equals(a.getMessage(), b.getMessage());
    }
    return false;
  }

  /** The key every call on the cluster-wide fallback is indexed under. */
  public static final String GLOBAL = "\u0000global";

  /** The host an op touches ({@link #GLOBAL} for the global fallback), or null for shared names. */
  public static String hostKey(Op op) {
    return switch (op.kind()) {
      case HOST, ROUTE, HOST_FALLBACK, TLS -> op.key();
      case GLOBAL_FALLBACK -> GLOBAL;
      default -> null;
    };
  }

  /** Takes back what an object added under shared names with these calls. */
  public void retract(Object object, List<Op> ops) {
    for (Op op : ops) {
      switch (op.kind()) {
        case CLUSTER -> clusters.remove(((Cluster) op.arg()).name(), object);
        case RESOLUTION -> {
          String name = ((BackendResolver.Resolution) op.arg()).cluster().name();
          clusters.remove(name, object);
          resolutions.remove(name, object);
        }
        case CERTIFICATE -> certificates.remove(op.key(), object);
        case CREDENTIAL -> credentials.remove(op.key(), object);
        default -> {
          // hosts are cleared whole, with clearHosts
        }
      }
    }
  }

  /** Forgets everything claimed on these hosts ({@link #GLOBAL}: the global fallback), for their objects to claim again. */
  public void clearHosts(java.util.Collection<String> keys) {
    for (String key : keys) {
      if (GLOBAL.equals(key)) {
        globalFallback = null;
      } else {
        hosts.remove(key);
        touched.add(key);
      }
    }
  }

  private void undo(Runnable action) {
    if (journal != null) {
      journal.add(action);
    }
  }

  private HostEntry entry(String hostname) {
    touched.add(hostname);
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
    call(HOST, hostname, null, null);
  }

  /**
   * Claims a path on a host.
   *
   * @return null if the claim was taken, or the earlier claim that holds that path
   */
  public Claim addRoute(String hostname, Route route, ObjectRef owner) {
    return (Claim) call(ROUTE, hostname, route, owner);
  }

  private Claim doAddRoute(String hostname, Route route, ObjectRef owner) {
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
    return (Claim) call(HOST_FALLBACK, hostname, route, owner);
  }

  private Claim doOfferHostFallback(String hostname, Route route, ObjectRef owner) {
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
    return (TlsClaim) call(TLS, hostname, tls, owner);
  }

  private TlsClaim doOfferTls(String hostname, TlsRef tls, ObjectRef owner) {
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
    return (Claim) call(GLOBAL_FALLBACK, null, route, owner);
  }

  private Claim doOfferGlobalFallback(Route route, ObjectRef owner) {
    if (globalFallback != null) {
      return globalFallback;
    }
    globalFallback = new Claim(route, owner);
    undo(() -> globalFallback = null);
    return null;
  }

  public void cluster(Cluster cluster) {
    call(CLUSTER, null, cluster, null);
  }

  private void doCluster(Cluster cluster) {
    clusters.add(cluster.name(), cluster);
  }

  /** Adds a resolved cluster, remembering how it was resolved (for the endpoint fast path). */
  public void cluster(BackendResolver.Resolution resolution) {
    call(RESOLUTION, null, resolution, null);
  }

  private void doCluster(BackendResolver.Resolution resolution) {
    String name = resolution.cluster().name();
    clusters.add(name, resolution.cluster());
    resolutions.add(name, resolution);
  }

  /** Adds a checked certificate under its key (namespace/name of its Secret). */
  public void certificate(String key, Certificate certificate) {
    call(CERTIFICATE, key, certificate, null);
  }

  private void doCertificate(String key, Certificate certificate) {
    certificates.add(key, certificate);
  }

  /** The certificate for clients that name no host with one of their own. */
  public void defaultCertificate(TlsRef ref, Certificate certificate) {
    defaultCertificate = ref;
    defaultCertificateMaterial = certificate;
  }

  /** Forgets the default certificate (each translation offers it again). */
  public void clearDefaultCertificate() {
    defaultCertificate = null;
    defaultCertificateMaterial = null;
  }

  /** Adds a checked credential under its key (kind, namespace and name of its Secret). */
  public void credential(String key, Credential credential) {
    call(CREDENTIAL, key, credential, null);
  }

  private void doCredential(String key, Credential credential) {
    credentials.add(key, credential);
  }

  /** The credentials the routes of the last {@link #build} use (an immutable map). */
  public Map<String, Credential> credentials() {
    return usedCredentials.view;
  }

  /** The certificates the hosts of the last {@link #build} use, the default one included (an immutable map). */
  public Map<String, Certificate> certificates() {
    Map<String, Certificate> used = usedCertificates.view;
    if (defaultCertificate == null) {
      return used;
    }
    if (certificatesFrom != used || certificatesDefault != defaultCertificateMaterial) {
      Map<String, Certificate> all = new HashMap<>(used);
      all.put(Certificate.DEFAULT, defaultCertificateMaterial);
      certificatesWithDefault = Map.copyOf(all);
      certificatesFrom = used;
      certificatesDefault = defaultCertificateMaterial;
    }
    return certificatesWithDefault;
  }

  /** {@link #certificates()} with the default certificate, and what it was made from. */
  private Map<String, Certificate> certificatesWithDefault;
  private Map<String, Certificate> certificatesFrom;
  private Certificate certificatesDefault;

  /** How the clusters in the last {@link #build} were resolved (an immutable map). */
  public Map<String, BackendResolver.Resolution> resolutions() {
    return usedResolutions.view;
  }

  /**
   * Builds the table: hosts without a fallback of their own get the global one, the catch-all
   * host exists when a rule or the global fallback needs it, and clusters no route uses are pruned.
   * After an earlier build of this builder, only the hosts claimed on since, and the clusters,
   * certificates and credentials whose values or uses moved, are looked at: with 10,000 hosts, a
   * change of one costs about that one (and a copy of two lists), not a pass over every name.
   */
  public RouteTable build() {
    Route global = globalFallback == null ? null : globalFallback.route();
    Map<String, BuiltHost> made;
    List<String> names;
    List<VirtualHost> vhosts = null;
    boolean incremental = builtHere && global == builtGlobal && builtTable != null;
    if (!incremental) {
      // Every host (a new builder, or the global fallback, which hosts without their own use, moved).
      clusterUses.clear();
      tlsUses.clear();
      credentialUses.clear();
      made = new HashMap<>();
      // The catch-all host exists while there is a global fallback (no object holds it for that).
      java.util.Collection<String> hostNames = hosts.keySet();
      if (globalFallback != null && !hosts.containsKey(VirtualHost.CATCH_ALL)) {
        hostNames = new ArrayList<>(hostNames);
        hostNames.add(VirtualHost.CATCH_ALL);
      }
      names = inPreviousOrder(hostNames, builtHostOrder);
      for (String name : names) {
        BuiltHost b = built(name, builtHosts.get(name));
        made.put(name, b);
        count(b, 1);
      }
    } else {
      // The same builder as the last build: only the hosts claimed on or cleared since can differ.
      made = builtHosts;
      boolean namesChanged = false;
      List<BuiltHost> replaced = new ArrayList<>();
      for (String name : touched) {
        BuiltHost old = made.get(name);
        boolean exists = hosts.containsKey(name) || (name.equals(VirtualHost.CATCH_ALL) && globalFallback != null);
        BuiltHost b = exists ? built(name, old) : null;
        if (b == old) {
          continue;
        }
        if (old != null) {
          count(old, -1);
        } else {
          namesChanged = true;
        }
        if (b != null) {
          count(b, 1);
          made.put(name, b);
          replaced.add(b);
        } else {
          made.remove(name);
          namesChanged = true;
        }
      }
      names = namesChanged ? inPreviousOrder(made.keySet(), builtHostOrder) : builtHostOrder;
      if (!namesChanged) {
        // The same names in the same places: the last table's hosts with the replaced ones set.
        vhosts = builtTable.virtualHosts();
        if (!replaced.isEmpty()) {
          vhosts = new ArrayList<>(vhosts);
          for (BuiltHost b : replaced) {
            vhosts.set(java.util.Collections.binarySearch(names, b.host().hostname()), b.host());
          }
        }
      }
    }
    touched.clear();
    builtHere = true;
    builtGlobal = global;
    if (vhosts == null) {
      vhosts = new ArrayList<>(names.size());
      for (String name : names) {
        vhosts.add(made.get(name).host());
      }
    }
    // Clusters no host uses are left out.
    List<Cluster> kept = incremental ? clustersEdited() : null;
    List<String> clusterOrder = builtClusterOrder;
    if (kept == null) {
      Set<String> present = new HashSet<>();
      for (String name : clusterUses.keySet()) {
        if (clusters.effective.containsKey(name)) {
          present.add(name);
        }
      }
      clusterOrder = inPreviousOrder(present, builtClusterOrder);
      kept = new ArrayList<>(clusterOrder.size());
      for (String n : clusterOrder) {
        kept.add(clusters.effective.get(n));
      }
    }
    clusters.changed.clear();
    usedResolutions.refresh(!incremental);
    usedCertificates.refresh(!incremental);
    usedCredentials.refresh(!incremental);
    builtHostOrder = names;
    builtClusterOrder = clusterOrder;
    builtHosts = made;
    // Most hosts are the last table's instances: only the others need checking.
    // (Clusters are in the order of their names: inPreviousOrder sorts them so.)
    builtTable = RouteTable.following(builtTable, vhosts, kept, defaultCertificate, true);
    return builtTable;
  }

  /**
   * The last table's clusters with those whose value changed since set in their places, or null
   * when a cluster came into use or went out of it (the list is then made again).
   */
  private List<Cluster> clustersEdited() {
    List<Cluster> previous = builtTable.clusters();
    List<Cluster> edited = previous;
    for (Set<String> names : List.of(usedResolutions.crossed, clusters.changed)) {
      for (String name : names) {
        Cluster now = clusterUses.containsKey(name) ? clusters.effective.get(name) : null;
        int at = java.util.Collections.binarySearch(builtClusterOrder, name);
        if ((now != null) != (at >= 0)) {
          return null;
        }
        // An object processed again resolves its clusters again: an equal one keeps the last
        // instance, so that what follows (checksum, delta, the data plane's runtimes) sees no change.
        if (now != null && now != edited.get(at) && !now.equals(edited.get(at))) {
          if (edited == previous) {
            edited = new ArrayList<>(previous);
          }
          edited.set(at, now);
        }
      }
    }
    return edited;
  }

  /** The table the last build made. */
  private RouteTable builtTable;

  /** How many built hosts use each cluster, certificate and credential. */
  private final Map<String, int[]> clusterUses = new HashMap<>();
  private final Map<String, int[]> tlsUses = new HashMap<>();
  private final Map<String, int[]> credentialUses = new HashMap<>();
  /** What the built hosts use of each kind of shared name, as handed out. */
  private final Used<BackendResolver.Resolution> usedResolutions = new Used<>(resolutions, clusterUses);
  private final Used<Certificate> usedCertificates = new Used<>(certificates, tlsUses);
  private final Used<Credential> usedCredentials = new Used<>(credentials, credentialUses);
  /** Hosts claimed on, or cleared, since the last build. */
  private final Set<String> touched = new HashSet<>();
  /** Whether this builder built before, and with which global fallback. */
  private boolean builtHere;
  private Route builtGlobal;

  /**
   * The values of one kind of shared name that built hosts use (by their use counts), kept from
   * build to build: each build looks only at the names whose value or use moved, and makes the
   * immutable map it hands out again only when one of them changed value.
   */
  private final class Used<V> {
    final Shared<V> source;
    final Map<String, int[]> uses;
    /** Names whose use count went from zero or to zero since the last build. */
    final Set<String> crossed = new HashSet<>();
    /** The values handed out last ({@link #view}, frozen), or a later version of them being brought up to date. */
    private BucketMap<String, V> values = BucketMap.sized(0);
    Map<String, V> view = Map.of();

    Used(Shared<V> source, Map<String, int[]> uses) {
      this.source = source;
      this.uses = uses;
    }

    void refresh(boolean all) {
      boolean moved = all;
      if (all) {
        values = BucketMap.sized(uses.size());
        uses.keySet().forEach(k -> {
          V v = source.effective.get(k);
          if (v != null) {
            values.put(k, v);
          }
        });
      } else {
        if (values.isFrozen() && (!crossed.isEmpty() || !source.changed.isEmpty())) {
          values = values.edit(); // the last view stays as it was handed out
        }
        for (Set<String> names : List.of(crossed, source.changed)) {
          for (String k : names) {
            V v = uses.containsKey(k) ? source.effective.get(k) : null;
            V before = v == null ? values.remove(k) : values.put(k, v);
            moved |= !java.util.Objects.equals(before, v);
          }
        }
      }
      crossed.clear();
      source.changed.clear();
      if (moved) {
        view = values.freeze(); // handed out as it is: the next change edits a later version
      }
    }
  }

  /** A host as its claims stand, {@code before} itself if that was built from the same claims. */
  private BuiltHost built(String name, BuiltHost before) {
    HostEntry entry = hosts.get(name);
    HostEntry host = entry == null ? new HostEntry() : entry;
    Claim fallback = host.fallback != null ? host.fallback : globalFallback;
    Route fallbackRoute = fallback == null ? null : fallback.route();
    TlsRef hostTls = host.tls == null ? null : host.tls.tls();
    if (before != null && before.sameAs(host.routes.values(), fallbackRoute, hostTls)) {
      return before;
    }
    return BuiltHost.of(name, host.routes.values(), fallbackRoute, hostTls);
  }

  private void count(BuiltHost b, int delta) {
    b.clusters().forEach(c -> count(usedResolutions, c, delta));
    b.credentials().forEach(c -> count(usedCredentials, c, delta));
    if (b.tls() != null && b.tls().fingerprint() != null) {
      count(usedCertificates, b.tls().certificateKey(), delta);
    }
  }

  /** Counts a use of a name up or down, noting when it goes from zero or to zero. */
  private static void count(Used<?> used, String key, int delta) {
    int[] n = used.uses.get(key);
    if (n == null) {
      n = new int[1];
      used.uses.put(key, n);
      used.crossed.add(key);
    }
    n[0] += delta;
    if (n[0] <= 0) {
      used.uses.remove(key);
      used.crossed.add(key);
    }
  }

  /**
   * A virtual host as built, with what it was built from: the next translation's builder reuses
   * the very instance while a host's claims are the same routes (which objects replayed from an
   * earlier translation hand over), so that what follows can tell unchanged hosts by identity.
   */
  public record BuiltHost(List<Route> claimed, Route fallback, TlsRef tls, VirtualHost host, Set<String> clusters,
      Set<String> credentials) {

    static BuiltHost of(String hostname, java.util.Collection<Claim> claims, Route fallback, TlsRef tls) {
      List<Route> claimed = new ArrayList<>(claims.size());
      claims.forEach(c -> claimed.add(c.route()));
      List<Route> routes = new ArrayList<>(claimed);
      routes.sort(ROUTE_ORDER);
      Set<String> clusters = new HashSet<>();
      Set<String> credentials = new HashSet<>();
      routes.forEach(r -> {
        collectClusters(r, clusters);
        collectCredentials(r, credentials);
      });
      if (fallback != null) {
        collectClusters(fallback, clusters);
        collectCredentials(fallback, credentials);
      }
      return new BuiltHost(claimed, fallback, tls, new VirtualHost(hostname, routes, fallback, tls), clusters,
          credentials);
    }

    boolean sameAs(java.util.Collection<Claim> claims, Route fallback, TlsRef tls) {
      if (fallback != this.fallback || tls != this.tls || claims.size() != claimed.size()) {
        return false;
      }
      int i = 0;
      for (Claim c : claims) {
        if (c.route() != claimed.get(i++)) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * The names sorted, starting from an earlier sorted list: mostly the same names, so the sort
   * finds them in order and costs a pass.
   */
  private static List<String> inPreviousOrder(java.util.Collection<String> names, List<String> previous) {
    if (previous.size() == names.size() && names.containsAll(previous)) {
      return previous; // the same names: already sorted
    }
    Set<String> left = new HashSet<>(names);
    List<String> sorted = new ArrayList<>(names.size());
    for (String n : previous) {
      if (left.remove(n)) {
        sorted.add(n);
      }
    }
    sorted.addAll(left);
    sorted.sort(null);
    return sorted;
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
