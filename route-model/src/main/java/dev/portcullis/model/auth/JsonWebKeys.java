package dev.portcullis.model.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EllipticCurve;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON Web Key Set (RFC 7517) into the public keys JWT signatures are checked with. The
 * translator uses it to report what is wrong with a key set from a Secret, and the data plane to
 * compile one (from a Secret or fetched from a URL), so both judge a key alike.
 *
 * <p>Kept: RSA keys of 2048 bits or more and EC keys on P-256, P-384 or P-521 whose point lies on
 * the curve, for signatures ({@code use} absent or {@code sig}; {@code key_ops}, when present,
 * allowing {@code verify}). Left out, each with a problem: symmetric ({@code oct}) and other key
 * types, keys for encryption, keys whose {@code alg} is not an asymmetric JWS algorithm. Reading is
 * bounded: at most {@value #MAX_BYTES} bytes and {@value #MAX_KEYS} keys.
 */
public final class JsonWebKeys {
  private JsonWebKeys() {}

  public static final int MAX_BYTES = 256 * 1024;
  public static final int MAX_KEYS = 64;

  /** A JSON mapper that refuses duplicate object keys: two readers must never see two values. */
  static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();

  static {
    STRICT.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32)
        .maxStringLength(MAX_BYTES).build());
  }

  /** The strict mapper, for JOSE headers and claims too. */
  public static ObjectMapper mapper() {
    return STRICT;
  }

  /**
   * A usable public key.
   *
   * @param kid its key id, or null
   * @param alg the one algorithm it is for, or null for any its type fits
   * @param kty RSA or EC
   * @param crv the curve of an EC key (P-256, P-384, P-521), else null
   */
  public record Key(String kid, JwsAlgorithm alg, String kty, String crv, PublicKey publicKey) {
    @Override
    public String toString() {
      return "Key[kid=" + kid + ", kty=" + kty + (crv == null ? "" : ", crv=" + crv) + "]";
    }
  }

  /** The usable keys, and why the others were left out. */
  public record Result(List<Key> keys, List<String> problems) {
    public Result {
      keys = List.copyOf(keys);
      problems = List.copyOf(problems);
    }
  }

  public static Result parse(String json) {
    List<Key> keys = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    if (json == null || json.length() > MAX_BYTES) {
      problems.add("the key set must be JSON of at most " + MAX_BYTES + " bytes");
      return new Result(keys, problems);
    }
    JsonNode root;
    try {
      root = STRICT.readTree(json.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      problems.add("the key set is not JSON");
      return new Result(keys, problems);
    }
    if (root == null || !root.isObject() || !root.path("keys").isArray()) {
      problems.add("the key set must be a JSON object with a \"keys\" array");
      return new Result(keys, problems);
    }
    JsonNode list = root.get("keys");
    if (list.size() > MAX_KEYS) {
      problems.add("the key set may hold at most " + MAX_KEYS + " keys, holds " + list.size());
      return new Result(keys, problems);
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode k = list.get(i);
      String kid = k.path("kid").isTextual() ? k.get("kid").asText() : null;
      String which = "key " + i + (kid == null ? "" : " (kid \"" + printable(kid) + "\")");
      try {
        keys.add(key(k));
      } catch (IllegalArgumentException e) {
        problems.add(which + ": " + e.getMessage());
      }
    }
    return new Result(keys, problems);
  }

  private static Key key(JsonNode k) {
    if (!k.isObject()) {
      throw new IllegalArgumentException("is not a JSON object");
    }
    String kty = text(k, "kty");
    if (kty == null) {
      throw new IllegalArgumentException("has no kty");
    }
    String use = text(k, "use");
    if (use != null && !use.equals("sig")) {
      throw new IllegalArgumentException("is for use \"" + printable(use) + "\", not sig");
    }
    if (k.has("key_ops")) {
      boolean verify = false;
      for (JsonNode op : k.path("key_ops")) {
        verify |= "verify".equals(op.asText());
      }
      if (!verify) {
        throw new IllegalArgumentException("key_ops does not allow verify");
      }
    }
    JwsAlgorithm alg = null;
    String algName = text(k, "alg");
    if (algName != null) {
      alg = JwsAlgorithm.of(algName);
      if (alg == null) {
        throw new IllegalArgumentException("alg \"" + printable(algName) + "\" is not one of " + List.of(JwsAlgorithm.values())
            + " (none and HMAC algorithms are never accepted)");
      }
    }
    String kid = text(k, "kid");
    if (kid != null && kid.length() > 256) {
      throw new IllegalArgumentException("kid is longer than 256 characters");
    }
    Key key = switch (kty) {
      case "RSA" -> new Key(kid, alg, kty, null, rsa(k));
      case "EC" -> {
        String crv = text(k, "crv");
        yield new Key(kid, alg, kty, crv, ec(k, crv));
      }
      case "oct" -> throw new IllegalArgumentException("is a symmetric (oct) key; only RSA and EC public keys are used");
      default -> throw new IllegalArgumentException("has key type \"" + printable(kty) + "\"; only RSA and EC are used");
    };
    if (alg != null && !alg.fits(key)) {
      throw new IllegalArgumentException("alg " + alg + " does not fit a " + kty + " key"
          + (key.crv() == null ? "" : " on " + key.crv()));
    }
    return key;
  }

  private static PublicKey rsa(JsonNode k) {
    BigInteger n = unsigned(k, "n", 0);
    BigInteger e = unsigned(k, "e", 0);
    if (n.bitLength() < 2048 || n.bitLength() > 16384) {
      throw new IllegalArgumentException("RSA keys must have 2048 to 16384 bits, this one has " + n.bitLength());
    }
    if (!e.testBit(0) || e.compareTo(BigInteger.ONE) <= 0 || e.bitLength() > 64) {
      throw new IllegalArgumentException("has an invalid RSA exponent");
    }
    try {
      return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
    } catch (Exception ex) {
      throw new IllegalArgumentException("is not a valid RSA public key");
    }
  }

  private static final Map<String, String> CURVES = Map.of("P-256", "secp256r1", "P-384", "secp384r1",
      "P-521", "secp521r1");

  private static PublicKey ec(JsonNode k, String crv) {
    String name = crv == null ? null : CURVES.get(crv);
    if (name == null) {
      throw new IllegalArgumentException("EC keys must be on P-256, P-384 or P-521");
    }
    int size = crv.equals("P-521") ? 66 : crv.equals("P-384") ? 48 : 32;
    BigInteger x = unsigned(k, "x", size);
    BigInteger y = unsigned(k, "y", size);
    try {
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec(name));
      ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
      if (!onCurve(spec.getCurve(), x, y)) {
        throw new IllegalArgumentException("its point is not on " + crv);
      }
      return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), spec));
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException("is not a valid EC public key");
    }
  }

  /** y² = x³ + ax + b (mod p), with both coordinates below p. */
  private static boolean onCurve(EllipticCurve curve, BigInteger x, BigInteger y) {
    BigInteger p = ((ECFieldFp) curve.getField()).getP();
    if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
      return false;
    }
    BigInteger left = y.multiply(y).mod(p);
    BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
    return left.equals(right);
  }

  /** A base64url member as an unsigned integer; {@code size} > 0 requires exactly that many bytes. */
  private static BigInteger unsigned(JsonNode k, String member, int size) {
    String v = text(k, member);
    byte[] bytes = v == null ? null : Base64Url.decode(v);
    if (bytes == null || bytes.length == 0 || (size > 0 && bytes.length != size)) {
      throw new IllegalArgumentException("member " + member + " is missing or not base64url"
          + (size > 0 ? " of " + size + " bytes" : ""));
    }
    return new BigInteger(1, bytes);
  }

  private static String text(JsonNode k, String member) {
    JsonNode v = k.get(member);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  /** For problem messages: a value from the key set, cut short and without control characters. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 64; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}
