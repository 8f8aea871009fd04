package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a cluster spreads requests over its endpoints. */
public enum BalancerPolicy {
  @JsonProperty("RoundRobin")
  ROUND_ROBIN,
  @JsonProperty("LeastRequest")
  LEAST_REQUEST,
  @JsonProperty("Random")
  RANDOM,
  @JsonProperty("EWMA")
  EWMA,
  @JsonProperty("ConsistentHash")
  CONSISTENT_HASH
}
