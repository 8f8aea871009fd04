package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A set of interchangeable upstream endpoints (a Service port) and how to reach them.
 *
 * @param name             unique in the table, derived from the source, e.g. {@code service/default/web/port/80}
 * @param endpoints        ready endpoints; empty means requests routed here get a 503
 * @param balancer         how requests are spread over the endpoints
 * @param connectTimeoutMs how long to wait for a TCP connection to an endpoint
 * @param source           the Service (and port) the cluster was made from
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Cluster(String name, List<Endpoint> endpoints, BalancerPolicy balancer, long connectTimeoutMs,
    SourceRef source) {

  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

  public Cluster {
    Checks.notBlank(name, "name");
    endpoints = Checks.list(endpoints, "endpoints");
    balancer = balancer == null ? BalancerPolicy.ROUND_ROBIN : balancer;
    if (connectTimeoutMs <= 0) {
      throw new ModelException("connectTimeoutMs", "must be positive, was " + connectTimeoutMs);
    }
  }
}
