package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The user-facing object a route-table element was made from, so that anything seen in a
 * config dump leads straight back to the YAML that produced it.
 *
 * @param kind      the Kubernetes kind, e.g. {@code Ingress}
 * @param namespace the namespace, or {@code null} for cluster-scoped objects
 * @param name      the object's name
 * @param field     the field path inside the object, e.g. {@code spec.rules[0].http.paths[1]}; may be null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SourceRef(String kind, String namespace, String name, String field) {

  public SourceRef {
    Checks.notBlank(kind, "kind");
    Checks.notBlank(name, "name");
  }

  public static SourceRef of(String kind, String namespace, String name) {
    return new SourceRef(kind, namespace, name, null);
  }

  public SourceRef withField(String field) {
    return new SourceRef(kind, namespace, name, field);
  }

  /** {@code Kind ns/name}, or {@code Kind name} for cluster-scoped objects. */
  public String describe() {
    String object = namespace == null ? name : namespace + "/" + name;
    return kind + " " + object + (field == null ? "" : " " + field);
  }

  @Override
  public String toString() {
    return describe();
  }
}
