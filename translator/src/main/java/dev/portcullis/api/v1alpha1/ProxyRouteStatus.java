package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** What the controller says about a ProxyRoute. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ProxyRouteStatus {

  @JsonPropertyDescription("Accepted: the route is valid and ours (a partly invalid route stays Accepted for its "
      + "valid rules, with the reason). ResolvedRefs: every backend Service and port resolved. Programmed: every "
      + "connected data plane acknowledged a route table that contains this generation.")
  public List<Condition> conditions = new ArrayList<>();
}
