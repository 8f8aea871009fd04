package dev.portcullis.operator.kubernetes;

import dev.portcullis.operator.rebuild.ChangeSet;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.References;
import dev.portcullis.api.v1alpha1.ProxyRoute;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import dev.portcullis.translator.ObjectKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster as the translator sees it: informers on Ingress, IngressClass, Service,
 * EndpointSlice and {@code kubernetes.io/tls} Secrets, in every namespace or in a given list, on
 * every operator replica (leader or not, so every replica serves the same table). Each event is
 * classified and, when it can matter, handed on as a {@link ChangeSet}.
 *
 * <p>Relists, resyncs and watch reconnects (a {@code 410 Gone} included) are the informers' job;
 * Fabric8's informers restart their watch and relist by themselves.
 */
public final class KubernetesSource implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KubernetesSource.class);
  static final long RESYNC_MS = 10 * 60 * 1000;
  public static final String TLS_SECRET_TYPE = "kubernetes.io/tls";

  private final KubernetesClient client;
  private final Set<String> namespaces;
  private final BiConsumer<ChangeSet, HasMetadata> onChange;
  private final Consumer<String> onStopped;
  private volatile boolean closing;
  private final ChangeClassifier classifier = new ChangeClassifier();
  private final List<SharedIndexInformer<Ingress>> ingresses = new ArrayList<>();
  private final List<SharedIndexInformer<IngressClass>> ingressClasses = new ArrayList<>();
  private final List<SharedIndexInformer<Service>> services = new ArrayList<>();
  private final List<SharedIndexInformer<EndpointSlice>> endpointSlices = new ArrayList<>();
  private final List<SharedIndexInformer<Secret>> secrets = new ArrayList<>();
  private final List<SharedIndexInformer<ProxyRoute>> proxyRoutes = new ArrayList<>();
  /**
   * One informer per Secret that a route names for something other than its certificate (CA
   * bundles, password files): such Secrets may be of any type, and watching each by name keeps
   * every other Secret of the cluster out of this process.
   */
  private final Map<ObjectKey, SharedIndexInformer<Secret>> namedSecrets = new HashMap<>();
  private boolean watchProxyRoutes = true;

  /**
   * @param namespaces the namespaces to watch; empty for all
   * @param onChange   told every change that can affect the table, with the object that changed
   */
  public KubernetesSource(KubernetesClient client, Set<String> namespaces, BiConsumer<ChangeSet, HasMetadata> onChange) {
    this(client, namespaces, onChange, why -> LOG.error("{}", why));
  }

  /**
   * @param onStopped told when an informer stops for good (it no longer follows the cluster)
   */
  public KubernetesSource(KubernetesClient client, Set<String> namespaces, BiConsumer<ChangeSet, HasMetadata> onChange,
      Consumer<String> onStopped) {
    this.client = client;
    this.namespaces = Set.copyOf(namespaces);
    this.onChange = onChange;
    this.onStopped = onStopped;
  }

  /** A Secret the translator's settings name (the default certificate), whose changes must rebuild. */
  public KubernetesSource settingsSecret(ObjectKey secret) {
    classifier.settingsSecret(secret);
    return this;
  }

  /** Whether to watch ProxyRoutes (off when their CRD is not installed). Call before {@link #start}. */
  public KubernetesSource watchProxyRoutes(boolean watch) {
    this.watchProxyRoutes = watch;
    return this;
  }

  /**
   * True if the ProxyRoute CRD is installed: a list of at most one object is answered rather than
   * refused with 404 Not Found. With watched namespaces the list is made in one of them, since an
   * operator granted only Roles in those namespaces may not list across the cluster.
   */
  public static boolean proxyRoutesInstalled(KubernetesClient client, Set<String> namespaces) {
    try {
      var routes = client.resources(ProxyRoute.class);
      (namespaces.isEmpty() ? routes.inAnyNamespace() : routes.inNamespace(namespaces.iterator().next()))
          .list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(1L).build());
      return true;
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  /** Starts the informers; they fill their caches in the background (see {@link #synced()}). */
  public KubernetesSource start() {
    ingressClasses.add(client.network().v1().ingressClasses().runnableInformer(RESYNC_MS));
    for (String ns : namespaces.isEmpty() ? List.of("") : List.copyOf(namespaces)) {
      ingresses.add(informer(Ingress.class, ns, false));
      services.add(informer(Service.class, ns, false));
      endpointSlices.add(informer(EndpointSlice.class, ns, false));
      // Only TLS Secrets, and filtered by the API server: other Secrets never reach this process.
      secrets.add(informer(Secret.class, ns, true));
      if (watchProxyRoutes) {
        proxyRoutes.add(informer(ProxyRoute.class, ns, false));
      }
    }
    List<SharedIndexInformer<? extends HasMetadata>> all = all();
    for (SharedIndexInformer<? extends HasMetadata> informer : all) {
      addHandler(informer);
      informer.start();
      informer.stopped().whenComplete((v, error) -> {
        if (!closing) {
          onStopped.accept("the " + informer.getApiTypeClass().getSimpleName() + " informer stopped"
              + (error == null ? "" : ": " + error));
        }
      });
    }
    LOG.info("watching Ingress, IngressClass, {}Service, EndpointSlice and TLS Secrets in {}",
        watchProxyRoutes ? "ProxyRoute, " : "",
        namespaces.isEmpty() ? "all namespaces" : "namespaces " + namespaces);
    return this;
  }

  private <T extends HasMetadata> SharedIndexInformer<T> informer(Class<T> type, String ns, boolean tlsOnly) {
    MixedOperation<T, KubernetesResourceList<T>, Resource<T>> op = client.resources(type);
    FilterWatchListDeletable<T, KubernetesResourceList<T>, Resource<T>> scoped =
        ns.isEmpty() ? op.inAnyNamespace() : op.inNamespace(ns);
    return (tlsOnly ? scoped.withField("type", TLS_SECRET_TYPE) : scoped).runnableInformer(RESYNC_MS);
  }

  @SuppressWarnings("unchecked")
  private <T extends HasMetadata> void addHandler(SharedIndexInformer<T> informer) {
    informer.addEventHandler(new ResourceEventHandler<T>() {
      @Override
      public void onAdd(T obj) {
        changed(null, obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        changed(oldObj, newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        changed(obj, null);
      }
    });
  }

  private void changed(HasMetadata before, HasMetadata after) {
    try {
      classifier.classify(before, after).ifPresent(c -> onChange.accept(c, after != null ? after : before));
    } catch (RuntimeException e) {
      // Name the object, never print it: a Secret's toString() carries its data.
      HasMetadata o = after != null ? after : before;
      LOG.warn("handling a change to {} {}/{} failed", o.getKind(), o.getMetadata().getNamespace(),
          o.getMetadata().getName(), e);
      onChange.accept(ChangeSet.full(), after != null ? after : before);
    }
  }

  private List<SharedIndexInformer<? extends HasMetadata>> all() {
    List<SharedIndexInformer<? extends HasMetadata>> all = new ArrayList<>();
    all.addAll(ingressClasses);
    all.addAll(ingresses);
    all.addAll(services);
    all.addAll(endpointSlices);
    all.addAll(secrets);
    all.addAll(proxyRoutes);
    return all;
  }

  /** True once every informer has listed its objects. */
  public boolean synced() {
    return all().stream().allMatch(SharedIndexInformer::hasSynced);
  }

  /**
   * The current snapshot. The Ingresses are read first and their references published to the
   * classifier before the other kinds are read, so no endpoint change can fall between the two.
   */
  public synchronized ClusterSnapshot snapshot() {
    List<HasMetadata> objects = new ArrayList<>();
    ingresses.forEach(i -> objects.addAll(i.getStore().list()));
    proxyRoutes.forEach(i -> objects.addAll(i.getStore().list()));
    ingressClasses.forEach(i -> objects.addAll(i.getStore().list()));
    References references = References.of(ClusterSnapshot.builder().addAll(objects).build());
    classifier.references(references);
    services.forEach(i -> objects.addAll(i.getStore().list()));
    endpointSlices.forEach(i -> objects.addAll(i.getStore().list()));
    objects.addAll(tlsSecrets());
    for (SharedIndexInformer<Secret> i : followSecrets(references.otherSecrets())) {
      objects.addAll(i.getStore().list()); // a TLS Secret already added is not added twice
    }
    // An edit of the last snapshot (the caches keep unchanged objects as the same instances): the
    // translator learns from it what changed rather than looking at 10,000 objects.
    ClusterSnapshot next = last == null ? ClusterSnapshot.builder().addAll(objects).build() : last.with(objects);
    last = next;
    return next;
  }

  /** The last snapshot made. */
  private ClusterSnapshot last;

  /**
   * Starts an informer for each newly named Secret and stops those of Secrets no longer named; a
   * new informer's first list is an add event, which rebuilds with the Secret in.
   */
  private synchronized List<SharedIndexInformer<Secret>> followSecrets(Set<ObjectKey> wanted) {
    if (closing) {
      return List.of();
    }
    for (ObjectKey key : wanted) {
      if (namedSecrets.containsKey(key) || (!namespaces.isEmpty() && !namespaces.contains(key.namespace()))) {
        continue;
      }
      SharedIndexInformer<Secret> informer = client.secrets().inNamespace(key.namespace())
          .withField("metadata.name", key.name()).runnableInformer(RESYNC_MS);
      addHandler(informer);
      informer.start();
      namedSecrets.put(key, informer);
      LOG.debug("watching Secret {}/{}", key.namespace(), key.name());
    }
    namedSecrets.entrySet().removeIf(e -> {
      if (wanted.contains(e.getKey())) {
        return false;
      }
      e.getValue().stop();
      return true;
    });
    return List.copyOf(namedSecrets.values());
  }

  /** The TLS Secrets in the cache (the API server filters by type; the filter here is a second guard). */
  public List<Secret> tlsSecrets() {
    List<Secret> out = new ArrayList<>();
    secrets.forEach(i -> i.getStore().list().stream().filter(s -> TLS_SECRET_TYPE.equals(s.getType())).forEach(out::add));
    return out;
  }

  /** The Ingresses in the cache. */
  public List<Ingress> ingresses() {
    List<Ingress> out = new ArrayList<>();
    ingresses.forEach(i -> out.addAll(i.getStore().list()));
    return out;
  }

  /** A cached Service, if it is in a watched namespace. */
  public java.util.Optional<Service> service(String namespace, String name) {
    String key = namespace + "/" + name;
    for (SharedIndexInformer<Service> i : services) {
      Service s = i.getStore().getByKey(key);
      if (s != null) {
        return java.util.Optional.of(s);
      }
    }
    return java.util.Optional.empty();
  }

  @Override
  public void close() {
    closing = true;
    all().forEach(SharedIndexInformer::stop);
    synchronized (this) {
      namedSecrets.values().forEach(SharedIndexInformer::stop);
      namedSecrets.clear();
    }
  }
}
