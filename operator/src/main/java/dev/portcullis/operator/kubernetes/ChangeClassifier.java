package dev.portcullis.operator.kubernetes;

import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.operator.rebuild.ChangeSet;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.ObjectKey;
import dev.portcullis.translator.References;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides what an informer event means for the route table: nothing (a resync, a status write, an
 * object no Ingress uses), new endpoints for one Service (the fast path), or a full rebuild. The
 * references it maps through are those of the latest snapshot.
 */
public final class ChangeClassifier {

  private volatile References references = References.EMPTY;
  /** A Secret the settings name (the default certificate): always part of the table. */
  private volatile ObjectKey settingsSecret;

  /** The Secret the translator's settings name, if any: its changes rebuild like a route's. */
  public void settingsSecret(ObjectKey secret) {
    this.settingsSecret = secret;
  }

  /** Called with the references of each new snapshot, before its other objects are read. */
  public void references(References references) {
    this.references = references;
  }

  /**
   * @param before the object before the change, or null when added
   * @param after  the object after the change, or null when deleted
   * @return the change to make, or empty when the route table cannot be affected
   */
  public Optional<ChangeSet> classify(HasMetadata before, HasMetadata after) {
    HasMetadata any = after != null ? after : before;
    if (before != null && after != null && Objects.equals(before.getMetadata().getResourceVersion(),
        after.getMetadata().getResourceVersion())) {
      return Optional.empty(); // a resync: nothing changed
    }
    if (any instanceof Ingress) {
      if (before != null && after != null && sameIngress((Ingress) before, (Ingress) after)) {
        return Optional.empty(); // our own status write, or another controller's
      }
      return Optional.of(ChangeSet.full());
    }
    if (any instanceof ProxyRoute) {
      if (before != null && after != null && Objects.equals(before.getMetadata().getGeneration(),
          after.getMetadata().getGeneration()) && Objects.equals(before.getMetadata().getLabels(), after.getMetadata().getLabels())) {
        return Optional.empty(); // a status write: the spec (and so the generation) did not change
      }
      return Optional.of(ChangeSet.full());
    }
    if (any instanceof IngressClass) {
      if (before != null && after != null && Objects.equals(((IngressClass) before).getSpec(), ((IngressClass) after).getSpec())
          && Objects.equals(before.getMetadata().getAnnotations(), after.getMetadata().getAnnotations())) {
        return Optional.empty();
      }
      return Optional.of(ChangeSet.full());
    }
    String ns = any.getMetadata().getNamespace();
    if (any instanceof Service) {
      if (references.ingressesUsingService(ns, any.getMetadata().getName()).isEmpty()) {
        return Optional.empty();
      }
      if (before != null && after != null && Objects.equals(((Service) before).getSpec(), ((Service) after).getSpec())
          && Objects.equals(annotation(before, ALLOWED_ROUTE_NAMESPACES), annotation(after, ALLOWED_ROUTE_NAMESPACES))) {
        return Optional.empty(); // neither its ports nor who may route to it changed
      }
      return Optional.of(ChangeSet.full());
    }
    if (any instanceof EndpointSlice) {
      Map<String, String> labels = any.getMetadata().getLabels();
      String service = labels == null ? null : labels.get(ClusterSnapshot.SERVICE_NAME_LABEL);
      if (service == null || references.ingressesUsingService(ns, service).isEmpty()) {
        return Optional.empty();
      }
      if (before != null && after != null && sameEndpoints((EndpointSlice) before, (EndpointSlice) after)) {
        return Optional.empty();
      }
      return Optional.of(ChangeSet.endpoints(new ObjectKey(ns, service)));
    }
    if (any instanceof Secret) {
      if (references.ingressesUsingSecret(ns, any.getMetadata().getName()).isEmpty()
          && !new ObjectKey(ns, any.getMetadata().getName()).equals(settingsSecret)) {
        return Optional.empty();
      }
      if (before != null && after != null && Objects.equals(((Secret) before).getData(), ((Secret) after).getData())
          && Objects.equals(((Secret) before).getType(), ((Secret) after).getType())) {
        return Optional.empty(); // a resync, or a change of labels: the certificate is the same
      }
      return Optional.of(ChangeSet.full());
    }
    return Optional.of(ChangeSet.full());
  }

  /** Equal for routing: spec, labels and annotations (the class annotation lives there). */
  private static boolean sameIngress(Ingress a, Ingress b) {
    ObjectMeta ma = a.getMetadata();
    ObjectMeta mb = b.getMetadata();
    return Objects.equals(a.getSpec(), b.getSpec()) && Objects.equals(ma.getLabels(), mb.getLabels())
        && Objects.equals(ma.getAnnotations(), mb.getAnnotations());
  }

  private static boolean sameEndpoints(EndpointSlice a, EndpointSlice b) {
    return Objects.equals(a.getEndpoints(), b.getEndpoints()) && Objects.equals(a.getPorts(), b.getPorts())
        && Objects.equals(a.getAddressType(), b.getAddressType())
        && Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels());
  }

  /** The Service annotation that lets ProxyRoutes of other namespaces use it. */
  static final String ALLOWED_ROUTE_NAMESPACES =
      dev.portcullis.translator.proxyroute.ProxyRouteProcessor.ALLOWED_NAMESPACES;

  private static String annotation(HasMetadata o, String key) {
    Map<String, String> a = o.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }
}
