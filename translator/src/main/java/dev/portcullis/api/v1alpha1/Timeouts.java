package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** Time limits, as durations such as 500ms, 15s, 2m or 1h30m; 0s disables a limit. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@io.fabric8.generator.annotation.ValidationRule(value = Timeouts.CONNECT_RULE, message = Timeouts.CONNECT_MESSAGE)
public class Timeouts {
  public static final String CONNECT_MESSAGE = "a connect timeout cannot be 0s";
  public static final String CONNECT_RULE = "!has(self.connect) || !self.connect.matches('^(0+(h|m|s|ms))+$')";

  /** Gateway API duration syntax. */
  public static final String DURATION = "^([0-9]{1,5}(h|m|s|ms)){1,4}$";

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
  public String connect;
}
