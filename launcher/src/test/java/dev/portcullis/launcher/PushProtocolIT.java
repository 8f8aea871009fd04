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
    HttpServer peer = peer(stream -> List.of(goodLine, badLine, forgedLine), acks, null);
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

  @Test
  void deltasCarryOneChangedHostAndTheDataPlaneKeepsTheOthersAsTheyWere() throws Exception {
    RouteServer server = new RouteServer(new InetSocketAddress("127.0.0.1", 0), TOKEN).start();
    RouteTable first = bigTable(300, a.port(), 0);
    server.publish(first);
    try (DataPlane dp = dataPlane(server.address().getPort(), TOKEN, "dp-delta")) {
      await().atMost(Duration.ofSeconds(10)).until(dp::ready);
      List<VirtualHost> before = dp.current().table().virtualHosts();
      // What an incremental translation hands over: the same instances but for the changed host.
      List<VirtualHost> hosts = new java.util.ArrayList<>(first.virtualHosts());
      int changed = hosts.indexOf(hosts.stream().filter(vh -> vh.hostname().equals("h42.push.test")).findFirst().orElseThrow());
      Cluster other = new Cluster("other", List.of(new Endpoint("127.0.0.1", b.port())), null, 1000, null);
      Route r = new Route("r42", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("other"), null, null);
      hosts.set(changed, new VirtualHost("h42.push.test", List.of(r), null));
      java.util.List<Cluster> clusters = new java.util.ArrayList<>(first.clusters());
      clusters.add(other);
      PushMessage.Snapshot second = server.publish(new RouteTable(hosts, clusters));
      Http http = new Http(dp.httpPort());
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
          .until(() -> "b".equals(http.get("h42.push.test", "/").backend()));
      assertThat(http.get("h41.push.test", "/").backend()).isEqualTo("a");
      await().atMost(Duration.ofSeconds(5)).until(() -> server.nodes().get("dp-delta").ackedVersion() == second.version());
      assertThat(server.nodes().get("dp-delta").ackedChecksum()).isEqualTo(second.checksum());
      assertThat(dp.currentChecksum()).isEqualTo(second.checksum());
      // The data plane made the new table from its own: unchanged hosts are its old instances.
      java.util.Map<String, VirtualHost> old = new java.util.HashMap<>();
      before.forEach(vh -> old.put(vh.hostname(), vh));
      List<VirtualHost> after = dp.current().table().virtualHosts();
      assertThat(after).hasSameSizeAs(before);
      for (VirtualHost vh : after) {
        if (!vh.hostname().equals("h42.push.test")) {
          assertThat(vh).as(vh.hostname()).isSameAs(old.get(vh.hostname()));
        }
      }
    } finally {
      server.close();
    }
  }

  @Test
  void aDeltaTheDataPlaneCannotFollowIsNackedAndItAsksForTheWholeTable() throws Exception {
    // A peer speaking the protocol by hand: a whole table, then a delta on a table never sent,
    // then (second stream) a delta whose checksum is not what it makes; third stream: whole again.
    RouteTable one = table("one.test", a.port());
    RouteTable two = table("two.test", b.port());
    RouteTable three = table("three.test", a.port());
    PushMessage.Snapshot s1 = new PushMessage.Snapshot(1, RouteTableJson.checksum(one), one);
    PushMessage.Snapshot s2 = new PushMessage.Snapshot(2, RouteTableJson.checksum(two), two);
    PushMessage.Snapshot s4 = new PushMessage.Snapshot(4, RouteTableJson.checksum(three), three);
    PushMessage.Delta unknownBase = PushMessage.Delta.between(new PushMessage.Snapshot(9, s1.checksum(), one),
        new PushMessage.Snapshot(10, s2.checksum(), two));
    PushMessage.Delta d = PushMessage.Delta.between(s2, new PushMessage.Snapshot(3, s4.checksum(), three));
    PushMessage.Delta forged = new PushMessage.Delta(3, 2, "sha256:" + "0".repeat(64), d.hosts(), d.removedHosts(),
        d.clusters(), d.removedClusters(), null, false, null, false, null);
    List<String> firstLines = List.of(line(s1), line(unknownBase));
    List<String> secondLines = List.of(line(s2), line(forged));
    List<String> thirdLines = List.of(line(s4));
    List<Ack> acks = new CopyOnWriteArrayList<>();
    List<String> deltasAsked = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger streams = new java.util.concurrent.atomic.AtomicInteger();
    HttpServer peer = peer(stream -> {
      int n = streams.incrementAndGet();
      return n == 1 ? firstLines : n == 2 ? secondLines : thirdLines;
    }, acks, deltasAsked);
    try (DataPlane dp = dataPlane(peer.getAddress().getPort(), TOKEN, "dp-resync")) {
      Http http = new Http(dp.httpPort());
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
          .until(() -> "a".equals(http.get("three.test", "/").backend()));
      assertThat(streams.get()).isEqualTo(3);
      assertThat(deltasAsked).containsOnly("true");
      List<Ack> refused = acks.stream().filter(ack -> !ack.accepted()).toList();
      assertThat(refused).hasSize(2);
      assertThat(refused.get(0).version()).isEqualTo(10);
      assertThat(refused.get(0).reason()).contains("base").contains("version 1");
      assertThat(refused.get(1).version()).isEqualTo(3);
      assertThat(refused.get(1).reason()).contains("checksum");
      assertThat(acks.stream().filter(Ack::accepted).map(Ack::version).toList()).containsExactly(1L, 2L, 4L);
      assertThat(http.get("two.test", "/").status()).isEqualTo(404);
    } finally {
      peer.stop(0);
    }
  }

  @Test
  void aWholeTableItCannotReadMakesTheDataPlaneAskForWholeTablesOnly() throws Exception {
    // A route server newer than the data plane: its table has a field this one does not know,
    // and the deltas after it cannot be followed. One reconnection, then whole tables, each
    // refused or taken on its own, not a reconnection per change.
    RouteTable one = table("one.test", a.port());
    RouteTable two = table("two.test", b.port());
    PushMessage.Snapshot s1 = new PushMessage.Snapshot(1, RouteTableJson.checksum(one), one);
    PushMessage.Snapshot s2 = new PushMessage.Snapshot(2, RouteTableJson.checksum(two), two);
    String unreadable = line(s1).replace("\"connectTimeoutMs\":1000", "\"connectTimeoutMs\":1000,\"newField\":1");
    String delta = line(PushMessage.Delta.between(s1, s2));
    List<Ack> acks = new CopyOnWriteArrayList<>();
    List<String> deltasAsked = new CopyOnWriteArrayList<>();
    HttpServer peer = peer(stream -> stream == 1 ? List.of(unreadable, delta) : List.of(line(s2)), acks, deltasAsked);
    try (DataPlane dp = dataPlane(peer.getAddress().getPort(), TOKEN, "dp-whole")) {
      Http http = new Http(dp.httpPort());
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
          .until(() -> "b".equals(http.get("two.test", "/").backend()));
      Thread.sleep(1000);
      assertThat(deltasAsked).containsExactly("true", "false");
      assertThat(acks.get(0).accepted()).isFalse();
      assertThat(acks.get(0).reason()).contains("newField");
      assertThat(acks.stream().filter(Ack::accepted).map(Ack::version).toList()).containsExactly(2L);
    } finally {
      peer.stop(0);
    }
  }

  @Test
  void aRouteServerOfThePreviousReleaseIsFollowed() throws Exception {
    // It sends whole tables only, checksummed over their whole JSON: data planes are upgraded first.
    RouteTable old = table("old.test", b.port());
    String snapshot = line(new PushMessage.Snapshot(1, RouteTableJson.legacyChecksum(old), old));
    assertThat(RouteTableJson.legacyChecksum(old)).isNotEqualTo(RouteTableJson.checksum(old));
    List<Ack> acks = new CopyOnWriteArrayList<>();
    HttpServer peer = peer(stream -> List.of(snapshot), acks, null);
    try (DataPlane dp = dataPlane(peer.getAddress().getPort(), TOKEN, "dp-old-server")) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !acks.isEmpty());
      assertThat(acks.get(0).accepted()).isTrue();
      assertThat(acks.get(0).checksum()).isEqualTo(RouteTableJson.legacyChecksum(old));
      assertThat(new Http(dp.httpPort()).get("old.test", "/").backend()).isEqualTo("b");
    } finally {
      peer.stop(0);
    }
  }

  /**
   * A peer speaking the protocol by hand: each stream gets the lines {@code lines} gives for it
   * (300 ms apart), then stays open; ACKs are collected, and each stream's deltas header when asked.
   */
  static HttpServer peer(java.util.function.Function<Integer, List<String>> lines, List<Ack> acks,
      List<String> deltasAsked) throws java.io.IOException {
    java.util.concurrent.atomic.AtomicInteger streams = new java.util.concurrent.atomic.AtomicInteger();
    HttpServer peer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    peer.createContext("/v1/stream", ex -> {
      if (deltasAsked != null) {
        deltasAsked.add(String.valueOf(ex.getRequestHeaders().getFirst("X-Portcullis-Deltas")));
      }
      List<String> send = lines.apply(streams.incrementAndGet());
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      try {
        for (String l : send) {
          out.write((l + "\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          Thread.sleep(300);
        }
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
    return peer;
  }

  static String line(PushMessage message) {
    return new String(RouteTableJson.toJson(message), StandardCharsets.UTF_8);
  }
}
