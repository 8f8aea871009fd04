package dev.portcullis.translator.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the translator did with one object, and why.
 *
 * @param object      the object
 * @param generation  its metadata.generation when it has one (the status conditions report it)
 * @param disposition what became of it
 * @param problems    everything worth telling its owner
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ObjectStatus(ObjectRef object, Long generation, Disposition disposition, List<Problem> problems) {

  public ObjectStatus {
    problems = List.copyOf(problems);
  }

  public ObjectStatus(ObjectRef object, Disposition disposition, List<Problem> problems) {
    this(object, null, disposition, problems);
  }

  public boolean hasErrors() {
    return problems.stream().anyMatch(p -> p.severity() == Severity.ERROR);
  }
}
