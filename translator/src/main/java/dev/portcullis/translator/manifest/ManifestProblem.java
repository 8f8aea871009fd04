package dev.portcullis.translator.manifest;

/**
 * A document that could not be read.
 *
 * @param file     the file (or other origin) it came from
 * @param document the 1-based document number within the file
 * @param object   {@code Kind namespace/name} when known, else null
 * @param field    the offending field path, or empty
 * @param reason   a CamelCase reason
 * @param message  what is wrong
 */
public record ManifestProblem(String file, int document, String object, String field, String reason, String message) {

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(file).append(" (document ").append(document).append(")");
    if (object != null) {
      sb.append(" ").append(object);
    }
    if (field != null && !field.isEmpty()) {
      sb.append(" ").append(field);
    }
    return sb.append(": ").append(reason).append(": ").append(message).toString();
  }
}
