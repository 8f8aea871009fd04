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
import dev.portcullis.model.util.BucketMap;
import dev.portcullis.model.util.Identity;
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
    boolean sameClasses = Identity.sameElements(classes, memoClasses);
    Map<HasMetadata, Memo> previous = sameClasses ? memos : Map.of();
    reused = 0;
    followedEdits = false;
    try {
      TranslationResult result = sameClasses && built != null && everyObjectMemoized ? onlyChanged(view) : null;
      if (result == null) {
        Map<HasMetadata, Memo> next = new java.util.IdentityHashMap<>();
        result = translate(view, previous, next);
        memos = next;
        index = new HashMap<>();
        readers = new HashMap<>();
        next.forEach((object, memo) -> indexed(object, memo, true));
      }
      memoClasses = classes;
      lastSnapshot = snapshot.id();
      return result;
    } catch (RuntimeException e) {
      memos = new java.util.IdentityHashMap<>();
      index = new HashMap<>();
      readers = new HashMap<>();
      lastSnapshot = -1;
      built = null;
      everyObjectMemoized = false;
      throw e;
    }
  }

  /**
   * Which objects' calls touch each host ({@link RouteTableBuilder#GLOBAL}: the global fallback):
   * the objects whose outcome a change on that host can alter.
   */
  private Map<String, Set<HasMetadata>> index = new HashMap<>();
  /** True when the last translation memoized every object (no ingress-nginx canaries, which join others' routes). */
  private boolean everyObjectMemoized;
  /** The objects that looked each thing up, and the number of the snapshot translated last. */
  private Map<ClusterSnapshot.ReadKey, Set<HasMetadata>> readers = new HashMap<>();
  private long lastSnapshot = -1;
  /** Whether the last translation learned what changed from the snapshot's edits (for tests). */
  private boolean followedEdits;

  synchronized boolean followedEdits() {
    return followedEdits;
  }

  /** Files an object's memo in both indexes (or takes it out): under the hosts it touches and what it looked up. */
  private void indexed(HasMetadata object, Memo memo, boolean add) {
    for (String host : hostsOf(memo)) {
      file(index, host, object, add);
    }
    for (ClusterSnapshot.ReadKey key : memo.reads().keys()) {
      file(readers, key, object, add);
    }
  }

  /** Files an object under a key of an index of objects (or takes it out, and the key with its last object). */
  private static <K> void file(Map<K, Set<HasMetadata>> index, K key, HasMetadata object, boolean add) {
    if (add) {
      index.computeIfAbsent(key, k -> java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>(4)))
          .add(object);
    } else {
      Set<HasMetadata> objects = index.get(key);
      if (objects != null && objects.remove(object) && objects.isEmpty()) {
        index.remove(key);
      }
    }
  }

  private static Set<String> hostsOf(Memo memo) {
    Set<String> hosts = new java.util.HashSet<>();
    for (RouteTableBuilder.Op op : memo.ops()) {
      String host = RouteTableBuilder.hostKey(op);
      if (host != null) {
        hosts.add(host);
      }
    }
    return hosts;
  }

  /**
   * A translation that touches only what changed: the builder keeps the last translation's state;
   * the hosts the new, changed and removed objects touched (before and after) are cleared, and
   * every object that touches one of them is offered again in precedence order (replayed where it
   * is unchanged), growing the set until no object outside it touches a cleared host. Every other
   * object's claims stay as they were, unvisited. Null (before changing anything) when a change
   * needs a full translation: an ingress-nginx canary appeared.
   */
  private TranslationResult onlyChanged(ClusterSnapshot snapshot) {
    ClusterSnapshot.Changes diff = snapshot.since(lastSnapshot);
    List<HasMetadata> ordered = diff != null ? inPrecedence(snapshot, diff) : inPrecedence(snapshot);
    List<HasMetadata> changed = new ArrayList<>();
    List<HasMetadata> removed = new ArrayList<>();
    followedEdits = diff != null;
    if (diff != null) {
      // An edit of the snapshot translated last: what changed is what it says changed, and the
      // objects that looked any of it up.
      Set<HasMetadata> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      for (HasMetadata object : diff.added()) {
        if (created.containsKey(object) && seen.add(object)) {
          changed.add(object);
        }
      }
      for (ClusterSnapshot.ReadKey key : diff.keys()) {
        for (HasMetadata object : readers.getOrDefault(key, Set.of())) {
          if (created.containsKey(object) && seen.add(object)) {
            changed.add(object);
          }
        }
      }
      for (HasMetadata object : diff.removed()) {
        if (memos.containsKey(object) && !created.containsKey(object) && seen.add(object)) {
          removed.add(object);
        }
      }
    } else {
      for (HasMetadata object : ordered) {
        Memo memo = memos.get(object);
        if (memo == null || !snapshot.unchanged(memo.reads())) {
          changed.add(object);
        }
      }
      for (HasMetadata object : memos.keySet()) {
        if (!created.containsKey(object)) {
          removed.add(object);
        }
      }
    }
    for (HasMetadata object : changed) {
      if (options.ingressNginx() != null && object instanceof Ingress ingress
          && NginxAnnotations.isCanary(ingress.getMetadata().getAnnotations())) {
        return null;
      }
    }
    RouteTableBuilder builder = built;
    Comparator<Object> order = precedenceOrder();
    builder.precedence(order);
    builder.clearDefaultCertificate();
    Pass pass = new Pass(builder, snapshot);
    // What is applied now, per object: its last memo, then the one of this pass.
    Map<HasMetadata, Memo> applied = new java.util.IdentityHashMap<>();
    Set<String> dirty = new java.util.HashSet<>();
    Set<HasMetadata> affected = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (HasMetadata object : removed) {
      Memo memo = memos.remove(object);
      indexed(object, memo, false);
      dirty.addAll(hostsOf(memo));
      if (!memo.rolledBack()) {
        builder.retract(object, memo.ops());
      }
    }
    for (HasMetadata object : changed) {
      Memo memo = memos.get(object);
      if (memo != null) {
        dirty.addAll(hostsOf(memo));
      }
      affected.add(object);
    }
    Set<HasMetadata> fresh = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    while (true) {
      // Every object on a dirty host is affected, and every host an affected object touches is dirty.
      java.util.ArrayDeque<String> work = new java.util.ArrayDeque<>(dirty);
      while (!work.isEmpty()) {
        Set<HasMetadata> on = index.get(work.poll());
        if (on == null) {
          continue;
        }
        for (HasMetadata object : on) {
          if (affected.add(object)) {
            for (String host : hostsOf(current(applied, object))) {
              if (dirty.add(host)) {
                work.add(host);
              }
            }
          }
        }
      }
      for (HasMetadata object : affected) {
        Memo memo = current(applied, object);
        if (memo != null && !memo.rolledBack()) {
          builder.retract(object, memo.ops());
        }
      }
      builder.clearHosts(dirty);
      List<HasMetadata> again = new ArrayList<>(affected);
      again.sort(order);
      Set<String> reached = new java.util.HashSet<>();
      for (HasMetadata object : again) {
        Memo before = current(applied, object);
        Memo memo = pass.offer(object, before);
        if (memo != before) {
          fresh.add(object);
        }
        applied.put(object, memo);
        reached.addAll(hostsOf(memo));
      }
      // A host an object claims now that others hold too: their claims must be offered again with it.
      boolean grew = false;
      for (String host : reached) {
        if (!dirty.contains(host) && index.containsKey(host) && !affected.containsAll(index.get(host))) {
          dirty.add(host);
          grew = true;
        }
      }
      if (!grew) {
        break;
      }
      // Start the pass again with the larger set: what it added is cleared and retracted first.
      dirty.addAll(reached);
    }
    for (Map.Entry<HasMetadata, Memo> e : applied.entrySet()) {
      Memo before = memos.put(e.getKey(), e.getValue());
      if (before != e.getValue()) {
        if (before != null) {
          indexed(e.getKey(), before, false);
        }
        indexed(e.getKey(), e.getValue(), true);
      }
    }
    reused = ordered.size() - fresh.size();
    return finish(builder, pass.tls, StatusReport.sorted(statusesAfter(removed, applied)));
  }

  /** What is applied of an object now: its memo of this pass, else of the last translation (null for a new one). */
  private Memo current(Map<HasMetadata, Memo> applied, HasMetadata object) {
    Memo memo = applied.get(object);
    return memo != null ? memo : memos.get(object);
  }

  /**
   * The last report's statuses (sorted by object, as reports are) with those of the objects
   * offered again in place, the removed ones' taken out and new ones merged in: the report stays
   * sorted without sorting 10,000 statuses again.
   */
  private List<ObjectStatus> statusesAfter(List<HasMetadata> removed, Map<HasMetadata, Memo> applied) {
    Map<ObjectRef, ObjectStatus> redone = new HashMap<>();
    applied.values().forEach(m -> redone.put(m.status().object(), m.status()));
    Set<ObjectRef> gone = new java.util.HashSet<>();
    removed.forEach(o -> gone.add(ObjectRef.of(o)));
    gone.removeAll(redone.keySet());
    if (gone.isEmpty()) {
      // The usual change: every object offered again was there before. Its status goes in its
      // place, found by bisection: the others' are not hashed or compared.
      List<ObjectStatus> placed = new ArrayList<>(lastStatuses);
      boolean everyOne = true;
      for (ObjectStatus st : redone.values()) {
        int at = java.util.Collections.binarySearch(lastStatuses, st, BY_OBJECT);
        if (at < 0) {
          everyOne = false;
          break;
        }
        placed.set(at, st);
      }
      if (everyOne) {
        return placed;
      }
    }
    List<ObjectStatus> kept = new ArrayList<>(lastStatuses.size() + redone.size());
    for (ObjectStatus st : lastStatuses) {
      if (gone.contains(st.object())) {
        continue;
      }
      ObjectStatus now = redone.remove(st.object());
      kept.add(now != null ? now : st);
    }
    if (redone.isEmpty()) {
      return kept;
    }
    List<ObjectStatus> added = new ArrayList<>(redone.values());
    added.sort(BY_OBJECT);
    List<ObjectStatus> out = new ArrayList<>(kept.size() + added.size());
    int i = 0;
    for (ObjectStatus a : added) {
      while (i < kept.size() && kept.get(i).object().compareTo(a.object()) < 0) {
        out.add(kept.get(i++));
      }
      out.add(a);
    }
    while (i < kept.size()) {
      out.add(kept.get(i++));
    }
    return out;
  }

  private static final Comparator<ObjectStatus> BY_OBJECT = (a, b) -> a.object().compareTo(b.object());

  /** The last translation's statuses, as its report has them (sorted by object). */
  private List<ObjectStatus> lastStatuses = List.of();

  /** {@link #PRECEDENCE} over the objects of the current translation (their creation times parsed once); others last. */
  private Comparator<Object> precedenceOrder() {
    Map<HasMetadata, java.time.Instant> times = created;
    Comparator<HasMetadata> known = byCreation(times);
    return (a, b) -> {
      boolean ka = a instanceof HasMetadata x && times.containsKey(x);
      boolean kb = b instanceof HasMetadata y && times.containsKey(y);
      if (ka && kb) {
        return known.compare((HasMetadata) a, (HasMetadata) b);
      }
      return ka == kb ? 0 : ka ? -1 : 1;
    };
  }

  /** One translation's processors, over one builder and snapshot. */
  private final class Pass {
    final RouteTableBuilder builder;
    final ClusterSnapshot snapshot;
    final IngressClassifier classifier;
    final TlsSecrets tls;
    final IngressProcessor ingresses;
    final ProxyRouteProcessor proxyRoutes;

    Pass(RouteTableBuilder builder, ClusterSnapshot snapshot) {
      this.builder = builder;
      this.snapshot = snapshot;
      BackendResolver resolver = new BackendResolver(snapshot, options);
      this.classifier = new IngressClassifier(snapshot, options);
      this.tls = new TlsSecrets(snapshot);
      this.ingresses = new IngressProcessor(builder, resolver, options, tls, snapshot);
      this.proxyRoutes = new ProxyRouteProcessor(builder, resolver, snapshot, options, tls);
    }

    /**
     * Offers one object to the builder: its recorded calls replayed when it and what it read are
     * unchanged and they come out as before (returns {@code memo} itself), else processed afresh
     * (returns a new memo).
     */
    Memo offer(HasMetadata object, Memo memo) {
      if (memo != null && snapshot.unchanged(memo.reads())) {
        builder.begin(object);
        if (builder.replay(memo.ops())) {
          if (memo.rolledBack()) {
            builder.rollback();
          } else {
            builder.commit();
          }
          return memo;
        }
        builder.rollback();
      }
      ObjectReport report = new ObjectReport(ObjectRef.of(object), object.getMetadata().getGeneration());
      ClusterSnapshot.Reads reads = new ClusterSnapshot.Reads();
      List<RouteTableBuilder.Op> ops = new ArrayList<>();
      RuntimeException failure = process(object, report, reads, ops);
      if (failure != null) {
        report = rejected(object, failure);
      }
      return new Memo(reads, List.copyOf(ops), failure != null, report.toStatus());
    }

    /**
     * Processes an object afresh, recording its lookups and calls (when given); returns what made
     * it fail (its additions then rolled back), or null.
     */
    RuntimeException process(HasMetadata object, ObjectReport report, ClusterSnapshot.Reads reads,
        List<RouteTableBuilder.Op> ops) {
      snapshot.recordInto(reads);
      builder.record(ops);
      builder.begin(object);
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
        return null;
      } catch (RuntimeException e) {
        // A check missing from validation must not cost every other object its routes: this
        // object is rejected whole, and what it had added is taken back.
        builder.rollback();
        return e;
      } finally {
        snapshot.recordInto(null);
        builder.record(null);
      }
    }
  }

  /** The report of an object whose translation failed: the failure alone. */
  private static ObjectReport rejected(HasMetadata object, RuntimeException e) {
    ObjectReport report = new ObjectReport(ObjectRef.of(object), object.getMetadata().getGeneration());
    String field = e instanceof ModelException m && m.field() != null && !m.field().isEmpty() ? m.field() : "spec";
    report.error(field, "Invalid", "the object cannot be translated: " + e.getMessage());
    return report;
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
    snapshot.forEachRouteObject(o -> now.put(o, null));
    List<HasMetadata> ordered = new ArrayList<>(now.size());
    for (HasMetadata o : lastOrder) {
      if (now.containsKey(o)) {
        ordered.add(o);
      }
    }
    Map<HasMetadata, java.time.Instant> before = created;
    List<HasMetadata> added = new ArrayList<>();
    for (Map.Entry<HasMetadata, java.time.Instant> e : now.entrySet()) {
      java.time.Instant t = before.get(e.getKey());
      if (t == null) {
        t = IngressProcessor.creation(e.getKey().getMetadata().getCreationTimestamp());
        if (!before.containsKey(e.getKey())) {
          added.add(e.getKey());
        }
      }
      e.setValue(t);
    }
    Comparator<HasMetadata> order = byCreation(now);
    // The objects kept are in order already; a few new ones are put in their places, many sorted in.
    if (added.size() > 64 && added.size() > ordered.size() / 16) {
      ordered.addAll(added);
      ordered.sort(order);
    } else {
      for (HasMetadata o : added) {
        int at = java.util.Collections.binarySearch(ordered, o, order);
        ordered.add(at < 0 ? -at - 1 : at, o);
      }
    }
    lastOrder = ordered;
    created = now;
    return ordered;
  }

  /**
   * {@link #inPrecedence(ClusterSnapshot)} for an edit of the snapshot translated last: the last
   * order with the objects the edits took out removed and those they put in placed, each found by
   * bisection; the objects the edits left alone are not visited.
   */
  private List<HasMetadata> inPrecedence(ClusterSnapshot snapshot, ClusterSnapshot.Changes diff) {
    Map<HasMetadata, java.time.Instant> times = created;
    Comparator<HasMetadata> order = byCreation(times);
    List<HasMetadata> ordered = new ArrayList<>(lastOrder);
    // What the edits took out, then what they put in that is still there (an object may have come
    // and gone again, or come back).
    Set<HasMetadata> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (List<HasMetadata> objects : List.of(diff.removed(), diff.added())) {
      for (HasMetadata o : objects) {
        if (seen.add(o) && times.containsKey(o) && !snapshot.holds(o)) {
          int at = java.util.Collections.binarySearch(ordered, o, order);
          if (at < 0 || ordered.get(at) != o) {
            return inPrecedence(snapshot); // not where the order says: start from the snapshot
          }
          ordered.remove(at);
          times.remove(o);
        }
      }
    }
    seen.clear();
    for (HasMetadata o : diff.added()) {
      if (seen.add(o) && !times.containsKey(o) && snapshot.holds(o)) {
        times.put(o, IngressProcessor.creation(o.getMetadata().getCreationTimestamp()));
        int at = java.util.Collections.binarySearch(ordered, o, order);
        ordered.add(at < 0 ? -at - 1 : at, o);
      }
    }
    lastOrder = ordered;
    return ordered;
  }

  /** {@link #PRECEDENCE} with the objects' creation times looked up, not parsed again. */
  private static Comparator<HasMetadata> byCreation(Map<HasMetadata, java.time.Instant> times) {
    return Comparator.comparing((HasMetadata o) -> times.get(o)).thenComparing(AFTER_CREATION);
  }

  private TranslationResult translate(ClusterSnapshot snapshot, Map<HasMetadata, Memo> previous,
      Map<HasMetadata, Memo> next) {
    RouteTableBuilder builder = new RouteTableBuilder(built);
    // One precedence order across kinds: the oldest object claims a host and path first.
    List<HasMetadata> ordered = inPrecedence(snapshot);
    builder.precedence(precedenceOrder());
    Pass pass = new Pass(builder, snapshot);
    // ingress-nginx canaries join the routes of their main Ingresses, whichever is older.
    Map<HasMetadata, ObjectReport> canaries = new java.util.IdentityHashMap<>();
    if (options.ingressNginx() != null) {
      for (HasMetadata object : ordered) {
        if (object instanceof Ingress ingress && NginxAnnotations.isCanary(ingress.getMetadata().getAnnotations())) {
          ObjectReport report = new ObjectReport(ObjectRef.of(object), object.getMetadata().getGeneration());
          canaries.put(object, report);
          if (pass.classifier.classify(ingress, report)) {
            pass.ingresses.canaries().register(ingress, report, options.ingressNginx().serveRefused());
          }
        }
      }
    }
    List<ObjectStatus> statuses = new ArrayList<>();
    List<Object> reports = new ArrayList<>(); // an ObjectReport, or the ObjectStatus of a memoized object
    for (HasMetadata object : ordered) {
      if (canaries.containsKey(object)) {
        reports.add(canaries.get(object));
        continue;
      }
      // Canaries join their main Ingresses' routes: while there are any, Ingresses are processed afresh.
      if (canaries.isEmpty() || !(object instanceof Ingress)) {
        Memo before = previous.get(object);
        Memo memo = pass.offer(object, before);
        if (memo == before) {
          reused++;
        }
        next.put(object, memo);
        reports.add(memo.status());
        continue;
      }
      ObjectReport report = new ObjectReport(ObjectRef.of(object), object.getMetadata().getGeneration());
      RuntimeException failure = pass.process(object, report, null, null);
      reports.add(failure == null ? report : rejected(object, failure));
    }
    pass.ingresses.canaries().finish();
    // Canary reports are complete only now.
    reports.forEach(r -> statuses.add(r instanceof ObjectReport report ? report.toStatus() : (ObjectStatus) r));
    everyObjectMemoized = canaries.isEmpty();
    return finish(builder, pass.tls, new StatusReport(statuses));
  }

  /** The default certificate, then the table from the builder's state. */
  private TranslationResult finish(RouteTableBuilder builder, TlsSecrets tls, StatusReport report) {
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
    lastStatuses = report.objects();
    return new TranslationResult(table, report, builder.resolutions(), builder.certificates(),
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
    // A later version of the last resolutions (frozen, as results hold them): a copy of the buckets written.
    BucketMap<String, BackendResolver.Resolution> resolutions;
    if (previous.resolutions() instanceof BucketMap<String, BackendResolver.Resolution> last) {
      resolutions = last.edit();
    } else {
      resolutions = BucketMap.sized(previous.resolutions().size());
      resolutions.putAll(previous.resolutions());
    }
    List<Cluster> before = previous.table().clusters();
    List<Cluster> clusters = new ArrayList<>(before);
    boolean changed = false;
    // Only the clusters of these Services: found through an index of them (made once per set of
    // resolutions), and in the table's cluster list by bisection; 10,000 clusters are not walked.
    Map<ObjectKey, List<String>> byService = clustersByService(previous.resolutions());
    for (ObjectKey service : services) {
      for (String name : byService.getOrDefault(service, List.of())) {
        BackendResolver.Resolution old = previous.resolutions().get(name);
        int at = previous.table().clusterIndex(name);
        if (old == null || at < 0) {
          continue; // not in the table: nothing to refresh
        }
        BackendResolver.Resolution fresh = resolver.resolve(old.namespace(), old.service(), old.port());
        if (!fresh.problems().equals(old.problems())) {
          return Optional.empty();
        }
        // The cluster keeps its name and policies (a route's balancing, say); only endpoints change.
        Cluster refreshed = before.get(at).withEndpoints(fresh.cluster().endpoints());
        clusters.set(at, refreshed);
        changed = true;
        resolutions.put(name, new BackendResolver.Resolution(old.namespace(), old.service(), old.port(),
            refreshed, fresh.problems()));
      }
    }
    if (!changed) {
      return Optional.of(previous);
    }
    RouteTable table = RouteTable.following(previous.table(), previous.table().virtualHosts(), clusters,
        previous.table().defaultCertificate());
    TranslationResult result = new TranslationResult(table, previous.status(), resolutions.freeze(),
        previous.certificates(), previous.credentials(), previous.settingsProblems());
    indexHolds(previous.resolutions(), result.resolutions());
    return Optional.of(result);
  }

  /** The resolutions {@link #clustersByService} was made from, and what it made. */
  private Map<String, BackendResolver.Resolution> clustersByServiceOf;
  private Map<ObjectKey, List<String>> clustersByService = Map.of();

  /** The clusters resolved from each Service, made again only for other resolutions than last time. */
  private synchronized Map<ObjectKey, List<String>> clustersByService(
      Map<String, BackendResolver.Resolution> resolutions) {
    if (clustersByServiceOf != resolutions) {
      Map<ObjectKey, List<String>> index = new HashMap<>();
      resolutions.forEach((name, r) -> index.computeIfAbsent(new ObjectKey(r.namespace(), r.service()),
          k -> new ArrayList<>(1)).add(name));
      clustersByService = index;
      clustersByServiceOf = resolutions;
    }
    return clustersByService;
  }

  /** The same Services resolve to the same clusters after a refresh: the index made for {@code before} holds for {@code after}. */
  private synchronized void indexHolds(Map<String, BackendResolver.Resolution> before,
      Map<String, BackendResolver.Resolution> after) {
    if (clustersByServiceOf == before) {
      clustersByServiceOf = after;
    }
  }
}
