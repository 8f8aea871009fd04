package dev.portcullis.translator;

import dev.portcullis.translator.backend.BackendResolver;
import dev.portcullis.translator.ingress.IngressClassifier;
import dev.portcullis.translator.ingress.IngressProcessor;
import dev.portcullis.translator.ingress.NginxAnnotations;
import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.ObjectStatus;
import dev.portcullis.translator.status.StatusReport;
import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.translator.proxyroute.ProxyRouteProcessor;
import dev.portcullis.translator.tls.TlsSecrets;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.Comparator;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.RouteTable;
import dev.portcullis.translator.status.Problem;
import dev.portcullis.model.SourceRef;
import dev.portcullis.model.TlsRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Kubernetes objects in, route table and status report out. A pure function: no I/O, no clock,
 * no client; the same snapshot always gives the same table, byte for byte.
 */
public final class Translator {

  /** {@link #PRECEDENCE} between objects created at the same time. */
  private static final Comparator<HasMetadata> AFTER_CREATION = Comparator
      .comparing((HasMetadata o) -> o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace())
      .thenComparing(o -> o.getMetadata().getName())
      .thenComparing(HasMetadata::getKind);

  /** Oldest first (missing timestamps last), then namespace, name and kind. */
  public static final Comparator<HasMetadata> PRECEDENCE = Comparator
      .comparing((HasMetadata o) -> IngressProcessor.creation(o.getMetadata().getCreationTimestamp()))
      .thenComparing(AFTER_CREATION);

  private final TranslatorOptions options;

  public Translator(TranslatorOptions options) {
    this.options = options;
  }

  public TranslatorOptions options() {
    return options;
  }

  /**
   * What translating one object came to: its calls on the builder and its status, valid while
   * the object (the same instance) and everything it looked up are unchanged.
   */
  private record Memo(ClusterSnapshot.Reads reads, List<RouteTableBuilder.Op> ops, boolean rolledBack,
      ObjectStatus status) {}

  /** The last translation's objects, by identity; with its IngressClasses, which every object's classification reads. */
  private Map<HasMetadata, Memo> memos = new java.util.IdentityHashMap<>();
  private List<IngressClass> memoClasses = List.of();
  /** The last translation's builder, after build: the next one reuses its hosts. */
  private RouteTableBuilder built;
  private int reused;

  /** How many objects the last translation reused from the one before (for tests and benchmarks). */
  public synchronized int reusedObjects() {
    return reused;
  }

  /**
   * Translates a snapshot. Objects unchanged since the last translation (the same instances, as
   * sources keep them) whose lookups find the same objects are not processed again: their calls on
   * the route table builder are replayed, and if every call comes out as before (no path another
   * object now holds, say), their result stands; otherwise they are processed afresh. The table
   * is the same, byte for byte, as a translation from scratch.
   */
  public synchronized TranslationResult translate(ClusterSnapshot snapshot) {
    ClusterSnapshot view = snapshot.tracking();
    List<IngressClass> classes = List.copyOf(snapshot.ingressClasses());
    Map<HasMetadata, Memo> previous = sameInstances(classes, memoClasses) ? memos : Map.of();
    Map<HasMetadata, Memo> next = new java.util.IdentityHashMap<>();
    reused = 0;
    try {
      TranslationResult result = translate(view, previous, next);
      memos = next;
      memoClasses = classes;
      return result;
    } catch (RuntimeException e) {
      memos = new java.util.IdentityHashMap<>();
      built = null;
      throw e;
    }
  }

  /** The last translation's objects in precedence order, and their creation times (parsed once per object). */
  private List<HasMetadata> lastOrder = List.of();
  private Map<HasMetadata, java.time.Instant> created = new java.util.IdentityHashMap<>();

  /**
   * Ingresses and ProxyRoutes in {@link #PRECEDENCE} order. Sorting starts from the last
   * translation's order (objects kept, then new ones): nearly sorted, it costs about a pass.
   */
  private List<HasMetadata> inPrecedence(ClusterSnapshot snapshot) {
    Map<HasMetadata, java.time.Instant> now = new java.util.IdentityHashMap<>();
    for (HasMetadata o : snapshot.ingresses()) {
      now.put(o, null);
    }
    for (HasMetadata o : snapshot.proxyRoutes()) {
      now.put(o, null);
    }
    List<HasMetadata> ordered = new ArrayList<>(now.size());
    for (HasMetadata o : lastOrder) {
      if (now.containsKey(o)) {
        ordered.add(o);
      }
    }
    Map<HasMetadata, java.time.Instant> before = created;
    for (Map.Entry<HasMetadata, java.time.Instant> e : now.entrySet()) {
      java.time.Instant t = before.get(e.getKey());
      if (t == null) {
        t = IngressProcessor.creation(e.getKey().getMetadata().getCreationTimestamp());
        if (!before.containsKey(e.getKey())) {
          ordered.add(e.getKey());
        }
      }
      e.setValue(t);
    }
    Comparator<HasMetadata> order = Comparator.comparing((HasMetadata o) -> now.get(o)).thenComparing(AFTER_CREATION);
    ordered.sort(order);
    lastOrder = ordered;
    created = now;
    return ordered;
  }

  private static boolean sameInstances(List<?> a, List<?> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  private TranslationResult translate(ClusterSnapshot snapshot, Map<HasMetadata, Memo> previous,
      Map<HasMetadata, Memo> next) {
    RouteTableBuilder builder = new RouteTableBuilder(built);
    BackendResolver resolver = new BackendResolver(snapshot, options);
    IngressClassifier classifier = new IngressClassifier(snapshot, options);
    TlsSecrets tls = new TlsSecrets(snapshot);
    IngressProcessor ingresses = new IngressProcessor(builder, resolver, options, tls, snapshot);
    ProxyRouteProcessor proxyRoutes = new ProxyRouteProcessor(builder, resolver, snapshot, options, tls);

    // One precedence order across kinds: the oldest object claims a host and path first.
    List<HasMetadata> ordered = inPrecedence(snapshot);
    // ingress-nginx canaries join the routes of their main Ingresses, whichever is older.
    Map<HasMetadata, ObjectReport> canaries = new java.util.IdentityHashMap<>();
    if (options.ingressNginx() != null) {
      for (HasMetadata object : ordered) {
        if (object instanceof Ingress ingress && NginxAnnotations.isCanary(ingress.getMetadata().getAnnotations())) {
          ObjectReport report = new ObjectReport(ObjectRef.of(object), object.getMetadata().getGeneration());
          canaries.put(object, report);
          if (classifier.classify(ingress, report)) {
            ingresses.canaries().register(ingress, report, options.ingressNginx().serveRefused());
          }
        }
      }
    }
    List<ObjectStatus> statuses = new ArrayList<>();
    List<Object> reports = new ArrayList<>(); // an ObjectReport, or the ObjectStatus of a reused object
    for (HasMetadata object : ordered) {
      if (canaries.containsKey(object)) {
        reports.add(canaries.get(object));
        continue;
      }
      // Canaries join their main Ingresses' routes: while there are any, Ingresses are processed afresh.
      boolean memoizable = canaries.isEmpty() || !(object instanceof Ingress);
      Memo memo = memoizable ? previous.get(object) : null;
      if (memo != null && snapshot.unchanged(memo.reads())) {
        builder.begin();
        if (builder.replay(memo.ops())) {
          if (memo.rolledBack()) {
            builder.rollback();
          } else {
            builder.commit();
          }
          next.put(object, memo);
          reports.add(memo.status());
          reused++;
          continue;
        }
        builder.rollback();
      }
      ObjectReport report = new ObjectReport(ObjectRef.of(object), object.getMetadata().getGeneration());
      ClusterSnapshot.Reads reads = memoizable ? new ClusterSnapshot.Reads() : null;
      List<RouteTableBuilder.Op> ops = memoizable ? new ArrayList<>() : null;
      boolean rolledBack = false;
      snapshot.recordInto(reads);
      builder.record(ops);
      builder.begin();
      try {
        if (object instanceof Ingress ingress) {
          if (classifier.classify(ingress, report)) {
            ingresses.process(ingress, report);
          }
        } else if (object instanceof ProxyRoute route) {
          String className = route.getSpec() == null ? null : route.getSpec().ingressClassName;
          if (classifier.classifyProxyRoute(className, report)) {
            proxyRoutes.process(route, report);
          }
        }
        builder.commit();
      } catch (RuntimeException e) {
        // A check missing from validation must not cost every other object its routes: this
        // object is rejected whole, and what it had added is taken back.
        builder.rollback();
        rolledBack = true;
        report = new ObjectReport(ObjectRef.of(object), object.getMetadata().getGeneration());
        String field = e instanceof ModelException m && m.field() != null && !m.field().isEmpty() ? m.field() : "spec";
        report.error(field, "Invalid", "the object cannot be translated: " + e.getMessage());
      } finally {
        snapshot.recordInto(null);
        builder.record(null);
      }
      if (memoizable) {
        ObjectStatus status = report.toStatus();
        next.put(object, new Memo(reads, List.copyOf(ops), rolledBack, status));
        reports.add(status);
      } else {
        reports.add(report);
      }
    }
    ingresses.canaries().finish();
    // Canary reports are complete only now.
    reports.forEach(r -> statuses.add(r instanceof ObjectReport report ? report.toStatus() : (ObjectStatus) r));
    List<Problem> settings = new ArrayList<>();
    ObjectKey fallback = options.defaultCertificate();
    if (fallback != null) {
      TlsSecrets.Result r = tls.resolve(fallback.namespace(), fallback.name());
      if (r.ok()) {
        builder.defaultCertificate(new TlsRef(fallback.namespace(), fallback.name(), r.fingerprint(), null, null,
            SourceRef.of("Secret", fallback.namespace(), fallback.name())), r.certificate());
      } else {
        settings.add(Problem.error("--default-certificate", r.missing() ? "SecretNotFound" : "InvalidCertificate",
            r.problem() + "; clients that name no host with a certificate get the self-signed one"));
      }
    }
    RouteTable table = builder.build();
    built = builder;
    return new TranslationResult(table, new StatusReport(statuses), builder.resolutions(), builder.certificates(),
        builder.credentials(), settings);
  }

  /**
   * The fast path for endpoint churn: re-resolves only the clusters of the given Services and
   * keeps every route as it was. Returns empty when the change would alter what is reported (a
   * Service gaining its first ready endpoint, or losing its last), which needs a full translation.
   */
  public Optional<TranslationResult> refreshEndpoints(TranslationResult previous, ClusterSnapshot snapshot,
      Set<ObjectKey> services) {
    BackendResolver resolver = new BackendResolver(snapshot, options);
    Map<String, BackendResolver.Resolution> resolutions = new HashMap<>(previous.resolutions());
    List<Cluster> clusters = new ArrayList<>(previous.table().clusters().size());
    for (Cluster cluster : previous.table().clusters()) {
      BackendResolver.Resolution old = previous.resolutions().get(cluster.name());
      if (old == null) {
        clusters.add(cluster); // not from a Service (a refused reference): nothing to refresh
        continue;
      }
      if (!services.contains(new ObjectKey(old.namespace(), old.service()))) {
        clusters.add(cluster);
        continue;
      }
      BackendResolver.Resolution fresh = resolver.resolve(old.namespace(), old.service(), old.port());
      if (!fresh.problems().equals(old.problems())) {
        return Optional.empty();
      }
      // The cluster keeps its name and policies (a route's balancing, say); only endpoints change.
      Cluster refreshed = cluster.withEndpoints(fresh.cluster().endpoints());
      clusters.add(refreshed);
      resolutions.put(cluster.name(), new BackendResolver.Resolution(old.namespace(), old.service(), old.port(),
          refreshed, fresh.problems()));
    }
    RouteTable table = new RouteTable(previous.table().virtualHosts(), clusters, previous.table().defaultCertificate());
    return Optional.of(new TranslationResult(table, previous.status(), resolutions, previous.certificates(),
        previous.credentials(), previous.settingsProblems()));
  }
}
