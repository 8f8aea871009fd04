package dev.portcullis.model;

import java.util.List;

/** Small argument checks shared by the records' compact constructors. */
final class Checks {
  private Checks() {}

  static String notBlank(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new ModelException(field, "must not be empty");
    }
    return value;
  }

  static <T> T notNull(T value, String field) {
    if (value == null) {
      throw new ModelException(field, "is required");
    }
    return value;
  }

  static <T> List<T> list(List<T> value, String field) {
    if (value == null) {
      return List.of();
    }
    for (int i = 0; i < value.size(); i++) {
      if (value.get(i) == null) {
        throw new ModelException(field + "[" + i + "]", "must not be null");
      }
    }
    return List.copyOf(value);
  }

  static long nonNegative(long value, String field) {
    if (value < 0) {
      throw new ModelException(field, "must not be negative, was " + value);
    }
    return value;
  }

  static int inRange(int value, int min, int max, String field) {
    if (value < min || value > max) {
      throw new ModelException(field, "must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }
}
