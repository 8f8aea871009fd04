package dev.portcullis.dataplane.auth;

import dev.portcullis.model.Auth;
import dev.portcullis.model.Credential;
import dev.portcullis.model.SecretRef;
import dev.portcullis.model.auth.JsonWebKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What authentication shares across route tables and event loops: the bcrypt workers and their
 * cache, and the key sets fetched from URLs. Compiles each route's {@link Auth} with the
 * snapshot's credentials. Every cache here is per data-plane replica.
 */
public final class AuthRuntime implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AuthRuntime.class);

  private final Vertx vertx;
  private final BcryptVerifier bcrypt;
  private final JwksCache jwks;

  public AuthRuntime(Vertx vertx) {
    this(vertx, BcryptVerifier.DEFAULT_WORKERS, BcryptVerifier.DEFAULT_MAX_PENDING, JwksCache.DEFAULT_REFRESH_MS,
        JwksCache.DEFAULT_RETRY_MS, JwksCache.DEFAULT_KID_REFETCH_MS);
  }

  public AuthRuntime(Vertx vertx, int bcryptWorkers, int bcryptMaxPending, long jwksRefreshMs, long jwksRetryMs,
      long jwksKidRefetchMs) {
    this.vertx = vertx;
    this.bcrypt = new BcryptVerifier(vertx, bcryptWorkers, bcryptMaxPending);
    this.jwks = new JwksCache(vertx, jwksRefreshMs, jwksRetryMs, jwksKidRefetchMs);
  }

  /**
   * A route's authentication. A credential the table names but the snapshot lacks (or one whose
   * fingerprint differs) makes the route refuse every request with 503: closed, never open. Runs
   * off the event loop (with the table's compilation): it may make a dummy bcrypt hash.
   *
   * @param at the route, for the log
   */
  public RouteAuth compile(Auth auth, Map<String, Credential> credentials, String at) {
    if (auth.basic() != null) {
      Credential c = credential(auth.basic().secret(), auth.basic().credentialKey(), credentials, at);
      return new BasicAuth(c instanceof Credential.Htpasswd h ? h.users() : null, auth.basic().realm(), bcrypt);
    }
    if (auth.jwt() != null) {
      Auth.Jwt j = auth.jwt();
      KeySource keys;
      if (j.jwksUri() != null) {
        keys = jwks.source(j.jwksUri());
      } else {
        Credential c = credential(j.jwksSecret(), j.credentialKey(), credentials, at);
        KeySet set = null;
        if (c instanceof Credential.Jwks k) {
          List<JsonWebKeys.Key> parsed = JsonWebKeys.parse(k.json()).keys();
          set = parsed.isEmpty() ? null : new KeySet(parsed);
        }
        keys = KeySource.fixed(set);
      }
      return new JwtAuth(j, keys, vertx);
    }
    return new ExternalAuth(auth.external(), vertx);
  }

  private static Credential credential(SecretRef ref, String key, Map<String, Credential> credentials, String at) {
    if (ref.fingerprint() == null) {
      return null; // the translator reported it; the route refuses everything until it is fixed
    }
    Credential c = credentials.get(key);
    if (c == null || !Credential.fingerprint(c).equals(ref.fingerprint())) {
      LOG.warn("{}: the credential {} is {} the snapshot; the route answers 503", at, key,
          c == null ? "missing from" : "not the one named by");
      return null;
    }
    return c;
  }

  /** Stops fetching key sets no route of the applied table uses. */
  public void retainJwks(Set<String> uris) {
    jwks.retainOnly(uris);
  }

  /** The key sets fetched from URLs. */
  public JwksCache jwks() {
    return jwks;
  }

  /** The bcrypt workers. */
  public BcryptVerifier bcrypt() {
    return bcrypt;
  }

  /** A route whose authentication cannot be compiled refuses every request. */
  static RouteAuth refuseAll() {
    return r -> Future.succeededFuture(AuthDecision.deny(503, AuthDecision.UNAVAILABLE, List.of()));
  }

  /** What a route with authentication gets when there is no runtime to check it with: 503 for all. */
  public static RouteAuth unavailable() {
    return refuseAll();
  }

  @Override
  public void close() {
    jwks.close();
    bcrypt.close();
  }
}
