package dev.portcullis.dataplane.upstream;

/**
 * Picks an endpoint for each request among the available ones. Implementations are shared by all
 * event loops: lock-free.
 */
public interface Balancer {

  /**
   * @param candidates the endpoints that may take the request (never empty)
   * @param hashKey    the request's hash key for consistent hashing (null: none)
   * @return the chosen endpoint
   */
  EndpointState pick(EndpointState[] candidates, String hashKey);
}
