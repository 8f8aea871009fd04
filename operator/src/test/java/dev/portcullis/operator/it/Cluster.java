package dev.portcullis.operator.it;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * Fabric8's mock API server in CRUD mode, and the objects the tests create in it. Public, and in
 * the operator's test jar, for the end-to-end scenarios' local harness (e2e/).
 */
public final class Cluster implements AutoCloseable {

  public final KubernetesMockServer server;
  public final NamespacedKubernetesClient client;

  public Cluster() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init();
    // JOSDK checks its Lease permissions with a SelfSubjectRulesReview, which CRUD mode cannot answer.
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().addNewResourceRule()
            .withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("create", "update", "get")
            .endResourceRule().endStatus().build())
        .always();
    client = server.createClient();
  }

  public static IngressClass ingressClass(String name, String controller) {
    return new IngressClassBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withController(controller).endSpec().build();
  }

  public static Service service(String ns, String name) {
    return new ServiceBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString(8080)).endPort()
        .endSpec().build();
  }

  public static EndpointSlice slice(String ns, String name, String service, int port, String... addresses) {
    EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName(name).withNamespace(ns)
        .addToLabels("kubernetes.io/service-name", service).endMetadata()
        .withAddressType("IPv4").addNewPort().withName("http").withPort(port).withProtocol("TCP").endPort();
    for (String a : addresses) {
      b.addNewEndpoint().withAddresses(a).withNewConditions().withReady(true).endConditions().endEndpoint();
    }
    return b.build();
  }

  public static Ingress ingress(String ns, String name, String className, String host, String service) {
    return new IngressBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .withNewSpec().withIngressClassName(className).addNewRule().withHost(host).withNewHttp().addNewPath()
        .withPath("/").withPathType("Prefix").withNewBackend().withNewService().withName(service).withNewPort()
        .withNumber(80).endPort().endService().endBackend().endPath().endHttp().endRule().endSpec().build();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
