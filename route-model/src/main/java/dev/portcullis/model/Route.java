package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One routing rule of a virtual host.
 *
 * @param name     unique within its virtual host, derived from the source object
 *                 (e.g. {@code ingress/default/shop/rule/0/path/1})
 * @param match    what the request must satisfy
 * @param action   what happens to a matching request
 * @param timeouts time limits for proxied requests
 * @param source   the object and field the route was made from
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Route(String name, RouteMatch match, RouteAction action, Timeouts timeouts, SourceRef source) {

  public Route {
    Checks.notBlank(name, "name");
    Checks.notNull(match, "match");
    Checks.notNull(action, "action");
    timeouts = timeouts == null ? Timeouts.DEFAULT : timeouts;
  }
}
