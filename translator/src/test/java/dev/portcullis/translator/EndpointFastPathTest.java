package dev.portcullis.translator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.Endpoint;
import dev.portcullis.translator.manifest.ManifestReader;
import dev.portcullis.translator.status.ObjectRef;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The endpoint-only fast path and the references that decide when it applies. */
class EndpointFastPathTest {

  static final String OBJECTS = """
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata: {name: site, namespace: shop}
      spec:
        ingressClassName: portcullis
        tls: [{hosts: [a.test], secretName: site-tls}]
        defaultBackend: {service: {name: fallback, port: {number: 80}}}
        rules:
        - host: a.test
          http:
            paths:
            - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: shop}
      spec: {ports: [{name: http, port: 80}]}
      """;

  static String slice(String... addresses) {
    StringBuilder sb = new StringBuilder("""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
        addressType: IPv4
        ports: [{name: http, port: 8080}]
        endpoints:
        """);
    for (String a : addresses) {
      sb.append("- addresses: [\"").append(a).append("\"]\n");
    }
    if (addresses.length == 0) {
      sb.append("  []\n");
    }
    return sb.toString();
  }

  static ClusterSnapshot snapshot(String... slices) {
    ClusterSnapshot.Builder b = ClusterSnapshot.builder();
    ManifestReader reader = new ManifestReader();
    reader.read(OBJECTS, "objects").objects().forEach(m -> b.add(m.object()));
    for (String s : slices) {
      reader.read(s, "slice").objects().forEach(m -> b.add(m.object()));
    }
    return b.build();
  }

  final Translator translator = new Translator(TranslatorOptions.DEFAULT);
  final Set<ObjectKey> web = Set.of(new ObjectKey("shop", "web"));

  @Test
  void movedEndpointsRefreshOnlyTheirCluster() {
    TranslationResult before = translator.translate(snapshot(slice("10.0.0.1")));
    Optional<TranslationResult> after = translator.refreshEndpoints(before, snapshot(slice("10.0.0.2", "10.0.0.3")), web);
    assertThat(after).isPresent();
    assertThat(after.get().table().virtualHosts()).isSameAs(before.table().virtualHosts());
    assertThat(after.get().status()).isSameAs(before.status());
    assertThat(after.get().table().clusters()).filteredOn(c -> c.name().equals("service/shop/web/port/80"))
        .singleElement().satisfies(c -> assertThat(c.endpoints())
            .containsExactly(new Endpoint("10.0.0.2", 8080), new Endpoint("10.0.0.3", 8080)));
    // Exactly what a full translation of the new snapshot gives.
    assertThat(after.get().table()).isEqualTo(translator.translate(snapshot(slice("10.0.0.2", "10.0.0.3"))).table());
  }

  @Test
  void gainingOrLosingTheLastEndpointNeedsAFullTranslation() {
    TranslationResult none = translator.translate(snapshot(slice()));
    assertThat(translator.refreshEndpoints(none, snapshot(slice("10.0.0.1")), web)).isEmpty();
    TranslationResult one = translator.translate(snapshot(slice("10.0.0.1")));
    assertThat(translator.refreshEndpoints(one, snapshot(slice()), web)).isEmpty();
  }

  @Test
  void referencesMapServicesAndSecretsToTheirIngresses() {
    References refs = References.of(snapshot());
    ObjectRef site = new ObjectRef("Ingress", "shop", "site");
    assertThat(refs.ingressesUsingService("shop", "web")).containsExactly(site);
    assertThat(refs.ingressesUsingService("shop", "fallback")).as("default backend").containsExactly(site);
    assertThat(refs.ingressesUsingService("shop", "missing")).isEmpty();
    assertThat(refs.ingressesUsingService("other", "web")).as("namespaces are separate").isEmpty();
    assertThat(refs.ingressesUsingSecret("shop", "site-tls")).containsExactly(site);
  }
}
