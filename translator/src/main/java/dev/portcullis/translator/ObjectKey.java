package dev.portcullis.translator;


/** A namespaced object's identity; {@code namespace} is empty for cluster-scoped objects. */
public record ObjectKey(String namespace, String name) implements Comparable<ObjectKey> {

  public ObjectKey {
    namespace = namespace == null ? "" : namespace;
    if (name == null) {
      throw new IllegalArgumentException("name is required");
    }
  }

  @Override
  public int compareTo(ObjectKey o) {
    // Snapshots sort tens of thousands of keys on every change: no comparator chain here.
    int c = namespace.compareTo(o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }

  // Written out: snapshots hash tens of thousands of keys per change, and the generated methods
  // of a record go through a bootstrap method handle.
  @Override
  public int hashCode() {
    return 31 * namespace.hashCode() + name.hashCode();
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof ObjectKey k && name.equals(k.name) && namespace.equals(k.namespace));
  }

  @Override
  public String toString() {
    return namespace.isEmpty() ? name : namespace + "/" + name;
  }
}
