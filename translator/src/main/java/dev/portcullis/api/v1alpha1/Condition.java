package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** One aspect of a route's state, as in the Gateway API (metav1.Condition). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {
  @JsonPropertyDescription("Accepted, ResolvedRefs or Programmed.")
  @Required
  public String type;

  @JsonPropertyDescription("True, False or Unknown.")
  @Required
  public String status;

  @JsonPropertyDescription("A CamelCase reason, such as Accepted, BackendNotFound or Pending.")
  @Required
  public String reason;

  @JsonPropertyDescription("What it means for this route, for people.")
  public String message;

  @JsonPropertyDescription("The metadata.generation the condition was computed for.")
  public Long observedGeneration;

  @JsonPropertyDescription("When the status last changed (RFC 3339).")
  public String lastTransitionTime;

  public Condition() {}

  public Condition(String type, String status, String reason, String message, Long observedGeneration,
      String lastTransitionTime) {
    this.type = type;
    this.status = status;
    this.reason = reason;
    this.message = message;
    this.observedGeneration = observedGeneration;
    this.lastTransitionTime = lastTransitionTime;
  }

  /** Equal in everything but the transition time. */
  public boolean sameAs(Condition o) {
    return o != null && Objects.equals(type, o.type) && Objects.equals(status, o.status) && Objects.equals(reason, o.reason)
        && Objects.equals(message, o.message) && Objects.equals(observedGeneration, o.observedGeneration);
  }
}
