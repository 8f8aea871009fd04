package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a route matches the request path.
 *
 * <p>{@link Type#EXACT} compares the whole (normalised) request path with {@code value}.
 * {@link Type#PREFIX} matches element by element: {@code /foo} matches {@code /foo},
 * {@code /foo/} and {@code /foo/bar}, never {@code /foobar}. A prefix is stored without its
 * trailing slash ({@code /foo/} and {@code /foo} are the same prefix); the root prefix is {@code /}.
 * {@link Type#REGEX} is an RE2 expression that must match the whole path.
 */
public record PathMatch(Type type, String value) {

  public enum Type {
    @JsonProperty("Exact")
    EXACT,
    @JsonProperty("Prefix")
    PREFIX,
    @JsonProperty("RegularExpression")
    REGEX
  }

  public PathMatch {
    Checks.notNull(type, "type");
    Checks.notBlank(value, "value");
    if (type == Type.REGEX) {
      if (value.length() > 1024) {
        throw new ModelException("value", "must be at most 1024 characters");
      }
      Regex.compile(value, "value");
    } else {
      checkPath(value);
      if (type == Type.PREFIX) {
        value = canonicalPrefix(value);
      }
    }
  }

  private static void checkPath(String value) {
    if (value.charAt(0) != '/') {
      throw new ModelException("value", "must start with '/', was \"" + value + "\"");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= 0x20 || c == 0x7f || c == '?' || c == '#') {
        throw new ModelException("value", "must not contain whitespace, control characters, '?' or '#'");
      }
    }
  }

  public static PathMatch exact(String value) {
    return new PathMatch(Type.EXACT, value);
  }

  public static PathMatch prefix(String value) {
    return new PathMatch(Type.PREFIX, value);
  }

  public static PathMatch regex(String value) {
    return new PathMatch(Type.REGEX, value);
  }

  /** {@code /foo/} → {@code /foo}; {@code /} stays {@code /}. */
  static String canonicalPrefix(String value) {
    int end = value.length();
    while (end > 1 && value.charAt(end - 1) == '/') {
      end--;
    }
    return value.substring(0, end);
  }
}
