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

/**
 * A real HTTP client for tests, speaking HTTP/1.1 (the JDK's client), h2c by prior knowledge
 * (Vert.x's), or raw bytes over a socket.
 *
 * <p>HTTP/1.1 goes through the JDK's client: Vert.x 5's client, driven from a thread outside
 * Vert.x, now and then never completes a request on a reused connection (seen here about once in
 * a few hundred sequential requests; curl and the JDK's client never hang against the same server).
 */
final class HttpTestClient implements AutoCloseable {

  static {
    // Tests set Host and Connection themselves; must be set before the JDK client's first use.
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host,connection");
  }

  record Response(int status, MultiMap headers, Buffer body, HttpVersion version) {
    JsonObject json() {
      return body.toJsonObject();
    }

    String text() {
      return body.toString();
    }
  }

  private final HttpClient client;
  private final java.net.http.HttpClient jdk;
  private final int port;

  HttpTestClient(Vertx vertx, int port, HttpVersion version) {
    this.port = port;
    this.jdk = version == HttpVersion.HTTP_2 ? null : java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(java.time.Duration.ofSeconds(5)).build();
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
    if (jdk != null) {
      return sendJdk(method, host, uri, headers, body);
    }
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

  private Response sendJdk(HttpMethod method, String host, String uri, Map<String, String> headers, Buffer body)
      throws Exception {
    java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + port + uri)).timeout(java.time.Duration.ofSeconds(30))
        .method(method.name(), body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
            : java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.getBytes()));
    if (host != null) {
      b.header("Host", host);
    }
    headers.forEach(b::header);
    java.net.http.HttpResponse<byte[]> r = jdk.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    r.headers().map().forEach((k, v) -> v.forEach(value -> h.add(k, value)));
    return new Response(r.statusCode(), h, Buffer.buffer(r.body()), HttpVersion.HTTP_1_1);
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
