package dev.portcullis.dataplane.observability;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A registry's meters by the value of one tag (a route's name, a cluster's), kept up to date by
 * the registry's listeners: the meters of what a new table drops are found without a scan of every
 * meter, which at 50,000 routes that have all served is hundreds of thousands. Meters are made on
 * the event loops and removed on a worker; both sides go through the map's atomic updates.
 */
final class MeterIndex {

  private final String tag;
  private final boolean skipEmpty;
  private final ConcurrentHashMap<String, Set<Meter.Id>> meters = new ConcurrentHashMap<>();
  /** The values that got a meter since {@link #drainRecent} last ran: a table may no longer have them. */
  private final Set<String> recent = ConcurrentHashMap.newKeySet();

  /**
   * @param skipEmpty whether meters with an empty value are left out (requests no route took)
   */
  MeterIndex(String tag, boolean skipEmpty) {
    this.tag = tag;
    this.skipEmpty = skipEmpty;
  }

  private String valueOf(Meter m) {
    String v = m.getId().getTag(tag);
    return v == null || (skipEmpty && v.isEmpty()) ? null : v;
  }

  void added(Meter m) {
    String v = valueOf(m);
    if (v != null) {
      meters.compute(v, (k, ids) -> {
        Set<Meter.Id> s = ids == null ? new HashSet<>() : ids;
        s.add(m.getId());
        return s;
      });
      recent.add(v);
    }
  }

  void removed(Meter m) {
    String v = valueOf(m);
    if (v != null) {
      meters.computeIfPresent(v, (k, ids) -> {
        ids.remove(m.getId());
        return ids.isEmpty() ? null : ids;
      });
    }
  }

  /**
   * The values that got a meter since the last call. A value that gets one while this runs is
   * either returned now or the next time, never lost.
   */
  List<String> drainRecent() {
    List<String> out = new ArrayList<>();
    for (Iterator<String> it = recent.iterator(); it.hasNext(); ) {
      out.add(it.next());
      it.remove();
    }
    return out;
  }

  /** Removes from the registry every meter whose tag has this value. */
  void removeAll(String value, MeterRegistry registry) {
    List<Meter.Id> ids = new ArrayList<>();
    meters.computeIfPresent(value, (k, s) -> {
      ids.addAll(s);
      return s;
    });
    ids.forEach(registry::remove);
  }
}
