package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** A change to matching requests or their responses. Which fields apply depends on the type. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = Filter.HEADER_FIELDS_RULE, message = Filter.HEADER_FIELDS_MESSAGE)
@ValidationRule(value = Filter.REWRITE_FIELDS_RULE, message = Filter.REWRITE_FIELDS_MESSAGE)
@ValidationRule(value = Filter.REDIRECT_FIELDS_RULE, message = Filter.REDIRECT_FIELDS_MESSAGE)
@ValidationRule(value = Filter.HOST_PATH_OWNERS_RULE, message = Filter.HOST_PATH_OWNERS_MESSAGE)
@ValidationRule(value = Filter.REDIRECT_OWNERS_RULE, message = Filter.REDIRECT_OWNERS_MESSAGE)
@ValidationRule(value = Filter.STATUS_RULE, message = Filter.STATUS_MESSAGE)
@ValidationRule(value = Filter.CORS_FIELDS_RULE, message = Filter.CORS_FIELDS_MESSAGE)
@ValidationRule(value = Filter.CORS_OWNERS_RULE, message = Filter.CORS_OWNERS_MESSAGE)
@ValidationRule(value = Filter.CORS_CREDENTIALS_RULE, message = Filter.CORS_CREDENTIALS_MESSAGE)
public class Filter {

  public static final String HEADER_FIELDS_MESSAGE = "RequestHeaderModifier and ResponseHeaderModifier need set, add or remove, and only they take them";
  public static final String REWRITE_FIELDS_MESSAGE = "URLRewrite needs hostname or path";
  public static final String REDIRECT_FIELDS_MESSAGE = "RequestRedirect needs scheme, hostname, port or path";
  public static final String HOST_PATH_OWNERS_MESSAGE = "hostname and path belong to URLRewrite and RequestRedirect";
  public static final String REDIRECT_OWNERS_MESSAGE = "scheme, port and statusCode belong to RequestRedirect";
  public static final String STATUS_MESSAGE = "statusCode must be 301, 302, 303, 307 or 308";
  public static final String CORS_FIELDS_MESSAGE = "CORS needs allowOrigins";
  public static final String CORS_OWNERS_MESSAGE = "allowOrigins, allowMethods, allowHeaders, exposeHeaders, allowCredentials and maxAge belong to CORS";
  public static final String CORS_CREDENTIALS_MESSAGE = "allowCredentials cannot be used with the origin *";

  public static final String HEADER_FIELDS_RULE = "(self.type == 'RequestHeaderModifier' || self.type == 'ResponseHeaderModifier')"
      + " == (has(self.set) || has(self.add) || has(self.remove))";
  public static final String REWRITE_FIELDS_RULE = "self.type != 'URLRewrite' || has(self.hostname) || has(self.path)";
  public static final String REDIRECT_FIELDS_RULE = "self.type != 'RequestRedirect' || has(self.scheme) || has(self.hostname)"
      + " || has(self.port) || has(self.path)";
  public static final String HOST_PATH_OWNERS_RULE = "self.type == 'URLRewrite' || self.type == 'RequestRedirect'"
      + " || (!has(self.hostname) && !has(self.path))";
  public static final String REDIRECT_OWNERS_RULE = "self.type == 'RequestRedirect'"
      + " || (!has(self.scheme) && !has(self.port) && !has(self.statusCode))";
  public static final String STATUS_RULE = "!has(self.statusCode) || self.statusCode in [301, 302, 303, 307, 308]";
  public static final String CORS_FIELDS_RULE = "self.type != 'CORS' || (has(self.allowOrigins) && size(self.allowOrigins) > 0)";
  public static final String CORS_OWNERS_RULE = "self.type == 'CORS' || (!has(self.allowOrigins) && !has(self.allowMethods)"
      + " && !has(self.allowHeaders) && !has(self.exposeHeaders) && !has(self.allowCredentials) && !has(self.maxAge))";
  public static final String CORS_CREDENTIALS_RULE = "!(has(self.allowCredentials) && self.allowCredentials"
      + " && has(self.allowOrigins) && self.allowOrigins.exists(o, o == '*'))";

  /** The kinds of filter. */
  public enum Type { RequestHeaderModifier, ResponseHeaderModifier, URLRewrite, RequestRedirect, CORS }

  /** How a path is replaced. */
  public enum PathModifierType { ReplaceFullPath, ReplacePrefixMatch }

  /** Redirect schemes. */
  public enum Scheme {
    @JsonProperty("http")
    HTTP,
    @JsonProperty("https")
    HTTPS
  }

  @JsonPropertyDescription("RequestHeaderModifier, ResponseHeaderModifier, URLRewrite, RequestRedirect or CORS.")
  @Required
  public Type type;

  @JsonPropertyDescription("Header modifiers: headers to set, replacing any value.")
  @Size(max = 16)
  public List<Header> set = new ArrayList<>();

  @JsonPropertyDescription("Header modifiers: headers to add, keeping existing values.")
  @Size(max = 16)
  public List<Header> add = new ArrayList<>();

  @JsonPropertyDescription("Header modifiers: names of headers to remove.")
  @Size(max = 16)
  public List<@Pattern(Match.HEADER_NAME_PATTERN) String> remove = new ArrayList<>();

  @JsonPropertyDescription("URLRewrite: the Host sent upstream. RequestRedirect: the host to redirect to.")
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
  @Size(max = 253)
  public String hostname;

  @JsonPropertyDescription("URLRewrite and RequestRedirect: how the path changes.")
  public PathModifier path;

  @JsonPropertyDescription("RequestRedirect: http or https.")
  public Scheme scheme;

  @JsonPropertyDescription("RequestRedirect: the port to redirect to (default: the scheme's, left out of the URL).")
  @Min(1)
  @Max(65535)
  public Integer port;

  @JsonPropertyDescription("RequestRedirect: 301, 302, 303, 307 or 308. Default: 302.")
  public Integer statusCode;

  @JsonPropertyDescription("CORS: allowed origins: exact (https://app.example.com), with a wildcard host label "
      + "(https://*.example.com), or * for any.")
  @Size(max = 64)
  public List<String> allowOrigins = new ArrayList<>();

  @JsonPropertyDescription("CORS: allowed methods, or * for any.")
  @Size(max = 16)
  public List<String> allowMethods = new ArrayList<>();

  @JsonPropertyDescription("CORS: allowed request headers, or * for any.")
  @Size(max = 64)
  public List<String> allowHeaders = new ArrayList<>();

  @JsonPropertyDescription("CORS: response headers the browser may expose to scripts.")
  @Size(max = 64)
  public List<String> exposeHeaders = new ArrayList<>();

  @JsonPropertyDescription("CORS: whether credentials (cookies, Authorization) may be sent.")
  public Boolean allowCredentials;

  @JsonPropertyDescription("CORS: how long, in seconds, a browser may cache the preflight answer.")
  @Min(0)
  @Max(86400)
  public Integer maxAge;

  /** A header name and value. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Header {
    @JsonPropertyDescription("The header name.")
    @Required
    @Size(min = 1, max = 256)
    @Pattern(Match.HEADER_NAME_PATTERN)
    public String name;

    @JsonPropertyDescription("The value.")
    @Required
    @Size(max = 4096)
    public String value;
  }

  /** A path replacement. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "self.value.startsWith('/')", message = "the replacement path must start with '/'")
  public static class PathModifier {
    @JsonPropertyDescription("ReplaceFullPath replaces the whole path; ReplacePrefixMatch replaces the part the "
        + "rule's PathPrefix matched.")
    @Required
    public PathModifierType type;

    @JsonPropertyDescription("The new path, or the prefix to put in place of the matched one.")
    @Required
    @Size(min = 1, max = 1024)
    public String value;
  }
}
