package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** One routing rule: what it matches, where it sends requests, and how. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = Rule.WEIGHTS_RULE, message = Rule.WEIGHTS_MESSAGE)
@ValidationRule(value = Rule.BACKENDS_RULE, message = Rule.BACKENDS_MESSAGE)
@ValidationRule(value = Rule.REDIRECT_XOR_REWRITE_RULE, message = Rule.REDIRECT_XOR_REWRITE_MESSAGE)
@ValidationRule(value = Rule.ONE_FILTER_PER_TYPE_RULE, message = Rule.ONE_FILTER_PER_TYPE_MESSAGE)
@ValidationRule(value = Rule.PREFIX_REWRITE_RULE, message = Rule.PREFIX_REWRITE_MESSAGE)
@ValidationRule(value = Rule.BACKEND_TLS_RULE, message = Rule.BACKEND_TLS_MESSAGE)
public class Rule {

  public static final String WEIGHTS_MESSAGE = "backend weights must not all be zero";
  public static final String BACKENDS_MESSAGE = "a rule needs backends, or a RequestRedirect filter";
  public static final String REDIRECT_XOR_REWRITE_MESSAGE = "RequestRedirect and URLRewrite cannot be used together";
  public static final String ONE_FILTER_PER_TYPE_MESSAGE = "each filter type may appear once per rule";
  public static final String PREFIX_REWRITE_MESSAGE = "ReplacePrefixMatch needs every match of the rule to be a PathPrefix match";

  public static final String WEIGHTS_RULE =
      "!has(self.backends) || size(self.backends) == 0 || self.backends.exists(b, !has(b.weight) || b.weight > 0)";
  public static final String BACKENDS_RULE = "(has(self.backends) && size(self.backends) > 0)"
      + " || (has(self.filters) && self.filters.exists(f, f.type == 'RequestRedirect'))";
  public static final String REDIRECT_XOR_REWRITE_RULE = "!has(self.filters)"
      + " || !(self.filters.exists(f, f.type == 'RequestRedirect') && self.filters.exists(f, f.type == 'URLRewrite'))";
  public static final String ONE_FILTER_PER_TYPE_RULE = "!has(self.filters) || ['RequestHeaderModifier', "
      + "'ResponseHeaderModifier', 'URLRewrite', 'RequestRedirect', 'CORS'].all(t, self.filters.filter(f, f.type == t)"
      + ".size() <= 1)";
  public static final String PREFIX_REWRITE_RULE = "!has(self.filters)"
      + " || !self.filters.exists(f, has(f.path) && f.path.type == 'ReplacePrefixMatch')"
      + " || !has(self.matches) || self.matches.all(m, !has(m.path) || !has(m.path.type) || m.path.type == 'PathPrefix')";

  public static final String BACKEND_TLS_MESSAGE = "backendTLS needs backendProtocol https or h2";
  public static final String BACKEND_TLS_RULE = "!has(self.backendTLS) || (has(self.backendProtocol)"
      + " && (self.backendProtocol == 'https' || self.backendProtocol == 'h2'))";

  /** Starts with a letter: unnamed rules are known by their index. */
  public static final String NAME_PATTERN = "^[a-z]([-a-z0-9]*[a-z0-9])?$";

  @JsonPropertyDescription("A name for the rule, used in status, logs and metrics. Starts with a letter.")
  @Pattern(NAME_PATTERN)
  @Size(max = 63)
  public String name;

  @JsonPropertyDescription("The rule applies to a request that satisfies any one of these matches. Without any, it "
      + "matches every request (PathPrefix /).")
  @Size(max = 8)
  public List<Match> matches = new ArrayList<>();

  @JsonPropertyDescription("Where matching requests go, each backend getting its weight's share.")
  @Size(max = 16)
  public List<Backend> backends = new ArrayList<>();

  @JsonPropertyDescription("Changes made to matching requests and their responses, in order.")
  @Size(max = 16)
  public List<Filter> filters = new ArrayList<>();

  @JsonPropertyDescription("Time limits.")
  public Timeouts timeouts;

  @JsonPropertyDescription("Retries of failed requests.")
  public Retries retries;

  /** The protocol spoken to the backends. */
  public enum BackendProtocol {
    @com.fasterxml.jackson.annotation.JsonProperty("http1")
    HTTP1,
    @com.fasterxml.jackson.annotation.JsonProperty("h2c")
    H2C,
    @com.fasterxml.jackson.annotation.JsonProperty("https")
    HTTPS,
    @com.fasterxml.jackson.annotation.JsonProperty("h2")
    H2
  }

  @JsonPropertyDescription("The protocol spoken to the backends: http1 (HTTP/1.1), h2c (HTTP/2 without TLS, as "
      + "gRPC needs), https (HTTP/1.1 over TLS) or h2 (HTTP/2 over TLS, as gRPC over TLS needs). Default: h2c when "
      + "the Service port's appProtocol is kubernetes.io/h2c, h2c or grpc, https when it is https, else http1.")
  public BackendProtocol backendProtocol;

  @JsonPropertyDescription("How the backends' certificates are checked when backendProtocol is https or h2. "
      + "Without it the connection is encrypted but the backends are not authenticated.")
  public BackendTls backendTLS;

  /** Verification of the backends' certificates. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class BackendTls {
    /** Sent as SNI and checked in certificates: a DNS name, so labels of at most 63 characters. */
    public static final String HOSTNAME_PATTERN =
        "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$";


    @JsonPropertyDescription("A Secret in the route's namespace whose ca.crt holds the CA certificates (PEM) the "
        + "backends' certificates must chain to. Without it, no certificate is checked.")
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    public String caSecretName;

    @JsonPropertyDescription("The name sent as SNI and, with caSecretName, required in the backends' certificates. "
        + "Default: SERVICE.NAMESPACE.svc.")
    @Pattern(HOSTNAME_PATTERN)
    @Size(max = 253)
    public String hostname;
  }

  @JsonPropertyDescription("Limits on what each data-plane replica sends the backends at once.")
  public CircuitBreaker circuitBreaker;

  @JsonPropertyDescription("How requests are spread over the endpoints of the backends.")
  public LoadBalancer loadBalancer;

  @JsonPropertyDescription("Active health checks of the endpoints.")
  public HealthCheck healthCheck;

  @JsonPropertyDescription("Passive ejection of endpoints that keep failing.")
  public OutlierDetection outlierDetection;

  @JsonPropertyDescription("Caching of responses at the edge.")
  public Cache cache;

  @JsonPropertyDescription("Limits on the request rate.")
  public RateLimit rateLimit;

  @JsonPropertyDescription("Which client addresses may use the rule.")
  public Access access;

  @JsonPropertyDescription("Who may use the rule: HTTP Basic, JWT or an external auth service. Checked after "
      + "access and rateLimit, before the cache and the backends; CORS preflights are answered before it.")
  public Auth auth;

  /** The largest request body a rule may allow, short of none at all: 1 TiB. */
  public static final long MAX_REQUEST_BODY_SIZE = 1L << 40;

  @JsonPropertyDescription("The largest request body in bytes, as cache.maxObjectSize is given: larger ones get "
      + "413 (from Content-Length before the body is read, or as soon as a streamed body passes it). 0: no limit. "
      + "Default: the data plane's --max-request-body-size (1 GiB).")
  @Min(0)
  @Max(MAX_REQUEST_BODY_SIZE)
  public Long maxRequestBodySize;
}
