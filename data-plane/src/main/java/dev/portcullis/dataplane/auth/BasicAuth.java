package dev.portcullis.dataplane.auth;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HTTP Basic (RFC 7617) against bcrypt hashes. The header is read strictly (one Authorization
 * field, scheme Basic, padded base64 of UTF-8 {@code user:password}); anything else is a 401 with
 * the challenge. The Authorization header goes on to the upstream, as with ingress-nginx.
 */
final class BasicAuth implements RouteAuth {

  /** Longer Basic credentials than this are refused unread (bcrypt reads 72 bytes of a password). */
  static final int MAX_CREDENTIALS = 4096;

  private final Map<String, String> users;
  private final String dummy;
  private final BcryptVerifier verifier;
  private final AuthDecision challenge;

  /** @param users user to bcrypt or apr1 hash, or null when the password file is unavailable (503 for all) */
  BasicAuth(Map<String, String> users, String realm, BcryptVerifier verifier) {
    this.users = users;
    this.verifier = verifier;
    this.dummy = users == null || verifier == null ? null : dummyFor(users);
    this.challenge = AuthDecision.deny(401, AuthDecision.UNAUTHORIZED, List.of(Map.entry("www-authenticate",
        "Basic realm=\"" + quote(realm) + "\", charset=\"UTF-8\"")));
  }

  @Override
  public Future<AuthDecision> check(AuthRequest r) {
    if (users == null || verifier == null) {
      return Future.succeededFuture(AuthDecision.deny(503, AuthDecision.UNAVAILABLE, List.of()));
    }
    List<String> values = r.request().headers().getAll(HttpHeaders.AUTHORIZATION);
    if (values.size() > 1) {
      // One field, or the proxy and the upstream might each read a different one.
      return Future.succeededFuture(AuthDecision.deny(400, AuthDecision.BAD_REQUEST, List.of()));
    }
    byte[] credentials = values.isEmpty() ? null : decode(values.get(0));
    int colon = credentials == null ? -1 : indexOf(credentials, (byte) ':');
    if (colon <= 0) {
      return Future.succeededFuture(challenge);
    }
    String user;
    try {
      user = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(credentials, 0, colon)).toString();
    } catch (CharacterCodingException e) {
      return Future.succeededFuture(challenge);
    }
    byte[] password = Arrays.copyOfRange(credentials, colon + 1, credentials.length);
    Arrays.fill(credentials, (byte) 0);
    String hash = users.get(user);
    boolean known = hash != null;
    // An unknown user costs a check against the dummy hash, as long as a known one's.
    Future<Boolean> verdict = verifier.verify(user, password, known ? hash : dummy, known);
    if (verdict == null) {
      return Future.succeededFuture(AuthDecision.deny(503, AuthDecision.BUSY, List.of(Map.entry("retry-after", "1"))));
    }
    return verdict.map(ok -> ok && known ? AuthDecision.ALLOW : challenge)
        .andThen(ar -> Arrays.fill(password, (byte) 0));
  }

  /** The credentials of a {@code Basic} field, or null when it is not one. */
  static byte[] decode(String field) {
    if (field.length() < 7 || field.length() > MAX_CREDENTIALS || !field.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    int start = 6;
    while (start < field.length() && field.charAt(start) == ' ') {
      start++;
    }
    String b64 = field.substring(start);
    if (b64.isEmpty() || b64.length() % 4 != 0) {
      return null;
    }
    try {
      return Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /**
   * What an unknown user's password is checked against, so that it takes as long as a known user's:
   * an apr1 hash when most of the file's are apr1, else bcrypt at the cost most of them have.
   */
  static String dummyFor(Map<String, String> users) {
    long apr1 = users.values().stream().filter(h -> h.startsWith("$apr1$")).count();
    if (apr1 * 2 > users.size()) {
      byte[] random = new byte[16];
      new java.security.SecureRandom().nextBytes(random);
      return org.apache.commons.codec.digest.Md5Crypt.apr1Crypt(random);
    }
    return BcryptVerifier.dummy(typicalCost(users));
  }

  /** The cost most of the file's bcrypt hashes have: unknown users are checked at it. */
  static int typicalCost(Map<String, String> users) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (String hash : users.values()) {
      if (hash.startsWith("$2")) {
        counts.merge(Integer.parseInt(hash.substring(4, 6)), 1, Integer::sum);
      }
    }
    return counts.entrySet().stream().max(Map.Entry.<Integer, Integer>comparingByValue()
        .thenComparing(Map.Entry.comparingByKey())).map(Map.Entry::getKey).orElse(10);
  }

  /** The inside of an RFC 9110 quoted-string. */
  static String quote(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
