package dev.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableDigestTest {

  static VirtualHost host(int i, String path) {
    Route r = new Route("r" + i, RouteMatch.path(PathMatch.prefix(path)), RouteAction.Forward.to("c" + i), null, null);
    return new VirtualHost("h" + i + ".example.com", List.of(r), null);
  }

  static RouteTable table(List<VirtualHost> hosts) {
    List<Cluster> clusters = new ArrayList<>();
    for (int i = 0; i < hosts.size(); i++) {
      clusters.add(new Cluster("c" + i, List.of(new Endpoint("10.0.0." + (i + 1), 80)), BalancerPolicy.ROUND_ROBIN,
          1000, null));
    }
    return new RouteTable(hosts, clusters);
  }

  static RouteTable parsed(RouteTable table) {
    return RouteTableJson.read(RouteTableJson.toJson(table), RouteTable.class);
  }

  static RouteTable withHost(RouteTable table, int i, String path) {
    List<VirtualHost> hosts = new ArrayList<>(table.virtualHosts());
    hosts.set(i, host(i, path));
    return new RouteTable(hosts, table.clusters());
  }

  @Test
  void twoLineagesTakingTurnsUnevenlyDigestOnlyTheirNewParts() {
    List<VirtualHost> hosts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      hosts.add(host(i, "/"));
    }
    TableDigest digest = new TableDigest();
    RouteTable a = table(hosts);
    String first = digest.checksum(a);
    assertThat(digest.digested()).isEqualTo(20);
    // The data plane's copy: the same content in other instances, the same checksum, a lineage of its own.
    RouteTable b = parsed(a);
    assertThat(digest.checksum(b)).isEqualTo(first);
    assertThat(digest.digested()).isEqualTo(40);
    assertThat(digest.lineages()).isEqualTo(2);

    // The rebuild loop makes five tables, each one host different, before the data plane's next.
    for (int n = 0; n < 5; n++) {
      a = withHost(a, n, "/v" + n);
      assertThat(digest.checksum(a)).isEqualTo(new TableDigest().checksum(a));
      assertThat(digest.digested()).as("only the new host is digested").isEqualTo(41 + n);
    }
    // The data plane's next table, built on its last one: its parts are still known.
    RouteTable b2 = withHost(b, 0, "/v0");
    assertThat(digest.checksum(b2)).isEqualTo(new TableDigest().checksum(b2)).isNotEqualTo(first);
    assertThat(digest.digested()).isEqualTo(46);
    assertThat(digest.checksum(b2)).isSameAs(digest.checksum(b2));
    assertThat(digest.lineages()).isEqualTo(2);

    // Tables of new instances each time: a few lineages are kept, not all.
    for (int n = 0; n < 50; n++) {
      RouteTable fresh = parsed(a);
      assertThat(digest.checksum(fresh)).isEqualTo(digest.checksum(a));
      assertThat(digest.lineages()).isLessThanOrEqualTo(TableDigest.LINEAGES);
    }
    // A lineage no new table follows is let go after a while.
    RouteTable c = parsed(a);
    digest.checksum(c);
    for (int n = 0; n < TableDigest.KEEP + 1; n++) {
      c = withHost(c, n % 10, "/c" + n);
      digest.checksum(c);
    }
    assertThat(digest.lineages()).isEqualTo(1);
  }

  @Test
  void hostsAndClustersAddedRemovedOrOutOfOrderCostOnlyThemselves() {
    List<VirtualHost> hosts = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      hosts.add(host(i, "/"));
    }
    RouteTable base = table(hosts);
    TableDigest digest = new TableDigest();
    digest.checksum(base);
    long before = digest.digested();

    // Two hosts (and their clusters) added, among them the first in name order, and one removed.
    List<VirtualHost> more = new ArrayList<>(base.virtualHosts());
    List<Cluster> clusters = new ArrayList<>(base.clusters());
    more.remove(50);
    clusters.remove(50);
    more.add(host(100, "/"));
    more.add(new VirtualHost("a.example.com", List.of(new Route("ra", RouteMatch.path(PathMatch.prefix("/")),
        RouteAction.Forward.to("c0"), null, null)), null));
    clusters.add(new Cluster("c100", List.of(new Endpoint("10.0.1.1", 80)), BalancerPolicy.ROUND_ROBIN, 1000, null));
    more.sort(java.util.Comparator.comparing(VirtualHost::hostname));
    clusters.sort(java.util.Comparator.comparing(Cluster::name));
    RouteTable edited = new RouteTable(more, clusters);
    String editedSum = digest.checksum(edited);
    assertThat(editedSum).isEqualTo(new TableDigest().checksum(edited));
    assertThat(digest.digested() - before).as("the new hosts and cluster only").isEqualTo(3);

    // The same table in another order: the same checksum, nothing digested again.
    before = digest.digested();
    List<VirtualHost> shuffled = new ArrayList<>(more);
    java.util.Collections.shuffle(shuffled, new java.util.Random(7));
    List<Cluster> reversed = new ArrayList<>(clusters);
    java.util.Collections.reverse(reversed);
    RouteTable unordered = new RouteTable(shuffled, reversed);
    assertThat(digest.checksum(unordered)).isEqualTo(editedSum);
    assertThat(digest.digested()).isEqualTo(before);

    // A host of the same name but other content is digested anew, and changes the checksum.
    List<VirtualHost> changed = new ArrayList<>(more);
    changed.set(10, new VirtualHost(more.get(10).hostname(), host(0, "/changed").routes(), null));
    RouteTable next = new RouteTable(changed, clusters);
    assertThat(digest.checksum(next)).isEqualTo(new TableDigest().checksum(next)).isNotEqualTo(editedSum);
    assertThat(digest.digested()).isEqualTo(before + 1);
  }

  @Test
  void aTableFollowingAnotherIsCheckedWhereItDiffers() {
    List<VirtualHost> hosts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      hosts.add(host(i, "/"));
    }
    RouteTable first = table(hosts);
    // One host edited in place: fine, and the same content as a table checked whole.
    List<VirtualHost> edited = new ArrayList<>(hosts);
    edited.set(2, host(2, "/two"));
    RouteTable next = RouteTable.following(first, edited, first.clusters(), null);
    assertThat(next).isEqualTo(new RouteTable(edited, first.clusters()));
    // The edited host naming a cluster there is not: refused as the constructor refuses it.
    Route bad = new Route("r2", RouteMatch.path(PathMatch.prefix("/")), RouteAction.Forward.to("nope"), null, null);
    edited.set(2, new VirtualHost("h2.example.com", List.of(bad), null));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RouteTable.following(first, edited, first.clusters(), null))
        .isInstanceOf(ModelException.class).hasMessageContaining("virtualHosts[h2.example.com]")
        .hasMessageContaining("unknown cluster \"nope\"");
    // A cluster renamed in place that an unchanged host still names: everything is checked.
    List<Cluster> renamed = new ArrayList<>(first.clusters());
    renamed.set(1, new Cluster("other", List.of(), BalancerPolicy.ROUND_ROBIN, 1000, null));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RouteTable.following(first, hosts, renamed, null))
        .isInstanceOf(ModelException.class).hasMessageContaining("unknown cluster \"c1\"");
    // A host renamed in place into a duplicate: refused too.
    List<VirtualHost> duplicate = new ArrayList<>(hosts);
    duplicate.set(3, new VirtualHost("h0.example.com", hosts.get(3).routes(), null));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RouteTable.following(first, duplicate, first.clusters(),
        null)).isInstanceOf(ModelException.class).hasMessageContaining("duplicate hostname");
    // Clusters out of name order are looked up all the same.
    List<Cluster> reversed = new ArrayList<>(first.clusters());
    java.util.Collections.reverse(reversed);
    RouteTable unordered = new RouteTable(hosts, reversed);
    List<VirtualHost> again = new ArrayList<>(hosts);
    again.set(0, host(0, "/zero"));
    assertThat(RouteTable.following(unordered, again, reversed, null).virtualHosts().get(0).routes().get(0).match())
        .isEqualTo(RouteMatch.path(PathMatch.prefix("/zero")));
    List<VirtualHost> badAgain = new ArrayList<>(hosts);
    badAgain.set(1, new VirtualHost("h1.example.com", List.of(bad), null));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RouteTable.following(unordered, badAgain, reversed, null))
        .isInstanceOf(ModelException.class).hasMessageContaining("unknown cluster \"nope\"");
  }
}
