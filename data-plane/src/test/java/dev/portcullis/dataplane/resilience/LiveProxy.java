package dev.portcullis.dataplane.resilience;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
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
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** The real data plane on loopback, test backends that tests control, and a real HTTP/1.1 client. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LiveProxy {

  static {
    // The tests name the virtual host in the Host header; must be set before the JDK client's first use.
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host,connection");
  }

  static final String ADMIN_TOKEN = "test-admin-token";

  Vertx vertx;
  DataPlane dataPlane;
  HttpClient client;
  long version;
  final List<Upstream> upstreams = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    dataPlane = DataPlane.start(config());
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The data plane's settings; a test class with other limits says so here. */
  DataPlaneConfig config() {
    return DataPlaneConfig.loopback(2).withAdminToken(ADMIN_TOKEN);
  }

  @AfterAll
  void stop() {
    dataPlane.close();
    vertx.close();
  }

  @AfterEach
  void closeUpstreams() throws Exception {
    for (Upstream u : upstreams) {
      try {
        u.close();
      } catch (Exception ignored) {
        // already killed by the test
      }
    }
    upstreams.clear();
  }

  Upstream[] upstreams(String... names) throws Exception {
    Upstream[] out = new Upstream[names.length];
    for (int i = 0; i < names.length; i++) {
      out[i] = Upstream.start(vertx, names[i]);
      upstreams.add(out[i]);
    }
    return out;
  }

  static Cluster cluster(String name, BalancerPolicy policy, Cluster.HashKey key, Cluster.HealthCheck health,
      Cluster.OutlierDetection outlier, Cluster.CircuitBreaker breaker, Upstream... ups) {
    List<Endpoint> endpoints = Arrays.stream(ups).map(u -> new Endpoint("127.0.0.1", u.port())).toList();
    return new Cluster(name, endpoints, policy, key, 1000, health, outlier, null, breaker, null);
  }

  static Cluster cluster(String name, BalancerPolicy policy, Upstream... ups) {
    return cluster(name, policy, null, null, null, null, ups);
  }

  void serve(String host, Cluster cluster, RoutePolicies policies, Timeouts timeouts) throws Exception {
    Route route = new Route(host + "/all", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to(cluster.name()),
        null, policies, timeouts, null);
    dataPlane.apply(++version, new RouteTable(List.of(new VirtualHost(host, List.of(route), null)), List.of(cluster)));
  }

  record Reply(int status, String body, Map<String, List<String>> headers) {
    String upstream() {
      return body.split(" ")[0];
    }
  }

  Reply send(String method, String host, String path, Map<String, String> headers, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.httpPort() + path))
        .timeout(Duration.ofSeconds(10)).header("Host", host)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body(), r.headers().map());
  }

  Reply get(String host, String path) throws Exception {
    return send("GET", host, path, Map.of(), null);
  }


  /** What a steady client loop saw. */
  static final class Load {
    final AtomicInteger ok = new AtomicInteger();
    final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> byUpstream = new ConcurrentHashMap<>();

    int failed() {
      return failures.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    int total() {
      return ok.get() + failed();
    }

    double share(String upstream) {
      AtomicInteger n = byUpstream.get(upstream);
      return n == null ? 0 : (double) n.get() / Math.max(1, ok.get());
    }
  }

  /** Runs {@code clients} sequential GET loops for {@code millis}, running {@code midway} at half time. */
  Load load(String host, int clients, long millis, ThrowingRunnable midway) throws Exception {
    Load load = new Load();
    long end = System.nanoTime() + millis * 1_000_000L;
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Thread t = new Thread(() -> {
        while (System.nanoTime() < end) {
          try {
            Reply r = get(host, "/");
            if (r.status() == 200) {
              load.ok.incrementAndGet();
              load.byUpstream.computeIfAbsent(r.upstream(), k -> new AtomicInteger()).incrementAndGet();
            } else {
              load.failures.computeIfAbsent("status " + r.status(), k -> new AtomicInteger()).incrementAndGet();
            }
          } catch (Exception e) {
            load.failures.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
          }
        }
      });
      t.start();
      threads.add(t);
    }
    if (midway != null) {
      Thread.sleep(millis / 2);
      midway.run();
    }
    for (Thread t : threads) {
      t.join(millis + 30_000);
    }
    return load;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

}
