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

  private ClusterSnapshot(Builder b) {
    this.ingresses = Collections.unmodifiableSortedMap(new TreeMap<>(b.ingresses));
    this.ingressClasses = Collections.unmodifiableSortedMap(new TreeMap<>(b.ingressClasses));
    this.services = Collections.unmodifiableSortedMap(new TreeMap<>(b.services));
    this.endpointSlices = Collections.unmodifiableSortedMap(new TreeMap<>(b.endpointSlices));
    this.endpoints = Collections.unmodifiableSortedMap(new TreeMap<>(b.endpoints));
    this.proxyRoutes = Collections.unmodifiableSortedMap(new TreeMap<>(b.proxyRoutes));
    this.secrets = Collections.unmodifiableSortedMap(new TreeMap<>(b.secrets));
    Map<ObjectKey, List<EndpointSlice>> index = new TreeMap<>();
    for (Map.Entry<ObjectKey, EndpointSlice> e : endpointSlices.entrySet()) {
      Map<String, String> labels = e.getValue().getMetadata().getLabels();
      String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
      if (service != null) {
        index.computeIfAbsent(new ObjectKey(e.getKey().namespace(), service), k -> new ArrayList<>()).add(e.getValue());
      }
    }
    index.replaceAll((k, v) -> List.copyOf(v));
    this.slicesByService = Collections.unmodifiableMap(index);
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
    return Optional.ofNullable(ingressClasses.get(name));
  }

  public Optional<Service> service(String namespace, String name) {
    return Optional.ofNullable(services.get(new ObjectKey(namespace, name)));
  }

  public Collection<Service> services() {
    return services.values();
  }

  public Collection<EndpointSlice> endpointSlices() {
    return endpointSlices.values();
  }

  /** The Service's EndpointSlices (by the {@value #SERVICE_NAME_LABEL} label), sorted by name. */
  public List<EndpointSlice> endpointSlicesOf(String namespace, String service) {
    return slicesByService.getOrDefault(new ObjectKey(namespace, service), List.of());
  }

  /** The legacy v1 Endpoints object of the same name as a Service. */
  public Optional<Endpoints> endpoints(String namespace, String name) {
    return Optional.ofNullable(endpoints.get(new ObjectKey(namespace, name)));
  }

  /**
   * A Secret. In a cluster only the Secrets the operator reads are here ({@code kubernetes.io/tls}
   * ones, and those a route names for other purposes); in local mode, those of the folder.
   */
  public Optional<Secret> secret(String namespace, String name) {
    return Optional.ofNullable(secrets.get(new ObjectKey(namespace, name)));
  }

  public Collection<Secret> secrets() {
    return secrets.values();
  }

  public int size() {
    return ingresses.size() + ingressClasses.size() + services.size() + endpointSlices.size() + endpoints.size()
        + proxyRoutes.size() + secrets.size();
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
