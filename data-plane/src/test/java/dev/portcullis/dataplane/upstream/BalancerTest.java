package dev.portcullis.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.Endpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What each balancer promises, measured over many picks. */
class BalancerTest {

  static EndpointState[] endpoints(int n) {
    EndpointState[] out = new EndpointState[n];
    for (int i = 0; i < n; i++) {
      out[i] = new EndpointState(new Endpoint("10.0.0." + (i + 1), 8080));
    }
    return out;
  }

  static Map<String, Endpoint> owners(EndpointState[] ring, int keys) {
    ConsistentHashBalancer b = new ConsistentHashBalancer(ring);
    Map<String, Endpoint> owner = new HashMap<>();
    for (int k = 0; k < keys; k++) {
      owner.put("user-" + k, b.pick(ring, "user-" + k).endpoint());
    }
    return owner;
  }

  @Test
  void addingOneOfNEndpointsMovesAboutOneNthOfTheKeysAllToTheNewOne() {
    EndpointState[] ten = endpoints(11);
    EndpointState[] before = Arrays.copyOf(ten, 10);
    Map<String, Endpoint> a = owners(before, 20_000);
    Map<String, Endpoint> b = owners(ten, 20_000);
    int moved = 0;
    for (String key : a.keySet()) {
      if (!a.get(key).equals(b.get(key))) {
        moved++;
        assertThat(b.get(key)).isEqualTo(ten[10].endpoint());
      }
    }
    double share = moved / 20_000.0;
    System.out.printf("adding 1 endpoint to 10 moved %.1f%% of keys (ideal 9.1%%)%n", 100 * share);
    assertThat(share).isBetween(0.06, 0.13);
  }

  @Test
  void removingOneMovesOnlyItsKeys() {
    EndpointState[] ten = endpoints(10);
    EndpointState[] nine = Arrays.copyOf(ten, 9);
    Map<String, Endpoint> a = owners(ten, 20_000);
    Map<String, Endpoint> b = owners(nine, 20_000);
    for (String key : a.keySet()) {
      if (!a.get(key).equals(ten[9].endpoint())) {
        assertThat(b.get(key)).as(key).isEqualTo(a.get(key));
      }
    }
  }

  @Test
  void keysSpreadEvenly() {
    Map<Endpoint, Integer> load = new HashMap<>();
    owners(endpoints(10), 50_000).values().forEach(e -> load.merge(e, 1, Integer::sum));
    assertThat(load).hasSize(10);
    assertThat(load.values()).allSatisfy(n -> assertThat(n).isBetween(3_500, 6_500));
  }

  @Test
  void anUnavailableOwnerPassesItsKeysOnAndGetsThemBack() {
    EndpointState[] all = endpoints(5);
    ConsistentHashBalancer b = new ConsistentHashBalancer(all);
    EndpointState owner = b.pick(all, "k");
    List<EndpointState> others = new ArrayList<>(Arrays.asList(all));
    others.remove(owner);
    EndpointState fallback = b.pick(others.toArray(new EndpointState[0]), "k");
    assertThat(fallback).isNotSameAs(owner);
    assertThat(b.pick(others.toArray(new EndpointState[0]), "k")).as("stable while out").isSameAs(fallback);
    assertThat(b.pick(all, "k")).as("back when it recovers").isSameAs(owner);
  }

  @Test
  void leastRequestPrefersTheLessBusy() {
    EndpointState[] two = endpoints(2);
    two[0].active.set(10);
    LeastRequestBalancer b = new LeastRequestBalancer(false);
    for (int i = 0; i < 100; i++) {
      assertThat(b.pick(two, null)).isSameAs(two[1]);
    }
  }

  @Test
  void ewmaPrefersTheFaster() {
    EndpointState[] two = endpoints(2);
    long now = System.nanoTime();
    two[0].latency(200_000_000L, now);
    two[1].latency(2_000_000L, now);
    LeastRequestBalancer b = new LeastRequestBalancer(true);
    for (int i = 0; i < 100; i++) {
      assertThat(b.pick(two, null)).isSameAs(two[1]);
    }
  }

  @Test
  void roundRobinTakesEachInTurn() {
    EndpointState[] three = endpoints(3);
    RoundRobinBalancer b = new RoundRobinBalancer();
    Map<EndpointState, Integer> seen = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      seen.merge(b.pick(three, null), 1, Integer::sum);
    }
    assertThat(seen.values()).containsOnly(100);
  }

  @Test
  void aRetryAvoidingAnEjectedEndpointStillReachesEveryOther() {
    dev.portcullis.model.Cluster c = new dev.portcullis.model.Cluster("c", java.util.stream.IntStream.range(1, 4)
        .mapToObj(i -> new Endpoint("10.0.0." + i, 80)).toList(), dev.portcullis.model.BalancerPolicy.ROUND_ROBIN,
        1000, null);
    ClusterRuntime runtime = new ClusterRuntime(c);
    EndpointState failed = runtime.endpoints()[0];
    for (int i = 0; i < ClusterRuntime.DEFAULT_GATEWAY_FAILURES; i++) {
      runtime.started(failed);
      runtime.finished(failed, ClusterRuntime.Outcome.GATEWAY_FAILURE, 0, 0);
    }
    java.util.Set<EndpointState> seen = new java.util.HashSet<>();
    for (int i = 0; i < 20; i++) {
      seen.add(runtime.pick(null, failed));
    }
    assertThat(seen).containsExactlyInAnyOrder(runtime.endpoints()[1], runtime.endpoints()[2]);
  }

  @Test
  void aNewEndpointIsAvailableAtOnceToTheCoarseClockTheBalancerReads() {
    // The balancer reads a clock up to 10 ms behind the real one; an endpoint made just now must
    // not look ejected to it, nor send its cluster into panic.
    for (int i = 0; i < 100; i++) {
      EndpointState fresh = new EndpointState(new Endpoint("10.0.1." + (i % 250 + 1), 80));
      assertThat(fresh.available(dev.portcullis.dataplane.CoarseTime.nanos())).isTrue();
      assertThat(fresh.ejected(dev.portcullis.dataplane.CoarseTime.nanos())).isFalse();
    }
    dev.portcullis.model.Cluster c = new dev.portcullis.model.Cluster("c", List.of(new Endpoint("10.0.0.9", 80)),
        dev.portcullis.model.BalancerPolicy.ROUND_ROBIN, 1000, null);
    ClusterRuntime runtime = new ClusterRuntime(c);
    assertThat(runtime.pick(null)).isSameAs(runtime.endpoints()[0]);
    assertThat(runtime.panicking()).isFalse();
  }
}
