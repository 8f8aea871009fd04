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

  /** Many Services: the fast path refreshes exactly the changed Service's clusters (each of its ports), again and again. */
  @Test
  void amongManyServicesOnlyTheChangedOnesClustersAreRefreshed() {
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      yaml.append("""
          apiVersion: networking.k8s.io/v1
          kind: Ingress
          metadata: {name: app-%1$d, namespace: shop}
          spec:
            ingressClassName: portcullis
            rules:
            - host: app-%1$d.test
              http:
                paths:
                - {path: /, pathType: Prefix, backend: {service: {name: svc-%1$d, port: {number: 80}}}}
                - {path: /admin, pathType: Prefix, backend: {service: {name: svc-%1$d, port: {number: 81}}}}
          ---
          apiVersion: v1
          kind: Service
          metadata: {name: svc-%1$d, namespace: shop}
          spec: {ports: [{name: http, port: 80}, {name: admin, port: 81}]}
          ---
          """.formatted(i));
    }
    java.util.function.IntFunction<ClusterSnapshot> snapshot = last -> {
      ClusterSnapshot.Builder b = ClusterSnapshot.builder();
      ManifestReader reader = new ManifestReader();
      reader.read(yaml.toString(), "objects").objects().forEach(m -> b.add(m.object()));
      for (int i = 0; i < 40; i++) {
        String slice = """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: svc-%1$d-1, namespace: shop, labels: {kubernetes.io/service-name: svc-%1$d}}
            addressType: IPv4
            ports: [{name: http, port: 8080}, {name: admin, port: 9090}]
            endpoints: [{addresses: ["10.0.%1$d.%2$d"]}]
            """.formatted(i, i == 7 ? last : 1);
        reader.read(slice, "slice").objects().forEach(m -> b.add(m.object()));
      }
      return b.build();
    };
    TranslationResult result = translator.translate(snapshot.apply(1));
    Set<ObjectKey> seven = Set.of(new ObjectKey("shop", "svc-7"));
    for (int step = 2; step < 6; step++) {
      ClusterSnapshot next = snapshot.apply(step);
      TranslationResult refreshed = translator.refreshEndpoints(result, next, seven).orElseThrow();
      assertThat(refreshed.table()).as("step " + step)
          .isEqualTo(new Translator(TranslatorOptions.DEFAULT).translate(next).table());
      for (int i = 0; i < refreshed.table().clusters().size(); i++) {
        var c = refreshed.table().clusters().get(i);
        if (c.name().startsWith("service/shop/svc-7/")) {
          assertThat(c.endpoints()).extracting(e -> e.address()).containsExactly("10.0.7." + step);
          assertThat(refreshed.resolutions().get(c.name()).cluster()).isSameAs(c);
        } else {
          assertThat(c).as(c.name()).isSameAs(result.table().clusters().get(i));
        }
      }
      assertThat(refreshed.table().clusters()).filteredOn(c -> c.name().startsWith("service/shop/svc-7/")).hasSize(2);
      result = refreshed;
    }
    // A Service no cluster comes from: nothing to refresh.
    assertThat(translator.refreshEndpoints(result, snapshot.apply(5), Set.of(new ObjectKey("shop", "unused"))))
        .containsSame(result);
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
