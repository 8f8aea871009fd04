package dev.portcullis.model;

/**
 * The one exception type for a route table that breaks the model's rules. The message names the
 * offending field, e.g. {@code virtualHosts[foo.com].routes[r1].action.clusters[0].cluster}.
 */
public final class ModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public ModelException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
  }

  public ModelException(String field, String reason, Throwable cause) {
    super(field + ": " + reason, cause);
    this.field = field;
  }

  /** The path of the offending field. */
  public String field() {
    return field;
  }

  /** Prefixes the field path, so that nested elements report where they sit in the table. */
  public ModelException within(String parent) {
    String path = field.isEmpty() ? parent : parent + "." + field;
    ModelException wrapped = new ModelException(path, getMessage().substring(field.length() + 2), getCause());
    wrapped.setStackTrace(getStackTrace());
    return wrapped;
  }
}
