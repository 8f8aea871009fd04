package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** Ejection of endpoints that keep failing. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OutlierDetection {
  @JsonPropertyDescription("Consecutive 5xx answers or connection failures that eject an endpoint. Default: 5.")
  @Min(1)
  @Max(1000)
  public Integer consecutive5xx;

  @JsonPropertyDescription("How long an endpoint must do well, after an ejection ends, for its next ejection to be "
      + "one step shorter again (Envoy's interval: each ejection in a row lasts longer). Ejections themselves are "
      + "decided at each answer and end exactly when due. Default: 10s.")
  @Pattern(Timeouts.DURATION)
  @ValidationRule(value = Timeouts.POSITIVE_RULE, message = Timeouts.POSITIVE_MESSAGE)
  public String interval;

  @JsonPropertyDescription("The first ejection's length; each further one lasts longer. Default: 30s.")
  @Pattern(Timeouts.DURATION)
  @ValidationRule(value = Timeouts.POSITIVE_RULE, message = Timeouts.POSITIVE_MESSAGE)
  public String baseEjectionTime;

  @JsonPropertyDescription("The most endpoints, in percent, that may be ejected at once. Default: 50.")
  @Min(0)
  @Max(100)
  public Integer maxEjectionPercent;
}
