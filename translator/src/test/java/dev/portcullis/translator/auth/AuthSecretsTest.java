package dev.portcullis.translator.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.Credential;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.References;
import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.TranslationYaml;
import dev.portcullis.translator.Translator;
import dev.portcullis.translator.TranslatorOptions;
import dev.portcullis.translator.ObjectKey;
import dev.portcullis.translator.manifest.ManifestReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The credentials of authentication travel beside the table, never in it: the route table, the
 * status, and every string form of the result keep password hashes and keys out.
 */
class AuthSecretsTest {

  static final String ALICE = "$2y$10$5l91SgTC.ZwIBxyK9krm2eJ1ArHxFuY56u7QCtJxCt2/OYkzW859a";
  static final String BOB = "$2y$10$yEwlXEkliTopQt4D7O5ro..f2YKhrZ6lf3i0Fihu23OeZCspkB0X6";
  static final String EC_X = "Fr9uuvYLDgyLnO38BULX53OSyPdbhhl1_fOjUas08Vs";

  static TranslationResult translate(String golden) throws Exception {
    ClusterSnapshot.Builder b = ClusterSnapshot.builder();
    List<Path> inputs;
    try (Stream<Path> s = Files.list(Path.of("src/test/resources/golden", golden))) {
      inputs = s.filter(p -> p.getFileName().toString().startsWith("in-")).sorted().toList();
    }
    for (Path in : inputs) {
      new ManifestReader().read(Files.readString(in), in.toString()).objects().forEach(o -> b.add(o.object()));
    }
    ClusterSnapshot snapshot = b.build();
    if (golden.equals("proxyroute-auth")) {
      // The operator watches these Secrets by name, whatever their type.
      assertThat(References.of(snapshot).otherSecrets()).contains(new ObjectKey("shop", "users"),
          new ObjectKey("shop", "issuer-keys"));
    }
    return new Translator(TranslatorOptions.DEFAULT).translate(snapshot);
  }

  @Test
  void credentialsTravelBesideTheTableOnly() throws Exception {
    TranslationResult result = translate("proxyroute-auth");
    assertThat(result.credentials()).containsOnlyKeys("htpasswd:shop/users", "jwks:shop/issuer-keys");
    Credential.Htpasswd users = (Credential.Htpasswd) result.credentials().get("htpasswd:shop/users");
    assertThat(users.users()).containsEntry("alice", ALICE).containsEntry("bob", BOB);
    assertThat(((Credential.Jwks) result.credentials().get("jwks:shop/issuer-keys")).json()).contains(EC_X);

    List<String> shown = new ArrayList<>(List.of(TranslationYaml.write(result.table()),
        TranslationYaml.write(result.status()), RouteTableJson.toPrettyJson(result.table()), result.toString()));
    result.credentials().values().forEach(c -> shown.add(c.toString()));
    for (String s : shown) {
      assertThat(s).doesNotContain(ALICE).doesNotContain(BOB).doesNotContain(EC_X).doesNotContain("5l91SgTC");
    }
    assertThat(TranslationYaml.write(result.table())).contains("fingerprint: " + Credential.fingerprint(users));
  }

  @Test
  void problemsNameLinesAndUsersNeverHashes() throws Exception {
    TranslationResult result = translate("proxyroute-auth-secrets");
    String status = String.join("\n", result.status().objects().stream()
        .flatMap(o -> o.problems().stream()).map(p -> p.message()).toList()) + TranslationYaml.write(result.status());
    assertThat(status).contains("line 3: user \"carol\"").doesNotContain("x6Pc8nYq").doesNotContain("hunter2")
        .doesNotContain("W6ph5Mm5");
    // The bcrypt and apr1 users of the file still work: they are what travels.
    assertThat(((Credential.Htpasswd) result.credentials().get("htpasswd:shop/mixed")).users())
        .containsOnlyKeys("alice", "bob", "carol");
  }

  @Test
  void htpasswdLines() {
    AuthSecrets.Result r = AuthSecrets.parseHtpasswd("alice:" + ALICE + "\r\n\n# c\nbob:$apr1$a$b\n:" + BOB
        + "\nbob2:" + BOB + "   \ncarol:$apr1$Qq7Xn2Lm$npfl7VDE7LaM1f5WLgOT31\n", "file");
    assertThat(r.ok()).isTrue();
    assertThat(((Credential.Htpasswd) r.credential()).users()).containsOnlyKeys("alice", "bob2", "carol");
    assertThat(r.details()).containsExactly(
        "line 4: user \"bob\" has a malformed apr1 hash; only bcrypt (htpasswd -B: $2y$, $2a$, $2b$) and apr1 "
            + "(htpasswd's default: $apr1$) are accepted, so this user cannot log in",
        "line 5 is not user:hash; it is ignored");
    assertThat(r.warnings()).containsExactly(
        "line 7: user \"carol\" has an apr1 (MD5) hash, htpasswd's default: accepted, but bcrypt (htpasswd -B) "
            + "resists guessing far better");
    assertThat(AuthSecrets.parseHtpasswd("carol:plain\n", "file").problem()).contains("holds no bcrypt or apr1 user");
    assertThat(AuthSecrets.hashKind("xyDqv8Fs4TMb2")).contains("crypt(3)");
  }
}
