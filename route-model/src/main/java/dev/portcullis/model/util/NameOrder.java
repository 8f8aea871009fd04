package dev.portcullis.model.util;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Pairs the elements of two lists of uniquely named elements by name, cheaply when both are in name order. */
public final class NameOrder {

  private NameOrder() {}

  /** What {@link #pair} found. */
  public interface Pairing {
    /** {@code now[i]} and {@code was[j]} have the same name (and may be the very same instance). */
    void paired(int i, int j);

    /** {@code now[i]}'s name is not in {@code was}. */
    default void added(int i) { }

    /** {@code was[j]}'s name is not in {@code now}. */
    default void gone(int j) { }
  }

  /**
   * Walks {@code now} and {@code was} side by side, as tables list hosts and clusters (in name
   * order): the very same instance at both places is a pair without a look at its name, and
   * names are compared only where the lists differ. What the walk leaves unpaired (lists out of
   * name order) is then paired by name through a map, so any order comes out right, only
   * dearer. {@link Pairing#paired} hears of the walk's pairs, then of those the map found; then
   * {@link Pairing#added} and {@link Pairing#gone} of the rest.
   */
  public static <T> void pair(List<T> now, List<T> was, Function<T, String> name, Pairing pairing) {
    List<Integer> unpairedNow = new ArrayList<>();
    List<Integer> unpairedWas = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < now.size() || j < was.size()) {
      T a = i < now.size() ? now.get(i) : null;
      T b = j < was.size() ? was.get(j) : null;
      int c = a == b ? 0 : a == null ? 1 : b == null ? -1 : name.apply(a).compareTo(name.apply(b));
      if (c < 0) {
        unpairedNow.add(i++);
      } else if (c > 0) {
        unpairedWas.add(j++);
      } else {
        pairing.paired(i++, j++);
      }
    }
    if (!unpairedNow.isEmpty() && !unpairedWas.isEmpty()) {
      Map<String, Integer> byName = new HashMap<>();
      unpairedWas.forEach(k -> byName.put(name.apply(was.get(k)), k));
      List<Integer> added = new ArrayList<>();
      for (int k : unpairedNow) {
        Integer o = byName.remove(name.apply(now.get(k)));
        if (o != null) {
          pairing.paired(k, o);
        } else {
          added.add(k);
        }
      }
      unpairedNow = added;
      unpairedWas = new ArrayList<>(byName.values());
    }
    unpairedNow.forEach(pairing::added);
    unpairedWas.forEach(pairing::gone);
  }
}
