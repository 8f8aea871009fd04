package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/**
 * A condition on a request header or query parameter.
 *
 * @param name  header names are stored in lower case (they compare case-insensitively); query
 *              parameter names as given (they compare exactly)
 * @param type  exact comparison, or an RE2 expression that must match the whole value
 * @param value the value or expression
 */
public record ValueMatch(String name, Type type, String value) {

  public enum Type {
    @JsonProperty("Exact")
    EXACT,
    @JsonProperty("RegularExpression")
    REGEX
  }

  public ValueMatch {
    Checks.notBlank(name, "name");
    Checks.notNull(type, "type");
    Checks.notNull(value, "value");
    if (name.length() > 256) {
      throw new ModelException("name", "must be at most 256 characters");
    }
    if (value.length() > 4096) {
      throw new ModelException("value", "must be at most 4096 characters");
    }
    if (type == Type.REGEX) {
      Regex.compile(value, "value");
    }
  }

  public static ValueMatch header(String name, Type type, String value) {
    return new ValueMatch(name.toLowerCase(Locale.ROOT), type, value);
  }
}
