package dev.portcullis.translator;

import dev.portcullis.translator.backend.BackendResolver;
import dev.portcullis.translator.ingress.IngressClassifier;
import dev.portcullis.translator.ingress.IngressProcessor;
import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.ObjectStatus;
import dev.portcullis.translator.status.StatusReport;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.RouteTable;
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

  private final TranslatorOptions options;

  public Translator(TranslatorOptions options) {
    this.options = options;
  }

  public TranslatorOptions options() {
    return options;
  }

  public TranslationResult translate(ClusterSnapshot snapshot) {
    RouteTableBuilder builder = new RouteTableBuilder();
    BackendResolver resolver = new BackendResolver(snapshot, options);
    IngressClassifier classifier = new IngressClassifier(snapshot, options);
    IngressProcessor ingresses = new IngressProcessor(builder, resolver, options);

    List<ObjectStatus> statuses = new ArrayList<>();
    List<Ingress> ordered = snapshot.ingresses().stream().sorted(IngressProcessor.PRECEDENCE).toList();
    for (Ingress ingress : ordered) {
      ObjectReport report = new ObjectReport(ObjectRef.of(ingress));
      if (classifier.classify(ingress, report)) {
        ingresses.process(ingress, report);
      }
      statuses.add(report.toStatus());
    }
    return new TranslationResult(builder.build(), new StatusReport(statuses), resolver.resolutions());
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
        return Optional.empty();
      }
      if (!services.contains(new ObjectKey(old.namespace(), old.service()))) {
        clusters.add(cluster);
        continue;
      }
      BackendResolver.Resolution fresh = resolver.resolve(old.namespace(), old.service(), old.port());
      if (!fresh.problems().equals(old.problems())) {
        return Optional.empty();
      }
      clusters.add(fresh.cluster());
      resolutions.put(cluster.name(), fresh);
    }
    RouteTable table = new RouteTable(previous.table().virtualHosts(), clusters);
    return Optional.of(new TranslationResult(table, previous.status(), resolutions));
  }
}
