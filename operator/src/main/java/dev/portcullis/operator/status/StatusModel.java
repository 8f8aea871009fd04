package dev.portcullis.operator.status;

import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.status.Disposition;
import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.ObjectStatus;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What each Ingress's status should say, from the latest translation and the published
 * addresses. The status writer compares it with what the object says and writes the difference.
 */
public final class StatusModel {

  /** The status an Ingress of ours should have. */
  public record Desired(List<IngressLoadBalancerIngress> addresses, ObjectStatus status) {}

  private final Supplier<List<IngressLoadBalancerIngress>> addresses;
  private volatile Map<ObjectRef, ObjectStatus> statuses;

  public StatusModel(Supplier<List<IngressLoadBalancerIngress>> addresses) {
    this.addresses = addresses;
  }

  /** True once a translation was seen. */
  public boolean ready() {
    return statuses != null;
  }

  /**
   * Takes a new translation.
   *
   * @return the objects whose status changed (all of them, the first time)
   */
  public Set<ObjectRef> update(TranslationResult result) {
    Map<ObjectRef, ObjectStatus> next = new HashMap<>();
    for (ObjectStatus s : result.status().objects()) {
      next.put(s.object(), s);
    }
    Map<ObjectRef, ObjectStatus> previous = statuses;
    statuses = next;
    Set<ObjectRef> changed = new HashSet<>();
    for (Map.Entry<ObjectRef, ObjectStatus> e : next.entrySet()) {
      if (previous == null || !e.getValue().equals(previous.get(e.getKey()))) {
        changed.add(e.getKey());
      }
    }
    return changed;
  }

  /** Every object of ours of one kind. */
  public Set<ObjectRef> owned(String kind) {
    Set<ObjectRef> out = owned();
    out.removeIf(r -> !kind.equals(r.kind()));
    return out;
  }

  /** Every object of ours, for when something all of them show (the address) changes. */
  public Set<ObjectRef> owned() {
    Map<ObjectRef, ObjectStatus> s = statuses;
    Set<ObjectRef> out = new HashSet<>();
    if (s != null) {
      s.forEach((k, v) -> {
        if (v.disposition() != Disposition.IGNORED) {
          out.add(k);
        }
      });
    }
    return out;
  }

  /** The desired status, or empty when the object is not ours (or not translated yet). */
  public Optional<Desired> desired(ObjectRef ref) {
    Map<ObjectRef, ObjectStatus> s = statuses;
    ObjectStatus status = s == null ? null : s.get(ref);
    if (status == null || status.disposition() == Disposition.IGNORED) {
      return Optional.empty();
    }
    return Optional.of(new Desired(addresses.get(), status));
  }
}
