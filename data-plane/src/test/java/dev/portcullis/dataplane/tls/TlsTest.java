package dev.portcullis.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.model.Certificate;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.SourceRef;
import dev.portcullis.model.TlsRef;
import dev.portcullis.model.VirtualHost;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * TLS termination over real sockets: SNI picks exact, then wildcard, then default certificates;
 * plain HTTP is redirected; HSTS; ALPN h2; certificate rotation without a restart; refused
 * protocol versions and ciphers. Certificates are made by the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsTest {

  static final TestPki PKI = new TestPki("Test CA");
  static final TestPki.Issued SHOP = PKI.server(false, "shop.example.com");
  static final TestPki.Issued WILD = PKI.server(true, "*.wild.example.com");

  Vertx vertx;
  EchoBackend web;
  DataPlane dataPlane;
  long version;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    web = EchoBackend.start(vertx, "web", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
    dataPlane = DataPlane.start(DataPlaneConfig.loopback(2).withTls(TlsSettings.on(0, 8443)));
    apply(SHOP);
  }

  @AfterAll
  void stop() {
    dataPlane.close();
    vertx.close();
  }

  static TlsRef tls(String secret, TestPki.Issued cert, String hsts, boolean redirect) {
    return new TlsRef("default", secret, cert.fingerprint(), hsts, redirect ? null : Boolean.FALSE,
        SourceRef.of("Ingress", "default", "shop"));
  }

  static VirtualHost host(String name, TlsRef tls) {
    Route all = new Route(name + "/all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("web"),
        null, null);
    return new VirtualHost(name, List.of(all), null, tls);
  }

  void apply(TestPki.Issued shopCert) throws Exception {
    Cluster c = new Cluster("web", List.of(new Endpoint("127.0.0.1", web.port())), null, 1000, null);
    RouteTable table = new RouteTable(List.of(
        host("shop.example.com", tls("shop-tls", shopCert, "max-age=600; includeSubDomains", true)),
        host("*.wild.example.com", tls("wild-tls", WILD, null, true)),
        host("open.example.com", tls("shop-tls", shopCert, null, false)),
        host("plain.example.com", null)), List.of(c));
    dataPlane.apply(++version, table, Map.of("default/shop-tls", shopCert.pem(), "default/wild-tls", WILD.pem()));
  }

  // ---- a raw TLS client: SNI, ALPN and versions exactly as the test says -----------------------

  static SSLSocket connect(int port, String sni, List<String> alpn, String[] protocols, String[] ciphers)
      throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {TRUST_ALL}, null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(5000);
    SSLParameters p = s.getSSLParameters();
    p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    if (alpn != null) {
      p.setApplicationProtocols(alpn.toArray(String[]::new));
    }
    if (protocols != null) {
      p.setProtocols(protocols);
    }
    if (ciphers != null) {
      p.setCipherSuites(ciphers);
    }
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }

  static SSLSocket connect(int port, String sni) throws Exception {
    return connect(port, sni, null, null, null);
  }

  static final X509TrustManager TRUST_ALL = TestPki.TRUST_ALL;

  static String served(int port, String sni) throws Exception {
    try (SSLSocket s = connect(port, sni)) {
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }
  }

  record Reply(int status, Map<String, String> headers, String body) {}

  /** One HTTP/1.1 request on a socket (plain or TLS), read until the server closes. */
  static Reply http(Socket s, String method, String host, String target) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write((method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n"
        + (method.equals("POST") ? "Content-Length: 2\r\n\r\nhi" : "\r\n")).getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    for (int n; (n = in.read(buf)) > 0; ) {
      all.write(buf, 0, n);
    }
    String text = all.toString(StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    String[] lines = text.substring(0, end).split("\r\n");
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.merge(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim(),
          (a, b) -> a + "\n" + b);
    }
    return new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, text.substring(end + 4));
  }

  Reply https(String sni, String method, String host, String target) throws Exception {
    try (SSLSocket s = connect(dataPlane.httpsPort(), sni)) {
      return http(s, method, host, target);
    }
  }

  Reply plain(String method, String host, String target) throws Exception {
    try (Socket s = new Socket("127.0.0.1", dataPlane.httpPort())) {
      s.setSoTimeout(5000);
      return http(s, method, host, target);
    }
  }

  // ---- the tests -------------------------------------------------------------------------------

  @Test
  void sniPicksTheExactHostThenTheWildcardThenTheDefault() throws Exception {
    int port = dataPlane.httpsPort();
    assertThat(served(port, "shop.example.com")).isEqualTo("CN=shop.example.com");
    assertThat(served(port, "SHOP.Example.com")).isEqualTo("CN=shop.example.com");
    assertThat(served(port, "a.wild.example.com")).isEqualTo("CN=*.wild.example.com");
    // A wildcard covers exactly one more label.
    assertThat(served(port, "b.a.wild.example.com")).contains("Portcullis default certificate");
    assertThat(served(port, "wild.example.com")).contains("Portcullis default certificate");
    assertThat(served(port, "unknown.example.org")).contains("Portcullis default certificate");
    assertThat(served(port, null)).contains("Portcullis default certificate");
    // An RSA and an EC certificate, each chosen for its own handshake.
    try (SSLSocket s = connect(port, "a.wild.example.com")) {
      assertThat(s.getSession().getPeerCertificates()[0].getPublicKey().getAlgorithm()).isEqualTo("RSA");
      assertThat(s.getSession().getPeerCertificates()).hasSize(2); // the leaf and its issuer, as sent
    }
  }

  @Test
  void requestsOverTlsAreProxiedAndMarkedHttps() throws Exception {
    Reply r = https("shop.example.com", "GET", "shop.example.com", "/x?y=1");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).contains("\"web\"").contains("\"/x\"");
    assertThat(r.body().replace(" ", "")).contains("\"x-forwarded-proto\":\"https\"");
    assertThat(r.headers()).containsEntry("strict-transport-security", "max-age=600; includeSubDomains");
    // The proxy's own answers on that host carry HSTS too.
    Reply missing = https("shop.example.com", "GET", "shop.example.com:443", "/x");
    assertThat(missing.headers()).containsKey("strict-transport-security");
  }

  @Test
  void plainHttpIsRedirectedToHttpsExceptAcmeChallenges() throws Exception {
    Reply get = plain("GET", "shop.example.com", "/cart?item=1");
    assertThat(get.status()).isEqualTo(301);
    assertThat(get.headers()).containsEntry("location", "https://shop.example.com:8443/cart?item=1");
    assertThat(get.headers()).doesNotContainKey("strict-transport-security"); // never over plain HTTP
    Reply post = plain("POST", "shop.example.com", "/cart");
    assertThat(post.status()).isEqualTo(308);
    Reply wild = plain("GET", "a.wild.example.com:8080", "/");
    assertThat(wild.status()).isEqualTo(301);
    assertThat(wild.headers()).containsEntry("location", "https://a.wild.example.com:8443/");
    Reply acme = plain("GET", "shop.example.com", "/.well-known/acme-challenge/token");
    assertThat(acme.status()).isEqualTo(200);
    assertThat(acme.body()).contains("\"web\"");
    // redirectHttp: false serves both; a host without TLS is never redirected.
    assertThat(plain("GET", "open.example.com", "/").status()).isEqualTo(200);
    assertThat(plain("GET", "plain.example.com", "/").status()).isEqualTo(200);
  }

  @Test
  void alpnOffersHttp2AndHttp2RequestsAreServed() throws Exception {
    try (SSLSocket s = connect(dataPlane.httpsPort(), "shop.example.com", List.of("h2", "http/1.1"), null, null)) {
      assertThat(s.getApplicationProtocol()).isEqualTo("h2");
    }
    try (SSLSocket s = connect(dataPlane.httpsPort(), "shop.example.com", List.of("http/1.1"), null, null)) {
      assertThat(s.getApplicationProtocol()).isEqualTo("http/1.1");
    }
    var client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
        .setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2));
    try {
      var response = client.request(new RequestOptions().setMethod(HttpMethod.GET)
              .setServer(SocketAddress.inetSocketAddress(dataPlane.httpsPort(), "127.0.0.1"))
              .setHost("shop.example.com").setPort(443).setURI("/h2"))
          .compose(req -> req.send().compose(res -> res.body().map(body -> List.of(res.version().name(),
              String.valueOf(res.statusCode()), body.toString()))))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(response.get(0)).isEqualTo("HTTP_2");
      assertThat(response.get(1)).isEqualTo("200");
      assertThat(response.get(2)).contains("\"/h2\"");
    } finally {
      client.close();
    }
  }

  @Test
  void oldProtocolsAndWeakCiphersAreRefused() throws Exception {
    try (SSLSocket s = connect(dataPlane.httpsPort(), "shop.example.com", null, new String[] {"TLSv1.2"}, null)) {
      assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
    }
    try (SSLSocket s = connect(dataPlane.httpsPort(), "shop.example.com", null, null, null)) {
      assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
    }
    // CBC with a SHA-2 MAC is enabled by default in the JDK, not here.
    assertThatThrownBy(() -> connect(dataPlane.httpsPort(), "shop.example.com", null, new String[] {"TLSv1.2"},
        new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"}).close()).isInstanceOf(IOException.class);
  }

  @Test
  void aMinimumOfTls13RefusesTls12() throws Exception {
    DataPlane strict = DataPlane.start(DataPlaneConfig.loopback(1)
        .withTls(new TlsSettings(0, 443, "1.3", List.of())));
    try {
      strict.apply(1, RouteTable.EMPTY);
      assertThatThrownBy(() -> connect(strict.httpsPort(), "x.example.com", null, new String[] {"TLSv1.2"}, null)
          .close()).isInstanceOf(SSLHandshakeException.class);
      try (SSLSocket s = connect(strict.httpsPort(), "x.example.com")) {
        assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
      }
    } finally {
      strict.close();
    }
  }

  @Test
  void aRenewedCertificateServesTheNextHandshakeWithoutARestart() throws Exception {
    int port = dataPlane.httpsPort();
    SSLSocket before = connect(port, "shop.example.com");
    java.math.BigInteger oldSerial = ((X509Certificate) before.getSession().getPeerCertificates()[0]).getSerialNumber();
    TestPki.Issued renewed = PKI.server(false, "shop.example.com");
    try {
      apply(renewed);
      try (SSLSocket after = connect(port, "shop.example.com")) {
        assertThat(((X509Certificate) after.getSession().getPeerCertificates()[0]).getSerialNumber())
            .isEqualTo(renewed.cert().getSerialNumber()).isNotEqualTo(oldSerial);
      }
      // The connection made before the renewal still works.
      assertThat(http(before, "GET", "shop.example.com", "/still").status()).isEqualTo(200);
    } finally {
      before.close();
      apply(SHOP);
    }
  }

  @Test
  void aSnapshotWhoseCertificateIsMissingIsRefusedAndTheLastGoodOneServes() throws Exception {
    Cluster c = new Cluster("web", List.of(new Endpoint("127.0.0.1", web.port())), null, 1000, null);
    RouteTable broken = new RouteTable(List.of(host("new.example.com", tls("new-tls", SHOP, null, true))), List.of(c));
    long before = dataPlane.current().version();
    assertThatThrownBy(() -> dataPlane.apply(version + 1, broken, Map.of()))
        .isInstanceOf(ModelException.class).hasMessageContaining("certificates[default/new-tls]");
    assertThat(dataPlane.current().version()).isEqualTo(before);
    assertThat(served(dataPlane.httpsPort(), "shop.example.com")).isEqualTo("CN=shop.example.com");
  }

  @Test
  void theListenerGuardsHoldOverTlsToo() throws Exception {
    DataPlane guarded = DataPlane.start(DataPlaneConfig.loopback(1).withTls(TlsSettings.on(0, 443))
        .withLimits(dev.portcullis.dataplane.listener.ListenerLimits.DEFAULT.withHeaderTimeoutMs(1000)));
    try {
      guarded.apply(1, RouteTable.EMPTY);
      // The strict reader refuses what a lenient one would repair, over TLS as in cleartext.
      try (SSLSocket s = connect(guarded.httpsPort(), "x.example.com", List.of("http/1.1"), null, null)) {
        s.getOutputStream().write(("POST / HTTP/1.1\r\nHost: x.example.com\r\nContent-Length: 3\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(reply).startsWith("HTTP/1.1 400");
      }
      // A client that dribbles its head is cut off at the deadline.
      try (SSLSocket s = connect(guarded.httpsPort(), "x.example.com", List.of("http/1.1"), null, null)) {
        s.setSoTimeout(5000);
        long start = System.nanoTime();
        OutputStream out = s.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: x".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        int read;
        try {
          for (int i = 0; i < 40; i++) {
            Thread.sleep(100);
            out.write('x');
            out.flush();
          }
          read = s.getInputStream().read();
        } catch (IOException closed) {
          read = -1;
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(read).isEqualTo(-1);
        assertThat(ms).isLessThan(3000);
      }
      // An HTTP/2 connection over TLS is not cut by the HTTP/1 head deadline.
      try (SSLSocket s = connect(guarded.httpsPort(), "x.example.com", List.of("h2"), null, null)) {
        assertThat(s.getApplicationProtocol()).isEqualTo("h2");
        s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS
        s.getOutputStream().flush();
        byte[] seen = new byte[4096];
        s.getInputStream().read(seen); // the server's SETTINGS
        Thread.sleep(1500);
        s.getOutputStream().write(new byte[] {0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}); // PING
        s.getOutputStream().flush();
        boolean pong = false;
        for (int tries = 0; tries < 5 && !pong; tries++) {
          int n = s.getInputStream().read(seen);
          assertThat(n).as("still open after the head deadline").isPositive();
          for (int i = 0; i + 4 < n; i++) {
            // A PING frame header with the ACK flag: length 8, type 6, flags 1.
            pong |= seen[i] == 0 && seen[i + 1] == 0 && seen[i + 2] == 8 && seen[i + 3] == 6 && seen[i + 4] == 1;
          }
        }
        assertThat(pong).as("the PING is answered").isTrue();
      }
    } finally {
      guarded.close();
    }
  }

  @Test
  void aConfiguredDefaultCertificateReplacesTheSelfSignedOne() throws Exception {
    DataPlane dp = DataPlane.start(DataPlaneConfig.loopback(1).withTls(TlsSettings.on(0, 443)));
    try {
      TestPki.Issued fallback = PKI.server(true, "fallback.example.com");
      TlsRef ref = new TlsRef("ops", "default-cert", fallback.fingerprint(), null, null, SourceRef.of("Secret", "ops",
          "default-cert"));
      dp.apply(1, new RouteTable(List.of(), List.of(), ref), Map.of(Certificate.DEFAULT, fallback.pem()));
      assertThat(served(dp.httpsPort(), null)).isEqualTo("CN=fallback.example.com");
      assertThat(served(dp.httpsPort(), "unknown.example.org")).isEqualTo("CN=fallback.example.com");
      // Back to none: the self-signed one again.
      dp.apply(2, RouteTable.EMPTY);
      assertThat(served(dp.httpsPort(), null)).contains("Portcullis default certificate");
    } finally {
      dp.close();
    }
  }

  @Test
  void keyMaterialNeverShowsInToString() {
    Certificate pem = SHOP.pem();
    assertThat(pem.toString()).doesNotContain("PRIVATE KEY").contains("redacted");
    TlsMaterial m = TlsMaterial.parse("x", pem, "f");
    assertThat(m.toString()).doesNotContain(m.key().toString());
    List<String> shown = new ArrayList<>();
    dataPlane.certificates().all().forEach(t -> shown.add(t.toString()));
    assertThat(String.join("\n", shown)).doesNotContain("PRIVATE");
  }
}
