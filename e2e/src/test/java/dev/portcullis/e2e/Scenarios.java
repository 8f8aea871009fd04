package dev.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.operator.pki.CertificateAuthority;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The end-to-end scenarios, written once: a subclass says where they run ({@link LocalHarnessIT}
 * on every build, {@link KindE2E} on a Kind cluster). They use examples/ as a user would, and
 * send real HTTP and HTTPS to the data planes the way clients reach them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class Scenarios {

  static final Path EXAMPLES = Target.HOME.resolve("examples");
  static final String NS = "default";
  static final Duration SERVED = Duration.ofSeconds(60);

  Target target;
  String unavailable;

  /** The target, ready to use. */
  abstract Target createTarget() throws Exception;

  /** Why the target cannot run here (every scenario is then reported skipped, saying why), or null. */
  String unavailable() {
    return null;
  }

  @BeforeAll
  void setUp() throws Exception {
    unavailable = unavailable();
    if (unavailable != null) {
      System.out.println(getClass().getSimpleName() + " skipped: " + unavailable);
      return;
    }
    long start = System.nanoTime();
    target = createTarget();
    target.startBackends();
    System.out.printf("%s: target ready in %d ms%n", getClass().getSimpleName(), (System.nanoTime() - start) / 1_000_000);
  }

  @BeforeEach
  void available() {
    Assumptions.assumeTrue(unavailable == null, () -> getClass().getSimpleName() + " skipped: " + unavailable);
  }

  @AfterAll
  void tearDown() {
    if (target != null) {
      target.close();
    }
  }

  /** Runs a scenario; when it fails, prints what the target can tell about itself. */
  void scenario(String name, ThrowingRunnable body) throws Exception {
    long start = System.nanoTime();
    try {
      body.run();
      System.out.printf("%s: %s passed in %d ms%n", getClass().getSimpleName(), name,
          (System.nanoTime() - start) / 1_000_000);
    } catch (Throwable e) {
      System.out.println("=== " + name + " failed; diagnostics:\n" + target.diagnostics());
      throw e;
    }
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** The backend that answered a plain-HTTP GET, a status, or "down". */
  String via(String host, String path) {
    try {
      return Http.get(target.address(), target.httpPort(), host, path).backend();
    } catch (Exception e) {
      return "down";
    }
  }

  @Test
  @Order(1)
  void basicIngress() throws Exception {
    scenario("basic Ingress", () -> {
      target.apply(EXAMPLES.resolve("quickstart/ingress.yaml"));
      await().atMost(SERVED).pollInterval(Duration.ofMillis(100)).until(() -> "web".equals(via("demo.local", "/")));
      assertThat(via("demo.local", "/api/orders")).isEqualTo("api");
      assertThat(via("DEMO.local", "/anything")).as("host names ignore case").isEqualTo("web");
      assertThat(via("unknown.example", "/")).as("the default backend takes every other host").isEqualTo("fallback");
      // The leader writes the address clients use into the Ingress status, and nothing else.
      await().atMost(SERVED).until(() -> !addresses(ingress("demo")).isEmpty());
      Ingress demo = ingress("demo");
      assertThat(demo.getMetadata().getFinalizers()).as("the operator adds no finalizer").isNullOrEmpty();
      assertThat(demo.getMetadata().getGeneration()).as("nor changes the spec").isEqualTo(1L);
    });
  }

  @Test
  @Order(2)
  void tlsTermination() throws Exception {
    scenario("TLS", () -> {
      target.apply(EXAMPLES.resolve("tls/tls.yaml"));
      X509Certificate expected = certificate(target.kube().secrets().inNamespace(NS).withName("secure-local-tls").get());
      await().atMost(SERVED).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> expected.equals(
          Http.getTls(target.address(), target.httpsPort(), "secure.local", "secure.local", "/").certificate()));
      Http.Response secure = Http.getTls(target.address(), target.httpsPort(), "secure.local", "secure.local", "/");
      assertThat(secure.backend()).isEqualTo("web");
      assertThat(secure.header("strict-transport-security")).isEqualTo("max-age=31536000; includeSubDomains");
      // The wildcard Ingress with the same Secret.
      Http.Response wildcard = Http.getTls(target.address(), target.httpsPort(), "app.secure.local", "app.secure.local",
          "/");
      assertThat(wildcard.backend()).isEqualTo("api");
      assertThat(wildcard.certificate()).isEqualTo(expected);
      // Plain HTTP for a TLS host is redirected; another name gets the default certificate.
      Http.Response plain = Http.get(target.address(), target.httpPort(), "secure.local", "/page?q=1");
      assertThat(plain.status()).isEqualTo(301);
      assertThat(plain.header("location")).startsWith("https://secure.local").endsWith("/page?q=1");
      assertThat(Http.getTls(target.address(), target.httpsPort(), "other.example", "other.example", "/")
          .certificate()).isNotEqualTo(expected);
    });
  }

  @Test
  @Order(3)
  void proxyRouteCanary() throws Exception {
    scenario("ProxyRoute canary", () -> {
      target.apply(EXAMPLES.resolve("proxyroute/canary-split.yaml"));
      await().atMost(SERVED).pollInterval(Duration.ofMillis(100)).until(() -> "web".equals(via("canary.local", "/"))
          || "api".equals(via("canary.local", "/")));
      // One data plane serving it is not all of them: Programmed says every one acknowledged it
      // (counting before that raced the second data plane, and a fast one lost the race).
      await().atMost(SERVED).until(() -> "True".equals(condition("canary-split", "Programmed")));
      Map<String, Integer> counts = new TreeMap<>();
      for (int i = 0; i < 200; i++) {
        counts.merge(via("canary.local", "/"), 1, Integer::sum);
      }
      // 90/10 exactly per data plane; the load balancer in front splits the 200 between them.
      assertThat(counts).as("%s", counts).containsOnlyKeys("web", "api");
      assertThat(counts.get("api")).as("the canary's share of 200: %s", counts).isBetween(10, 35);
      await().atMost(SERVED).until(() -> "True".equals(condition("canary-split", "Programmed")));
      assertThat(condition("canary-split", "Accepted")).isEqualTo("True");
    });
  }

  @Test
  @Order(4)
  void endpointChurnDuringTraffic() throws Exception {
    scenario("endpoint churn", () -> {
      Traffic.Result result;
      try (Traffic traffic = Traffic.start(target.address(), target.httpPort(), "demo.local", 4)) {
        target.churnEndpoints();
        result = traffic.stop();
      }
      System.out.println("endpoint churn: " + result);
      assertThat(result.failures()).as("failed requests while endpoints changed: %s", result).isEmpty();
      assertThat(result.ok()).isPositive();
    });
  }

  @Test
  @Order(5)
  void operatorRestart() throws Exception {
    scenario("operator restart", () -> {
      Traffic.Result result;
      try (Traffic traffic = Traffic.start(target.address(), target.httpPort(), "demo.local", 2)) {
        target.restartOperator();
        // A change after the restart is served, and the new leader writes its status.
        target.kube().resource(ingress("later", "later.local", "web")).createOr(NonDeletingOperation::update);
        await().atMost(SERVED).pollInterval(Duration.ofMillis(100)).until(() -> "web".equals(via("later.local", "/")));
        result = traffic.stop();
      }
      System.out.println("operator restart: " + result);
      assertThat(result.failures()).as("the data planes keep serving while the operator is away: %s", result).isEmpty();
      await().atMost(SERVED).until(() -> !addresses(ingress("later")).isEmpty());
    });
  }

  @Test
  @Order(6)
  void dataPlaneRollingRestartDropsNoRequest() throws Exception {
    scenario("data-plane rolling restart", () -> {
      Traffic.Result result;
      try (Traffic traffic = Traffic.start(target.address(), target.httpPort(), "demo.local", 4)) {
        target.rollDataPlanes();
        Thread.sleep(500);
        result = traffic.stop();
      }
      System.out.println("data-plane rolling restart: " + result);
      assertThat(result.failures()).as("failed requests during the rolling restart: %s", result).isEmpty();
      assertThat(result.ok()).isGreaterThan(100);
    });
  }

  @Test
  @Order(7)
  void upgradeWithAChangedSetting() throws Exception {
    scenario("upgrade", () -> {
      CertificateAuthority ca = CertificateAuthority.generate("e2e CA", Duration.ofDays(2), Clock.systemUTC());
      CertificateAuthority.Issued cert = ca.issueServer("e2e-default", List.of("e2e-default.test"), List.of(),
          Duration.ofDays(1));
      target.kube().resource(tlsSecret("e2e-default-cert", cert)).createOr(NonDeletingOperation::update);
      assertThat(Http.getTls(target.address(), target.httpsPort(), "nobody.test", "nobody.test", "/").certificate())
          .isNotEqualTo(cert.certificate());
      Traffic.Result result;
      try (Traffic traffic = Traffic.start(target.address(), target.httpPort(), "demo.local", 4)) {
        target.upgrade(NS + "/e2e-default-cert");
        await().atMost(SERVED).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> cert.certificate()
            .equals(Http.getTls(target.address(), target.httpsPort(), "nobody.test", "nobody.test", "/").certificate()));
        result = traffic.stop();
      }
      System.out.println("upgrade: " + result);
      assertThat(result.failures()).as("failed requests during the upgrade: %s", result).isEmpty();
      assertThat(via("demo.local", "/")).isEqualTo("web");
    });
  }

  // ---- helpers -----------------------------------------------------------------------------------

  Ingress ingress(String name) {
    return target.kube().network().v1().ingresses().inNamespace(NS).withName(name).get();
  }

  static List<String> addresses(Ingress i) {
    if (i == null || i.getStatus() == null || i.getStatus().getLoadBalancer() == null
        || i.getStatus().getLoadBalancer().getIngress() == null) {
      return List.of();
    }
    return i.getStatus().getLoadBalancer().getIngress().stream()
        .map(a -> a.getIp() != null ? a.getIp() : a.getHostname()).toList();
  }

  String condition(String route, String type) {
    ProxyRoute r = target.kube().resources(ProxyRoute.class).inNamespace(NS).withName(route).get();
    if (r == null || r.getStatus() == null || r.getStatus().conditions == null) {
      return null;
    }
    return r.getStatus().conditions.stream().filter(c -> type.equals(c.type)).map(c -> c.status).findFirst().orElse(null);
  }

  static Ingress ingress(String name, String host, String service) {
    return new IngressBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withNewSpec().withIngressClassName("portcullis").addNewRule().withHost(host).withNewHttp().addNewPath()
        .withPath("/").withPathType("Prefix").withNewBackend().withNewService().withName(service).withNewPort()
        .withNumber(80).endPort().endService().endBackend().endPath().endHttp().endRule().endSpec().build();
  }

  static Secret tlsSecret(String name, CertificateAuthority.Issued cert) {
    Base64.Encoder b64 = Base64.getEncoder();
    return new SecretBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withType("kubernetes.io/tls")
        .addToData("tls.crt", b64.encodeToString(cert.certificatePem().getBytes(StandardCharsets.US_ASCII)))
        .addToData("tls.key", b64.encodeToString(cert.keyPem().getBytes(StandardCharsets.US_ASCII))).build();
  }

  static X509Certificate certificate(Secret secret) throws Exception {
    byte[] pem = Base64.getDecoder().decode(secret.getData().get("tls.crt"));
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
  }
}
