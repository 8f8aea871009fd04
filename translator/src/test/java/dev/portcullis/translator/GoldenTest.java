package dev.portcullis.translator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portcullis.model.routing.RequestView;
import dev.portcullis.model.routing.Router;
import dev.portcullis.translator.manifest.ManifestReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files: each folder under {@code src/test/resources/golden} holds {@code in-*.yaml}
 * manifests (an optional {@code options.yaml} sets translator options), and the expected
 * {@code out-routetable.yaml} and {@code out-status.yaml}. Run with {@code -Dgolden.update=true}
 * to rewrite the expected files from the current output, then review the diff.
 */
class GoldenTest {

  static final Path ROOT = Path.of("src/test/resources/golden");
  static final boolean UPDATE = Boolean.getBoolean("golden.update");
  static final String TABLE = "out-routetable.yaml";
  static final String STATUS = "out-status.yaml";
  static final String OPTIONS = "options.yaml";
  static final String REQUESTS = "requests.yaml";

  @TestFactory
  Stream<DynamicTest> goldenCases() throws IOException {
    return cases().stream().map(dir -> dynamicTest(dir.getFileName().toString(), () -> run(dir)));
  }

  static List<Path> cases() throws IOException {
    try (Stream<Path> s = Files.list(ROOT)) {
      return s.filter(Files::isDirectory).sorted().toList();
    }
  }

  static void run(Path dir) throws IOException {
    TranslationResult result = translate(dir);
    check(dir.resolve(TABLE), TranslationYaml.write(result.table()));
    check(dir.resolve(STATUS), TranslationYaml.write(result.status()));
    checkRequests(dir, result);
  }

  /**
   * {@code requests.yaml}: hand-written expectations,
   * {@code - {host: a.com, path: /x, method: GET, headers: {x: y}, query: {v: "2"}, expect: <route name> | 404}}.
   */
  static void checkRequests(Path dir, TranslationResult result) throws IOException {
    Path file = dir.resolve(REQUESTS);
    if (!Files.exists(file)) {
      return;
    }
    Router<String> router = Router.compile(result.table(), (vh, route) -> route.name());
    JsonNode requests = new YAMLMapper().readTree(file.toFile());
    assertThat(requests.isArray() && requests.size() > 0).as(file + " lists requests").isTrue();
    for (JsonNode r : requests) {
      String host = r.path("host").asText("");
      String path = r.get("path").asText();
      String expect = r.get("expect").asText();
      RequestView request = new RequestView() {
        @Override
        public String method() {
          return r.path("method").asText("GET");
        }

        @Override
        public String header(String name) {
          java.util.Iterator<java.util.Map.Entry<String, JsonNode>> it = r.path("headers").fields();
          while (it.hasNext()) {
            var e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) {
              return e.getValue().asText();
            }
          }
          return null;
        }

        @Override
        public String queryParam(String name) {
          JsonNode v = r.path("query").get(name);
          return v == null ? null : v.asText();
        }
      };
      String actual = router.route(Router.normalizeHost(host), path, request);
      assertThat(actual == null ? "404" : actual).as(dir.getFileName() + ": " + host + path).isEqualTo(expect);
    }
  }

  static TranslationResult translate(Path dir) throws IOException {
    ManifestReader reader = new ManifestReader();
    ClusterSnapshot.Builder snapshot = ClusterSnapshot.builder();
    List<Path> inputs;
    try (Stream<Path> s = Files.list(dir)) {
      inputs = s.filter(p -> p.getFileName().toString().matches("in-.*\\.ya?ml")).sorted().toList();
    }
    assertThat(inputs).as("inputs of " + dir).isNotEmpty();
    for (Path in : inputs) {
      ManifestReader.Result r = reader.read(Files.readString(in), in.getFileName().toString());
      assertThat(r.problems()).as("manifest problems in " + in).isEmpty();
      r.objects().forEach(m -> assertThat(snapshot.add(m.object())).as("duplicate in " + m.origin()).isTrue());
    }
    return new Translator(options(dir)).translate(snapshot.build());
  }

  static TranslatorOptions options(Path dir) throws IOException {
    TranslatorOptions options = TranslatorOptions.DEFAULT;
    Path file = dir.resolve(OPTIONS);
    if (Files.exists(file)) {
      JsonNode node = new YAMLMapper().readTree(file.toFile());
      if (node.has("watchIngressWithoutClass")) {
        options = options.withWatchIngressWithoutClass(node.get("watchIngressWithoutClass").asBoolean());
      }
      if (node.has("ingressClassName")) {
        options = options.withIngressClassName(node.get("ingressClassName").asText());
      }
      if (node.has("ingressNginx")) {
        JsonNode n = node.get("ingressNginx");
        options = options.withIngressNginx(new TranslatorOptions.IngressNginx(
            n.path("className").asText(TranslatorOptions.IngressNginx.DEFAULT_CLASS), n.path("serveRefused").asBoolean()));
      }
    }
    return options;
  }

  static void check(Path expected, String actual) throws IOException {
    if (UPDATE) {
      Files.writeString(expected, actual, StandardCharsets.UTF_8);
      return;
    }
    assertThat(expected).as("golden file (run with -Dgolden.update=true to create it)").exists();
    assertEquals(Files.readString(expected), actual, "golden file " + expected);
  }

  @Test
  void everyFileIsUsed() throws IOException {
    List<String> stray = new ArrayList<>();
    try (Stream<Path> s = Files.list(ROOT)) {
      s.forEach(p -> {
        if (!Files.isDirectory(p)) {
          stray.add(p.toString());
        }
      });
    }
    for (Path dir : cases()) {
      try (Stream<Path> s = Files.list(dir)) {
        s.map(p -> p.getFileName().toString())
            .filter(n -> !n.matches("in-.*\\.ya?ml") && !n.equals(TABLE) && !n.equals(STATUS) && !n.equals(OPTIONS)
                && !n.equals(REQUESTS))
            .forEach(n -> stray.add(dir.resolve(n).toString()));
      }
    }
    assertThat(stray).as("files no golden case reads").isEmpty();
  }

  @Test
  void thereAreEnoughCases() throws IOException {
    assertThat(cases()).hasSizeGreaterThanOrEqualTo(30);
  }

  @Test
  void translationIsDeterministic() throws IOException {
    for (Path dir : cases()) {
      String first = TranslationYaml.write(translate(dir));
      assertThat(TranslationYaml.write(translate(dir))).as(dir.toString()).isEqualTo(first);
    }
  }

  static {
    if (!Files.isDirectory(ROOT)) {
      throw new UncheckedIOException(new IOException("run from the translator module: " + ROOT.toAbsolutePath()));
    }
  }
}
