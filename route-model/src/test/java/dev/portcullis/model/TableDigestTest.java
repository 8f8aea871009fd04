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
    assertThat(digest.memoSize()).isEqualTo(20);
    // The data plane's copy: the same content in other instances, the same checksum.
    RouteTable b = parsed(a);
    assertThat(digest.checksum(b)).isEqualTo(first);
    assertThat(digest.memoSize()).isEqualTo(40);

    // The rebuild loop makes five tables, each one host different, before the data plane's next.
    for (int n = 0; n < 5; n++) {
      a = withHost(a, n, "/v" + n);
      assertThat(digest.checksum(a)).isEqualTo(new TableDigest().checksum(a));
      assertThat(digest.memoSize()).as("only the new host is digested").isEqualTo(41 + n);
    }
    // The data plane's next table, built on its last one: its parts are still known.
    RouteTable b2 = withHost(b, 0, "/v0");
    assertThat(digest.checksum(b2)).isEqualTo(new TableDigest().checksum(b2)).isNotEqualTo(first);
    assertThat(digest.memoSize()).isEqualTo(46);
    assertThat(digest.checksum(b2)).isSameAs(digest.checksum(b2));

    // Tables of new instances each time: the memo keeps recent ones only.
    for (int n = 0; n < 50; n++) {
      RouteTable fresh = parsed(a);
      assertThat(digest.checksum(fresh)).isEqualTo(digest.checksum(a));
      assertThat(digest.memoSize()).isLessThanOrEqualTo(3 * 20 + 64 + 20);
    }
  }
}
