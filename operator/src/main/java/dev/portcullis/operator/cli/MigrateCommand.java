package dev.portcullis.operator.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portcullis.operator.source.ManifestFiles;
import dev.portcullis.translator.ingress.NginxAnnotations;
import dev.portcullis.translator.ingress.NginxMigration;
import dev.portcullis.translator.manifest.ManifestReader;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code portcullis migrate}: what becomes of Ingresses written for ingress-nginx, and their ProxyRoutes. */
@Command(name = "migrate", header = "Tell, per Ingress written for ingress-nginx, what Portcullis does with its "
    + "annotations, and print the equivalent ProxyRoutes.",
    mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
        "Reads Ingresses and prints one YAML document per Ingress: which nginx.ingress.kubernetes.io annotations "
            + "are honoured (and as what), accepted without effect, refused (snippets, annotations Portcullis does "
            + "not implement) or invalid, whether the compatibility mode (--ingress-nginx-compat) serves the Ingress "
            + "as it is, and the ProxyRoutes that say the same without annotations, with what they cannot say yet.",
        "",
        "With -o proxyroutes, prints only the ProxyRoutes, ready for kubectl apply -f, each after comments on its "
            + "Ingress. See docs/ingress-nginx-migration.md."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every Ingress is served as it is in the compatibility mode",
        "1:an Ingress has a refused or invalid annotation (it is not served until it is changed)",
        "2:bad usage",
        "3:a file could not be read"})
public final class MigrateCommand implements Callable<Integer> {

  /** What to print. */
  public enum Output { report, proxyroutes }

  private static final ObjectMapper YAML = YAMLMapper.builder()
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .disable(YAMLGenerator.Feature.SPLIT_LINES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .serializationInclusion(JsonInclude.Include.NON_EMPTY)
      .build();

  @Spec
  CommandSpec spec;

  @Option(names = {"-f", "--filename"}, required = true, paramLabel = "PATH",
      description = "A manifest file (YAML or JSON, several documents allowed) or a folder of them, read "
          + "recursively. Objects other than Ingresses are skipped. Repeatable.")
  List<Path> files = new ArrayList<>();

  @Option(names = {"-o", "--output"}, paramLabel = "WHAT", defaultValue = "report",
      description = "What to print: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Output output;

  @Option(names = "--namespace", paramLabel = "NS", defaultValue = "default",
      description = "Namespace for objects that name none (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    List<ManifestFiles.Read> reads;
    try {
      reads = ManifestFiles.readAll(files, new ManifestReader(namespace));
    } catch (IOException e) {
      err.println("migrate: " + e);
      return 3;
    }
    List<Ingress> ingresses = new ArrayList<>();
    for (ManifestFiles.Read read : reads) {
      ManifestReader.Result r = read.result();
      r.problems().forEach(p -> err.println("  ERROR " + p));
      r.objects().stream().map(ManifestReader.Manifest::object).filter(o -> o instanceof Ingress)
          .forEach(o -> ingresses.add((Ingress) o));
    }
    List<NginxMigration.Report> reports = NginxMigration.migrate(ingresses);
    int notServed = 0;
    StringBuilder sb = new StringBuilder();
    for (NginxMigration.Report r : reports) {
      if (!r.served()) {
        notServed++;
      }
      sb.append("---\n");
      if (output == Output.report) {
        sb.append(yaml(report(r)));
      } else {
        sb.append(comments(r));
        for (int i = 0; i < r.proxyRoutes().size(); i++) {
          if (i > 0) {
            sb.append("---\n");
          }
          sb.append(yaml(r.proxyRoutes().get(i)));
        }
      }
    }
    out.print(sb);
    out.flush();
    err.printf("migrate: %d Ingresses; %d served as they are in the compatibility mode, %d not (refused or invalid "
        + "annotations)%n", reports.size(), reports.size() - notServed, notServed);
    err.flush();
    return notServed == 0 ? 0 : 1;
  }

  private static Map<String, Object> report(NginxMigration.Report r) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("ingress", r.ingress());
    if (r.canaryOf() != null) {
      doc.put("canaryOf", r.canaryOf());
    }
    doc.put("servedInCompatibilityMode", r.served());
    for (NginxAnnotations.Verdict v : NginxAnnotations.Verdict.values()) {
      Map<String, String> group = new LinkedHashMap<>();
      r.findings().stream().filter(f -> f.verdict() == v).forEach(f -> group.put(f.name(), f.message()));
      if (!group.isEmpty()) {
        doc.put(switch (v) {
          case HONOURED -> "honoured";
          case ACCEPTED -> "acceptedWithoutEffect";
          case REFUSED -> "refused";
          case INVALID -> "invalid";
        }, group);
      }
    }
    if (!r.notInProxyRoute().isEmpty()) {
      doc.put("notInProxyRoute", r.notInProxyRoute());
    }
    if (!r.proxyRoutes().isEmpty()) {
      doc.put("proxyRoutes", r.proxyRoutes());
    }
    return doc;
  }

  private static String comments(NginxMigration.Report r) {
    StringBuilder sb = new StringBuilder("# Ingress ").append(r.ingress());
    if (r.canaryOf() != null) {
      sb.append(": a canary; it joins the ProxyRoute of ").append(r.canaryOf());
    }
    sb.append('\n');
    for (NginxAnnotations.Finding f : r.findings()) {
      if (f.verdict() == NginxAnnotations.Verdict.REFUSED || f.verdict() == NginxAnnotations.Verdict.INVALID) {
        sb.append("#   ").append(f.verdict().name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(f.name())
            .append(": ").append(f.message()).append('\n');
      }
    }
    r.notInProxyRoute().forEach((k, v) -> sb.append("#   not in the ProxyRoute: ").append(k).append(": ").append(v)
        .append('\n'));
    return sb.toString();
  }

  private static String yaml(Object value) {
    try {
      String s = YAML.writeValueAsString(value);
      return s.startsWith("---\n") ? s.substring(4) : s;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("migration reports always serialise", e);
    }
  }
}
