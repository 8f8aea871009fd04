package dev.portcullis.translator;

import dev.portcullis.translator.backend.BackendResolver;
import dev.portcullis.translator.ingress.IngressClassifier;
import dev.portcullis.translator.ingress.IngressProcessor;
import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.ObjectStatus;
import dev.portcullis.translator.status.StatusReport;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.ArrayList;
import java.util.List;

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
    return new TranslationResult(builder.build(), new StatusReport(statuses));
  }
}
