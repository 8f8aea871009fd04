package dev.portcullis.operator.status;

import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.Problem;
import dev.portcullis.translator.status.Severity;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressStatus;
import io.fabric8.kubernetes.api.model.networking.v1.IngressStatusBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what users see on their Ingresses: {@code status.loadBalancer.ingress} and an Event per
 * problem. It runs on the leader only (JOSDK holds events back on other replicas and replays them
 * on a new leader), compares the desired status with the object's, writes only the difference
 * (get, change, skip if unchanged, update the status with the resourceVersion, retry on conflict),
 * and never touches an Ingress that is not ours.
 */
public final class IngressStatusReconciler implements Reconciler<Ingress> {

  private static final Logger LOG = LoggerFactory.getLogger(IngressStatusReconciler.class);

  private final StatusModel model;
  private final EventRecorder events;
  private final SimpleInboundEventSource<Ingress> trigger = new SimpleInboundEventSource<>("translation-changes");
  private final AtomicLong statusWrites = new AtomicLong();
  private final AtomicLong reconciles = new AtomicLong();

  private final java.util.function.LongConsumer timing;

  /**
   * @param timing told how long each reconciliation took, in nanoseconds
   */
  public IngressStatusReconciler(StatusModel model, EventRecorder events, java.util.function.LongConsumer timing) {
    this.model = model;
    this.events = events;
    this.timing = timing;
  }

  @Override
  public List<EventSource<?, Ingress>> prepareEventSources(EventSourceContext<Ingress> context) {
    return List.of(trigger);
  }

  /** Asks for these Ingresses to be reconciled (their desired status changed). */
  public void trigger(Set<ObjectRef> refs) {
    for (ObjectRef ref : refs) {
      if ("Ingress".equals(ref.kind())) {
        trigger.propagateEvent(new ResourceID(ref.name(), ref.namespace()));
      }
    }
  }

  @Override
  public UpdateControl<Ingress> reconcile(Ingress ingress, Context<Ingress> context) {
    long start = System.nanoTime();
    try {
      return doReconcile(ingress, context);
    } finally {
      timing.accept(System.nanoTime() - start);
    }
  }

  private UpdateControl<Ingress> doReconcile(Ingress ingress, Context<Ingress> context) {
    reconciles.incrementAndGet();
    if (!model.ready()) {
      // Nothing translated yet: look again shortly rather than miss this object's first status.
      return UpdateControl.<Ingress>noUpdate().rescheduleAfter(Duration.ofSeconds(1));
    }
    Optional<StatusModel.Desired> desired = model.desired(ObjectRef.of(ingress));
    if (desired.isEmpty()) {
      return UpdateControl.noUpdate();
    }
    List<IngressLoadBalancerIngress> addresses = desired.get().addresses();
    // Null: the address is not known yet (just started, or just became leader); leave it as it is.
    if (addresses != null && !Objects.equals(current(ingress), addresses)) {
      boolean wrote = StatusWriter.update(context.getClient(), context.getClient().network().v1().ingresses()
              .inNamespace(ingress.getMetadata().getNamespace()).withName(ingress.getMetadata().getName()),
          fresh -> Objects.equals(current(fresh), addresses),
          fresh -> {
            IngressStatus status = new IngressStatusBuilder().withNewLoadBalancer().withIngress(addresses).endLoadBalancer()
                .build();
            fresh.setStatus(status);
            return fresh;
          });
      if (wrote) {
        statusWrites.incrementAndGet();
        LOG.debug("wrote the status of Ingress {}/{}", ingress.getMetadata().getNamespace(),
            ingress.getMetadata().getName());
      }
    }
    for (Problem p : desired.get().status().problems()) {
      if (p.severity() != Severity.INFO) {
        events.problem(ingress, p);
      }
    }
    return UpdateControl.noUpdate();
  }

  private static List<IngressLoadBalancerIngress> current(Ingress ingress) {
    if (ingress.getStatus() == null || ingress.getStatus().getLoadBalancer() == null
        || ingress.getStatus().getLoadBalancer().getIngress() == null) {
      return List.of();
    }
    return ingress.getStatus().getLoadBalancer().getIngress();
  }

  public long statusWrites() {
    return statusWrites.get();
  }

  public long reconciles() {
    return reconciles.get();
  }
}
