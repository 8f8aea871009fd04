package dev.portcullis.model;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/** Regular expressions as routes use them: RE2 syntax, matched in linear time, always against the whole input. */
public final class Regex {
  private Regex() {}

  /** Compiles, or throws a {@link ModelException} naming the field. */
  public static Pattern compile(String regex, String field) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new ModelException(field, "invalid regular expression: " + e.getDescription());
    }
  }

  /** Null when the expression is valid, else why not. */
  public static String problem(String regex) {
    try {
      Pattern.compile(regex);
      return null;
    } catch (PatternSyntaxException e) {
      return e.getDescription();
    }
  }
}
