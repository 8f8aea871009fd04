package dev.portcullis.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.operator.KubernetesOperator;
import dev.portcullis.operator.pki.RoutePki;
import dev.portcullis.operator.status.ReplicaAcks;
import dev.portcullis.translator.TranslatorOptions;
import io.fabric8.kubernetes.api.model.Secret;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas, and a data plane connected to the one that is not the leader: the
 * leader, which alone writes status, calls a route Programmed only once that data plane (whose
 * ACKs reach it through the other replica) serves it.
 */
class ReplicasIT {

  static final String NS = "shop";
  final List<String> fatal = new CopyOnWriteArrayList<>();

  KubernetesOperator start(Cluster cluster, String identity, int routePort) throws Exception {
    return new KubernetesOperator(cluster.client, new KubernetesOperator.Settings(Set.of(), "portcullis", identity,
        TranslatorOptions.DEFAULT, 50, new InetSocketAddress("127.0.0.1", routePort), null,
        new RoutePki.Settings("portcullis", "portcullis-route-ca", "portcullis-data-plane-tls", List.of("localhost"),
            List.of("127.0.0.1")),
        new InetSocketAddress("127.0.0.1", 0), true, "portcullis-operator", Duration.ofSeconds(6),
        List.of("198.51.100.7"), null, () -> fatal.add(identity))).start();
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void theLeaderCountsTheDataPlanesOfTheOtherReplica() throws Exception {
    try (Cluster cluster = new Cluster()) {
      cluster.client.apiextensions().v1().customResourceDefinitions()
          .load(Path.of(System.getProperty("portcullis.home", ".."), "crds", "proxyroutes.portcullis.dev-v1.yml")
              .toFile()).create();
      int portA = freePort();
      int portB = freePort();
      KubernetesOperator a = start(cluster, "replica-a", portA);
      KubernetesOperator b = start(cluster, "replica-b", portB);
      JavaProcess dataPlane = null;
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> a.isLeader() || b.isLeader());
        KubernetesOperator leader = a.isLeader() ? a : b;
        int standbyPort = leader == a ? portB : portA;

        Secret secret = cluster.client.secrets().inNamespace("portcullis").withName("portcullis-data-plane-tls").get();
        Path dir = Files.createTempDirectory("dp-tls");
        for (String key : List.of("ca.crt", "tls.crt", "tls.key")) {
          Files.write(dir.resolve(key), Base64.getDecoder().decode(secret.getData().get(key)));
        }
        int adminPort = freePort();
        dataPlane = JavaProcess.dataPlaneJar("data-plane", "--route-server", "https://localhost:" + standbyPort,
            "--route-ca-file", dir.resolve("ca.crt").toString(), "--route-cert-file", dir.resolve("tls.crt").toString(),
            "--route-key-file", dir.resolve("tls.key").toString(), "--node-id", "dp-on-standby", "--bind", "127.0.0.1",
            "--http-port", Integer.toString(freePort()), "--https-port", "-1", "--admin-port",
            Integer.toString(adminPort), "--event-loops", "1");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
            .until(() -> (leader == a ? b : a).routeServer().nodes().containsKey("dp-on-standby"));
        assertThat(leader.routeServer().nodes()).as("nothing is connected to the leader").isEmpty();

        cluster.client.resource(Cluster.service(NS, "web")).create();
        ProxyRoute route = (ProxyRoute) new dev.portcullis.translator.manifest.ManifestReader().read("""
            apiVersion: portcullis.dev/v1alpha1
            kind: ProxyRoute
            metadata: {name: spread, namespace: shop}
            spec:
              hostnames: [spread.test]
              rules: [{backends: [{service: web, port: 80}]}]
            """, "test").objects().get(0).object();
        cluster.client.resource(route).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> "True/Programmed@1".equals(OperatorIT.condition(
            cluster.client.resources(ProxyRoute.class).inNamespace(NS).withName("spread").get(), "Programmed")));
        // Each replica says what its data planes ACKed in a ConfigMap of the operator's namespace.
        assertThat(cluster.client.configMaps().inNamespace("portcullis").withLabel(ReplicaAcks.LABEL).list().getItems())
            .hasSize(2);

        // Without the data plane, a new generation has no data plane to be served by.
        dataPlane.close();
        dataPlane = null;
        cluster.client.resources(ProxyRoute.class).inNamespace(NS).withName("spread").edit(r -> {
          r.getSpec().hostnames = List.of("spread.test", "more.test");
          return r;
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> "False/NoDataPlanes@2".equals(OperatorIT.condition(
            cluster.client.resources(ProxyRoute.class).inNamespace(NS).withName("spread").get(), "Programmed")));
      } finally {
        if (dataPlane != null) {
          dataPlane.close();
        }
        a.close();
        b.close();
      }
      assertThat(fatal).isEmpty();
    }
  }
}
