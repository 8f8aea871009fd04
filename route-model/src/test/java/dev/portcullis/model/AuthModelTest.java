package dev.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.model.auth.JsonWebKeys;
import dev.portcullis.model.push.PushMessage;
import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The route model's authentication: its checks, its JSON form, and that credentials stay out of sight. */
class AuthModelTest {

  static final String HASH = "$2y$05$abcdefghijklmnopqrstuuY0yQpJ7dTbk3m0gYqRB2gGmP7Iu8w6e";

  static String b64(BigInteger v, int size) {
    byte[] bytes = v.toByteArray();
    if (bytes[0] == 0 && bytes.length > 1) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    if (size > bytes.length) {
      byte[] padded = new byte[size];
      System.arraycopy(bytes, 0, padded, size - bytes.length, bytes.length);
      bytes = padded;
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String rsaJwk(String kid, int bits) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(bits);
    RSAPublicKey k = (RSAPublicKey) g.generateKeyPair().getPublic();
    return "{\"kty\":\"RSA\",\"kid\":\"" + kid + "\",\"n\":\"" + b64(k.getModulus(), 0) + "\",\"e\":\""
        + b64(k.getPublicExponent(), 0) + "\"}";
  }

  static String ecJwk(String kid) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    ECPublicKey k = (ECPublicKey) g.generateKeyPair().getPublic();
    return "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"" + kid + "\",\"alg\":\"ES256\",\"x\":\""
        + b64(k.getW().getAffineX(), 32) + "\",\"y\":\"" + b64(k.getW().getAffineY(), 32) + "\"}";
  }

  static SecretRef ref(String name) {
    return new SecretRef("shop", name, "0".repeat(64));
  }

  @Test
  void exactlyOneMethod() {
    Auth.Basic basic = new Auth.Basic(ref("users"), null);
    assertThat(basic.realm()).isEqualTo(Auth.Basic.DEFAULT_REALM);
    assertThatThrownBy(() -> new Auth(null, null, null)).hasMessageContaining("exactly one of");
    Auth.External ext = new Auth.External("http://auth.example/check", null, 5000, null, null);
    assertThatThrownBy(() -> new Auth(basic, null, ext)).hasMessageContaining("exactly one of");
    assertThat(ext.method()).isEqualTo("GET");
    assertThat(ext.effectiveRequestHeaders()).containsExactly("authorization", "cookie");
  }

  @Test
  void fieldsAreChecked() {
    assertThatThrownBy(() -> new Auth.Basic(ref("u"), "bad\"\n")).hasMessageContaining("realm");
    assertThatThrownBy(() -> new Auth.Jwt("iss", List.of(), "https://idp/keys", null, 0, null, false))
        .hasMessageContaining("audiences");
    assertThatThrownBy(() -> new Auth.Jwt("iss", List.of("a"), "https://idp/keys", ref("k"), 0, null, false))
        .hasMessageContaining("exactly one of jwksUri and jwksSecret");
    assertThatThrownBy(() -> new Auth.Jwt("iss", List.of("a"), "ftp://idp/keys", null, 0, null, false))
        .hasMessageContaining("http or https");
    assertThatThrownBy(() -> new Auth.ClaimHeader("sub", "X-Forwarded-For")).hasMessageContaining("managed");
    assertThatThrownBy(() -> new Auth.External("http://u:p@auth/check", null, 5000, null, null))
        .hasMessageContaining("user info");
    assertThatThrownBy(() -> new Auth.External("http://auth/check", "PUT", 5000, null, null))
        .hasMessageContaining("method");
    assertThatThrownBy(() -> new Auth.External("http://auth/check", null, 5000, null, List.of("content-length")))
        .hasMessageContaining("managed");
    assertThat(new Auth.External("http://auth/check", null, 5000, List.of("*", "X-Tenant"), List.of("X-User"))
        .requestHeaders()).containsExactly("*", "x-tenant");
    assertThatThrownBy(() -> new SecretRef("shop", "users", "not-a-digest")).hasMessageContaining("fingerprint");
  }

  @Test
  void onlyBcryptAndApr1Hashes() {
    assertThat(new Credential.Htpasswd(Map.of("alice", HASH)).users()).containsEntry("alice", HASH);
    String apr1 = "$apr1$Qq7Xn2Lm$npfl7VDE7LaM1f5WLgOT31";
    assertThat(new Credential.Htpasswd(Map.of("carol", apr1)).users()).containsEntry("carol", apr1);
    for (String bad : List.of("$apr1$abc$short", "$apr1$toolongsalt$npfl7VDE7LaM1f5WLgOT31",
        "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "plain",
        "xyDqv8Fs4TMb2", HASH.replace("$05$", "$99$"), HASH.substring(1))) {
      assertThatThrownBy(() -> new Credential.Htpasswd(Map.of("bob", bad)))
          .isInstanceOf(ModelException.class).hasMessageContaining("bcrypt").hasMessageNotContaining(bad);
    }
    assertThatThrownBy(() -> new Credential.Htpasswd(Map.of())).hasMessageContaining("at least one");
  }

  @Test
  void credentialsRoundTripStrictlyAndNeverPrint() throws Exception {
    String jwks = "{\"keys\":[" + rsaJwk("r1", 2048) + "," + ecJwk("e1") + "]}";
    Auth basic = new Auth(new Auth.Basic(new SecretRef("shop", "users", null), "Shop"), null, null);
    Route route = new Route("r", RouteMatch.path(PathMatch.prefix("/")), new RouteAction.DirectResponse(200, "ok"),
        null, new RoutePolicies(null, null, null, null, null, basic), Timeouts.DEFAULT, null);
    RouteTable table = new RouteTable(List.of(new VirtualHost("shop.example.com", List.of(route), null)), List.of());
    Map<String, Credential> credentials = Map.of("htpasswd:shop/users", new Credential.Htpasswd(Map.of("alice", HASH)),
        "jwks:shop/keys", new Credential.Jwks(jwks));
    PushMessage.Snapshot snapshot = new PushMessage.Snapshot(1, RouteTableJson.checksum(table), table, Map.of(),
        credentials);
    byte[] json = RouteTableJson.toJson(snapshot);
    PushMessage back = RouteTableJson.read(json, PushMessage.class);
    assertThat(back).isEqualTo(snapshot);
    assertThat(RouteTableJson.read(RouteTableJson.toJson(table), RouteTable.class)).isEqualTo(table);

    assertThat(snapshot.toString()).doesNotContain(HASH).doesNotContain("\"n\":").contains("htpasswd:shop/users");
    credentials.values().forEach(c -> assertThat(c.toString()).doesNotContain(HASH).doesNotContain("kty"));
    assertThat(RouteTableJson.toPrettyJson(table)).doesNotContain("$2y$");

    // The fingerprint follows the content, not the order the users came in.
    Credential a = new Credential.Htpasswd(Map.of("alice", HASH, "bob", HASH));
    Credential b = new Credential.Htpasswd(new java.util.TreeMap<>(Map.of("bob", HASH, "alice", HASH)).descendingMap());
    assertThat(Credential.fingerprint(a)).isEqualTo(Credential.fingerprint(b)).matches("[0-9a-f]{64}")
        .isNotEqualTo(Credential.fingerprint(new Credential.Htpasswd(Map.of("alice", HASH))));
  }

  @Test
  void keySetsKeepOnlyUsablePublicKeys() throws Exception {
    String set = "{\"keys\":[" + rsaJwk("good", 2048) + "," + rsaJwk("weak", 1024) + ","
        + "{\"kty\":\"oct\",\"kid\":\"sym\",\"k\":\"c2VjcmV0\"}," + ecJwk("ec") + ","
        + ecJwk("bent").replaceFirst("\"y\":\"[A-Za-z0-9_-]{43}\"", "\"y\":\"" + b64(BigInteger.TWO, 32) + "\"") + ","
        + rsaJwk("enc", 2048).replace("{", "{\"use\":\"enc\",") + ","
        + rsaJwk("hs", 2048).replace("{", "{\"alg\":\"HS256\",") + "]}";
    JsonWebKeys.Result r = JsonWebKeys.parse(set);
    assertThat(r.keys()).extracting(JsonWebKeys.Key::kid).containsExactly("good", "ec");
    assertThat(r.problems()).hasSize(5).anyMatch(p -> p.contains("weak") && p.contains("2048"))
        .anyMatch(p -> p.contains("symmetric")).anyMatch(p -> p.contains("not on P-256"))
        .anyMatch(p -> p.contains("use \"enc\"")).anyMatch(p -> p.contains("HS256"));
    assertThat(JsonWebKeys.parse("{\"keys\":[], \"keys\":[]}").problems()).containsExactly("the key set is not JSON");
    assertThatThrownBy(() -> new Credential.Jwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"eA\"}]}"))
        .hasMessageContaining("no usable key");
  }
}
