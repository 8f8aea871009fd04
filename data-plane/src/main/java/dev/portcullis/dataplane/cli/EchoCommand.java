package dev.portcullis.dataplane.cli;

import dev.portcullis.dataplane.echo.EchoBackend;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code portcullis echo}: a backend that answers with what it received. */
@Command(name = "echo", header = "Run an echo backend that answers with what it received.",
    mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Run an echo backend: it answers every request with JSON naming itself and echoing the method, path, query "
            + "and headers it received. Handy behind a route to see what the proxy sends upstream.",
        "",
        "Query parameters: status=N answers with status N; delay=MS waits first; size=N sends N bytes instead of "
            + "JSON; echo=body streams the request body back."})
public final class EchoCommand implements Callable<Integer> {

  @Option(names = "--name", paramLabel = "NAME", defaultValue = "echo",
      description = "The name it reports (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000",
      description = "Port to listen on (default: ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws Exception {
    Vertx vertx = Vertx.vertx();
    EchoBackend backend = EchoBackend.start(vertx, name, bind, port).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    System.out.println("echo backend " + name + " listening on http://" + bind + ":" + backend.port());
    DataPlaneCommand.awaitShutdown(() -> vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    return 0;
  }
}
