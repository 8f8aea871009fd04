package dev.portcullis.model;

/**
 * The one exception type for a route table that breaks the model's rules. The message names the
 * offending field, e.g. {@code virtualHosts[foo.com].routes[r1].action.clusters[0].cluster}.
 */
public final class ModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String reason;

  public ModelException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
    this.reason = reason;
  }

  /** The path of the offending field. */
  public String field() {
    return field;
  }

  /** What is wrong with it. */
  public String reason() {
    return reason;
  }
}
