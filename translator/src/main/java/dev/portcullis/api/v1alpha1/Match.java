package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Conditions a request must all satisfy. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class Match {

  /** Header field names (RFC 9110 tokens). */
  public static final String HEADER_NAME_PATTERN = "^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$";

  @JsonPropertyDescription("The path condition. Default: PathPrefix /.")
  public PathMatch path;

  @JsonPropertyDescription("Header conditions; all must hold.")
  @Size(max = 16)
  public List<ValueMatch> headers = new ArrayList<>();

  @JsonPropertyDescription("Query parameter conditions; all must hold.")
  @Size(max = 16)
  public List<ValueMatch> queryParams = new ArrayList<>();

  @JsonPropertyDescription("The HTTP method.")
  public Method method;

  /** HTTP methods. */
  public enum Method { GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH }

  /** How the path is compared. */
  public enum PathType { Exact, PathPrefix, RegularExpression }

  /** How a value is compared. */
  public enum ValueType { Exact, RegularExpression }

  /** A path condition. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "(has(self.type) && self.type == 'RegularExpression') || !has(self.value)"
      + " || self.value.startsWith('/')", message = "Exact and PathPrefix paths must start with '/'")
  public static class PathMatch {
    @JsonPropertyDescription("Exact (the whole path), PathPrefix (element by element: /foo matches /foo and "
        + "/foo/bar, not /foobar) or RegularExpression (RE2-style syntax, matching the whole path). "
        + "Default: PathPrefix.")
    public PathType type;

    @JsonPropertyDescription("The path, or the regular expression. Default: /.")
    @Size(max = 1024)
    public String value;
  }

  /** A header or query parameter condition. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ValueMatch {
    @JsonPropertyDescription("The header (case-insensitive) or query parameter (case-sensitive) name.")
    @Required
    @Size(min = 1, max = 256)
    @Pattern(HEADER_NAME_PATTERN)
    public String name;

    @JsonPropertyDescription("Exact or RegularExpression. Default: Exact.")
    public ValueType type;

    @JsonPropertyDescription("The value, or the regular expression it must match whole.")
    @Required
    @Size(max = 4096)
    public String value;
  }
}
