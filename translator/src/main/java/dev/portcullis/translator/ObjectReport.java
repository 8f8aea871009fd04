package dev.portcullis.translator;

import dev.portcullis.translator.status.Disposition;
import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.ObjectStatus;
import dev.portcullis.translator.status.Problem;
import dev.portcullis.translator.status.Severity;
import java.util.ArrayList;
import java.util.List;

/** Collects what happens to one object during a translation. */
public final class ObjectReport {
  private final ObjectRef object;
  private final Long generation;
  private final List<Problem> problems = new ArrayList<>();
  private boolean ignored;
  private int served;

  public ObjectReport(ObjectRef object) {
    this(object, null);
  }

  public ObjectReport(ObjectRef object, Long generation) {
    this.object = object;
    this.generation = generation;
  }

  public ObjectRef object() {
    return object;
  }

  public void add(Problem problem) {
    problems.add(problem);
  }

  public void error(String field, String reason, String message) {
    add(Problem.error(field, reason, message));
  }

  public void warning(String field, String reason, String message) {
    add(Problem.warning(field, reason, message));
  }

  public void ignore(String field, String reason, String message) {
    ignored = true;
    add(Problem.info(field, reason, message));
  }

  /** Records that something of this object made it into the table. */
  public void served() {
    served++;
  }

  public ObjectStatus toStatus() {
    Disposition d;
    if (ignored) {
      d = Disposition.IGNORED;
    } else if (problems.stream().noneMatch(p -> p.severity() == Severity.ERROR)) {
      d = served > 0 ? Disposition.ACCEPTED : Disposition.REJECTED;
    } else {
      d = served > 0 ? Disposition.DEGRADED : Disposition.REJECTED;
    }
    return new ObjectStatus(object, generation, d, problems);
  }
}
