package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Authentication at the edge, one method per rule. The shape follows Envoy Gateway's
 * SecurityPolicy ({@code basicAuth}, {@code jwt}, {@code extAuth}) and Traefik's BasicAuth and
 * ForwardAuth middlewares, and maps onto ingress-nginx's {@code auth-*} annotations one to one.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = Auth.ONE_METHOD_RULE, message = Auth.ONE_METHOD_MESSAGE)
public class Auth {

  public static final String ONE_METHOD_MESSAGE = "auth needs exactly one of basic, jwt and external";
  public static final String ONE_METHOD_RULE =
      "[has(self.basic), has(self.jwt), has(self.external)].filter(x, x).size() == 1";

  public static final String SECRET_NAME_PATTERN = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";
  /** Realms go into a quoted string of WWW-Authenticate: printable ASCII only. */
  public static final String REALM_PATTERN = "^[ -~]*$";
  public static final String URL_PATTERN = "^https?://[^/?#@\\s]+([/?][^#\\s]*)?$";

  @JsonPropertyDescription("HTTP Basic authentication against the bcrypt hashes of an htpasswd file.")
  public Basic basic;

  @JsonPropertyDescription("JWT bearer tokens (Authorization: Bearer) checked against an issuer's public keys.")
  public Jwt jwt;

  @JsonPropertyDescription("An auth service decides: each request is first sent to it (without its body); 2xx lets "
      + "it through, 401 and 403 are passed to the client, anything else refuses it.")
  public External external;

  /** HTTP Basic. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Basic {
    @JsonPropertyDescription("A Secret in the route's namespace whose key auth (as ingress-nginx's auth-file), or "
        + "htpasswd, holds an htpasswd file. Only bcrypt (htpasswd -B: $2y$, $2a$, $2b$) and apr1 (htpasswd's default: "
        + "$apr1$, weaker) entries are accepted; other lines are refused and reported.")
    @Required
    @Pattern(SECRET_NAME_PATTERN)
    @Size(max = 253)
    public String secretName;

    @JsonPropertyDescription("The realm in WWW-Authenticate (printable ASCII). Default: Authentication required.")
    @Pattern(REALM_PATTERN)
    @Size(max = 256)
    public String realm;
  }

  /** JWT validation. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @ValidationRule(value = Jwt.ONE_KEY_SOURCE_RULE, message = Jwt.ONE_KEY_SOURCE_MESSAGE)
  public static class Jwt {
    public static final String ONE_KEY_SOURCE_MESSAGE = "jwt needs exactly one of jwksUri and jwksSecretName";
    public static final String ONE_KEY_SOURCE_RULE = "has(self.jwksUri) != has(self.jwksSecretName)";
    public static final String CLOCK_SKEW_RULE = "duration(self) <= duration('1h')";
    public static final String CLOCK_SKEW_MESSAGE = "must be at most 1h";

    @JsonPropertyDescription("The iss claim tokens must carry, exactly.")
    @Required
    @Size(min = 1, max = 1024)
    public String issuer;

    @JsonPropertyDescription("The aud claim of a token must contain one of these.")
    @Required
    @Size(min = 1, max = 16)
    public List<@Size(min = 1, max = 1024) String> audiences = new ArrayList<>();

    @JsonPropertyDescription("Where the issuer's JSON Web Key Set is fetched from (https, or http inside the "
        + "cluster). Fetched by every data plane, cached and refreshed every 5 minutes, and again (at most every "
        + "10 seconds) when a token names a key it does not hold.")
    @Pattern(URL_PATTERN)
    @Size(max = 2048)
    public String jwksUri;

    @JsonPropertyDescription("Or: a Secret in the route's namespace whose key jwks.json holds the JSON Web Key Set.")
    @Pattern(SECRET_NAME_PATTERN)
    @Size(max = 253)
    public String jwksSecretName;

    @JsonPropertyDescription("Leeway for exp, nbf and iat, as a duration, at most 1h. Default: 60s.")
    @Pattern(Timeouts.DURATION)
    @ValidationRule(value = CLOCK_SKEW_RULE, message = CLOCK_SKEW_MESSAGE)
    public String clockSkew;

    @JsonPropertyDescription("Claims copied into request headers for the backends. A client's own values of these "
        + "headers are always dropped.")
    @Size(max = 16)
    public List<ClaimToHeader> claimToHeaders = new ArrayList<>();

    @JsonPropertyDescription("Let requests without a token through (a token that is sent must still be valid). "
        + "Default: false.")
    public Boolean optional;
  }

  /** One claim copied into one header. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClaimToHeader {
    @JsonPropertyDescription("The claim; a dotted path (realm.role) reaches into nested objects.")
    @Required
    @Size(min = 1, max = 256)
    public String claim;

    @JsonPropertyDescription("The request header that gets its value.")
    @Required
    @Size(min = 1, max = 256)
    @Pattern(Match.HEADER_NAME_PATTERN)
    public String header;
  }

  /** External authorisation. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public static class External {
    /** Methods the auth service may be asked with; never with a body. */
    public enum Method { GET, HEAD, POST }

    public static final String TIMEOUT_RULE = "duration(self) <= duration('60s')";
    public static final String TIMEOUT_MESSAGE = "must be at most 60s";

    @JsonPropertyDescription("The auth service's URL (http or https, as ingress-nginx's auth-url). The client's "
        + "method and URL go in X-Original-Method, X-Original-URI and X-Original-URL, as do X-Forwarded-For, "
        + "-Host, -Proto, -Method and -Uri.")
    @Required
    @Pattern(URL_PATTERN)
    @Size(max = 2048)
    public String url;

    @JsonPropertyDescription("GET, HEAD or POST (without a body). Default: GET.")
    public Method method;

    @JsonPropertyDescription("The longest the auth service may take, as a duration of at most 60s; beyond it the "
        + "request gets 503. Default: 5s.")
    @Pattern(Timeouts.DURATION)
    @ValidationRule(value = Timeouts.POSITIVE_RULE, message = Timeouts.POSITIVE_MESSAGE)
    @ValidationRule(value = TIMEOUT_RULE, message = TIMEOUT_MESSAGE)
    public String timeout;

    @JsonPropertyDescription("Client request headers sent to the auth service; * sends them all. "
        + "Default: Authorization and Cookie.")
    @Size(max = 32)
    public List<@Pattern("^([A-Za-z0-9!#$%&'*+\\-.^_`|~]+|\\*)$") String> requestHeaders = new ArrayList<>();

    @JsonPropertyDescription("Headers of the auth service's 2xx answer copied onto the request to the backends "
        + "(as ingress-nginx's auth-response-headers). A client's own values of these headers are always dropped.")
    @Size(max = 32)
    public List<@Pattern(Match.HEADER_NAME_PATTERN) String> responseHeaders = new ArrayList<>();
  }
}
