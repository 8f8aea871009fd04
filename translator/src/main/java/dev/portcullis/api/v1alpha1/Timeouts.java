package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** Time limits, as durations such as 500ms, 15s, 2m or 1h30m; 0s disables a limit. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Timeouts {
  public static final String CONNECT_MESSAGE = "a connect timeout cannot be 0s";

  /** Gateway API duration syntax. */
  public static final String DURATION = "^([0-9]{1,5}(h|m|s|ms)){1,4}$";

  /** For the durations that cannot be zero: a health check every 0s, say, would never rest. */
  public static final String POSITIVE_RULE = "duration(self) > duration('0s')";
  public static final String POSITIVE_MESSAGE = "must be longer than zero";

  @JsonPropertyDescription("The whole exchange, from the request's arrival to the response's end. Default: none.")
  @Pattern(DURATION)
  public String request;

  @JsonPropertyDescription("From sending the request upstream to the response headers. Default: 60s.")
  @Pattern(DURATION)
  public String backendRequest;

  @JsonPropertyDescription("The longest silence on either side while a request is proxied. Default: 60s.")
  @Pattern(DURATION)
  public String idle;

  @JsonPropertyDescription("Opening a connection to an endpoint (TCP, and TLS for https backends); an endpoint "
      + "that takes longer counts as failed and the request goes to another. Default: 5s (the operator's "
      + "--upstream-connect-timeout). Must not be 0s.")
  @Pattern(DURATION)
  @ValidationRule(value = POSITIVE_RULE, message = CONNECT_MESSAGE)
  public String connect;
}
