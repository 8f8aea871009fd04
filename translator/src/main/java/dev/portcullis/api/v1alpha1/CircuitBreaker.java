package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * Limits on what each data-plane replica sends the rule's backends at once; beyond them requests
 * get a 503 at once instead of piling onto an overloaded backend.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CircuitBreaker {
  @JsonPropertyDescription("Upstream connections in use per backend (HTTP/1.1 backends: one per request in "
      + "flight). Default: 8192.")
  @Min(1)
  @Max(1000000)
  public Integer maxConnections;

  @JsonPropertyDescription("Requests waiting for an upstream connection per backend. Default: 4096.")
  @Min(0)
  @Max(1000000)
  public Integer maxPendingRequests;

  @JsonPropertyDescription("Requests in flight per backend (h2c backends). Default: 8192.")
  @Min(1)
  @Max(1000000)
  public Integer maxRequests;
}
