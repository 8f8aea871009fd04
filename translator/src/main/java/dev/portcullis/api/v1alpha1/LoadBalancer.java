package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** How requests are spread over endpoints. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = LoadBalancer.HASH_KEY_RULE, message = LoadBalancer.HASH_KEY_MESSAGE)
public class LoadBalancer {

  public static final String HASH_KEY_MESSAGE = "ConsistentHash takes exactly one key (header, cookie or sourceIP), and only ConsistentHash takes a key";

  public static final String HASH_KEY_RULE = "(has(self.policy) && self.policy == 'ConsistentHash')"
      + " ? ((has(self.header) ? 1 : 0) + (has(self.cookie) ? 1 : 0) + ((has(self.sourceIP) && self.sourceIP) ? 1 : 0)) == 1"
      + " : (!has(self.header) && !has(self.cookie) && !(has(self.sourceIP) && self.sourceIP))";

  /** Balancing policies. */
  public enum Policy { RoundRobin, LeastRequest, Random, EWMA, ConsistentHash }

  @JsonPropertyDescription("RoundRobin, LeastRequest (power of two choices), Random, EWMA (latency-aware) or "
      + "ConsistentHash (on header, cookie or sourceIP). Default: LeastRequest.")
  public Policy policy;

  @JsonPropertyDescription("ConsistentHash: the request header to hash.")
  @Pattern(Match.HEADER_NAME_PATTERN)
  @Size(max = 256)
  public String header;

  @JsonPropertyDescription("ConsistentHash: the cookie to hash, generated when the client has none (sticky sessions).")
  public Cookie cookie;

  @JsonPropertyDescription("ConsistentHash: hash the client's address.")
  public Boolean sourceIP;

  /** A session cookie. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Cookie {
    @JsonPropertyDescription("The cookie's name.")
    @Required
    @Pattern("^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$")
    @Size(max = 256)
    public String name;

    @JsonPropertyDescription("Its lifetime; without one, a session cookie.")
    @Pattern(Timeouts.DURATION)
    public String ttl;

    @JsonPropertyDescription("Its Path attribute. Default: /.")
    @Size(max = 1024)
    public String path;
  }
}
