package dev.portcullis.operator.rebuild;

import dev.portcullis.translator.ObjectKey;
import java.util.HashSet;
import java.util.Set;

/**
 * What changed since the last rebuild: either something that needs a full translation, or only
 * the endpoints of some Services (the fast path that re-resolves clusters and keeps the routes).
 */
public final class ChangeSet {
  private boolean full;
  private final Set<ObjectKey> endpointServices = new HashSet<>();

  public static ChangeSet full() {
    ChangeSet c = new ChangeSet();
    c.full = true;
    return c;
  }

  public static ChangeSet endpoints(ObjectKey service) {
    ChangeSet c = new ChangeSet();
    c.endpointServices.add(service);
    return c;
  }

  /** Folds another change into this one. */
  public synchronized ChangeSet merge(ChangeSet other) {
    synchronized (other) {
      full |= other.full;
      endpointServices.addAll(other.endpointServices);
    }
    return this;
  }

  public synchronized boolean isFull() {
    return full;
  }

  public synchronized Set<ObjectKey> endpointServices() {
    return Set.copyOf(endpointServices);
  }

  @Override
  public synchronized String toString() {
    return full ? "full" : "endpoints of " + endpointServices;
  }
}
