package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One routing rule of a virtual host.
 *
 * @param name     unique within its virtual host, derived from the source object
 *                 (e.g. {@code ingress/default/shop/rule/0/path/1})
 * @param match    what the request must satisfy
 * @param action   what happens to a matching request
 * @param filters  what changes on the way (null: nothing)
 * @param policies retries, cache, rate limit, access (null: none)
 * @param timeouts time limits for proxied requests
 * @param source   the object and field the route was made from
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Route(String name, RouteMatch match, RouteAction action, RouteFilters filters, RoutePolicies policies,
    Timeouts timeouts, SourceRef source) {

  public Route {
    Checks.notBlank(name, "name");
    Checks.notNull(match, "match");
    Checks.notNull(action, "action");
    filters = filters == null || filters.isEmpty() ? null : filters;
    policies = policies == null || policies.isEmpty() ? null : policies;
    timeouts = timeouts == null ? Timeouts.DEFAULT : timeouts;
    if (filters != null && filters.rewrite() != null && filters.rewrite().path() != null
        && filters.rewrite().path().type() == RouteFilters.PathRewrite.Type.PREFIX
        && match.path().type() != PathMatch.Type.PREFIX) {
      throw new ModelException("filters.rewrite.path", "ReplacePrefixMatch needs a Prefix path match");
    }
    if (action instanceof RouteAction.Redirect r && r.path() != null
        && r.path().type() == RouteFilters.PathRewrite.Type.PREFIX && match.path().type() != PathMatch.Type.PREFIX) {
      throw new ModelException("action.path", "ReplacePrefixMatch needs a Prefix path match");
    }
    if (filters != null && filters.rewrite() != null && filters.rewrite().path() != null) {
      checkRegexRewrite(filters.rewrite().path(), match.path(), "filters.rewrite.path");
    }
    if (action instanceof RouteAction.Redirect r && r.path() != null) {
      checkRegexRewrite(r.path(), match.path(), "action.path");
    }
  }

  /** A ReplaceRegexMatch needs a regular expression to take its groups from, with the groups it names. */
  private static void checkRegexRewrite(RouteFilters.PathRewrite rewrite, PathMatch path, String field) {
    if (rewrite.type() != RouteFilters.PathRewrite.Type.REGEX) {
      return;
    }
    if (path.type() != PathMatch.Type.REGEX) {
      throw new ModelException(field, "ReplaceRegexMatch needs a RegularExpression path match");
    }
    int groups = Regex.compile(path.value(), "match.path.value").groupCount();
    int wanted = RouteFilters.PathRewrite.highestGroup(rewrite.value());
    if (wanted > groups) {
      throw new ModelException(field, "refers to group " + wanted + " but the path expression has " + groups);
    }
  }

  /** A route without filters or policies. */
  public Route(String name, RouteMatch match, RouteAction action, Timeouts timeouts, SourceRef source) {
    this(name, match, action, null, null, timeouts, source);
  }

  /** Filters, never null. */
  public RouteFilters filtersOrNone() {
    return filters == null ? RouteFilters.NONE : filters;
  }

  /** Policies, never null. */
  public RoutePolicies policiesOrNone() {
    return policies == null ? RoutePolicies.NONE : policies;
  }
}
