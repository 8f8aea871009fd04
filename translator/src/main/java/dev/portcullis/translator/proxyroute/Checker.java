package dev.portcullis.translator.proxyroute;

import dev.portcullis.translator.status.Problem;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/** Collects validation problems with their field paths; one instance per scope (object or rule). */
final class Checker {
  private final List<Problem> problems = new ArrayList<>();

  List<Problem> problems() {
    return problems;
  }

  boolean ok() {
    return problems.isEmpty();
  }

  void fail(String field, String message) {
    problems.add(Problem.error(field, "Invalid", message));
  }

  void required(Object value, String field) {
    if (value == null || (value instanceof String s && s.isEmpty())) {
      fail(field, "is required");
    }
  }

  void pattern(String value, Pattern pattern, String field, String what) {
    if (value != null && !pattern.matcher(value).matches()) {
      fail(field, "\"" + value + "\" is not " + what);
    }
  }

  void maxLength(String value, int max, String field) {
    if (value != null && value.length() > max) {
      fail(field, "must be at most " + max + " characters");
    }
  }

  void size(Collection<?> list, int min, int max, String field) {
    int n = list == null ? 0 : list.size();
    if (n < min) {
      fail(field, min == 1 ? "needs at least one item" : "needs at least " + min + " items");
    } else if (n > max) {
      fail(field, "may have at most " + max + " items, has " + n);
    }
  }

  void range(Number value, long min, long max, String field) {
    if (value != null && (value.longValue() < min || value.longValue() > max)) {
      fail(field, "must be between " + min + " and " + max + ", was " + value);
    }
  }

  void duration(String value, String field) {
    if (value != null && Durations.millis(value) < 0) {
      fail(field, "\"" + value + "\" is not a duration such as 500ms, 15s, 2m or 1h30m");
    }
  }

  void positiveDuration(String value, String field) {
    duration(value, field);
    if (value != null && Durations.millis(value) == 0) {
      fail(field, dev.portcullis.api.v1alpha1.Timeouts.POSITIVE_MESSAGE);
    }
  }

  /** A rule spanning fields, with the CRD's CEL message. */
  void rule(boolean holds, String field, String message) {
    if (!holds) {
      fail(field, message);
    }
  }
}
