package dev.portcullis.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.RouteAction;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.Translator;
import dev.portcullis.translator.TranslatorOptions;
import dev.portcullis.translator.manifest.ManifestReader;
import dev.portcullis.translator.status.Disposition;
import dev.portcullis.translator.status.ObjectStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code portcullis migrate}: the verdicts per Ingress, and ProxyRoutes the translator takes as they are. */
class MigrateCommandTest {

  static final String INGRESSES = """
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata:
        name: shop
        annotations:
          nginx.ingress.kubernetes.io/rewrite-target: /
          nginx.ingress.kubernetes.io/limit-rps: "10"
          nginx.ingress.kubernetes.io/enable-cors: "true"
          nginx.ingress.kubernetes.io/affinity: cookie
          nginx.ingress.kubernetes.io/proxy-read-timeout: "120"
          nginx.ingress.kubernetes.io/whitelist-source-range: 10.0.0.0/8
          nginx.ingress.kubernetes.io/proxy-buffering: "off"
      spec:
        ingressClassName: nginx
        tls: [{hosts: [shop.example.com], secretName: shop-tls}]
        rules:
        - host: shop.example.com
          http:
            paths:
            - {path: /app, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      ---
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata:
        name: shop-canary
        annotations:
          nginx.ingress.kubernetes.io/canary: "true"
          nginx.ingress.kubernetes.io/canary-by-header: X-Canary
          nginx.ingress.kubernetes.io/canary-weight: "10"
      spec:
        ingressClassName: nginx
        rules:
        - host: shop.example.com
          http:
            paths:
            - {path: /app, pathType: Prefix, backend: {service: {name: web-v2, port: {number: 80}}}}
      ---
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata:
        name: capture
        annotations:
          nginx.ingress.kubernetes.io/rewrite-target: /$2
      spec:
        ingressClassName: nginx
        rules:
        - host: api.example.com
          http:
            paths:
            - {path: "/v1(/|$)(.*)", pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 80}}}}
      ---
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata:
        name: snippets
        annotations:
          nginx.ingress.kubernetes.io/configuration-snippet: |
            more_set_headers "X-Frame-Options: DENY";
      spec:
        ingressClassName: nginx
        rules:
        - host: legacy.example.com
          http:
            paths:
            - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      """;

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new MigrateCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void aFileThatCannotBeReadIsNamedAndExits3(@TempDir Path dir) {
    Path missing = dir.resolve("missing.yaml");
    Run r = run("-f", missing.toString());
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).startsWith("migrate: cannot read " + missing + ": ");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void reportsWhatIsHonouredRefusedAndNotExpressible(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ingress.yaml");
    Files.writeString(file, INGRESSES);
    Run r = run("-f", file.toString());
    // The snippet's Ingress is not served as it is.
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("4 Ingresses; 3 served as they are in the compatibility mode, 1 not");
    String[] docs = r.out().split("(?m)^---\\n");
    assertThat(docs).hasSize(5);
    assertThat(docs[1]).contains("ingress: default/shop", "servedInCompatibilityMode: true",
        "nginx.ingress.kubernetes.io/limit-rps:", "acceptedWithoutEffect:", "nginx.ingress.kubernetes.io/proxy-buffering",
        "kind: ProxyRoute", "X-Canary", "weight: 90");
    assertThat(docs[2]).contains("ingress: default/shop-canary", "canaryOf: default/shop")
        .doesNotContain("kind: ProxyRoute");
    assertThat(docs[3]).contains("ingress: default/capture", "notInProxyRoute:", "nginx.ingress.kubernetes.io/rewrite-target",
        "capture groups");
    assertThat(docs[4]).contains("ingress: default/snippets", "servedInCompatibilityMode: false", "refused:",
        "nginx.ingress.kubernetes.io/configuration-snippet", "never", "executes");
  }

  @Test
  void theProxyRoutesTranslateWithoutErrors(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ingress.yaml");
    Files.writeString(file, INGRESSES);
    Run r = run("-f", file.toString(), "-o", "proxyroutes");
    assertThat(r.out()).contains("# Ingress default/snippets", "#   refused nginx.ingress.kubernetes.io/configuration-snippet");
    ManifestReader reader = new ManifestReader("default");
    ManifestReader.Result read = reader.read(r.out(), "proxyroutes.yaml");
    assertThat(read.problems()).isEmpty();
    ClusterSnapshot.Builder snapshot = ClusterSnapshot.builder();
    read.objects().forEach(m -> snapshot.add(m.object()));
    for (String svc : List.of("web", "web-v2")) {
      reader.read("""
          apiVersion: v1
          kind: Service
          metadata: {name: %s}
          spec: {ports: [{name: http, port: 80}]}
          """.formatted(svc), "svc.yaml").objects().forEach(m -> snapshot.add(m.object()));
    }
    TranslationResult t = new Translator(TranslatorOptions.DEFAULT).translate(snapshot.build());
    List<ObjectStatus> routes = t.status().objects().stream().filter(s -> s.object().kind().equals("ProxyRoute")).toList();
    assertThat(routes).hasSize(3);
    for (ObjectStatus s : routes) {
      assertThat(s.disposition()).as(s.toString()).isIn(Disposition.ACCEPTED, Disposition.DEGRADED);
      assertThat(s.problems()).as(s.toString()).allSatisfy(p -> assertThat(p.reason())
          .isIn("NoReadyEndpoints", "SecretNotFound"));
    }
    VirtualHost shop = t.table().virtualHosts().stream().filter(v -> v.hostname().equals("shop.example.com"))
        .findFirst().orElseThrow();
    // The canary's header rules, and the main rule split 90/10.
    assertThat(shop.routes()).anySatisfy(route -> assertThat(route.match().headers()).isNotEmpty());
    assertThat(shop.routes()).anySatisfy(route -> assertThat(route.action()).isInstanceOfSatisfying(
        RouteAction.Forward.class, f -> assertThat(f.clusters()).extracting(RouteAction.ClusterWeight::weight)
            .containsExactly(90, 10)));
  }
}
