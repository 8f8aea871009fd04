package dev.portcullis.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * crds/ is the one source of the CRD (generated from the Java types); the charts carry copies:
 * charts/portcullis/crds/ (installed by Helm on the first install) and
 * charts/portcullis-crds/files/ (rendered as a template, so that Helm upgrades it). This test
 * fails when a copy differs; {@code -Dcrd.update=true} refreshes them, as it refreshes crds/.
 */
class CrdCopiesTest {

  static final Path SOURCE = Chart.HOME.resolve("crds");
  static final List<Path> COPIES = List.of(Chart.PORTCULLIS.resolve("crds"), Chart.CRDS_CHART.resolve("files"));

  @Test
  void theChartsCarryExactlyTheCrdsOfCrdsFolder() throws IOException {
    List<String> files = names(SOURCE);
    assertThat(files).isNotEmpty();
    for (Path copy : COPIES) {
      if (Boolean.getBoolean("crd.update")) {
        Files.createDirectories(copy);
        for (String f : names(copy)) {
          if (!files.contains(f)) {
            Files.delete(copy.resolve(f));
          }
        }
        for (String f : files) {
          Files.copy(SOURCE.resolve(f), copy.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      assertThat(names(copy)).as("the CRD files in %s", copy).isEqualTo(files);
      for (String f : files) {
        assertThat(Files.readString(copy.resolve(f))).as("%s/%s is stale: run ./mvnw -pl charts test -Dcrd.update=true",
            copy, f).isEqualTo(Files.readString(SOURCE.resolve(f)));
      }
    }
  }

  @Test
  void theCrdChartRendersTheSameCrdAndKeepsIt() throws IOException {
    CustomResourceDefinition source = Chart.SERIALIZATION.unmarshal(
        Files.readString(SOURCE.resolve("proxyroutes.portcullis.dev-v1.yml")), CustomResourceDefinition.class);
    Chart.Rendered r = new Chart.Rendered(Chart.template(Chart.CRDS_CHART, Map.of()));
    CustomResourceDefinition rendered = r.get(CustomResourceDefinition.class, "proxyroutes.portcullis.dev");
    assertThat(r.objects).hasSize(1);
    List<String> differences = new java.util.ArrayList<>();
    diff(Chart.SERIALIZATION.convertValue(source.getSpec(), com.fasterxml.jackson.databind.JsonNode.class),
        Chart.SERIALIZATION.convertValue(rendered.getSpec(), com.fasterxml.jackson.databind.JsonNode.class), "spec",
        differences);
    assertThat(differences).as("the rendered CRD differs from crds/").isEmpty();
    assertThat(rendered.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
    assertThat(rendered.getMetadata().getLabels()).containsEntry("app.kubernetes.io/version", Chart.version());
    CustomResourceDefinition notKept = new Chart.Rendered(Chart.template(Chart.CRDS_CHART, Map.of("keep", false)))
        .get(CustomResourceDefinition.class, "proxyroutes.portcullis.dev");
    assertThat(notKept.getMetadata().getAnnotations()).doesNotContainKey("helm.sh/resource-policy");
  }

  static void diff(com.fasterxml.jackson.databind.JsonNode a, com.fasterxml.jackson.databind.JsonNode b, String path,
      List<String> out) {
    if (a.isNumber() && b.isNumber()) {
      if (a.decimalValue().compareTo(b.decimalValue()) != 0) {
        out.add(path + ": " + a + " != " + b);
      }
    } else if (a.isObject() && b.isObject()) {
      java.util.Set<String> keys = new java.util.TreeSet<>();
      a.fieldNames().forEachRemaining(keys::add);
      b.fieldNames().forEachRemaining(keys::add);
      for (String k : keys) {
        if (!a.has(k) || !b.has(k)) {
          out.add(path + "." + k + ": only in " + (a.has(k) ? "crds/" : "the render"));
        } else {
          diff(a.get(k), b.get(k), path + "." + k, out);
        }
      }
    } else if (a.isArray() && b.isArray() && a.size() == b.size()) {
      for (int i = 0; i < a.size(); i++) {
        diff(a.get(i), b.get(i), path + "[" + i + "]", out);
      }
    } else if (!a.equals(b)) {
      out.add(path + ": " + a + " != " + b);
    }
  }

  static List<String> names(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml") || n.endsWith(".yaml")).sorted()
          .toList();
    }
  }
}
