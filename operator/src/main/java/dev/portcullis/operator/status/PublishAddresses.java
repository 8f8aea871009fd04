package dev.portcullis.operator.status;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The addresses written into each Ingress's {@code status.loadBalancer.ingress}, as other
 * controllers do: the configured {@code --publish-address} list, or else the data-plane Service's
 * address: its external IPs, its load balancer's IPs or host names (type LoadBalancer), its nodes'
 * addresses (type NodePort), or its cluster IP.
 */
public final class PublishAddresses implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PublishAddresses.class);
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final List<String> fixed;
  private final KubernetesClient client;
  private final String serviceNamespace;
  private final String serviceName;
  private final Runnable onChange;
  private SharedIndexInformer<Service> service;
  private SharedIndexInformer<Node> nodes;
  /** Null while unknown (the Service or its nodes not listed yet): nothing is written then. */
  private volatile List<IngressLoadBalancerIngress> current = List.of();

  /**
   * @param fixed    addresses given on the command line; when not empty, nothing is watched
   * @param client   for watching the publish Service (and nodes, for NodePort)
   * @param service  {@code namespace/name} of the data-plane Service, or null
   * @param onChange told when the addresses change
   */
  public PublishAddresses(List<String> fixed, KubernetesClient client, String service, Runnable onChange) {
    this.fixed = List.copyOf(fixed);
    this.client = client;
    this.onChange = onChange;
    if (service != null && !service.isBlank() && this.fixed.isEmpty()) {
      int slash = service.indexOf('/');
      if (slash <= 0) {
        throw new IllegalArgumentException("--publish-service must be namespace/name, was " + service);
      }
      this.serviceNamespace = service.substring(0, slash);
      this.serviceName = service.substring(slash + 1);
    } else {
      this.serviceNamespace = null;
      this.serviceName = null;
    }
  }

  public PublishAddresses start() {
    if (!fixed.isEmpty()) {
      current = fixed.stream().map(PublishAddresses::entry).toList();
      return this;
    }
    if (serviceName == null) {
      return this;
    }
    current = null;
    service = client.services().inNamespace(serviceNamespace).withField("metadata.name", serviceName)
        .runnableInformer(0);
    service.addEventHandler(handler());
    // Events of the initial list may arrive before the informer counts as synced, and are then
    // ignored: look again once it has synced.
    service.start().whenComplete((v, e) -> recompute());
    return this;
  }

  private <T> ResourceEventHandler<T> handler() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        recompute();
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        recompute();
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        recompute();
      }
    };
  }

  /**
   * The addresses to publish now, or null while they are not known yet: after a start or a
   * failover the Service (and for NodePort its nodes) must be listed first, or every Ingress's
   * address would be wiped and written again, which tools such as external-dns act on.
   */
  public List<IngressLoadBalancerIngress> current() {
    return current;
  }

  private synchronized void recompute() {
    if (service == null || !service.hasSynced()) {
      return;
    }
    Service svc = service.getStore().getByKey(serviceNamespace + "/" + serviceName);
    List<IngressLoadBalancerIngress> next = svc == null ? List.of() : fromService(svc);
    if (next == null) {
      return; // its nodes are not listed yet: the node events call back
    }
    if (!next.equals(current)) {
      current = next;
      LOG.info("publishing {} as the Ingresses' address", describe(next));
      onChange.run();
    }
  }

  private List<IngressLoadBalancerIngress> fromService(Service svc) {
    TreeSet<String> addresses = new TreeSet<>();
    if (svc.getSpec() != null && svc.getSpec().getExternalIPs() != null) {
      svc.getSpec().getExternalIPs().stream().filter(a -> a != null && !a.isEmpty()).forEach(addresses::add);
    }
    String type = svc.getSpec() == null ? "ClusterIP" : Objects.requireNonNullElse(svc.getSpec().getType(), "ClusterIP");
    if (addresses.isEmpty() && "LoadBalancer".equals(type) && svc.getStatus() != null
        && svc.getStatus().getLoadBalancer() != null && svc.getStatus().getLoadBalancer().getIngress() != null) {
      for (LoadBalancerIngress lb : svc.getStatus().getLoadBalancer().getIngress()) {
        String a = lb.getIp() != null ? lb.getIp() : lb.getHostname();
        if (a != null && !a.isEmpty()) {
          addresses.add(a);
        }
      }
    }
    if (addresses.isEmpty() && "NodePort".equals(type)) {
      List<String> nodeAddresses = nodeAddresses();
      if (nodeAddresses == null) {
        return null;
      }
      addresses.addAll(nodeAddresses);
    }
    if (addresses.isEmpty() && "ClusterIP".equals(type) && svc.getSpec() != null && svc.getSpec().getClusterIP() != null
        && !"None".equals(svc.getSpec().getClusterIP())) {
      addresses.add(svc.getSpec().getClusterIP());
    }
    return addresses.stream().map(PublishAddresses::entry).toList();
  }

  /** Ready nodes' external addresses, or their internal ones when none has an external address. */
  private List<String> nodeAddresses() {
    if (nodes == null) {
      nodes = client.nodes().runnableInformer(0);
      nodes.addEventHandler(handler());
      nodes.start().whenComplete((v, e) -> recompute());
      return null; // unknown: the node events call back once listed
    }
    if (!nodes.hasSynced()) {
      return null;
    }
    List<String> external = new ArrayList<>();
    List<String> internal = new ArrayList<>();
    for (Node n : nodes.getStore().list()) {
      if (n.getStatus() == null || !ready(n.getStatus().getConditions()) || n.getStatus().getAddresses() == null) {
        continue;
      }
      for (NodeAddress a : n.getStatus().getAddresses()) {
        if (a.getAddress() == null || a.getAddress().isEmpty()) {
          continue;
        }
        if ("ExternalIP".equals(a.getType())) {
          external.add(a.getAddress());
        } else if ("InternalIP".equals(a.getType())) {
          internal.add(a.getAddress());
        }
      }
    }
    return external.isEmpty() ? internal : external;
  }

  static IngressLoadBalancerIngress entry(String address) {
    IngressLoadBalancerIngress e = new IngressLoadBalancerIngress();
    if (IPV4.matcher(address).matches() || address.indexOf(':') >= 0) {
      e.setIp(address);
    } else {
      e.setHostname(address);
    }
    return e;
  }

  static String describe(List<IngressLoadBalancerIngress> addresses) {
    return addresses.isEmpty() ? "no address" : addresses.stream()
        .map(a -> a.getIp() != null ? a.getIp() : a.getHostname()).sorted(Comparator.naturalOrder()).toList().toString();
  }

  @Override
  public void close() {
    if (service != null) {
      service.stop();
    }
    if (nodes != null) {
      nodes.stop();
    }
  }

  private static boolean ready(List<NodeCondition> conditions) {
    return conditions != null && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
