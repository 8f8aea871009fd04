package dev.portcullis.dataplane;

import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.VirtualHost;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds route tables for data-plane tests. */
final class Tables {
  private Tables() {}

  static Cluster cluster(String name, int... ports) {
    return new Cluster(name, Arrays.stream(ports).mapToObj(p -> new Endpoint("127.0.0.1", p)).toList(), null, 1000, null);
  }

  static Route prefix(String path, String cluster) {
    return route(PathMatch.prefix(path), cluster, Timeouts.DEFAULT);
  }

  static Route route(PathMatch match, String cluster, Timeouts timeouts) {
    return new Route(match.type() + ":" + match.value() + "->" + cluster, RouteMatch.path(match),
        RouteAction.Forward.to(cluster), timeouts, null);
  }

  static Route direct(String path, int status, String body) {
    return new Route("direct:" + path, RouteMatch.path(PathMatch.prefix(path)), new RouteAction.DirectResponse(status, body),
        null, null);
  }

  /** One host with the given routes over the given clusters. */
  static RouteTable host(String hostname, List<Route> routes, Cluster... clusters) {
    return new RouteTable(List.of(new VirtualHost(hostname, routes, null)), List.of(clusters));
  }

  static RouteTable simpleTable() {
    Cluster c = cluster("c", 1);
    return host("a.test", List.of(prefix("/", c.name())), c);
  }

  static RouteTable hosts(List<VirtualHost> hosts, Cluster... clusters) {
    return new RouteTable(new ArrayList<>(hosts), List.of(clusters));
  }
}
