package dev.portcullis.dataplane.proxy;

import dev.portcullis.dataplane.routing.CorsPolicy;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteFilters;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/** The routing filters: header changes, path and redirect arithmetic, and CORS. */
final class Filters {
  private Filters() {}

  /** Sets (replacing), adds, then removes, as the Gateway API's header filters do. */
  static void apply(RouteFilters.HeaderModifier modifier, MultiMap headers) {
    if (modifier == null) {
      return;
    }
    for (RouteFilters.Header h : modifier.set()) {
      headers.set(h.name(), h.value());
    }
    for (RouteFilters.Header h : modifier.add()) {
      headers.add(h.name(), h.value());
    }
    for (String name : modifier.remove()) {
      headers.remove(name);
    }
  }

  /** The path after a rewrite: replaced whole, or its matched prefix replaced (Gateway API ReplacePrefixMatch). */
  static String rewritePath(RouteFilters.PathRewrite rewrite, String path, String matchedPrefix) {
    if (rewrite == null) {
      return path;
    }
    if (rewrite.type() == RouteFilters.PathRewrite.Type.FULL) {
      return rewrite.value();
    }
    String replacement = rewrite.value();
    String base = replacement.endsWith("/") ? replacement.substring(0, replacement.length() - 1) : replacement;
    String rest = matchedPrefix == null || "/".equals(matchedPrefix) ? path : path.substring(matchedPrefix.length());
    String out = base + rest;
    if (out.isEmpty()) {
      return "/";
    }
    if (rest.isEmpty() && replacement.endsWith("/") && !out.endsWith("/")) {
      out += "/";
    }
    return out;
  }

  /** The Location of a redirect: the request's URL with the redirect's parts put in. */
  static String location(RouteAction.Redirect r, HttpServerRequest request, String hostHeader, String path,
      String query, String matchedPrefix) {
    String requestScheme = request.isSSL() ? "https" : "http";
    String scheme = r.scheme() != null ? r.scheme() : requestScheme;
    String host = r.hostname() != null ? r.hostname() : hostOnly(hostHeader);
    Integer port = r.port();
    if (port == null && r.scheme() == null) {
      // Same scheme: keep the port the client used.
      port = portOf(hostHeader);
    }
    boolean defaultPort = port == null || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
    String newPath = r.path() == null ? path : rewritePath(r.path(), path, matchedPrefix);
    StringBuilder sb = new StringBuilder(scheme).append("://").append(host);
    if (!defaultPort) {
      sb.append(':').append(port);
    }
    sb.append(newPath);
    if (query != null && !query.isEmpty()) {
      sb.append('?').append(query);
    }
    return sb.toString();
  }

  static String hostOnly(String hostHeader) {
    if (hostHeader.startsWith("[")) {
      int close = hostHeader.indexOf(']');
      return close < 0 ? hostHeader : hostHeader.substring(0, close + 1);
    }
    int colon = hostHeader.lastIndexOf(':');
    return colon < 0 ? hostHeader : hostHeader.substring(0, colon);
  }

  static Integer portOf(String hostHeader) {
    int colon = hostHeader.lastIndexOf(':');
    if (colon < 0 || colon < hostHeader.lastIndexOf(']')) {
      return null;
    }
    try {
      return Integer.parseInt(hostHeader.substring(colon + 1));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** True for a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
  static boolean isPreflight(HttpServerRequest request) {
    return request.method() == io.vertx.core.http.HttpMethod.OPTIONS && request.getHeader("origin") != null
        && request.getHeader("access-control-request-method") != null;
  }

  /**
   * Answers a preflight at the edge: 204, with the Access-Control-Allow headers when the origin and
   * method are allowed (without them, the browser refuses the actual request).
   */
  static void preflight(CorsPolicy cors, HttpServerRequest request) {
    HttpServerResponse response = request.response();
    String origin = request.getHeader("origin");
    String method = request.getHeader("access-control-request-method");
    MultiMap h = response.headers();
    h.add("vary", "Origin");
    if (cors.allows(origin) && cors.allowsMethod(method)) {
      h.set("access-control-allow-origin", cors.allowOrigin(origin));
      h.set("access-control-allow-methods", cors.allowMethods() != null ? cors.allowMethods() : method);
      String requested = request.getHeader("access-control-request-headers");
      if (cors.allowHeaders() != null) {
        h.set("access-control-allow-headers", cors.allowHeaders().equals("*") && requested != null ? requested
            : cors.allowHeaders());
      }
      if (cors.allowCredentials()) {
        h.set("access-control-allow-credentials", "true");
      }
      if (cors.maxAge() != null) {
        h.set("access-control-max-age", cors.maxAge());
      }
    }
    response.setStatusCode(204).end();
  }

  /** Adds the CORS headers an actual cross-origin request's response needs. */
  static void corsResponse(CorsPolicy cors, HttpServerRequest request, MultiMap responseHeaders) {
    String origin = request.getHeader("origin");
    if (origin == null) {
      return;
    }
    responseHeaders.add("vary", "Origin");
    if (!cors.allows(origin)) {
      return;
    }
    responseHeaders.set("access-control-allow-origin", cors.allowOrigin(origin));
    if (cors.allowCredentials()) {
      responseHeaders.set("access-control-allow-credentials", "true");
    }
    if (cors.exposeHeaders() != null) {
      responseHeaders.set("access-control-expose-headers", cors.exposeHeaders());
    }
  }
}
