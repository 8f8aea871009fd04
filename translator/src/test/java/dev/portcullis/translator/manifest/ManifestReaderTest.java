package dev.portcullis.translator.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import org.junit.jupiter.api.Test;

class ManifestReaderTest {

  final ManifestReader reader = new ManifestReader();

  @Test
  void readsEveryDocumentAndDefaultsTheNamespace() {
    String yaml = """
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec: {ports: [{port: 80}]}
        ---
        # a comment-only document is fine
        ---
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: {name: portcullis, namespace: ignored}
        spec: {controller: portcullis.dev/ingress-controller}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        """;
    ManifestReader.Result r = reader.read(yaml, "app.yaml");
    assertThat(r.problems()).isEmpty();
    assertThat(r.objects()).hasSize(2);
    Service s = (Service) r.objects().get(0).object();
    assertThat(s.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(r.objects().get(0).origin()).isEqualTo("app.yaml#1");
    IngressClass c = (IngressClass) r.objects().get(1).object();
    assertThat(c.getMetadata().getNamespace()).isNull();
    assertThat(r.skipped()).containsExactly("app.yaml#4 apps/v1 Deployment");
  }

  @Test
  void fieldsAProxyRouteDoesNotHaveAreReportedWithTheirPath() {
    ManifestReader.Result r = new ManifestReader().read("""
        apiVersion: portcullis.dev/v1alpha1
        kind: ProxyRoute
        metadata: {name: typo}
        spec:
          hostnames: [typo.test]
          rules:
          - backends: [{service: web, port: 80, wieght: 5}]
            loadbalancer: {policy: Random}
        """, "typo.yaml");
    assertThat(r.objects()).hasSize(1);
    assertThat(r.problems()).extracting(ManifestProblem::field)
        .containsExactly("spec.rules[0].backends[0].wieght", "spec.rules[0].loadbalancer");
    assertThat(r.problems()).allSatisfy(p -> assertThat(p.reason()).isEqualTo("UnknownField"));
  }

  @Test
  void keysKubectlWouldReadAsBooleansAreReported() {
    ManifestReader.Result r = new ManifestReader().read("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: skipped}
        data: {on: "a kind this reader skips is not checked"}
        ---
        apiVersion: portcullis.dev/v1alpha1
        kind: ProxyRoute
        metadata: {name: retrying}
        spec:
          rules:
          - backends: [{service: web, port: 80}]
            retries: {attempts: 2, on: [reset]}
          - backends: [{service: web, port: 80}]
            retries:
              "on": [reset]   # quoted: fine
        """, "on.yaml");
    assertThat(r.problems()).singleElement().satisfies(p -> {
      assertThat(p.reason()).isEqualTo("AmbiguousKey");
      assertThat(p.document()).isEqualTo(2);
      assertThat(p.message()).contains("line 12").contains("quote it");
    });
  }

  @Test
  void proxyRouteValuesOfTheWrongJsonTypeAreRefusedAsTheApiServerRefusesThem() {
    ManifestReader.Result r = new ManifestReader().read("""
        apiVersion: portcullis.dev/v1alpha1
        kind: ProxyRoute
        metadata: {name: quoted}
        spec:
          rules:
          - backends: [{service: web, port: "80"}]
        ---
        apiVersion: portcullis.dev/v1alpha1
        kind: ProxyRoute
        metadata: {name: unquoted}
        spec:
          rules:
          - backends: [{service: web, port: 80}]
            retries: {"on": [reset, 503]}
        ---
        apiVersion: portcullis.dev/v1alpha1
        kind: ProxyRoute
        metadata: {name: trimmed}
        spec:
          rules:
          - backends: [{service: web, port: 80.0}]
            matches: [{method: " GET"}]
        ---
        apiVersion: portcullis.dev/v1alpha1
        kind: ProxyRoute
        metadata: {name: whole}
        spec:
          rules:
          - backends: [{service: web, port: 80.0}]
        """, "types.yaml");
    assertThat(r.problems()).extracting(ManifestProblem::field, ManifestProblem::message).containsExactly(
        tuple("spec.rules[0].backends[0].port", "must be an integer"),
        tuple("spec.rules[0].retries.on[1]", "must be a string, not the number 503: quote it; one of connect-failure, "
            + "refused-stream, reset, timeout, 5xx, 502, 503, 504"),
        tuple("spec.rules[0].matches[0].method", "\" GET\" is not one of GET, HEAD, POST, PUT, DELETE, CONNECT, "
            + "OPTIONS, TRACE, PATCH"));
    // 80.0 is a whole number, an integer to the API server too.
    assertThat(r.objects()).extracting(m -> m.object().getMetadata().getName()).containsExactly("whole");
  }

  @Test
  void readsListsAndJson() {
    String json = """
        {"apiVersion": "v1", "kind": "List", "items": [
          {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "a", "namespace": "x"},
           "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}}]}
        """;
    ManifestReader.Result r = reader.read(json, "list.json");
    assertThat(r.problems()).isEmpty();
    assertThat(r.objects()).singleElement().satisfies(m -> {
      assertThat(m.object()).isInstanceOf(Ingress.class);
      assertThat(m.origin()).isEqualTo("list.json#1.items[0]");
    });
  }

  @Test
  void syntaxErrorsNameTheFileAndLine() {
    String yaml = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
         bad: indentation
        """;
    ManifestReader.Result r = reader.read(yaml, "broken.yaml");
    assertThat(r.objects()).isEmpty();
    assertThat(r.problems()).singleElement().satisfies(p -> {
      assertThat(p.file()).isEqualTo("broken.yaml");
      assertThat(p.reason()).isEqualTo("InvalidYAML");
      assertThat(p.message()).contains("line 5");
    });
  }

  @Test
  void objectsBeforeASyntaxErrorAreKept() {
    String yaml = """
        apiVersion: v1
        kind: Service
        metadata: {name: ok}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: [unclosed
        """;
    ManifestReader.Result r = reader.read(yaml, "half.yaml");
    assertThat(r.objects()).hasSize(1);
    assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.document()).isEqualTo(2));
  }

  @Test
  void badObjectsAreReportedOneByOne() {
    String yaml = """
        apiVersion: networking.k8s.io/v1beta1
        kind: Ingress
        metadata: {name: old}
        ---
        apiVersion: v1
        kind: Service
        metadata: {namespace: x}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: typed}
        spec: {ports: [{port: not-a-number}]}
        ---
        - just
        - a list
        ---
        kind: Service
        metadata: {name: noversion}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: good}
        """;
    ManifestReader.Result r = reader.read(yaml, "mixed.yaml");
    assertThat(r.objects()).singleElement().satisfies(m -> assertThat(m.object().getMetadata().getName()).isEqualTo("good"));
    assertThat(r.problems()).extracting(ManifestProblem::document).containsExactly(1, 2, 3, 4, 5);
    assertThat(r.problems().get(0).message()).contains("networking.k8s.io/v1beta1").contains("use networking.k8s.io/v1");
    assertThat(r.problems().get(1).field()).isEqualTo("metadata.name");
    assertThat(r.problems().get(2).object()).isEqualTo("Service default/typed");
    assertThat(r.problems().get(2).field()).isEqualTo("spec.ports[0].port");
    assertThat(r.problems().get(4).field()).isEqualTo("apiVersion");
  }

  @Test
  void duplicateKeysAreRefused() {
    String yaml = """
        apiVersion: v1
        kind: Service
        metadata: {name: a, name: b}
        """;
    assertThat(reader.read(yaml, "dup.yaml").problems()).singleElement()
        .satisfies(p -> assertThat(p.message()).containsIgnoringCase("duplicate"));
  }

  @Test
  void aliasBombsAreRefused() {
    StringBuilder sb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    char prev = 'a';
    for (char c = 'b'; c <= 'z'; c++) {
      sb.append(c).append(": &").append(c).append(" [");
      for (int i = 0; i < 10; i++) {
        sb.append(i == 0 ? "" : ", ").append('*').append(prev);
      }
      sb.append("]\n");
      prev = c;
    }
    ManifestReader.Result r = reader.read(sb.toString(), "bomb.yaml");
    assertThat(r.objects()).isEmpty();
    assertThat(r.problems()).isNotEmpty();
  }

  /** The expression the hand-written check replaced (too slow for files of thousands of lines). */
  private static final java.util.regex.Pattern BOOLEAN_KEY = java.util.regex.Pattern.compile(
      "(?:^\\s*(?:-\\s+)?|[{,]\\s*)(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|true|True|TRUE|false|False|FALSE)"
          + "\\s*:(?:\\s|$)");

  @Test
  void theBooleanKeyCheckFindsWhatItsRegularExpressionFound() {
    String[] parts = {"on", "off", "yes", "No", "y", "TRUE", "false", "onx", "xon", "key", ":", ": ", " ", "  ", "\t",
        "-", "- ", "{", "}", ",", ", ", "[", "'on'", "\"no\"", "1", "a:b"};
    java.util.Random random = new java.util.Random(42);
    for (int n = 0; n < 200_000; n++) {
      StringBuilder line = new StringBuilder();
      int length = 1 + random.nextInt(7);
      for (int i = 0; i < length; i++) {
        line.append(parts[random.nextInt(parts.length)]);
      }
      java.util.regex.Matcher m = BOOLEAN_KEY.matcher(line);
      String expected = m.find() ? m.group(1) : null;
      assertThat(ManifestReader.booleanKey(line.toString())).as("[" + line + "]").isEqualTo(expected);
    }
  }

  /** What {@link ManifestReader#read} gives, put together from its documents read one by one; null if one cannot be. */
  private ManifestReader.Result byDocument(String content, String origin) {
    int[] bounds = ManifestReader.documentBounds(content);
    if (bounds == null) {
      return null;
    }
    java.util.List<ManifestReader.Manifest> objects = new java.util.ArrayList<>();
    java.util.List<ManifestProblem> problems = new java.util.ArrayList<>();
    java.util.List<String> skipped = new java.util.ArrayList<>();
    java.util.Set<Integer> ours = new java.util.HashSet<>();
    for (int i = 0; i < bounds.length / 2; i++) {
      ManifestReader.Result r = reader.readDocument(content.substring(bounds[2 * i], bounds[2 * i + 1]), origin, i + 1);
      if (r == null) {
        return null;
      }
      objects.addAll(r.objects());
      problems.addAll(r.problems());
      skipped.addAll(r.skipped());
      if (!r.objects().isEmpty()) {
        ours.add(i + 1);
      }
    }
    ManifestReader.ambiguousKeys(content, origin, ours, problems);
    return new ManifestReader.Result(objects, problems, skipped);
  }

  @Test
  void aFileReadDocumentByDocumentReadsAsItDoesWhole() {
    String svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: NAME\nspec:\n  ports:\n  - port: 80\n";
    String route = "apiVersion: portcullis.dev/v1alpha1\nkind: ProxyRoute\nmetadata: {name: r}\n"
        + "spec: {hosts: [a.example], rules: [{backends: [{service: a, port: 80}], retries: {on: [502]}}]}\n";
    String[] files = {
        svc.replace("NAME", "a"),
        svc.replace("NAME", "a") + "---\n" + svc.replace("NAME", "b"),
        "---\n" + svc.replace("NAME", "a") + "---   \n" + svc.replace("NAME", "b"),
        "# leading comment\n\n---\n" + svc.replace("NAME", "a") + "---\n# a comment in the document\n"
            + svc.replace("NAME", "b"),
        (svc.replace("NAME", "a") + "---\n" + svc.replace("NAME", "b")).replace("\n", "\r\n"),
        svc.replace("NAME", "a") + "---\n" + route + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n",
        svc.replace("NAME", "a") + "---\n" + svc.replace("NAME", "b").replace("port: 80", "port: eighty")
            + "---\n" + svc.replace("NAME", "c"),
        svc.replace("NAME", "a") + "---\nkind: Service\n---\nplain words\n---\n42\n---\n"
            + "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [" + "{\"apiVersion\": \"v1\", "
            + "\"kind\": \"Service\", \"metadata\": {\"name\": \"x\"}}]}\n",
        svc.replace("NAME", "a") + "  # trailing comment\n---\n" + svc.replace("NAME", "b") + "\n\n",
        svc.replace("NAME", "a") + "---\ndata: |\n  ---x\n  text\n",
        svc.replace("NAME", "a") + "---\n" + svc.replace("NAME", "b\n  labels: {on: x}"),
        "---\n" + svc.replace("NAME", "a") + "---\n" + svc.replace("NAME", "b") + "---\n",
        svc.replace("NAME", "a") + "---\n# nothing after\n\n",
    };
    for (String file : files) {
      ManifestReader.Result whole = reader.read(file, "f.yaml");
      ManifestReader.Result parts = byDocument(file, "f.yaml");
      assertThat(parts).as(file).isNotNull();
      assertThat(parts.problems()).as(file).isEqualTo(whole.problems());
      assertThat(parts.skipped()).as(file).isEqualTo(whole.skipped());
      assertThat(parts.objects()).as(file).isEqualTo(whole.objects());
    }
    assertThat(byDocument(files[10], "f.yaml").problems()).singleElement().satisfies(p -> {
      assertThat(p.reason()).isEqualTo("AmbiguousKey");
      assertThat(p.document()).isEqualTo(2);
    });
  }

  @Test
  void filesThatDoNotSplitPlainlyAreLeftToTheWholeRead() {
    String svc = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n";
    for (String file : new String[] {
        "", "   \n", "# only a comment\n", "---\n", "---\n# nothing\n---\n",
        svc + "---\n---\n" + svc, "--- !tag\n" + svc, "---" + svc, svc + "...\n", "%YAML 1.2\n---\n" + svc,
        "--- " + "{apiVersion: v1}\n"}) {
      assertThat(ManifestReader.documentBounds(file)).as("[" + file + "]").isNull();
    }
    // A document that does not parse alone: the whole read says where.
    int[] bounds = ManifestReader.documentBounds(svc + "---\n  broken: [yaml\n");
    assertThat(bounds).hasSize(4);
    assertThat(reader.readDocument((svc + "---\n  broken: [yaml\n").substring(bounds[2]), "f.yaml", 2)).isNull();
    // Nor one that is a sequence (a whole read takes a first one's items as documents).
    assertThat(reader.readDocument("- " + svc.replace("\n", "\n  "), "f.yaml", 1)).isNull();
  }
}
