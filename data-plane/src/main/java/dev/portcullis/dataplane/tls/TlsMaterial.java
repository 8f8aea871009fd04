package dev.portcullis.dataplane.tls;

import dev.portcullis.model.Certificate;
import dev.portcullis.model.ModelException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A certificate chain and its private key, parsed and ready for handshakes. {@link #toString}
 * never shows the key.
 *
 * @param alias the name the key manager knows it by: the fingerprint of its chain
 * @param chain the leaf first, then its intermediates
 * @param key   the leaf's private key
 */
public record TlsMaterial(String alias, X509Certificate[] chain, PrivateKey key) {

  /** The JCA key algorithms tried for a PKCS#8 key whose algorithm the PEM does not name. */
  private static final String[] KEY_ALGORITHMS = {"EC", "RSA", "Ed25519", "Ed448"};

  /**
   * Parses what the translator checked and handed on: a PEM chain and a PKCS#8 PEM key.
   *
   * @throws ModelException naming {@code field} when either does not parse (a route server bug, or
   *                        a snapshot from a newer one): the snapshot is then refused whole
   */
  public static TlsMaterial parse(String alias, Certificate pem, String field) {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (var c : cf.generateCertificates(new ByteArrayInputStream(pem.chainPem().getBytes(StandardCharsets.US_ASCII)))) {
        chain.add((X509Certificate) c);
      }
    } catch (Exception e) {
      throw new ModelException(field + ".chainPem", "is not a PEM certificate chain: " + e.getMessage());
    }
    if (chain.isEmpty()) {
      throw new ModelException(field + ".chainPem", "holds no certificate");
    }
    byte[] der = pkcs8(pem.privateKeyPem(), field);
    PrivateKey key = null;
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        break;
      } catch (Exception e) {
        // try the next algorithm
      }
    }
    if (key == null) {
      throw new ModelException(field + ".privateKeyPem", "is not an EC, RSA or EdDSA PKCS#8 key");
    }
    return new TlsMaterial(alias, chain.toArray(X509Certificate[]::new), key);
  }

  private static byte[] pkcs8(String pem, String field) {
    String begin = "-----BEGIN PRIVATE KEY-----";
    String end = "-----END PRIVATE KEY-----";
    int b = pem.indexOf(begin);
    int e = pem.indexOf(end);
    if (b < 0 || e < b) {
      throw new ModelException(field + ".privateKeyPem", "must be a PKCS#8 PEM key (BEGIN PRIVATE KEY)");
    }
    try {
      return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
    } catch (IllegalArgumentException x) {
      throw new ModelException(field + ".privateKeyPem", "is not valid base64");
    }
  }

  /** The leaf certificate. */
  public X509Certificate leaf() {
    return chain[0];
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /**
   * True if this key can serve a handshake that asks for {@code keyType} (the JSSE names: "RSA",
   * "EC", "EdDSA", "RSASSA-PSS"; TLS 1.2 suites also pass forms such as "EC_EC").
   */
  public boolean serves(String keyType) {
    String algorithm = key.getAlgorithm();
    return switch (algorithm) {
      case "RSA" -> keyType.equals("RSA") || keyType.startsWith("RSA_");
      case "EC" -> keyType.equals("EC") || keyType.startsWith("EC_");
      case "Ed25519", "Ed448", "EdDSA" -> keyType.equals("EdDSA") || keyType.equals(algorithm);
      case "RSASSA-PSS" -> keyType.equals("RSASSA-PSS");
      default -> false;
    };
  }

  @Override
  public String toString() {
    return "TlsMaterial[" + alias + ", " + leaf().getSubjectX500Principal().getName() + ", key=<redacted>]";
  }
}
