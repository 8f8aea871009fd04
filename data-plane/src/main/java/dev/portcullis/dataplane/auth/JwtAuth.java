package dev.portcullis.dataplane.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.model.Auth;
import dev.portcullis.model.auth.Base64Url;
import dev.portcullis.model.auth.JsonWebKeys;
import dev.portcullis.model.auth.JwsAlgorithm;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JWT bearer tokens (RFC 7519 in JWS compact form, sent as RFC 6750 {@code Authorization: Bearer};
 * tokens in cookies or query parameters are not looked at). A token passes when:
 *
 * <ul>
 *   <li>its header names an asymmetric algorithm ({@link JwsAlgorithm}: never {@code none}, never
 *       HS*), carries no {@code crit} extension, and its signature verifies with a key of the set
 *       that fits the algorithm (the kid's keys when it names one; keys are never taken from the
 *       token's own {@code jwk}, {@code jku} or {@code x5u});</li>
 *   <li>{@code iss} equals the issuer, {@code aud} (a string or an array) holds one of the
 *       audiences, {@code exp} is there and not past, and {@code nbf} and {@code iat}, when there,
 *       are not in the future, each with the clock skew.</li>
 * </ul>
 *
 * Everything is bounded: tokens longer than {@value #MAX_TOKEN} characters are refused unread, JSON
 * is read without duplicate keys (two readers must never see two values), claim values longer than
 * {@value #MAX_HEADER_VALUE} characters are not copied. A signature check is a fraction of a
 * millisecond of CPU and runs on the event loop; key sets are fetched and parsed off it.
 */
final class JwtAuth implements RouteAuth {

  static final int MAX_TOKEN = 8192;
  static final int MAX_HEADER_VALUE = 4096;

  private final Auth.Jwt config;
  private final KeySource keys;
  private final Set<String> claimHeaders;
  private final List<String[]> claimPaths = new ArrayList<>();
  private final Vertx vertx;

  JwtAuth(Auth.Jwt config, KeySource keys, Vertx vertx) {
    this.config = config;
    this.keys = keys;
    this.vertx = vertx;
    Set<String> headers = new LinkedHashSet<>();
    for (Auth.ClaimHeader c : config.claimToHeaders()) {
      headers.add(c.header());
      claimPaths.add(c.claim().split("\\.", -1));
    }
    this.claimHeaders = Set.copyOf(headers);
  }

  /** A token, read but not yet checked. */
  record Token(JwsAlgorithm alg, String kid, byte[] signingInput, byte[] signature, JsonNode claims) {}

  @Override
  public Future<AuthDecision> check(AuthRequest r) {
    List<String> values = r.request().headers().getAll(HttpHeaders.AUTHORIZATION);
    if (values.size() > 1) {
      return done(AuthDecision.deny(400, AuthDecision.BAD_REQUEST, challenge("invalid_request",
          "one Authorization header")));
    }
    String field = values.isEmpty() ? null : values.get(0);
    if (field == null || !field.regionMatches(true, 0, "Bearer ", 0, 7)) {
      // No token at all (RFC 6750 3.1: then the challenge carries no error code).
      return done(config.optional() ? AuthDecision.allow(claimHeaders, List.of())
          : AuthDecision.deny(401, AuthDecision.UNAUTHORIZED, List.of(Map.entry("www-authenticate", "Bearer"))));
    }
    Token token = read(field.substring(7).trim());
    if (token == null) {
      return done(invalid("malformed token"));
    }
    KeySet set = keys.current();
    if (set != null) {
      AuthDecision d = decide(token, set, false);
      if (d != null) {
        return done(d);
      }
      // Its kid is not in the set: the issuer may have rotated its keys since the last fetch.
      Future<KeySet> again = keys.refetch();
      return again == null ? done(invalid("unknown key")) : here(again).map(ks -> decided(token, ks))
          .otherwise(e -> invalid("unknown key"));
    }
    return here(keys.load()).map(ks -> decided(token, ks))
        .otherwise(e -> AuthDecision.deny(503, AuthDecision.UNAVAILABLE, List.of()));
  }

  private AuthDecision decided(Token token, KeySet set) {
    AuthDecision d = decide(token, set, true);
    return d == null ? invalid("unknown key") : d;
  }

  /** Completes on the calling event loop, whichever thread completes {@code f}. */
  private <T> Future<T> here(Future<T> f) {
    Context context = vertx.getOrCreateContext();
    Promise<T> promise = Promise.promise();
    f.onComplete(ar -> context.runOnContext(v -> promise.handle(ar)));
    return promise.future();
  }

  private static Future<AuthDecision> done(AuthDecision d) {
    return Future.succeededFuture(d);
  }

  /** Reads the JWS compact form strictly; null when it is not one this verifier could accept. */
  static Token read(String jwt) {
    if (jwt.isEmpty() || jwt.length() > MAX_TOKEN) {
      return null;
    }
    int first = jwt.indexOf('.');
    int second = first < 0 ? -1 : jwt.indexOf('.', first + 1);
    if (first <= 0 || second < 0 || jwt.indexOf('.', second + 1) >= 0 || second == first + 1
        || second == jwt.length() - 1) {
      return null;
    }
    byte[] headerBytes = Base64Url.decode(jwt, 0, first);
    byte[] payload = Base64Url.decode(jwt, first + 1, second);
    byte[] signature = Base64Url.decode(jwt, second + 1, jwt.length());
    if (headerBytes == null || payload == null || signature == null) {
      return null;
    }
    JsonNode header = json(headerBytes);
    JsonNode claims = json(payload);
    if (header == null || claims == null || header.has("crit")) {
      return null;
    }
    JsonNode alg = header.get("alg");
    JwsAlgorithm algorithm = alg != null && alg.isTextual() ? JwsAlgorithm.of(alg.asText()) : null;
    if (algorithm == null) {
      return null; // none, HS*, and whatever else is not an asymmetric algorithm of ours
    }
    JsonNode kid = header.get("kid");
    if (kid != null && (!kid.isTextual() || kid.asText().length() > 256)) {
      return null;
    }
    if (algorithm.signatureLength() > 0 && signature.length != algorithm.signatureLength()) {
      return null;
    }
    return new Token(algorithm, kid == null ? null : kid.asText(),
        jwt.substring(0, second).getBytes(StandardCharsets.US_ASCII), signature, claims);
  }

  private static JsonNode json(byte[] bytes) {
    try {
      JsonNode n = JsonWebKeys.mapper().readTree(bytes);
      return n != null && n.isObject() ? n : null;
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * The decision on a read token with these keys, or null when none of them is the one its kid
   * names (and only then: a key that exists but does not verify is a refusal, not a refetch).
   */
  AuthDecision decide(Token token, KeySet set, boolean refetched) {
    List<JsonWebKeys.Key> candidates = set.candidates(token.kid());
    boolean fitting = false;
    boolean verified = false;
    for (JsonWebKeys.Key key : candidates) {
      if (!token.alg().fits(key) || (key.alg() != null && key.alg() != token.alg())) {
        continue;
      }
      fitting = true;
      if (verifies(token, key)) {
        verified = true;
        break;
      }
    }
    if (!fitting) {
      return token.kid() != null && candidates.isEmpty() && !refetched ? null : invalid("no key for this token");
    }
    if (!verified) {
      return invalid("bad signature");
    }
    return claims(token.claims());
  }

  private static boolean verifies(Token token, JsonWebKeys.Key key) {
    try {
      Signature s = Signature.getInstance(token.alg().jcaName());
      if (token.alg().parameters() != null) {
        s.setParameter(token.alg().parameters());
      }
      s.initVerify(key.publicKey());
      s.update(token.signingInput());
      return s.verify(token.signature());
    } catch (Exception e) {
      return false;
    }
  }

  private AuthDecision claims(JsonNode claims) {
    double now = System.currentTimeMillis() / 1000.0;
    double skew = config.clockSkewMs() / 1000.0;
    JsonNode iss = claims.get("iss");
    if (iss == null || !iss.isTextual() || !iss.asText().equals(config.issuer())) {
      return invalid("wrong issuer");
    }
    if (!audience(claims.get("aud"))) {
      return invalid("wrong audience");
    }
    JsonNode exp = claims.get("exp");
    if (exp == null || !exp.isNumber()) {
      return invalid("no expiry");
    }
    if (now - skew >= exp.asDouble()) {
      return invalid("expired");
    }
    JsonNode nbf = claims.get("nbf");
    if (nbf != null && (!nbf.isNumber() || now + skew < nbf.asDouble())) {
      return invalid("not yet valid");
    }
    JsonNode iat = claims.get("iat");
    if (iat != null && (!iat.isNumber() || iat.asDouble() > now + skew)) {
      return invalid("issued in the future");
    }
    List<Map.Entry<String, String>> add = new ArrayList<>();
    for (int i = 0; i < claimPaths.size(); i++) {
      String value = headerValue(claims, claimPaths.get(i));
      if (value != null) {
        add.add(Map.entry(config.claimToHeaders().get(i).header(), value));
      }
    }
    return AuthDecision.allow(claimHeaders, add);
  }

  private boolean audience(JsonNode aud) {
    if (aud == null) {
      return false;
    }
    if (aud.isTextual()) {
      return config.audiences().contains(aud.asText());
    }
    if (aud.isArray()) {
      for (JsonNode a : aud) {
        if (a.isTextual() && config.audiences().contains(a.asText())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * A claim as a header value: text as it is, numbers and booleans as JSON writes them, arrays of
   * those joined with commas; null for objects, missing claims, and values that are not short
   * printable ASCII (they could not travel in a header as they are).
   */
  static String headerValue(JsonNode claims, String[] path) {
    JsonNode n = claims;
    for (String part : path) {
      n = n == null || !n.isObject() ? null : n.get(part);
    }
    if (n == null || n.isNull() || n.isObject()) {
      return null;
    }
    String value;
    if (n.isArray()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode e : n) {
        if (!e.isValueNode() || e.isNull()) {
          return null;
        }
        parts.add(e.asText());
      }
      value = String.join(",", parts);
    } else {
      value = n.asText();
    }
    if (value.length() > MAX_HEADER_VALUE) {
      return null;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        return null;
      }
    }
    return value;
  }

  private static AuthDecision invalid(String description) {
    return AuthDecision.deny(401, AuthDecision.UNAUTHORIZED, challenge("invalid_token", description));
  }

  private static List<Map.Entry<String, String>> challenge(String error, String description) {
    return List.of(Map.entry("www-authenticate", "Bearer error=\"" + error + "\", error_description=\""
        + description + "\""));
  }
}
