package dev.portcullis.charts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Every value of a chart is documented: a {@code # -- text} comment above its key in
 * values.yaml (above a map, it documents the whole map). The table in the chart's README.md,
 * between {@code <!-- values:start -->} and {@code <!-- values:end -->}, is generated from those
 * comments and the defaults; {@code -Dgolden.update=true} rewrites it.
 */
class ValuesDocTest {

  static final Pattern KEY = Pattern.compile("^( *)([A-Za-z0-9_]+):(.*)$");
  static final Pattern DOC = Pattern.compile("^ *# -- (.*)$");
  static final String START = "<!-- values:start -->";
  static final String END = "<!-- values:end -->";

  @Test
  void everyValueIsDocumentedAndTheReadmeTableIsCurrent() throws IOException {
    for (Path chart : List.of(Chart.PORTCULLIS, Chart.CRDS_CHART)) {
      String values = Files.readString(chart.resolve("values.yaml"), StandardCharsets.UTF_8);
      Map<String, String> docs = docs(values);
      Map<String, Object> defaults = new Yaml().load(values);
      List<String> undocumented = new ArrayList<>();
      leaves(defaults, "", docs, undocumented);
      assertThat(undocumented).as("values in %s/values.yaml without a '# --' comment (on them or on a map above)",
          chart.getFileName()).isEmpty();
      assertThat(docs.keySet()).as("comments that document no value").allMatch(k -> lookup(defaults, k) != MISSING);

      Path readme = chart.resolve("README.md");
      String text = Files.readString(readme, StandardCharsets.UTF_8);
      int start = text.indexOf(START);
      int end = text.indexOf(END);
      assertThat(start).as("%s has the markers %s and %s", readme, START, END).isNotNegative();
      assertThat(end).isGreaterThan(start);
      String table = table(docs, defaults);
      String updated = text.substring(0, start + START.length()) + "\n" + table + text.substring(end);
      if (Boolean.getBoolean("golden.update")) {
        Files.writeString(readme, updated, StandardCharsets.UTF_8);
        text = updated;
      }
      assertThat(text).as("the values table of %s is stale: run ./mvnw -pl charts test -Dgolden.update=true", readme)
          .isEqualTo(updated);
    }
  }

  /** The documented keys, in the file's order, with their text. */
  static Map<String, String> docs(String values) {
    Map<String, String> docs = new LinkedHashMap<>();
    Deque<int[]> indents = new ArrayDeque<>();
    Deque<String> path = new ArrayDeque<>();
    String pending = null;
    int listIndent = -1;
    for (String line : values.split("\n", -1)) {
      Matcher doc = DOC.matcher(line);
      if (doc.matches()) {
        pending = doc.group(1).trim();
        continue;
      }
      Matcher key = KEY.matcher(line);
      if (!key.matches()) {
        // A list item: keys indented under it belong to the item, not to the values' tree.
        if (line.trim().startsWith("- ") && listIndent < 0) {
          listIndent = line.indexOf('-');
        }
        continue;
      }
      int indent = key.group(1).length();
      if (listIndent >= 0 && indent > listIndent) {
        continue; // a key inside a list item
      }
      listIndent = -1;
      while (!indents.isEmpty() && indents.peek()[0] >= indent) {
        indents.pop();
        path.pop();
      }
      indents.push(new int[] {indent});
      path.push(key.group(2));
      List<String> parts = new ArrayList<>(path);
      java.util.Collections.reverse(parts);
      String name = String.join(".", parts);
      if (pending != null) {
        docs.put(name, pending);
        pending = null;
      }
    }
    return docs;
  }

  static final Object MISSING = new Object();

  static Object lookup(Map<String, Object> values, String dotted) {
    Object at = values;
    for (String part : dotted.split("\\.")) {
      if (!(at instanceof Map<?, ?> m) || !m.containsKey(part)) {
        return MISSING;
      }
      at = m.get(part);
    }
    return at;
  }

  /** Adds to {@code out} each leaf (scalar, list, empty map) that neither it nor a map above documents. */
  static void leaves(Map<String, Object> map, String prefix, Map<String, String> docs, List<String> out) {
    for (Map.Entry<String, Object> e : map.entrySet()) {
      String name = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (docs.containsKey(name)) {
        continue;
      }
      if (e.getValue() instanceof Map<?, ?> m && !m.isEmpty()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> child = (Map<String, Object>) m;
        leaves(child, name, docs, out);
      } else {
        out.add(name);
      }
    }
  }

  static String table(Map<String, String> docs, Map<String, Object> defaults) {
    StringBuilder b = new StringBuilder("| Key | Default | Description |\n|---|---|---|\n");
    for (Map.Entry<String, String> e : docs.entrySet()) {
      String value = Chart.SERIALIZATION.asJson(lookup(defaults, e.getKey()));
      b.append("| `").append(e.getKey()).append("` | `").append(value.replace("|", "\\|")).append("` | ")
          .append(e.getValue().replace("|", "\\|")).append(" |\n");
    }
    return b.toString();
  }
}
