package dev.portcullis.dataplane.upstream;

import dev.portcullis.model.Endpoint;

/** Picks an endpoint for each request. Implementations are shared by all event loops: no locks. */
public interface Balancer {

  /** The endpoint for the next request, or null when there is none. */
  Endpoint pick();
}
