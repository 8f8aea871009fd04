package dev.portcullis.translator.status;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Optional;

/** The per-object outcome of one translation, sorted by object. */
public record StatusReport(List<ObjectStatus> objects) {

  public StatusReport {
    boolean sorted = true;
    for (int i = 1; i < objects.size() && sorted; i++) {
      sorted = objects.get(i - 1).object().compareTo(objects.get(i).object()) <= 0;
    }
    objects = sorted ? List.copyOf(objects) : objects.stream().sorted((a, b) -> a.object().compareTo(b.object())).toList();
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
