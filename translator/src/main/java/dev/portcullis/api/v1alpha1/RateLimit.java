package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A token bucket per key, per data-plane replica. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.key) && self.key == 'Header') == has(self.header)",
    message = "key Header needs header, and only key Header takes it")
public class RateLimit {

  /** What the buckets are kept per. */
  public enum Key { ClientIP, Header, Route }

  @JsonPropertyDescription("Sustained requests per second.")
  @Required
  @Min(1)
  @Max(1000000)
  public Integer requestsPerSecond;

  @JsonPropertyDescription("Requests allowed in a burst. Default: requestsPerSecond.")
  @Min(1)
  @Max(10000000)
  public Integer burst;

  @JsonPropertyDescription("ClientIP, Header or Route (one bucket for all). Default: ClientIP.")
  public Key key;

  @JsonPropertyDescription("key Header: the header whose value is the key. Requests without it share one bucket.")
  @Pattern(Match.HEADER_NAME_PATTERN)
  @Size(max = 256)
  public String header;
}
