package dev.portcullis.dataplane.tls;

import dev.portcullis.model.ModelException;
import dev.portcullis.model.TlsRef;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The client-certificate check of one host (mutual TLS at the edge), compiled from its
 * {@link TlsRef.ClientValidation}. The check runs per request against the host the request is
 * for, so that a client cannot skip it by naming another host in its SNI; its result is kept on
 * the TLS session, so each session's chain is validated once.
 */
public final class ClientCertPolicy {

  /** What a request's connection proved. */
  public enum Verdict {
    /** A certificate that chains to the host's CA. */
    VERIFIED,
    /** No certificate, and the host lets such clients in. */
    NONE,
    /** No certificate, and the host needs one. */
    MISSING,
    /** A certificate that does not chain to the host's CA, has expired, or is not for clients. */
    INVALID,
    /** The host's CA could not be read: nobody gets in. */
    UNAVAILABLE
  }

  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String ANY_USAGE = "2.5.29.37.0";

  private final TlsRef.ClientValidation validation;
  private final Set<TrustAnchor> anchors;
  private final String sessionKey;

  private ClientCertPolicy(TlsRef.ClientValidation validation, Set<TrustAnchor> anchors) {
    this.validation = validation;
    this.anchors = anchors;
    this.sessionKey = "portcullis.client-ca." + (validation.caPem() == null ? "none" : sha256(validation.caPem()));
  }

  private static String sha256(String text) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Parses the CA; a snapshot whose CA does not parse is refused (the translator checked it). */
  public static ClientCertPolicy compile(TlsRef.ClientValidation validation, String field) {
    if (validation.caPem() == null) {
      return new ClientCertPolicy(validation, Set.of());
    }
    Set<TrustAnchor> anchors = new HashSet<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (var c : cf.generateCertificates(new ByteArrayInputStream(validation.caPem().getBytes(StandardCharsets.US_ASCII)))) {
        X509Certificate ca = (X509Certificate) c;
        anchors.add(new TrustAnchor(ca, null));
      }
    } catch (Exception e) {
      throw new ModelException(field + ".caPem", "is not PEM certificates: " + e.getMessage());
    }
    if (anchors.isEmpty()) {
      throw new ModelException(field + ".caPem", "holds no certificate");
    }
    return new ClientCertPolicy(validation, Set.copyOf(anchors));
  }

  public boolean passCertificate() {
    return validation.passCertificate();
  }

  /** The CA certificates, for the handshake's certificate request. */
  public List<X509Certificate> authorities() {
    return anchors.stream().map(TrustAnchor::getTrustedCert).toList();
  }

  /** What the request's TLS session proves; null session: a plain-HTTP request (MISSING). */
  public Verdict check(SSLSession session) {
    if (validation.caPem() == null) {
      return Verdict.UNAVAILABLE;
    }
    X509Certificate[] chain = peer(session);
    if (chain == null) {
      return validation.optional() ? Verdict.NONE : Verdict.MISSING;
    }
    Object known = session.getValue(sessionKey);
    if (known instanceof Verdict v) {
      return v;
    }
    Verdict v = validate(chain) ? Verdict.VERIFIED : Verdict.INVALID;
    session.putValue(sessionKey, v);
    return v;
  }

  /** The client's chain, or null when it sent none. */
  public static X509Certificate[] peer(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      var certs = session.getPeerCertificates();
      if (certs.length == 0) {
        return null;
      }
      return Arrays.stream(certs).map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  private boolean validate(X509Certificate[] chain) {
    try {
      List<String> usage = chain[0].getExtendedKeyUsage();
      if (usage != null && !usage.contains(CLIENT_AUTH) && !usage.contains(ANY_USAGE)) {
        return false;
      }
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      // The path to validate leaves out a CA the client sent along: the anchors stand for it.
      List<X509Certificate> path = new ArrayList<>();
      for (X509Certificate c : chain) {
        if (anchors.stream().noneMatch(a -> a.getTrustedCert().equals(c))) {
          path.add(c);
        }
      }
      if (path.isEmpty()) {
        return false; // a CA certificate itself is not a client certificate
      }
      CertPath certPath = cf.generateCertPath(path);
      PKIXParameters params = new PKIXParameters(anchors);
      // Revocation lists are not fetched on the request path; short-lived certificates are the remedy.
      params.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX").validate(certPath, params);
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
