package dev.portcullis.translator.backend;

import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.Hostnames;
import dev.portcullis.model.SourceRef;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.TranslatorOptions;
import dev.portcullis.translator.status.Problem;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Resolves a Service and port to a cluster of ready endpoints, through the Service's ports and its
 * EndpointSlices (or, when a Service has no EndpointSlice at all, its legacy v1 Endpoints object,
 * which is what hand-written local manifests often carry).
 *
 * <p>A reference that cannot be resolved still yields a cluster, empty, so that its route answers
 * 503 and fills in by itself once the Service or its endpoints appear.
 */
public final class BackendResolver {

  /**
   * A resolved backend: what was asked for, the cluster (maybe empty) and what is wrong with it.
   */
  public record Resolution(String namespace, String service, PortRef port, Cluster cluster, List<Problem> problems) {
    public Resolution {
      problems = List.copyOf(problems);
    }
  }

  /** A Service port, given by number or by name. */
  public record PortRef(Integer number, String name) {
    public static PortRef of(Integer number, String name) {
      return new PortRef(number != null && number > 0 ? number : null,
          name != null && !name.isEmpty() ? name : null);
    }

    public boolean isEmpty() {
      return number == null && name == null;
    }

    @Override
    public String toString() {
      return number != null ? number.toString() : name;
    }
  }

  private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]+(%[0-9A-Za-z._-]+)?");

  private final ClusterSnapshot snapshot;
  private final TranslatorOptions options;
  private final Map<String, ClusterSnapshot.Captured<Resolution>> cache = new HashMap<>();

  public BackendResolver(ClusterSnapshot snapshot, TranslatorOptions options) {
    this.snapshot = snapshot;
    this.options = options;
  }

  /** Every resolution made so far, by cluster name. */
  public Map<String, Resolution> resolutions() {
    Map<String, Resolution> made = new HashMap<>();
    cache.forEach((name, c) -> made.put(name, c.value()));
    return Map.copyOf(made);
  }

  /**
   * Least request with two random choices: like round robin when all endpoints are alike, and it
   * steers away from a slow or hung endpoint at once (Envoy Gateway's default too).
   */
  public static final BalancerPolicy DEFAULT_BALANCER = BalancerPolicy.LEAST_REQUEST;

  /** The cluster name for a Service port reference: {@code service/<namespace>/<name>/port/<port>}. */
  public static String clusterName(String namespace, String service, PortRef port) {
    return "service/" + namespace + "/" + service + "/port/" + port;
  }

  /**
   * Resolves {@code namespace/service:port}. Problems carry an empty field; the caller knows
   * where in its object the reference sits.
   */
  public Resolution resolve(String namespace, String service, PortRef port) {
    String name = clusterName(namespace, service, port);
    return snapshot.cached(cache, name, () -> doResolve(name, namespace, service, port));
  }

  private Resolution doResolve(String clusterName, String namespace, String serviceName, PortRef port) {
    SourceRef source = new SourceRef("Service", namespace, serviceName,
        "spec.ports[" + (port.number() != null ? "port=" : "name=") + port + "]");
    List<Problem> problems = new ArrayList<>();
    Optional<Service> found = snapshot.service(namespace, serviceName);
    List<ServicePort> ports = found.isEmpty() || found.get().getSpec() == null
        || found.get().getSpec().getPorts() == null ? List.of() : found.get().getSpec().getPorts();
    ServicePort servicePort = findPort(ports, port);
    Cluster.Protocol protocol = protocol(servicePort);
    Cluster.UpstreamTls tls = protocol.tls()
        ? new Cluster.UpstreamTls(serverName(found.orElse(null), namespace, serviceName), null) : null;
    BiFunction<List<Endpoint>, List<Problem>, Resolution> done = (endpoints, p) -> new Resolution(namespace,
        serviceName, port, new Cluster(clusterName, endpoints, DEFAULT_BALANCER, null, options.connectTimeoutMs(),
        null, null, protocol, null, source, tls), p);

    if (found.isEmpty()) {
      problems.add(Problem.error("", "ServiceNotFound",
          "Service " + namespace + "/" + serviceName + " not found; requests get 503 until it exists"));
      return done.apply(List.of(), problems);
    }
    Service service = found.get();

    if (service.getSpec() != null && "ExternalName".equals(service.getSpec().getType())) {
      return done.apply(externalName(service, port, servicePort, problems), problems);
    }
    if (servicePort == null) {
      problems.add(Problem.error("", "ServicePortNotFound", "Service " + namespace + "/" + serviceName
          + " has no port " + port + " (it has: " + describePorts(ports) + "); requests get 503"));
      return done.apply(List.of(), problems);
    }

    List<EndpointSlice> slices = snapshot.endpointSlicesOf(namespace, serviceName);
    TreeSet<Endpoint> endpoints = new TreeSet<>();
    if (!slices.isEmpty()) {
      for (EndpointSlice slice : slices) {
        fromSlice(slice, servicePort, ports.size(), endpoints, problems);
      }
    } else {
      snapshot.endpoints(namespace, serviceName)
          .ifPresent(e -> fromEndpoints(e, servicePort, ports.size(), endpoints, problems));
    }
    if (endpoints.isEmpty()) {
      problems.add(Problem.warning("", "NoReadyEndpoints", "Service " + namespace + "/" + serviceName
          + " port " + port + " has no ready endpoints; requests get 503 until one is ready"));
    }
    return done.apply(List.copyOf(endpoints), problems);
  }

  /**
   * How the data plane talks to a Service port: HTTP/2 with prior knowledge when its appProtocol
   * says so ({@code kubernetes.io/h2c}, as Gateway API defines it, or {@code h2c} / {@code grpc}),
   * else HTTP/1.1.
   */
  static Cluster.Protocol protocol(ServicePort port) {
    String app = port == null ? null : port.getAppProtocol();
    if (app == null) {
      return Cluster.Protocol.HTTP1;
    }
    return switch (app.toLowerCase(java.util.Locale.ROOT)) {
      case "kubernetes.io/h2c", "h2c", "grpc" -> Cluster.Protocol.H2C;
      case "https", "kubernetes.io/wss" -> Cluster.Protocol.HTTPS;
      default -> Cluster.Protocol.HTTP1;
    };
  }

  /**
   * The name a TLS backend is addressed by: an ExternalName Service's external name, else the
   * Service's cluster DNS name {@code SERVICE.NAMESPACE.svc} (what cert-manager and service meshes
   * put in in-cluster certificates).
   */
  public static String serverName(Service service, String namespace, String name) {
    if (service != null && service.getSpec() != null && "ExternalName".equals(service.getSpec().getType())
        && service.getSpec().getExternalName() != null
        && dev.portcullis.model.Hostnames.isDnsName(service.getSpec().getExternalName().toLowerCase(java.util.Locale.ROOT))) {
      return service.getSpec().getExternalName().toLowerCase(java.util.Locale.ROOT);
    }
    return name + "." + namespace + ".svc";
  }

  /** Ports that carry UDP or SCTP (say, HTTP/3's 443/UDP next to 443/TCP) are never proxied to. */
  private static ServicePort findPort(List<ServicePort> ports, PortRef ref) {
    for (ServicePort p : ports) {
      if (!isTcp(p.getProtocol())) {
        continue;
      }
      if (ref.number() != null && Objects.equals(p.getPort(), ref.number())) {
        return p;
      }
      if (ref.name() != null && ref.name().equals(p.getName())) {
        return p;
      }
    }
    return null;
  }

  private static String describePorts(List<ServicePort> ports) {
    if (ports.isEmpty()) {
      return "no ports";
    }
    return ports.stream()
        .map(p -> p.getPort() + (p.getName() == null || p.getName().isEmpty() ? "" : "/" + p.getName()))
        .collect(Collectors.joining(", "));
  }

  private List<Endpoint> externalName(Service service, PortRef ref, ServicePort servicePort, List<Problem> problems) {
    String target = service.getSpec().getExternalName();
    String where = "Service " + service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
    if (target == null || target.isBlank()) {
      problems.add(Problem.error("", "InvalidService", where + " is of type ExternalName but has no externalName"));
      return List.of();
    }
    String host = target.toLowerCase(Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (!Hostnames.isDnsName(host) && !isIp(host)) {
      problems.add(Problem.error("", "InvalidService", where + " has an invalid externalName \"" + target + "\""));
      return List.of();
    }
    Integer port = servicePort != null ? servicePort.getPort() : ref.number();
    if (port == null) {
      problems.add(Problem.error("", "ServicePortNotFound", where + " (ExternalName) has no port named " + ref.name()));
      return List.of();
    }
    return List.of(new Endpoint(host, port));
  }

  private void fromSlice(EndpointSlice slice, ServicePort servicePort, int servicePorts, TreeSet<Endpoint> into,
      List<Problem> problems) {
    Integer port = null;
    List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports =
        slice.getPorts() == null ? List.of() : slice.getPorts();
    for (io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort p : ports) {
      if (sameName(p.getName(), servicePort.getName()) && isTcp(p.getProtocol())) {
        port = p.getPort();
        break;
      }
    }
    String where = "EndpointSlice " + slice.getMetadata().getNamespace() + "/" + slice.getMetadata().getName();
    if (port == null && servicePorts == 1 && ports.size() == 1 && isTcp(ports.get(0).getProtocol())) {
      port = onlyPort(where, ports.get(0).getName(), ports.get(0).getPort(), servicePort, problems);
    }
    if (port == null || slice.getEndpoints() == null) {
      return;
    }
    String type = slice.getAddressType();
    for (io.fabric8.kubernetes.api.model.discovery.v1.Endpoint e : slice.getEndpoints()) {
      // An unset condition means ready (API documentation of EndpointConditions.ready).
      boolean ready = e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady());
      // A terminating endpoint (ready when the Service publishes not-ready addresses) gets no new
      // requests; the data plane lets it finish those it has.
      boolean terminating = e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getTerminating());
      if (!ready || terminating || e.getAddresses() == null) {
        continue;
      }
      for (String address : e.getAddresses()) {
        addAddress(address, port, type, where, into, problems);
      }
    }
  }

  private void fromEndpoints(Endpoints endpoints, ServicePort servicePort, int servicePorts, TreeSet<Endpoint> into,
      List<Problem> problems) {
    if (endpoints.getSubsets() == null) {
      return;
    }
    String where = "Endpoints " + endpoints.getMetadata().getNamespace() + "/" + endpoints.getMetadata().getName();
    for (EndpointSubset subset : endpoints.getSubsets()) {
      Integer port = null;
      List<EndpointPort> ports = subset.getPorts() == null ? List.of() : subset.getPorts();
      for (EndpointPort p : ports) {
        if (sameName(p.getName(), servicePort.getName()) && isTcp(p.getProtocol())) {
          port = p.getPort();
          break;
        }
      }
      if (port == null && servicePorts == 1 && ports.size() == 1 && isTcp(ports.get(0).getProtocol())) {
        port = onlyPort(where, ports.get(0).getName(), ports.get(0).getPort(), servicePort, problems);
      }
      if (port == null || subset.getAddresses() == null) {
        continue;
      }
      for (EndpointAddress a : subset.getAddresses()) {
        addAddress(a.getIp(), port, null, where, into, problems);
      }
    }
  }

  /**
   * Kubernetes pairs endpoint ports with Service ports by name. Hand-written endpoints (local mode)
   * often leave the name out; when both sides have a single port there is only one sensible pairing.
   */
  private static Integer onlyPort(String where, String endpointPortName, Integer port, ServicePort servicePort,
      List<Problem> problems) {
    problems.add(Problem.warning("", "EndpointPortNameMismatch", where + " names its port \""
        + (endpointPortName == null ? "" : endpointPortName) + "\" but Service port " + servicePort.getPort()
        + " is named \"" + (servicePort.getName() == null ? "" : servicePort.getName())
        + "\"; both have a single port, so it is used"));
    return port;
  }

  private static void addAddress(String address, Integer port, String addressType, String where,
      TreeSet<Endpoint> into, List<Problem> problems) {
    if (port == null || port < 1 || port > 65535) {
      problems.add(Problem.warning("", "InvalidEndpoint", where + " has an invalid port " + port + "; skipped"));
      return;
    }
    String a = address == null ? "" : address.trim();
    boolean valid = "FQDN".equals(addressType) ? Hostnames.isDnsName(a.toLowerCase(Locale.ROOT)) : isIp(a);
    if (!valid) {
      problems.add(Problem.warning("", "InvalidEndpoint", where + " has an invalid address \"" + address + "\"; skipped"));
      return;
    }
    into.add(new Endpoint("FQDN".equals(addressType) ? a.toLowerCase(Locale.ROOT) : a, port));
  }

  private static boolean isIp(String a) {
    return IPV4.matcher(a).matches() || (a.indexOf(':') >= 0 && IPV6.matcher(a).matches());
  }

  private static boolean sameName(String a, String b) {
    return Objects.equals(a == null ? "" : a, b == null ? "" : b);
  }

  private static boolean isTcp(String protocol) {
    return protocol == null || protocol.isEmpty() || "TCP".equals(protocol);
  }
}
