package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Active HTTP health checks of each endpoint. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class HealthCheck {
  /** A request-target: it goes into the request line as it is, so no spaces or control characters. */
  public static final String PATH_PATTERN = "^/[!-~]*$";

  @JsonPropertyDescription("The path to request.")
  @Required
  @Pattern(PATH_PATTERN)
  @Size(max = 1024)
  public String path;

  @JsonPropertyDescription("Time between checks. Default: 5s.")
  @Pattern(Timeouts.DURATION)
  @ValidationRule(value = Timeouts.POSITIVE_RULE, message = Timeouts.POSITIVE_MESSAGE)
  public String interval;

  @JsonPropertyDescription("Time limit of a check. Default: 1s.")
  @Pattern(Timeouts.DURATION)
  @ValidationRule(value = Timeouts.POSITIVE_RULE, message = Timeouts.POSITIVE_MESSAGE)
  public String timeout;

  @JsonPropertyDescription("Passed checks in a row to become healthy. Default: 2.")
  @Min(1)
  @Max(10)
  public Integer healthyThreshold;

  @JsonPropertyDescription("Failed checks in a row to become unhealthy. Default: 3.")
  @Min(1)
  @Max(10)
  public Integer unhealthyThreshold;

  @JsonPropertyDescription("Statuses that pass. Default: 200-399.")
  @Size(max = 16)
  public List<@Min(100) @Max(599) Integer> expectedStatuses = new ArrayList<>();
}
