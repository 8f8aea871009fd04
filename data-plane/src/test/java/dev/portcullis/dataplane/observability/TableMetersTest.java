package dev.portcullis.dataplane.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.proxy.TrustedProxies;
import dev.portcullis.dataplane.routing.CompiledRoute;
import dev.portcullis.dataplane.routing.CompiledTable;
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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The meters of routes, clusters and rate limits follow the tables as they are applied one after
 * the other, delta after delta: what a table drops goes (even meters made after the swap by a
 * request in flight on the old table), what it keeps stays with its counts.
 */
class TableMetersTest {

  Vertx vertx;
  Observability observability;
  CompiledTable current = CompiledTable.EMPTY;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    observability = new Observability(vertx, ObservabilitySettings.DEFAULT, () -> current, TrustedProxies.NONE, "test");
  }

  @AfterEach
  void stop() throws Exception {
    observability.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String host(int i) {
    return "app-" + i + ".example.com";
  }

  static Route route(String name, String prefix, String cluster, RoutePolicies policies) {
    return new Route(name, RouteMatch.path(PathMatch.prefix(prefix)), RouteAction.Forward.to(cluster), null, policies,
        Timeouts.DEFAULT, null);
  }

  /** Host i: two routes to cluster i, a fallback on every third, a rate limit of scope "shared" on host 1. */
  static VirtualHost hostOf(int i) {
    RoutePolicies limited = i == 1
        ? new RoutePolicies(null, null, new RoutePolicies.RateLimit(5, 5, "ClientIP", null, "shared", null), null) : null;
    Route fallback = i % 3 == 0 ? route("app-" + i + "/default", "/", "c" + i, null) : null;
    return new VirtualHost(host(i), List.of(route("app-" + i + "/a", "/a", "c" + i, limited),
        route("app-" + i + "/b", "/b", "c" + i, null)), fallback);
  }

  /** Hosts 0 to {@code n - 1}, in a list that may be changed. */
  static List<VirtualHost> hostsOf(int n) {
    List<VirtualHost> hosts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      hosts.add(hostOf(i));
    }
    return hosts;
  }

  static RouteTable table(List<VirtualHost> hosts, int clusters) {
    List<Cluster> cs = new ArrayList<>();
    for (int i = 0; i < clusters; i++) {
      cs.add(new Cluster("c" + i, List.of(new Endpoint("127.0.0.1", 1000 + i)), null, 1000, null));
    }
    return new RouteTable(hosts, cs);
  }

  /** Compiles against the table served, applies as the data plane does: tableApplying, the swap, then the sweep. */
  CompiledTable apply(RouteTable table) {
    CompiledTable next = CompiledTable.compile(current.version() + 1, "c", table, current);
    observability.tableApplying(next, null);
    current = next;
    observability.tableApplied(next);
    observability.sweepMeters();
    return next;
  }

  /** One request answered by the route's first cluster, as the proxy records it. */
  void serve(CompiledRoute route) {
    observability.routeMeters(route).record(0, 200, 1_000_000, 10, 20);
    observability.clusterMeters(current.cluster(route.clusterNames()[0]));
  }

  double requests(String route) {
    return observability.registry().find(RouteMeters.REQUESTS).tag("route", route).counters().stream()
        .mapToDouble(Counter::count).sum();
  }

  Set<String> tagValues(String tag) {
    Set<String> values = new HashSet<>();
    for (Meter m : observability.registry().getMeters()) {
      String v = m.getId().getTag(tag);
      if (v != null && !v.isEmpty()) {
        values.add(v);
      }
    }
    return values;
  }

  /** What the registry may hold after a table is applied: only the names that table has. */
  void assertOnlyMetersOf(CompiledTable table) {
    Set<String> routes = new HashSet<>();
    for (VirtualHost vh : table.table().virtualHosts()) {
      vh.routes().forEach(r -> routes.add(r.name()));
      if (vh.fallback() != null) {
        routes.add(vh.fallback().name());
      }
    }
    Set<String> clusters = new HashSet<>();
    table.table().clusters().forEach(c -> clusters.add(c.name()));
    Set<String> scopes = new HashSet<>();
    table.rateLimiters().keySet().forEach(id -> scopes.add(id.scope()));
    assertThat(routes).containsAll(tagValues("route"));
    assertThat(clusters).containsAll(tagValues("cluster"));
    assertThat(scopes).containsAll(tagValues("scope"));
  }

  @Test
  void metersFollowDeltaPushes() {
    List<VirtualHost> hosts = hostsOf(30);
    CompiledTable first = apply(table(hosts, 30));
    for (int i = 0; i < 10; i++) {
      serve(first.router().route(host(i), "/a"));
      if (i != 2) {
        serve(first.router().route(host(i), "/b"));
      }
    }
    serve(first.router().route(host(3), "/fallback-please"));
    assertThat(requests("app-3/default")).isEqualTo(1);
    assertThat(tagValues("scope")).contains("shared");
    assertOnlyMetersOf(first);

    // Host 2 goes (and its cluster); host 4 renames a route; host 1 loses its rate limit.
    List<VirtualHost> next = new ArrayList<>(hosts);
    next.set(4, new VirtualHost(host(4), List.of(route("app-4/a", "/a", "c4", null),
        route("app-4/renamed", "/b", "c4", null)), null));
    next.set(1, new VirtualHost(host(1), List.of(route("app-1/a", "/a", "c1", null), route("app-1/b", "/b", "c1", null)),
        null));
    next.remove(2);
    RouteTable t2 = new RouteTable(next, first.table().clusters().stream().filter(c -> !c.name().equals("c2")).toList());
    CompiledRoute kept = first.router().route(host(5), "/a");
    RouteMeters keptMeters = kept.meters();
    CompiledTable second = apply(t2);
    assertOnlyMetersOf(second);

    assertThat(second.router().route(host(5), "/a")).isSameAs(kept);
    assertThat(kept.meters()).isSameAs(keptMeters);
    assertThat(requests("app-5/a")).isEqualTo(1);
    assertThat(requests("app-2/a")).isZero();
    assertThat(tagValues("cluster")).doesNotContain("c2").contains("c5");
    assertThat(tagValues("route")).doesNotContain("app-4/b").contains("app-4/a");
    assertThat(tagValues("scope")).doesNotContain("shared");
    // A fallback is a route of the table like any other: its counts stay.
    assertThat(requests("app-3/default")).isEqualTo(1);
    // Host 4 changed: its route of the same name gets the meters it had, counts and all.
    CompiledRoute recompiled = second.router().route(host(4), "/a");
    assertThat(recompiled).isNotSameAs(first.router().route(host(4), "/a"));
    assertThat(recompiled.meters()).isNotNull();
    serve(recompiled);
    assertThat(requests("app-4/a")).isEqualTo(2);

    // A request in flight on the old table, for a route the new one dropped, makes meters after the swap.
    serve(first.router().route(host(2), "/b"));
    assertThat(tagValues("route")).contains("app-2/b");
    assertThat(tagValues("cluster")).contains("c2");
    // The next table, whatever it changes, takes them away.
    List<VirtualHost> third = new ArrayList<>(next);
    third.add(new VirtualHost("new.example.com", List.of(route("new/a", "/a", "c10", null)), null));
    CompiledTable t3 = apply(new RouteTable(third, second.table().clusters()));
    assertOnlyMetersOf(t3);
    assertThat(tagValues("route")).doesNotContain("app-2/b");
    assertThat(tagValues("cluster")).doesNotContain("c2");
    assertThat(requests("app-5/a")).isEqualTo(1);
    assertThat(t3.router().route(host(5), "/a").meters()).isSameAs(keptMeters);
  }

  @Test
  void aTableNotTheOneServedBeforeIsComparedWithTheLastOneApplied() {
    List<VirtualHost> hosts = hostsOf(5);
    CompiledTable first = apply(table(hosts, 5));
    serve(first.router().route(host(0), "/a"));
    // A table is prepared (its meters' clean-up done) but never swapped in: host 0 was not in it.
    CompiledTable refused = CompiledTable.compile(9, "c", table(hosts.subList(1, 5), 5), first);
    observability.tableApplying(refused, null);
    observability.sweepMeters(); // the data plane sweeps whether the swap happened or not
    assertThat(requests("app-0/a")).isZero();
    // The next table is compiled against the one still served, and keeps host 0's compiled routes;
    // those must not keep counting into meters the registry no longer has.
    CompiledTable next = CompiledTable.compile(10, "c", table(hosts, 5), first);
    CompiledRoute route = next.router().route(host(0), "/a");
    assertThat(route).isSameAs(first.router().route(host(0), "/a"));
    observability.tableApplying(next, null);
    current = next;
    observability.sweepMeters();
    serve(route);
    assertThat(requests("app-0/a")).isEqualTo(1);
    assertOnlyMetersOf(next);
  }
  /**
   * The sweep runs after the swap, and can run late: after a table that brings a dropped route
   * back. That route keeps its meters and counts; what neither table has goes.
   */
  @Test
  void aLateSweepNeverTakesTheMetersOfARouteALaterTableHas() {
    List<VirtualHost> hosts = hostsOf(5);
    CompiledTable first = apply(table(hosts, 5));
    serve(first.router().route(host(0), "/a"));
    serve(first.router().route(host(4), "/a"));
    // Hosts 0 and 4 go: prepared and swapped in, not yet swept.
    CompiledTable without = CompiledTable.compile(2, "c", table(hosts.subList(1, 4), 5), first);
    observability.tableApplying(without, null);
    current = without;
    assertThat(requests("app-0/a")).as("not swept yet").isEqualTo(1);
    // Host 0 comes back before the sweep ran.
    CompiledTable back = CompiledTable.compile(3, "c", table(hosts.subList(0, 4), 5), without);
    observability.tableApplying(back, null);
    current = back;
    observability.sweepMeters();
    assertThat(requests("app-0/a")).isEqualTo(1);
    assertThat(requests("app-4/a")).isZero();
    serve(back.router().route(host(0), "/a"));
    assertThat(requests("app-0/a")).isEqualTo(2);
    assertOnlyMetersOf(back);
  }
}
