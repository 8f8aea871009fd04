package dev.portcullis.translator.status;

import java.util.List;

/** What the translator did with one object, and why. */
public record ObjectStatus(ObjectRef object, Disposition disposition, List<Problem> problems) {

  public ObjectStatus {
    problems = List.copyOf(problems);
  }

  public boolean hasErrors() {
    return problems.stream().anyMatch(p -> p.severity() == Severity.ERROR);
  }
}
