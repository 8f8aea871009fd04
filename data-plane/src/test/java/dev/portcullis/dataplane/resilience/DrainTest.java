package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Timeouts;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Graceful drain: not ready at once, still serving for the period, in-flight requests finish, then gone. */
class DrainTest extends LiveProxy {

  @Test
  void drainingLosesNoRequest() throws Exception {
    // A data plane of its own: this test stops it.
    DataPlane own = DataPlane.start(DataPlaneConfig.loopback(2));
    DataPlane shared = dataPlane;
    dataPlane = own;
    try {
      Upstream[] u = upstreams("a");
      serve("drain.test", cluster("drain", BalancerPolicy.ROUND_ROBIN, u), null, Timeouts.DEFAULT);
      int port = own.httpPort();
      assertThat(status(own.adminPort(), "/readyz")).isEqualTo(200);

      // In flight when the drain starts, and still running when the listener closes.
      u[0].delayMs = 2000;
      CompletableFuture<HttpResponse<String>> slow = client.sendAsync(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/slow")).header("Host", "drain.test")
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> u[0].inFlight.get() == 1);
      u[0].delayMs = 0;

      Thread drainer = new Thread(() -> own.drain(1000, 5000));
      long start = System.nanoTime();
      drainer.start();
      Thread.sleep(100);
      assertThat(own.draining()).isTrue();
      assertThat(status(own.adminPort(), "/readyz")).as("not ready while draining").isEqualTo(503);

      // Still serving during the period, each answer telling the client to go elsewhere next time.
      Load load = load("drain.test", 4, 600, null);
      assertThat(load.failed()).isZero();
      assertThat(load.ok.get()).isGreaterThan(20);
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(5000);
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: drain.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String head = ProtocolsTest.readUntil(s.getInputStream(), "\r\n\r\n").toLowerCase();
        assertThat(head).startsWith("http/1.1 200").contains("connection: close");
      }

      drainer.join(10_000);
      assertThat(drainer.isAlive()).isFalse();
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(tookMs).as("the period, then until the slow request ended").isBetween(1500L, 4000L);
      HttpResponse<String> slowResponse = slow.get(5, TimeUnit.SECONDS);
      assertThat(slowResponse.statusCode()).isEqualTo(200);
      assertThat(slowResponse.body()).startsWith("a ");
      assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    } finally {
      dataPlane = shared;
      own.close();
    }
  }

  /**
   * A rolling restart of two replicas behind a "Service": the client balances over the replicas
   * whose /readyz passes (checked every 100 ms, as an endpoints controller would), one replica
   * drains and stops, a new one takes its place, then the other drains. No request may fail.
   */
  @Test
  void aRollingRestartOfReplicasLosesNoRequest() throws Exception {
    Upstream[] u = upstreams("a", "b");
    for (Upstream x : u) {
      x.delayMs = 5;
    }
    dev.portcullis.model.Cluster c = cluster("rolling", BalancerPolicy.LEAST_REQUEST, u);
    dev.portcullis.model.RouteTable table = new dev.portcullis.model.RouteTable(List.of(new dev.portcullis.model.VirtualHost(
        "rolling.test", List.of(new dev.portcullis.model.Route("all", dev.portcullis.model.RouteMatch.path(
            dev.portcullis.model.PathMatch.prefix("/")), dev.portcullis.model.RouteAction.Forward.to(c.name()),
            Timeouts.DEFAULT, null)), null)), List.of(c));
    List<DataPlane> replicas = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 2; i++) {
      DataPlane dp = DataPlane.start(DataPlaneConfig.loopback(1));
      dp.apply(1, table);
      replicas.add(dp);
    }
    List<DataPlane> ready = new CopyOnWriteArrayList<>(replicas);
    AtomicBoolean running = new AtomicBoolean(true);
    Thread endpointsController = new Thread(() -> {
      while (running.get()) {
        List<DataPlane> now = new ArrayList<>();
        for (DataPlane dp : replicas) {
          try {
            if (status(dp.adminPort(), "/readyz") == 200) {
              now.add(dp);
            }
          } catch (Exception e) {
            // gone: not ready
          }
        }
        ready.retainAll(now);
        for (DataPlane dp : now) {
          if (!ready.contains(dp)) {
            ready.add(dp);
          }
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    endpointsController.start();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread t = new Thread(() -> {
        while (running.get()) {
          List<DataPlane> choices = List.copyOf(ready);
          if (choices.isEmpty()) {
            continue;
          }
          DataPlane dp = choices.get(java.util.concurrent.ThreadLocalRandom.current().nextInt(choices.size()));
          try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.httpPort()
                + "/")).header("Host", "rolling.test").timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
            (r.statusCode() == 200 ? ok : failed).incrementAndGet();
          } catch (Exception e) {
            failed.incrementAndGet();
          }
        }
      });
      t.start();
      clients.add(t);
    }
    try {
      for (int i = 0; i < 2; i++) {
        Thread.sleep(500);
        DataPlane old = replicas.get(0);
        DataPlane fresh = DataPlane.start(DataPlaneConfig.loopback(1));
        fresh.apply(1, table);
        replicas.add(fresh);
        // The drain period is longer than the controller needs to notice (100 ms) and the
        // clients to stop choosing the replica.
        old.drain(600, 5000);
        replicas.remove(old);
      }
      Thread.sleep(500);
    } finally {
      running.set(false);
      for (Thread t : clients) {
        t.join(10_000);
      }
      endpointsController.join(5_000);
      replicas.forEach(DataPlane::close);
    }
    System.out.printf("rolling restart of 2 replicas: %d requests, %d failed%n", ok.get() + failed.get(), failed.get());
    assertThat(ok.get()).isGreaterThan(200);
    assertThat(failed.get()).isZero();
  }

  private int status(int adminPort, String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
