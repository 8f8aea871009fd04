package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** What a ProxyRoute asks for. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ProxyRouteSpec {

  /** Lower-case DNS names (labels of at most 63 characters), or a wildcard of one more label. */
  public static final String HOSTNAME_PATTERN =
      "^(\\*\\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$";

  @JsonPropertyDescription("The IngressClass that serves this route. Without it, the default IngressClass (or, in "
      + "local mode, Portcullis).")
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  public String ingressClassName;

  @JsonPropertyDescription("Host names the route answers for: exact names, or wildcards such as *.example.com "
      + "(one more label). Without any, the route answers for every host no other route claims.")
  @Size(max = 16)
  public List<@Pattern(HOSTNAME_PATTERN) @Size(max = 253) String> hostnames = new ArrayList<>();

  @JsonPropertyDescription("HTTPS for these hostnames: the certificate Secret, redirection of plain HTTP, and HSTS.")
  public Tls tls;

  @JsonPropertyDescription("The routing rules. A request is handled by the most specific rule that matches it.")
  @Required
  @Size(min = 1, max = 64)
  public List<Rule> rules = new ArrayList<>();

  /** HTTPS for the route's hostnames. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Tls {
    @JsonPropertyDescription("Name of a kubernetes.io/tls Secret in the route's namespace.")
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    public String secretName;

    @JsonPropertyDescription("Answer plain HTTP requests with a redirect to HTTPS (308 for methods other than GET "
        + "and HEAD). Default: true.")
    public Boolean redirectHttp;

    @JsonPropertyDescription("Send Strict-Transport-Security on HTTPS responses.")
    public Hsts hsts;

    @JsonPropertyDescription("Ask clients for a certificate and check it (mutual TLS at the edge).")
    public ClientValidation clientValidation;
  }

  /** Client certificates at the edge. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClientValidation {
    @JsonPropertyDescription("A Secret in the route's namespace whose ca.crt holds the CA certificates (PEM) client "
        + "certificates must chain to.")
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    public String caSecretName;

    @JsonPropertyDescription("Let clients without a certificate in too (a certificate that is sent must still be "
        + "valid); the backends learn from the ssl-client-verify header whether one was. Default: false.")
    public Boolean optional;

    @JsonPropertyDescription("Pass the client's certificate (PEM, URL-encoded) to the backends in the "
        + "ssl-client-cert header. Default: false.")
    public Boolean passCertificate;
  }

  /** HTTP Strict Transport Security. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Hsts {
    @JsonPropertyDescription("max-age in seconds.")
    @Required
    @io.fabric8.generator.annotation.Min(0)
    public Long maxAge;

    @JsonPropertyDescription("Add includeSubDomains.")
    public Boolean includeSubDomains;

    @JsonPropertyDescription("Add preload.")
    public Boolean preload;
  }
}
