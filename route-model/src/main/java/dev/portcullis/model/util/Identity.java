package dev.portcullis.model.util;

import java.util.List;

/** Comparisons by identity, for telling what the last version of something kept. */
public final class Identity {

  private Identity() {}

  /** Whether both lists hold the very same instances at the same places. */
  public static boolean sameElements(List<?> a, List<?> b) {
    if (a == b) {
      return true;
    }
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }
}
