package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Locale;

/**
 * Everything a request must satisfy for a route to apply: its path, and optionally its method,
 * headers and query parameters (all must hold).
 *
 * @param path        the path condition
 * @param headers     header conditions (names in lower case)
 * @param queryParams query parameter conditions (the first value of a repeated parameter counts)
 * @param method      the method, upper case, or null for any
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record RouteMatch(PathMatch path, List<ValueMatch> headers, List<ValueMatch> queryParams, String method) {

  public RouteMatch {
    Checks.notNull(path, "path");
    headers = Checks.list(headers, "headers");
    queryParams = Checks.list(queryParams, "queryParams");
    for (int i = 0; i < headers.size(); i++) {
      if (!headers.get(i).name().equals(headers.get(i).name().toLowerCase(Locale.ROOT))) {
        throw new ModelException("headers[" + i + "].name", "must be lower case");
      }
    }
    if (method != null && (method.isEmpty() || !method.equals(method.toUpperCase(Locale.ROOT)))) {
      throw new ModelException("method", "must be an upper-case method name, was \"" + method + "\"");
    }
  }

  public static RouteMatch path(PathMatch path) {
    return new RouteMatch(path, List.of(), List.of(), null);
  }

  /** True when only the path is tested. */
  public boolean pathOnly() {
    return headers.isEmpty() && queryParams.isEmpty() && method == null;
  }
}
