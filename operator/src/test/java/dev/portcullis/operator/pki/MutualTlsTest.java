package dev.portcullis.operator.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.operator.routeserver.RouteServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/** The route server over mutual TLS with certificates from the operator's CA. */
class MutualTlsTest {

  final Clock clock = Clock.systemUTC();

  HttpResponse<String> get(SSLContext ssl, int port) throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/elsewhere")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void onlyClientsWithACertificateFromTheCaGetIn() throws Exception {
    CertificateAuthority ca = CertificateAuthority.generate("test-ca", Duration.ofDays(1), clock);
    CertificateAuthority.Issued server = ca.issueServer("route", List.of("localhost"), List.of("127.0.0.1"),
        Duration.ofHours(1));
    CertificateAuthority.Issued client = ca.issueClient("data-plane", Duration.ofHours(1));
    assertThat(server.certificate().getSubjectAlternativeNames()).hasSize(2);
    assertThat(client.certificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");

    TlsContexts.Rotating serverTls = new TlsContexts.Rotating(server, ca.certificate());
    try (RouteServer routes = new RouteServer(new InetSocketAddress("127.0.0.1", 0), null, serverTls.context()).start()) {
      int port = routes.address().getPort();
      SSLContext good = new TlsContexts.Rotating(client, ca.certificate()).context();
      assertThat(get(good, port).statusCode()).as("handshake done, then a plain 404").isEqualTo(404);

      CertificateAuthority other = CertificateAuthority.generate("other-ca", Duration.ofDays(1), clock);
      SSLContext stranger = new TlsContexts.Rotating(other.issueClient("x", Duration.ofHours(1)), ca.certificate()).context();
      assertThatThrownBy(() -> get(stranger, port)).as("a certificate from another CA").isInstanceOf(java.io.IOException.class);

      // The server certificate rotates in place: new connections see the new one.
      CertificateAuthority.Issued renewed = ca.issueServer("route", List.of("localhost"), List.of(), Duration.ofHours(2));
      serverTls.update(renewed, ca.certificate());
      assertThat(get(new TlsContexts.Rotating(client, ca.certificate()).context(), port).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void pemRoundTrip() throws Exception {
    CertificateAuthority ca = CertificateAuthority.generate("test-ca", Duration.ofDays(1), clock);
    String certPem = ca.ca().certificatePem();
    String keyPem = ca.ca().keyPem();
    assertThat(keyPem).startsWith("-----BEGIN PRIVATE KEY-----");
    CertificateAuthority loaded = CertificateAuthority.load(certPem, keyPem, clock);
    X509Certificate issued = loaded.issueClient("c", Duration.ofHours(1)).certificate();
    issued.verify(ca.certificate().getPublicKey());
    assertThatThrownBy(() -> CertificateAuthority.load(loaded.issueClient("leaf", Duration.ofHours(1)).certificatePem(),
        keyPem, clock)).hasMessageContaining("not a CA");
  }
}
