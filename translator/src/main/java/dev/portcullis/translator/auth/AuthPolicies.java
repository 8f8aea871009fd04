package dev.portcullis.translator.auth;

import dev.portcullis.api.v1alpha1.Auth;
import dev.portcullis.model.Credential;
import dev.portcullis.model.SecretRef;
import dev.portcullis.translator.ObjectReport;
import dev.portcullis.translator.RouteTableBuilder;
import dev.portcullis.translator.proxyroute.Durations;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * A ProxyRoute rule's {@code auth} as the route model's: Secrets are read and checked here, their
 * content handed to the builder as credentials (they travel beside the table), and the table
 * keeps a reference and a fingerprint. A Secret that cannot be used leaves the reference without
 * a fingerprint, and the data planes refuse the rule's requests (503) until it is fixed: never
 * open.
 */
public final class AuthPolicies {

  private final AuthSecrets secrets;
  private final RouteTableBuilder builder;

  public AuthPolicies(AuthSecrets secrets, RouteTableBuilder builder) {
    this.secrets = secrets;
    this.builder = builder;
  }

  /** The rule's authentication, or null; reports what is wrong with its Secrets. */
  public dev.portcullis.model.Auth resolve(Auth auth, String namespace, String at, ObjectReport report) {
    if (auth == null) {
      return null;
    }
    SecretRef basic = null;
    SecretRef jwks = null;
    if (auth.basic != null) {
      basic = secret(secrets.htpasswd(namespace, auth.basic.secretName), Credential.HTPASSWD, namespace,
          auth.basic.secretName, at + ".auth.basic.secretName", "UnsupportedPasswordEntry", report);
    }
    if (auth.jwt != null && auth.jwt.jwksSecretName != null) {
      jwks = secret(secrets.jwks(namespace, auth.jwt.jwksSecretName), Credential.JWKS, namespace,
          auth.jwt.jwksSecretName, at + ".auth.jwt.jwksSecretName", "UnsupportedJsonWebKey", report);
    }
    if (auth.jwt != null && auth.jwt.jwksUri != null && insecure(auth.jwt.jwksUri)) {
      report.warning(at + ".auth.jwt.jwksUri", "InsecureJwksUri", "the keys are fetched over plain HTTP from outside "
          + "the cluster: anyone on the way can replace them and sign tokens of their own; use https");
    }
    return model(auth, basic, jwks);
  }

  private SecretRef secret(AuthSecrets.Result r, String kind, String namespace, String name, String field,
      String detailReason, ObjectReport report) {
    r.details().forEach(d -> report.error(field, detailReason, "Secret " + namespace + "/" + name + ": " + d));
    r.warnings().forEach(w -> report.warning(field, "WeakPasswordHash", "Secret " + namespace + "/" + name + ": " + w));
    SecretRef ref = new SecretRef(namespace, name, r.fingerprint());
    if (r.ok()) {
      builder.credential(ref.credentialKey(kind), r.credential());
    } else {
      report.error(field, r.missing() ? "SecretNotFound" : "InvalidSecret",
          r.problem() + "; the rule's requests get 503 until it is fixed");
    }
    return ref;
  }

  /** True for a plain-HTTP URL to a host outside the cluster (not a Service name, not loopback). */
  static boolean insecure(String url) {
    URI u = URI.create(url);
    if (!"http".equalsIgnoreCase(u.getScheme())) {
      return false;
    }
    String host = u.getHost().toLowerCase(Locale.ROOT);
    boolean inside = !host.contains(".") || host.endsWith(".svc") || host.endsWith(".cluster.local")
        || host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    return !inside;
  }

  /**
   * The model's form of an {@code auth} the validator passed. Throws {@link
   * dev.portcullis.model.ModelException} for what only the model checks (the validator calls it
   * with stand-in references to find those).
   */
  public static dev.portcullis.model.Auth model(Auth auth, SecretRef basicSecret, SecretRef jwksSecret) {
    dev.portcullis.model.Auth.Basic basic = null;
    dev.portcullis.model.Auth.Jwt jwt = null;
    dev.portcullis.model.Auth.External external = null;
    if (auth.basic != null) {
      basic = new dev.portcullis.model.Auth.Basic(basicSecret, auth.basic.realm);
    }
    if (auth.jwt != null) {
      Auth.Jwt j = auth.jwt;
      List<dev.portcullis.model.Auth.ClaimHeader> claims = (j.claimToHeaders == null ? List.<Auth.ClaimToHeader>of()
          : j.claimToHeaders).stream().map(c -> new dev.portcullis.model.Auth.ClaimHeader(c.claim, c.header)).toList();
      jwt = new dev.portcullis.model.Auth.Jwt(j.issuer, j.audiences, j.jwksUri, j.jwksSecretName == null ? null
          : jwksSecret, j.clockSkew == null ? dev.portcullis.model.Auth.Jwt.DEFAULT_CLOCK_SKEW_MS
          : Durations.millis(j.clockSkew), claims, Boolean.TRUE.equals(j.optional));
    }
    if (auth.external != null) {
      Auth.External e = auth.external;
      external = new dev.portcullis.model.Auth.External(e.url, e.method == null ? null : e.method.name(),
          e.timeout == null ? dev.portcullis.model.Auth.External.DEFAULT_TIMEOUT_MS : Durations.millis(e.timeout),
          e.requestHeaders, e.responseHeaders);
    }
    return new dev.portcullis.model.Auth(basic, jwt, external);
  }
}
