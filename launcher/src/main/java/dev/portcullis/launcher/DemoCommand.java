package dev.portcullis.launcher;

import dev.portcullis.dataplane.cli.DataPlaneCommand;
import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.operator.cli.TranslatorFlags;
import dev.portcullis.operator.source.FileSource;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code portcullis demo}: three echo backends and local mode on the quickstart. */
@Command(name = "demo", header = "Run the demo: three echo backends and local mode on examples/quickstart.",
    mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Start three small echo backends on this machine (web on 127.0.0.1:18081, api on :18082, fallback on :18083) "
            + "and serve examples/quickstart/ in local mode: host demo.local sends / to web and /api to api; "
            + "anything else goes to fallback. Each backend answers with JSON naming itself and echoing the "
            + "request it received.",
        "",
        "Run from a source checkout, the demo serves examples/quickstart/ itself, so edits there are served live; "
            + "elsewhere it serves a copy bundled in the jar. Give another folder (say examples/proxyroute) to serve "
            + "it with the same three backends."})
public final class DemoCommand implements Callable<Integer> {

  /** The backends the quickstart's EndpointSlices point at. */
  static final List<Backend> BACKENDS = List.of(new Backend("web", 18081), new Backend("api", 18082),
      new Backend("fallback", 18083));
  /** The files of the bundled quickstart, as listed in the jar. */
  static final List<String> QUICKSTART_FILES = List.of("backends.yaml", "ingress.yaml");

  record Backend(String name, int port) {}

  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR",
      description = "The folder to serve (default: examples/quickstart).")
  Path dir;

  @Mixin
  ServeFlags serve = new ServeFlags();

  @Mixin
  TranslatorFlags translator = new TranslatorFlags();

  @Override
  public Integer call() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      startBackends(vertx);
    } catch (Exception e) {
      vertx.close();
      System.err.println("demo: " + e.getMessage());
      return 1;
    }
    Path served = dir != null ? dir : quickstart();
    if (!Files.isDirectory(served)) {
      vertx.close();
      System.err.println("demo: not a folder: " + served);
      return 2;
    }
    LocalMode local = LocalMode.start(LocalCommand.settings(served, serve, translator, FileSource.SETTLE_MS));
    LocalCommand.announce(local, serve);
    String base = "http://" + (serve.bind.equals("0.0.0.0") ? "127.0.0.1" : serve.bind) + ":" + local.httpPort();
    System.out.println();
    if (dir == null) {
      System.out.println("Try:");
      System.out.println("  curl -H 'Host: demo.local' " + base + "/          # answered by web");
      System.out.println("  curl -H 'Host: demo.local' " + base + "/api/x     # answered by api");
      System.out.println("  curl " + base + "/                                 # unknown host: fallback");
      System.out.println("  curl -H 'Host: demo.local' '" + base + "/?status=503'   # backends obey ?status, ?delay, ?size");
    } else {
      System.out.println("Each manifest's comments say what to try; the routes are listed above.");
    }
    System.out.println("Manifests: " + served);
    System.out.flush();
    DataPlaneCommand.awaitShutdown(() -> local.drainAndClose(serve.drainPeriod, serve.drainTimeout),
        () -> vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    return 0;
  }

  static void startBackends(Vertx vertx) throws Exception {
    List<Future<EchoBackend>> started = new ArrayList<>();
    for (Backend b : BACKENDS) {
      started.add(EchoBackend.start(vertx, b.name(), "127.0.0.1", b.port())
          .recover(e -> Future.failedFuture(new IOException("cannot start the " + b.name() + " backend on 127.0.0.1:"
              + b.port() + " (" + e.getMessage() + "); is another demo running?", e))));
    }
    try {
      Future.all(started).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception c ? c : e;
    }
  }

  /** examples/quickstart under the Portcullis home when it exists, else the copy bundled in the jar. */
  static Path quickstart() throws IOException {
    String home = System.getProperty("portcullis.home");
    if (home != null) {
      Path dir = Path.of(home, "examples", "quickstart");
      if (Files.isDirectory(dir)) {
        return dir;
      }
    }
    Path dir = Files.createTempDirectory("portcullis-quickstart");
    dir.toFile().deleteOnExit();
    for (String name : QUICKSTART_FILES) {
      try (InputStream in = DemoCommand.class.getResourceAsStream("/quickstart/" + name)) {
        if (in == null) {
          throw new IOException("the jar has no bundled quickstart/" + name);
        }
        Path file = dir.resolve(name);
        Files.copy(in, file);
        file.toFile().deleteOnExit();
      }
    }
    return dir;
  }
}
