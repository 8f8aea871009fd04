package dev.portcullis.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.model.push.Ack;
import dev.portcullis.model.push.PushMessage;
import dev.portcullis.operator.routeserver.NodeState;
import dev.portcullis.operator.routeserver.RouteServer;
import io.vertx.core.Vertx;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The push protocol between the real route server and the real data plane. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushProtocolIT {

  static final String TOKEN = "integration-test-token-0123456789";
  Vertx vertx;
  EchoBackend a;
  EchoBackend b;

  @BeforeAll
  void backends() throws Exception {
    vertx = Vertx.vertx();
    a = EchoBackend.start(vertx, "a", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
    b = EchoBackend.start(vertx, "b", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
  }

  @AfterAll
  void stop() {
    vertx.close();
  }

  static RouteTable table(String host, int port) {
    Cluster c = new Cluster("c", List.of(new Endpoint("127.0.0.1", port)), null, 1000, null);
    Route r = new Route("r", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("c"), null, null);
    return new RouteTable(List.of(new VirtualHost(host, List.of(r), null)), List.of(c));
  }

  static DataPlane dataPlane(int routePort, String token, String node) throws Exception {
    return DataPlane.start(DataPlaneConfig.loopback(1)
        .withRouteServer(URI.create("http://127.0.0.1:" + routePort), token, node));
  }

  /** A table of {@code routes} hosts, all to one backend; {@code marker} makes each table differ. */
  static RouteTable bigTable(int routes, int port, int marker) {
    Cluster c = new Cluster("c", List.of(new Endpoint("127.0.0.1", port)), null, 1000 + marker, null);
    java.util.List<VirtualHost> hosts = new java.util.ArrayList<>();
    for (int i = 0; i < routes; i++) {
      Route r = new Route("r" + i, RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("c"), null, null);
      hosts.add(new VirtualHost("h" + i + ".push.test", List.of(r), null));
    }
    return new RouteTable(hosts, List.of(c));
  }

  @Test
  void aBurstOfPushesCostsFewerCompilesThanPushesAndEndsOnTheLast() throws Exception {
    RouteServer server = new RouteServer(new InetSocketAddress("127.0.0.1", 0), TOKEN).start();
    List<Ack> acks = new CopyOnWriteArrayList<>();
    server.addAckListener(acks::add);
    server.publish(bigTable(200, a.port(), 0));
    try (DataPlane dp = dataPlane(server.address().getPort(), TOKEN, "dp-burst")) {
      await().atMost(Duration.ofSeconds(10)).until(dp::ready);
      await().atMost(Duration.ofSeconds(5)).until(() -> !acks.isEmpty());
      acks.clear();

      PushMessage.Snapshot last = null;
      for (int i = 1; i <= 100; i++) {
        last = server.publish(bigTable(200, i % 2 == 0 ? a.port() : b.port(), i));
      }
      long lastVersion = last.version();
      await().atMost(Duration.ofSeconds(20)).until(() -> server.nodes().get("dp-burst").ackedVersion() == lastVersion);
      // The data plane skipped the tables a newer one replaced while it was busy: every table is
      // whole, so only the newest matters, and a burst must not queue up compiles.
      assertThat(acks).allSatisfy(ack -> assertThat(ack.accepted()).isTrue());
      assertThat(acks.size()).isLessThan(100);
      assertThat(acks.get(acks.size() - 1).version()).isEqualTo(lastVersion);
      assertThat(new Http(dp.httpPort()).get("h7.push.test", "/").backend()).isEqualTo("a");
    } finally {
      server.close();
    }
  }

  @Test
  void followsAcksAndSurvivesTheServerGoingAway() throws Exception {
    RouteServer server = new RouteServer(new InetSocketAddress("127.0.0.1", 0), TOKEN).start();
    int port = server.address().getPort();
    PushMessage.Snapshot first = server.publish(table("push.test", a.port()));
    try (DataPlane dp = dataPlane(port, TOKEN, "dp-1")) {
      Http http = new Http(dp.httpPort());
      await().atMost(Duration.ofSeconds(10)).until(dp::ready);
      assertThat(http.get("push.test", "/").backend()).isEqualTo("a");
      await().atMost(Duration.ofSeconds(5)).until(() -> server.nodes().containsKey("dp-1")
          && server.nodes().get("dp-1").ackedVersion() == first.version());

      long start = System.nanoTime();
      PushMessage.Snapshot second = server.publish(table("push.test", b.port()));
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
          .until(() -> "b".equals(http.get("push.test", "/").backend()));
      System.out.printf("push: publish to traffic served in %d ms%n", (System.nanoTime() - start) / 1_000_000);
      await().atMost(Duration.ofSeconds(5)).until(() -> server.nodes().get("dp-1").ackedVersion() == second.version());
      NodeState state = server.nodes().get("dp-1");
      assertThat(state.ackedChecksum()).isEqualTo(second.checksum());
      assertThat(state.connections()).isEqualTo(1);

      // The route server goes away: the data plane keeps serving its last table.
      server.close();
      Thread.sleep(500);
      for (int i = 0; i < 20; i++) {
        assertThat(http.get("push.test", "/").backend()).isEqualTo("b");
      }

      // It comes back (a new process: versions start again) with another table: the data plane follows.
      RouteServer again = new RouteServer(new InetSocketAddress("127.0.0.1", port), TOKEN).start();
      try {
        again.publish(table("back.test", a.port()));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
            .until(() -> "a".equals(http.get("back.test", "/").backend()));
        assertThat(http.get("push.test", "/").status()).isEqualTo(404);
      } finally {
        again.close();
      }
    }
  }

  @Test
  void aWrongTokenIsRefused() throws Exception {
    try (RouteServer server = new RouteServer(new InetSocketAddress("127.0.0.1", 0), TOKEN).start()) {
      server.publish(table("push.test", a.port()));
      try (DataPlane dp = dataPlane(server.address().getPort(), "not-the-token-0123456789", "intruder")) {
        Thread.sleep(1500);
        assertThat(dp.ready()).isFalse();
        assertThat(server.nodes()).isEmpty();
        assertThat(new Http(dp.httpPort()).get("push.test", "/").status()).isEqualTo(404);
      }
    }
  }

  @Test
  void aRefusedSnapshotIsNackedAndTheLastGoodTableServes() throws Exception {
    // A peer speaking the protocol by hand: one good snapshot, then one the data plane must refuse.
    RouteTable good = table("nack.test", a.port());
    String goodLine = new String(RouteTableJson.toJson(new PushMessage.Snapshot(1, RouteTableJson.checksum(good), good)),
        StandardCharsets.UTF_8);
    String badLine = goodLine.replace("\"version\":1", "\"version\":2").replace("\"checksum\":\"sha256:",
        "\"checksum\":\"sha256:0").replace("\"connectTimeoutMs\":1000", "\"connectTimeoutMs\":1000,\"unknownField\":true");
    // Readable, but not the table its checksum names.
    String forgedLine = goodLine.replace("\"version\":1", "\"version\":3").replace("nack.test", "forged.test")
        .replace("\"checksum\":\"sha256:", "\"checksum\":\"sha256:1");
    List<Ack> acks = new CopyOnWriteArrayList<>();
    HttpServer peer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    peer.createContext("/v1/stream", ex -> {
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      out.write((goodLine + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      try {
        Thread.sleep(300);
        out.write((badLine + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        Thread.sleep(300);
        out.write((forgedLine + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        Thread.sleep(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.io.IOException gone) {
        // the data plane closed the stream
      }
    });
    peer.createContext("/v1/ack", ex -> {
      acks.add(RouteTableJson.read(ex.getRequestBody().readAllBytes(), Ack.class));
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    peer.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    peer.start();
    try (DataPlane dp = dataPlane(peer.getAddress().getPort(), TOKEN, "dp-nack")) {
      await().atMost(Duration.ofSeconds(10)).until(() -> acks.size() >= 3);
      assertThat(acks.get(0).accepted()).isTrue();
      assertThat(acks.get(0).version()).isEqualTo(1);
      assertThat(acks.get(1).accepted()).isFalse();
      assertThat(acks.get(1).version()).isEqualTo(2);
      assertThat(acks.get(1).reason()).contains("unknownField");
      assertThat(acks.get(2).accepted()).isFalse();
      assertThat(acks.get(2).reason()).contains("checksum");
      assertThat(new Http(dp.httpPort()).get("nack.test", "/").backend()).isEqualTo("a");
      assertThat(dp.current().version()).isEqualTo(1);
    } finally {
      peer.stop(0);
    }
  }
}
