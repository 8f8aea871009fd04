package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.portcullis.model.auth.JsonWebKeys;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Secret material a route's authentication needs, as read from a Secret and checked by the
 * translator: the password hashes of an htpasswd file, or a JSON Web Key Set. Like a
 * {@link Certificate} it travels only on the authenticated push stream, keyed by
 * {@link SecretRef#credentialKey}; the table names it by {@link #fingerprint}. Its
 * {@link #toString} never shows the material.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Credential.Htpasswd.class, name = Credential.HTPASSWD),
    @JsonSubTypes.Type(value = Credential.Jwks.class, name = Credential.JWKS)
})
public sealed interface Credential {

  String HTPASSWD = "htpasswd";
  String JWKS = "jwks";

  /** The most users one password file may hold. */
  int MAX_USERS = 10_000;

  /**
   * Users and their bcrypt hashes. Only bcrypt ({@code $2a$}, {@code $2b$}, {@code $2y$}) is
   * accepted: the other htpasswd kinds (apr1 MD5, SHA-1, crypt, plain text) are fast to guess, so
   * a data plane never checks a password against them.
   *
   * @param users user name to hash, sorted (the same file always gives the same fingerprint)
   */
  record Htpasswd(Map<String, String> users) implements Credential {
    public Htpasswd {
      if (users == null || users.isEmpty()) {
        throw new ModelException("users", "must name at least one user");
      }
      if (users.size() > MAX_USERS) {
        throw new ModelException("users", "may hold at most " + MAX_USERS + " users, has " + users.size());
      }
      SortedMap<String, String> sorted = new TreeMap<>();
      for (Map.Entry<String, String> e : users.entrySet()) {
        String user = e.getKey();
        if (user == null || user.isEmpty() || user.indexOf(':') >= 0 || !printable(user)) {
          throw new ModelException("users", "a user name must be printable and hold no ':'");
        }
        if (!isBcrypt(e.getValue()) && !isApr1(e.getValue())) {
          // The hash is not echoed: it is secret material.
          throw new ModelException("users[" + user + "]", "is not a bcrypt ($2a$, $2b$ or $2y$) or apr1 ($apr1$) hash");
        }
        sorted.put(user, e.getValue());
      }
      users = Collections.unmodifiableSortedMap(sorted);
    }

    @Override
    public String toString() {
      return "Htpasswd[" + users.size() + " users, hashes=<redacted>]";
    }
  }

  /**
   * A JSON Web Key Set (RFC 7517) of public keys that JWTs are checked with.
   *
   * @param json the set as JSON; it holds at least one usable key
   */
  record Jwks(String json) implements Credential {
    public Jwks {
      Checks.notBlank(json, "json");
      JsonWebKeys.Result parsed = JsonWebKeys.parse(json);
      if (parsed.keys().isEmpty()) {
        throw new ModelException("json", "holds no usable key" + (parsed.problems().isEmpty() ? ""
            : " (" + parsed.problems().get(0) + ")"));
      }
    }

    @Override
    public String toString() {
      return "Jwks[" + json.length() + " chars]";
    }
  }

  /**
   * An Apache MD5 hash ({@code htpasswd}'s default, {@code $apr1$}, a salt of up to 8 and a hash of
   * 22 characters of crypt's base64): weaker than bcrypt, accepted because ingress-nginx's own
   * documentation makes its users with {@code htpasswd -c}.
   */
  public static boolean isApr1(String hash) {
    return hash != null && hash.matches("\\$apr1\\$[./0-9A-Za-z]{1,8}\\$[./0-9A-Za-z]{22}");
  }

  /** A bcrypt hash in the modular crypt form: {@code $2y$NN$} and 53 characters of bcrypt's base64. */
  public static boolean isBcrypt(String hash) {
    if (hash == null || hash.length() != 60 || hash.charAt(0) != '$' || hash.charAt(1) != '2'
        || "aby".indexOf(hash.charAt(2)) < 0 || hash.charAt(3) != '$' || hash.charAt(6) != '$') {
      return false;
    }
    if (!Character.isDigit(hash.charAt(4)) || !Character.isDigit(hash.charAt(5))) {
      return false;
    }
    int cost = Integer.parseInt(hash.substring(4, 6));
    if (cost < 4 || cost > 31) {
      return false;
    }
    for (int i = 7; i < 60; i++) {
      char c = hash.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/')) {
        return false;
      }
    }
    return true;
  }

  private static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** SHA-256 (hex) of the credential's JSON form: what the table names it by. */
  static String fingerprint(Credential credential) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(RouteTableJson.toJson(credential)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
