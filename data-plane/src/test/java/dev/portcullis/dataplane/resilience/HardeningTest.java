package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.ValueMatch;
import dev.portcullis.model.VirtualHost;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests whose framing or target the proxy and a backend could read differently are refused at
 * the edge, and never reach the backend.
 */
class HardeningTest extends LiveProxy {

  Upstream up;

  @BeforeEach
  void routes() throws Exception {
    up = upstreams("up")[0];
    Cluster c = cluster("hardening", BalancerPolicy.ROUND_ROBIN, up);
    Route admin = new Route("admin", RouteMatch.path(PathMatch.prefix("/admin")),
        new RouteAction.DirectResponse(418, "admin route\n"), null, null);
    Route byQuery = new Route("by-query", new RouteMatch(PathMatch.prefix("/q"), List.of(),
        List.of(new ValueMatch("v", ValueMatch.Type.EXACT, "1")), null), RouteAction.Forward.to(c.name()),
        Timeouts.DEFAULT, null);
    Route all = new Route("all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to(c.name()),
        Timeouts.DEFAULT, null);
    dataPlane.apply(++version, new RouteTable(List.of(new VirtualHost("h.test", List.of(admin, byQuery, all), null)),
        List.of(c)));
  }

  /** Sends raw bytes on a new connection and reads until the proxy closes it or 2 s pass. */
  String raw(String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", dataPlane.httpPort())) {
      s.setSoTimeout(2000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      StringBuilder sb = new StringBuilder();
      byte[] buf = new byte[4096];
      try {
        int n;
        while ((n = in.read(buf)) > 0) {
          sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
      } catch (java.net.SocketTimeoutException e) {
        sb.append("\n<still open>");
      }
      return sb.toString();
    }
  }

  @Test
  void chunkedBodiesInHttp10AreRefusedSoNothingCanBeSmuggled() throws Exception {
    String smuggled = "GET /admin HTTP/1.1\r\nHost: h.test\r\n\r\n";
    String chunk = "abcd" + smuggled;
    String r = raw("POST / HTTP/1.0\r\nHost: h.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.0 400").doesNotContain("<still open>");
    assertThat(up.requests.get()).isZero();
  }

  @Test
  void transferCodingsOtherThanALoneChunkedAreNotImplemented() throws Exception {
    String r = raw("POST / HTTP/1.1\r\nHost: h.test\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5\r\nhello\r\n0\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 501").contains("connection: close").doesNotContain("<still open>");
    assertThat(up.requests.get()).isZero();
  }

  @Test
  void aRequestNamingTwoHostsOrNoneIsRefused() throws Exception {
    assertThat(raw("GET / HTTP/1.1\r\nHost: h.test\r\nHost: other.test\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(raw("GET / HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(up.requests.get()).isZero();
  }

  @Test
  void controlCharactersInTheTargetAreRefused() throws Exception {
    assertThat(raw("GET /?a=\u0001b HTTP/1.1\r\nHost: h.test\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(raw("GET /a\\b HTTP/1.1\r\nHost: h.test\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(up.requests.get()).isZero();
  }

  @Test
  void anUndecodableQueryGetsA400InsteadOfHanging() throws Exception {
    String r = raw("GET /q?v=%zz HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 400").doesNotContain("<still open>");
  }

  @Test
  void pathsBackendsWouldReadAsAnotherRouteAreRoutedThereOrRefused() throws Exception {
    assertThat(raw("GET //admin HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 418");
    assertThat(raw("GET /admin;jsessionid=1 HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 418");
    assertThat(raw("GET /public/..;/admin HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 400");
    assertThat(up.requests.get()).isZero();
  }
}
