package dev.portcullis.model.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.Cluster;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.VirtualHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeltaTest {

  private static VirtualHost host(String name, String path) {
    return new VirtualHost(name, List.of(new Route("r", RouteMatch.path(PathMatch.prefix(path)), RouteAction.Forward.to("c"),
        null, null)), null);
  }

  private static PushMessage.Snapshot snapshot(long version, List<VirtualHost> hosts) {
    RouteTable table = new RouteTable(hosts, List.of(new Cluster("c", List.of(), null, 1000, null)));
    return new PushMessage.Snapshot(version, RouteTableJson.checksum(table), table, Map.of(), Map.of());
  }

  @Test
  void aDeltaMakesTheNewTableInNameOrderKeepingUnchangedInstances() {
    List<VirtualHost> before = new ArrayList<>();
    for (String n : List.of("b.test", "d.test", "f.test", "h.test")) {
      before.add(host(n, "/"));
    }
    PushMessage.Snapshot first = snapshot(1, before);
    // f changes, d goes, and a, e and z come: at the start, in the middle and at the end.
    List<VirtualHost> after = new ArrayList<>(List.of(host("a.test", "/"), before.get(0), host("e.test", "/"),
        host("f.test", "/new"), before.get(3), host("z.test", "/")));
    PushMessage.Snapshot second = snapshot(2, after);
    PushMessage.Delta delta = PushMessage.Delta.between(first, second);
    PushMessage.Snapshot made = delta.applyTo(first);
    assertThat(made.table().virtualHosts()).extracting(VirtualHost::hostname)
        .containsExactly("a.test", "b.test", "e.test", "f.test", "h.test", "z.test");
    assertThat(made.table().virtualHosts().get(1)).isSameAs(before.get(0));
    assertThat(made.table().virtualHosts().get(4)).isSameAs(before.get(3));
    assertThat(RouteTableJson.checksum(made.table())).isEqualTo(second.checksum());
  }

  /**
   * Deltas of every shape over a table of 300 hosts, applied one after another as a data plane
   * does (each table made is the next base, known to be in name order): few and many hosts
   * added, changed and removed, a name both removed and changed. Each table made is the one
   * the delta was made from, host for host, and the hosts left alone are the base's instances.
   */
  @Test
  void deltasOfEveryShapeMakeTheirTablesOneAfterAnother() {
    java.util.Random random = new java.util.Random(7);
    java.util.TreeMap<String, VirtualHost> model = new java.util.TreeMap<>();
    for (int i = 0; i < 300; i++) {
      model.put("h" + (1000 + i * 3) + ".test", host("h" + (1000 + i * 3) + ".test", "/"));
    }
    PushMessage.Snapshot base = snapshot(1, List.copyOf(model.values()));
    for (int version = 2; version < 40; version++) {
      int added = random.nextInt(4) == 0 ? 40 : random.nextInt(3);
      for (int i = 0; i < added; i++) {
        String name = "h" + (900 + random.nextInt(1100)) + ".test";
        model.put(name, host(name, "/v" + version));
      }
      List<String> names = new ArrayList<>(model.keySet());
      for (int i = random.nextInt(3); i > 0; i--) {
        String name = names.get(random.nextInt(names.size()));
        model.put(name, host(name, "/changed" + version));
      }
      for (int i = random.nextInt(3); i > 0; i--) {
        model.remove(names.get(random.nextInt(names.size())));
      }
      PushMessage.Snapshot next = snapshot(version, List.copyOf(model.values()));
      PushMessage.Delta delta = PushMessage.Delta.between(base, next);
      PushMessage.Snapshot made = delta.applyTo(base, true);
      assertThat(made.table().virtualHosts()).as("version " + version).containsExactlyElementsOf(model.values());
      assertThat(RouteTableJson.checksum(made.table())).isEqualTo(next.checksum());
      for (VirtualHost vh : made.table().virtualHosts()) {
        int at = RouteTable.indexByName(base.table().virtualHosts(), vh.hostname(), VirtualHost::hostname);
        if (at >= 0 && !delta.hosts().contains(vh)) {
          assertThat(vh).isSameAs(base.table().virtualHosts().get(at));
        }
      }
      base = made;
    }
    // A host both removed and changed stays, changed.
    VirtualHost changed = host("h1000.test", "/both");
    PushMessage.Delta both = new PushMessage.Delta(41, base.version(), "x", List.of(changed), List.of("h1000.test"),
        List.of(), List.of(), null, false, Map.of(), false, Map.of());
    assertThat(both.applyTo(base, true).table().virtualHosts()).contains(changed)
        .filteredOn(vh -> vh.hostname().equals("h1000.test")).hasSize(1);
  }

  @Test
  void aDeltaNamingANewHostTwiceIsRefused() {
    PushMessage.Snapshot first = snapshot(1, List.of(host("b.test", "/")));
    PushMessage.Delta twice = new PushMessage.Delta(2, 1, "x", List.of(host("a.test", "/1"), host("a.test", "/2")),
        List.of(), List.of(), List.of(), null, false, Map.of(), false, Map.of());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> twice.applyTo(first, true))
        .isInstanceOf(dev.portcullis.model.ModelException.class).hasMessageContaining("a.test");
  }

  @Test
  void aBaseOutOfNameOrderStillMerges() {
    List<VirtualHost> before = List.of(host("h2.test", "/"), host("h10.test", "/"), host("h1.test", "/"));
    PushMessage.Snapshot first = snapshot(1, before);
    PushMessage.Snapshot second = snapshot(2, List.of(host("h0.test", "/"), before.get(0), before.get(2)));
    PushMessage.Snapshot made = PushMessage.Delta.between(first, second).applyTo(first);
    assertThat(made.table().virtualHosts()).extracting(VirtualHost::hostname)
        .containsExactly("h0.test", "h1.test", "h2.test");
    assertThat(RouteTableJson.checksum(made.table())).isEqualTo(second.checksum());
  }

  private static VirtualHost to(String name, String cluster) {
    return new VirtualHost(name, List.of(new Route("r", RouteMatch.path(PathMatch.prefix("/")),
        RouteAction.Forward.to(cluster), null, null)), null);
  }

  private static Cluster cluster(String name) {
    return new Cluster(name, List.of(), null, 1000, null);
  }

  private static PushMessage.Delta delta(List<VirtualHost> hosts, List<String> removedHosts, List<Cluster> clusters,
      List<String> removedClusters) {
    return new PushMessage.Delta(2, 1, "sha256:x", hosts, removedHosts, clusters, removedClusters, null, false,
        Map.of(), false, Map.of());
  }

  @Test
  void aDeltaIsCheckedAsAWholeTableWouldBe() {
    RouteTable table = new RouteTable(List.of(to("a.test", "ca"), to("b.test", "cb")),
        List.of(cluster("ca"), cluster("cb")));
    PushMessage.Snapshot base = new PushMessage.Snapshot(1, RouteTableJson.checksum(table), table, Map.of(), Map.of());

    // A changed or added host naming a cluster there is not: refused, naming the field.
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> delta(List.of(to("b.test", "nope")), List.of(), List.of(),
        List.of()).applyTo(base)).isInstanceOf(dev.portcullis.model.ModelException.class)
        .hasMessage("virtualHosts[b.test].routes[r].action.clusters[0].cluster: unknown cluster \"nope\"");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> delta(List.of(to("c.test", "cc")), List.of(), List.of(),
        List.of()).applyTo(base)).hasMessageContaining("virtualHosts[c.test]").hasMessageContaining("\"cc\"");
    // A cluster removed that an unchanged host still names: refused too.
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> delta(List.of(), List.of(), List.of(), List.of("ca"))
        .applyTo(base)).hasMessageContaining("virtualHosts[a.test]").hasMessageContaining("\"ca\"");

    // A host and the cluster it names, added together; a cluster removed with the host naming it.
    RouteTable added = delta(List.of(to("c.test", "cc")), List.of(), List.of(cluster("cc")), List.of()).applyTo(base)
        .table();
    assertThat(added).isEqualTo(new RouteTable(List.of(to("a.test", "ca"), to("b.test", "cb"), to("c.test", "cc")),
        List.of(cluster("ca"), cluster("cb"), cluster("cc"))));
    RouteTable removed = delta(List.of(), List.of("a.test"), List.of(), List.of("ca")).applyTo(base).table();
    assertThat(removed).isEqualTo(new RouteTable(List.of(to("b.test", "cb")), List.of(cluster("cb"))));
  }

  @Test
  void aDeltaBetweenTablesOfTheSameNamesHoldsOnlyWhatChanged() {
    List<VirtualHost> before = List.of(host("a.test", "/"), host("b.test", "/"), host("c.test", "/"));
    PushMessage.Snapshot first = snapshot(1, before);
    // b changed in place; c is another instance of the same content: not a change.
    PushMessage.Snapshot second = snapshot(2, List.of(before.get(0), host("b.test", "/new"), host("c.test", "/")));
    PushMessage.Delta delta = PushMessage.Delta.between(first, second);
    assertThat(delta.hosts()).extracting(VirtualHost::hostname).containsExactly("b.test");
    assertThat(delta.removedHosts()).isEmpty();
    assertThat(delta.clusters()).isEmpty();
    assertThat(delta.applyTo(first).table()).isEqualTo(second.table());

    // As many hosts, but one renamed: the old name goes, the new one comes.
    PushMessage.Snapshot renamed = snapshot(3, List.of(before.get(0), host("bb.test", "/"), before.get(2)));
    PushMessage.Delta rename = PushMessage.Delta.between(first, renamed);
    assertThat(rename.hosts()).extracting(VirtualHost::hostname).containsExactly("bb.test");
    assertThat(rename.removedHosts()).containsExactly("b.test");
    assertThat(rename.applyTo(first).table().virtualHosts()).extracting(VirtualHost::hostname)
        .containsExactly("a.test", "bb.test", "c.test");

    // The same hosts in another order: nothing changed.
    PushMessage.Snapshot reordered = snapshot(4, List.of(before.get(2), before.get(0), before.get(1)));
    PushMessage.Delta none = PushMessage.Delta.between(first, reordered);
    assertThat(none.hosts()).isEmpty();
    assertThat(none.removedHosts()).isEmpty();
  }
}
