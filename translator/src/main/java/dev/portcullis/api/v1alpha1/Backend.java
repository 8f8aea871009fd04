package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A Service port that receives a share of a rule's requests. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Backend {

  @JsonPropertyDescription("The Service's name.")
  @Required
  @Size(max = 63)
  @Pattern("^[a-z]([-a-z0-9]*[a-z0-9])?$")
  public String service;

  @JsonPropertyDescription("The Service's namespace, when not the route's own. The Service must allow it with the "
      + "annotation portcullis.dev/allowed-route-namespaces (a comma-separated list of namespaces, or *).")
  @Size(max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  public String namespace;

  @JsonPropertyDescription("The Service port (its port number, not the target port).")
  @Required
  @Min(1)
  @Max(65535)
  public Integer port;

  @JsonPropertyDescription("The backend's share of the rule's requests, relative to the other backends' weights. "
      + "0 sends it nothing. Default: 1.")
  @Min(0)
  @Max(1000000)
  public Integer weight;
}
