package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The certificate a virtual host is to be served with: a {@code kubernetes.io/tls} Secret, by
 * reference. The key material itself never travels in the route table's dumps.
 *
 * @param namespace   the Secret's namespace (null, with the name: the host has no Secret of its own and
 *                    is served with the default certificate, as when HTTPS is enforced for a host whose
 *                    TLS ends in front of the proxy)
 * @param name        the Secret's name
 * @param fingerprint SHA-256 of the certificate chain (hex), or null when the Secret is missing or
 *                    unusable (the host is then served with the default certificate); a renewed
 *                    certificate changes it, and so the table's checksum
 * @param hsts        the Strict-Transport-Security value for the host's HTTPS answers, or null
 * @param redirectHttp whether plain-HTTP requests for the host are redirected to HTTPS (null: yes)
 * @param source      the object and field that asked for it
 * @param clientValidation client certificates the host asks for, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TlsRef(String namespace, String name, String fingerprint, String hsts, Boolean redirectHttp,
    SourceRef source, ClientValidation clientValidation) {

  public TlsRef {
    if (namespace != null || name != null || fingerprint != null) {
      Checks.notBlank(namespace, "namespace");
      Checks.notBlank(name, "name");
    }
    redirectHttp = Boolean.FALSE.equals(redirectHttp) ? Boolean.FALSE : null;
  }

  public TlsRef(String namespace, String name, String fingerprint, String hsts, Boolean redirectHttp,
      SourceRef source) {
    this(namespace, name, fingerprint, hsts, redirectHttp, source, null);
  }

  public TlsRef(String namespace, String name, SourceRef source) {
    this(namespace, name, null, null, null, source, null);
  }

  /**
   * Mutual TLS at the edge: clients present a certificate that chains to {@code caPem}. The
   * listener asks every client for one while some host needs it; each request is checked against
   * the CA of the host it is for (not the SNI of its connection, which a client chooses freely).
   *
   * @param caPem           the CA certificates (PEM), or null when they cannot be read: the host
   *                        then refuses every request (503) instead of letting clients in unchecked
   * @param optional        clients without a certificate are let in (one that is sent is still checked)
   * @param passCertificate the client certificate goes to the upstream in {@code ssl-client-cert}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ClientValidation(String caPem, boolean optional, boolean passCertificate) {
    public ClientValidation {
      if (caPem != null && !caPem.contains("-----BEGIN CERTIFICATE-----")) {
        throw new ModelException("caPem", "must hold PEM certificates");
      }
    }
  }

  /** True unless plain HTTP is to be served as well. */
  public boolean redirects() {
    return redirectHttp == null;
  }

  /** The key of its certificate in a snapshot. */
  public String certificateKey() {
    return Certificate.key(namespace, name);
  }

  public TlsRef withFingerprint(String fp) {
    return new TlsRef(namespace, name, fp, hsts, redirectHttp, source, clientValidation);
  }

  public TlsRef withHsts(String value) {
    return new TlsRef(namespace, name, fingerprint, value, redirectHttp, source, clientValidation);
  }

  public TlsRef withRedirectHttp(boolean redirect) {
    return new TlsRef(namespace, name, fingerprint, hsts, redirect ? null : Boolean.FALSE, source, clientValidation);
  }

  public TlsRef withClientValidation(ClientValidation value) {
    return new TlsRef(namespace, name, fingerprint, hsts, redirectHttp, source, value);
  }
}
