package dev.portcullis.translator;

import dev.portcullis.api.v1alpha1.Backend;
import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.api.v1alpha1.ProxyRouteSpec;
import dev.portcullis.api.v1alpha1.Rule;
import dev.portcullis.translator.status.ObjectRef;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which Ingresses use which Services and Secrets: the secondary-to-primary mappers that fold a
 * change to a Service, EndpointSlice or Secret onto the Ingresses it affects, so that changes no
 * Ingress cares about (most of a cluster's endpoint churn) cause no rebuild at all.
 */
public final class References {

  private final Map<ObjectKey, Set<ObjectRef>> byService;
  private final Map<ObjectKey, Set<ObjectRef>> bySecret;
  private final Set<ObjectKey> otherSecrets;

  private References(Map<ObjectKey, Set<ObjectRef>> byService, Map<ObjectKey, Set<ObjectRef>> bySecret,
      Set<ObjectKey> otherSecrets) {
    this.byService = byService;
    this.bySecret = bySecret;
    this.otherSecrets = otherSecrets;
  }

  public static final References EMPTY = new References(Map.of(), Map.of(), Set.of());

  /** The references of every Ingress and ProxyRoute in the snapshot (owned or not: ownership can change with a class). */
  public static References of(ClusterSnapshot snapshot) {
    Map<ObjectKey, Set<ObjectRef>> services = new HashMap<>();
    Map<ObjectKey, Set<ObjectRef>> secrets = new HashMap<>();
    Set<ObjectKey> other = new TreeSet<>();
    for (Ingress ingress : snapshot.ingresses()) {
      ObjectRef ref = ObjectRef.of(ingress);
      String ns = ingress.getMetadata().getNamespace();
      if (ingress.getSpec() == null) {
        continue;
      }
      addBackend(services, ns, ingress.getSpec().getDefaultBackend(), ref);
      List<IngressRule> rules = ingress.getSpec().getRules() == null ? List.of() : ingress.getSpec().getRules();
      for (IngressRule rule : rules) {
        if (rule.getHttp() != null && rule.getHttp().getPaths() != null) {
          for (HTTPIngressPath path : rule.getHttp().getPaths()) {
            addBackend(services, ns, path.getBackend(), ref);
          }
        }
      }
      List<IngressTLS> tls = ingress.getSpec().getTls() == null ? List.of() : ingress.getSpec().getTls();
      for (IngressTLS t : tls) {
        if (t.getSecretName() != null && !t.getSecretName().isEmpty()) {
          secrets.computeIfAbsent(new ObjectKey(ns, t.getSecretName()), k -> new TreeSet<>()).add(ref);
        }
      }
    }
    for (ProxyRoute route : snapshot.proxyRoutes()) {
      ObjectRef ref = ObjectRef.of(route);
      String ns = route.getMetadata().getNamespace();
      ProxyRouteSpec spec = route.getSpec();
      if (spec == null) {
        continue;
      }
      if (spec.rules != null) {
        for (Rule rule : spec.rules) {
          if (rule != null && rule.backends != null) {
            for (Backend b : rule.backends) {
              if (b != null && b.service != null) {
                services.computeIfAbsent(new ObjectKey(b.namespace != null ? b.namespace : ns, b.service),
                    k -> new TreeSet<>()).add(ref);
              }
            }
          }
          if (rule != null && rule.backendTLS != null && rule.backendTLS.caSecretName != null) {
            other(secrets, other, new ObjectKey(ns, rule.backendTLS.caSecretName), ref);
          }
          if (rule != null && rule.auth != null && rule.auth.basic != null && rule.auth.basic.secretName != null) {
            other(secrets, other, new ObjectKey(ns, rule.auth.basic.secretName), ref);
          }
          if (rule != null && rule.auth != null && rule.auth.jwt != null && rule.auth.jwt.jwksSecretName != null) {
            other(secrets, other, new ObjectKey(ns, rule.auth.jwt.jwksSecretName), ref);
          }
        }
      }
      if (spec.tls != null && spec.tls.secretName != null) {
        secrets.computeIfAbsent(new ObjectKey(ns, spec.tls.secretName), k -> new TreeSet<>()).add(ref);
      }
      if (spec.tls != null && spec.tls.clientValidation != null && spec.tls.clientValidation.caSecretName != null) {
        other(secrets, other, new ObjectKey(ns, spec.tls.clientValidation.caSecretName), ref);
      }
    }
    return new References(freeze(services), freeze(secrets), Collections.unmodifiableSet(other));
  }

  /** A Secret named for something other than a certificate (a CA bundle, a password file). */
  private static void other(Map<ObjectKey, Set<ObjectRef>> secrets, Set<ObjectKey> other, ObjectKey key, ObjectRef ref) {
    secrets.computeIfAbsent(key, k -> new TreeSet<>()).add(ref);
    other.add(key);
  }

  private static void addBackend(Map<ObjectKey, Set<ObjectRef>> into, String ns, IngressBackend backend, ObjectRef ref) {
    if (backend != null && backend.getService() != null && backend.getService().getName() != null) {
      into.computeIfAbsent(new ObjectKey(ns, backend.getService().getName()), k -> new TreeSet<>()).add(ref);
    }
  }

  private static Map<ObjectKey, Set<ObjectRef>> freeze(Map<ObjectKey, Set<ObjectRef>> m) {
    Map<ObjectKey, Set<ObjectRef>> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k, Collections.unmodifiableSet(v)));
    return Collections.unmodifiableMap(out);
  }

  /** The Ingresses whose backends name this Service (and so its EndpointSlices). */
  public Set<ObjectRef> ingressesUsingService(String namespace, String name) {
    return byService.getOrDefault(new ObjectKey(namespace, name), Set.of());
  }

  /**
   * Secrets that objects name for something other than their certificate (CA bundles, password
   * files): they may be of any type, so the operator watches each by name.
   */
  public Set<ObjectKey> otherSecrets() {
    return otherSecrets;
  }

  /** The Ingresses whose {@code spec.tls} names this Secret. */
  public Set<ObjectRef> ingressesUsingSecret(String namespace, String name) {
    return bySecret.getOrDefault(new ObjectKey(namespace, name), Set.of());
  }
}
