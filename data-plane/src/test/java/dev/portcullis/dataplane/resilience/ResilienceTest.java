package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Traffic keeps flowing when backends fail: real backends on loopback that die, fail, hang and
 * slow down under a steady client load through the real data plane; failures are counted.
 */
class ResilienceTest extends LiveProxy {

  @Test
  void killingOneOfThreeBackendsUnderLoadLosesNoMoreThanItsRequestsInFlight() throws Exception {
    Upstream[] u = upstreams("a", "b", "c");
    for (Upstream x : u) {
      x.delayMs = 5;
    }
    serve("kill.test", cluster("kill", BalancerPolicy.ROUND_ROBIN, u), null, Timeouts.DEFAULT);
    int clients = 6;
    int[] inFlightAtKill = new int[1];
    Load load = load("kill.test", clients, 3000, () -> {
      inFlightAtKill[0] = u[1].inFlight.get();
      u[1].kill();
    });
    int requestsAtB = u[1].requests.get();
    System.out.printf("kill one of three: %d requests, %d failed (%s), %d in flight on the killed backend%n",
        load.total(), load.failed(), load.failures, inFlightAtKill[0]);
    assertThat(load.total()).isGreaterThan(300);
    // At most what was in flight on the killed backend; idempotent GETs are retried elsewhere, so none.
    assertThat(load.failed()).isLessThanOrEqualTo(inFlightAtKill[0]);
    assertThat(load.failed()).isZero();
    assertThat(load.share("b")).isLessThan(0.5);
    assertThat(requestsAtB).isPositive();
  }

  @Test
  void aBackendAnswering503IsEjectedAndComesBackWhenItRecovers() throws Exception {
    Upstream[] u = upstreams("a", "b", "c");
    u[0].mode = Upstream.Mode.FAIL_503;
    Cluster c = cluster("eject", BalancerPolicy.ROUND_ROBIN, null, null,
        new Cluster.OutlierDetection(3, 1000, 1000, 50), null, u);
    serve("eject.test", c, null, Timeouts.DEFAULT);
    int failures = 0;
    for (int i = 0; i < 60; i++) {
      if (get("eject.test", "/").status() != 200) {
        failures++;
      }
    }
    // Three in a row eject it; round robin sends it every third request, so it fails three times.
    assertThat(failures).isEqualTo(3);
    int seenWhileEjected = u[0].requests.get();
    for (int i = 0; i < 20; i++) {
      assertThat(get("eject.test", "/").status()).isEqualTo(200);
    }
    assertThat(u[0].requests.get()).as("no requests while ejected").isEqualTo(seenWhileEjected);
    u[0].mode = Upstream.Mode.OK;
    // The ejection (1 s) ends; the recovered backend gets its share again.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(get("eject.test", "/").status()).isEqualTo(200);
      assertThat(u[0].requests.get()).isGreaterThan(seenWhileEjected);
    });
  }

  @Test
  void activeHealthChecksTakeAnEndpointOutAndBringItBack() throws Exception {
    Upstream[] u = upstreams("a", "b");
    Cluster c = cluster("health", BalancerPolicy.ROUND_ROBIN, null,
        new Cluster.HealthCheck("/healthz", 100, 500, 2, 2, List.of(200)), null, null, u);
    serve("health.test", c, null, Timeouts.DEFAULT);
    await().atMost(Duration.ofSeconds(5)).until(() -> u[0].healthChecks.get() >= 2 && u[1].healthChecks.get() >= 2);
    u[0].healthStatus = 500;
    // Two failed checks in a row (about 200 ms): out.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      int before = u[0].requests.get();
      for (int i = 0; i < 10; i++) {
        assertThat(get("health.test", "/").upstream()).isEqualTo("b");
      }
      assertThat(u[0].requests.get()).isEqualTo(before);
    });
    u[0].healthStatus = 200;
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < 10; i++) {
        seen.merge(get("health.test", "/").upstream(), 1, Integer::sum);
      }
      assertThat(seen).containsKeys("a", "b");
    });
  }

  @Test
  void panicModeBalancesOverAllWhenTooFewAreHealthy() throws Exception {
    Upstream[] u = upstreams("a", "b");
    u[0].healthStatus = 500;
    u[1].healthStatus = 500;
    Cluster c = cluster("panic", BalancerPolicy.ROUND_ROBIN, null,
        new Cluster.HealthCheck("/healthz", 50, 500, 1, 1, List.of()), null, null, u);
    serve("panic.test", c, null, Timeouts.DEFAULT);
    await().atMost(Duration.ofSeconds(5)).until(() -> u[0].healthChecks.get() >= 2 && u[1].healthChecks.get() >= 2);
    // Both failed their checks; with none healthy the proxy still tries them all rather than fail every request.
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      Reply r = get("panic.test", "/");
      assertThat(r.status()).isEqualTo(200);
      seen.merge(r.upstream(), 1, Integer::sum);
    }
    assertThat(seen).containsKeys("a", "b");
  }

  @Test
  void leastRequestAndEwmaAvoidASlowBackend() throws Exception {
    Upstream[] u = upstreams("a", "b", "c");
    u[0].delayMs = 200;
    u[1].delayMs = 2;
    u[2].delayMs = 2;
    for (BalancerPolicy policy : List.of(BalancerPolicy.LEAST_REQUEST, BalancerPolicy.EWMA)) {
      serve("slow.test", cluster("slow-" + policy, policy, u), null, Timeouts.DEFAULT);
      Load load = load("slow.test", 8, 2000, null);
      System.out.printf("%s: slow backend took %.1f%% of %d requests (round robin: 33%%)%n", policy,
          100 * load.share("a"), load.ok.get());
      assertThat(load.failed()).isZero();
      // Round robin would give it a third; on a loaded machine the fast ones are slowed too, so the
      // bound leaves room (about 3% when the machine is idle).
      assertThat(load.share("a")).as(policy + " share of the slow backend").isLessThan(0.15);
    }
  }

  @Test
  void cookieStickySessionsStickAndTheCookieIsSafe() throws Exception {
    Upstream[] u = upstreams("a", "b", "c");
    Cluster c = cluster("sticky", BalancerPolicy.CONSISTENT_HASH,
        new Cluster.HashKey(null, "route", 3_600_000L, null, false), null, null, null, u);
    serve("sticky.test", c, null, Timeouts.DEFAULT);
    Reply first = get("sticky.test", "/");
    String setCookie = first.headers().get("set-cookie").get(0);
    assertThat(setCookie).startsWith("route=").contains("; Path=/", "; Max-Age=3600", "; HttpOnly", "; SameSite=Lax")
        .doesNotContain("Secure"); // plain HTTP here; over TLS it is Secure
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    for (int i = 0; i < 30; i++) {
      Reply r = send("GET", "sticky.test", "/", Map.of("Cookie", "other=1; " + cookie), null);
      assertThat(r.upstream()).isEqualTo(first.upstream());
      assertThat(r.headers()).doesNotContainKey("set-cookie");
    }
    // Many clients spread over all the backends.
    Map<String, Integer> spread = new HashMap<>();
    for (int i = 0; i < 60; i++) {
      spread.merge(get("sticky.test", "/").upstream(), 1, Integer::sum);
    }
    assertThat(spread).containsKeys("a", "b", "c");
  }

  @Test
  void headerHashingSticksAndMovesOnlyWhenItsEndpointDies() throws Exception {
    Upstream[] u = upstreams("a", "b", "c");
    Cluster c = cluster("hash", BalancerPolicy.CONSISTENT_HASH, new Cluster.HashKey("x-user", null, null, null, false),
        null, null, null, u);
    serve("hash.test", c, null, Timeouts.DEFAULT);
    Map<String, String> owner = new HashMap<>();
    for (int user = 0; user < 30; user++) {
      owner.put("u" + user, send("GET", "hash.test", "/", Map.of("x-user", "u" + user), null).upstream());
    }
    assertThat(new java.util.HashSet<>(owner.values())).containsExactlyInAnyOrder("a", "b", "c");
    u[1].kill();
    for (Map.Entry<String, String> e : owner.entrySet()) {
      Reply r = send("GET", "hash.test", "/", Map.of("x-user", e.getKey()), null);
      assertThat(r.status()).isEqualTo(200);
      if (!e.getValue().equals("b")) {
        assertThat(r.upstream()).as("users of live backends stay put").isEqualTo(e.getValue());
      }
    }
  }

  @Test
  void aFailedIdempotentRequestIsRetriedOnAnotherEndpoint() throws Exception {
    Upstream[] u = upstreams("a", "b");
    u[0].mode = Upstream.Mode.FAIL_503;
    Cluster c = cluster("retry", BalancerPolicy.ROUND_ROBIN, u);
    serve("retry.test", c, new RoutePolicies(new RoutePolicies.Retries(2, List.of("503"), 0, 1, 5), null, null, null),
        Timeouts.DEFAULT);
    for (int i = 0; i < 10; i++) {
      Reply r = get("retry.test", "/");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.upstream()).isEqualTo("b");
    }
    assertThat(u[0].requests.get()).as("about every other first attempt").isBetween(3, 10);
    // A POST may have had its effect: a 503 answer is not retried.
    u[1].mode = Upstream.Mode.FAIL_503;
    int before = u[0].requests.get() + u[1].requests.get();
    assertThat(send("POST", "retry.test", "/", Map.of(), "order=1").status()).isEqualTo(503);
    assertThat(u[0].requests.get() + u[1].requests.get()).isEqualTo(before + 1);
  }

  @Test
  void connectFailuresAreRetriedEvenForPostsWithTheirBody() throws Exception {
    Upstream[] u = upstreams("a", "b");
    u[0].kill();
    Cluster c = cluster("connect", BalancerPolicy.ROUND_ROBIN, u);
    serve("connect.test", c, null, Timeouts.DEFAULT);
    for (int i = 0; i < 6; i++) {
      Reply r = send("POST", "connect.test", "/", Map.of(), "x".repeat(1000));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("b 1000");
    }
  }

  @Test
  void aHungBackendIsCutOffByThePerTryTimeoutAndTheRequestRetried() throws Exception {
    Upstream[] u = upstreams("a", "b");
    u[0].mode = Upstream.Mode.HANG;
    Cluster c = cluster("hung", BalancerPolicy.ROUND_ROBIN, u);
    serve("hung.test", c, new RoutePolicies(new RoutePolicies.Retries(1, List.of("timeout"), 200, 1, 5), null, null,
        null), Timeouts.DEFAULT);
    for (int i = 0; i < 4; i++) {
      long start = System.nanoTime();
      Reply r = get("hung.test", "/");
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.upstream()).isEqualTo("b");
      assertThat(ms).isLessThan(2000);
    }
  }

  @Test
  void theRetryBudgetCapsRetriesDuringATotalOutage() throws Exception {
    Upstream[] u = upstreams("a", "b", "c");
    for (Upstream x : u) {
      x.mode = Upstream.Mode.FAIL_503;
      x.delayMs = 20;
    }
    Cluster c = cluster("outage", BalancerPolicy.ROUND_ROBIN, u);
    serve("outage.test", c, new RoutePolicies(new RoutePolicies.Retries(3, List.of("5xx"), 0, 1, 2), null, null, null),
        Timeouts.DEFAULT);
    Load load = load("outage.test", 20, 2000, null);
    int upstreamRequests = Arrays.stream(u).mapToInt(x -> x.requests.get()).sum();
    double amplification = (double) upstreamRequests / load.total();
    System.out.printf("total outage: %d client requests, %d upstream requests (x%.2f; unbudgeted: x4)%n",
        load.total(), upstreamRequests, amplification);
    assertThat(load.failures.get("status 503").get()).isEqualTo(load.total());
    // Retries in flight stay under 20% of requests in flight (at least 3): well under the 4 tries each could make.
    assertThat(amplification).isLessThan(1.5);
  }

  @Test
  void theCircuitBreakerAnswers503AtOnceWhenTheClusterIsFull() throws Exception {
    Upstream[] u = upstreams("a");
    u[0].delayMs = 1000;
    Cluster c = cluster("breaker", BalancerPolicy.ROUND_ROBIN, null, null, null,
        new Cluster.CircuitBreaker(2, 10, 100), u);
    serve("breaker.test", c, null, Timeouts.DEFAULT);
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      replies.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.httpPort() + "/"))
          .header("Host", "breaker.test").build(), HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> u[0].inFlight.get() == 2);
    long start = System.nanoTime();
    Reply refused = get("breaker.test", "/");
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.body()).isEqualTo("upstream overloaded: circuit breaker open\n");
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(500);
    for (var r : replies) {
      assertThat(r.get().statusCode()).isEqualTo(200);
    }
    assertThat(get("breaker.test", "/").status()).as("closed again").isEqualTo(200);
  }

  @Test
  void retriesAndEjectionsKeepAFlappingBackendFromFailingRequests() throws Exception {
    Upstream[] u = upstreams("a", "b", "c");
    serve("flap.test", cluster("flap", BalancerPolicy.LEAST_REQUEST, u), null, Timeouts.DEFAULT);
    AtomicLong flips = new AtomicLong();
    Thread flapper = new Thread(() -> {
      try {
        for (int i = 0; i < 6; i++) {
          Thread.sleep(200);
          u[2].kill();
          Thread.sleep(200);
          u[2].restart();
          flips.incrementAndGet();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    flapper.start();
    Load load = load("flap.test", 6, 2600, null);
    flapper.join();
    System.out.printf("flapping backend: %d requests, %d failed (%s)%n", load.total(), load.failed(), load.failures);
    assertThat(flips.get()).isEqualTo(6);
    assertThat(load.failed()).isLessThanOrEqualTo(load.total() / 200);
  }
}
