package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Caching of responses at the edge (RFC 9111 shared cache). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Cache {
  @JsonPropertyDescription("Cache the rule's responses as their Cache-Control allows.")
  public Boolean enabled;
}
