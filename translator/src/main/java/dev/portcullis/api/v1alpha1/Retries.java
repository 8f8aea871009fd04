package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Retries of failed requests. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class Retries {

  /** What counts as a failure worth retrying. */
  public enum On {
    @JsonProperty("connect-failure")
    CONNECT_FAILURE,
    @JsonProperty("reset")
    RESET,
    @JsonProperty("timeout")
    TIMEOUT,
    @JsonProperty("5xx")
    ANY_5XX,
    @JsonProperty("502")
    S502,
    @JsonProperty("503")
    S503,
    @JsonProperty("504")
    S504
  }

  @JsonPropertyDescription("Retries after the first attempt. Default: 0.")
  @Min(0)
  @Max(10)
  public Integer attempts;

  @JsonPropertyDescription("Failures to retry: connect-failure, reset, timeout, 5xx, 502, 503, 504. "
      + "Default: connect-failure.")
  @Size(max = 7)
  public List<On> on = new ArrayList<>();

  @JsonPropertyDescription("Time limit of each attempt.")
  @Pattern(Timeouts.DURATION)
  public String perTryTimeout;
}
