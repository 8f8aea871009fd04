package dev.portcullis.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.portcullis.translator.manifest.ManifestReader;
import dev.portcullis.translator.proxyroute.ProxyRouteValidator;
import dev.portcullis.translator.status.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Evaluates the CEL rules of the generated CRD (as the API server would) on sample ProxyRoutes,
 * and checks that the translator's validator reports exactly the same rule violations: the
 * promise that local mode refuses what the API server refuses.
 */
class CelConsistencyTest {

  static final YAMLMapper YAML = new YAMLMapper();
  static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS).addVar("self", SimpleType.DYN).build();
  static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  /** Extra samples, one per CEL rule the golden cases do not already break. */
  static final List<String> SAMPLES = List.of("""
      rules:
      - backends: [{service: web, port: 80}]
        loadBalancer: {policy: ConsistentHash}
      - backends: [{service: web, port: 80}]
        loadBalancer: {policy: RoundRobin, header: x-user}
      - backends: [{service: web, port: 80}]
        loadBalancer: {policy: ConsistentHash, header: x-user, sourceIP: true}
      - backends: [{service: web, port: 80}]
        rateLimit: {requestsPerSecond: 5, key: Header}
      - backends: [{service: web, port: 80}]
        rateLimit: {requestsPerSecond: 5, header: x-user}
      - backends: [{service: web, port: 80}]
        timeouts: {connect: 0s}
      - backends: [{service: web, port: 80}]
        timeouts: {connect: 250ms}
      """, """
      rules:
      - matches: [{path: {type: Exact, value: relative}}]
        backends: [{service: web, port: 80}]
      - backends: [{service: web, port: 80}]
        filters: [{type: URLRewrite, path: {type: ReplaceFullPath, value: nope}}]
      - backends: [{service: web, port: 80}]
        filters: [{type: URLRewrite}]
      - filters: [{type: RequestRedirect, statusCode: 301}]
      - backends: [{service: web, port: 80}]
        filters: [{type: ResponseHeaderModifier, hostname: x.example.com, add: [{name: a, value: b}]}]
      - backends: [{service: web, port: 80}]
        filters: [{type: CORS}]
      """, """
      rules:
      - backends: [{service: web, port: 80}]
        auth: {jwt: {issuer: i, audiences: [a], jwksUri: "https://idp/keys", jwksSecretName: keys}}
      - backends: [{service: web, port: 80}]
        auth: {jwt: {issuer: i, audiences: [a], jwksUri: "https://idp/keys"}, external: {url: "http://auth/check"}}
      - backends: [{service: web, port: 80}]
        auth: {basic: {secretName: users}}
      """, """
      rules:
      - backends: [{service: web, port: 80}]
        auth: {jwt: {issuer: i, audiences: [a], jwksSecretName: keys, clockSkew: 1h1s}}
      - backends: [{service: web, port: 80}]
        auth: {external: {url: "http://auth/check", timeout: 1m1ms}}
      - backends: [{service: web, port: 80}]
        healthCheck: {path: /healthz, interval: 0s, timeout: 0ms0s}
        outlierDetection: {interval: 0m, baseEjectionTime: 0h}
      """);

  static Stream<Map.Entry<String, JsonNode>> samples() throws IOException {
    List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(Path.of("src/test/resources/golden"))) {
      for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith("proxyroute")).sorted().toList()) {
        try (Stream<Path> files = Files.list(dir)) {
          for (Path f : files.filter(p -> p.getFileName().toString().startsWith("in-")).toList()) {
            Iterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(f.toFile());
            while (docs.hasNext()) {
              JsonNode doc = docs.next();
              if ("ProxyRoute".equals(doc.path("kind").asText())) {
                out.add(Map.entry(dir.getFileName() + "/" + doc.at("/metadata/name").asText(), doc));
              }
            }
          }
        }
      }
    }
    for (int i = 0; i < SAMPLES.size(); i++) {
      JsonNode spec = YAML.readTree(SAMPLES.get(i));
      JsonNode doc = YAML.readTree("apiVersion: portcullis.dev/v1alpha1\nkind: ProxyRoute\nmetadata: {name: sample-" + i
          + ", namespace: shop}\n");
      ((com.fasterxml.jackson.databind.node.ObjectNode) doc).set("spec", spec);
      out.add(Map.entry("sample-" + i, doc));
    }
    return out.stream();
  }

  @TestFactory
  Stream<DynamicTest> translatorEnforcesTheCrdsCelRules() throws IOException {
    JsonNode schema = YAML.readTree(CrdTest.GENERATED.toFile()).at("/spec/versions/0/schema/openAPIV3Schema");
    TreeSet<String> celMessages = new TreeSet<>();
    collectMessages(schema, celMessages);
    assertThat(celMessages).as("the CRD has CEL rules").hasSizeGreaterThan(10);
    return samples().map(sample -> DynamicTest.dynamicTest(sample.getKey(), () -> {
      List<String> byCel = new ArrayList<>();
      evaluate(schema, sample.getValue(), byCel);
      ProxyRoute route = (ProxyRoute) new ManifestReader().read(YAML.writeValueAsString(sample.getValue()), "sample")
          .objects().get(0).object();
      ProxyRouteValidator.Result result = new ProxyRouteValidator().validate(route);
      List<String> byTranslator = new ArrayList<>();
      result.objectProblems().stream().map(Problem::message).filter(celMessages::contains).forEach(byTranslator::add);
      result.ruleProblems().values().forEach(list -> list.stream().map(Problem::message).filter(celMessages::contains)
          .forEach(byTranslator::add));
      assertThat(byTranslator).as("CEL rule violations found by the translator").containsExactlyInAnyOrderElementsOf(byCel);
    }));
  }

  private static void collectMessages(JsonNode schema, TreeSet<String> into) {
    schema.path("x-kubernetes-validations").forEach(v -> into.add(v.get("message").asText()));
    schema.path("properties").forEach(p -> collectMessages(p, into));
    if (schema.has("items")) {
      collectMessages(schema.get("items"), into);
    }
  }

  /** Walks value and schema together, evaluating every rule where the value is present. */
  static void evaluate(JsonNode schema, JsonNode value, List<String> failures) throws Exception {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      Object ok;
      try {
        ok = program(rule.get("rule").asText()).eval(Map.of("self", plain(value)));
      } catch (dev.cel.runtime.CelEvaluationException e) {
        // duration() of a string that is no duration: the API server reports the error, not the
        // rule's message, and the field's pattern has refused the value already.
        continue;
      }
      if (!Boolean.TRUE.equals(ok)) {
        failures.add(rule.get("message").asText());
      }
    }
    if (value.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = schema.path("properties").fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        evaluate(f.getValue(), value.get(f.getKey()), failures);
      }
    } else if (value.isArray() && schema.has("items")) {
      for (JsonNode item : value) {
        evaluate(schema.get("items"), item, failures);
      }
    }
  }

  private static final Map<String, CelRuntime.Program> PROGRAMS = new java.util.concurrent.ConcurrentHashMap<>();

  private static CelRuntime.Program program(String rule) throws Exception {
    CelRuntime.Program program = PROGRAMS.get(rule);
    if (program == null) {
      program = RUNTIME.createProgram(COMPILER.compile(rule).getAst());
      PROGRAMS.put(rule, program);
    }
    return program;
  }

  /** JSON as the plain values CEL takes: maps, lists, strings, longs, doubles, booleans. */
  private static Object plain(JsonNode n) {
    if (n.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      n.fields().forEachRemaining(e -> {
        if (!e.getValue().isNull()) {
          m.put(e.getKey(), plain(e.getValue()));
        }
      });
      return m;
    }
    if (n.isArray()) {
      List<Object> l = new ArrayList<>();
      n.forEach(x -> l.add(plain(x)));
      return l;
    }
    if (n.isIntegralNumber()) {
      return n.asLong();
    }
    if (n.isNumber()) {
      return n.asDouble();
    }
    if (n.isBoolean()) {
      return n.asBoolean();
    }
    return n.asText();
  }
}
