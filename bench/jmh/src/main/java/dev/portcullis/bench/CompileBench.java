package dev.portcullis.bench;

import dev.portcullis.dataplane.observability.Observability;
import dev.portcullis.dataplane.observability.ObservabilitySettings;
import dev.portcullis.dataplane.proxy.TrustedProxies;
import dev.portcullis.dataplane.routing.CompiledTable;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.translator.Translator;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a data plane spends on a pushed table at 10,000 applications (50,000 routes, 10,000
 * clusters): compiling it from scratch, and compiling it against the table being served when the
 * push is a delta (every virtual host and cluster but one the same instance as before), with and
 * without {@link Observability#tableApplying}. Every route has a counter in the registry, as after
 * the routes have all served once: tableApplying's cost used to grow with the registry.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class CompileBench {

  @Param({"10000"})
  int apps;

  /** The fleet's table, and the same table with application 0's host changed (one more route). */
  RouteTable base;
  RouteTable hostChanged;
  /** The fleet's table with application 0's cluster given another endpoint; every host the same. */
  RouteTable endpointsChanged;
  CompiledTable compiledBase;

  Vertx vertx;
  Observability observability;
  /** The table last handed to tableApplying: each delta push is compiled against it. */
  CompiledTable current;
  int push;

  @Setup
  public void setUp() {
    base = new Translator(ScaleRun.options()).translate(new Fleet(apps, 1).snapshot()).table();
    List<VirtualHost> hosts = new ArrayList<>(base.virtualHosts());
    int at = indexOf(hosts, Fleet.host(0));
    VirtualHost vh = hosts.get(at);
    Route first = vh.routes().get(0);
    List<Route> routes = new ArrayList<>(vh.routes());
    routes.add(new Route(first.name() + "-extra", RouteMatch.path(PathMatch.prefix("/extra")), first.action(),
        first.timeouts(), first.source()));
    hosts.set(at, new VirtualHost(vh.hostname(), routes, vh.fallback(), vh.tls()));
    hostChanged = new RouteTable(hosts, base.clusters(), base.defaultCertificate());

    List<Cluster> clusters = new ArrayList<>(base.clusters());
    String used = ((dev.portcullis.model.RouteAction.Forward) first.action()).clusters().get(0).cluster();
    for (int i = 0; i < clusters.size(); i++) {
      Cluster c = clusters.get(i);
      if (c.name().equals(used)) {
        List<Endpoint> endpoints = new ArrayList<>(c.endpoints());
        endpoints.add(new Endpoint("127.0.0.2", 1));
        clusters.set(i, c.withEndpoints(endpoints));
      }
    }
    endpointsChanged = new RouteTable(base.virtualHosts(), clusters, base.defaultCertificate());

    compiledBase = CompiledTable.compile(1, "base", base, null);
    vertx = Vertx.vertx();
    try {
      observability = new Observability(vertx, ObservabilitySettings.DEFAULT, () -> current, TrustedProxies.NONE,
          "bench");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    current = compiledBase;
    observability.tableApplying(current, null);
    for (VirtualHost h : base.virtualHosts()) {
      for (Route r : h.routes()) {
        Counter.builder("portcullis.requests").tag("route", r.name()).tag("cluster", "")
            .tag("code_class", "2xx").register(observability.registry()).increment();
      }
    }
  }

  @TearDown
  public void tearDown() {
    observability.close();
    vertx.close();
  }

  private static int indexOf(List<VirtualHost> hosts, String hostname) {
    for (int i = 0; i < hosts.size(); i++) {
      if (hosts.get(i).hostname().equals(hostname)) {
        return i;
      }
    }
    throw new IllegalStateException("no host " + hostname);
  }

  /** The table a delta push alternates to: one host differs from the one being served. */
  RouteTable toggled() {
    return current.table() == base ? hostChanged : base;
  }

  @Benchmark
  public CompiledTable compileFull() {
    return CompiledTable.compile(2, "full", hostChanged, null);
  }

  @Benchmark
  public CompiledTable compileOneHostChanged() {
    return CompiledTable.compile(2, "host", hostChanged, compiledBase);
  }

  @Benchmark
  public CompiledTable compileOneClusterChanged() {
    return CompiledTable.compile(2, "endpoints", endpointsChanged, compiledBase);
  }

  /**
   * A whole delta push as the data plane handles it: compile against the served table,
   * tableApplying, then (after the swap, which costs nothing here) the sweep of meters.
   */
  @Benchmark
  public CompiledTable applyOneHostChanged() {
    CompiledTable compiled = CompiledTable.compile(++push, "push", toggled(), current);
    observability.tableApplying(compiled, null);
    current = compiled;
    observability.sweepMeters();
    return compiled;
  }

  /** The next delta push, compiled before each measured call so that tableApplying is timed alone. */
  @State(Scope.Thread)
  public static class NextPush {
    CompiledTable next;

    @Setup(Level.Invocation)
    public void compile(CompileBench bench) {
      next = CompiledTable.compile(++bench.push, "push", bench.toggled(), bench.current);
    }
  }

  /** tableApplying alone, for a table that differs from the last one in one host. */
  @Benchmark
  public CompiledTable tableApplyingOneHostChanged(NextPush push) {
    observability.tableApplying(push.next, null);
    current = push.next;
    return push.next;
  }
}
