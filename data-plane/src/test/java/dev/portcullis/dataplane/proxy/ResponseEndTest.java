package dev.portcullis.dataplane.proxy;

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
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * How a response through the data plane's own upstream client ends: a body that came whole with
 * its head ends the response in the same write, a body in many reads ends after its last one,
 * trailers still follow a chunked body, and each keeps the client's connection for the next
 * request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponseEndTest {

  Vertx vertx;
  HttpServer backend;
  DataPlane dataPlane;
  static final byte[] BIG = "0123456789abcdef".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    backend = vertx.createHttpServer().requestHandler(req -> {
      var res = req.response();
      switch (req.path()) {
        case "/small" -> res.end("hello");
        case "/empty" -> res.setStatusCode(204).end();
        case "/big" -> res.end(Buffer.buffer(BIG));
        case "/trailers" -> {
          res.setChunked(true).putHeader("trailer", "x-checksum");
          res.write("hel");
          vertx.setTimer(20, t -> {
            res.write("lo");
            res.trailers().add("x-checksum", "abc123");
            res.end();
          });
        }
        default -> res.setStatusCode(404).end();
      }
    });
    backend.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
    dataPlane = DataPlane.start(DataPlaneConfig.loopback(1));
    Cluster web = new Cluster("web", List.of(new Endpoint("127.0.0.1", backend.actualPort())), null, 1000, null);
    Route all = new Route("app/all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("web"), null, null);
    dataPlane.apply(1, new RouteTable(List.of(new VirtualHost("end.test", List.of(all), null)), List.of(web)));
  }

  @AfterAll
  void stop() throws Exception {
    dataPlane.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void bodiesOfEverySizeAndBodilessAnswersEndWholeAndKeepTheConnection() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), dataPlane.httpPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      for (int round = 0; round < 3; round++) {
        assertThat(exchange(out, in, "GET", "/small")).isEqualTo("200 hello");
        assertThat(exchange(out, in, "HEAD", "/small")).isEqualTo("200 ");
        assertThat(exchange(out, in, "GET", "/empty")).isEqualTo("204 ");
        String big = exchange(out, in, "GET", "/big");
        assertThat(big).startsWith("200 ").hasSize(4 + BIG.length);
        assertThat(big.substring(4)).isEqualTo(new String(BIG, StandardCharsets.US_ASCII));
      }
    }
  }

  @Test
  void trailersStillFollowAChunkedBody() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), dataPlane.httpPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      for (int round = 0; round < 2; round++) {
        out.write("GET /trailers HTTP/1.1\r\nHost: end.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String head = readHead(in);
        assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("transfer-encoding: chunked");
        StringBuilder body = new StringBuilder();
        while (true) {
          int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
          if (size == 0) {
            break;
          }
          body.append(new String(in.readNBytes(size), StandardCharsets.US_ASCII));
          assertThat(readLine(in)).isEmpty();
        }
        assertThat(body).hasToString("hello");
        assertThat(readLine(in)).isEqualToIgnoringCase("x-checksum: abc123");
        assertThat(readLine(in)).isEmpty();
      }
    }
  }

  /** One request on the connection; its status and body, read by Content-Length. */
  private static String exchange(OutputStream out, InputStream in, String method, String path) throws Exception {
    out.write((method + " " + path + " HTTP/1.1\r\nHost: end.test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String head = readHead(in);
    String status = head.substring(9, 12);
    int length = 0;
    for (String line : head.split("\r\n")) {
      if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    assertThat(head).doesNotContainIgnoringCase("connection: close");
    byte[] body = method.equals("HEAD") || status.equals("204") ? new byte[0] : in.readNBytes(length);
    return status + " " + new String(body, StandardCharsets.US_ASCII);
  }

  private static String readHead(InputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    String line;
    while (!(line = readLine(in)).isEmpty()) {
      head.append(line).append("\r\n");
    }
    return head.toString();
  }

  private static String readLine(InputStream in) throws Exception {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new java.io.EOFException("closed after: " + line);
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }
}
