package dev.portcullis.operator.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.rebuild.ChangeSet;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.ObjectKey;
import dev.portcullis.translator.References;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The secondary-to-primary mapping: which events can change the table, and how. */
class ChangeClassifierTest {

  final ChangeClassifier classifier = new ChangeClassifier();

  static Ingress ingress(String rv, String service, String secret) {
    return new IngressBuilder().withNewMetadata().withNamespace("shop").withName("site").withResourceVersion(rv).endMetadata()
        .withNewSpec().addNewTl().withSecretName(secret).withHosts("a.test").endTl().addNewRule().withHost("a.test")
        .withNewHttp().addNewPath().withPath("/").withPathType("Prefix").withNewBackend().withNewService()
        .withName(service).withNewPort().withNumber(80).endPort().endService().endBackend().endPath().endHttp()
        .endRule().endSpec().build();
  }

  static EndpointSlice slice(String rv, String service, String address) {
    return new EndpointSliceBuilder().withNewMetadata().withNamespace("shop").withName(service + "-x").withResourceVersion(rv)
        .addToLabels(ClusterSnapshot.SERVICE_NAME_LABEL, service).endMetadata().withAddressType("IPv4")
        .addNewEndpoint().withAddresses(address).endEndpoint().build();
  }

  @BeforeEach
  void references() {
    ClusterSnapshot snapshot = ClusterSnapshot.builder().addAll(java.util.List.of(ingress("1", "web", "site-tls"))).build();
    classifier.references(References.of(snapshot));
  }

  Optional<ChangeSet> classify(HasMetadata before, HasMetadata after) {
    return classifier.classify(before, after);
  }

  @Test
  void ingressesAlwaysMatterExceptStatusWritesAndResyncs() {
    assertThat(classify(null, ingress("1", "web", "t"))).hasValueSatisfying(c -> assertThat(c.isFull()).isTrue());
    assertThat(classify(ingress("1", "web", "t"), null)).hasValueSatisfying(c -> assertThat(c.isFull()).isTrue());
    assertThat(classify(ingress("1", "web", "t"), ingress("1", "web", "t"))).as("resync").isEmpty();
    Ingress withStatus = ingress("2", "web", "t");
    withStatus.setStatus(new io.fabric8.kubernetes.api.model.networking.v1.IngressStatus());
    assertThat(classify(ingress("1", "web", "t"), withStatus)).as("status write").isEmpty();
    assertThat(classify(ingress("1", "web", "t"), ingress("2", "api", "t"))).isPresent();
  }

  @Test
  void endpointSlicesOfReferencedServicesTakeTheFastPath() {
    assertThat(classify(slice("1", "web", "10.0.0.1"), slice("2", "web", "10.0.0.2"))).hasValueSatisfying(c -> {
      assertThat(c.isFull()).isFalse();
      assertThat(c.endpointServices()).containsExactly(new ObjectKey("shop", "web"));
    });
    assertThat(classify(slice("1", "other", "10.0.0.1"), slice("2", "other", "10.0.0.2")))
        .as("no Ingress uses that Service").isEmpty();
    assertThat(classify(slice("1", "web", "10.0.0.1"), slice("2", "web", "10.0.0.1")))
        .as("same endpoints, new resourceVersion").isEmpty();
    assertThat(classify(null, slice("1", "web", "10.0.0.1"))).isPresent();
  }

  @Test
  void servicesAndSecretsMatterOnlyWhenReferenced() {
    var web = new ServiceBuilder().withNewMetadata().withNamespace("shop").withName("web").withResourceVersion("1")
        .endMetadata().withNewSpec().addNewPort().withPort(80).endPort().endSpec().build();
    var web2 = new ServiceBuilder(web).editMetadata().withResourceVersion("2").endMetadata().editSpec().editFirstPort()
        .withPort(81).endPort().endSpec().build();
    var other = new ServiceBuilder(web).editMetadata().withName("other").endMetadata().build();
    assertThat(classify(web, web2)).hasValueSatisfying(c -> assertThat(c.isFull()).isTrue());
    var consenting = new ServiceBuilder(web).editMetadata().withResourceVersion("3")
        .addToAnnotations("portcullis.dev/allowed-route-namespaces", "team-a").endMetadata().build();
    assertThat(classify(web, consenting)).as("cross-namespace consent granted")
        .hasValueSatisfying(c -> assertThat(c.isFull()).isTrue());
    assertThat(classify(consenting, web)).as("consent revoked").isPresent();
    var relabelled = new ServiceBuilder(web).editMetadata().withResourceVersion("4").addToLabels("team", "x")
        .endMetadata().build();
    assertThat(classify(web, relabelled)).as("a label the translator does not read").isEmpty();
    assertThat(classify(null, other)).isEmpty();
    var tls = new SecretBuilder().withNewMetadata().withNamespace("shop").withName("site-tls").endMetadata()
        .withType("kubernetes.io/tls").build();
    var unrelated = new SecretBuilder(tls).editMetadata().withName("unrelated").endMetadata().build();
    assertThat(classify(null, tls)).isPresent();
    assertThat(classify(null, unrelated)).isEmpty();
  }

  @Test
  void ingressClassesMatter() {
    var c1 = new IngressClassBuilder().withNewMetadata().withName("portcullis").withResourceVersion("1").endMetadata()
        .withNewSpec().withController("portcullis.dev/ingress-controller").endSpec().build();
    var c2 = new IngressClassBuilder(c1).editMetadata().withResourceVersion("2").addToAnnotations(
        "ingressclass.kubernetes.io/is-default-class", "true").endMetadata().build();
    assertThat(classify(null, c1)).isPresent();
    assertThat(classify(c1, c2)).as("became the default class").isPresent();
  }
}
