package dev.portcullis.bench;

import dev.portcullis.model.routing.Router;
import dev.portcullis.translator.Translator;
import java.util.concurrent.ThreadLocalRandom;
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

/**
 * Route lookup (host, then path) in tables of 10, 1,000 and 50,000 routes, made by the translator
 * from a fleet of Ingresses: the time per lookup must not grow with the table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RouterBench {

  @Param({"10", "1000", "50000"})
  int routes;

  Router<String> router;
  String[] hosts;
  String[] paths;
  int next;

  @Setup
  public void setUp() {
    int apps = Math.max(1, routes / Fleet.PATHS);
    Fleet fleet = new Fleet(apps, 1);
    router = Router.compile(new Translator(ScaleRun.options()).translate(fleet.snapshot()).table(),
        (vh, route) -> route.name());
    hosts = new String[4096];
    paths = new String[4096];
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    for (int i = 0; i < hosts.length; i++) {
      hosts[i] = Fleet.host(rnd.nextInt(apps));
      paths[i] = Fleet.path(rnd.nextInt(Fleet.PATHS)) + "/items/" + i;
    }
  }

  @Benchmark
  public String lookup() {
    int i = next++ & 4095;
    return router.route(hosts[i], paths[i]);
  }

  @Benchmark
  public String normalizeAndLookup() {
    int i = next++ & 4095;
    return router.route(Router.normalizeHost(hosts[i] + ":443"), paths[i]);
  }
}
