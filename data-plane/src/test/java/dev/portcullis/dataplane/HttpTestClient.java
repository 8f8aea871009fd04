package dev.portcullis.dataplane;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real HTTP client for tests, speaking HTTP/1.1, h2c, or raw bytes over a socket. */
final class HttpTestClient implements AutoCloseable {

  record Response(int status, MultiMap headers, Buffer body, HttpVersion version) {
    JsonObject json() {
      return body.toJsonObject();
    }

    String text() {
      return body.toString();
    }
  }

  private final HttpClient client;
  private final int port;

  HttpTestClient(Vertx vertx, int port, HttpVersion version) {
    this.port = port;
    HttpClientOptions options = new HttpClientOptions().setProtocolVersion(version).setDefaultHost("127.0.0.1")
        .setDefaultPort(port).setKeepAlive(true);
    if (version == HttpVersion.HTTP_2) {
      options.setHttp2ClearTextUpgrade(false);
    }
    this.client = vertx.createHttpClient(options);
  }

  Response get(String host, String uri) throws Exception {
    return send(HttpMethod.GET, host, uri, Map.of(), null);
  }

  Response send(HttpMethod method, String host, String uri, Map<String, String> headers, Buffer body) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(method).setURI(uri).setHost("127.0.0.1").setPort(port);
    headers.forEach(options::putHeader);
    Future<Response> f = client.request(options).compose(req -> {
      if (host != null) {
        req.authority(io.vertx.core.net.HostAndPort.parseAuthority(host, -1));
      }
      return body == null ? req.send() : req.send(body);
    }).compose(res -> res.body().map(b -> new Response(res.statusCode(), res.headers(), b, res.version())));
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Sends raw bytes and reads until the server closes the connection (or 5 s pass). */
  static String raw(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      try {
        int n;
        while ((n = in.read(chunk)) > 0) {
          buf.write(chunk, 0, n);
        }
      } catch (java.net.SocketTimeoutException e) {
        // keep-alive connection left open: return what arrived
      }
      return buf.toString(StandardCharsets.ISO_8859_1);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
