package dev.portcullis.dataplane.auth;

import dev.portcullis.model.auth.JsonWebKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The usable keys of a key set, indexed by kid. Immutable. */
final class KeySet {
  private final List<JsonWebKeys.Key> all;
  private final Map<String, List<JsonWebKeys.Key>> byKid;

  KeySet(List<JsonWebKeys.Key> keys) {
    this.all = List.copyOf(keys);
    Map<String, List<JsonWebKeys.Key>> index = new HashMap<>();
    for (JsonWebKeys.Key k : keys) {
      if (k.kid() != null) {
        index.computeIfAbsent(k.kid(), x -> new ArrayList<>()).add(k);
      }
    }
    index.replaceAll((k, v) -> List.copyOf(v));
    this.byKid = Map.copyOf(index);
  }

  /** The keys a token may be checked with: those of its kid, or every key when it names none. */
  List<JsonWebKeys.Key> candidates(String kid) {
    return kid == null ? all : byKid.getOrDefault(kid, List.of());
  }

  int size() {
    return all.size();
  }
}
