package dev.portcullis.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.tls.TlsSettings;
import dev.portcullis.translator.TranslatorOptions;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** examples/tls, as `portcullis demo examples/tls` serves it: what its comments promise. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsExampleIT {

  static final Path EXAMPLES = Path.of(System.getProperty("portcullis.home", ".."), "examples", "tls");

  Vertx vertx;
  LocalMode local;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    DemoCommand.startBackends(vertx);
    local = LocalMode.start(new LocalMode.Settings(EXAMPLES, "127.0.0.1", "127.0.0.1", 0, 0, 0, 1,
        TranslatorOptions.DEFAULT.withWatchIngressWithoutClass(true), 0, null, TlsSettings.on(0, 8443), null));
  }

  @AfterAll
  void stop() {
    local.close();
    vertx.close();
  }

  String https(String host) throws Exception {
    try (SSLSocket s = Http.tls(local.httpsPort(), host)) {
      String subject = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
      s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      s.getInputStream().transferTo(out);
      return subject + "\n" + out.toString(StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
    }
  }

  @Test
  void theExampleServesHttpsWithItsCertificateAndRedirectsPlainHttp() throws Exception {
    String secure = https("secure.local");
    assertThat(secure).startsWith("CN=secure.local").contains("http/1.1 200")
        .contains("strict-transport-security: max-age=31536000; includesubdomains").contains("\"backend\" : \"web\"");
    String wildcard = https("app.secure.local");
    assertThat(wildcard).startsWith("CN=secure.local").contains("\"backend\" : \"api\"");
    try (Socket s = new Socket("127.0.0.1", local.httpPort())) {
      s.getOutputStream().write("GET /page HTTP/1.1\r\nHost: secure.local\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(reply).startsWith("HTTP/1.1 301").contains("location: https://secure.local:8443/page");
    }
    assertThat(local.problems()).isEmpty();
  }
}
