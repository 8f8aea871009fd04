package dev.portcullis.operator.status;

import dev.portcullis.api.v1alpha1.Condition;
import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.api.v1alpha1.ProxyRouteStatus;
import dev.portcullis.operator.routeserver.RouteServer;
import dev.portcullis.translator.status.Conditions;
import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.ObjectStatus;
import dev.portcullis.translator.status.Problem;
import dev.portcullis.translator.status.Severity;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Writes ProxyRoute status: the Accepted, ResolvedRefs and Programmed conditions with
 * observedGeneration, and an Event per problem. Like the Ingress status writer it runs on the
 * leader, writes only differences (get, change, skip if unchanged, update with the resourceVersion,
 * retry on conflict) and touches only routes
 * of its class. Programmed turns true once every connected data plane acknowledged a table that
 * contains the route's current generation.
 */
public final class ProxyRouteStatusReconciler implements Reconciler<ProxyRoute> {

  private final StatusModel model;
  private final ProgrammedTracker programmed;
  private final RouteServer routeServer;
  private final EventRecorder events;
  private final Clock clock;
  private final LongConsumer timing;
  private final SimpleInboundEventSource<ProxyRoute> trigger = new SimpleInboundEventSource<>("route-changes");
  /** Routes whose Programmed condition is not True yet: an acknowledgement may change it. */
  private final Set<ObjectRef> notProgrammed = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** What the data planes of the other operator replicas acknowledged (none with one replica). */
  private volatile java.util.function.Supplier<List<ReplicaAcks.Remote>> remote = List::of;

  public ProxyRouteStatusReconciler(StatusModel model, ProgrammedTracker programmed, RouteServer routeServer,
      EventRecorder events, Clock clock, LongConsumer timing) {
    this.model = model;
    this.programmed = programmed;
    this.routeServer = routeServer;
    this.events = events;
    this.clock = clock;
    this.timing = timing;
  }

  /** Counts the data planes of the other replicas too, as they share their ACKs. */
  public void remoteAcks(java.util.function.Supplier<List<ReplicaAcks.Remote>> remote) {
    this.remote = remote;
  }

  @Override
  public List<EventSource<?, ProxyRoute>> prepareEventSources(EventSourceContext<ProxyRoute> context) {
    return List.of(trigger);
  }

  /** Asks for the routes that wait for acknowledgements to be reconciled (call on every ACK). */
  public void acknowledged() {
    trigger(Set.copyOf(notProgrammed));
  }

  /** Asks for these routes to be reconciled. */
  public void trigger(Set<ObjectRef> refs) {
    for (ObjectRef ref : refs) {
      if (ProxyRoute.KIND.equals(ref.kind())) {
        trigger.propagateEvent(new ResourceID(ref.name(), ref.namespace()));
      }
    }
  }

  @Override
  public UpdateControl<ProxyRoute> reconcile(ProxyRoute route, Context<ProxyRoute> context) {
    long start = System.nanoTime();
    try {
      if (!model.ready()) {
        return UpdateControl.<ProxyRoute>noUpdate().rescheduleAfter(Duration.ofSeconds(1));
      }
      ObjectRef ref = ObjectRef.of(route);
      var desired = model.desired(ref);
      if (desired.isEmpty()) {
        notProgrammed.remove(ref);
        return UpdateControl.noUpdate();
      }
      ObjectStatus status = desired.get().status();
      if (status.generation() != null && route.getMetadata().getGeneration() != null
          && !status.generation().equals(route.getMetadata().getGeneration())) {
        // The translation has not caught up with this generation yet: the rebuild triggers us again.
        return UpdateControl.noUpdate();
      }
      List<Condition> current = route.getStatus() == null ? List.of() : route.getStatus().conditions;
      String now = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(clock.instant().atOffset(ZoneOffset.UTC).withNano(0));
      List<Condition> next = Conditions.of(status, programmed.state(ref, status.generation(), routeServer.nodes(), remote.get()), now,
          current);
      boolean isProgrammed = next.stream().anyMatch(c -> Conditions.PROGRAMMED.equals(c.type) && "True".equals(c.status));
      if (isProgrammed) {
        notProgrammed.remove(ref);
      } else {
        notProgrammed.add(ref);
      }
      if (!Conditions.same(current, next)) {
        StatusWriter.update(context.getClient(), context.getClient().resources(ProxyRoute.class).inNamespace(ref.namespace())
            .withName(ref.name()), fresh -> fresh.getStatus() != null && Conditions.same(fresh.getStatus().conditions, next),
            fresh -> {
              ProxyRouteStatus s = new ProxyRouteStatus();
              s.conditions = new ArrayList<>(next);
              fresh.setStatus(s);
              return fresh;
            });
      }
      for (Problem p : status.problems()) {
        if (p.severity() != Severity.INFO) {
          events.problem(route, p);
        }
      }
      return UpdateControl.noUpdate();
    } finally {
      timing.accept(System.nanoTime() - start);
    }
  }
}
