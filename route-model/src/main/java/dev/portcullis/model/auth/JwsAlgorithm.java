package dev.portcullis.model.auth;

import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;

/**
 * The JWS signature algorithms (RFC 7518) a JWT may be signed with: asymmetric ones only. {@code
 * none} and the HMAC family are not here on purpose: a verifier that accepts HS256 can be fooled
 * into using a public key as the HMAC secret, and one that accepts none checks nothing.
 */
public enum JwsAlgorithm {
  RS256("RSA", null, "SHA256withRSA", 0),
  RS384("RSA", null, "SHA384withRSA", 0),
  RS512("RSA", null, "SHA512withRSA", 0),
  PS256("RSA", null, "RSASSA-PSS", 256),
  PS384("RSA", null, "RSASSA-PSS", 384),
  PS512("RSA", null, "RSASSA-PSS", 512),
  ES256("EC", "P-256", "SHA256withECDSAinP1363Format", 32),
  ES384("EC", "P-384", "SHA384withECDSAinP1363Format", 48),
  ES512("EC", "P-521", "SHA512withECDSAinP1363Format", 66);

  private final String keyType;
  private final String curve;
  private final String jcaName;
  /** PS*: the hash size in bits; ES*: the size of one signature half (R or S) in bytes. */
  private final int size;

  JwsAlgorithm(String keyType, String curve, String jcaName, int size) {
    this.keyType = keyType;
    this.curve = curve;
    this.jcaName = jcaName;
    this.size = size;
  }

  /** The algorithm named by a JOSE {@code alg}, or null for any other (none, HS256, unknown ones). */
  public static JwsAlgorithm of(String alg) {
    if (alg == null) {
      return null;
    }
    for (JwsAlgorithm a : values()) {
      if (a.name().equals(alg)) {
        return a;
      }
    }
    return null;
  }

  /** The JWK {@code kty} of its keys: RSA or EC. */
  public String keyType() {
    return keyType;
  }

  /** The JWK {@code crv} its EC keys must be on, or null for RSA. */
  public String curve() {
    return curve;
  }

  /** The JCA signature algorithm. */
  public String jcaName() {
    return jcaName;
  }

  /** The exact length of an ES* signature in bytes (R || S), or 0 for RSA. */
  public int signatureLength() {
    return "EC".equals(keyType) ? 2 * size : 0;
  }

  /** PS*: the PSS parameters (salt as long as the hash, MGF1 with the same hash); else null. */
  public AlgorithmParameterSpec parameters() {
    if (!jcaName.equals("RSASSA-PSS")) {
      return null;
    }
    String hash = "SHA-" + size;
    MGF1ParameterSpec mgf = switch (size) {
      case 256 -> MGF1ParameterSpec.SHA256;
      case 384 -> MGF1ParameterSpec.SHA384;
      default -> MGF1ParameterSpec.SHA512;
    };
    return new PSSParameterSpec(hash, "MGF1", mgf, size / 8, 1);
  }

  /** True if a key of this JWK {@code kty} and {@code crv} can check this algorithm's signatures. */
  public boolean fits(JsonWebKeys.Key key) {
    return keyType.equals(key.kty()) && (curve == null || curve.equals(key.crv()));
  }
}
