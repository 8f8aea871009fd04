package dev.portcullis.operator.routeserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.model.Cluster;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.model.push.Ack;
import dev.portcullis.model.push.PushMessage;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RouteServerTest {

  static final String TOKEN = "a-test-token-of-enough-length";
  RouteServer server;
  HttpClient http = HttpClient.newHttpClient();
  URI base;

  @BeforeEach
  void start() throws Exception {
    server = new RouteServer(new InetSocketAddress("127.0.0.1", 0), TOKEN, null, Clock.systemUTC(), 200).start();
    base = URI.create("http://127.0.0.1:" + server.address().getPort());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  static RouteTable table(String host) {
    Cluster c = new Cluster("c", List.of(), null, 1000, null);
    Route r = new Route("r", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("c"), null, null);
    return new RouteTable(List.of(new VirtualHost(host, List.of(r), null)), List.of(c));
  }

  HttpRequest.Builder request(String path, String token, String node) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (node != null) {
      b.header("X-Portcullis-Node", node);
    }
    return b;
  }

  @Test
  void refusesWithoutTheToken() throws Exception {
    assertThat(http.send(request("/v1/stream", null, "dp").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(401);
    assertThat(http.send(request("/v1/stream", "wrong-token-wrong-token", "dp").build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    assertThat(http.send(request("/v1/stream", TOKEN, null).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(400);
    assertThat(http.send(request("/v1/stream", TOKEN, "bad node!").build(), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(400);
    assertThat(http.send(request("/v1/ack", TOKEN, "dp").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(405);
    assertThat(http.send(request("/elsewhere", TOKEN, "dp").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(404);
  }

  @Test
  void streamsTheLatestSnapshotThenChangesThenPings() throws Exception {
    server.publish(table("a.test"));
    server.publish(table("b.test"));
    PushMessage.Snapshot latest = server.publish(table("c.test"));
    assertThat(server.publish(table("c.test"))).as("same content, same snapshot").isSameAs(latest);

    HttpResponse<Stream<String>> response = http.send(request("/v1/stream", TOKEN, "dp-1").build(),
        HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/x-ndjson");
    Iterator<String> lines = response.body().iterator();

    PushMessage first = read(lines.next());
    assertThat(first).as("a new stream starts with the latest table only").isEqualTo(latest);
    assertThat(read(lines.next())).as("nothing changed: a ping").isInstanceOf(PushMessage.Ping.class);

    PushMessage.Snapshot next = server.publish(table("d.test"));
    PushMessage m = read(lines.next());
    while (m instanceof PushMessage.Ping) {
      m = read(lines.next());
    }
    assertThat(m).isEqualTo(next);
    assertThat(next.version()).isGreaterThan(latest.version());
    assertThat(server.nodes().get("dp-1").connections()).isEqualTo(1);
    // Recorded just after the write: the client may read the line first.
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> server.nodes().get("dp-1").sentVersion() == next.version());
    response.body().close();
  }

  @Test
  void everyStreamGetsTheSameLineForAVersionAndTheNextVersionToo() throws Exception {
    PushMessage.Snapshot first = server.publish(table("a.test"));
    HttpResponse<Stream<String>> one = http.send(request("/v1/stream", TOKEN, "dp-1").build(),
        HttpResponse.BodyHandlers.ofLines());
    HttpResponse<Stream<String>> two = http.send(request("/v1/stream", TOKEN, "dp-2").build(),
        HttpResponse.BodyHandlers.ofLines());
    Iterator<String> a = one.body().iterator();
    Iterator<String> b = two.body().iterator();
    String lineA = a.next();
    // The line is serialized once and shared by the streams: byte for byte the same, and the snapshot.
    assertThat(b.next()).isEqualTo(lineA);
    assertThat(read(lineA)).isEqualTo(first);

    PushMessage.Snapshot second = server.publish(table("b.test"));
    assertThat(nextSnapshot(a)).isEqualTo(second);
    assertThat(nextSnapshot(b)).isEqualTo(second);
    one.body().close();
    two.body().close();
  }

  @Test
  void aStreamThatAsksForDeltasGetsTheWholeTableThenOnlyWhatChanged() throws Exception {
    Cluster c = new Cluster("c", List.of(), null, 1000, null);
    List<VirtualHost> hosts = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Route r = new Route("r" + i, RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("c"), null, null);
      hosts.add(new VirtualHost("h" + i + ".test", List.of(r), null));
    }
    PushMessage.Snapshot first = server.publish(new RouteTable(hosts, List.of(c)));
    HttpResponse<Stream<String>> deltas = http.send(request("/v1/stream", TOKEN, "dp-d")
        .header("X-Portcullis-Deltas", "true").build(), HttpResponse.BodyHandlers.ofLines());
    HttpResponse<Stream<String>> whole = http.send(request("/v1/stream", TOKEN, "dp-w").build(),
        HttpResponse.BodyHandlers.ofLines());
    Iterator<String> d = deltas.body().iterator();
    Iterator<String> w = whole.body().iterator();
    assertThat(nextSnapshot(d)).as("a stream starts with the whole table").isEqualTo(first);
    assertThat(nextSnapshot(w)).isEqualTo(first);

    // One host changes, one goes, one comes; the other 47 are the same instances.
    List<VirtualHost> changed = new java.util.ArrayList<>(hosts);
    Route moved = new Route("r3", RouteMatch.path(PathMatch.prefix("/moved")), RouteAction.Forward.to("c"), null, null);
    changed.set(3, new VirtualHost("h3.test", List.of(moved), null));
    changed.remove(7);
    Route added = new Route("new", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("c"), null, null);
    changed.add(new VirtualHost("new.test", List.of(added), null));
    PushMessage.Snapshot second = server.publish(new RouteTable(changed, List.of(c)));

    String line = nextLine(d);
    PushMessage.Delta delta = (PushMessage.Delta) read(line);
    assertThat(delta.base()).isEqualTo(first.version());
    assertThat(delta.version()).isEqualTo(second.version());
    assertThat(delta.hosts()).extracting(VirtualHost::hostname).containsExactlyInAnyOrder("h3.test", "new.test");
    assertThat(delta.removedHosts()).containsExactly("h7.test");
    assertThat(delta.clusters()).isEmpty();
    assertThat(delta.certificatesChanged()).isFalse();
    // What the delta makes of the first table is the second, to the checksum.
    PushMessage.Snapshot made = delta.applyTo(first);
    assertThat(RouteTableJson.checksum(made.table())).isEqualTo(second.checksum()).isEqualTo(delta.checksum());
    assertThat(made.table().virtualHosts()).extracting(VirtualHost::hostname)
        .containsExactlyInAnyOrderElementsOf(changed.stream().map(VirtualHost::hostname).toList());
    assertThat(line.length()).as("a delta carries the change, not the table").isLessThan(
        RouteTableJson.toJson(second).length / 10);
    // A delta follows only the table it was made from.
    assertThatThrownBy(() -> delta.applyTo(second)).isInstanceOf(dev.portcullis.model.ModelException.class)
        .hasMessageContaining("base");

    assertThat(nextSnapshot(w)).as("a stream that did not ask gets whole tables").isEqualTo(second);
    deltas.body().close();
    whole.body().close();
  }

  static String nextLine(Iterator<String> lines) {
    String line = lines.next();
    while (read(line) instanceof PushMessage.Ping) {
      line = lines.next();
    }
    return line;
  }

  static PushMessage nextSnapshot(Iterator<String> lines) {
    PushMessage m = read(lines.next());
    while (m instanceof PushMessage.Ping) {
      m = read(lines.next());
    }
    return m;
  }

  static PushMessage read(String line) {
    return RouteTableJson.read(line.getBytes(StandardCharsets.UTF_8), PushMessage.class);
  }

  @Test
  void recordsAcksAndNacks() throws Exception {
    List<Ack> heard = new CopyOnWriteArrayList<>();
    server.addAckListener(heard::add);
    PushMessage.Snapshot s = server.publish(table("a.test"));
    HttpResponse<String> ok = http.send(request("/v1/ack", TOKEN, "dp-1")
        .POST(HttpRequest.BodyPublishers.ofByteArray(RouteTableJson.toJson(Ack.accepted("dp-1", s.version(), s.checksum()))))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(204);
    assertThat(server.nodes().get("dp-1").ackedVersion()).isEqualTo(s.version());
    assertThat(server.nodes().get("dp-1").ackedChecksum()).isEqualTo(s.checksum());

    http.send(request("/v1/ack", TOKEN, "dp-2")
        .POST(HttpRequest.BodyPublishers.ofByteArray(RouteTableJson.toJson(Ack.rejected("dp-2", s.version(), s.checksum(), "broken"))))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(server.nodes().get("dp-2").rejectedVersion()).isEqualTo(s.version());
    assertThat(server.nodes().get("dp-2").rejectReason()).isEqualTo("broken");
    assertThat(heard).extracting(Ack::node).containsExactly("dp-1", "dp-2");

    HttpResponse<String> mismatch = http.send(request("/v1/ack", TOKEN, "dp-3")
        .POST(HttpRequest.BodyPublishers.ofByteArray(RouteTableJson.toJson(Ack.accepted("dp-1", 1, "x")))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(mismatch.statusCode()).isEqualTo(400);
    HttpResponse<String> garbage = http.send(request("/v1/ack", TOKEN, "dp-3")
        .POST(HttpRequest.BodyPublishers.ofString("{not json")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(garbage.statusCode()).isEqualTo(400);
    try {
      HttpResponse<String> huge = http.send(request("/v1/ack", TOKEN, "dp-3")
          .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[200_000])).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(huge.statusCode()).isEqualTo(413);
    } catch (java.io.IOException reset) {
      // Refused before the body was read to the end: the connection is cut, which also refuses it.
    }
    assertThat(server.nodes()).doesNotContainKey("dp-3");
  }
}
