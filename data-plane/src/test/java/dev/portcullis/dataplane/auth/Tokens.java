package dev.portcullis.dataplane.auth;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Keys, key sets and tokens for the JWT tests, made with the JDK alone. */
final class Tokens {
  private Tokens() {}

  static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String b64(String s) {
    return b64(s.getBytes(StandardCharsets.UTF_8));
  }

  static String unsigned(BigInteger v, int size) {
    byte[] bytes = v.toByteArray();
    if (bytes[0] == 0 && bytes.length > 1) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    if (size > bytes.length) {
      byte[] padded = new byte[size];
      System.arraycopy(bytes, 0, padded, size - bytes.length, bytes.length);
      bytes = padded;
    }
    return b64(bytes);
  }

  /** A public JWK of the pair. */
  static String jwk(KeyPair pair, String kid) {
    if (pair.getPublic() instanceof RSAPublicKey k) {
      return "{\"kty\":\"RSA\",\"kid\":\"" + kid + "\",\"use\":\"sig\",\"n\":\"" + unsigned(k.getModulus(), 0)
          + "\",\"e\":\"" + unsigned(k.getPublicExponent(), 0) + "\"}";
    }
    ECPublicKey k = (ECPublicKey) pair.getPublic();
    return "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"" + kid + "\",\"x\":\"" + unsigned(k.getW().getAffineX(), 32)
        + "\",\"y\":\"" + unsigned(k.getW().getAffineY(), 32) + "\"}";
  }

  static String set(String... jwks) {
    return "{\"keys\":[" + String.join(",", jwks) + "]}";
  }

  /** A signed token: alg RS256 or ES256 (by the key), this header's kid, these claims (JSON). */
  static String sign(PrivateKey key, String alg, String kid, String claims) throws Exception {
    String header = "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"" + (kid == null ? "" : ",\"kid\":\"" + kid + "\"") + "}";
    String input = b64(header) + "." + b64(claims);
    String jca = switch (alg) {
      case "RS256" -> "SHA256withRSA";
      case "ES256" -> "SHA256withECDSAinP1363Format";
      case "PS256" -> "RSASSA-PSS";
      default -> throw new IllegalArgumentException(alg);
    };
    Signature s = Signature.getInstance(jca);
    if (alg.equals("PS256")) {
      s.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
          java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
    }
    s.initSign(key);
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + b64(s.sign());
  }

  /** The classic confusion: HS256 with the public key's bytes as the HMAC secret. */
  static String hs256(byte[] secret, String kid, String claims) throws Exception {
    String input = b64("{\"alg\":\"HS256\",\"kid\":\"" + kid + "\"}") + "." + b64(claims);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    return input + "." + b64(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }

  static String none(String claims) {
    return b64("{\"alg\":\"none\"}") + "." + b64(claims) + ".";
  }

  static long now() {
    return System.currentTimeMillis() / 1000;
  }

  static String claims(String iss, String aud, long exp, String extra) {
    return "{\"iss\":\"" + iss + "\",\"aud\":" + aud + ",\"exp\":" + exp + ",\"sub\":\"alice\""
        + (extra == null ? "" : "," + extra) + "}";
  }
}
