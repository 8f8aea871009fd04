package dev.portcullis.model;

/**
 * Everything a request must satisfy for a route to apply. Only the path for now; header, query
 * and method conditions join it with the ProxyRoute resource.
 */
public record RouteMatch(PathMatch path) {

  public RouteMatch {
    Checks.notNull(path, "path");
  }

  public static RouteMatch path(PathMatch path) {
    return new RouteMatch(path);
  }
}
