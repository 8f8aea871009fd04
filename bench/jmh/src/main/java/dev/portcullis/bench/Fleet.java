package dev.portcullis.bench;

import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.manifest.ManifestReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A cluster of many small applications, as the scale figures use: application {@code i} is one
 * Service {@code app-i} with an EndpointSlice (its endpoints on loopback, at the given port), and
 * one Ingress {@code app-i} for host {@code app-i.scale.test} with {@link #PATHS} Prefix paths
 * {@code /p0} ... , each to that Service. 10,000 applications make 50,000 routes.
 */
public final class Fleet {

  /** Paths per Ingress, each one route. */
  public static final int PATHS = 5;
  /** Applications per manifest file when the fleet is written to a folder. */
  public static final int PER_FILE = 100;

  private final int apps;
  private final int port;

  /**
   * @param apps how many applications (Ingress + Service + EndpointSlice)
   * @param port the loopback port every endpoint listens on
   */
  public Fleet(int apps, int port) {
    this.apps = apps;
    this.port = port;
  }

  public int apps() {
    return apps;
  }

  public int routes() {
    return apps * PATHS;
  }

  public static String host(int app) {
    return "app-" + app + ".scale.test";
  }

  public static String path(int route) {
    return "/p" + route;
  }

  /** The Service and EndpointSlice of application {@code i}. */
  public String backend(int i) {
    return backend(i, port);
  }

  /** The Service and EndpointSlice of application {@code i}, its endpoint at {@code port}. */
  public String backend(int i, int port) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: app-%1$d, namespace: scale}
        spec:
          ports: [{name: http, port: 80}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: app-%1$d-1
          namespace: scale
          labels: {kubernetes.io/service-name: app-%1$d}
        addressType: IPv4
        ports: [{name: http, port: %2$d}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        """.formatted(i, port);
  }

  /** The Ingress of application {@code i}; {@code extraPath} (null: none) adds one more path to its Service. */
  public String ingress(int i, String extraPath) {
    return ingress(i, extraPath == null ? List.of() : List.of(extraPath));
  }

  /** The Ingress of application {@code i} with {@code extraPaths} added, each to its Service. */
  public String ingress(int i, List<String> extraPaths) {
    StringBuilder b = new StringBuilder("""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: app-%1$d, namespace: scale}
        spec:
          ingressClassName: portcullis
          rules:
          - host: %2$s
            http:
              paths:
        """.formatted(i, host(i)));
    for (int p = 0; p < PATHS; p++) {
      path(b, path(p), i);
    }
    for (String extra : extraPaths) {
      path(b, extra, i);
    }
    return b.toString();
  }

  private static void path(StringBuilder b, String path, int app) {
    b.append("      - path: ").append(path).append("\n        pathType: Prefix\n")
        .append("        backend: {service: {name: app-").append(app).append(", port: {number: 80}}}\n");
  }

  /** Every object of applications {@code from} (inclusive) to {@code to} (exclusive), as one multi-document YAML. */
  public String yaml(int from, int to) {
    StringBuilder b = new StringBuilder();
    for (int i = from; i < to; i++) {
      b.append(backend(i)).append("---\n").append(ingress(i, List.of())).append("---\n");
    }
    return b.toString();
  }

  /** The whole fleet as objects, read by the same reader local mode uses. */
  public ClusterSnapshot snapshot() {
    ManifestReader.Result read = new ManifestReader().read(yaml(0, apps), "fleet.yaml");
    if (!read.problems().isEmpty()) {
      throw new IllegalStateException("the fleet's manifests do not read: " + read.problems().get(0));
    }
    ClusterSnapshot.Builder builder = ClusterSnapshot.builder();
    read.objects().forEach(m -> builder.add(m.object()));
    return builder.build();
  }

  /** The snapshot with application {@code app}'s Ingress replaced by one with {@code extraPath} added. */
  public ClusterSnapshot withExtraPath(ClusterSnapshot base, int app, String extraPath) {
    ManifestReader.Result read = new ManifestReader().read(ingress(app, extraPath), "change.yaml");
    ClusterSnapshot.Builder builder = ClusterSnapshot.builder();
    read.objects().forEach(m -> builder.add(m.object())); // first: the builder keeps the first of a name
    base.ingresses().forEach(builder::add);
    base.services().forEach(builder::add);
    base.endpointSlices().forEach(builder::add);
    return builder.build();
  }

  /** Writes the fleet to {@code dir}, {@link #PER_FILE} applications per file; returns the files. */
  public List<Path> write(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    for (int from = 0; from < apps; from += PER_FILE) {
      Path file = dir.resolve("apps-" + from + ".yaml");
      Files.writeString(file, yaml(from, Math.min(apps, from + PER_FILE)));
      files.add(file);
    }
    return files;
  }

  /** The file holding application {@code app} when written by {@link #write}. */
  public static String fileOf(int app) {
    return "apps-" + (app / PER_FILE * PER_FILE) + ".yaml";
  }

  /** The content of the file holding application {@code app}, each application with its {@code extraPaths}. */
  public String file(int app, Map<Integer, List<String>> extraPaths) {
    return file(app, extraPaths, Map.of());
  }

  /** {@link #file(int, Map)}, the applications in {@code ports} with their endpoint at that port instead. */
  public String file(int app, Map<Integer, List<String>> extraPaths, Map<Integer, Integer> ports) {
    int from = app / PER_FILE * PER_FILE;
    StringBuilder b = new StringBuilder();
    for (int i = from; i < Math.min(apps, from + PER_FILE); i++) {
      b.append(backend(i, ports.getOrDefault(i, port))).append("---\n")
          .append(ingress(i, extraPaths.getOrDefault(i, List.of()))).append("---\n");
    }
    return b.toString();
  }
}
