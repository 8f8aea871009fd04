package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteFilters;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.VirtualHost;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request smuggling, table-driven: each case is what a client sends on a raw socket, and what the
 * proxy must make of it. A request the proxy and a backend could frame differently is refused at
 * the edge (400 or 501, then the connection closes); a request that is valid but unusual reaches
 * the backend exactly as the proxy parsed it. Behind the proxy sits a backend that parses what it
 * receives strictly and records it, byte for byte: a request for {@code /smuggled} (hidden in
 * each case where a desync would expose it) must never reach it.
 */
class SmugglingTest extends LiveProxy {

  static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: h.test\r\n\r\n";
  static final String H = "Host: h.test\r\n";

  RawBackend backend;

  @BeforeAll
  void backend() throws Exception {
    backend = new RawBackend();
    Cluster raw = new Cluster("raw", List.of(new Endpoint("127.0.0.1", backend.port())), BalancerPolicy.ROUND_ROBIN,
        1000, null);
    Route admin = new Route("admin", RouteMatch.path(PathMatch.prefix("/admin")),
        new RouteAction.DirectResponse(418, "admin route\n"), null, null);
    Route all = new Route("all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("raw"),
        Timeouts.DEFAULT, null);
    // A route whose configured header is not a field (the translator refuses such names; the
    // data plane does not count on it): nothing of it may reach the backend.
    Route injected = new Route("injected", RouteMatch.path(PathMatch.prefix("/injected")), RouteAction.Forward.to("raw"),
        new RouteFilters(new RouteFilters.HeaderModifier(List.of(new RouteFilters.Header("X-Evil\r\nInjected", "1")),
            List.of(), List.of()), null, null, null), null, Timeouts.DEFAULT, null);
    Route other = new Route("other", RouteMatch.path(PathMatch.prefix("/")),
        new RouteAction.DirectResponse(418, "other host\n"), null, null);
    dataPlane.apply(++version, new RouteTable(List.of(new VirtualHost("h.test", List.of(admin, injected, all), null),
        new VirtualHost("other.test", List.of(other), null)), List.of(raw)));
  }

  @AfterAll
  void closeBackend() throws IOException {
    backend.close();
  }

  @BeforeEach
  void clear() {
    backend.clear();
  }

  /** Refused: one of these statuses (or a close without an answer), then the connection is closed. */
  record Case(String name, String request, Set<Integer> refusedWith, String acceptedBody) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case refused(String name, String request, Integer... statuses) {
    return new Case(name, request, Set.of(statuses), null);
  }

  /** Valid: the backend gets exactly one request, with this body. */
  static Case accepted(String name, String request, String body) {
    return new Case(name, request, Set.of(), body);
  }

  static Stream<Case> cases() {
    List<Case> c = new ArrayList<>();
    String post = "POST / HTTP/1.1\r\n" + H;
    // Content-Length and Transfer-Encoding together, in either order
    c.add(refused("CL then TE", post + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("TE then CL", post + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + SMUGGLED, 400));
    // Content-Length forms
    c.add(refused("two Content-Lengths", post + "Content-Length: 0\r\nContent-Length: " + SMUGGLED.length() + "\r\n\r\n"
        + SMUGGLED, 400));
    c.add(refused("two equal Content-Lengths", post + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc" + SMUGGLED, 400));
    c.add(refused("Content-Length list", post + "Content-Length: 5, 5\r\n\r\nhello" + SMUGGLED, 400));
    c.add(refused("Content-Length +5", post + "Content-Length: +5\r\n\r\nhello" + SMUGGLED, 400));
    c.add(refused("Content-Length hex", post + "Content-Length: 0x5\r\n\r\nhello" + SMUGGLED, 400));
    c.add(refused("Content-Length negative", post + "Content-Length: -1\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("Content-Length overflow", post + "Content-Length: 18446744073709551621\r\n\r\nhello" + SMUGGLED, 400));
    c.add(refused("Content-Length empty", post + "Content-Length: \r\n\r\n" + SMUGGLED, 400));
    c.add(refused("Content-Length with space inside", post + "Content-Length: 1 0\r\n\r\nhello" + SMUGGLED, 400));
    // Header syntax
    c.add(refused("obs-fold", post + "X-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("obs-fold on TE", post + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400, 501));
    c.add(refused("space before colon (TE)", post + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("space before colon (CL)", post + "Content-Length : 5\r\n\r\nhello" + SMUGGLED, 400));
    c.add(refused("tab before colon", post + "Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("space inside name", "GET / HTTP/1.1\r\n" + H + "X Foo: bar\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("non-token char in name", "GET / HTTP/1.1\r\n" + H + "X(Foo): bar\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("non-token char @ in name", "GET / HTTP/1.1\r\n" + H + "X@Foo: bar\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("NUL in name", "GET / HTTP/1.1\r\n" + H + "X-F\u0000oo: bar\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("empty name", "GET / HTTP/1.1\r\n" + H + ": bar\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("NUL in value", "GET / HTTP/1.1\r\n" + H + "X-Foo: a\u0000b\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("bare CR in value", "GET / HTTP/1.1\r\n" + H + "X-Foo: a\rTransfer-Encoding: chunked\r\n\r\n"
        + SMUGGLED, 400));
    c.add(refused("control char in value", "GET / HTTP/1.1\r\n" + H + "X-Foo: a\u0001b\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("DEL in value", "GET / HTTP/1.1\r\n" + H + "X-Foo: a\u007fb\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("vertical tab before TE value", post + "Transfer-Encoding: \u000bchunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
        400, 501));
    c.add(refused("header line without colon", "GET / HTTP/1.1\r\n" + H + "NoColonHere\r\n\r\n" + SMUGGLED, 400));
    // Transfer-Encoding values
    c.add(refused("TE chunked, identity", post + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + SMUGGLED, 400,
        501));
    c.add(refused("TE identity, chunked", post + "Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400,
        501));
    c.add(refused("TE xchunked", post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400, 501));
    c.add(refused("TE chunked twice", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        + SMUGGLED, 400, 501));
    c.add(refused("TE quoted", post + "Transfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\n" + SMUGGLED, 400, 501));
    c.add(refused("TE in HTTP/1.0", "POST / HTTP/1.0\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
        400));
    c.add(accepted("TE after a tab", post + "Transfer-Encoding:\tchunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "hello"));
    c.add(accepted("TE upper case", post + "Transfer-Encoding: CHUNKED\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "hello"));
    // Chunk sizes and chunk framing
    String chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
    c.add(refused("chunk size not hex", chunked + "zz\r\nhello\r\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("chunk size overflow", chunked + "1000000000000000000000005\r\nhello\r\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("chunk size negative", chunked + "-5\r\nhello\r\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("chunk size 0x prefix", chunked + "0x5\r\nhello\r\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("chunk size with space inside", chunked + "5 5\r\nhello\r\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("chunk extension with bare LF", chunked + "5;ext\nhello\r\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("chunk size line with bare LF", chunked + "5\nhello\r\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("no CRLF after chunk data", chunked + "5\r\nhelloXX0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("bare LF after chunk data", chunked + "5\r\nhello\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("chunk data longer than its size", chunked + "3\r\nhello\r\n0\r\n\r\n" + SMUGGLED, 400));
    c.add(accepted("chunk extension", post + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + "5;name=value\r\nhello\r\n0\r\n\r\n", "hello"));
    // Line endings
    c.add(refused("bare LF after the request line", "GET / HTTP/1.1\n" + H + "\r\n" + SMUGGLED, 400));
    c.add(refused("bare LF between headers", "GET / HTTP/1.1\r\nHost: h.test\nX-Foo: bar\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("bare LF ends the head", "GET / HTTP/1.1\r\n" + H + "\n" + SMUGGLED, 400));
    c.add(refused("bare CR ends a line", "GET / HTTP/1.1\r" + H + "\r\n" + SMUGGLED, 400));
    // Request line
    c.add(refused("two spaces in the request line", "GET  / HTTP/1.1\r\n" + H + "\r\n" + SMUGGLED, 400));
    c.add(refused("two spaces before the version", "GET /  HTTP/1.1\r\n" + H + "\r\n" + SMUGGLED, 400));
    c.add(refused("tab in the request line", "GET\t/ HTTP/1.1\r\n" + H + "\r\n" + SMUGGLED, 400));
    c.add(refused("no version", "GET /\r\n" + H + "\r\n" + SMUGGLED, 400));
    c.add(refused("HTTP/1.2", "GET / HTTP/1.2\r\n" + H + "\r\n" + SMUGGLED, 400, 505));
    c.add(refused("HTTP/2.0 in HTTP/1 framing", "GET / HTTP/2.0\r\n" + H + "\r\n" + SMUGGLED, 400, 505));
    c.add(refused("lower-case version", "GET / http/1.1\r\n" + H + "\r\n" + SMUGGLED, 400, 505));
    c.add(refused("space at the start of the request line", " GET / HTTP/1.1\r\n" + H + "\r\n" + SMUGGLED, 400));
    c.add(refused("absolute form naming another host", "GET http://other.test/ HTTP/1.1\r\n" + H + "\r\n" + SMUGGLED,
        400));
    // Host
    c.add(refused("two Host headers", "GET / HTTP/1.1\r\n" + H + "Host: other.test\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("Host with a space inside", "GET / HTTP/1.1\r\nHost: h.test other.test\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("Host with a comma", "GET / HTTP/1.1\r\nHost: h.test,other.test\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("Host with a path", "GET / HTTP/1.1\r\nHost: h.test/admin\r\n\r\n" + SMUGGLED, 400));
    c.add(refused("Host with userinfo", "GET / HTTP/1.1\r\nHost: user@h.test\r\n\r\n" + SMUGGLED, 400));
    // A request inside a body is just data
    c.add(accepted("request hidden in a body", post + "Content-Length: " + SMUGGLED.length() + "\r\nConnection: close\r\n\r\n"
        + SMUGGLED, SMUGGLED));
    return c.stream();
  }

  static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theBackendSeesWhatTheProxyParsedOrNothing(Case c) throws Exception {
    String reply = raw(c.request());
    Matcher m = STATUS_LINE.matcher(reply);
    List<Integer> statuses = new ArrayList<>();
    while (m.find()) {
      statuses.add(Integer.parseInt(m.group(1)));
    }
    // A smuggled request would be sent a moment later: give it the chance to arrive.
    Thread.sleep(100);
    assertThat(backend.requests).as("backend requests").noneMatch(r -> r.target().contains("smuggled"));
    assertThat(reply).as("the proxy closes the connection").doesNotContain("<still open>");
    if (c.acceptedBody() != null) {
      assertThat(statuses).as("statuses").containsExactly(200);
      assertThat(backend.requests).hasSize(1);
      assertThat(backend.requests.get(0).bodyText()).isEqualTo(c.acceptedBody());
      assertThat(backend.garbage).isEmpty();
    } else {
      assertThat(statuses).as("statuses; reply was: " + reply).hasSizeLessThanOrEqualTo(1);
      if (!statuses.isEmpty()) {
        assertThat(c.refusedWith()).as("refused with " + statuses + "; reply was: " + reply).contains(statuses.get(0));
      }
      assertThat(backend.requests).as("requests the backend got").isEmpty();
    }
  }

  /** A path that reaches the backend, and the exact target the backend must get for it. */
  record PathCase(String sent, int status, String upstreamTarget) {
    @Override
    public String toString() {
      return sent;
    }
  }

  static Stream<PathCase> paths() {
    return Stream.of(
        // Encoded slashes stay data, but not when they would hide a dot segment from the router.
        new PathCase("/public/..%2Fadmin", 400, null),
        new PathCase("/public/..%2fadmin", 400, null),
        new PathCase("/public%2F..%2Fadmin", 400, null),
        new PathCase("/public/..%5Cadmin", 400, null),
        new PathCase("/public/..\\admin", 400, null),
        // Encoded dots are dots: routed (and sent) as the path they spell.
        new PathCase("/public/%2e%2e/admin", 418, null),
        new PathCase("/public/.%2E/admin", 418, null),
        new PathCase("/public/..;/admin", 400, null),
        new PathCase("/public/%2e%2e;/admin", 400, null),
        // Doubly encoded dots and slashes, for backends that decode twice.
        new PathCase("/public/%252e%252e/admin", 400, null),
        new PathCase("/public/%252fadmin", 400, null),
        new PathCase("/public/x/../y", 200, "/public/y"),
        new PathCase("/public/./x?q=1", 200, "/public/x?q=1"),
        new PathCase("//public//x", 200, "/public/x"),
        new PathCase("/public/%7Euser", 200, "/public/~user"),
        new PathCase("/public/a%2Fb", 200, "/public/a%2Fb"),
        new PathCase("/public/x;jsessionid=1", 200, "/public/x;jsessionid=1"),
        new PathCase("/public/..", 200, "/"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("paths")
  void pathsAreRoutedAsTheBackendWillReadThemAndSentExactly(PathCase c) throws Exception {
    String reply = raw("GET " + c.sent() + " HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n");
    assertThat(reply).startsWith("HTTP/1.1 " + c.status());
    if (c.upstreamTarget() == null) {
      assertThat(backend.requests).isEmpty();
    } else {
      assertThat(backend.requests).hasSize(1);
      assertThat(backend.requests.get(0).target()).isEqualTo(c.upstreamTarget());
    }
  }

  @Test
  void headerFieldsReachTheBackendByteForByteWithoutTheWhiteSpaceAroundValues() throws Exception {
    String reply = raw("GET /fields HTTP/1.1\r\n" + H + "x-lower: 1\r\nX-Pad: \t a  b \t\r\nX-Empty:\r\n"
        + "X-Latin1: caf\u00e9 \u00fcber\r\nX-Two: 1\r\nX-Two: 2\r\nKeep-Alive: timeout=5\r\nConnection: close, X-Hop\r\n"
        + "X-Hop: gone\r\n\r\n");
    assertThat(reply).startsWith("HTTP/1.1 200");
    assertThat(backend.requests).hasSize(1);
    List<String> sent = backend.requests.get(0).headers();
    // Names as the client wrote them; obs-text bytes as they were (not replaced); hop-by-hop ones dropped.
    assertThat(sent).contains("x-lower: 1", "X-Pad: a  b", "X-Empty: ", "X-Latin1: caf\u00e9 \u00fcber", "X-Two: 1",
        "X-Two: 2");
    assertThat(sent).noneMatch(h -> h.regionMatches(true, 0, "keep-alive:", 0, 11)
        || h.regionMatches(true, 0, "x-hop:", 0, 6));
  }

  @Test
  void aRouteHeaderThatIsNotAFieldIsNeverSent() throws Exception {
    String reply = raw("GET /injected HTTP/1.1\r\n" + H + "X-Client: c\r\nConnection: close\r\n\r\n");
    assertThat(reply).startsWith("HTTP/1.1 400");
    Thread.sleep(100);
    assertThat(backend.requests).isEmpty();
    assertThat(backend.garbage).isEmpty();
  }

  /** Sends raw bytes on a new connection and reads until the proxy closes it or 3 s pass. */
  String raw(String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", dataPlane.httpPort())) {
      s.setSoTimeout(3000);
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
      } catch (SocketTimeoutException e) {
        sb.append("\n<still open>");
      } catch (java.net.SocketException e) {
        // reset by the proxy: a close too
      }
      return sb.toString();
    }
  }
}
