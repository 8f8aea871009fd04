package dev.portcullis.translator.manifest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.model.RouteTableJson;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads Kubernetes manifests (YAML or JSON, several documents per file, {@code kind: List}
 * included) into model objects. Pure: it is given text and returns objects plus problems, one per
 * document that could not be read, each naming the file, the document and the reason.
 */
public final class ManifestReader {

  /** What a read produced: the objects, the documents skipped as kinds we do not read, and the problems. */
  public record Result(List<Manifest> objects, List<ManifestProblem> problems, List<String> skipped) {}

  /** One object and where it came from, e.g. {@code routes.yaml#2}. */
  public record Manifest(HasMetadata object, String origin) {}

  private record Kind(String apiVersion, String kind, Class<? extends HasMetadata> type, boolean namespaced) {}

  private static final List<Kind> KINDS = List.of(
      new Kind("networking.k8s.io/v1", "Ingress", Ingress.class, true),
      new Kind("networking.k8s.io/v1", "IngressClass", IngressClass.class, false),
      new Kind("v1", "Service", Service.class, true),
      new Kind("discovery.k8s.io/v1", "EndpointSlice", EndpointSlice.class, true),
      new Kind("v1", "Endpoints", Endpoints.class, true),
      new Kind("v1", "Secret", io.fabric8.kubernetes.api.model.Secret.class, true),
      new Kind(ProxyRoute.API_VERSION, ProxyRoute.KIND, ProxyRoute.class, true));

  /** Documents nest at most this deep; deeper ones are refused rather than risking the stack. */
  private static final int MAX_NESTING = 200;

  private final ObjectMapper yaml;
  /** For ProxyRoutes: JSON types as the CRD's schema has them (see {@link StrictTypes}). */
  private final ObjectMapper strict;
  private final String defaultNamespace;

  public ManifestReader(String defaultNamespace) {
    this.defaultNamespace = defaultNamespace;
    LoaderOptions loader = new LoaderOptions();
    loader.setMaxAliasesForCollections(50);
    loader.setCodePointLimit(64 * 1024 * 1024);
    loader.setAllowDuplicateKeys(false);
    YAMLFactory factory = YAMLFactory.builder()
        .loaderOptions(loader)
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
        .build();
    this.yaml = YAMLMapper.builder(factory)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();
    this.strict = StrictTypes.configure(this.yaml.copy());
  }

  public ManifestReader() {
    this("default");
  }

  /** Reads every document of one file; {@code origin} names the file in problems. */
  public Result read(String content, String origin) {
    List<Manifest> objects = new ArrayList<>();
    List<ManifestProblem> problems = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    java.util.Set<Integer> ours = new java.util.HashSet<>();
    int doc = 0;
    try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(content)) {
      while (true) {
        doc++;
        JsonNode node;
        try {
          if (!it.hasNextValue()) {
            break;
          }
          node = it.nextValue();
        } catch (IOException | RuntimeException e) {
          problems.add(new ManifestProblem(origin, doc, null, "", "InvalidYAML", syntaxMessage(e)));
          break; // the parser cannot resynchronise after a syntax error
        }
        if (node == null || node.isNull() || node.isMissingNode() || (node.isTextual() && node.asText().isBlank())) {
          continue;
        }
        int before = objects.size();
        readDocument(node, origin + "#" + doc, origin, doc, objects, problems, skipped);
        if (objects.size() > before) {
          ours.add(doc);
        }
      }
    } catch (IOException e) {
      problems.add(new ManifestProblem(origin, doc, null, "", "InvalidYAML", syntaxMessage(e)));
    }
    ambiguousKeys(content, origin, ours, problems);
    return new Result(objects, problems, skipped);
  }

  /**
   * Where each document of a file is, as {@code [start0, end0, start1, end1, ...]} character
   * offsets, when the file is split plainly: by lines that are {@code ---} and nothing else, with
   * no directives ({@code %}), no document ends ({@code ...}), and no document that is only blank
   * lines and comments (except before the first {@code ---} and after the last, which the parser
   * does not count).
   * Null otherwise: then only reading the file whole says how it divides.
   *
   * <p>Such a split is exactly the parser's: YAML forbids a line that starts with {@code ---} or
   * {@code ...} inside a document's content, so each span holds one document, the
   * {@code n}-th span being document {@code n + 1} as {@link #read} numbers them.
   */
  public static int[] documentBounds(String content) {
    int[] bounds = new int[16];
    int n = 0;
    int start = 0;
    boolean blank = true;
    boolean first = true;
    int pos = 0;
    int length = content.length();
    while (pos <= length) {
      int nl = content.indexOf('\n', pos);
      int end = nl < 0 ? length : nl;
      if (content.startsWith("---", pos)) {
        int e = end;
        while (e > pos + 3 && space(content.charAt(e - 1))) {
          e--;
        }
        if (e != pos + 3) {
          return null; // content on the marker's line, or a line that only starts like one
        }
        if (blank && !first) {
          return null; // an empty document between two markers
        }
        if (!blank) {
          if (n + 2 > bounds.length) {
            bounds = java.util.Arrays.copyOf(bounds, bounds.length * 2);
          }
          bounds[n++] = start;
          bounds[n++] = pos;
        }
        first = false;
        start = nl < 0 ? length : nl + 1;
        blank = true;
      } else {
        if (content.startsWith("...", pos) || content.startsWith("%", pos)) {
          return null;
        }
        if (blank && !blankLine(content, pos, end)) {
          blank = false;
        }
      }
      if (nl < 0) {
        break;
      }
      pos = nl + 1;
    }
    if (blank) {
      // Nothing after the last marker (generated files often end with one): no document there,
      // for the parser either. A file of no document at all is left to the whole read.
      return n == 0 ? null : java.util.Arrays.copyOf(bounds, n);
    }
    if (n + 2 > bounds.length) {
      bounds = java.util.Arrays.copyOf(bounds, n + 2);
    }
    bounds[n++] = start;
    bounds[n++] = length;
    return java.util.Arrays.copyOf(bounds, n);
  }

  /** Whether a line holds only spaces or a comment. */
  private static boolean blankLine(String content, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = content.charAt(i);
      if (c == '#') {
        return true;
      }
      if (!space(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads one document of a file (a span {@link #documentBounds} found), numbered {@code doc} in
   * what it reports, exactly as {@link #read} would read it within the file, except for the
   * {@code AmbiguousKey} problems, which {@link #ambiguousKeys} finds over the whole file. Null
   * when the text does not hold exactly one document, or cannot be parsed: then the file is to be
   * read whole, which says where the syntax error is.
   */
  public Result readDocument(String text, String origin, int doc) {
    List<Manifest> objects = new ArrayList<>();
    List<ManifestProblem> problems = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    try (JsonParser parser = yaml.createParser(text)) {
      JsonNode node = yaml.readTree(parser);
      // A sequence at the top is left to the whole read too: read() iterates over a first
      // document's elements as if each were a document (what readValues does with a root array).
      if (node == null || node.isNull() || node.isMissingNode() || node.isArray()
          || (node.isTextual() && node.asText().isBlank()) || parser.nextToken() != null) {
        return null;
      }
      readDocument(node, origin + "#" + doc, origin, doc, objects, problems, skipped);
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return new Result(objects, problems, skipped);
  }

  /** The words YAML 1.1 reads as booleans. */
  private static final java.util.Set<String> BOOLEAN_WORDS = java.util.Set.of("y", "Y", "yes", "Yes", "YES", "n", "N",
      "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "true", "True", "TRUE", "false", "False", "FALSE");

  /**
   * The first key of the line YAML 1.1 reads as a boolean, unquoted: at the start of the line
   * (after spaces, and a list's {@code - }), or after {@code {} or {@code ,} in a flow map; and
   * followed by {@code :} and a space or the end. Null if none. By hand, not a regular expression:
   * local mode reads every line of a changed file, thousands of them.
   */
  static String booleanKey(String code) {
    for (int colon = code.indexOf(':'); colon >= 0; colon = code.indexOf(':', colon + 1)) {
      if (colon + 1 < code.length() && !space(code.charAt(colon + 1))) {
        continue;
      }
      int end = colon;
      while (end > 0 && space(code.charAt(end - 1))) {
        end--;
      }
      int start = end;
      while (start > 0 && Character.isLetter(code.charAt(start - 1))) {
        start--;
      }
      if (start == end || !BOOLEAN_WORDS.contains(code.substring(start, end))) {
        continue;
      }
      int k = start;
      while (k > 0 && space(code.charAt(k - 1))) {
        k--;
      }
      if (k == 0 || code.charAt(k - 1) == '{' || code.charAt(k - 1) == ',') {
        return code.substring(start, end);
      }
      if (code.charAt(k - 1) == '-' && k < start) {
        int d = k - 1;
        while (d > 0 && space(code.charAt(d - 1))) {
          d--;
        }
        if (d == 0) {
          return code.substring(start, end);
        }
      }
    }
    return null;
  }

  /** What a regular expression's \\s matches. */
  private static boolean space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
  }

  /**
   * kubectl and Helm read YAML 1.1, where an unquoted key {@code on}, {@code off}, {@code yes} or
   * {@code no} is a boolean: {@code retries: {on: [...]}} reaches the API server as a field named
   * "true", which the schema drops. This reader would take it as the word, so the same file would
   * mean two things: such keys are reported, line by line.
   */
  public static void ambiguousKeys(String content, String origin, java.util.Set<Integer> ours,
      List<ManifestProblem> problems) {
    // Line by line without splitting (a changed file of thousands of lines is looked at whole);
    // only lines with a colon, in documents that are ours, are looked at closely.
    int doc = 1;
    boolean started = false;
    int length = content.length();
    int colon = -1; // the next colon at or after the line's start (length: none)
    for (int i = 0, start = 0; start <= length; i++) {
      int nl = content.indexOf('\n', start);
      int end = nl < 0 ? length : nl;
      int from = start;
      start = end + 1;
      if (content.startsWith("---", from)) {
        // A leading separator starts the first document, as the parser counts them.
        if (started) {
          doc++;
        }
        started = true;
        continue;
      }
      if (!started) {
        String line = content.substring(from, end);
        started = !line.isBlank() && !line.trim().startsWith("#");
      }
      if (colon < from) {
        colon = content.indexOf(':', from);
        colon = colon < 0 ? length : colon;
      }
      if (colon >= end || !ours.contains(doc)) {
        continue;
      }
      String line = content.substring(from, end);
      int hash = line.indexOf('#');
      String key = booleanKey(hash < 0 ? line : line.substring(0, hash));
      if (key != null) {
        problems.add(new ManifestProblem(origin, doc, null, "", "AmbiguousKey", "line " + (i + 1) + ": the key "
            + key + " is read as a boolean by kubectl and Helm (YAML 1.1), not as the word; quote it: \""
            + key + "\""));
      }
    }
  }

  private void readDocument(JsonNode node, String where, String file, int doc, List<Manifest> objects,
      List<ManifestProblem> problems, List<String> skipped) {
    if (!node.isObject()) {
      problems.add(new ManifestProblem(file, doc, null, "", "InvalidManifest",
          "a manifest must be a mapping with apiVersion, kind and metadata"));
      return;
    }
    String apiVersion = node.path("apiVersion").asText("");
    String kind = node.path("kind").asText("");
    if (kind.isEmpty() || apiVersion.isEmpty()) {
      problems.add(new ManifestProblem(file, doc, null, kind.isEmpty() ? "kind" : "apiVersion", "InvalidManifest",
          "apiVersion and kind are required"));
      return;
    }
    if (kind.equals("List") && apiVersion.equals("v1") || kind.endsWith("List") && node.has("items")) {
      JsonNode items = node.path("items");
      for (int i = 0; i < items.size(); i++) {
        readDocument(items.get(i), where + ".items[" + i + "]", file, doc, objects, problems, skipped);
      }
      return;
    }
    Kind known = null;
    for (Kind k : KINDS) {
      if (k.kind.equals(kind)) {
        known = k;
        if (k.apiVersion.equals(apiVersion)) {
          break;
        }
      }
    }
    if (known == null) {
      skipped.add(where + " " + apiVersion + " " + kind);
      return;
    }
    String name = node.path("metadata").path("name").asText("");
    if (!known.apiVersion.equals(apiVersion)) {
      problems.add(new ManifestProblem(file, doc, kind + " " + name, "apiVersion", "UnsupportedVersion",
          "apiVersion " + apiVersion + " of " + kind + " is not served; use " + known.apiVersion));
      return;
    }
    if (name.isEmpty()) {
      problems.add(new ManifestProblem(file, doc, kind, "metadata.name", "InvalidManifest", "metadata.name is required"));
      return;
    }
    ObjectNode copy = ((ObjectNode) node).deepCopy();
    ObjectNode metadata = (ObjectNode) copy.get("metadata");
    if (known.namespaced && metadata.path("namespace").asText("").isEmpty()) {
      metadata.put("namespace", defaultNamespace);
    } else if (!known.namespaced) {
      metadata.remove("namespace");
    }
    String display = kind + " " + (known.namespaced ? metadata.path("namespace").asText() + "/" : "") + name;
    try {
      List<String> unknown = new ArrayList<>();
      ObjectMapper mapper = yaml;
      if (known.type == ProxyRoute.class) {
        // The API server refuses a value of the wrong JSON type where Jackson would convert it
        // (port: "80", name: 123, on: [2]); local mode must refuse it too, naming the field.
        mapper = strict;
        StrictTypes.wholeNumbersAsIntegers(copy);
      }
      HasMetadata object = mapper.readerFor(known.type).withHandler(new UnknownFields(unknown)).readValue(copy);
      for (String field : unknown) {
        // kubectl's strict field validation would refuse the object; a typo must not pass unseen.
        problems.add(new ManifestProblem(file, doc, display, field, "UnknownField",
            "not a field of " + kind + "; it is ignored (kubectl apply would refuse it)"));
      }
      objects.add(new Manifest(object, where));
    } catch (JsonMappingException e) {
      problems.add(new ManifestProblem(file, doc, display, RouteTableJson.fieldPath(e), "InvalidManifest",
          StrictTypes.message(e)));
    } catch (java.io.IOException | IllegalArgumentException e) {
      problems.add(new ManifestProblem(file, doc, display, "", "InvalidManifest", e.getMessage()));
    }
  }

  /**
   * Collects the fields a document has that its kind does not (in the ProxyRoute types; the
   * Kubernetes model types keep unknown fields aside instead), as field paths.
   */
  private static final class UnknownFields extends com.fasterxml.jackson.databind.deser.DeserializationProblemHandler {
    private final List<String> found;

    UnknownFields(List<String> found) {
      this.found = found;
    }

    @Override
    public boolean handleUnknownProperty(com.fasterxml.jackson.databind.DeserializationContext ctxt, JsonParser p,
        com.fasterxml.jackson.databind.JsonDeserializer<?> deserializer, Object beanOrClass, String propertyName)
        throws java.io.IOException {
      StringBuilder path = new StringBuilder();
      java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
      for (com.fasterxml.jackson.core.JsonStreamContext c = p.getParsingContext(); c != null; c = c.getParent()) {
        if (c.inArray()) {
          parts.push("[" + c.getCurrentIndex() + "]");
        } else if (c.inObject() && c.getCurrentName() != null) {
          parts.push("." + c.getCurrentName());
        }
      }
      parts.forEach(path::append);
      found.add(path.length() > 0 && path.charAt(0) == '.' ? path.substring(1) : path.toString());
      p.skipChildren();
      return true;
    }
  }

  private static String syntaxMessage(Exception e) {
    if (e instanceof JsonProcessingException j) {
      JsonLocation loc = j.getLocation();
      String at = loc == null || loc.getLineNr() < 0 ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
      return j.getOriginalMessage().lines().findFirst().orElse("syntax error") + at;
    }
    return String.valueOf(e.getMessage());
  }

  /** The kinds this reader understands, as {@code apiVersion kind}. */
  public static List<String> supportedKinds() {
    return KINDS.stream().map(k -> k.apiVersion + " " + k.kind).toList();
  }

}
