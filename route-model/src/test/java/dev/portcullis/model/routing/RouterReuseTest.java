package dev.portcullis.model.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.Cluster;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.VirtualHost;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** Compiling against the previous router: unchanged hosts are kept, the rest compiled as from scratch. */
class RouterReuseTest {

  /** A payload that knows which compilation made it. */
  record Payload(String route, int generation) {}

  static Route route(String name, String prefix) {
    return new Route(name, RouteMatch.path(PathMatch.prefix(prefix)), RouteAction.Forward.to("c"), null, null);
  }

  static VirtualHost host(String name, String... prefixes) {
    List<Route> routes = new ArrayList<>();
    for (String p : prefixes) {
      routes.add(route(name + p, p));
    }
    return new VirtualHost(name, routes, route(name + "/fallback", "/"));
  }

  static RouteTable table(VirtualHost... hosts) {
    return new RouteTable(List.of(hosts), List.of(new Cluster("c", List.of(), null, 1000, null)));
  }

  static BiFunction<VirtualHost, Route, Payload> generation(int g, List<String> calls) {
    return (vh, r) -> {
      calls.add("compile " + r.name());
      return new Payload(r.name(), g);
    };
  }

  static Router.Changes<Payload> recorder(List<String> calls) {
    return new Router.Changes<>() {
      @Override
      public void dropped(VirtualHost host, List<Payload> payloads) {
        calls.add("dropped " + host.hostname() + " " + payloads.stream().map(Payload::route).toList());
      }

      @Override
      public void compiling(VirtualHost host) {
        calls.add("compiling " + host.hostname());
      }
    };
  }

  @Test
  void unchangedHostsKeepTheirPayloadsAndChangedOnesAreCompiled() {
    VirtualHost a = host("a.example.com", "/x", "/y");
    VirtualHost b = host("b.example.com", "/x");
    VirtualHost wild = host("*.example.org", "/w");
    VirtualHost all = host(VirtualHost.CATCH_ALL, "/z");
    List<String> calls = new ArrayList<>();
    Router<Payload> first = Router.compile(table(a, b, wild, all), generation(1, calls));

    VirtualHost b2 = host("b.example.com", "/x", "/more");
    VirtualHost aEqual = host("a.example.com", "/x", "/y");
    calls.clear();
    Router<Payload> second = Router.compile(table(b2, aEqual, wild, all), generation(2, calls), first, p -> true,
        recorder(calls));

    // The changed host's old payloads are dropped before anything is compiled; kept hosts are not mentioned.
    assertThat(calls).containsExactly("dropped b.example.com [b.example.com/x, b.example.com/fallback]",
        "compiling b.example.com", "compile b.example.com/x", "compile b.example.com/more",
        "compile b.example.com/fallback");
    assertThat(second.route("a.example.com", "/y/1")).isSameAs(first.route("a.example.com", "/y/1"));
    assertThat(second.route("b.example.com", "/x").generation()).isEqualTo(2);
    assertThat(second.route("b.example.com", "/more").route()).isEqualTo("b.example.com/more");
    assertThat(second.route("q.example.org", "/w")).isSameAs(first.route("q.example.org", "/w"));
    assertThat(second.route("other.test", "/z")).isSameAs(first.route("other.test", "/z"));
    assertThat(second.route("other.test", "/nothing").route()).isEqualTo("*/fallback");
    // An equal host is kept, and remembered as the new instance.
    assertThat(second.hostNamed("a.example.com")).isSameAs(aEqual);
    assertThat(second.virtualHost("a.example.com")).isSameAs(aEqual);
  }

  @Test
  void aPayloadTheCallerRefusesMakesItsHostCompileAgain() {
    VirtualHost a = host("a.example.com", "/x", "/y");
    VirtualHost b = host("b.example.com", "/x");
    Router<Payload> first = Router.compile(table(a, b), generation(1, new ArrayList<>()));
    List<String> calls = new ArrayList<>();
    Router<Payload> second = Router.compile(table(a, b), generation(2, new ArrayList<>()), first,
        payloads -> payloads.stream().noneMatch(p -> p.route().equals("a.example.com/y")), recorder(calls));
    assertThat(calls).containsExactly(
        "dropped a.example.com [a.example.com/x, a.example.com/y, a.example.com/fallback]", "compiling a.example.com");
    assertThat(second.route("a.example.com", "/x").generation()).isEqualTo(2);
    assertThat(second.route("a.example.com", "/y").generation()).isEqualTo(2);
    assertThat(second.route("b.example.com", "/x")).isSameAs(first.route("b.example.com", "/x"));
  }

  @Test
  void removedHostsAreGoneAndNamesAreLookedUpAsWritten() {
    VirtualHost a = host("a.example.com", "/x");
    VirtualHost wild = host("*.example.com", "/w");
    Router<Payload> first = Router.compile(table(a, wild), generation(1, new ArrayList<>()));
    assertThat(first.hostNamed("a.example.com")).isSameAs(a);
    assertThat(first.hostNamed("*.example.com")).isSameAs(wild);
    assertThat(first.hostNamed("b.example.com")).isNull();
    assertThat(first.virtualHost("b.example.com")).isSameAs(wild);
    assertThat(first.payloadsOf("a.example.com")).extracting(Payload::route)
        .containsExactly("a.example.com/x", "a.example.com/fallback");
    assertThat(first.payloadsOf("nowhere")).isEmpty();

    List<String> calls = new ArrayList<>();
    Router<Payload> second = Router.compile(table(wild), generation(2, new ArrayList<>()), first, p -> true,
        recorder(calls));
    assertThat(calls).containsExactly("dropped a.example.com [a.example.com/x, a.example.com/fallback]");
    assertThat(second.hostNamed("a.example.com")).isNull();
    assertThat(second.route("a.example.com", "/x").route()).isEqualTo("*.example.com/fallback");
    assertThat(second.route("a.example.com", "/w")).isSameAs(first.route("b.example.com", "/w"));
  }

  /**
   * Many tables one after another, each a few hosts added, changed and removed from the last, in
   * name order as tables are sent and then shuffled: every host routes as in a router compiled
   * from scratch, only the new and changed hosts are compiled, and the others keep their very
   * payloads, whatever the order of the lists.
   */
  @Test
  void aSequenceOfTablesCompilesOnlyWhatChangedInAnyOrder() {
    for (boolean shuffled : new boolean[] {false, true}) {
      java.util.Random random = new java.util.Random(shuffled ? 2 : 1);
      java.util.TreeMap<String, VirtualHost> model = new java.util.TreeMap<>();
      for (int i = 0; i < 600; i++) {
        String name = "h" + (10_000 + i * 7) + ".test";
        model.put(name, host(name, "/a", "/b"));
      }
      model.put("*.wild.test", host("*.wild.test", "/w"));
      model.put(VirtualHost.CATCH_ALL, host(VirtualHost.CATCH_ALL, "/c"));
      List<String> calls = new ArrayList<>();
      Router<Payload> router = Router.compile(table(list(model, shuffled, random).toArray(new VirtualHost[0])), generation(0, calls));
      for (int g = 1; g <= 30; g++) {
        java.util.Set<String> changed = new java.util.HashSet<>();
        List<String> names = new ArrayList<>(model.keySet());
        for (int k = random.nextInt(g % 5 == 0 ? 60 : 3); k >= 0; k--) {
          String name = "h" + (10_000 + random.nextInt(5_000)) + ".test";
          model.put(name, host(name, "/a", "/g" + g));
          changed.add(name);
        }
        for (int k = random.nextInt(3); k > 0; k--) {
          String name = names.get(random.nextInt(names.size()));
          model.remove(name);
          changed.remove(name);
        }
        if (g % 7 == 0) {
          model.put("*.wild.test", host("*.wild.test", "/w", "/g" + g));
          changed.add("*.wild.test");
        }
        Router<Payload> before = router;
        calls.clear();
        router = Router.compile(table(list(model, shuffled, random).toArray(new VirtualHost[0])), generation(g, calls), before, p -> true,
            new Router.Changes<>() { });
        Router<Payload> fresh = Router.compile(table(list(model, false, random).toArray(new VirtualHost[0])), generation(-1, new ArrayList<>()));
        assertThat(calls).as("generation " + g).hasSize(changed.stream().mapToInt(n -> model.get(n).routes().size() + 1)
            .sum());
        for (String name : model.keySet()) {
          String probe = name.startsWith("*.") ? "x" + name.substring(1) : name.equals(VirtualHost.CATCH_ALL)
              ? "nowhere.example" : name;
          for (String path : List.of("/a/1", "/b", "/g" + g, "/w", "/c", "/")) {
            Payload now = router.route(probe, path);
            assertThat(now == null ? null : now.route()).as(probe + path)
                .isEqualTo(fresh.route(probe, path) == null ? null : fresh.route(probe, path).route());
            if (now != null && !changed.contains(name) && before.hostNamed(name) != null) {
              assertThat(now).as(probe + path + " kept").isSameAs(before.route(probe, path));
            }
          }
        }
        assertThat(router.hostNamed("h" + (10_000 + 5_001) + ".test")).isNull();
      }
    }
  }

  private static List<VirtualHost> list(java.util.TreeMap<String, VirtualHost> model, boolean shuffled,
      java.util.Random random) {
    List<VirtualHost> hosts = new ArrayList<>(model.values());
    if (shuffled) {
      java.util.Collections.shuffle(hosts, random);
    }
    return hosts;
  }

  /** Told which hosts' payloads may be refused, the router asks about those only; the others are kept unasked. */
  @Test
  void onlyTheSuspectHostsAreAskedAbout() {
    VirtualHost a = host("a.example.com", "/x");
    VirtualHost b = host("b.example.com", "/x");
    VirtualHost c = host("c.example.com", "/x");
    Router<Payload> first = Router.compile(table(a, b, c), generation(1, new ArrayList<>()));
    List<String> asked = new ArrayList<>();
    List<String> calls = new ArrayList<>();
    Router<Payload> second = Router.compile(table(a, b, c), generation(2, calls), first, payloads -> {
      asked.add(payloads.get(0).route());
      return false;
    }, recorder(calls), java.util.Set.of("b.example.com"));
    assertThat(asked).containsExactly("b.example.com/x");
    assertThat(calls).containsExactly("dropped b.example.com [b.example.com/x, b.example.com/fallback]",
        "compiling b.example.com", "compile b.example.com/x", "compile b.example.com/fallback");
    assertThat(second.route("a.example.com", "/x")).isSameAs(first.route("a.example.com", "/x"));
    assertThat(second.route("b.example.com", "/x").generation()).isEqualTo(2);
    // A suspect the previous router does not have (its list out of name order, say): every host is asked.
    asked.clear();
    Router.compile(table(a, b, c), generation(3, new ArrayList<>()), second, payloads -> {
      asked.add(payloads.get(0).route());
      return true;
    }, new Router.Changes<>() { }, java.util.Set.of("nowhere.example.com"));
    assertThat(asked).containsExactlyInAnyOrder("a.example.com/x", "b.example.com/x", "c.example.com/x");
  }
}
