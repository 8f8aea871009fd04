package dev.portcullis.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.Yaml;

/**
 * A chart rendered by Helm itself (helm-java runs Helm's Go code in this JVM), and its manifests
 * read into Fabric8's Kubernetes model types.
 */
final class Chart {

  static final Path HOME = Path.of(System.getProperty("portcullis.home", "..")).toAbsolutePath().normalize();
  static final Path PORTCULLIS = HOME.resolve("charts/portcullis");
  static final Path CRDS_CHART = HOME.resolve("charts/portcullis-crds");
  static final String RELEASE = "portcullis";
  static final String NAMESPACE = "portcullis";
  /** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion), so nothing newer creeps in. */
  static final String KUBE_VERSION = "1.25.0";
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Chart() {}

  /** The Maven project's version, which the charts' version and appVersion follow. */
  static String version() {
    return System.getProperty("portcullis.version", "0.1.0-SNAPSHOT");
  }

  /** The YAML {@code helm template} prints for these values (merged over values.yaml). */
  static String template(Path chart, Map<String, ?> values) {
    Path file = valuesFile(values);
    try {
      return new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION)
          .withValuesFile(file).call();
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  static Rendered render(Map<String, ?> values) {
    return new Rendered(template(PORTCULLIS, values));
  }

  static Rendered render() {
    return render(Map.of());
  }

  /** Values given as dotted paths ({@code "dataPlane.kind", "DaemonSet"}), as a nested map. */
  static Map<String, Object> values(Object... pathsAndValues) {
    Map<String, Object> root = new LinkedHashMap<>();
    for (int i = 0; i < pathsAndValues.length; i += 2) {
      String[] path = ((String) pathsAndValues[i]).split("\\.");
      Map<String, Object> at = root;
      for (int p = 0; p < path.length - 1; p++) {
        @SuppressWarnings("unchecked")
        Map<String, Object> next = (Map<String, Object>) at.computeIfAbsent(path[p], k -> new LinkedHashMap<>());
        at = next;
      }
      at.put(path[path.length - 1], pathsAndValues[i + 1]);
    }
    return root;
  }

  private static Path valuesFile(Map<String, ?> values) {
    try {
      Path file = Files.createTempFile("values-", ".yaml");
      Files.writeString(file, new Yaml().dump(values), StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rendered manifests, each read into its Fabric8 model type. */
  static final class Rendered {
    final String yaml;
    final List<HasMetadata> objects = new ArrayList<>();

    Rendered(String yaml) {
      this.yaml = yaml;
      for (Object doc : new Yaml().loadAll(yaml)) {
        if (doc == null) {
          continue;
        }
        String json = SERIALIZATION.asJson(doc);
        KubernetesResource parsed = SERIALIZATION.unmarshal(json, KubernetesResource.class);
        assertThat(parsed).as("a Kubernetes object: %s", json).isInstanceOf(HasMetadata.class);
        assertThat(parsed).as("a known Kubernetes type, not a generic resource: %s", json)
            .isNotInstanceOf(GenericKubernetesResource.class);
        List<String> unknown = new ArrayList<>();
        unknownFields(parsed, ((HasMetadata) parsed).getKind(), unknown);
        assertThat(unknown).as("fields the Kubernetes API does not have").isEmpty();
        objects.add((HasMetadata) parsed);
      }
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
      return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    <T extends HasMetadata> T get(Class<T> type, String name) {
      return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name
          + " in " + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList()));
    }
  }

  /**
   * Walks a model object and lists every field Fabric8 kept in {@code additionalProperties}: a
   * field the Kubernetes type does not have (a misspelt key, a key at the wrong level).
   */
  static void unknownFields(Object o, String path, List<String> out) {
    if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Enum<?>) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        unknownFields(e, path + "[" + i++ + "]", out);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> unknownFields(v, path + "." + k, out));
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class
          || !(m.getName().startsWith("get") || m.getName().startsWith("is"))) {
        continue;
      }
      Object value;
      try {
        value = m.invoke(o);
      } catch (ReflectiveOperationException | RuntimeException e) {
        continue;
      }
      if (m.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          out.add(path + ": " + extra.keySet());
        }
        continue;
      }
      // Free-form maps (labels, annotations, data) hold strings; values of other maps are walked.
      unknownFields(value, path + "." + m.getName().replaceFirst("^(get|is)", ""), out);
    }
  }
}
