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

/**
 * Every object the translator may read, frozen at one moment. Sources (the Kubernetes informers,
 * the local-mode file watcher) build one and hand it over; nobody changes the objects afterwards.
 */
public final class ClusterSnapshot {

  /** The label that ties an EndpointSlice to its Service. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  private final SortedMap<ObjectKey, Ingress> ingresses;
  private final SortedMap<String, IngressClass> ingressClasses;
  private final SortedMap<ObjectKey, Service> services;
  private final SortedMap<ObjectKey, EndpointSlice> endpointSlices;
  private final SortedMap<ObjectKey, Endpoints> endpoints;
  private final SortedMap<ObjectKey, ProxyRoute> proxyRoutes;
  private final SortedMap<ObjectKey, Secret> secrets;
  private final Map<ObjectKey, List<EndpointSlice>> slicesByService;
  /** Hash indexes for lookups (the sorted maps are for iteration in a stable order). */
  private final Map<ObjectKey, Service> servicesByKey;
  private final Map<ObjectKey, Endpoints> endpointsByKey;
  private final Map<ObjectKey, Secret> secretsByKey;
  /**
   * On a {@link #tracking} view: where the lookups of the object being translated are recorded
   * (null between objects). Views are confined to the one translation that made them.
   */
  private Reads reads;
  /** True on a {@link #tracking} view; a shared snapshot never records, so threads may share it. */
  private final boolean tracking;

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
    this.servicesByKey = of.servicesByKey;
    this.endpointsByKey = of.endpointsByKey;
    this.secretsByKey = of.secretsByKey;
    this.tracking = true;
  }

  private ClusterSnapshot(Builder b) {
    this.ingresses = Collections.unmodifiableSortedMap(new TreeMap<>(b.ingresses));
    this.ingressClasses = Collections.unmodifiableSortedMap(new TreeMap<>(b.ingressClasses));
    this.services = Collections.unmodifiableSortedMap(new TreeMap<>(b.services));
    this.endpointSlices = Collections.unmodifiableSortedMap(new TreeMap<>(b.endpointSlices));
    this.endpoints = Collections.unmodifiableSortedMap(new TreeMap<>(b.endpoints));
    this.proxyRoutes = Collections.unmodifiableSortedMap(new TreeMap<>(b.proxyRoutes));
    this.secrets = Collections.unmodifiableSortedMap(new TreeMap<>(b.secrets));
    Map<ObjectKey, List<EndpointSlice>> index = new java.util.HashMap<>();
    for (Map.Entry<ObjectKey, EndpointSlice> e : endpointSlices.entrySet()) {
      Map<String, String> labels = e.getValue().getMetadata().getLabels();
      String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
      if (service != null) {
        index.computeIfAbsent(new ObjectKey(e.getKey().namespace(), service), k -> new ArrayList<>()).add(e.getValue());
      }
    }
    index.replaceAll((k, v) -> List.copyOf(v));
    this.slicesByService = Collections.unmodifiableMap(index);
    this.servicesByKey = new java.util.HashMap<>(services);
    this.endpointsByKey = new java.util.HashMap<>(endpoints);
    this.secretsByKey = new java.util.HashMap<>(secrets);
    this.tracking = false;
  }

  public static final ClusterSnapshot EMPTY = builder().build();

  public static Builder builder() {
    return new Builder();
  }

  public Collection<Ingress> ingresses() {
    return ingresses.values();
  }

  public Collection<ProxyRoute> proxyRoutes() {
    return proxyRoutes.values();
  }

  public Collection<IngressClass> ingressClasses() {
    return ingressClasses.values();
  }

  public Optional<IngressClass> ingressClass(String name) {
    return Optional.ofNullable(read(INGRESS_CLASS, null, name));
  }

  public Optional<Service> service(String namespace, String name) {
    return Optional.ofNullable(read(SERVICE, namespace, name));
  }

  public Collection<Service> services() {
    return services.values();
  }

  public Collection<EndpointSlice> endpointSlices() {
    return endpointSlices.values();
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

  public Collection<Secret> secrets() {
    return secrets.values();
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

  /** One lookup by kind, namespace and name. */
  private record ReadKey(int kind, String namespace, String name) {}

  @SuppressWarnings("unchecked")
  private <T> T read(int kind, String namespace, String name) {
    T found = (T) lookup(kind, namespace, name);
    if (reads != null) {
      reads.found.putIfAbsent(new ReadKey(kind, namespace, name), found);
    }
    return found;
  }

  private Object lookup(int kind, String namespace, String name) {
    return switch (kind) {
      case SERVICE -> servicesByKey.get(new ObjectKey(namespace, name));
      case SLICES -> slicesByService.get(new ObjectKey(namespace, name));
      case ENDPOINTS -> endpointsByKey.get(new ObjectKey(namespace, name));
      case SECRET -> secretsByKey.get(new ObjectKey(namespace, name));
      case INGRESS_CLASS -> ingressClasses.get(name);
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
      Object now = lookup(k.kind(), k.namespace(), k.name());
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

  /** Collects objects; a second object of the same kind and name is refused. */
  public static final class Builder {
    private final Map<ObjectKey, Ingress> ingresses = new TreeMap<>();
    private final Map<String, IngressClass> ingressClasses = new TreeMap<>();
    private final Map<ObjectKey, Service> services = new TreeMap<>();
    private final Map<ObjectKey, EndpointSlice> endpointSlices = new TreeMap<>();
    private final Map<ObjectKey, Endpoints> endpoints = new TreeMap<>();
    private final Map<ObjectKey, ProxyRoute> proxyRoutes = new TreeMap<>();
    private final Map<ObjectKey, Secret> secrets = new TreeMap<>();

    private Builder() {}

    /** True for the kinds the translator reads. */
    public static boolean supports(HasMetadata object) {
      return object instanceof Ingress || object instanceof IngressClass || object instanceof Service
          || object instanceof EndpointSlice || object instanceof Endpoints || object instanceof ProxyRoute
          || object instanceof Secret;
    }

    /**
     * Adds an object.
     *
     * @return false if an object of the same kind, namespace and name is already present (the
     *     first one is kept)
     * @throws IllegalArgumentException for kinds the translator does not read
     */
    public boolean add(HasMetadata object) {
      ObjectKey key = new ObjectKey(object.getMetadata().getNamespace(), object.getMetadata().getName());
      if (object instanceof Ingress o) {
        return ingresses.putIfAbsent(key, o) == null;
      } else if (object instanceof IngressClass o) {
        return ingressClasses.putIfAbsent(key.name(), o) == null;
      } else if (object instanceof Service o) {
        return services.putIfAbsent(key, o) == null;
      } else if (object instanceof EndpointSlice o) {
        return endpointSlices.putIfAbsent(key, o) == null;
      } else if (object instanceof Endpoints o) {
        return endpoints.putIfAbsent(key, o) == null;
      } else if (object instanceof ProxyRoute o) {
        return proxyRoutes.putIfAbsent(key, o) == null;
      } else if (object instanceof Secret o) {
        return secrets.putIfAbsent(key, o) == null;
      }
      throw new IllegalArgumentException("unsupported kind " + object.getKind());
    }

    public Builder addAll(Collection<? extends HasMetadata> objects) {
      objects.forEach(this::add);
      return this;
    }

    public ClusterSnapshot build() {
      return new ClusterSnapshot(this);
    }
  }
}
