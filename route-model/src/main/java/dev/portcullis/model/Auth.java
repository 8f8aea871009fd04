package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Authentication at the edge for a route: exactly one method. A request that does not pass never
 * reaches the cache or the upstream; a method whose credentials cannot be had refuses every
 * request (503) rather than let one through unchecked.
 *
 * <p>Shaped for ingress-nginx's annotations as well as the ProxyRoute API: {@code auth-type: basic}
 * with {@code auth-secret} and {@code auth-realm} is a {@link Basic} (either {@code auth-secret-type}
 * gives the same user list), {@code auth-url}, {@code auth-method} and {@code auth-response-headers}
 * an {@link External}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Auth(Basic basic, Jwt jwt, External external) {

  public Auth {
    int methods = (basic != null ? 1 : 0) + (jwt != null ? 1 : 0) + (external != null ? 1 : 0);
    if (methods != 1) {
      throw new ModelException("", "exactly one of basic, jwt and external");
    }
  }

  /** Request headers the proxy itself owns: auth may neither set them nor pass a client's along. */
  public static final Set<String> OWNED_HEADERS = Set.of("host", "connection", "keep-alive", "transfer-encoding", "te", "upgrade",
      "proxy-connection", "content-length", "trailer", "expect", "forwarded", "x-forwarded-for", "x-forwarded-host",
      "x-forwarded-port", "x-forwarded-proto", "x-real-ip", "ssl-client-verify", "ssl-client-subject-dn",
      "ssl-client-issuer-dn", "ssl-client-cert");

  /**
   * HTTP Basic (RFC 7617) against the bcrypt hashes of an htpasswd file.
   *
   * @param secret the Secret holding the file; its users travel as a {@link Credential.Htpasswd}
   * @param realm  sent in {@code WWW-Authenticate}; printable ASCII
   */
  public record Basic(SecretRef secret, String realm) {
    public static final String DEFAULT_REALM = "Authentication required";

    public Basic {
      Checks.notNull(secret, "secret");
      realm = realm == null ? DEFAULT_REALM : realm;
      if (realm.length() > 256 || !realm.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
        throw new ModelException("realm", "must be at most 256 printable ASCII characters");
      }
    }

    /** The key of its user list in a snapshot. */
    public String credentialKey() {
      return secret.credentialKey(Credential.HTPASSWD);
    }
  }

  /** A claim of a validated JWT, copied into a request header for the upstream. */
  public record ClaimHeader(String claim, String header) {
    public ClaimHeader {
      Checks.notBlank(claim, "claim");
      if (claim.length() > 256) {
        throw new ModelException("claim", "must be at most 256 characters");
      }
      header = headerName(header, "header");
      if (OWNED_HEADERS.contains(header) || header.equals("authorization")) {
        throw new ModelException("header", "\"" + header + "\" is managed by the proxy");
      }
    }
  }

  /**
   * JWT bearer tokens (RFC 7519, JWS compact form, RFC 6750 {@code Authorization: Bearer}).
   *
   * @param issuer         {@code iss} must equal it
   * @param audiences      {@code aud} must contain one of them
   * @param jwksUri        where the public keys are fetched from (https, or http inside the cluster)
   * @param jwksSecret     or: the Secret holding them; they travel as a {@link Credential.Jwks}
   * @param clockSkewMs    leeway for {@code exp}, {@code nbf} and {@code iat}
   * @param claimToHeaders claims copied into request headers; a client's own values of those headers
   *                       are always dropped
   * @param optional       a request without a token passes (one with a bad token never does)
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Jwt(String issuer, List<String> audiences, String jwksUri, SecretRef jwksSecret, long clockSkewMs,
      List<ClaimHeader> claimToHeaders, boolean optional) {

    public static final long DEFAULT_CLOCK_SKEW_MS = 60_000;

    public Jwt {
      Checks.notBlank(issuer, "issuer");
      audiences = Checks.list(audiences, "audiences");
      if (audiences.isEmpty()) {
        throw new ModelException("audiences", "must name at least one audience");
      }
      for (int i = 0; i < audiences.size(); i++) {
        Checks.notBlank(audiences.get(i), "audiences[" + i + "]");
      }
      if ((jwksUri == null) == (jwksSecret == null)) {
        throw new ModelException("jwksUri", "exactly one of jwksUri and jwksSecret");
      }
      if (jwksUri != null) {
        httpUrl(jwksUri, "jwksUri");
      }
      if (clockSkewMs < 0 || clockSkewMs > 3_600_000) {
        throw new ModelException("clockSkewMs", "must be between 0 and 3600000, was " + clockSkewMs);
      }
      claimToHeaders = Checks.list(claimToHeaders, "claimToHeaders");
      Set<String> headers = new HashSet<>();
      for (int i = 0; i < claimToHeaders.size(); i++) {
        if (!headers.add(claimToHeaders.get(i).header())) {
          throw new ModelException("claimToHeaders[" + i + "].header", "is set by another claim too");
        }
      }
    }

    /** The key of its key set in a snapshot, when it comes from a Secret. */
    public String credentialKey() {
      return jwksSecret == null ? null : jwksSecret.credentialKey(Credential.JWKS);
    }
  }

  /**
   * External authorisation: a sub-request to an auth service decides, as nginx's auth_request.
   *
   * @param url             the auth service (http or https); its path and query are sent as they are
   * @param method          GET, HEAD or POST (never with a body)
   * @param timeoutMs       for the whole sub-request; beyond it the request is refused (503)
   * @param requestHeaders  client request headers sent to the auth service (lower case); {@code *}
   *                        sends them all (but the proxy's own and hop-by-hop ones)
   * @param responseHeaders auth-service response headers copied onto the upstream request (lower
   *                        case); a client's own values of them are always dropped
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record External(String url, String method, long timeoutMs, List<String> requestHeaders,
      List<String> responseHeaders) {

    public static final long DEFAULT_TIMEOUT_MS = 5_000;
    public static final List<String> DEFAULT_REQUEST_HEADERS = List.of("authorization", "cookie");
    public static final List<String> METHODS = List.of("GET", "HEAD", "POST");

    public External {
      httpUrl(url, "url");
      method = method == null ? "GET" : method;
      if (!METHODS.contains(method)) {
        throw new ModelException("method", "must be one of " + METHODS + ", was \"" + method + "\"");
      }
      if (timeoutMs < 1 || timeoutMs > 60_000) {
        throw new ModelException("timeoutMs", "must be between 1 and 60000, was " + timeoutMs);
      }
      requestHeaders = Checks.list(requestHeaders, "requestHeaders");
      List<String> req = new java.util.ArrayList<>();
      for (int i = 0; i < requestHeaders.size(); i++) {
        String h = requestHeaders.get(i);
        req.add("*".equals(h) ? h : headerName(h, "requestHeaders[" + i + "]"));
      }
      requestHeaders = List.copyOf(req);
      responseHeaders = Checks.list(responseHeaders, "responseHeaders");
      List<String> res = new java.util.ArrayList<>();
      for (int i = 0; i < responseHeaders.size(); i++) {
        String h = headerName(responseHeaders.get(i), "responseHeaders[" + i + "]");
        if (OWNED_HEADERS.contains(h)) {
          throw new ModelException("responseHeaders[" + i + "]", "\"" + h + "\" is managed by the proxy");
        }
        res.add(h);
      }
      responseHeaders = List.copyOf(res);
    }

    /** The client headers sent to the auth service: those named, or the defaults. */
    public List<String> effectiveRequestHeaders() {
      return requestHeaders.isEmpty() ? DEFAULT_REQUEST_HEADERS : requestHeaders;
    }
  }

  /** A header field name (an RFC 9110 token), in lower case. */
  static String headerName(String name, String field) {
    Checks.notBlank(name, field);
    if (name.length() > 256) {
      throw new ModelException(field, "must be at most 256 characters");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!token) {
        throw new ModelException(field, "\"" + name + "\" is not a header name");
      }
    }
    return name.toLowerCase(Locale.ROOT);
  }

  /** An absolute http(s) URL with a host and without user info or fragment. */
  static void httpUrl(String url, String field) {
    Checks.notBlank(url, field);
    try {
      URI u = new URI(url);
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null || u.getRawUserInfo() != null
          || u.getRawFragment() != null || url.length() > 2048) {
        throw new ModelException(field, "must be an http or https URL with a host, without user info or fragment");
      }
    } catch (URISyntaxException e) {
      throw new ModelException(field, "is not a URL: " + e.getReason());
    }
  }
}
