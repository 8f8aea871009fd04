package dev.portcullis.translator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.Certificate;
import dev.portcullis.translator.manifest.ManifestReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** --default-certificate: the Secret it names becomes the table's default certificate, or a settings problem. */
class DefaultCertificateTest {

  static ClusterSnapshot snapshot() throws IOException {
    // The golden case's usable Secret (shop-tls) and two broken ones.
    String yaml = Files.readString(Path.of("src/test/resources/golden/tls-certificates/in-ingress.yaml"));
    ClusterSnapshot.Builder b = ClusterSnapshot.builder();
    new ManifestReader().read(yaml, "in-ingress.yaml").objects().forEach(m -> b.add(m.object()));
    return b.build();
  }

  @Test
  void aUsableSecretIsServedToClientsThatNameNoHost() throws IOException {
    TranslationResult r = new Translator(TranslatorOptions.DEFAULT
        .withDefaultCertificate(new ObjectKey("default", "shop-tls"))).translate(snapshot());
    assertThat(r.settingsProblems()).isEmpty();
    assertThat(r.table().defaultCertificate()).isNotNull();
    assertThat(r.table().defaultCertificate().fingerprint()).hasSize(64);
    assertThat(r.certificates()).containsKey(Certificate.DEFAULT);
    // The fingerprint is in the table, so a renewed Secret changes the checksum.
    TranslationResult none = new Translator(TranslatorOptions.DEFAULT).translate(snapshot());
    assertThat(none.table().defaultCertificate()).isNull();
    assertThat(none.certificates()).doesNotContainKey(Certificate.DEFAULT);
  }

  @Test
  void aMissingOrBrokenSecretIsASettingsProblem() throws IOException {
    TranslationResult missing = new Translator(TranslatorOptions.DEFAULT
        .withDefaultCertificate(new ObjectKey("default", "nope"))).translate(snapshot());
    assertThat(missing.table().defaultCertificate()).isNull();
    assertThat(missing.settingsProblems()).singleElement().satisfies(p -> {
      assertThat(p.field()).isEqualTo("--default-certificate");
      assertThat(p.reason()).isEqualTo("SecretNotFound");
    });
    TranslationResult broken = new Translator(TranslatorOptions.DEFAULT
        .withDefaultCertificate(new ObjectKey("default", "mismatched-tls"))).translate(snapshot());
    assertThat(broken.settingsProblems()).singleElement().satisfies(p -> assertThat(p.reason())
        .isEqualTo("InvalidCertificate"));
    assertThat(broken.toString()).doesNotContain("PRIVATE");
  }
}
