package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.listener.ListenerLimits;
import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.VirtualHost;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request body limits: the listener's default (4000 bytes here) and a route's own (1000). A
 * Content-Length over the limit is refused before the body is read or invited; a chunked or
 * HTTP/2 body is counted as it streams, and the upstream request is reset when it passes the
 * limit, so the backend never gets a request that looks complete.
 */
class BodyLimitTest extends LiveProxy {

  RawBackend backend;

  @Override
  DataPlaneConfig config() {
    return super.config().withLimits(ListenerLimits.DEFAULT.withMaxRequestBodySize(4000));
  }

  @BeforeAll
  void routes() throws Exception {
    backend = new RawBackend();
    Cluster raw = new Cluster("raw", List.of(new Endpoint("127.0.0.1", backend.port())), BalancerPolicy.ROUND_ROBIN,
        1000, null);
    Route limited = new Route("limited", RouteMatch.path(PathMatch.prefix("/limited")), RouteAction.Forward.to("raw"),
        null, new RoutePolicies(null, null, null, null, 1000L), Timeouts.DEFAULT, null);
    Route unlimited = new Route("unlimited", RouteMatch.path(PathMatch.prefix("/unlimited")),
        RouteAction.Forward.to("raw"), null, new RoutePolicies(null, null, null, null, 0L), Timeouts.DEFAULT, null);
    Route all = new Route("all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("raw"),
        Timeouts.DEFAULT, null);
    dataPlane.apply(++version, new RouteTable(List.of(new VirtualHost("h.test", List.of(limited, unlimited, all),
        null)), List.of(raw)));
  }

  @AfterAll
  void closeBackend() throws Exception {
    backend.close();
  }

  @BeforeEach
  void clear() {
    backend.clear();
  }

  @Test
  void aContentLengthOverTheRouteLimitGets413BeforeAnyContinue() throws Exception {
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      String reply = c.send("POST /limited HTTP/1.1\r\nHost: h.test\r\nContent-Length: 1001\r\n"
          + "Expect: 100-continue\r\n\r\n").response();
      assertThat(reply).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");
      assertThat(c.closedWithin(5000)).isTrue();
    }
    assertThat(backend.requests).isEmpty();
  }

  @Test
  void theDefaultLimitAppliesWhereTheRouteSetsNone() throws Exception {
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      assertThat(c.send("POST / HTTP/1.1\r\nHost: h.test\r\nContent-Length: 4001\r\n\r\n").response())
          .startsWith("HTTP/1.1 413");
    }
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      String body = "b".repeat(4000);
      assertThat(c.send("POST / HTTP/1.1\r\nHost: h.test\r\nContent-Length: 4000\r\n\r\n" + body).response())
          .startsWith("HTTP/1.1 200");
    }
    assertThat(backend.requests).hasSize(1);
    assertThat(backend.requests.get(0).body()).hasSize(4000);
    // A route whose limit is 0 takes any size.
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      String body = "b".repeat(10_000);
      assertThat(c.send("POST /unlimited HTTP/1.1\r\nHost: h.test\r\nContent-Length: 10000\r\n\r\n" + body)
          .response()).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void aChunkedBodyPassingTheLimitIsCutAndNeverCompletedUpstream() throws Exception {
    try (RawClient c = new RawClient(dataPlane.httpPort())) {
      c.send("POST / HTTP/1.1\r\nHost: h.test\r\nTransfer-Encoding: chunked\r\n\r\n");
      String chunk = Integer.toHexString(1000) + "\r\n" + "c".repeat(1000) + "\r\n";
      String reply;
      try {
        for (int i = 0; i < 5; i++) {
          c.send(chunk);
          Thread.sleep(20);
        }
        c.send("0\r\n\r\n");
        reply = c.response();
      } catch (java.io.IOException e) {
        reply = "<cut>";
      }
      assertThat(reply).matches("(?s)(HTTP/1.1 413.*|<cut>|)");
    }
    Thread.sleep(200);
    assertThat(backend.requests).as("complete requests the backend got").isEmpty();
  }

  @Test
  void anHttp2BodyPassingTheLimitGets413AndIsNeverCompletedUpstream() throws Exception {
    var h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    try {
      var request = h2.request(new RequestOptions().setMethod(HttpMethod.POST)
          .setServer(io.vertx.core.net.SocketAddress.inetSocketAddress(dataPlane.httpPort(), "127.0.0.1"))
          .setHost("h.test").setPort(dataPlane.httpPort()).setURI("/limited"))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      request.setChunked(true);
      var response = request.response();
      for (int i = 0; i < 4; i++) {
        request.write(Buffer.buffer("h".repeat(400)));
      }
      var r = response.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(413);
      request.reset();
    } finally {
      h2.close();
    }
    Thread.sleep(200);
    assertThat(backend.requests).isEmpty();
  }
}
