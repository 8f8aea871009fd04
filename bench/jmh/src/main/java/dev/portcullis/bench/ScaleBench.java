package dev.portcullis.bench;

import dev.portcullis.dataplane.echo.EchoBackend;
import io.vertx.core.Vertx;

/**
 * The scale benchmark at full size: {@code java -cp bench/jmh/target/bench.jar dev.portcullis.bench.ScaleBench
 * [apps] [churn seconds] [changes per second] [connections]} (defaults 10000, 60, 10, 50: 50,000
 * routes, a minute of ten changes a second under load; 0 seconds: the translation figures only).
 * Prints the figures; see bench/README.md.
 */
public final class ScaleBench {

  private ScaleBench() {}

  public static void main(String[] args) throws Exception {
    int apps = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    double churn = args.length > 1 ? Double.parseDouble(args[1]) : 60;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int connections = args.length > 3 ? Integer.parseInt(args[3]) : 50;
    Fleet fleet = new Fleet(apps, 1);
    System.out.printf("fleet: %,d Ingresses, %,d Services, %,d EndpointSlices, %,d routes%n", apps, apps, apps,
        fleet.routes());

    ScaleRun.Translation t = ScaleRun.translation(fleet, 5);
    System.out.printf("routes in the table:            %,d (%,d clusters)%n", t.routes(), t.clusters());
    System.out.printf("full translation:               %.1f ms (from scratch, median of 5)%n", t.fullMs());
    System.out.printf("one Ingress changed:            %.1f ms (translation reusing the unchanged objects, median of 5)%n",
        t.oneChangeMs());
    System.out.printf("  and its new snapshot:         %.1f ms (a snapshot of every object, median of 5)%n",
        t.snapshotMs());
    System.out.printf("one Service's endpoints changed: %.2f ms (fast path, after a translation, median of 5)%n",
        t.endpointChangeMs());
    System.out.printf("  and another one's after it:   %.2f ms (fast path, median of 5)%n", t.endpointAgainMs());
    System.out.printf("route table on the wire:        %,d bytes (%,d gzipped)%n", t.wireBytes(), t.wireGzipBytes());
    System.out.printf("data plane: read + compile:     %.1f ms (median of 5)%n", t.compileMs());
    System.out.printf("data plane: compiled table heap: %.1f MiB%n", t.compiledHeapBytes() / 1048576.0);

    if (churn <= 0) {
      return; // translation figures only
    }
    Vertx vertx = Vertx.vertx();
    try {
      EchoBackend echo = ScaleRun.echo(vertx);
      Fleet served = new Fleet(apps, echo.port());
      ScaleRun.Serving s = ScaleRun.serving(served, vertx, echo.port(), churn, rate, connections);
      System.out.printf("local mode: files to serving:   %.0f ms (read, translate, push, compile)%n", s.startMs());
      System.out.printf("local mode: heap after start:   %.1f MiB (both planes, one JVM)%n",
          s.heapAfterStartBytes() / 1048576.0);
      if (ScaleRun.WARM) {
        System.out.printf("every unchanged route once:     %.0f ms (before the churn: their meters are made)%n", s.warmMs());
      }
      System.out.printf("churn: %d changes in %.0f s, never live: %d; live after its file is written:%n",
          s.liveMs().size() + s.endpointLiveMs().size() + s.changesNeverLive(), s.churnSeconds(), s.changesNeverLive());
      System.out.printf("  new paths: %d, p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms;"
              + " written after the first %.0f s: %d, p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms%n",
          s.liveMs().size(), s.livePercentile(50), s.livePercentile(90), s.livePercentile(99), s.livePercentile(100),
          ScaleRun.SETTLED_AFTER_S, s.settledLiveMs().size(), s.settledPercentile(50), s.settledPercentile(90),
          s.settledPercentile(99), s.settledPercentile(100));
      System.out.printf("  endpoints moved: %d, p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms;"
              + " written after the first %.0f s: %d, p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms%n",
          s.endpointLiveMs().size(), s.endpointPercentile(50), s.endpointPercentile(90), s.endpointPercentile(99),
          s.endpointPercentile(100), ScaleRun.SETTLED_AFTER_S, s.settledEndpointLiveMs().size(),
          s.settledEndpointPercentile(50), s.settledEndpointPercentile(90), s.settledEndpointPercentile(99),
          s.settledEndpointPercentile(100));
      System.out.printf("churn: unchanged routes: %,d requests, %,d not 2xx%n", s.unchangedRequests(),
          s.unchangedFailures());
      System.out.printf("heap after the churn:           %.1f MiB (both planes, one JVM)%n",
          s.heapAfterChurnBytes() / 1048576.0);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }
}
