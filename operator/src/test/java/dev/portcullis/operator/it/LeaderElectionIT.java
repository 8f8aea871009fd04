package dev.portcullis.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.KubernetesOperator;
import dev.portcullis.operator.pki.RoutePki;
import dev.portcullis.translator.TranslatorOptions;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Two operator replicas: both serve the same table, one writes status, the other takes over. */
class LeaderElectionIT {

  final List<String> fatal = new CopyOnWriteArrayList<>();

  KubernetesOperator start(Cluster cluster, String identity) throws Exception {
    return start(cluster, identity, Duration.ofSeconds(6));
  }

  KubernetesOperator start(Cluster cluster, String identity, Duration lease) throws Exception {
    return new KubernetesOperator(cluster.client, new KubernetesOperator.Settings(Set.of(), "portcullis", identity,
        TranslatorOptions.DEFAULT, 50, new InetSocketAddress("127.0.0.1", 0), null,
        new RoutePki.Settings("portcullis", "ca", "client", List.of("localhost"), List.of()),
        new InetSocketAddress("127.0.0.1", 0), true, "portcullis-operator", lease,
        List.of("198.51.100.7"), null, () -> fatal.add(identity))).start();
  }

  static boolean hasStatus(Cluster cluster, String name) {
    Ingress i = cluster.client.network().v1().ingresses().inNamespace("web").withName(name).get();
    return i != null && i.getStatus() != null && i.getStatus().getLoadBalancer() != null
        && i.getStatus().getLoadBalancer().getIngress() != null && !i.getStatus().getLoadBalancer().getIngress().isEmpty();
  }

  @Test
  void aStandbyTakesOverWithinFifteenSecondsOfTheLeadersDeathAtTheDefaultLease() throws Exception {
    try (Cluster cluster = new Cluster()) {
      JavaProcess doomed = JavaProcess.main(OperatorProcessMain.class,
          cluster.client.getConfiguration().getMasterUrl(), "replica-doomed");
      KubernetesOperator standby = null;
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
            .until(() -> "replica-doomed".equals(cluster.client.leases().inNamespace("portcullis")
                .withName("portcullis-operator").get().getSpec().getHolderIdentity()));
        standby = start(cluster, "replica-standby", Duration.ofSeconds(10));
        Thread.sleep(3000);
        assertThat(standby.isLeader()).as("the doomed replica still leads").isFalse();
        long start = System.nanoTime();
        doomed.kill(); // no shutdown: the Lease is not given back, it expires
        KubernetesOperator s = standby;
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(s::isLeader);
        long failover = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("leader election: the standby took over %d ms after the leader was killed%n", failover);
        assertThat(failover).isLessThan(15_000);
      } finally {
        doomed.close();
        if (standby != null) {
          standby.close();
        }
      }
    }
  }

  @Test
  void oneLeaderWritesStatusAndAStandbyTakesOver() throws Exception {
    try (Cluster cluster = new Cluster()) {
      KubernetesOperator a = start(cluster, "replica-a");
      KubernetesOperator b = start(cluster, "replica-b");
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> a.isLeader() || b.isLeader());
        assertThat(a.isLeader() && b.isLeader()).as("one leader at a time").isFalse();
        KubernetesOperator leader = a.isLeader() ? a : b;
        KubernetesOperator standby = leader == a ? b : a;

        cluster.client.resource(Cluster.ingress("web", "first", "portcullis", "first.test", "site")).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> hasStatus(cluster, "first"));
        // Every replica serves the same table from the same objects.
        await().atMost(Duration.ofSeconds(10)).until(() -> a.routeServer().current() != null
            && b.routeServer().current() != null
            && a.routeServer().current().checksum().equals(b.routeServer().current().checksum())
            && a.routeServer().current().table().virtualHosts().size() == 1);
        assertThat(standby.reconciler().statusWrites()).as("the standby writes nothing").isZero();

        long start = System.nanoTime();
        leader.close();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(standby::isLeader);
        long failover = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("leader election: the standby took over %d ms after the leader stopped%n", failover);
        assertThat(failover).isLessThan(15_000);

        cluster.client.resource(Cluster.ingress("web", "second", "portcullis", "second.test", "site")).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> hasStatus(cluster, "second"));
        assertThat(standby.reconciler().statusWrites()).isPositive();
      } finally {
        a.close();
        b.close();
      }
      assertThat(fatal).isEmpty();
    }
  }
}
