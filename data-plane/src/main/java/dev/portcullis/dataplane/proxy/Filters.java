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

  /**
   * The path after a rewrite: replaced whole, its matched prefix replaced (Gateway API
   * ReplacePrefixMatch), or the substitution of the route's expression (ReplaceRegexMatch, which may
   * add a query: see {@link #withQuery}).
   *
   * @param pattern     the route's path expression, for ReplaceRegexMatch
   * @param routingPath the path the route was matched with (path parameters left out), tried when
   *                    the expression does not match the path itself
   */
  static String rewritePath(RouteFilters.PathRewrite rewrite, String path, String matchedPrefix,
      com.google.re2j.Pattern pattern, String routingPath) {
    if (rewrite != null && rewrite.type() == RouteFilters.PathRewrite.Type.REGEX) {
      String out = pattern == null ? null : RouteFilters.PathRewrite.substitute(pattern, path, rewrite.value());
      if (out == null && pattern != null && routingPath != null) {
        out = RouteFilters.PathRewrite.substitute(pattern, routingPath, rewrite.value());
      }
      return out == null ? path : out;
    }
    return rewritePath(rewrite, path, matchedPrefix);
  }

  /**
   * A rewritten target and the request's query, as nginx's {@code rewrite} joins them: a target
   * with a query of its own keeps it and gets the request's after an '&amp;', unless it ends with
   * '?', which drops the request's.
   */
  static String withQuery(String target, String query) {
    int q = target.indexOf('?');
    if (q < 0) {
      return query == null || query.isEmpty() ? target : target + "?" + query;
    }
    if (q == target.length() - 1) {
      return target.substring(0, q);
    }
    return query == null || query.isEmpty() ? target : target + "&" + query;
  }

  /** The path after a rewrite: replaced whole, or its matched prefix replaced (Gateway API ReplacePrefixMatch). */
  static String rewritePath(RouteFilters.PathRewrite rewrite, String path, String matchedPrefix) {
    if (rewrite == null) {
      return path;
    }
    if (rewrite.type() == RouteFilters.PathRewrite.Type.FULL || rewrite.type() == RouteFilters.PathRewrite.Type.REGEX) {
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
    return location(r, request, hostHeader, path, query, matchedPrefix, null);
  }

  static String location(RouteAction.Redirect r, HttpServerRequest request, String hostHeader, String path,
      String query, String matchedPrefix, com.google.re2j.Pattern pattern) {
    String requestScheme = request.isSSL() ? "https" : "http";
    String scheme = r.scheme() != null ? r.scheme() : requestScheme;
    String host = r.hostname() != null ? r.hostname() : hostOnly(hostHeader);
    Integer port = r.port();
    if (port == null && r.scheme() == null) {
      // Same scheme: keep the port the client used.
      port = portOf(hostHeader);
    }
    boolean defaultPort = port == null || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
    String newPath = r.path() == null ? path : rewritePath(r.path(), path, matchedPrefix, pattern, null);
    StringBuilder sb = new StringBuilder(scheme).append("://").append(host);
    if (!defaultPort) {
      sb.append(':').append(port);
    }
    if (Boolean.TRUE.equals(r.dropQuery())) {
      sb.append(newPath);
    } else if (r.path() != null && r.path().type() == RouteFilters.PathRewrite.Type.REGEX) {
      sb.append(withQuery(newPath, query));
    } else {
      sb.append(newPath);
      if (query != null && !query.isEmpty()) {
        sb.append('?').append(query);
      }
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
