package dev.portcullis.operator.it;

import dev.portcullis.operator.KubernetesOperator;
import dev.portcullis.operator.pki.RoutePki;
import dev.portcullis.translator.TranslatorOptions;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * An operator replica in a JVM of its own, against the test's mock API server, with the default
 * lease: the process a test can kill as a node failure kills a pod.
 *
 * <p>Arguments: the API server's URL, the replica's identity.
 */
public final class OperatorProcessMain {

  private OperatorProcessMain() {}

  public static void main(String[] args) throws Exception {
    KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(args[0])
        .withTrustCerts(true).withNamespace("default").build()).build();
    new KubernetesOperator(client, new KubernetesOperator.Settings(Set.of(), "portcullis", args[1],
        TranslatorOptions.DEFAULT, 50, new InetSocketAddress("127.0.0.1", 0), null,
        new RoutePki.Settings("portcullis", "ca", "client", List.of("localhost"), List.of()),
        new InetSocketAddress("127.0.0.1", 0), true, "portcullis-operator", Duration.ofSeconds(10),
        List.of("198.51.100.7"), null, () -> System.exit(3))).start();
    System.out.println("started " + args[1]);
    Thread.currentThread().join();
  }
}
