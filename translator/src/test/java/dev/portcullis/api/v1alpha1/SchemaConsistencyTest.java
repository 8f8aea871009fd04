package dev.portcullis.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.Translator;
import dev.portcullis.translator.TranslatorOptions;
import dev.portcullis.translator.manifest.ManifestProblem;
import dev.portcullis.translator.manifest.ManifestReader;
import dev.portcullis.translator.proxyroute.ProxyRouteValidator;
import dev.portcullis.translator.status.Problem;
import dev.portcullis.translator.status.Severity;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Walks the generated CRD's openAPIV3Schema and, for every constraint it states (type, enum,
 * pattern, minLength, maxLength, minimum, maximum, exclusive bounds, minItems, maxItems,
 * required), builds ProxyRoutes that break exactly that constraint at that path, and others that
 * sit just inside it. The translator (ManifestReader, then ProxyRouteValidator) must report a
 * problem naming that field for every one the API server would refuse, and nothing at all for
 * the ones it would accept: local mode and {@code portcullis translate} have no API server, and
 * must refuse what it refuses. {@link CelConsistencyTest} does the same for the CEL rules.
 *
 * <p>Each case starts from a minimal valid route, creates the parents its path needs (with their
 * required fields filled in validly, and the few sibling fields the CRD's CEL rules ask for, see
 * {@link #CONTEXTS}), then sets or removes the one field. Violating values are made mechanically:
 * every candidate string that fails the pattern, a value outside the enum, min-1 and max+1, one
 * character too many or too few, one item too many or too few, the field left out, and every
 * JSON type but the right one (and null, inside a list). Valid values are each enum value, the
 * bounds themselves, and every candidate string that matches the pattern. Every valid case is
 * evaluated against the CRD's CEL rules too: one that a rule of the field itself refuses (a
 * duration of 0s where it must be longer) is a refusal after all; one that another rule refuses
 * is a mistake in the test. A valid case is then translated whole, since a check missing from
 * validation would reject the object only when its routes are built.
 *
 * <p>Where the mirror is not exact, by design:
 * <ul>
 *   <li>Wrong JSON types, and values outside an enum, are refused while the document is read
 *       (Jackson binds the ProxyRoute types), so the problem is the reader's rather than the
 *       validator's, and the whole object is left out, as the API server refuses it whole. It
 *       names the field all the same, which is what is checked.</li>
 *   <li>The translator checks more than a schema can (README, Validation): regular expressions
 *       compile, paths are clean, CIDRs parse, headers the proxy owns are left alone. Valid
 *       samples for those fields are taken from {@link #VALID_ALSO} and {@link #OVERRIDES}.</li>
 *   <li>A problem inside a rule leaves out that rule rather than the object: still reported, with
 *       its path, so it counts.</li>
 *   <li>{@code status} is not walked: it is a subresource, which the API server ignores on the
 *       main resource, and the translator never reads it.</li>
 *   <li>Patterns are evaluated with Go's semantics (RE2, as the API server does): found anywhere
 *       unless anchored, {@code $} only at the very end, {@code \s} without the vertical tab.</li>
 * </ul>
 */
class SchemaConsistencyTest {

  static final YAMLMapper YAML = new YAMLMapper();
  static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  static final ManifestReader READER = new ManifestReader();

  static final String MINIMAL = """
      apiVersion: portcullis.dev/v1alpha1
      kind: ProxyRoute
      metadata: {name: parity, namespace: shop}
      spec:
        rules:
        - backends: [{service: web, port: 80}]
      """;

  /**
   * Strings tried against every pattern: those that match are valid samples, those that do not
   * are violations. A mix of names, hosts, paths, durations and URLs, and of the ways to get each
   * of them wrong.
   */
  static final List<String> CANDIDATES = List.of(
      "a", "web", "x-a", "X-Custom", "a1", "a.example.com", "a-b.c-d", "*.example.com", "/", "/a", "/a/b",
      "5s", "1h30m", "250ms", "0s", "99999h", "https://a.example.com/keys", "http://auth.example:8080/check?x=1",
      "Printable ASCII ~!", "*",
      "", " ", "-", "-a", "a-", "A", "Web", "a_b", "a b", " a", "a ", "a..b", ".a", "a.", "*.", "a.*.b",
      "**.example.com", "*a.example.com", "1a", "ä", "a/b", "a:b", "a,b", "a@b", "(a)", "{a}", "\"a\"", "a;b",
      "a\tb", "a\nb", "a\n", "/a\nb", "a\u007fb", "5", "5d", "5 s", "-5s", "5S", "123456s", "1s1s1s1s1s",
      "ftp://a.example.com", "https://", "https://u@a.example.com", "https://a b.example.com",
      "http://a.example.com/#f", "https:/a.example.com", "//a.example.com", "a.example.com/keys");

  /**
   * Valid samples must also match these, because a CEL rule or a check only the translator makes
   * asks more of the field than its OpenAPI schema does.
   */
  static final Map<String, String> VALID_ALSO = Map.of(
      // CEL: Exact and PathPrefix paths start with '/'; translator: a clean path (no //, /./, ...).
      "spec.rules[].matches[].path.value", "^/([a-z0-9-]+(/[a-z0-9-]+)*/?)?$",
      // CEL: the replacement path starts with '/'.
      "spec.rules[].filters[].path.value", "^/[a-z0-9/-]*$");

  /** Valid values for fields whose validity the schema cannot describe at all: CIDRs, status codes. */
  static final Map<String, IntFunction<JsonNode>> OVERRIDES = Map.of(
      "spec.rules[].access.allow[]", i -> JSON.textNode("10." + (i / 256) + "." + (i % 256) + ".0/24"),
      "spec.rules[].access.deny[]", i -> JSON.textNode("192.168." + (i % 256) + ".0/24"),
      // CEL: 301, 302, 303, 307 or 308.
      "spec.rules[].filters[].statusCode", i -> JSON.numberNode(301),
      // CEL: a rule needs backends (or a RequestRedirect filter).
      "spec.rules[]", i -> yaml("{backends: [{service: web, port: 80}]}"),
      // CEL: each filter type once per rule, and its own fields.
      "spec.rules[].filters[]", i -> yaml(List.of("{type: RequestHeaderModifier, remove: [x-a]}",
          "{type: ResponseHeaderModifier, remove: [x-a]}", "{type: URLRewrite, hostname: a.example.com}",
          "{type: CORS, allowOrigins: ['https://a.example.com']}").get(i % 4)));

  /**
   * Sibling fields the CRD's CEL rules ask for once a field is set: merged into the named
   * ancestor (null removes a field) before the field under test is set. A context applies to
   * every field at or below {@code field}, or only to the given value of it.
   */
  record Context(String field, String value, String ancestor, String yaml) {}

  static final List<Context> CONTEXTS = List.of(
      new Context("spec.rules[].backendTLS", null, "spec.rules[]", "{backendProtocol: https}"),
      // Weight 0 on the only backend: "backend weights must not all be zero".
      new Context("spec.rules[].backends[].weight", null, "spec.rules[]",
          "{backends: [{service: web, port: 80}, {service: web, port: 81}]}"),
      new Context("spec.rules[].loadBalancer.header", null, "spec.rules[].loadBalancer", "{policy: ConsistentHash}"),
      new Context("spec.rules[].loadBalancer.cookie", null, "spec.rules[].loadBalancer", "{policy: ConsistentHash}"),
      new Context("spec.rules[].loadBalancer.sourceIP", null, "spec.rules[].loadBalancer",
          "{policy: ConsistentHash, header: x-a}"),
      new Context("spec.rules[].loadBalancer.policy", "ConsistentHash", "spec.rules[].loadBalancer", "{header: x-a}"),
      new Context("spec.rules[].rateLimit.header", null, "spec.rules[].rateLimit", "{key: Header}"),
      new Context("spec.rules[].rateLimit.key", "Header", "spec.rules[].rateLimit", "{header: x-a}"),
      new Context("spec.rules[].auth.jwt", null, "spec.rules[].auth.jwt", "{jwksSecretName: keys}"),
      new Context("spec.rules[].auth.jwt.jwksUri", null, "spec.rules[].auth.jwt", "{jwksSecretName: null}"),
      new Context("spec.rules[].filters[].set", null, "spec.rules[].filters[]", "{type: RequestHeaderModifier}"),
      new Context("spec.rules[].filters[].add", null, "spec.rules[].filters[]", "{type: RequestHeaderModifier}"),
      new Context("spec.rules[].filters[].remove", null, "spec.rules[].filters[]", "{type: RequestHeaderModifier}"),
      new Context("spec.rules[].filters[].hostname", null, "spec.rules[].filters[]", "{type: URLRewrite}"),
      new Context("spec.rules[].filters[].path", null, "spec.rules[].filters[]", "{type: URLRewrite}"),
      new Context("spec.rules[].filters[].scheme", null, "spec.rules[].filters[]", "{type: RequestRedirect}"),
      new Context("spec.rules[].filters[].port", null, "spec.rules[].filters[]", "{type: RequestRedirect}"),
      new Context("spec.rules[].filters[].statusCode", null, "spec.rules[].filters[]",
          "{type: RequestRedirect, scheme: https}"),
      new Context("spec.rules[].filters[].allowOrigins", null, "spec.rules[].filters[]", "{type: CORS}"),
      new Context("spec.rules[].filters[].allowMethods", null, "spec.rules[].filters[]",
          "{type: CORS, allowOrigins: ['https://a.example.com']}"),
      new Context("spec.rules[].filters[].allowHeaders", null, "spec.rules[].filters[]",
          "{type: CORS, allowOrigins: ['https://a.example.com']}"),
      new Context("spec.rules[].filters[].exposeHeaders", null, "spec.rules[].filters[]",
          "{type: CORS, allowOrigins: ['https://a.example.com']}"),
      new Context("spec.rules[].filters[].allowCredentials", null, "spec.rules[].filters[]",
          "{type: CORS, allowOrigins: ['https://a.example.com']}"),
      new Context("spec.rules[].filters[].maxAge", null, "spec.rules[].filters[]",
          "{type: CORS, allowOrigins: ['https://a.example.com']}"),
      new Context("spec.rules[].filters[].type", "RequestHeaderModifier", "spec.rules[].filters[]", "{remove: [x-a]}"),
      new Context("spec.rules[].filters[].type", "ResponseHeaderModifier", "spec.rules[].filters[]", "{remove: [x-a]}"),
      new Context("spec.rules[].filters[].type", "URLRewrite", "spec.rules[].filters[]", "{hostname: a.example.com}"),
      new Context("spec.rules[].filters[].type", "RequestRedirect", "spec.rules[].filters[]", "{scheme: https}"),
      new Context("spec.rules[].filters[].type", "CORS", "spec.rules[].filters[]",
          "{allowOrigins: ['https://a.example.com']}"));

  /**
   * Boundaries that the schema's own CEL rules make unreachable, so no valid sample exists:
   * checked only from the outside.
   */
  static final Map<String, String> UNREACHABLE = Map.of(
      "spec.rules[].filters maxItems", "each of the five filter types may appear once per rule");

  /** One route to check: what it breaks (or keeps), where, and the document. */
  record Case(String constraint, String path, String what, JsonNode doc, boolean valid) {
    String name() {
      return (valid ? "accepts " : "refuses ") + path + " " + constraint + ": " + what;
    }
  }

  static JsonNode schema() throws IOException {
    return YAML.readTree(CrdTest.GENERATED.toFile()).at("/spec/versions/0/schema/openAPIV3Schema");
  }

  @TestFactory
  Stream<DynamicTest> translatorRefusesExactlyWhatTheSchemaRefuses() throws IOException {
    JsonNode root = schema();
    Walker walker = new Walker(root);
    walker.walk(root, "");
    Map<String, Integer> constraints = walker.constraints;
    int total = constraints.values().stream().mapToInt(Integer::intValue).sum();
    long refusals = walker.cases.stream().filter(c -> !c.valid).count();
    System.out.printf("SchemaConsistencyTest: %d constraints at %d fields %s; %d cases (%d refused, %d accepted)%n",
        total, walker.fields.size(), constraints, walker.cases.size(), refusals, walker.cases.size() - refusals);
    assertThat(total).as("constraints found in the CRD").isGreaterThan(200);
    return walker.cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(root, c)));
  }

  /** A problem the translator reported: where, and what it says. */
  record Reported(String field, String text) {
    @Override
    public String toString() {
      return field + ": " + text;
    }
  }

  static void check(JsonNode schema, Case c) throws Exception {
    String yamlText = YAML.writeValueAsString(c.doc);
    ManifestReader.Result read = READER.read(yamlText, "case.yaml");
    // Every problem the reader has leaves the object out; the validator's are all errors, each
    // leaving out the object or the rule.
    List<Reported> problems = new ArrayList<>();
    for (ManifestProblem p : read.problems()) {
      problems.add(new Reported(p.field(), p.reason() + ": " + p.message()));
    }
    if (!read.objects().isEmpty()) {
      ProxyRouteValidator.Result result = new ProxyRouteValidator().validate((ProxyRoute) read.objects().get(0).object());
      Stream.concat(result.objectProblems().stream(), result.ruleProblems().values().stream().flatMap(List::stream))
          .filter(p -> p.severity() == Severity.ERROR)
          .forEach(p -> problems.add(new Reported(p.field(), p.reason() + ": " + p.message())));
    }
    String concrete = concrete(c.path);
    if (c.valid) {
      List<String> cel = new ArrayList<>();
      CelConsistencyTest.evaluate(schema, c.doc, cel);
      assertThat(cel).as("the sample breaks the CRD's CEL rules (fix the test's contexts):%n%s", yamlText).isEmpty();
      assertThat(problems).as("the API server accepts this route, so must the translator:%n%s", yamlText).isEmpty();
      // And so must what comes after validation: a check missing there rejects the object whole
      // when its routes are built ("the object cannot be translated").
      ClusterSnapshot.Builder snapshot = ClusterSnapshot.builder();
      snapshot.add(read.objects().get(0).object());
      List<String> invalid = new Translator(TranslatorOptions.DEFAULT).translate(snapshot.build()).status().objects()
          .stream().flatMap(o -> o.problems().stream()).filter(p -> p.reason().equals("Invalid"))
          .map(SchemaConsistencyTest::describe).toList();
      assertThat(invalid).as("the API server accepts this route, so must the translation:%n%s", yamlText).isEmpty();
    } else {
      if (problems.stream().noneMatch(p -> names(p.field(), concrete))) {
        fail("the API server refuses this route (%s %s at %s); the translator reported %s%n%s", c.constraint, c.what,
            concrete, problems.isEmpty() ? "nothing" : problems, yamlText);
      }
    }
  }

  private static String describe(Problem p) {
    return p.field() + ": " + p.reason() + ": " + p.message();
  }

  /** A problem names the field when its path is the field's, or one inside it. */
  static boolean names(String path, String field) {
    return path != null && (path.equals(field) || path.startsWith(field + ".") || path.startsWith(field + "["));
  }

  static String concrete(String schemaPath) {
    return schemaPath.replace("[]", "[0]");
  }

  /** Walks the schema, counting constraints and making cases. */
  static final class Walker {
    final JsonNode root;
    final Map<String, Integer> constraints = new TreeMap<>();
    final Set<String> fields = new LinkedHashSet<>();
    final List<Case> cases = new ArrayList<>();

    Walker(JsonNode root) {
      this.root = root;
    }

    void walk(JsonNode schema, String path) {
      if (!path.isEmpty()) {
        fields.add(path);
      }
      String type = schema.path("type").asText();
      if (!type.isEmpty() && !path.isEmpty()) {
        count("type");
        for (JsonNode wrong : wrongTypes(type, path.endsWith("[]"))) {
          refuse("type " + type, path, wrong.toString(), wrong);
        }
        if (!schema.has("enum") && !schema.has("pattern") && !type.equals("object") && !type.equals("array")) {
          accept("type " + type, path, valid(schema, path, 0));
        }
      }
      if (schema.has("enum")) {
        count("enum");
        List<String> values = new ArrayList<>();
        schema.get("enum").forEach(v -> values.add(v.asText()));
        for (String v : values) {
          accept("enum", path, JSON.textNode(v));
        }
        Set<String> outside = new LinkedHashSet<>(List.of(values.get(0).toLowerCase(), values.get(0).toUpperCase(),
            "Bogus", " " + values.get(0), ""));
        outside.removeAll(values);
        outside.forEach(v -> refuse("enum", path, "\"" + v + "\"", JSON.textNode(v)));
      }
      if (schema.has("pattern")) {
        count("pattern");
        Pattern go = goPattern(schema.get("pattern").asText());
        assertThat(schema.get("pattern").asText()).as("pattern of %s is anchored, as the validator's matches() assumes",
            path).startsWith("^").endsWith("$");
        int accepted = 0;
        int refused = 0;
        for (String s : CANDIDATES) {
          if (!withinLength(schema, s)) {
            continue;
          }
          if (!go.matcher(s).find()) {
            refuse("pattern", path, quote(s), JSON.textNode(s));
            refused++;
          } else if (validAlso(path, s)) {
            accept("pattern", path, JSON.textNode(s));
            accepted++;
          }
        }
        assertThat(refused).as("a candidate string that fails the pattern of %s", path).isPositive();
        assertThat(accepted).as("a candidate string that matches the pattern of %s", path).isPositive();
      }
      if (schema.has("minLength")) {
        count("minLength");
        int min = schema.get("minLength").asInt();
        if (min > 0) {
          refuse("minLength " + min, path, "length " + (min - 1), JSON.textNode(stringOfLength(schema, path, min - 1)));
        }
        accept("minLength " + min, path, JSON.textNode(stringOfLength(schema, path, Math.max(min, 1))));
      }
      if (schema.has("maxLength")) {
        count("maxLength");
        int max = schema.get("maxLength").asInt();
        refuse("maxLength " + max, path, "length " + (max + 1), JSON.textNode(stringOfLength(schema, path, max + 1)));
        accept("maxLength " + max, path, JSON.textNode(stringOfLength(schema, path, max)));
      }
      if (schema.has("minimum")) {
        count("minimum");
        long min = (long) schema.get("minimum").asDouble();
        boolean exclusive = schema.path("exclusiveMinimum").asBoolean(false);
        if (exclusive) {
          count("exclusiveMinimum");
        }
        refuse("minimum " + min, path, String.valueOf(exclusive ? min : min - 1), JSON.numberNode(exclusive ? min : min - 1));
        accept("minimum " + min, path, JSON.numberNode(exclusive ? min + 1 : min));
      }
      if (schema.has("maximum")) {
        count("maximum");
        long max = (long) schema.get("maximum").asDouble();
        boolean exclusive = schema.path("exclusiveMaximum").asBoolean(false);
        if (exclusive) {
          count("exclusiveMaximum");
        }
        refuse("maximum " + max, path, String.valueOf(exclusive ? max : max + 1), JSON.numberNode(exclusive ? max : max + 1));
        accept("maximum " + max, path, JSON.numberNode(exclusive ? max - 1 : max));
      }
      if (schema.has("minItems")) {
        count("minItems");
        int min = schema.get("minItems").asInt();
        if (min > 0) {
          refuse("minItems " + min, path, (min - 1) + " items", items(schema, path, min - 1));
        }
        accept("minItems " + min, path, items(schema, path, Math.max(min, 1)));
      }
      if (schema.has("maxItems")) {
        count("maxItems");
        int max = schema.get("maxItems").asInt();
        refuse("maxItems " + max, path, (max + 1) + " items", items(schema, path, max + 1));
        if (!UNREACHABLE.containsKey(path + " maxItems")) {
          accept("maxItems " + max, path, items(schema, path, max));
        }
      }
      for (JsonNode r : schema.path("required")) {
        count("required");
        String field = join(path, r.asText());
        cases.add(new Case("required", field, "left out", build(field, null, true), false));
      }
      schema.path("properties").fields().forEachRemaining(e -> {
        if (!(path.isEmpty() && e.getKey().equals("status"))) {
          walk(e.getValue(), join(path, e.getKey()));
        }
      });
      if (schema.has("items")) {
        walk(schema.get("items"), path + "[]");
      }
    }

    private void count(String constraint) {
      constraints.merge(constraint, 1, Integer::sum);
    }

    private void refuse(String constraint, String path, String what, JsonNode value) {
      cases.add(new Case(constraint, path, what, build(path, value, false), false));
    }

    /**
     * A value inside the OpenAPI constraint. When one of the field's own CEL rules refuses it (a
     * duration of zero, say), the API server refuses it after all, and so must the translator.
     */
    private void accept(String constraint, String path, JsonNode value) {
      JsonNode doc = build(path, value, false);
      List<String> cel = new ArrayList<>();
      try {
        CelConsistencyTest.evaluate(root, doc, cel);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      Set<String> own = new LinkedHashSet<>();
      schemaAt(path).path("x-kubernetes-validations").forEach(v -> own.add(v.get("message").asText()));
      if (!cel.isEmpty() && own.containsAll(cel)) {
        cases.add(new Case(constraint + " and CEL", path, value + " (" + String.join("; ", cel) + ")", doc, false));
      } else {
        cases.add(new Case(constraint, path, value.toString(), doc, true));
      }
    }

    JsonNode schemaAt(String path) {
      JsonNode schema = root;
      for (String segment : segments(path)) {
        schema = segment.equals("[]") ? schema.get("items") : schema.get("properties").get(segment);
      }
      return schema;
    }

    /** Every JSON type but the right one; inside a list, null too (only object fields may be null). */
    private static List<JsonNode> wrongTypes(String type, boolean item) {
      List<JsonNode> all = new ArrayList<>(List.of(JSON.textNode("a"), JSON.textNode("5"), JSON.textNode("true"),
          JSON.numberNode(5), JSON.numberNode(1.5), JSON.booleanNode(true), JSON.objectNode().put("a", "b"),
          JSON.arrayNode().add("a")));
      if (item) {
        all.add(JSON.nullNode());
      }
      return all.stream().filter(v -> !ofType(v, type)).toList();
    }

    private static boolean ofType(JsonNode v, String type) {
      return switch (type) {
        case "string" -> v.isTextual();
        case "integer" -> v.isIntegralNumber();
        case "number" -> v.isNumber();
        case "boolean" -> v.isBoolean();
        case "array" -> v.isArray();
        case "object" -> v.isObject();
        default -> throw new AssertionError("type " + type);
      };
    }

    private JsonNode items(JsonNode schema, String path, int n) {
      ArrayNode list = JSON.arrayNode();
      for (int i = 0; i < n; i++) {
        list.add(valid(schema.get("items"), path + "[]", i));
      }
      return list;
    }

    /** The route with the field at {@code path} set to {@code value}, or left out. */
    JsonNode build(String path, JsonNode value, boolean remove) {
      ObjectNode doc = (ObjectNode) yaml(MINIMAL);
      String parentPath = parent(path);
      ensure(doc, parentPath);
      String valueText = value != null && value.isTextual() ? value.asText() : null;
      CONTEXTS.stream()
          .filter(c -> (path + ".").startsWith(c.field + ".") || (path + "[").startsWith(c.field + "["))
          .filter(c -> c.value == null || (c.field.equals(path) && c.value.equals(valueText)))
          .sorted(Comparator.comparingInt(c -> c.field.length()))
          .forEach(c -> merge((ObjectNode) ensure(doc, c.ancestor), (ObjectNode) yaml(c.yaml)));
      JsonNode parent = ensure(doc, parentPath);
      String last = path.substring(parentPath.length());
      if (last.equals("[]")) {
        ArrayNode list = (ArrayNode) parent;
        if (!list.isEmpty()) {
          list.remove(0);
        }
        if (!remove) {
          list.insert(0, value);
        }
      } else {
        String name = last.startsWith(".") ? last.substring(1) : last;
        if (remove) {
          ((ObjectNode) parent).remove(name);
        } else {
          ((ObjectNode) parent).set(name, value);
        }
      }
      return doc;
    }

    /** The node at a path, made (valid, with its required fields) where missing. */
    JsonNode ensure(ObjectNode doc, String path) {
      JsonNode node = doc;
      JsonNode schema = root;
      String at = "";
      for (String segment : segments(path)) {
        if (segment.equals("[]")) {
          schema = schema.get("items");
          at += "[]";
          ArrayNode list = (ArrayNode) node;
          if (list.isEmpty()) {
            list.add(skeleton(schema, at));
          }
          node = list.get(0);
        } else {
          schema = schema.get("properties").get(segment);
          at += (at.isEmpty() ? "" : ".") + segment;
          JsonNode child = node.get(segment);
          if (child == null || child.isNull()) {
            child = skeleton(schema, at);
            ((ObjectNode) node).set(segment, child);
          }
          node = child;
        }
      }
      return node;
    }

    /** A parent on the path: an object with its required fields, or an empty list. */
    JsonNode skeleton(JsonNode schema, String path) {
      return switch (schema.path("type").asText()) {
        case "object" -> required(schema, path, 0);
        case "array" -> JSON.arrayNode();
        default -> valid(schema, path, 0);
      };
    }

    private JsonNode required(JsonNode schema, String path, int variant) {
      ObjectNode o = JSON.objectNode();
      for (JsonNode r : schema.path("required")) {
        String name = r.asText();
        o.set(name, valid(schema.get("properties").get(name), path + "." + name, variant));
      }
      return o;
    }

    /** The {@code variant}th valid value for a field, distinct from the others where it can be. */
    JsonNode valid(JsonNode schema, String path, int variant) {
      if (OVERRIDES.containsKey(path)) {
        return OVERRIDES.get(path).apply(variant);
      }
      if (schema.has("enum")) {
        return schema.get("enum").get(variant % schema.get("enum").size());
      }
      return switch (schema.path("type").asText()) {
        case "object" -> required(schema, path, variant);
        case "array" -> {
          ArrayNode list = JSON.arrayNode();
          for (int i = 0; i < Math.max(1, schema.path("minItems").asInt(0)); i++) {
            list.add(valid(schema.get("items"), path + "[]", variant + i));
          }
          yield list;
        }
        case "string" -> JSON.textNode(validString(schema, path, variant));
        case "integer" -> JSON.numberNode(schema.has("minimum") ? (long) schema.get("minimum").asDouble()
            : schema.has("maximum") ? (long) schema.get("maximum").asDouble() : 1L);
        case "boolean" -> JSON.booleanNode(false);
        default -> throw new AssertionError(path + ": type " + schema.path("type").asText());
      };
    }

    private String validString(JsonNode schema, String path, int variant) {
      List<String> samples = new ArrayList<>();
      for (String s : CANDIDATES) {
        if (matches(schema, path, s) && withinLength(schema, s)) {
          samples.add(s);
        }
      }
      if (samples.isEmpty()) {
        throw new AssertionError("no candidate string is valid for " + path + "; add one");
      }
      String base = samples.get(0);
      if (variant == 0) {
        return base;
      }
      for (String s : List.of(base + suffix(variant), suffix(variant) + base, base + "/" + suffix(variant))) {
        if (matches(schema, path, s) && withinLength(schema, s)) {
          return s;
        }
      }
      return samples.get(variant % samples.size());
    }

    /** A string of exactly {@code n} characters that is otherwise valid (pattern and all). */
    String stringOfLength(JsonNode schema, String path, int n) {
      if (n == 0) {
        return "";
      }
      for (String base : CANDIDATES) {
        if (base.isEmpty() || !matches(schema, path, base)) {
          continue;
        }
        for (String unit : List.of("a", "0", "a.", "/a", "-a", "a/")) {
          StringBuilder sb = new StringBuilder(base);
          while (sb.length() < n) {
            sb.append(unit);
          }
          String s = sb.substring(0, Math.min(n, sb.length()));
          for (String t : List.of(s, s.substring(0, s.length() - 1) + "a", s.substring(0, s.length() - 1) + "0")) {
            if (t.length() == n && matches(schema, path, t)) {
              return t;
            }
          }
        }
      }
      throw new AssertionError("no valid string of length " + n + " for " + path);
    }

    private static boolean matches(JsonNode schema, String path, String s) {
      return (!schema.has("pattern") || goPattern(schema.get("pattern").asText()).matcher(s).find()) && validAlso(path, s);
    }
  }

  private static boolean validAlso(String path, String s) {
    return !VALID_ALSO.containsKey(path) || Pattern.compile(VALID_ALSO.get(path)).matcher(s).matches();
  }

  private static boolean withinLength(JsonNode schema, String s) {
    int n = s.codePointCount(0, s.length());
    return n >= schema.path("minLength").asInt(0) && n <= schema.path("maxLength").asInt(Integer.MAX_VALUE);
  }

  private static String suffix(int i) {
    StringBuilder sb = new StringBuilder();
    do {
      sb.append((char) ('a' + i % 26));
      i /= 26;
    } while (i > 0);
    return sb.toString();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\n", "\\n").replace("\t", "\\t").replace("\u007f", "\\x7f") + "\"";
  }

  /**
   * The pattern as the API server evaluates it (Go's RE2, searched, not matched whole): {@code $}
   * only at the end of the text, and {@code \s} without Java's vertical tab.
   */
  static Pattern goPattern(String pattern) {
    StringBuilder p = new StringBuilder();
    boolean inClass = false;
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '\\' && i + 1 < pattern.length()) {
        char next = pattern.charAt(++i);
        if (next == 's') {
          p.append(inClass ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]");
        } else {
          p.append(c).append(next);
        }
      } else if (c == '[' && !inClass) {
        inClass = true;
        p.append(c);
      } else if (c == ']' && inClass) {
        inClass = false;
        p.append(c);
      } else if (c == '$' && !inClass) {
        p.append("\\z");
      } else {
        p.append(c);
      }
    }
    return Pattern.compile(p.toString());
  }

  static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\\[\\]|[^.\\[\\]]+").matcher(path);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  static String parent(String path) {
    if (path.endsWith("[]")) {
      return path.substring(0, path.length() - 2);
    }
    return path.substring(0, Math.max(0, path.lastIndexOf('.')));
  }

  static void merge(ObjectNode into, ObjectNode from) {
    Iterator<Map.Entry<String, JsonNode>> it = from.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        into.remove(e.getKey());
      } else {
        into.set(e.getKey(), e.getValue().deepCopy());
      }
    }
  }

  static JsonNode yaml(String text) {
    try {
      return YAML.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}
