package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.dataplane.listener.ListenerLimits;
import dev.portcullis.dataplane.proxy.TrustedProxies;
import dev.portcullis.dataplane.tls.TlsSettings;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.VirtualHost;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Who the client is, over real sockets: never what a client claims; a trusted proxy's
 * X-Forwarded-For read right to left past the trusted hops; the PROXY protocol (v1 and v2) only
 * from trusted peers; IPv6 addresses in access rules; per-address connection limits on the
 * client a PROXY header names, not on the load balancer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientIdentityTest {

  static final Pattern HEADER = Pattern.compile("\"(x-forwarded-for|x-real-ip|x-forwarded-proto)\" : \"([^\"]*)\"");

  Vertx vertx;
  EchoBackend web;
  final List<DataPlane> planes = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    web = EchoBackend.start(vertx, "web", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
  }

  @AfterAll
  void stop() {
    planes.forEach(DataPlane::close);
    vertx.close();
  }

  /** A data plane with these limits, serving host "app" (no access rules) and "guarded" (deny lists). */
  DataPlane plane(ListenerLimits limits, boolean https) throws Exception {
    DataPlaneConfig config = DataPlaneConfig.loopback(1).withLimits(limits);
    DataPlane dp = DataPlane.start(https ? config.withTls(TlsSettings.on(0, 443)) : config);
    planes.add(dp);
    Cluster c = new Cluster("web", List.of(new Endpoint("127.0.0.1", web.port())), null, 1000, null);
    Route open = new Route("app/all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("web"), null, null);
    Route guarded = new Route("guarded/all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("web"),
        null, new RoutePolicies(null, null, null,
        new RoutePolicies.Access(List.of(), List.of("198.51.100.0/24", "2001:db8::/32"))), null, null);
    dp.apply(1, new RouteTable(List.of(new VirtualHost("app", List.of(open), null),
        new VirtualHost("guarded", List.of(guarded), null)), List.of(c)));
    return dp;
  }

  static ListenerLimits trusting(String... cidrs) {
    return ListenerLimits.DEFAULT.withTrustedProxies(TrustedProxies.of(List.of(cidrs)));
  }

  record Reply(int status, String forwardedFor, String realIp, String proto, String text) {}

  /** A request from {@code from} (a loopback address), with {@code prefix} bytes (a PROXY header) first. */
  static Reply send(int port, String from, byte[] prefix, String host, String... headers) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      if (prefix != null) {
        out.write(prefix);
      }
      StringBuilder req = new StringBuilder("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
      for (int i = 0; i < headers.length; i += 2) {
        req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
      }
      out.write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return parse(s.getInputStream());
    }
  }

  static Reply parse(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    try {
      in.transferTo(all);
    } catch (IOException reset) {
      // the server cut the connection: whatever came before counts
    }
    String text = all.toString(StandardCharsets.ISO_8859_1);
    if (text.isEmpty()) {
      return new Reply(-1, null, null, null, "");
    }
    String xff = null;
    String real = null;
    String proto = null;
    Matcher m = HEADER.matcher(text);
    while (m.find()) {
      switch (m.group(1)) {
        case "x-forwarded-for" -> xff = m.group(2);
        case "x-real-ip" -> real = m.group(2);
        default -> proto = m.group(2);
      }
    }
    return new Reply(Integer.parseInt(text.split(" ")[1]), xff, real, proto, text);
  }

  static byte[] proxyV1(String client) {
    return ("PROXY TCP4 " + client + " 10.0.0.1 55555 80\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] proxyV2(String client) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(28);
    b.put(new byte[] {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a});
    b.put((byte) 0x21).put((byte) 0x11).putShort((short) 12); // v2 PROXY, TCP over IPv4
    b.put(InetAddress.getByName(client).getAddress()).put(InetAddress.getByName("10.0.0.1").getAddress());
    b.putShort((short) 55555).putShort((short) 80);
    return b.array();
  }

  @Test
  void byDefaultTheClaimsOfClientsAreNeverBelieved() throws Exception {
    DataPlane dp = plane(ListenerLimits.DEFAULT, false);
    Reply r = send(dp.httpPort(), "127.0.0.2", null, "app", "X-Forwarded-For", "198.51.100.9",
        "X-Real-IP", "198.51.100.9", "X-Forwarded-Proto", "https");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.forwardedFor()).isEqualTo("127.0.0.2");
    assertThat(r.realIp()).isEqualTo("127.0.0.2");
    assertThat(r.proto()).isEqualTo("http");
    // A deny list on 198.51.100.0/24 cannot be dodged or triggered by a header.
    assertThat(send(dp.httpPort(), "127.0.0.2", null, "guarded", "X-Forwarded-For", "198.51.100.9").status())
        .isEqualTo(200);
  }

  @Test
  void aTrustedProxysForwardedForIsReadRightToLeftPastTrustedHops() throws Exception {
    DataPlane dp = plane(trusting("127.0.0.1", "10.0.0.0/8"), false);
    Reply r = send(dp.httpPort(), "127.0.0.1", null, "app", "X-Forwarded-For", "6.6.6.6, 203.0.113.5, 10.1.2.3",
        "X-Forwarded-Proto", "https");
    assertThat(r.realIp()).as("the first hop from the right that is no trusted proxy").isEqualTo("203.0.113.5");
    assertThat(r.forwardedFor()).isEqualTo("6.6.6.6, 203.0.113.5, 10.1.2.3, 127.0.0.1");
    assertThat(r.proto()).as("the load balancer terminated TLS").isEqualTo("https");
    // Access rules see that client, in IPv4 and IPv6.
    assertThat(send(dp.httpPort(), "127.0.0.1", null, "guarded", "X-Forwarded-For", "198.51.100.9").status())
        .isEqualTo(403);
    assertThat(send(dp.httpPort(), "127.0.0.1", null, "guarded", "X-Forwarded-For", "[2001:db8::7]:443").status())
        .isEqualTo(403);
    assertThat(send(dp.httpPort(), "127.0.0.1", null, "guarded", "X-Forwarded-For", "2001:db9::7").status())
        .isEqualTo(200);
    // Garbage stops the walk: what lies left of it cannot be trusted.
    assertThat(send(dp.httpPort(), "127.0.0.1", null, "app", "X-Forwarded-For", "198.51.100.9, junk").realIp())
        .isEqualTo("127.0.0.1");
    // The same headers from a peer that is not trusted count for nothing.
    Reply untrusted = send(dp.httpPort(), "127.0.0.2", null, "guarded", "X-Forwarded-For", "203.0.113.5",
        "X-Forwarded-Proto", "https");
    assertThat(untrusted.status()).isEqualTo(200);
    assertThat(untrusted.realIp()).isEqualTo("127.0.0.2");
    assertThat(untrusted.forwardedFor()).isEqualTo("127.0.0.2");
    assertThat(untrusted.proto()).isEqualTo("http");
  }

  @Test
  void theProxyProtocolNamesTheClientOnlyForTrustedPeers() throws Exception {
    DataPlane dp = plane(trusting("127.0.0.1").withProxyProtocol(true, false), false);
    Reply v1 = send(dp.httpPort(), "127.0.0.1", proxyV1("198.51.100.20"), "app");
    assertThat(v1.status()).isEqualTo(200);
    assertThat(v1.realIp()).isEqualTo("198.51.100.20");
    Reply v2 = send(dp.httpPort(), "127.0.0.1", proxyV2("198.51.100.21"), "app");
    assertThat(v2.realIp()).isEqualTo("198.51.100.21");
    assertThat(send(dp.httpPort(), "127.0.0.1", proxyV2("198.51.100.21"), "guarded").status()).isEqualTo(403);
    // From a peer that is not a trusted proxy the header is read, and its claim ignored.
    Reply spoofed = send(dp.httpPort(), "127.0.0.2", proxyV1("203.0.113.66"), "app");
    assertThat(spoofed.status()).isEqualTo(200);
    assertThat(spoofed.realIp()).isEqualTo("127.0.0.2");
    // A connection without the header on a PROXY listener gets nothing.
    assertThat(send(dp.httpPort(), "127.0.0.1", null, "app").status()).isNotEqualTo(200);
  }

  @Test
  void theProxyProtocolWorksInFrontOfTls() throws Exception {
    DataPlane dp = plane(trusting("127.0.0.1").withProxyProtocol(false, true), true);
    javax.net.ssl.SSLContext ctx = dev.portcullis.dataplane.tls.TestPki.trustingEverything();
    try (Socket raw = new Socket("127.0.0.1", dp.httpsPort())) {
      raw.getOutputStream().write(proxyV1("198.51.100.30"));
      raw.getOutputStream().flush();
      try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory()
          .createSocket(raw, "app", dp.httpsPort(), true)) {
        s.setSoTimeout(5000);
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        Reply r = parse(s.getInputStream());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.realIp()).isEqualTo("198.51.100.30");
        assertThat(r.proto()).isEqualTo("https");
      }
    }
  }

  @Test
  void perAddressConnectionLimitsCountTheClientBehindTheProxyNotTheProxy() throws Exception {
    DataPlane dp = plane(trusting("127.0.0.1").withProxyProtocol(true, false)
        .withConnections(0, 2), false);
    List<Socket> open = new ArrayList<>();
    try {
      // The load balancer itself may hold many connections, for many clients.
      for (int i = 0; i < 4; i++) {
        open.add(idle(dp.httpPort(), "127.0.0.1", proxyV1("198.51.100." + (40 + i))));
      }
      // One client behind it gets its two.
      open.add(idle(dp.httpPort(), "127.0.0.1", proxyV1("198.51.100.50")));
      open.add(idle(dp.httpPort(), "127.0.0.1", proxyV1("198.51.100.50")));
      Thread.sleep(500); // for the proxy to have read those headers
      Reply third = send(dp.httpPort(), "127.0.0.1", proxyV1("198.51.100.50"), "app");
      assertThat(third.status()).as("a third connection for the same client").isNotEqualTo(200);
      assertThat(send(dp.httpPort(), "127.0.0.1", proxyV1("198.51.100.51"), "app").status()).isEqualTo(200);
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
  }

  /** A connection that has sent its PROXY header and the start of a request, and stays open. */
  static Socket idle(int port, String from, byte[] prefix) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.getOutputStream().write(prefix);
    s.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }
}
