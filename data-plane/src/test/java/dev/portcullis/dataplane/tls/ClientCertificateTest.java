package dev.portcullis.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.SourceRef;
import dev.portcullis.model.TlsRef;
import dev.portcullis.model.VirtualHost;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Mutual TLS at the edge, over real sockets: each request is checked against the CA of the host
 * it is for, whatever SNI its connection named; the upstream is told who the client is, and can
 * never be told so by the client itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientCertificateTest {

  static final TestPki SERVER_PKI = new TestPki("Server CA");
  static final TestPki CLIENT_PKI = new TestPki("Client CA");
  static final TestPki OTHER_PKI = new TestPki("Other CA");
  static final TestPki.Issued SERVER = SERVER_PKI.server(false, "mtls.example.com", "optional.example.com",
      "open.example.com", "down.example.com");
  static final TestPki.Issued ALICE = CLIENT_PKI.client("alice");
  static final TestPki.Issued MALLORY = OTHER_PKI.client("mallory");

  Vertx vertx;
  EchoBackend web;
  DataPlane dataPlane;
  long version;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    web = EchoBackend.start(vertx, "web", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
    dataPlane = DataPlane.start(DataPlaneConfig.loopback(2).withTls(TlsSettings.on(0, 443)));
    apply(true);
  }

  @AfterAll
  void stop() {
    dataPlane.close();
    vertx.close();
  }

  void apply(boolean withClientCertificates) throws Exception {
    TlsRef base = new TlsRef("default", "server-tls", SERVER.fingerprint(), null, null,
        SourceRef.of("ProxyRoute", "default", "r"));
    TlsRef required = base.withClientValidation(new TlsRef.ClientValidation(CLIENT_PKI.caPem(), false, false));
    TlsRef optional = base.withClientValidation(new TlsRef.ClientValidation(CLIENT_PKI.caPem(), true, true));
    TlsRef unavailable = base.withClientValidation(new TlsRef.ClientValidation(null, false, false));
    Cluster c = new Cluster("web", List.of(new Endpoint("127.0.0.1", web.port())), null, 1000, null);
    RouteTable table = new RouteTable(withClientCertificates
        ? List.of(host("mtls.example.com", required), host("optional.example.com", optional),
            host("open.example.com", base), host("down.example.com", unavailable))
        : List.of(host("open.example.com", base)), List.of(c));
    dataPlane.apply(++version, table, Map.of("default/server-tls", SERVER.pem()));
  }

  static VirtualHost host(String name, TlsRef tls) {
    return new VirtualHost(name, List.of(new Route(name + "/all", RouteMatch.path(PathMatch.prefix("/")),
        RouteAction.Forward.to("web"), null, null)), null, tls);
  }

  /** A client key manager that offers {@code cert} (or nothing) and counts the server's requests. */
  static final class ClientKeys extends X509ExtendedKeyManager {
    final TestPki.Issued cert;
    final AtomicInteger asked = new AtomicInteger();

    ClientKeys(TestPki.Issued cert) {
      this.cert = cert;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      asked.incrementAndGet();
      return cert == null ? null : "me";
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      asked.incrementAndGet();
      return cert == null ? null : "me";
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return new X509Certificate[] {cert.cert()};
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return cert.key();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }

  record Reply(int status, String text) {}

  Reply request(String sni, String host, ClientKeys keys, String... headers) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(new KeyManager[] {keys}, new TrustManager[] {TlsTest.TRUST_ALL}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", dataPlane.httpsPort())) {
      s.setSoTimeout(5000);
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(sni)));
      p.setProtocols(new String[] {"TLSv1.3"});
      s.setSSLParameters(p);
      OutputStream out = s.getOutputStream();
      StringBuilder req = new StringBuilder("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
      for (int i = 0; i < headers.length; i += 2) {
        req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
      }
      out.write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      s.getInputStream().transferTo(all);
      String text = all.toString(StandardCharsets.ISO_8859_1);
      return new Reply(Integer.parseInt(text.split(" ")[1]), text);
    }
  }

  @Test
  void aCertificateFromTheHostsCaIsLetInAndNamedToTheUpstream() throws Exception {
    Reply r = request("mtls.example.com", "mtls.example.com", new ClientKeys(ALICE));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).contains("\"ssl-client-verify\" : \"SUCCESS\"").contains("\"ssl-client-subject-dn\" : \"CN=alice\"")
        .contains("\"ssl-client-issuer-dn\" : \"CN=Client CA\"").doesNotContain("ssl-client-cert");
  }

  @Test
  void noCertificateOrOneFromAnotherCaIsRefused() throws Exception {
    Reply none = request("mtls.example.com", "mtls.example.com", new ClientKeys(null));
    assertThat(none.status()).isEqualTo(400);
    assertThat(none.text()).contains("client certificate required").doesNotContain("\"backend\"");
    Reply other = request("mtls.example.com", "mtls.example.com", new ClientKeys(MALLORY));
    assertThat(other.status()).isEqualTo(400);
    assertThat(other.text()).contains("client certificate not accepted");
    // A server certificate of the right CA is not a client certificate... and neither is the CA itself.
    Reply plain = request("mtls.example.com", "mtls.example.com", new ClientKeys(null), "ssl-client-verify", "SUCCESS");
    assertThat(plain.status()).isEqualTo(400);
  }

  @Test
  void anotherHostsSniDoesNotSkipTheCheck() throws Exception {
    // The connection names a host without client certificates; the request is for one with them.
    Reply sneaky = request("open.example.com", "mtls.example.com", new ClientKeys(null));
    assertThat(sneaky.status()).isEqualTo(421);
    assertThat(sneaky.text()).doesNotContain("\"backend\"");
    Reply forged = request("open.example.com", "mtls.example.com", new ClientKeys(MALLORY));
    assertThat(forged.status()).isEqualTo(400);
    // A valid certificate passes whatever connection it came on.
    assertThat(request("open.example.com", "mtls.example.com", new ClientKeys(ALICE)).status()).isEqualTo(200);
  }

  @Test
  void optionalHostsLetClientsWithoutACertificateInAndSayWhichIsWhich() throws Exception {
    Reply without = request("optional.example.com", "optional.example.com", new ClientKeys(null));
    assertThat(without.status()).isEqualTo(200);
    assertThat(without.text()).contains("\"ssl-client-verify\" : \"NONE\"");
    Reply with = request("optional.example.com", "optional.example.com", new ClientKeys(ALICE));
    assertThat(with.text()).contains("\"ssl-client-verify\" : \"SUCCESS\"").contains("\"ssl-client-cert\" : \"-----BEGIN%20CERTIFICATE");
    // A certificate that is sent must still be valid.
    assertThat(request("optional.example.com", "optional.example.com", new ClientKeys(MALLORY)).status()).isEqualTo(400);
  }

  @Test
  void clientsCannotForgeTheCertificateHeaders() throws Exception {
    Reply r = request("open.example.com", "open.example.com", new ClientKeys(null), "ssl-client-verify", "SUCCESS",
        "ssl-client-subject-dn", "CN=admin", "ssl-client-cert", "x", "ssl-client-issuer-dn", "CN=x");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).doesNotContain("ssl-client-");
  }

  @Test
  void aHostWhoseCaCannotBeReadLetsNobodyIn() throws Exception {
    assertThat(request("down.example.com", "down.example.com", new ClientKeys(ALICE)).status()).isEqualTo(503);
  }

  @Test
  void plainHttpToAHostWithClientCertificatesIsAlwaysRedirected() throws Exception {
    try (Socket s = new Socket("127.0.0.1", dataPlane.httpPort())) {
      s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: mtls.example.com\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(text).startsWith("HTTP/1.1 301").contains("location: https://mtls.example.com/x");
    }
  }

  @Test
  void certificatesAreAskedForOnlyWhileSomeHostChecksThem() throws Exception {
    ClientKeys keys = new ClientKeys(null);
    request("open.example.com", "open.example.com", keys);
    assertThat(keys.asked.get()).as("asked while hosts check certificates").isPositive();
    try {
      apply(false);
      ClientKeys later = new ClientKeys(null);
      assertThat(request("open.example.com", "open.example.com", later).status()).isEqualTo(200);
      assertThat(later.asked.get()).as("not asked once no host checks them").isZero();
    } finally {
      apply(true);
    }
  }
}
