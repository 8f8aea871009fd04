package dev.portcullis.dataplane.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.Auth;
import dev.portcullis.model.Credential;
import dev.portcullis.model.SecretRef;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JWT validation at the edge over real sockets, with keys from a Secret and from a URL. */
class JwtAuthTest extends AuthHarness {

  static final String ISSUER = "https://idp.example.com/";
  KeyPair rsa;
  KeyPair ec;
  KeyPair other;
  KeyPair rotated;
  Credential.Jwks jwks;
  Auth auth;
  HttpServer idp;
  final AtomicReference<String> served = new AtomicReference<>();
  final AtomicInteger idpRequests = new AtomicInteger();

  @BeforeAll
  void keys() throws Exception {
    rsa = Tokens.rsa();
    ec = Tokens.ec();
    other = Tokens.rsa();
    rotated = Tokens.ec();
    jwks = new Credential.Jwks(Tokens.set(Tokens.jwk(rsa, "r1"), Tokens.jwk(ec, "e1")));
    auth = jwt(null, new SecretRef("shop", "keys", Credential.fingerprint(jwks)), false);
    idp = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(req -> {
      idpRequests.incrementAndGet();
      req.response().putHeader("content-type", "application/json").end(served.get());
    });
    await(idp.listen());
  }

  static Auth jwt(String uri, SecretRef secret, boolean optional) {
    return new Auth(null, new Auth.Jwt(ISSUER, List.of("shop-api", "shop-web"), uri, secret, 60_000,
        List.of(new Auth.ClaimHeader("sub", "X-User"), new Auth.ClaimHeader("realm.role", "x-role")), optional), null);
  }

  void serveSecret() throws Exception {
    serve(auth, Map.of("jwks:shop/keys", jwks));
  }

  String valid(KeyPair pair, String alg, String kid) throws Exception {
    return Tokens.sign(pair.getPrivate(), alg, kid, Tokens.claims(ISSUER, "\"shop-api\"", Tokens.now() + 300,
        "\"realm\":{\"role\":\"admin\"},\"iat\":" + Tokens.now()));
  }

  Reply bearer(String token, String... more) throws Exception {
    String[] headers = new String[more.length + 2];
    headers[0] = "Authorization";
    headers[1] = "Bearer " + token;
    System.arraycopy(more, 0, headers, 2, more.length);
    return get("/x", headers);
  }

  @Test
  void validTokensGetInWithTheirClaimsInHeaders() throws Exception {
    serveSecret();
    String token = valid(rsa, "RS256", "r1");
    Reply r = bearer(token, "X-User", "mallory", "X-Role", "root");
    assertThat(r.status()).isEqualTo(200);
    assertThat(lastHeaders.get().getAll("x-user")).containsExactly("alice");
    assertThat(lastHeaders.get().getAll("x-role")).containsExactly("admin");
    assertThat(lastHeaders.get().get("authorization")).isEqualTo("Bearer " + token);
    assertThat(bearer(valid(ec, "ES256", "e1")).status()).isEqualTo(200);
    assertThat(bearer(valid(rsa, "PS256", "r1")).status()).isEqualTo(200);
    assertThat(bearer(valid(ec, "ES256", null)).status()).as("no kid: every fitting key is tried").isEqualTo(200);
    assertThat(bearer(Tokens.sign(rsa.getPrivate(), "RS256", "r1", Tokens.claims(ISSUER, "[\"other\",\"shop-web\"]",
        Tokens.now() + 60, null))).status()).as("aud as an array").isEqualTo(200);
    assertThat(bearer(Tokens.sign(rsa.getPrivate(), "RS256", "r1", Tokens.claims(ISSUER, "\"shop-api\"",
        Tokens.now() - 30, null))).status()).as("expired within the clock skew").isEqualTo(200);
  }

  @Test
  void badTokensAre401InvalidToken() throws Exception {
    serveSecret();
    long now = Tokens.now();
    String aud = "\"shop-api\"";
    byte[] publicDer = rsa.getPublic().getEncoded();
    String pem = "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(publicDer)
        + "\n-----END PUBLIC KEY-----\n";
    String good = valid(rsa, "RS256", "r1");
    String[] parts = good.split("\\.");
    Map<String, String> bad = new java.util.LinkedHashMap<>();
    bad.put("expired", Tokens.sign(rsa.getPrivate(), "RS256", "r1", Tokens.claims(ISSUER, aud, now - 120, null)));
    bad.put("not yet valid", Tokens.sign(rsa.getPrivate(), "RS256", "r1", Tokens.claims(ISSUER, aud, now + 900,
        "\"nbf\":" + (now + 600))));
    bad.put("issued in the future", Tokens.sign(rsa.getPrivate(), "RS256", "r1", Tokens.claims(ISSUER, aud,
        now + 900, "\"iat\":" + (now + 600))));
    bad.put("no expiry", Tokens.sign(rsa.getPrivate(), "RS256", "r1", "{\"iss\":\"" + ISSUER + "\",\"aud\":" + aud
        + "}"));
    bad.put("wrong issuer", Tokens.sign(rsa.getPrivate(), "RS256", "r1", Tokens.claims("https://evil.example/", aud,
        now + 60, null)));
    bad.put("wrong audience", Tokens.sign(rsa.getPrivate(), "RS256", "r1", Tokens.claims(ISSUER, "[\"other\"]",
        now + 60, null)));
    bad.put("signed by another key", valid(other, "RS256", "r1"));
    bad.put("alg none", Tokens.none(Tokens.claims(ISSUER, aud, now + 60, null)));
    bad.put("HS256 with the public key (DER) as secret", Tokens.hs256(publicDer, "r1",
        Tokens.claims(ISSUER, aud, now + 60, null)));
    bad.put("HS256 with the public key (PEM) as secret", Tokens.hs256(pem.getBytes(StandardCharsets.US_ASCII), "r1",
        Tokens.claims(ISSUER, aud, now + 60, null)));
    bad.put("ES256 claimed for an RSA kid", valid(ec, "ES256", "r1"));
    bad.put("payload swapped", parts[0] + "." + Tokens.b64(Tokens.claims(ISSUER, aud, now + 3600, "\"sub\":\"root\""))
        + "." + parts[2]);
    bad.put("duplicate claims", Tokens.sign(rsa.getPrivate(), "RS256", "r1", "{\"iss\":\"" + ISSUER + "\",\"aud\":"
        + aud + ",\"exp\":" + (now + 60) + ",\"sub\":\"alice\",\"sub\":\"root\"}"));
    bad.put("crit header", Tokens.b64("{\"alg\":\"RS256\",\"kid\":\"r1\",\"crit\":[\"exp\"]}") + "." + parts[1] + "."
        + parts[2]);
    bad.put("padded", good + "=");
    bad.put("two parts", parts[0] + "." + parts[1]);
    bad.put("garbage", "not-a-token");
    bad.put("too long", Tokens.sign(rsa.getPrivate(), "RS256", "r1", Tokens.claims(ISSUER, aud, now + 60,
        "\"pad\":\"" + "x".repeat(9000) + "\"")));
    int before = backendRequests.get();
    for (Map.Entry<String, String> e : bad.entrySet()) {
      Reply r = bearer(e.getValue());
      assertThat(r.status()).as(e.getKey()).isEqualTo(401);
      assertThat(r.header("www-authenticate")).as(e.getKey()).startsWith("Bearer error=\"invalid_token\"");
    }
    assertThat(backendRequests.get()).isEqualTo(before);
  }

  @Test
  void withoutATokenTheChallengeHasNoError() throws Exception {
    serveSecret();
    Reply none = get("/x");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("www-authenticate")).isEqualTo("Bearer");
    assertThat(get("/x", "Authorization", basic("alice", "x")).status()).isEqualTo(401);
    String reply = raw("GET /x HTTP/1.1\r\nHost: " + HOST + "\r\nAuthorization: Bearer " + valid(rsa, "RS256", "r1")
        + "\r\nAuthorization: Bearer x\r\n\r\n", 3000);
    assertThat(reply).startsWith("HTTP/1.1 400").contains("invalid_request");
  }

  @Test
  void optionalLetsTokenlessRequestsInButNeverForgedClaims() throws Exception {
    serve(jwt(null, new SecretRef("shop", "keys", Credential.fingerprint(jwks)), true), Map.of("jwks:shop/keys", jwks));
    assertThat(get("/x", "X-User", "mallory").status()).isEqualTo(200);
    assertThat(lastHeaders.get().contains("x-user")).isFalse();
    assertThat(bearer(valid(other, "RS256", "r1")).status()).as("a bad token is still refused").isEqualTo(401);
    assertThat(bearer(valid(ec, "ES256", "e1")).status()).isEqualTo(200);
    assertThat(lastHeaders.get().get("x-user")).isEqualTo("alice");
  }

  @Test
  void keysMissingFromTheSnapshotRefuseEveryone() throws Exception {
    serve(auth, Map.of());
    assertThat(bearer(valid(rsa, "RS256", "r1")).status()).isEqualTo(503);
    serve(jwt(null, new SecretRef("shop", "keys", null), false), Map.of());
    assertThat(bearer(valid(rsa, "RS256", "r1")).status()).isEqualTo(503);
  }

  @Test
  void keysFromAUrlAreFetchedOnceAndAgainForANewKidButNotForEveryMadeUpOne() throws Exception {
    String uri = "http://127.0.0.1:" + idp.actualPort() + "/keys?tenant=shop";
    served.set(Tokens.set(Tokens.jwk(rsa, "r1")));
    int start = idpRequests.get();
    serve(jwt(uri, null, false), Map.of());
    assertThat(bearer(valid(rsa, "RS256", "r1")).status()).isEqualTo(200);
    assertThat(bearer(valid(rsa, "RS256", "r1")).status()).isEqualTo(200);
    assertThat(idpRequests.get() - start).as("fetched once").isEqualTo(1);

    // The issuer rotates: a token with the new kid makes the set be fetched again, once.
    served.set(Tokens.set(Tokens.jwk(rsa, "r1"), Tokens.jwk(rotated, "r2")));
    assertThat(bearer(valid(rotated, "ES256", "r2")).status()).isEqualTo(200);
    assertThat(idpRequests.get() - start).isEqualTo(2);

    // Made-up kids: refused, and the issuer is not asked again for each of them.
    for (int i = 0; i < 20; i++) {
      assertThat(bearer(valid(other, "RS256", "bogus-" + i)).status()).isEqualTo(401);
    }
    assertThat(idpRequests.get() - start).as("no refetch for made-up kids within the interval").isEqualTo(2);
    // A new table with the same URL keeps the keys it has.
    serve(jwt(uri, null, true), Map.of());
    assertThat(bearer(valid(rotated, "ES256", "r2")).status()).isEqualTo(200);
    assertThat(idpRequests.get() - start).isEqualTo(2);
  }

  @Test
  void anUnreachableKeySetRefusesEveryoneWith503() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    serve(jwt("http://127.0.0.1:" + port + "/keys", null, false), Map.of());
    assertThat(bearer(valid(rsa, "RS256", "r1")).status()).isEqualTo(503);
    assertThat(get("/open").status()).isEqualTo(200);
  }
}
