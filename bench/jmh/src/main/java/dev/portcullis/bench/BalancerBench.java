package dev.portcullis.bench;

import dev.portcullis.dataplane.upstream.ClusterRuntime;
import dev.portcullis.dataplane.upstream.EndpointState;
import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** One pick (and the bookkeeping of the request it serves) per balancer, over 3 and 100 endpoints. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BalancerBench {

  @Param({"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "EWMA", "CONSISTENT_HASH"})
  BalancerPolicy policy;

  @Param({"3", "100"})
  int endpoints;

  ClusterRuntime cluster;
  String[] keys;
  int next;

  @Setup
  public void setUp() {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      list.add(new Endpoint("10.0." + (i / 250) + "." + (i % 250 + 1), 8080));
    }
    Cluster.HashKey hash = policy == BalancerPolicy.CONSISTENT_HASH
        ? new Cluster.HashKey("x-user", null, null, null, false) : null;
    cluster = new ClusterRuntime(new Cluster("bench", list, policy, hash, Cluster.DEFAULT_CONNECT_TIMEOUT_MS, null,
        null, null, null, null));
    keys = new String[1024];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "user-" + i;
    }
  }

  @Benchmark
  public EndpointState pickAndFinish() {
    String key = keys[next++ & 1023];
    EndpointState e = cluster.pick(policy == BalancerPolicy.CONSISTENT_HASH ? key : null);
    cluster.started(e);
    cluster.finished(e, ClusterRuntime.Outcome.RESPONSE, 200, 1_000_000);
    return e;
  }
}
