package dev.portcullis.translator.status;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Optional;

/** The per-object outcome of one translation, sorted by object. */
public record StatusReport(List<ObjectStatus> objects) {

  /** Set while {@link #sorted} constructs a report from a list its caller keeps sorted. */
  private static final ThreadLocal<Boolean> SORTED = new ThreadLocal<>();

  /**
   * A report of statuses the caller keeps sorted by object (as the translator does, editing the
   * last report in place): taken as they are, not checked again. 20,000 statuses are a pass of
   * comparisons that one changed object should not cost (the copy is an array copy).
   */
  public static StatusReport sorted(List<ObjectStatus> objects) {
    SORTED.set(Boolean.TRUE);
    try {
      return new StatusReport(List.copyOf(objects));
    } finally {
      SORTED.remove();
    }
  }

  public StatusReport {
    if (SORTED.get() == null) {
      boolean sorted = true;
      for (int i = 1; i < objects.size() && sorted; i++) {
        sorted = objects.get(i - 1).object().compareTo(objects.get(i).object()) <= 0;
      }
      objects = sorted ? List.copyOf(objects)
          : objects.stream().sorted((a, b) -> a.object().compareTo(b.object())).toList();
    }
  }

  /**
   * Walks two reports' statuses side by side (both sorted by object, as reports are): {@code gone}
   * hears of each object only {@code before} holds, {@code changed} of each status of {@code now}
   * that is not the very instance {@code before} holds for its object (new objects included). An
   * object a translation did not touch keeps its status instance, so 20,000 objects cost a walk
   * of two arrays, and a look at the few that changed.
   */
  public static void differences(List<ObjectStatus> before, List<ObjectStatus> now,
      java.util.function.Consumer<ObjectRef> gone, java.util.function.Consumer<ObjectStatus> changed) {
    int i = 0;
    int j = 0;
    while (i < before.size() || j < now.size()) {
      ObjectStatus a = i < before.size() ? before.get(i) : null;
      ObjectStatus b = j < now.size() ? now.get(j) : null;
      if (a == b) {
        i++;
        j++;
        continue;
      }
      int c = a == null ? 1 : b == null ? -1 : a.object().compareTo(b.object());
      if (c < 0) {
        gone.accept(a.object());
        i++;
        continue;
      }
      if (c == 0) {
        i++;
      }
      j++;
      changed.accept(b);
    }
  }

  @JsonValue
  public List<ObjectStatus> objects() {
    return objects;
  }

  public Optional<ObjectStatus> of(ObjectRef ref) {
    return objects.stream().filter(s -> s.object().equals(ref)).findFirst();
  }

  /** Every problem of the given severity or worse, across all objects. */
  @JsonIgnore
  public int count(Severity atLeast) {
    int n = 0;
    for (ObjectStatus s : objects) {
      for (Problem p : s.problems()) {
        if (p.severity().ordinal() <= atLeast.ordinal()) {
          n++;
        }
      }
    }
    return n;
  }
}
