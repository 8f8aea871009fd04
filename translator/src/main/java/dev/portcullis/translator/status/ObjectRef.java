package dev.portcullis.translator.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** The user's object a status entry is about. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ObjectRef(String kind, String namespace, String name) implements Comparable<ObjectRef> {


  public static ObjectRef of(HasMetadata object) {
    return new ObjectRef(object.getKind(), object.getMetadata().getNamespace(), object.getMetadata().getName());
  }

  /** By kind, namespace (none first) and name; written out, as reports of 10,000 objects sort by it every rebuild. */
  @Override
  public int compareTo(ObjectRef o) {
    int c = kind.compareTo(o.kind);
    if (c != 0) {
      return c;
    }
    c = (namespace == null ? "" : namespace).compareTo(o.namespace == null ? "" : o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return kind + " " + (namespace == null ? name : namespace + "/" + name);
  }
}
