package dev.portcullis.dataplane.routing;

import dev.portcullis.model.RouteFilters;
import java.util.List;
import java.util.Locale;

/** A route's CORS settings, compiled for the hot path. */
public final class CorsPolicy {
  private final boolean anyOrigin;
  private final List<String> exactOrigins;
  /** {@code https://*.example.com} split into scheme+"://" and ".example.com". */
  private final List<String[]> wildcardOrigins;
  private final String allowMethods;
  private final boolean anyMethod;
  private final List<String> methods;
  private final String allowHeaders;
  private final String exposeHeaders;
  private final boolean allowCredentials;
  private final String maxAge;

  CorsPolicy(RouteFilters.Cors cors) {
    anyOrigin = cors.allowOrigins().contains("*");
    exactOrigins = cors.allowOrigins().stream().filter(o -> !o.contains("*")).map(o -> o.toLowerCase(Locale.ROOT)).toList();
    wildcardOrigins = cors.allowOrigins().stream().filter(o -> o.contains("*.")).map(o -> {
      int star = o.indexOf("*.");
      return new String[] {o.substring(0, star).toLowerCase(Locale.ROOT), o.substring(star + 1).toLowerCase(Locale.ROOT)};
    }).toList();
    anyMethod = cors.allowMethods().contains("*");
    methods = cors.allowMethods().stream().map(m -> m.toUpperCase(Locale.ROOT)).toList();
    allowMethods = cors.allowMethods().isEmpty() ? "GET, HEAD, POST" : String.join(", ", cors.allowMethods());
    allowHeaders = cors.allowHeaders().isEmpty() ? null : String.join(", ", cors.allowHeaders());
    exposeHeaders = cors.exposeHeaders().isEmpty() ? null : String.join(", ", cors.exposeHeaders());
    allowCredentials = cors.allowCredentials();
    maxAge = cors.maxAgeSeconds() > 0 ? Integer.toString(cors.maxAgeSeconds()) : null;
  }

  /** True if the Origin header value is allowed. */
  public boolean allows(String origin) {
    if (origin == null) {
      return false;
    }
    if (anyOrigin) {
      return true;
    }
    String o = origin.toLowerCase(Locale.ROOT);
    if (exactOrigins.contains(o)) {
      return true;
    }
    for (String[] w : wildcardOrigins) {
      // scheme://*.example.com: exactly one more label, as hosts match elsewhere.
      if (o.startsWith(w[0]) && o.endsWith(w[1])) {
        String label = o.substring(w[0].length(), o.length() - w[1].length());
        if (!label.isEmpty() && label.indexOf('.') < 0 && label.indexOf('/') < 0) {
          return true;
        }
      }
    }
    return false;
  }

  /** True if a preflight may ask for this method. */
  public boolean allowsMethod(String method) {
    return anyMethod || methods.isEmpty() && List.of("GET", "HEAD", "POST").contains(method) || methods.contains(method);
  }

  /** The Access-Control-Allow-Origin value for an allowed origin. */
  public String allowOrigin(String origin) {
    return anyOrigin && !allowCredentials ? "*" : origin;
  }

  public String allowMethods() {
    return anyMethod ? null : allowMethods;
  }

  public String allowHeaders() {
    return allowHeaders;
  }

  public String exposeHeaders() {
    return exposeHeaders;
  }

  public boolean allowCredentials() {
    return allowCredentials;
  }

  public String maxAge() {
    return maxAge;
  }
}
