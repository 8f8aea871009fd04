package dev.portcullis.launcher;

import dev.portcullis.dataplane.cli.DataPlaneCommand;
import dev.portcullis.dataplane.cli.DurationConverter;
import dev.portcullis.operator.cli.TranslatorFlags;
import dev.portcullis.operator.source.FileSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code portcullis local DIR}: serve a folder of manifests, no cluster. */
@Command(name = "local", header = "Serve a folder of manifests without a cluster.",
    mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Serve a folder of Kubernetes manifests without a cluster: every *.yaml, *.yml and *.json file under DIR "
            + "(subfolders too; hidden ones skipped; several documents per file allowed) holding Ingress, IngressClass, "
            + "ProxyRoute, Service, EndpointSlice or v1 Endpoints objects. Objects without a namespace go to 'default'.",
        "",
        "The folder is watched: a saved change is served within a second, without failing requests in flight. "
            + "A file or object that cannot be read is reported with its file, object, field and reason, and "
            + "everything else keeps serving (a broken file keeps its last good objects until it is fixed).",
        "",
        "Local mode runs the same translator, route server and push protocol as a cluster, all on this machine. "
            + "Unlike the operator, it also serves Ingresses that name no ingress class. ProxyRoute conditions (Accepted, "
            + "ResolvedRefs, Programmed) are printed as they change and served by the admin port's /status."})
public final class LocalCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The folder of manifests.")
  Path dir;

  @Mixin
  ServeFlags serve = new ServeFlags();

  @Mixin
  TranslatorFlags translator = new TranslatorFlags();

  @Option(names = "--settle", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "15ms",
      description = "How long a changed file must stay unchanged before it is read, 1ms to 10s (default: "
          + "${DEFAULT-VALUE}). Raise it when files are written slowly: a document at a time, or over a network file "
          + "system. A file read half-written keeps its last good objects when it does not parse; one cut between two "
          + "documents parses, and drops the objects of the rest until they land.")
  Duration settle;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(dir)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "DIR must be a folder: " + dir);
    }
    if (settle.toMillis() < 1 || settle.toMillis() > FileSource.MAX_SETTLE_MS) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--settle must be 1ms to 10s, not " + settle.toMillis() + "ms");
    }
    LocalMode local = LocalMode.start(settings(dir, serve, translator, settle.toMillis()));
    announce(local, serve);
    DataPlaneCommand.awaitShutdown(() -> local.drainAndClose(serve.drainPeriod, serve.drainTimeout));
    return 0;
  }

  static LocalMode.Settings settings(Path dir, ServeFlags serve, TranslatorFlags translator, long settleMs) {
    return new LocalMode.Settings(dir, serve.bind, serve.adminBind, serve.httpPort, serve.adminPort, serve.routePort,
        serve.eventLoops, translator.options(true), serve.cacheMemory, serve.adminToken(), serve.tls(),
        serve.listener.limits(), serve.observability.settings(), settleMs);
  }

  static void announce(LocalMode local, ServeFlags serve) {
    String host = serve.bind.equals("0.0.0.0") ? "127.0.0.1" : serve.bind;
    String admin = serve.adminBind.equals("0.0.0.0") ? "127.0.0.1" : serve.adminBind;
    System.out.printf("%nPortcullis is serving on http://%s:%d (admin: http://%s:%d/config_dump)%n", host,
        local.httpPort(), admin, local.adminPort());
    if (local.httpsPort() >= 0) {
      System.out.printf("HTTPS on https://%s:%d (hosts of tls sections get their certificates by SNI)%n", host,
          local.httpsPort());
    }
    System.out.println("Edit the manifests and save: changes are served within a second. Ctrl-C stops.");
    System.out.flush();
  }
}
