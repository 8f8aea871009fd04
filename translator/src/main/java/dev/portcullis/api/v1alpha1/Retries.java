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
    @JsonProperty("refused-stream")
    REFUSED_STREAM,
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

  @JsonPropertyDescription("Retries after the first attempt, each to another endpoint when there is one. "
      + "Default: 2.")
  @Min(0)
  @Max(10)
  public Integer attempts;

  @JsonPropertyDescription("Failures to retry: connect-failure, refused-stream, reset, timeout, 5xx, 502, 503, 504. "
      + "Connect failures and refused streams are always retried (the backend never saw the request); the others "
      + "only for idempotent methods whose body is small enough to replay (64 KiB). Default: connect-failure, "
      + "refused-stream, reset.")
  @Size(max = 8)
  public List<On> on = new ArrayList<>();

  @JsonPropertyDescription("Time limit of each attempt until its response headers. Default: the rule's "
      + "backendRequest timeout.")
  @Pattern(Timeouts.DURATION)
  public String perTryTimeout;

  @JsonPropertyDescription("The first retry waits a random time up to this; each next one up to twice as long. "
      + "Retries after a connect failure go at once. Default: 25ms, or backoffMax when that is shorter.")
  @Pattern(Timeouts.DURATION)
  public String backoffBase;

  @JsonPropertyDescription("The longest wait between attempts, not shorter than backoffBase. Default: 250ms, or "
      + "backoffBase when that is longer.")
  @Pattern(Timeouts.DURATION)
  public String backoffMax;
}
