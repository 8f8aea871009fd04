package dev.portcullis.translator;

import dev.portcullis.api.v1alpha1.ProxyRoute;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import dev.portcullis.model.util.BucketMap;

/**
 * Every object the translator may read, frozen at one moment. Sources (the Kubernetes informers,
 * the local-mode file watcher) build one and hand it over; nobody changes the objects afterwards.
 */
public final class ClusterSnapshot {

  /** The label that ties an EndpointSlice to its Service. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  // Hash maps by key, in buckets: a snapshot made from another by a few changes (see edit()) copies
  // only the buckets it writes, rather than sorting 30,000 objects again or copying 10,000. The
  // collections the accessors return are sorted once, when first asked for.
  private final BucketMap<ObjectKey, Ingress> ingresses;
  private final SortedMap<String, IngressClass> ingressClasses;
  private final BucketMap<ObjectKey, Service> services;
  private final BucketMap<ObjectKey, EndpointSlice> endpointSlices;
  private final BucketMap<ObjectKey, Endpoints> endpoints;
  private final BucketMap<ObjectKey, ProxyRoute> proxyRoutes;
  private final BucketMap<ObjectKey, Secret> secrets;
  /** Each Service's slices, sorted by name (lists that are never changed). */
  private final BucketMap<ObjectKey, List<EndpointSlice>> slicesByService;
  /** The sorted collections, made when first asked for (racy but safe: each is immutable). */
  private List<Ingress> sortedIngresses;
  private List<Service> sortedServices;
  private List<EndpointSlice> sortedSlices;
  private List<ProxyRoute> sortedRoutes;
  private List<Secret> sortedSecrets;
  /**
   * On a {@link #tracking} view: where the lookups of the object being translated are recorded
   * (null between objects). Views are confined to the one translation that made them.
   */
  private Reads reads;
  /** True on a {@link #tracking} view; a shared snapshot never records, so threads may share it. */
  private final boolean tracking;

  private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();
  /** This snapshot's number (a tracking view has its snapshot's). */
  private final long id;
  /** For a snapshot made by {@link #edit}: what changed since its base, and since the base's bases. */
  private final Lineage lineage;

  /** At most this many edits are remembered back; a translator further behind looks at every object. */
  private static final int MAX_LINEAGE = 32;

  /**
   * What one edit changed: the look-ups whose answer may differ (a Service, a Service's slices, a
   * Secret...) and the Ingresses and ProxyRoutes put in and taken out, with the same of the edits
   * before it (up to {@link #MAX_LINEAGE}).
   */
  private record Lineage(long base, java.util.Set<ReadKey> keys, List<HasMetadata> added, List<HasMetadata> removed,
      Lineage previous, int depth) {}

  /** What changed between two snapshots: look-ups, and the route objects put in and taken out (either may be gone again). */
  record Changes(java.util.Set<ReadKey> keys, List<HasMetadata> added, List<HasMetadata> removed) {}

  long id() {
    return id;
  }

  /** What changed since the snapshot numbered {@code earlier}, or null if this one is not a (recent) edit of it. */
  Changes since(long earlier) {
    java.util.Set<ReadKey> keys = new java.util.HashSet<>();
    List<HasMetadata> added = new ArrayList<>();
    List<HasMetadata> removed = new ArrayList<>();
    for (Lineage l = lineage; l != null; l = l.previous()) {
      keys.addAll(l.keys());
      added.addAll(l.added());
      removed.addAll(l.removed());
      if (l.base() == earlier) {
        return new Changes(keys, added, removed);
      }
    }
    return null;
  }

  /** A tracking view: the same objects, and lookups can be recorded with {@link #recordInto}. */
  private ClusterSnapshot(ClusterSnapshot of) {
    this.ingresses = of.ingresses;
    this.ingressClasses = of.ingressClasses;
    this.services = of.services;
    this.endpointSlices = of.endpointSlices;
    this.endpoints = of.endpoints;
    this.proxyRoutes = of.proxyRoutes;
    this.secrets = of.secrets;
    this.slicesByService = of.slicesByService;
    this.tracking = true;
    this.id = of.id;
    this.lineage = of.lineage;
  }

  private ClusterSnapshot(Builder b) {
    this.ingresses = b.ingresses;
    this.ingressClasses = b.ingressClasses; // shared with later edits until they write it: see ingressClasses()
    this.services = b.services;
    this.endpointSlices = b.endpointSlices;
    this.endpoints = b.endpoints;
    this.proxyRoutes = b.proxyRoutes;
    this.secrets = b.secrets;
    b.touchedServices.forEach(service -> {
      List<EndpointSlice> slices = b.slicesByService.get(service);
      if (slices != null) {
        b.slicesByService.put(service, List.copyOf(slices));
      }
    });
    this.slicesByService = b.slicesByService;
    this.tracking = false;
    this.id = IDS.incrementAndGet();
    if (b.base == null) {
      this.lineage = null;
    } else {
      Lineage before = b.base.lineage != null && b.base.lineage.depth() < MAX_LINEAGE ? b.base.lineage : null;
      this.lineage = new Lineage(b.base.id, java.util.Set.copyOf(b.changedKeys), List.copyOf(b.addedRouteObjects),
          List.copyOf(b.removedRouteObjects), before, before == null ? 1 : before.depth() + 1);
    }
  }

  /** The values sorted by key (namespace, then name), as an unchanging list. */
  private static <T> List<T> sorted(Map<ObjectKey, T> map) {
    List<Map.Entry<ObjectKey, T>> entries = new ArrayList<>(map.entrySet());
    entries.sort(Map.Entry.comparingByKey());
    List<T> values = new ArrayList<>(entries.size());
    entries.forEach(e -> values.add(e.getValue()));
    return Collections.unmodifiableList(values);
  }

  public static final ClusterSnapshot EMPTY = builder().build();

  public static Builder builder() {
    return new Builder();
  }

  /** The Ingresses, sorted by namespace and name. */
  public Collection<Ingress> ingresses() {
    List<Ingress> s = sortedIngresses;
    if (s == null) {
      s = sorted(ingresses);
      sortedIngresses = s;
    }
    return s;
  }

  /** The ProxyRoutes, sorted by namespace and name. */
  public Collection<ProxyRoute> proxyRoutes() {
    List<ProxyRoute> s = sortedRoutes;
    if (s == null) {
      s = sorted(proxyRoutes);
      sortedRoutes = s;
    }
    return s;
  }

  /** The Ingresses and ProxyRoutes in no particular order (for the translator, which orders them itself). */
  void forEachRouteObject(java.util.function.Consumer<HasMetadata> action) {
    ingresses.values().forEach(action);
    proxyRoutes.values().forEach(action);
  }

  /** Whether this very Ingress or ProxyRoute instance is one of this snapshot's. */
  boolean holds(HasMetadata object) {
    ObjectKey key = new ObjectKey(object.getMetadata().getNamespace(), object.getMetadata().getName());
    Object held = object instanceof Ingress ? ingresses.get(key) : object instanceof ProxyRoute ? proxyRoutes.get(key) : null;
    return held == object;
  }

  public Collection<IngressClass> ingressClasses() {
    return Collections.unmodifiableCollection(ingressClasses.values());
  }

  public Optional<IngressClass> ingressClass(String name) {
    return Optional.ofNullable(read(INGRESS_CLASS, null, name));
  }

  public Optional<Service> service(String namespace, String name) {
    return Optional.ofNullable(read(SERVICE, namespace, name));
  }

  /** The Services, sorted by namespace and name. */
  public Collection<Service> services() {
    List<Service> s = sortedServices;
    if (s == null) {
      s = sorted(services);
      sortedServices = s;
    }
    return s;
  }

  /** The EndpointSlices, sorted by namespace and name. */
  public Collection<EndpointSlice> endpointSlices() {
    List<EndpointSlice> s = sortedSlices;
    if (s == null) {
      s = sorted(endpointSlices);
      sortedSlices = s;
    }
    return s;
  }

  /** The Service's EndpointSlices (by the {@value #SERVICE_NAME_LABEL} label), sorted by name. */
  public List<EndpointSlice> endpointSlicesOf(String namespace, String service) {
    List<EndpointSlice> slices = read(SLICES, namespace, service);
    return slices == null ? List.of() : slices;
  }

  /** The legacy v1 Endpoints object of the same name as a Service. */
  public Optional<Endpoints> endpoints(String namespace, String name) {
    return Optional.ofNullable(read(ENDPOINTS, namespace, name));
  }

  /**
   * A Secret. In a cluster only the Secrets the operator reads are here ({@code kubernetes.io/tls}
   * ones, and those a route names for other purposes); in local mode, those of the folder.
   */
  public Optional<Secret> secret(String namespace, String name) {
    return Optional.ofNullable(read(SECRET, namespace, name));
  }

  /** The Secrets, sorted by namespace and name. */
  public Collection<Secret> secrets() {
    List<Secret> s = sortedSecrets;
    if (s == null) {
      s = sorted(secrets);
      sortedSecrets = s;
    }
    return s;
  }

  public int size() {
    return ingresses.size() + ingressClasses.size() + services.size() + endpointSlices.size() + endpoints.size()
        + proxyRoutes.size() + secrets.size();
  }

  private static final int SERVICE = 0;
  private static final int SLICES = 1;
  private static final int ENDPOINTS = 2;
  private static final int SECRET = 3;
  private static final int INGRESS_CLASS = 4;

  /** One lookup by kind and key (an IngressClass's has no namespace). */
  record ReadKey(int kind, ObjectKey key) {}

  @SuppressWarnings("unchecked")
  private <T> T read(int kind, String namespace, String name) {
    ObjectKey key = new ObjectKey(namespace, name);
    T found = (T) lookup(kind, key);
    if (reads != null) {
      reads.found.putIfAbsent(new ReadKey(kind, key), found);
    }
    return found;
  }

  private Object lookup(int kind, ObjectKey key) {
    return switch (kind) {
      case SERVICE -> services.get(key);
      case SLICES -> slicesByService.get(key);
      case ENDPOINTS -> endpoints.get(key);
      case SECRET -> secrets.get(key);
      case INGRESS_CLASS -> ingressClasses.get(key.name());
      default -> throw new IllegalArgumentException("kind " + kind);
    };
  }

  /**
   * What one object's translation looked up, and what it found (absences too): while all of it is
   * the same in a later snapshot (the same instances: sources keep unchanged objects), the
   * object's translation is the same.
   */
  public static final class Reads {
    private final Map<ReadKey, Object> found = new java.util.LinkedHashMap<>();

    /** Adds what another computation read (one this object's translation reused). */
    void addAll(Reads other) {
      other.found.forEach(found::putIfAbsent);
    }

    public int size() {
      return found.size();
    }

    /** The look-ups made. */
    java.util.Set<ReadKey> keys() {
      return found.keySet();
    }
  }

  /** A view of this snapshot whose lookups {@link #recordInto} can record, for one translation. */
  public ClusterSnapshot tracking() {
    return new ClusterSnapshot(this);
  }

  /** Records this view's lookups into {@code into} from now on (null: stop); returns where they went before. */
  public Reads recordInto(Reads into) {
    if (!tracking) {
      throw new IllegalStateException("only a tracking() view records its lookups");
    }
    Reads before = reads;
    reads = into;
    return before;
  }

  /** True when every lookup in {@code reads} finds the same instances here as it found then. */
  public boolean unchanged(Reads reads) {
    for (Map.Entry<ReadKey, Object> e : reads.found.entrySet()) {
      ReadKey k = e.getKey();
      Object now = lookup(k.kind(), k.key());
      if (now != e.getValue() && !sameElements(now, e.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** Lists of slices are made per snapshot: equal when they hold the same instances. */
  private static boolean sameElements(Object a, Object b) {
    if (!(a instanceof List<?> x) || !(b instanceof List<?> y) || x.size() != y.size()) {
      return false;
    }
    for (int i = 0; i < x.size(); i++) {
      if (x.get(i) != y.get(i)) {
        return false;
      }
    }
    return true;
  }

  /** A value computed from lookups, with the lookups it made. */
  public record Captured<T>(T value, Reads reads) {}

  /**
   * A per-translation cache that keeps the lookups each value was computed from: whoever gets a
   * cached value depends on what computing it read, and is told so (recorded as its reads too).
   */
  public <T> T cached(Map<String, Captured<T>> cache, String key, java.util.function.Supplier<T> compute) {
    Captured<T> c = cache.get(key);
    if (!tracking) {
      if (c == null) {
        c = new Captured<>(compute.get(), null);
        cache.put(key, c);
      }
      return c.value();
    }
    Reads outer = reads;
    if (c == null) {
      Reads inner = new Reads();
      reads = inner;
      T value;
      try {
        value = compute.get();
      } finally {
        reads = outer;
        if (outer != null) {
          outer.addAll(inner);
        }
      }
      cache.put(key, new Captured<>(value, inner));
      return value;
    }
    if (outer != null) {
      outer.addAll(c.reads());
    }
    return c.value();
  }

  /** The Secret type that holds a certificate and its key. */
  public static final String TLS_SECRET_TYPE = "kubernetes.io/tls";

  /**
   * A builder that starts from this snapshot's objects, for a snapshot that differs from it by a
   * few changes ({@link Builder#put}, {@link Builder#remove}): it copies the indexes rather than
   * building them again, and every object it is not told about stays the same instance.
   */
  public Builder edit() {
    return new Builder(this);
  }

  /**
   * A snapshot of exactly these objects (of the kinds read; of two with the same kind and name the
   * first), made as an edit of this one: objects that are the same instances as here stay, others
   * are put in, those missing are taken out. For sources that hold every object (informer caches)
   * rather than changes: a translator that translated this snapshot learns from the edit what
   * changed instead of looking at every object.
   */
  public ClusterSnapshot with(Collection<? extends HasMetadata> objects) {
    Builder b = edit();
    java.util.Set<Object> seen = new java.util.HashSet<>();
    for (HasMetadata o : objects) {
      if (!Builder.supports(o)) {
        continue;
      }
      Object key = Builder.keyOf(o);
      if (!seen.add(List.of(o.getClass(), key))) {
        continue; // a second copy: the first counts, as with add()
      }
      if (b.mapOf(o).get(key) != o) {
        b.put(o);
      }
    }
    for (Map<?, ? extends HasMetadata> map : List.of(ingresses, ingressClasses, services, endpointSlices, endpoints,
        proxyRoutes, secrets)) {
      for (HasMetadata o : map.values()) {
        if (!seen.contains(List.of(o.getClass(), Builder.keyOf(o)))) {
          b.remove(o);
        }
      }
    }
    return b.build();
  }

  /** Collects objects; a second object of the same kind and name is refused by {@link #add}. */
  public static final class Builder {
    private BucketMap<ObjectKey, Ingress> ingresses;
    private SortedMap<String, IngressClass> ingressClasses;
    private BucketMap<ObjectKey, Service> services;
    private BucketMap<ObjectKey, EndpointSlice> endpointSlices;
    private BucketMap<ObjectKey, Endpoints> endpoints;
    private BucketMap<ObjectKey, ProxyRoute> proxyRoutes;
    private BucketMap<ObjectKey, Secret> secrets;
    /** Each Service's slices; the lists of {@link #touchedServices} are changeable copies. */
    private BucketMap<ObjectKey, List<EndpointSlice>> slicesByService;
    /**
     * The maps this builder owns, one bit each ({@link #ownMapOf}); the others are its base
     * snapshot's, shared until first written: an edit of a few Ingresses copies the Ingress map
     * only, not the 30,000 objects of every kind.
     */
    private int owned;
    private static final int ALL_OWNED = 0xff;
    private final java.util.Set<ObjectKey> touchedServices = new java.util.HashSet<>();
    private boolean built;
    /** For an edit: the snapshot edited, and what changed since (see {@link Lineage}). */
    private ClusterSnapshot base;
    private final java.util.Set<ReadKey> changedKeys = new java.util.HashSet<>();
    private final List<HasMetadata> addedRouteObjects = new ArrayList<>();
    private final List<HasMetadata> removedRouteObjects = new ArrayList<>();

    private Builder() {
      // Maps whose later versions copy only the buckets they write: an edit of one Ingress among
      // 10,000 copies a few dozen entries, not the map.
      ingresses = BucketMap.sized(0);
      ingressClasses = new TreeMap<>();
      services = BucketMap.sized(0);
      endpointSlices = BucketMap.sized(0);
      endpoints = BucketMap.sized(0);
      proxyRoutes = BucketMap.sized(0);
      secrets = BucketMap.sized(0);
      slicesByService = BucketMap.sized(0);
      owned = ALL_OWNED;
    }

    private Builder(ClusterSnapshot from) {
      ingresses = from.ingresses;
      ingressClasses = from.ingressClasses;
      services = from.services;
      endpointSlices = from.endpointSlices;
      endpoints = from.endpoints;
      proxyRoutes = from.proxyRoutes;
      secrets = from.secrets;
      slicesByService = from.slicesByService;
      base = from;
    }

    /** The map of the object's kind, made this builder's own first (a copy) if a snapshot shares it. */
    private Map<Object, HasMetadata> ownMapOf(HasMetadata object) {
      mapOf(object); // refuses a kind not read before anything is copied
      int bit = kindBit(object);
      if ((owned & bit) == 0) {
        owned |= bit;
        switch (bit) {
          case 1 -> ingresses = ingresses.edit();
          case 2 -> ingressClasses = new TreeMap<>(ingressClasses);
          case 4 -> services = services.edit();
          case 8 -> endpointSlices = endpointSlices.edit();
          case 16 -> endpoints = endpoints.edit();
          case 32 -> proxyRoutes = proxyRoutes.edit();
          default -> secrets = secrets.edit();
        }
      }
      return mapOf(object);
    }

    /** The bit of a kind {@link #mapOf} accepted. */
    private static int kindBit(HasMetadata object) {
      return object instanceof Ingress ? 1 : object instanceof IngressClass ? 2 : object instanceof Service ? 4
          : object instanceof EndpointSlice ? 8 : object instanceof Endpoints ? 16 : object instanceof ProxyRoute ? 32
          : 64;
    }

    /** The by-Service index of slices, made this builder's own first if a snapshot shares it. */
    private Map<ObjectKey, List<EndpointSlice>> ownSlicesByService() {
      if ((owned & 128) == 0) {
        owned |= 128;
        slicesByService = slicesByService.edit();
      }
      return slicesByService;
    }

    /** Notes that {@code before} (or nothing) became {@code after} (or nothing), for the edit's lineage. */
    private void changed(HasMetadata before, HasMetadata after) {
      if (base == null || before == after) {
        return;
      }
      HasMetadata any = before != null ? before : after;
      if (any instanceof Ingress || any instanceof ProxyRoute) {
        if (before != null) {
          removedRouteObjects.add(before);
        }
        if (after != null) {
          addedRouteObjects.add(after);
        }
        return;
      }
      for (HasMetadata o : new HasMetadata[] {before, after}) {
        if (o instanceof EndpointSlice slice) {
          ObjectKey service = serviceOf(slice);
          if (service != null) {
            changedKeys.add(new ReadKey(SLICES, service));
          }
        } else if (o != null) {
          ObjectKey key = new ObjectKey(o.getMetadata().getNamespace(), o.getMetadata().getName());
          int kind = o instanceof Service ? SERVICE : o instanceof Endpoints ? ENDPOINTS : o instanceof Secret ? SECRET
              : INGRESS_CLASS;
          changedKeys.add(new ReadKey(kind, kind == INGRESS_CLASS ? new ObjectKey(null, key.name()) : key));
        }
      }
    }

    /** True for the kinds the translator reads. */
    public static boolean supports(HasMetadata object) {
      return object instanceof Ingress || object instanceof IngressClass || object instanceof Service
          || object instanceof EndpointSlice || object instanceof Endpoints || object instanceof ProxyRoute
          || object instanceof Secret;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, HasMetadata> mapOf(HasMetadata object) {
      Map<?, ?> map;
      if (object instanceof Ingress) {
        map = ingresses;
      } else if (object instanceof IngressClass) {
        map = ingressClasses;
      } else if (object instanceof Service) {
        map = services;
      } else if (object instanceof EndpointSlice) {
        map = endpointSlices;
      } else if (object instanceof Endpoints) {
        map = endpoints;
      } else if (object instanceof ProxyRoute) {
        map = proxyRoutes;
      } else if (object instanceof Secret) {
        map = secrets;
      } else {
        throw new IllegalArgumentException("unsupported kind " + object.getKind());
      }
      return (Map<Object, HasMetadata>) map;
    }

    private static Object keyOf(HasMetadata object) {
      ObjectKey key = new ObjectKey(object.getMetadata().getNamespace(), object.getMetadata().getName());
      return object instanceof IngressClass ? key.name() : key;
    }

    /** A builder used again after {@link #build} copies what the snapshot it built keeps. */
    private void check() {
      if (built) {
        owned = 0; // the snapshot built keeps the maps: the next write to one copies it
        touchedServices.clear(); // its lists were made unchangeable by build()
        built = false;
        base = null; // what it builds next is no longer an edit of one snapshot
      }
    }

    /**
     * Adds an object.
     *
     * @return false if an object of the same kind, namespace and name is already present (the
     *     first one is kept)
     * @throws IllegalArgumentException for kinds the translator does not read
     */
    public boolean add(HasMetadata object) {
      check();
      Map<Object, HasMetadata> map = ownMapOf(object);
      Object key = keyOf(object);
      if (map.putIfAbsent(key, object) != null) {
        return false;
      }
      if (object instanceof EndpointSlice slice) {
        slices(null, slice);
      }
      changed(null, object);
      return true;
    }

    /** Adds an object, or replaces the one of the same kind, namespace and name. */
    public Builder put(HasMetadata object) {
      check();
      HasMetadata before = ownMapOf(object).put(keyOf(object), object);
      if (object instanceof EndpointSlice slice) {
        slices((EndpointSlice) before, slice);
      }
      changed(before, object);
      return this;
    }

    /** Removes the object of this one's kind, namespace and name, if there is one. */
    public Builder remove(HasMetadata object) {
      check();
      HasMetadata before = ownMapOf(object).remove(keyOf(object));
      if (before instanceof EndpointSlice slice) {
        slices(slice, null);
      }
      changed(before, null);
      return this;
    }

    /** Keeps the by-Service index: {@code gone} leaves its Service's list, {@code added} joins its own. */
    private void slices(EndpointSlice gone, EndpointSlice added) {
      if (gone != null) {
        ObjectKey service = serviceOf(gone);
        if (service != null) {
          List<EndpointSlice> list = changeable(service);
          list.removeIf(s -> s == gone);
          if (list.isEmpty()) {
            ownSlicesByService().remove(service);
          }
        }
      }
      if (added != null) {
        ObjectKey service = serviceOf(added);
        if (service != null) {
          List<EndpointSlice> list = changeable(service);
          int at = 0;
          String name = added.getMetadata().getName();
          while (at < list.size() && list.get(at).getMetadata().getName().compareTo(name) < 0) {
            at++;
          }
          list.add(at, added);
        }
      }
    }

    private List<EndpointSlice> changeable(ObjectKey service) {
      List<EndpointSlice> list = slicesByService.get(service);
      if (touchedServices.add(service) || list == null) {
        list = list == null ? new ArrayList<>(2) : new ArrayList<>(list);
        ownSlicesByService().put(service, list);
      }
      return list;
    }

    private static ObjectKey serviceOf(EndpointSlice slice) {
      Map<String, String> labels = slice.getMetadata().getLabels();
      String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
      return service == null ? null : new ObjectKey(slice.getMetadata().getNamespace(), service);
    }

    public Builder addAll(Collection<? extends HasMetadata> objects) {
      objects.forEach(this::add);
      return this;
    }

    /** The snapshot. It keeps the builder's maps: adding to the builder afterwards copies them first. */
    public ClusterSnapshot build() {
      check();
      ClusterSnapshot snapshot = new ClusterSnapshot(this);
      built = true;
      return snapshot;
    }
  }
}
