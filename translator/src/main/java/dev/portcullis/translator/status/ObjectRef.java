package dev.portcullis.translator.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Comparator;

/** The user's object a status entry is about. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ObjectRef(String kind, String namespace, String name) implements Comparable<ObjectRef> {

  private static final Comparator<ObjectRef> ORDER = Comparator.comparing(ObjectRef::kind)
      .thenComparing(r -> r.namespace == null ? "" : r.namespace)
      .thenComparing(ObjectRef::name);

  public static ObjectRef of(HasMetadata object) {
    return new ObjectRef(object.getKind(), object.getMetadata().getNamespace(), object.getMetadata().getName());
  }

  @Override
  public int compareTo(ObjectRef o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return kind + " " + (namespace == null ? name : namespace + "/" + name);
  }
}
