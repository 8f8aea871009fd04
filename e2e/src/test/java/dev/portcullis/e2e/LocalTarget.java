package dev.portcullis.e2e;

import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.KubernetesOperator;
import dev.portcullis.operator.it.Cluster;
import dev.portcullis.operator.it.JavaProcess;
import dev.portcullis.operator.pki.RoutePki;
import dev.portcullis.translator.ObjectKey;
import dev.portcullis.translator.TranslatorOptions;
import dev.portcullis.translator.manifest.ManifestReader;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The local harness: Fabric8's mock API server in CRUD mode, the operator in this JVM (its route
 * server on loopback with mutual TLS), two data planes and the echo backends as processes of the
 * data plane's jar, and a round-robin {@link Balancer} in front of the data planes as a Service
 * would be. Everything on 127.0.0.1, on free ports.
 */
final class LocalTarget implements Target {

  static final String NS = "default";
  static final String OPERATOR_NS = "portcullis";
  static final String PUBLISHED = "203.0.113.80";

  /** One data plane: its ports stay the same across restarts, as a pod's Service port does. */
  final class DataPlane {
    final String id;
    final int http = freePort();
    final int https = freePort();
    final int admin = freePort();
    JavaProcess process;

    DataPlane(String id) {
      this.id = id;
    }

    void start() throws IOException {
      process = JavaProcess.dataPlaneJar("data-plane", "--route-server", "https://localhost:" + routePort,
          "--route-ca-file", tlsDir.resolve("ca.crt").toString(), "--route-cert-file",
          tlsDir.resolve("tls.crt").toString(), "--route-key-file", tlsDir.resolve("tls.key").toString(),
          "--node-id", id, "--bind", "127.0.0.1", "--http-port", Integer.toString(http), "--https-port",
          Integer.toString(https), "--https-redirect-port", Integer.toString(httpsBalancer == null ? 443
              : httpsBalancer.port()), "--admin-port", Integer.toString(admin), "--event-loops", "1",
          // The chart's defaults are 5s and 20s; shorter here to keep the suite quick.
          "--drain-period", "1s", "--drain-timeout", "5s");
    }
  }

  final Cluster cluster = new Cluster();
  final Map<String, JavaProcess> backends = new LinkedHashMap<>();
  final Map<String, Integer> backendPorts = new LinkedHashMap<>();
  final List<DataPlane> dataPlanes = List.of(new DataPlane("dp-1"), new DataPlane("dp-2"));
  final List<String> fatal = new CopyOnWriteArrayList<>();
  final int routePort = freePort();
  KubernetesOperator operator;
  TranslatorOptions options = TranslatorOptions.DEFAULT;
  Path tlsDir;
  Balancer httpBalancer;
  Balancer httpsBalancer;
  int generation;

  LocalTarget() throws Exception {
    cluster.client.apiextensions().v1().customResourceDefinitions()
        .load(HOME.resolve("crds/proxyroutes.portcullis.dev-v1.yml").toFile()).create();
    for (String name : List.of("web", "web-2", "api", "fallback")) {
      int port = freePort();
      backendPorts.put(name, port);
      backends.put(name, JavaProcess.dataPlaneJar("echo", "--name", name, "--port", Integer.toString(port)));
    }
    operator = startOperator();
    Secret secret = cluster.client.secrets().inNamespace(OPERATOR_NS).withName("portcullis-data-plane-tls").get();
    tlsDir = Files.createTempDirectory("portcullis-e2e-tls");
    for (String key : List.of("ca.crt", "tls.crt", "tls.key")) {
      Files.write(tlsDir.resolve(key), Base64.getDecoder().decode(secret.getData().get(key)));
    }
    httpBalancer = new Balancer(dataPlanes.stream().map(d -> d.http).toList(), this::adminOfHttp);
    httpsBalancer = new Balancer(dataPlanes.stream().map(d -> d.https).toList(), this::adminOfHttps);
    for (DataPlane d : dataPlanes) {
      d.start();
    }
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> dataPlanes.stream().allMatch(d -> httpBalancer.ready(d.http))
            && backendPorts.values().stream().allMatch(LocalTarget::listening));
  }

  private int adminOfHttp(int port) {
    return dataPlanes.stream().filter(d -> d.http == port).findFirst().orElseThrow().admin;
  }

  private int adminOfHttps(int port) {
    return dataPlanes.stream().filter(d -> d.https == port).findFirst().orElseThrow().admin;
  }

  KubernetesOperator startOperator() throws Exception {
    String identity = "operator-" + ++generation;
    return new KubernetesOperator(cluster.client, new KubernetesOperator.Settings(Set.of(), OPERATOR_NS, identity,
        options, 50, new InetSocketAddress("127.0.0.1", routePort), null,
        new RoutePki.Settings(OPERATOR_NS, "portcullis-route-ca", "portcullis-data-plane-tls", List.of("localhost"),
            List.of("127.0.0.1")),
        new InetSocketAddress("127.0.0.1", 0), true, "portcullis-operator", Duration.ofSeconds(4),
        List.of(PUBLISHED), null, () -> fatal.add(identity))).start();
  }

  @Override
  public KubernetesClient kube() {
    return cluster.client;
  }

  /** Reads the manifest as local mode does (the mock API server keeps objects as written) and writes each object. */
  @Override
  public void apply(Path manifest) throws IOException {
    ManifestReader.Result read = new ManifestReader().read(Files.readString(manifest, StandardCharsets.UTF_8),
        manifest.toString());
    if (!read.problems().isEmpty()) {
      throw new IllegalArgumentException(manifest + ": " + read.problems());
    }
    for (var parsed : read.objects()) {
      HasMetadata o = parsed.object();
      if (o.getMetadata().getNamespace() == null && !(o instanceof io.fabric8.kubernetes.api.model.networking.v1.IngressClass)) {
        o.getMetadata().setNamespace(NS);
      }
      cluster.client.resource(o).createOr(NonDeletingOperation::update);
    }
  }

  @Override
  public void startBackends() {
    for (String name : List.of("web", "api", "fallback")) {
      cluster.client.resource(Cluster.service(NS, name)).createOr(NonDeletingOperation::update);
      cluster.client.resource(Cluster.slice(NS, name + "-e2e", name, backendPorts.get(name), "127.0.0.1"))
          .createOr(NonDeletingOperation::update);
    }
  }

  @Override
  public String address() {
    return "127.0.0.1";
  }

  @Override
  public int httpPort() {
    return httpBalancer.port();
  }

  @Override
  public int httpsPort() {
    return httpsBalancer.port();
  }

  /**
   * The web Service's endpoints as a rollout moves them: a second backend (web-2) joins, the
   * first leaves, comes back, the second leaves, and so on, each step while traffic flows, never
   * leaving the Service without a ready endpoint. A backend that leaves keeps running, like a
   * terminating pod that finishes its requests. Each backend listens on its own port of
   * 127.0.0.1, and an EndpointSlice has one port list, so each has its own slice.
   */
  @Override
  public void churnEndpoints() throws InterruptedException {
    String a = "web-e2e";
    String b = "web-e2e-2";
    for (int round = 0; round < 2; round++) {
      add(b, "web-2");
      remove(a);
      add(a, "web");
      remove(b);
    }
  }

  private void add(String slice, String backend) throws InterruptedException {
    cluster.client.resource(Cluster.slice(NS, slice, "web", backendPorts.get(backend), "127.0.0.1"))
        .createOr(NonDeletingOperation::update);
    Thread.sleep(300);
  }

  private void remove(String slice) throws InterruptedException {
    cluster.client.resources(EndpointSlice.class).inNamespace(NS).withName(slice).delete();
    Thread.sleep(300);
  }

  @Override
  public void restartOperator() throws Exception {
    operator.close();
    operator = null;
    Thread.sleep(1000);
    operator = startOperator();
  }

  @Override
  public void rollDataPlanes() throws Exception {
    for (DataPlane d : dataPlanes) {
      // SIGTERM: it fails /readyz at once (the balancer stops sending new connections within
      // 100 ms, as kube-proxy does once the pod leaves the endpoints), serves for the drain period
      // with Connection: close, then finishes what is in flight and exits.
      d.process.close();
      d.start();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> httpBalancer.ready(d.http) && httpsBalancer.ready(d.https));
    }
  }

  @Override
  public void upgrade(String defaultCertificate) throws Exception {
    String[] parts = defaultCertificate.split("/");
    options = options.withDefaultCertificate(new ObjectKey(parts[0], parts[1]));
    restartOperator();
  }

  @Override
  public String diagnostics() {
    StringBuilder b = new StringBuilder("fatal: " + fatal + "\n");
    for (DataPlane d : dataPlanes) {
      try {
        b.append("--- data plane ").append(d.id).append(":\n").append(d.process.output());
      } catch (IOException e) {
        b.append(e);
      }
    }
    return b.toString();
  }

  @Override
  public void close() {
    List<AutoCloseable> all = new java.util.ArrayList<>();
    dataPlanes.stream().filter(d -> d.process != null).forEach(d -> all.add(d.process));
    if (operator != null) {
      all.add(operator);
    }
    all.addAll(backends.values());
    all.add(httpBalancer);
    all.add(httpsBalancer);
    all.add(cluster);
    for (AutoCloseable c : all) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        System.err.println("closing " + c + ": " + e);
      }
    }
    if (!fatal.isEmpty()) {
      throw new AssertionError("an operator lost its lease or an informer: " + fatal);
    }
  }

  /** Every port {@link #freePort} handed out: the harness's processes bind them later, so none may get one twice. */
  private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

  static int freePort() {
    for (int i = 0; i < 100; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        if (GIVEN.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("no free port not handed out already");
  }

  static boolean listening(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
