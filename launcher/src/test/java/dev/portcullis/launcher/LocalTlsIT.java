package dev.portcullis.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.dataplane.tls.TlsSettings;
import dev.portcullis.operator.pki.CertificateAuthority;
import dev.portcullis.translator.TranslatorOptions;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * TLS in local mode, from Secrets in the folder: served by SNI, a broken Secret reported while
 * the other hosts keep their certificates, and a rewritten Secret served without a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalTlsIT {

  Vertx vertx;
  EchoBackend web;
  Path dir;
  LocalMode local;
  CertificateAuthority ca;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("local-tls");
    vertx = Vertx.vertx();
    web = EchoBackend.start(vertx, "web", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
    ca = CertificateAuthority.generate("Test CA", Duration.ofDays(30), Clock.systemUTC());
    Files.writeString(dir.resolve("backends.yaml"), Manifests.backend("web", web.port()));
    Files.writeString(dir.resolve("ingress.yaml"), """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: secure}
        spec:
          ingressClassName: portcullis
          tls:
          - {hosts: [secure.test], secretName: secure-tls}
          - {hosts: [broken.test], secretName: broken-tls}
          rules:
          - host: secure.test
            http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
          - host: broken.test
            http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
        """);
    Files.writeString(dir.resolve("secure-tls.yaml"), secret("secure-tls", ca.issueServer("secure.test",
        List.of("secure.test"), List.of(), Duration.ofDays(1))));
    // A certificate with the key of another one.
    CertificateAuthority.Issued a = ca.issueServer("broken.test", List.of("broken.test"), List.of(), Duration.ofDays(1));
    CertificateAuthority.Issued b = ca.issueServer("other.test", List.of("other.test"), List.of(), Duration.ofDays(1));
    Files.writeString(dir.resolve("broken-tls.yaml"), secret("broken-tls", new CertificateAuthority.Issued(
        a.certificate(), b.key())));
    local = LocalMode.start(new LocalMode.Settings(dir, "127.0.0.1", "127.0.0.1", 0, 0, 0, 2,
        TranslatorOptions.DEFAULT, 0, null, TlsSettings.on(0, 443), null));
  }

  @AfterAll
  void stop() {
    local.close();
    vertx.close();
  }

  static String secret(String name, CertificateAuthority.Issued cert) {
    Base64.Encoder b64 = Base64.getEncoder();
    return """
        apiVersion: v1
        kind: Secret
        metadata: {name: %s}
        type: kubernetes.io/tls
        data:
          tls.crt: %s
          tls.key: %s
        """.formatted(name, b64.encodeToString(cert.certificatePem().getBytes(StandardCharsets.US_ASCII)),
        b64.encodeToString(cert.keyPem().getBytes(StandardCharsets.US_ASCII)));
  }

  SSLSocket connect(String sni) throws Exception {
    return Http.tls(local.httpsPort(), sni);
  }

  X509Certificate served(String sni) throws Exception {
    try (SSLSocket s = connect(sni)) {
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }

  @Test
  void hostsAreServedWithTheirSecretsAndABrokenOneIsReported() throws Exception {
    assertThat(served("secure.test").getSubjectX500Principal().getName()).isEqualTo("CN=secure.test");
    assertThat(served("broken.test").getSubjectX500Principal().getName()).contains("Portcullis default certificate");
    assertThat(local.problems()).anySatisfy(p -> assertThat(p).contains("Ingress default/secure")
        .contains("spec.tls[1].secretName").contains("InvalidCertificate").contains("does not belong"));
    assertThat(String.join("\n", local.problems())).doesNotContain("PRIVATE KEY");
    try (SSLSocket s = connect("secure.test")) {
      s.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: secure.test\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      String reply = out.toString(StandardCharsets.ISO_8859_1);
      assertThat(reply).startsWith("HTTP/1.1 200").contains("\"backend\" : \"web\"").contains("\"/hello\"");
    }
    // The admin port's config dump names the certificate but never carries its key.
    var http = java.net.http.HttpClient.newHttpClient();
    String dump = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
        + local.adminPort() + "/config_dump")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    assertThat(dump).contains("secure-tls").doesNotContain("PRIVATE KEY").doesNotContain("privateKeyPem");
  }

  @Test
  void aRewrittenSecretIsServedWithoutARestart() throws Exception {
    CertificateAuthority.Issued renewed = ca.issueServer("secure.test", List.of("secure.test"), List.of(),
        Duration.ofDays(2));
    BigInteger serial = renewed.certificate().getSerialNumber();
    long start = System.nanoTime();
    Files.writeString(dir.resolve("secure-tls.yaml"), secret("secure-tls", renewed));
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .until(() -> serial.equals(served("secure.test").getSerialNumber()));
    System.out.printf("local mode: Secret rewrite to new certificate served in %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
  }
}
