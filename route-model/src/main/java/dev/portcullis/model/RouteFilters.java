package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;

/**
 * What a route changes on the way: the request's headers, its Host and path, the response's
 * headers, and CORS handling. Applied in that order; null parts do nothing.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteFilters(HeaderModifier requestHeaders, HeaderModifier responseHeaders, UrlRewrite rewrite, Cors cors) {

  public static final RouteFilters NONE = new RouteFilters(null, null, null, null);

  @JsonIgnore
  public boolean isEmpty() {
    return requestHeaders == null && responseHeaders == null && rewrite == null && cors == null;
  }

  /** A header and its value. */
  public record Header(String name, String value) {
    public Header {
      Checks.notBlank(name, "name");
      Checks.notNull(value, "value");
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c == '\r' || c == '\n' || c == 0) {
          throw new ModelException("value", "must not contain CR, LF or NUL");
        }
      }
    }
  }

  /** Headers set (replacing), added (appending) and removed, by name (case-insensitive). */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record HeaderModifier(List<Header> set, List<Header> add, List<String> remove) {
    public HeaderModifier {
      set = Checks.list(set, "set");
      add = Checks.list(add, "add");
      remove = Checks.list(remove, "remove").stream().map(r -> r.toLowerCase(Locale.ROOT)).toList();
    }
  }

  /** How a path is replaced. */
  public record PathRewrite(Type type, String value) {
    public enum Type {
      @JsonProperty("ReplaceFullPath")
      FULL,
      @JsonProperty("ReplacePrefixMatch")
      PREFIX
    }

    public PathRewrite {
      Checks.notNull(type, "type");
      Checks.notBlank(value, "value");
      if (value.charAt(0) != '/') {
        throw new ModelException("value", "must start with '/'");
      }
    }
  }

  /** The Host and the path sent upstream. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record UrlRewrite(String hostname, PathRewrite path) {
    public UrlRewrite {
      if (hostname == null && path == null) {
        throw new ModelException("", "a rewrite needs a hostname or a path");
      }
    }
  }

  /**
   * Cross-origin resource sharing at the edge: preflights are answered here, and actual requests
   * from allowed origins get the Access-Control headers on their responses.
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Cors(List<String> allowOrigins, List<String> allowMethods, List<String> allowHeaders,
      List<String> exposeHeaders, boolean allowCredentials, int maxAgeSeconds) {
    public Cors {
      allowOrigins = Checks.list(allowOrigins, "allowOrigins");
      allowMethods = Checks.list(allowMethods, "allowMethods");
      allowHeaders = Checks.list(allowHeaders, "allowHeaders");
      exposeHeaders = Checks.list(exposeHeaders, "exposeHeaders");
      if (allowOrigins.isEmpty()) {
        throw new ModelException("allowOrigins", "must name at least one origin");
      }
      if (allowCredentials && allowOrigins.contains("*")) {
        throw new ModelException("allowCredentials", "cannot be used with the origin *");
      }
      Checks.inRange(maxAgeSeconds, 0, 86400, "maxAgeSeconds");
    }
  }
}
