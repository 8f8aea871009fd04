package dev.portcullis.bench;

import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.dataplane.routing.CompiledTable;
import dev.portcullis.launcher.LocalMode;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.ObjectKey;
import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.Translator;
import dev.portcullis.translator.TranslatorOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

/**
 * The scale measurements, shared by the benchmark ({@link ScaleBench}, 10,000 applications) and the
 * test that runs in every build at a small size: translation of a whole fleet, one change, the
 * table on the wire and in the data plane, and local mode serving the fleet while routes change
 * under load.
 */
public final class ScaleRun {

  private ScaleRun() {}

  /** What translating the fleet costs. Times in milliseconds. */
  public record Translation(int routes, int clusters, double fullMs, double snapshotMs, double oneChangeMs,
      double endpointChangeMs, double endpointAgainMs,
      int wireBytes, int wireGzipBytes, double compileMs, long compiledHeapBytes, TranslationResult result) {}

  /** Local mode serving the fleet. Times in milliseconds. */
  public record Serving(double startMs, long heapAfterStartBytes, List<Double> liveMs, int changesNeverLive,
      long unchangedRequests, long unchangedFailures, double churnSeconds, double warmMs, long heapAfterChurnBytes,
      List<Double> settledLiveMs, List<Double> endpointLiveMs, List<Double> settledEndpointLiveMs) {

    public double livePercentile(double p) {
      return percentile(liveMs, p);
    }

    /** The same, of the changes written after the first {@link #SETTLED_AFTER_S} s of the churn. */
    public double settledPercentile(double p) {
      return percentile(settledLiveMs, p);
    }

    /** Of the endpoint changes: the whole churn's, and those after its first {@link #SETTLED_AFTER_S} s. */
    public double endpointPercentile(double p) {
      return percentile(endpointLiveMs, p);
    }

    public double settledEndpointPercentile(double p) {
      return percentile(settledEndpointLiveMs, p);
    }
  }

  /**
   * The churn's first seconds, which the figures of a running controller leave out: the JIT is
   * still compiling the rebuild's code then (a controller that has run a while has compiled it).
   * Both are printed. {@code -Dscale.settledAfter=S}.
   */
  public static final double SETTLED_AFTER_S = Double.parseDouble(System.getProperty("scale.settledAfter", "20"));

  static TranslatorOptions options() {
    return TranslatorOptions.DEFAULT;
  }

  /** Translates the fleet {@code rounds} times and keeps the median of each figure. */
  public static Translation translation(Fleet fleet, int rounds) {
    ClusterSnapshot snapshot = fleet.snapshot();
    // The rebuild loop's translator: it has translated the fleet before each change.
    Translator translator = new Translator(options());
    TranslationResult result = translator.translate(snapshot); // warm-up, and the result to measure
    new Translator(options()).translate(snapshot);
    List<Double> full = new ArrayList<>();
    List<Double> newSnapshot = new ArrayList<>();
    List<Double> change = new ArrayList<>();
    List<Double> endpoints = new ArrayList<>();
    List<Double> endpointsAgain = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      // From scratch: a translator that has seen nothing before (a restart).
      long t0 = System.nanoTime();
      result = new Translator(options()).translate(snapshot);
      full.add(ms(System.nanoTime() - t0));

      // One Ingress gains a path: what the rebuild loop does for it (a new snapshot, a translation).
      int app = ThreadLocalRandom.current().nextInt(fleet.apps());
      long t1 = System.nanoTime();
      ClusterSnapshot changed = fleet.withExtraPath(snapshot, app, "/extra");
      long t2 = System.nanoTime();
      TranslationResult after = translator.translate(changed);
      change.add(ms(System.nanoTime() - t2));
      newSnapshot.add(ms(t2 - t1));
      if (translator.reusedObjects() != fleet.apps() - 1) {
        throw new IllegalStateException("one change should leave " + (fleet.apps() - 1) + " objects as they were, not "
            + translator.reusedObjects());
      }
      if (routeCount(after.table()) != routeCount(result.table()) + 1) {
        throw new IllegalStateException("the changed Ingress's new path is missing");
      }
      translator.translate(snapshot); // and back

      // One Service's endpoints change: the fast path, right after a translation (which makes its
      // index of clusters by Service), then again for another Service (as endpoint churn goes).
      long t3 = System.nanoTime();
      TranslationResult refreshed = translator.refreshEndpoints(result, snapshot,
              Set.of(new ObjectKey("scale", "app-" + app)))
          .orElseThrow(() -> new IllegalStateException("the endpoint fast path refused a plain endpoint change"));
      endpoints.add(ms(System.nanoTime() - t3));
      long t4 = System.nanoTime();
      translator.refreshEndpoints(refreshed, snapshot, Set.of(new ObjectKey("scale", "app-" + (app + 1) % fleet.apps())))
          .orElseThrow(() -> new IllegalStateException("the endpoint fast path refused a plain endpoint change"));
      endpointsAgain.add(ms(System.nanoTime() - t4));
    }
    RouteTable table = result.table();
    byte[] wire = RouteTableJson.toJson(table);
    List<Double> compile = new ArrayList<>();
    String checksum = RouteTableJson.checksum(table); // comes with the push: the data plane does not compute it
    for (int r = 0; r < rounds; r++) {
      long t = System.nanoTime();
      // What a data plane does with a push: read the JSON, compile it.
      CompiledTable.compile(r + 1, checksum, RouteTableJson.readTable(wire), null);
      compile.add(ms(System.nanoTime() - t));
    }
    long before = usedHeapAfterGc();
    CompiledTable held = CompiledTable.compile(rounds + 1, checksum, RouteTableJson.readTable(wire), null);
    long compiledHeap = usedHeapAfterGc() - before;
    java.lang.ref.Reference.reachabilityFence(held);
    int routes = routeCount(table);
    return new Translation(routes, table.clusters().size(), median(full), median(newSnapshot), median(change),
        median(endpoints), median(endpointsAgain),
        wire.length, gzip(wire).length, median(compile), compiledHeap, result);
  }

  /**
   * Serves the fleet in local mode (files in a fresh folder, the echo backend on loopback), then
   * for {@code churnSeconds} sends {@link #RATE} requests a second over {@code connections} connections to unchanged routes
   * while every {@code 1000 / changesPerSecond} ms one application gains a path or (a share
   * {@link #ENDPOINT_SHARE} of the changes) has its endpoint moved to the other of two echo
   * backends, and measures how long each change takes from its file being written to being
   * served: the new path answering, or the other backend answering.
   */
  public static Serving serving(Fleet fleet, Vertx vertx, int echoPort, double churnSeconds, int changesPerSecond,
      int connections) throws Exception {
    Path dir = Files.createTempDirectory("portcullis-scale");
    try {
      fleet.write(dir);
      long t0 = System.nanoTime();
      try (LocalMode local = LocalMode.start(new LocalMode.Settings(dir, "127.0.0.1", "127.0.0.1", 0, 0, 0, 1,
          options()))) {
        awaitServed(vertx, local.httpPort(), Fleet.host(fleet.apps() - 1), Fleet.path(Fleet.PATHS - 1), 120_000);
        double startMs = ms(System.nanoTime() - t0);
        long heap = usedHeapAfterGc();
        EchoBackend moved = EchoBackend.start(vertx, MOVED, "127.0.0.1", 0).toCompletionStage().toCompletableFuture()
            .get();
        return churn(fleet, vertx, dir, local.httpPort(), startMs, heap, churnSeconds, changesPerSecond, connections,
            echoPort, moved.port());
      }
    } finally {
      deleteTree(dir);
    }
  }

  /** The share of a churn's changes that move an application's endpoint ({@code -Dscale.endpointShare}); the rest add a path. */
  public static final double ENDPOINT_SHARE = Double.parseDouble(System.getProperty("scale.endpointShare", "0.5"));
  /** The name of the echo backend endpoints are moved to (the fleet's own is {@code scale}). */
  static final String MOVED = "scale-moved";

  private static Serving churn(Fleet fleet, Vertx vertx, Path dir, int port, double startMs, long heap,
      double churnSeconds, int changesPerSecond, int connections, int echoPort, int movedPort) throws Exception {
    HttpClient load = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(connections));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong requests = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    List<String> failureSamples = java.util.Collections.synchronizedList(new ArrayList<>());
    // Unchanged routes: the second half of the fleet's applications; changes go to the first half.
    int firstUnchanged = fleet.apps() / 2;
    // Every unchanged route once first, when asked: a route's meters are made on its first request,
    // and making 25,000 routes' meters during the churn would measure that (and its garbage) too.
    double warmMs = 0;
    if (WARM) {
      long w0 = System.nanoTime();
      warm(vertx, load, port, fleet, firstUnchanged, connections);
      warmMs = ms(System.nanoTime() - w0);
    }
    List<Future<Void>> loops = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      loops.add(loadLoop(vertx, load, port, fleet, firstUnchanged, Math.max(1, connections * 1000L / RATE),
          stop, requests, failures, failureSamples));
    }
    List<Double> live = new ArrayList<>();
    int neverLive = 0;
    long period = 1_000_000_000L / changesPerSecond;
    long end = System.nanoTime() + (long) (churnSeconds * 1e9);
    int change = 0;
    long next = System.nanoTime();
    // One watcher sweeps the changes not yet live, one request each per sweep: a change slow to go
    // live must not multiply the requests that watch it.
    java.util.concurrent.ConcurrentLinkedQueue<Object[]> waiting = new java.util.concurrent.ConcurrentLinkedQueue<>();
    List<double[]> results = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean writing = new AtomicBoolean(true);
    long churnStart = System.nanoTime();
    Thread watcher = new Thread(() -> watch(vertx, port, waiting, results, writing, churnStart), "scale-watch");
    watcher.start();
    java.util.Map<Integer, List<String>> extras = new java.util.HashMap<>();
    java.util.Map<Integer, Integer> ports = new java.util.HashMap<>();
    while (System.nanoTime() < end) {
      // Spread over the changing half, and so over its files; every change stays (paths accumulate).
      int app = (int) ((change * 7919L) % Math.max(1, firstUnchanged));
      boolean endpoint = Math.floor((change + 1) * ENDPOINT_SHARE) > Math.floor(change * ENDPOINT_SHARE);
      String path;
      String expect = null;
      if (endpoint) {
        // Its endpoint to the other backend: live once that one answers.
        boolean toMoved = ports.getOrDefault(app, echoPort) == echoPort;
        ports.put(app, toMoved ? movedPort : echoPort);
        path = Fleet.path(0) + "/x";
        expect = toMoved ? MOVED : "scale";
      } else {
        path = "/live-" + change;
        extras.computeIfAbsent(app, a -> new ArrayList<>()).add(path);
      }
      Files.writeString(dir.resolve(Fleet.fileOf(app)), fleet.file(app, extras, ports));
      waiting.add(new Object[] {Fleet.host(app), path, System.nanoTime(), expect});
      change++;
      next += period;
      long sleep = next - System.nanoTime();
      if (sleep > 0) {
        TimeUnit.NANOSECONDS.sleep(sleep);
      }
    }
    writing.set(false);
    watcher.join(LIVE_TIMEOUT_MS + 15_000);
    stop.set(true);
    Future.join(loops).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    load.close();
    if (EACH) {
      for (double[] r : results) {
        System.out.printf("change written at %6.2f s (%s): %s%n", r[1], r[2] > 0 ? "endpoint" : "path",
            r[0] < 0 ? "never live" : String.format("%.1f ms", r[0]));
      }
    }
    List<Double> settled = new ArrayList<>();
    List<Double> endpointLive = new ArrayList<>();
    List<Double> endpointSettled = new ArrayList<>();
    for (double[] r : results) {
      if (r[0] < 0) {
        neverLive++;
      } else {
        boolean endpoint = r[2] > 0;
        (endpoint ? endpointLive : live).add(r[0]);
        if (r[1] >= SETTLED_AFTER_S) {
          (endpoint ? endpointSettled : settled).add(r[0]);
        }
      }
    }
    if (!failureSamples.isEmpty()) {
      System.err.println("failures on unchanged routes, first ones: " + failureSamples.subList(0,
          Math.min(5, failureSamples.size())));
    }
    // Measured after the churn: a collection forced just before it would leave the collector a
    // heap sized to what is live, and its next collection would be a full one, in the churn.
    long heapAfter = usedHeapAfterGc();
    return new Serving(startMs, heap, live, neverLive, requests.get(), failures.get(), churnSeconds, warmMs, heapAfter,
        settled, endpointLive, endpointSettled);
  }

  /** Whether each change's time to go live is printed too ({@code -Dscale.each=true}). */
  static final boolean EACH = Boolean.getBoolean("scale.each");

  /** Whether the churn starts with every unchanged route requested once ({@code -Dscale.warm=false}: not). */
  static final boolean WARM = Boolean.parseBoolean(System.getProperty("scale.warm", "true"));

  /** Requests every route of applications {@code from}.. once, {@code connections} at a time. */
  private static void warm(Vertx vertx, HttpClient client, int port, Fleet fleet, int from, int connections)
      throws Exception {
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    int total = (fleet.apps() - from) * Fleet.PATHS;
    List<Future<Void>> workers = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
      Runnable[] step = new Runnable[1];
      step[0] = () -> {
        int i = next.getAndIncrement();
        if (i >= total) {
          done.tryComplete();
          return;
        }
        get(client, port, Fleet.host(from + i / Fleet.PATHS), Fleet.path(i % Fleet.PATHS) + "/x")
            .onComplete(ar -> step[0].run());
      };
      vertx.runOnContext(v -> step[0].run());
      workers.add(done.future());
    }
    Future.join(workers).toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
  }

  /** How long a change may take to go live before it counts as never live. */
  static final long LIVE_TIMEOUT_MS = 20_000;

  private static void watch(Vertx vertx, int port, java.util.Queue<Object[]> waiting, List<double[]> results,
      AtomicBoolean writing, long churnStart) {
    HttpClient client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(1));
    try {
      while (writing.get() || !waiting.isEmpty()) {
        int n = waiting.size();
        for (int i = 0; i < n; i++) {
          Object[] w = waiting.poll();
          long written = (Long) w[2];
          String expect = (String) w[3];
          boolean ok;
          try {
            ok = expect == null
                ? get(client, port, (String) w[0], (String) w[1]).toCompletionStage().toCompletableFuture()
                    .get(5, TimeUnit.SECONDS) / 100 == 2
                : expect.equals(backendOf(client, port, (String) w[0], (String) w[1]).toCompletionStage()
                    .toCompletableFuture().get(5, TimeUnit.SECONDS));
          } catch (Exception e) {
            ok = false;
          }
          long now = System.nanoTime();
          double kind = expect == null ? 0 : 1;
          if (ok) {
            results.add(new double[] {ms(now - written), (written - churnStart) / 1e9, kind});
          } else if (now - written > LIVE_TIMEOUT_MS * 1_000_000) {
            results.add(new double[] {-1, (written - churnStart) / 1e9, kind});
          } else {
            waiting.add(w);
          }
        }
        Thread.sleep(5);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      client.close();
    }
  }

  /**
   * Requests per second on unchanged routes while routes change: steady traffic, as a cluster's
   * routes see, not a flood (on two cores a flood would starve the rebuild it is meant to watch).
   */
  static final int RATE = 2_000;

  /** Requests one unchanged route after another, {@code gapMs} apart, until stopped. */
  private static Future<Void> loadLoop(Vertx vertx, HttpClient client, int port, Fleet fleet, int firstUnchanged,
      long gapMs, AtomicBoolean stop, AtomicLong requests, AtomicLong failures, List<String> samples) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      if (stop.get()) {
        done.tryComplete();
        return;
      }
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      int app = firstUnchanged + rnd.nextInt(fleet.apps() - firstUnchanged);
      String path = Fleet.path(rnd.nextInt(Fleet.PATHS)) + "/x";
      get(client, port, Fleet.host(app), path).onComplete(ar -> {
        requests.incrementAndGet();
        if (ar.failed() || ar.result() / 100 != 2) {
          failures.incrementAndGet();
          if (samples.size() < 100) { // the first few say what went wrong; the count says how often
            samples.add(Fleet.host(app) + path + " -> " + (ar.failed() ? ar.cause().toString() : ar.result()));
          }
        }
        vertx.setTimer(gapMs, t -> next[0].run());
      });
    };
    next[0].run();
    return done.future();
  }

  /**
   * GET, the status once the body has been read. The virtual host goes in the Host header, not the
   * request's authority: the client keeps a connection pool per authority, and thousands of hosts
   * would open thousands of connections (the proxy refuses more than 1,024 from one address).
   */
  static Future<Integer> get(HttpClient client, int port, String host, String path) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET)
            .setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1")).setHost("127.0.0.1").setPort(port)
            .setURI(path).putHeader("host", host))
        .compose(req -> req.send().compose(HttpClientResponse::body).map(b -> req.response().result().statusCode()));
  }

  /** GET, the echo backend that answered (its {@code x-backend} header), or null if not 2xx. */
  static Future<String> backendOf(HttpClient client, int port, String host, String path) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET)
            .setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1")).setHost("127.0.0.1").setPort(port)
            .setURI(path).putHeader("host", host))
        .compose(req -> req.send().compose(res -> res.body().map(b -> res.statusCode() / 100 == 2
            ? res.getHeader("x-backend") : null)));
  }

  static void awaitServed(Vertx vertx, int port, String host, String path, long timeoutMs) {
    if (!awaitServedQuietly(vertx, port, host, path, timeoutMs)) {
      throw new IllegalStateException("http://" + host + path + " was not served within " + timeoutMs + " ms");
    }
  }

  /** Polls every 2 ms until the path answers 2xx; false on timeout. */
  static boolean awaitServedQuietly(Vertx vertx, int port, String host, String path, long timeoutMs) {
    HttpClient client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(1));
    try {
      long deadline = System.nanoTime() + timeoutMs * 1_000_000;
      while (System.nanoTime() < deadline) {
        try {
          int status = get(client, port, host, path).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
          if (status / 100 == 2) {
            return true;
          }
        } catch (Exception e) {
          // not up yet
        }
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return false;
    } finally {
      client.close();
    }
  }

  public static int routeCount(RouteTable table) {
    int n = 0;
    for (VirtualHost vh : table.virtualHosts()) {
      n += vh.routes().size();
    }
    return n;
  }

  public static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }

  static double median(List<Double> values) {
    return percentile(values, 50);
  }

  static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    int i = (int) Math.ceil(p / 100.0 * v.length) - 1;
    return v[Math.max(0, Math.min(v.length - 1, i))];
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(data);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  static void deleteTree(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Starts the echo backend every endpoint of the fleet points at. */
  static EchoBackend echo(Vertx vertx) throws Exception {
    return EchoBackend.start(vertx, "scale", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
  }
}
