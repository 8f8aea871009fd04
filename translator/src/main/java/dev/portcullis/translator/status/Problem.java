package dev.portcullis.translator.status;

/**
 * One thing the translator has to say about an object.
 *
 * @param severity how bad it is
 * @param field    the field path inside the object, e.g. {@code spec.rules[0].http.paths[1].backend}
 * @param reason   a CamelCase machine-readable reason, as in Kubernetes conditions and Events
 * @param message  a sentence for humans, naming what is wrong and what happens as a result
 */
public record Problem(Severity severity, String field, String reason, String message) {

  public static Problem error(String field, String reason, String message) {
    return new Problem(Severity.ERROR, field, reason, message);
  }

  public static Problem warning(String field, String reason, String message) {
    return new Problem(Severity.WARNING, field, reason, message);
  }

  public static Problem info(String field, String reason, String message) {
    return new Problem(Severity.INFO, field, reason, message);
  }

  @Override
  public String toString() {
    return severity + " " + field + ": " + reason + ": " + message;
  }
}
