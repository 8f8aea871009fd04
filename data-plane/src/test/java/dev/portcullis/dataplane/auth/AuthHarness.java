package dev.portcullis.dataplane.auth;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.model.Auth;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Credential;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteFilters;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.VirtualHost;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The real data plane on loopback in front of a backend that records what it gets, and a real
 * HTTP/1.1 client: what the authentication tests share. Each test serves its routes under
 * {@link #HOST}: {@code /open} without authentication, {@code /} with the test's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AuthHarness {

  static {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host,connection");
  }

  static final String HOST = "shop.example.com";

  Vertx vertx;
  DataPlane dataPlane;
  HttpServer backend;
  HttpClient client;
  long version;
  /** Requests the backend got, and the headers and body of the last one. */
  final AtomicInteger backendRequests = new AtomicInteger();
  final AtomicReference<MultiMap> lastHeaders = new AtomicReference<>();
  final AtomicReference<String> lastBody = new AtomicReference<>();

  DataPlaneConfig config() {
    return DataPlaneConfig.loopback(1).withAdminToken("test-admin-token");
  }

  @BeforeAll
  void startAll() throws Exception {
    vertx = Vertx.vertx();
    backend = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(req ->
        req.body().onComplete(b -> {
          backendRequests.incrementAndGet();
          lastHeaders.set(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
          lastBody.set(b.succeeded() ? b.result().toString() : null);
          String cc = req.getParam("cc");
          if (cc != null) {
            req.response().putHeader("cache-control", cc);
          }
          req.response().end("backend " + req.path());
        }));
    await(backend.listen());
    dataPlane = DataPlane.start(config());
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  void stopAll() {
    dataPlane.close();
    vertx.close();
  }

  Cluster cluster() {
    return new Cluster("backend", List.of(new Endpoint("127.0.0.1", backend.actualPort())), null, null, 2000, null,
        null, null, null, null);
  }

  /** Serves {@code /} with this authentication (and these filters and cache), {@code /open} without. */
  void serve(Auth auth, Map<String, Credential> credentials, RouteFilters filters, RoutePolicies.CachePolicy cache)
      throws Exception {
    Cluster c = cluster();
    Route guarded = new Route("guarded", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to(c.name()),
        filters, new RoutePolicies(null, cache, null, null, null, auth), Timeouts.DEFAULT, null);
    Route open = new Route("open", RouteMatch.path(PathMatch.prefix("/open")), RouteAction.Forward.to(c.name()),
        null, null, Timeouts.DEFAULT, null);
    dataPlane.apply(++version, new RouteTable(List.of(new VirtualHost(HOST, List.of(guarded, open), null)),
        List.of(c)), Map.of(), credentials);
  }

  void serve(Auth auth, Map<String, Credential> credentials) throws Exception {
    serve(auth, credentials, null, null);
  }

  record Reply(int status, String body, HttpResponse<String> response) {
    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }
  }

  Reply send(String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.httpPort() + path))
        .timeout(Duration.ofSeconds(20)).header("Host", HOST)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body(), r);
  }

  Reply get(String path, String... headers) throws Exception {
    return send("GET", path, null, headers);
  }

  /** Sends raw bytes and reads what comes back until the connection closes or goes quiet. */
  String raw(String request, long quietMs) throws Exception {
    try (Socket s = new Socket("127.0.0.1", dataPlane.httpPort())) {
      s.setSoTimeout((int) quietMs);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = in.read(buf)) > 0) {
          got.write(buf, 0, n);
        }
      } catch (java.net.SocketTimeoutException quiet) {
        // nothing more came
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  static String basic(String user, String password) {
    return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static List<String> all(Reply r, String header) {
    return new ArrayList<>(r.response().headers().allValues(header));
  }
}
