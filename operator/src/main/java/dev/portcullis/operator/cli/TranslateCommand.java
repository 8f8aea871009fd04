package dev.portcullis.operator.cli;

import dev.portcullis.operator.source.ManifestFiles;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.TranslationYaml;
import dev.portcullis.translator.Translator;
import dev.portcullis.translator.TranslatorOptions;
import dev.portcullis.translator.manifest.ManifestProblem;
import dev.portcullis.translator.manifest.ManifestReader;
import dev.portcullis.translator.status.Disposition;
import dev.portcullis.translator.status.Problem;
import dev.portcullis.translator.status.Severity;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code portcullis translate}: manifests in, route table and problems out, no cluster needed. */
@Command(name = "translate", header = "Print the route table and every problem for a set of manifests, without a cluster.",
    mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Translate manifests into the route table a data plane would serve, and report every problem "
            + "with each object, without a cluster. A dry run for CI.",
        "",
        "Prints one YAML document with three keys: manifestProblems (files or documents that could not be read), "
            + "status (what became of each Ingress, with its problems) and routeTable. A summary goes to stderr."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:translated; nothing at or above --fail-on",
        "1:problems at or above --fail-on (errors, by default)",
        "2:bad usage",
        "3:a file could not be read"})
public final class TranslateCommand implements Callable<Integer> {

  /** When the exit code turns non-zero. */
  public enum FailOn { error, warning, never }

  /** What to print. */
  public enum Output { all, table, status }

  @Spec
  CommandSpec spec;

  @Option(names = {"-f", "--filename"}, required = true, paramLabel = "PATH",
      description = "A manifest file (YAML or JSON, several documents allowed) or a folder of them (*.yaml, *.yml, *.json, "
          + "read recursively). Repeatable.")
  List<Path> files = new ArrayList<>();

  @Option(names = {"-o", "--output"}, paramLabel = "WHAT", defaultValue = "all",
      description = "What to print: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Output output;

  @Option(names = "--fail-on", paramLabel = "LEVEL", defaultValue = "error",
      description = "Exit with 1 when a problem of this severity or worse is found: ${COMPLETION-CANDIDATES} "
          + "(default: ${DEFAULT-VALUE}).")
  FailOn failOn;

  @Option(names = "--namespace", paramLabel = "NS", defaultValue = "default",
      description = "Namespace for objects that name none (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Mixin
  TranslatorFlags translatorFlags = new TranslatorFlags();

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    List<ManifestFiles.Read> reads;
    try {
      reads = ManifestFiles.readAll(files, new ManifestReader(namespace));
    } catch (IOException e) {
      err.println("translate: " + e);
      return 3;
    }
    ClusterSnapshot.Builder snapshot = ClusterSnapshot.builder();
    List<ManifestProblem> manifestProblems = new ArrayList<>();
    Map<String, String> origins = ManifestFiles.newOrigins();
    int objects = 0;
    for (ManifestFiles.Read read : reads) {
      ManifestReader.Result r = read.result();
      manifestProblems.addAll(r.problems());
      objects += r.objects().size();
      ManifestFiles.addAll(snapshot, r.objects(), read.file().toString(), origins, manifestProblems);
    }
    TranslatorOptions options = translatorFlags.options(false);
    TranslationResult result = new Translator(options).translate(snapshot.build());

    Map<String, Object> doc = new LinkedHashMap<>();
    if (output == Output.all) {
      doc.put("manifestProblems", manifestProblems);
      if (!result.settingsProblems().isEmpty()) {
        doc.put("settingsProblems", result.settingsProblems());
      }
    }
    if (output != Output.table) {
      doc.put("status", result.status());
    }
    if (output != Output.status) {
      doc.put("routeTable", result.table());
    }
    out.print(TranslationYaml.write(output == Output.table ? result.table() : doc));
    out.flush();

    int errors = manifestProblems.size() + result.status().count(Severity.ERROR)
        + (int) result.settingsProblems().stream().filter(p -> p.severity() == Severity.ERROR).count();
    int warnings = result.status().count(Severity.WARNING) - result.status().count(Severity.ERROR);
    long ignored = result.status().objects().stream().filter(s -> s.disposition() == Disposition.IGNORED).count();
    err.printf("translate: %d files, %d objects, %d hosts, %d routes, %d clusters; %d errors, %d warnings%s%n",
        reads.size(), objects, result.table().virtualHosts().size(), result.table().routeCount(),
        result.table().clusters().size(), errors, warnings,
        ignored == 0 ? "" : "; " + ignored + " Ingresses of other classes ignored (see status)");
    for (ManifestProblem p : manifestProblems) {
      err.println("  ERROR " + p);
    }
    for (Problem p : result.settingsProblems()) {
      err.println("  " + p.severity() + " " + p.field() + ": " + p.reason() + ": " + p.message());
    }
    result.status().objects().forEach(s -> {
      for (Problem p : s.problems()) {
        if (p.severity() != Severity.INFO) {
          err.println("  " + p.severity() + " " + s.object() + " " + p.field() + ": " + p.reason() + ": " + p.message());
        }
      }
    });
    err.flush();
    return switch (failOn) {
      case error -> errors > 0 ? 1 : 0;
      case warning -> errors + warnings > 0 ? 1 : 0;
      case never -> 0;
    };
  }
}
