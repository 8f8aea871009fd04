package dev.portcullis.translator.status;

import dev.portcullis.api.v1alpha1.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Gateway-API-style conditions of a route (ProxyRoute status, the local admin port's /status):
 * Accepted, ResolvedRefs and Programmed, derived from what the translator reported and from what
 * the data planes acknowledged.
 */
public final class Conditions {
  private Conditions() {}

  public static final String ACCEPTED = "Accepted";
  public static final String RESOLVED_REFS = "ResolvedRefs";
  public static final String PROGRAMMED = "Programmed";

  /** Problem reasons that mean a backend reference did not resolve. */
  static final Set<String> REF_REASONS = Set.of("ServiceNotFound", "ServicePortNotFound", "RefNotPermitted",
      "InvalidService");
  /** Problem reasons that mean part of the object is invalid or shadowed. */
  static final Set<String> INVALID_REASONS = Set.of("Invalid", "MatchConflict", "PathConflict", "InvalidHost",
      "InvalidPath", "InvalidPathType", "InvalidBackend", "UnsupportedBackend", "InvalidIngress");

  /** Whether the data planes serve the object's current generation. */
  public enum Programmed {
    /** Every connected data plane acknowledged a table with it. */
    YES,
    /** Published; waiting for acknowledgements. */
    PENDING,
    /** No data plane is connected. */
    NO_DATA_PLANES,
    /** A data plane refused the table that contains it. */
    REFUSED
  }

  /**
   * The conditions for an object, keeping each previous condition's lastTransitionTime when its
   * status did not change.
   *
   * @param now      RFC 3339 time for new transitions
   * @param previous the object's current conditions, or empty
   */
  public static List<Condition> of(ObjectStatus s, Programmed programmed, String now, List<Condition> previous) {
    Long gen = s.generation();
    List<Condition> out = new ArrayList<>();
    List<Problem> errors = s.problems().stream().filter(p -> p.severity() == Severity.ERROR).toList();
    List<Problem> invalid = errors.stream().filter(p -> INVALID_REASONS.contains(p.reason())).toList();
    List<Problem> refs = errors.stream().filter(p -> REF_REASONS.contains(p.reason())).toList();

    if (s.disposition() == Disposition.REJECTED && refs.isEmpty()) {
      out.add(new Condition(ACCEPTED, "False", "Invalid", describe(errors), gen, now));
    } else if (!invalid.isEmpty()) {
      out.add(new Condition(ACCEPTED, "True", "PartiallyInvalid", "the valid rules serve; left out: " + describe(invalid),
          gen, now));
    } else {
      out.add(new Condition(ACCEPTED, "True", "Accepted", "the route is valid and in the route table", gen, now));
    }
    if (refs.isEmpty()) {
      out.add(new Condition(RESOLVED_REFS, "True", "ResolvedRefs", "every backend Service and port resolved", gen, now));
    } else {
      boolean refused = refs.stream().anyMatch(p -> p.reason().equals("RefNotPermitted"));
      out.add(new Condition(RESOLVED_REFS, "False", refused ? "RefNotPermitted" : "BackendNotFound", describe(refs),
          gen, now));
    }
    if (s.disposition() == Disposition.REJECTED) {
      out.add(new Condition(PROGRAMMED, "False", "Invalid", "nothing of the route is in the route table", gen, now));
    } else {
      out.add(switch (programmed) {
        case YES -> new Condition(PROGRAMMED, "True", "Programmed",
            "every connected data plane serves this generation", gen, now);
        case PENDING -> new Condition(PROGRAMMED, "False", "Pending",
            "waiting for the data planes to acknowledge the route table", gen, now);
        case NO_DATA_PLANES -> new Condition(PROGRAMMED, "False", "NoDataPlanes", "no data plane is connected", gen, now);
        case REFUSED -> new Condition(PROGRAMMED, "False", "Refused",
            "a data plane refused the route table; it keeps serving the previous one", gen, now);
      });
    }
    for (Condition c : out) {
      for (Condition p : previous == null ? List.<Condition>of() : previous) {
        if (c.type.equals(p.type) && c.status.equals(p.status) && p.lastTransitionTime != null) {
          c.lastTransitionTime = p.lastTransitionTime;
        }
      }
    }
    return out;
  }

  /** True when the two lists say the same (ignoring transition times). */
  public static boolean same(List<Condition> a, List<Condition> b) {
    if (a == null || b == null || a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).sameAs(b.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static String describe(List<Problem> problems) {
    String text = problems.stream().limit(3).map(p -> p.field() + ": " + p.message()).collect(Collectors.joining("; "));
    return problems.size() > 3 ? text + "; and " + (problems.size() - 3) + " more" : text;
  }
}
