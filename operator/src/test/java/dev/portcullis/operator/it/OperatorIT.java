package dev.portcullis.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.operator.KubernetesOperator;
import dev.portcullis.operator.pki.RoutePki;
import dev.portcullis.translator.TranslatorOptions;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator against Fabric8's mock API server in CRUD mode, with the real data plane in its own
 * process following it over mutual TLS, and real echo backends: objects written through the API
 * become traffic, status and Events.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorIT {

  static final String NS = "shop";
  static final String OPERATOR_NS = "portcullis";
  static final String PUBLISHED = "203.0.113.10";
  static final Pattern BACKEND = Pattern.compile("\"backend\" : \"([^\"]+)\"");

  Cluster cluster;
  JavaProcess backendA;
  JavaProcess backendB;
  int portA;
  int portB;
  KubernetesOperator operator;
  int routePort;
  JavaProcess dataPlane;
  int httpPort;
  int httpsPort;
  int adminPort;
  final List<String> fatal = new CopyOnWriteArrayList<>();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  void start() throws Exception {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    cluster = new Cluster();
    cluster.client.apiextensions().v1().customResourceDefinitions()
        .load(Path.of(System.getProperty("portcullis.home", ".."), "crds", "proxyroutes.portcullis.dev-v1.yml").toFile())
        .create();
    portA = freePort();
    portB = freePort();
    backendA = JavaProcess.dataPlaneJar("echo", "--name", "a", "--port", Integer.toString(portA));
    backendB = JavaProcess.dataPlaneJar("echo", "--name", "b", "--port", Integer.toString(portB));
    routePort = freePort();
    operator = startOperator("operator-1", routePort);
    dataPlane = startDataPlane();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> status(adminPort, "/readyz") == 200 && status(portA, "/") == 200 && status(portB, "/") == 200);
  }

  @AfterAll
  void stop() throws Exception {
    if (dataPlane != null) {
      dataPlane.close();
    }
    if (operator != null) {
      operator.close();
    }
    backendA.close();
    backendB.close();
    cluster.close();
    assertThat(fatal).as("no operator lost its lease or an informer").isEmpty();
  }

  KubernetesOperator startOperator(String identity, int port) throws Exception {
    return new KubernetesOperator(cluster.client, new KubernetesOperator.Settings(Set.of(), OPERATOR_NS, identity,
        TranslatorOptions.DEFAULT, 50, new InetSocketAddress("127.0.0.1", port), null,
        new RoutePki.Settings(OPERATOR_NS, "portcullis-route-ca", "portcullis-data-plane-tls", List.of("localhost"),
            List.of("127.0.0.1")),
        new InetSocketAddress("127.0.0.1", 0), true, "portcullis-operator", Duration.ofSeconds(4),
        List.of(PUBLISHED), null, () -> fatal.add(identity))).start();
  }

  /** The data plane, with the client certificate the operator put into its Secret. */
  JavaProcess startDataPlane() throws Exception {
    Secret secret = cluster.client.secrets().inNamespace(OPERATOR_NS).withName("portcullis-data-plane-tls").get();
    assertThat(secret).as("the operator creates the data planes' client certificate").isNotNull();
    assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
    Path dir = Files.createTempDirectory("dp-tls");
    for (String key : List.of("ca.crt", "tls.crt", "tls.key")) {
      Files.write(dir.resolve(key), Base64.getDecoder().decode(secret.getData().get(key)));
    }
    httpPort = freePort();
    httpsPort = freePort();
    adminPort = freePort();
    return JavaProcess.dataPlaneJar("data-plane", "--route-server", "https://localhost:" + routePort,
        "--route-ca-file", dir.resolve("ca.crt").toString(), "--route-cert-file", dir.resolve("tls.crt").toString(),
        "--route-key-file", dir.resolve("tls.key").toString(), "--node-id", "dp-1", "--bind", "127.0.0.1",
        "--http-port", Integer.toString(httpPort), "--https-port", Integer.toString(httpsPort),
        "--admin-port", Integer.toString(adminPort), "--event-loops", "1");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  int status(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** The echo backend that answered for this host, "404"/"503"…, or "down". */
  String via(String host, String... headers) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/"))
          .header("Host", host).timeout(Duration.ofSeconds(5));
      for (int i = 0; i < headers.length; i += 2) {
        b.header(headers[i], headers[i + 1]);
      }
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      Matcher m = BACKEND.matcher(r.body());
      return r.statusCode() == 200 && m.find() ? m.group(1) : Integer.toString(r.statusCode());
    } catch (Exception e) {
      return "down";
    }
  }

  Ingress ingress(String name) {
    return cluster.client.network().v1().ingresses().inNamespace(NS).withName(name).get();
  }

  @Test
  @Order(1)
  void anIngressWrittenThroughTheApiIsServed() {
    cluster.client.resource(Cluster.ingressClass("portcullis", TranslatorOptions.CONTROLLER_NAME)).create();
    cluster.client.resource(Cluster.service(NS, "web")).create();
    cluster.client.resource(Cluster.slice(NS, "web-1", "web", portA, "127.0.0.1")).create();
    long start = System.nanoTime();
    cluster.client.resource(Cluster.ingress(NS, "shop", "portcullis", "shop.test", "web")).create();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> "a".equals(via("shop.test")));
    System.out.printf("operator: API write to traffic served in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    assertThat(via("other.test")).isEqualTo("404");
  }

  @Test
  @Order(2)
  void statusCarriesThePublishedAddress() {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      Ingress i = ingress("shop");
      return i.getStatus() != null && i.getStatus().getLoadBalancer() != null
          && i.getStatus().getLoadBalancer().getIngress() != null && !i.getStatus().getLoadBalancer().getIngress().isEmpty();
    });
    List<IngressLoadBalancerIngress> lb = ingress("shop").getStatus().getLoadBalancer().getIngress();
    assertThat(lb).extracting(IngressLoadBalancerIngress::getIp).containsExactly(PUBLISHED);
  }

  @Test
  @Order(3)
  void endpointChangesMoveTheTraffic() {
    long start = System.nanoTime();
    cluster.client.resource(Cluster.slice(NS, "web-1", "web", portB, "127.0.0.1")).update();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> "b".equals(via("shop.test")));
    System.out.printf("operator: EndpointSlice write to traffic moved in %d ms%n", (System.nanoTime() - start) / 1_000_000);
  }

  @Test
  @Order(4)
  void problemsBecomeEventsOnce() throws Exception {
    cluster.client.resource(Cluster.ingress(NS, "broken", "portcullis", "broken.test", "missing")).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> events("broken").stream()
        .anyMatch(e -> "ServiceNotFound".equals(e.getReason())));
    Event e = events("broken").stream().filter(x -> "ServiceNotFound".equals(x.getReason())).findFirst().orElseThrow();
    assertThat(e.getType()).isEqualTo("Warning");
    assertThat(e.getMessage()).contains("spec.rules[0].http.paths[0].backend.service").contains("shop/missing");
    assertThat(e.getInvolvedObject().getKind()).isEqualTo("Ingress");
    assertThat(via("broken.test")).isEqualTo("503");
    // More reconciles (an unrelated change to the same Ingress) record no second Event.
    cluster.client.network().v1().ingresses().inNamespace(NS).withName("broken")
        .edit(i -> {
          i.getMetadata().setLabels(java.util.Map.of("touched", "yes"));
          return i;
        });
    Thread.sleep(1500);
    assertThat(events("broken").stream().filter(x -> "ServiceNotFound".equals(x.getReason()))).hasSize(1);
  }

  List<Event> events(String ingress) {
    return cluster.client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> ingress.equals(e.getInvolvedObject().getName())).toList();
  }

  @Test
  @Order(5)
  void ingressesOfOtherClassesAreNeverTouched() throws Exception {
    cluster.client.resource(Cluster.ingressClass("nginx", "k8s.io/ingress-nginx")).create();
    cluster.client.resource(Cluster.ingress(NS, "theirs", "nginx", "theirs.test", "web")).create();
    Thread.sleep(1500);
    assertThat(via("theirs.test")).isEqualTo("404");
    Ingress theirs = ingress("theirs");
    assertThat(theirs.getStatus() == null || theirs.getStatus().getLoadBalancer() == null
        || theirs.getStatus().getLoadBalancer().getIngress() == null
        || theirs.getStatus().getLoadBalancer().getIngress().isEmpty()).isTrue();
    assertThat(events("theirs")).isEmpty();
  }

  @Test
  @Order(6)
  void deletingTheIngressStopsTheRoute() {
    cluster.client.network().v1().ingresses().inNamespace(NS).withName("broken").delete();
    cluster.client.network().v1().ingresses().inNamespace(NS).withName("shop").delete();
    await().atMost(Duration.ofSeconds(10)).until(() -> "404".equals(via("shop.test")));
  }

  @Test
  @Order(7)
  void healthAndMetrics() throws Exception {
    int health = operator.healthAddress().getPort();
    assertThat(status(health, "/healthz")).isEqualTo(200);
    assertThat(status(health, "/readyz")).isEqualTo(200);
    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("portcullis_route_table_version", "portcullis_data_planes_connected 1.0",
        "portcullis_translation_problems{kind=\"Ingress\",severity=\"error\"}", "portcullis_push_lag_versions");
    assertThat(value(metrics, "portcullis_rebuild_seconds_count{path=\"full\"}")).isPositive();
    assertThat(value(metrics, "portcullis_rebuild_seconds_count{path=\"endpoints\"}"))
        .as("the EndpointSlice change took the fast path").isPositive();
    assertThat(value(metrics, "portcullis_route_table_version")).isPositive();
  }

  static double value(String metrics, String series) {
    return metrics.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim())).orElse(-1.0);
  }

  @Test
  @Order(8)
  void theDataPlaneKeepsServingWithoutTheOperatorAndResyncs() throws Exception {
    cluster.client.resource(Cluster.ingress(NS, "shop", "portcullis", "shop.test", "web")).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> "b".equals(via("shop.test")));
    operator.close();
    operator = null;
    Thread.sleep(1000);
    for (int i = 0; i < 10; i++) {
      assertThat(via("shop.test")).as("served from the last table while the operator is away").isEqualTo("b");
    }
    // Changed while nobody watches; a new operator on the same address brings the data plane up to date.
    cluster.client.resource(Cluster.ingress(NS, "later", "portcullis", "later.test", "web")).create();
    operator = startOperator("operator-2", routePort);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> "b".equals(via("later.test")));
    assertThat(via("shop.test")).isEqualTo("b");
    assertThat(dataPlane.alive()).isTrue();
  }

  ProxyRoute proxyRoute(String name) {
    return cluster.client.resources(ProxyRoute.class).inNamespace(NS).withName(name).get();
  }

  static String condition(ProxyRoute route, String type) {
    if (route == null || route.getStatus() == null) {
      return null;
    }
    return route.getStatus().conditions.stream().filter(c -> type.equals(c.type))
        .map(c -> c.status + "/" + c.reason + "@" + c.observedGeneration).findFirst().orElse(null);
  }

  @Test
  @Order(9)
  void proxyRoutesAreServedAndGetConditions() throws Exception {
    cluster.client.resource(Cluster.service(NS, "canary")).create();
    cluster.client.resource(Cluster.slice(NS, "canary-1", "canary", portA, "127.0.0.1")).create();
    ProxyRoute route = ManifestReaderHolder.read("""
        apiVersion: portcullis.dev/v1alpha1
        kind: ProxyRoute
        metadata: {name: split, namespace: shop}
        spec:
          hostnames: [pr.test]
          rules:
          - backends: [{service: web, port: 80}]
          - name: canary
            matches: [{headers: [{name: x-canary, value: "1"}]}]
            backends: [{service: canary, port: 80}]
        """);
    cluster.client.resource(route).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> "b".equals(via("pr.test")));
    assertThat(via("pr.test", "X-Canary", "1")).isEqualTo("a");
    await().atMost(Duration.ofSeconds(10)).until(() -> "True/Programmed@1".equals(condition(proxyRoute("split"), "Programmed")));
    assertThat(condition(proxyRoute("split"), "Accepted")).isEqualTo("True/Accepted@1");
    assertThat(condition(proxyRoute("split"), "ResolvedRefs")).isEqualTo("True/ResolvedRefs@1");

    // A new generation is Programmed again only once the data plane serves it.
    cluster.client.resources(ProxyRoute.class).inNamespace(NS).withName("split").edit(r -> {
      r.getSpec().rules.get(0).backends.get(0).service = "missing";
      return r;
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> "503".equals(via("pr.test")));
    await().atMost(Duration.ofSeconds(10)).until(() -> "False/BackendNotFound@2".equals(
        condition(proxyRoute("split"), "ResolvedRefs")));
    await().atMost(Duration.ofSeconds(10)).until(() -> "True/Programmed@2".equals(condition(proxyRoute("split"), "Programmed")));

    ProxyRoute invalid = ManifestReaderHolder.read("""
        apiVersion: portcullis.dev/v1alpha1
        kind: ProxyRoute
        metadata: {name: invalid, namespace: shop}
        spec:
          hostnames: [Bad_Host]
          rules: [{backends: [{service: web, port: 80}]}]
        """);
    cluster.client.resource(invalid).create();
    await().atMost(Duration.ofSeconds(10)).until(() -> "False/Invalid@1".equals(condition(proxyRoute("invalid"), "Accepted")));
    assertThat(proxyRoute("invalid").getStatus().conditions.get(0).message).contains("spec.hostnames[0]");
    assertThat(via("pr.test", "X-Canary", "1")).as("one bad route hurts no other").isEqualTo("a");
  }

  @Test
  @Order(10)
  void tlsSecretsAreServedByNameAndRenewedInPlace() throws Exception {
    var ca = dev.portcullis.operator.pki.CertificateAuthority.generate("Test CA", Duration.ofDays(30),
        java.time.Clock.systemUTC());
    var first = ca.issueServer("tls.test", List.of("tls.test"), List.of(), Duration.ofDays(10));
    cluster.client.resource(tlsSecret("tls-cert", first)).create();
    Ingress ingress = Cluster.ingress(NS, "secure", "portcullis", "tls.test", "web");
    ingress.getSpec().setTls(List.of(new io.fabric8.kubernetes.api.model.networking.v1.IngressTLSBuilder()
        .withHosts("tls.test").withSecretName("tls-cert").build()));
    cluster.client.resource(ingress).create();
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> first.certificate().getSerialNumber().equals(servedSerial("tls.test")));
    assertThat(via("tls.test")).as("plain HTTP is redirected").isEqualTo("301");
    // Another name gets the default certificate, not this one.
    assertThat(servedSerial("other.test")).isNotEqualTo(first.certificate().getSerialNumber());

    // cert-manager renews a Secret in place: the next handshake has the new certificate.
    var renewed = ca.issueServer("tls.test", List.of("tls.test"), List.of(), Duration.ofDays(10));
    long start = System.nanoTime();
    cluster.client.resource(tlsSecret("tls-cert", renewed)).update();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .until(() -> renewed.certificate().getSerialNumber().equals(servedSerial("tls.test")));
    System.out.printf("operator: Secret renewal to new certificate served in %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    assertThat(events("secure")).as("a usable certificate is no problem").isEmpty();
  }

  @Test
  @Order(11)
  void aCaBundleInAGenericSecretIsWatchedByNameOnceARouteNamesIt() throws Exception {
    var serverCa = dev.portcullis.operator.pki.CertificateAuthority.generate("Server CA", Duration.ofDays(30),
        java.time.Clock.systemUTC());
    var clientCa = dev.portcullis.operator.pki.CertificateAuthority.generate("Client CA", Duration.ofDays(30),
        java.time.Clock.systemUTC());
    cluster.client.resource(tlsSecret("mtls-cert", serverCa.issueServer("mtls.test", List.of("mtls.test"), List.of(),
        Duration.ofDays(1)))).create();
    cluster.client.resource(ManifestReaderHolder.read("""
        apiVersion: portcullis.dev/v1alpha1
        kind: ProxyRoute
        metadata: {name: mtls, namespace: shop}
        spec:
          hostnames: [mtls.test]
          tls: {secretName: mtls-cert, clientValidation: {caSecretName: client-ca}}
          rules: [{backends: [{service: web, port: 80}]}]
        """)).create();
    // The CA is not there yet: the host lets nobody in.
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> mtlsStatus(null) == 503);
    // A generic (Opaque) Secret: outside the TLS Secrets the operator lists, it is watched by name.
    cluster.client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("client-ca")
        .withNamespace(NS).endMetadata().withType("Opaque").addToData("ca.crt", Base64.getEncoder()
            .encodeToString(clientCa.ca().certificatePem().getBytes(StandardCharsets.US_ASCII))).build()).create();
    var alice = clientCa.issueClient("alice", Duration.ofDays(1));
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> mtlsStatus(alice) == 200);
    assertThat(mtlsStatus(null)).isEqualTo(400);
  }

  /** The status of GET / on mtls.test over TLS, with or without a client certificate. */
  int mtlsStatus(dev.portcullis.operator.pki.CertificateAuthority.Issued client) throws Exception {
    javax.net.ssl.KeyManager[] keys = null;
    if (client != null) {
      java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("me", client.key(), new char[0], new java.security.cert.Certificate[] {client.certificate()});
      javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
      kmf.init(ks, new char[0]);
      keys = kmf.getKeyManagers();
    }
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(keys, new javax.net.ssl.TrustManager[] {TRUST_ALL}, null);
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1",
        httpsPort)) {
      s.setSoTimeout(5000);
      javax.net.ssl.SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new javax.net.ssl.SNIHostName("mtls.test")));
      s.setSSLParameters(p);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: mtls.test\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return Integer.parseInt(reply.split(" ")[1]);
    }
  }

  static final javax.net.ssl.X509TrustManager TRUST_ALL = new javax.net.ssl.X509TrustManager() {
    @Override
    public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

    @Override
    public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

    @Override
    public java.security.cert.X509Certificate[] getAcceptedIssuers() {
      return new java.security.cert.X509Certificate[0];
    }
  };

  static Secret tlsSecret(String name, dev.portcullis.operator.pki.CertificateAuthority.Issued cert) {
    Base64.Encoder b64 = Base64.getEncoder();
    return new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName(name).withNamespace(NS)
        .endMetadata().withType("kubernetes.io/tls")
        .addToData("tls.crt", b64.encodeToString(cert.certificatePem().getBytes(StandardCharsets.US_ASCII)))
        .addToData("tls.key", b64.encodeToString(cert.keyPem().getBytes(StandardCharsets.US_ASCII))).build();
  }

  /** The serial number of the certificate the data plane presents for this server name. */
  java.math.BigInteger servedSerial(String sni) throws Exception {
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, new javax.net.ssl.TrustManager[] {TRUST_ALL}, null);
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1",
        httpsPort)) {
      s.setSoTimeout(5000);
      javax.net.ssl.SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new javax.net.ssl.SNIHostName(sni)));
      s.setSSLParameters(p);
      s.startHandshake();
      return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  /** Reads a manifest the way local mode does (the mock API server takes the object as written). */
  static final class ManifestReaderHolder {
    static ProxyRoute read(String yaml) {
      return (ProxyRoute) new dev.portcullis.translator.manifest.ManifestReader().read(yaml, "test").objects().get(0)
          .object();
    }
  }
}
