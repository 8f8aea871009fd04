package dev.portcullis.translator.auth;

import dev.portcullis.model.Credential;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.auth.JsonWebKeys;
import dev.portcullis.translator.ClusterSnapshot;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the Secrets authentication names: htpasswd files (key {@value #HTPASSWD_KEY}, as
 * ingress-nginx's auth-file, or {@value #HTPASSWD_KEY_ALT}) and JSON Web Key Sets (key
 * {@value #JWKS_KEY}), of any type, in the route's namespace. Each is read once per translation.
 *
 * <p>Problems name lines, users and keys, never a hash or a password: a problem ends up in status,
 * Events and logs, which are no place for secret material.
 */
public final class AuthSecrets {

  public static final String HTPASSWD_KEY = "auth";
  public static final String HTPASSWD_KEY_ALT = "htpasswd";
  public static final String JWKS_KEY = "jwks.json";

  /**
   * What came of a Secret.
   *
   * @param credential  what travels to the data planes, or null when nothing usable came of it
   * @param fingerprint its fingerprint, or null
   * @param details     problems with parts of it (a line, a key) that were left out
   * @param problem     why it cannot be used at all, or null
   * @param missing     true when the Secret does not exist
   * @param warnings    parts that are used but should change (a weak hash)
   */
  public record Result(Credential credential, String fingerprint, List<String> details, String problem,
      boolean missing, List<String> warnings) {
    public Result {
      warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    public Result(Credential credential, String fingerprint, List<String> details, String problem, boolean missing) {
      this(credential, fingerprint, details, problem, missing, List.of());
    }

    public boolean ok() {
      return credential != null;
    }
  }

  private final ClusterSnapshot snapshot;
  private final Map<String, ClusterSnapshot.Captured<Result>> cache = new HashMap<>();

  public AuthSecrets(ClusterSnapshot snapshot) {
    this.snapshot = snapshot;
  }

  /** The bcrypt users of an htpasswd file. */
  public Result htpasswd(String namespace, String name) {
    return snapshot.cached(cache, Credential.HTPASSWD + ":" + namespace + "/" + name, () -> {
      Secret secret = snapshot.secret(namespace, name).orElse(null);
      String what = "Secret " + namespace + "/" + name;
      if (secret == null) {
        return new Result(null, null, List.of(), what + " not found", true);
      }
      String file = field(secret, HTPASSWD_KEY);
      if (file == null) {
        file = field(secret, HTPASSWD_KEY_ALT);
      }
      if (file == null) {
        return unusable(what + " has no key " + HTPASSWD_KEY + " (or " + HTPASSWD_KEY_ALT + ") holding an htpasswd "
            + "file in UTF-8", List.of());
      }
      return parseHtpasswd(file, what);
    });
  }

  /**
   * The bcrypt users of ingress-nginx's {@code auth-map} Secret: one key per user, holding the
   * user's hash.
   */
  public Result htpasswdMap(String namespace, String name) {
    return snapshot.cached(cache, Credential.HTPASSWD + "-map:" + namespace + "/" + name, () -> {
      Secret secret = snapshot.secret(namespace, name).orElse(null);
      String what = "Secret " + namespace + "/" + name;
      if (secret == null) {
        return new Result(null, null, List.of(), what + " not found", true);
      }
      java.util.Set<String> keys = new java.util.TreeSet<>();
      if (secret.getData() != null) {
        keys.addAll(secret.getData().keySet());
      }
      if (secret.getStringData() != null) {
        keys.addAll(secret.getStringData().keySet());
      }
      StringBuilder file = new StringBuilder();
      for (String user : keys) {
        String hash = field(secret, user);
        if (hash != null) {
          file.append(user).append(':').append(hash.strip()).append('\n');
        }
      }
      return parseHtpasswd(file.toString(), what);
    });
  }

  /** Reads an htpasswd file: one {@code user:hash} per line; bcrypt and apr1 hashes only. */
  static Result parseHtpasswd(String file, String what) {
    Map<String, String> users = new LinkedHashMap<>();
    Map<String, Integer> lineOf = new HashMap<>();
    List<String> details = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    String[] lines = file.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int n = i + 1;
      String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        details.add("line " + n + " is not user:hash; it is ignored");
        continue;
      }
      String user = line.substring(0, colon);
      String hash = line.substring(colon + 1).strip();
      if (!user.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
        details.add("line " + n + ": the user name has control characters; it is ignored");
        continue;
      }
      if (users.containsKey(user)) {
        details.add("line " + n + ": user \"" + user + "\" is already defined on line " + lineOf.get(user)
            + "; this line is ignored");
        continue;
      }
      if (Credential.isApr1(hash)) {
        warnings.add("line " + n + ": user \"" + user + "\" has an apr1 (MD5) hash, htpasswd's default: accepted, but "
            + "bcrypt (htpasswd -B) resists guessing far better");
      } else if (!Credential.isBcrypt(hash)) {
        details.add("line " + n + ": user \"" + user + "\" has " + hashKind(hash) + "; only bcrypt (htpasswd -B: $2y$, "
            + "$2a$, $2b$) and apr1 (htpasswd's default: $apr1$) are accepted, so this user cannot log in");
        continue;
      }
      if (users.size() == Credential.MAX_USERS) {
        details.add("line " + n + " and after: more than " + Credential.MAX_USERS + " users; the rest are ignored");
        break;
      }
      users.put(user, hash);
      lineOf.put(user, n);
    }
    if (users.isEmpty()) {
      return unusable(what + " holds no bcrypt or apr1 user", details);
    }
    try {
      Credential c = new Credential.Htpasswd(users);
      return new Result(c, Credential.fingerprint(c), details, null, false, warnings);
    } catch (ModelException e) {
      return unusable(what + ": " + e.getMessage(), details);
    }
  }

  /** What kind of hash a refused entry has, without showing it. */
  static String hashKind(String hash) {
    if (hash.startsWith("$apr1$")) {
      return "a malformed apr1 hash";
    }
    if (hash.startsWith("{SHA}")) {
      return "a SHA-1 hash";
    }
    if (hash.startsWith("$1$")) {
      return "an MD5-crypt hash";
    }
    if (hash.startsWith("$5$") || hash.startsWith("$6$")) {
      return "a SHA-crypt hash";
    }
    if (hash.startsWith("$2")) {
      return "a malformed bcrypt hash";
    }
    if (hash.length() == 13 && hash.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '/')) {
      return "a crypt(3) DES hash";
    }
    return "no recognised hash (plain text?)";
  }

  /** The usable keys of a JSON Web Key Set. */
  public Result jwks(String namespace, String name) {
    return snapshot.cached(cache, Credential.JWKS + ":" + namespace + "/" + name, () -> {
      Secret secret = snapshot.secret(namespace, name).orElse(null);
      String what = "Secret " + namespace + "/" + name;
      if (secret == null) {
        return new Result(null, null, List.of(), what + " not found", true);
      }
      String json = field(secret, JWKS_KEY);
      if (json == null) {
        return unusable(what + " has no key " + JWKS_KEY + " holding a JSON Web Key Set in UTF-8", List.of());
      }
      JsonWebKeys.Result parsed = JsonWebKeys.parse(json);
      if (parsed.keys().isEmpty()) {
        return unusable(what + ": " + JWKS_KEY + " holds no usable key", parsed.problems());
      }
      Credential c = new Credential.Jwks(json);
      return new Result(c, Credential.fingerprint(c), parsed.problems(), null, false);
    });
  }

  private static Result unusable(String problem, List<String> details) {
    return new Result(null, null, details, problem, false);
  }

  /** A Secret's key as UTF-8 text (stringData first, as the API server merges it), or null. */
  private static String field(Secret secret, String key) {
    if (secret.getStringData() != null && secret.getStringData().get(key) != null) {
      return secret.getStringData().get(key);
    }
    if (secret.getData() == null || secret.getData().get(key) == null) {
      return null;
    }
    try {
      byte[] bytes = Base64.getMimeDecoder().decode(secret.getData().get(key));
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (IllegalArgumentException | CharacterCodingException e) {
      return null;
    }
  }
}
