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

  /**
   * How a path is replaced. {@link Type#REGEX} needs a route whose path match is a regular
   * expression: the path becomes {@code value} with {@code $1} to {@code $9} (or {@code ${1}}) replaced
   * by what the expression's groups captured ({@code $0}: the whole path), as nginx's {@code rewrite}
   * does. Its value may carry a query after {@code ?}: it goes before the request's own, which a
   * trailing {@code ?} drops (nginx's rule too).
   */
  public record PathRewrite(Type type, String value) {
    public enum Type {
      @JsonProperty("ReplaceFullPath")
      FULL,
      @JsonProperty("ReplacePrefixMatch")
      PREFIX,
      @JsonProperty("ReplaceRegexMatch")
      REGEX
    }

    public PathRewrite {
      Checks.notNull(type, "type");
      Checks.notBlank(value, "value");
      if (value.charAt(0) != '/') {
        throw new ModelException("value", "must start with '/'");
      }
      if (type == Type.REGEX) {
        highestGroup(value);
      }
    }

    /** The highest group a substitution refers to; refuses a '$' that starts no reference. */
    public static int highestGroup(String template) {
      int highest = 0;
      for (int i = 0; i < template.length(); i++) {
        if (template.charAt(i) != '$') {
          continue;
        }
        int group = groupAt(template, i);
        if (group < 0) {
          throw new ModelException("value", "'$' must start a group reference ($1 to $9, or ${1}), at "
              + i + " of \"" + template + "\"");
        }
        highest = Math.max(highest, group);
      }
      return highest;
    }

    /** The group number of the reference at {@code i} ('$'), or -1. */
    private static int groupAt(String t, int i) {
      if (i + 1 < t.length() && Character.isDigit(t.charAt(i + 1))) {
        return t.charAt(i + 1) - '0';
      }
      if (i + 3 < t.length() && t.charAt(i + 1) == '{' && Character.isDigit(t.charAt(i + 2)) && t.charAt(i + 3) == '}') {
        return t.charAt(i + 2) - '0';
      }
      return -1;
    }

    /**
     * The substitution of a {@link Type#REGEX} rewrite: {@code template} with the groups of
     * {@code pattern} matching the whole {@code path}, or null when it does not match. A group that
     * took no part in the match is replaced by nothing.
     */
    public static String substitute(com.google.re2j.Pattern pattern, String path, String template) {
      com.google.re2j.Matcher m = pattern.matcher(path);
      if (!m.matches()) {
        return null;
      }
      StringBuilder out = new StringBuilder(template.length() + path.length());
      for (int i = 0; i < template.length(); i++) {
        char c = template.charAt(i);
        int group = c == '$' ? groupAt(template, i) : -1;
        if (group < 0) {
          out.append(c);
          continue;
        }
        if (group <= m.groupCount() && m.group(group) != null) {
          out.append(m.group(group));
        }
        i += template.charAt(i + 1) == '{' ? 3 : 1;
      }
      return out.toString();
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
