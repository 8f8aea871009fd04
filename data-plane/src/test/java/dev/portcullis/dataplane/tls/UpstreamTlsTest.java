package dev.portcullis.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.VirtualHost;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * TLS from the proxy to its upstreams: HTTP/1.1 and HTTP/2 (ALPN) over TLS, the upstream's
 * certificate checked against the route's CA and name, or only encrypted without a CA.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamTlsTest {

  static {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  static final TestPki PKI = new TestPki("Backend CA");
  static final TestPki OTHER = new TestPki("Other CA");

  Vertx vertx;
  HttpServer backend;
  DataPlane dataPlane;
  final AtomicInteger served = new AtomicInteger();
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  long version;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    TestPki.Issued cert = PKI.server(false, "api.internal");
    backend = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
        .setUseAlpn(true).setKeyCertOptions(new PemKeyCertOptions()
            .addCertValue(Buffer.buffer(cert.certPem())).addKeyValue(Buffer.buffer(cert.pem().privateKeyPem()))))
        .requestHandler(req -> {
          served.incrementAndGet();
          req.response().end("tls backend " + req.version() + " sni=" + req.connection().indicatedServerName()
              + " host=" + req.authority());
        });
    backend.listen().toCompletionStage().toCompletableFuture().get();
    dataPlane = DataPlane.start(DataPlaneConfig.loopback(1));
  }

  @AfterAll
  void stop() {
    dataPlane.close();
    vertx.close();
  }

  record Reply(int status, String body) {}

  Reply via(Cluster.Protocol protocol, Cluster.UpstreamTls tls) throws Exception {
    Cluster c = new Cluster("tls", List.of(new Endpoint("127.0.0.1", backend.actualPort())), null, null, 2000, null,
        null, protocol, null, null, tls);
    Route r = new Route("all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("tls"), null, null);
    dataPlane.apply(++version, new RouteTable(List.of(new VirtualHost("app.test", List.of(r), null)), List.of(c)));
    HttpResponse<String> res = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.httpPort()
        + "/")).header("Host", "app.test").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(res.statusCode(), res.body());
  }

  @Test
  void aVerifiedBackendIsReachedOverTlsWithItsNameAsSni() throws Exception {
    Reply r = via(Cluster.Protocol.HTTPS, new Cluster.UpstreamTls("api.internal", PKI.caPem()));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).startsWith("tls backend HTTP_1_1").contains("host=app.test");
  }

  @Test
  void http2OverTlsIsNegotiatedByAlpn() throws Exception {
    Reply r = via(Cluster.Protocol.H2, new Cluster.UpstreamTls("api.internal", PKI.caPem()));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).startsWith("tls backend HTTP_2");
  }

  @Test
  void aBackendWhoseCertificateDoesNotCheckOutIsNeverSentTheRequest() throws Exception {
    int before = served.get();
    assertThat(via(Cluster.Protocol.HTTPS, new Cluster.UpstreamTls("api.internal", OTHER.caPem())).status())
        .as("another CA").isEqualTo(502);
    assertThat(via(Cluster.Protocol.HTTPS, new Cluster.UpstreamTls("db.internal", PKI.caPem())).status())
        .as("another name").isEqualTo(502);
    assertThat(served.get()).isEqualTo(before);
  }

  @Test
  void withoutACaTheConnectionIsEncryptedButNotChecked() throws Exception {
    assertThat(via(Cluster.Protocol.HTTPS, new Cluster.UpstreamTls("whatever.internal", null)).status()).isEqualTo(200);
    assertThat(via(Cluster.Protocol.HTTPS, null).status()).isEqualTo(200);
  }

  @Test
  void plainHttpToATlsBackendFails() throws Exception {
    assertThat(via(Cluster.Protocol.HTTP1, null).status()).isIn(502, 400);
  }
}
