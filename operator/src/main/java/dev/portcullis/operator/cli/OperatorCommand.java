package dev.portcullis.operator.cli;

import dev.portcullis.operator.KubernetesOperator;
import dev.portcullis.operator.pki.RoutePki;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code portcullis operator}: the control plane on a Kubernetes cluster. */
@Command(name = "operator", header = "Run the operator against a Kubernetes cluster (in a pod, or with a kubeconfig).",
    mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Watch Ingresses, IngressClasses, Services, EndpointSlices and TLS Secrets, translate them into a route "
            + "table, push it to every data plane that connects to the route server (mutual TLS), and, on the "
            + "elected leader, write Ingress status and Events.",
        "",
        "In a pod it uses the pod's service account; elsewhere the kubeconfig (--kubeconfig, $KUBECONFIG or "
            + "~/.kube/config). Every flag can also be set through the environment variable named in its description."})
public final class OperatorCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--kubeconfig", paramLabel = "FILE", description = "kubeconfig to use instead of the pod's service "
      + "account or $KUBECONFIG.")
  Path kubeconfig;

  @Option(names = "--watch-namespaces", paramLabel = "NS[,NS...]", split = ",",
      defaultValue = "${env:PORTCULLIS_WATCH_NAMESPACES}",
      description = "Namespaces to watch (env PORTCULLIS_WATCH_NAMESPACES); default: all.")
  List<String> watchNamespaces = new ArrayList<>();

  @Option(names = "--namespace", paramLabel = "NS", defaultValue = "${env:POD_NAMESPACE}",
      description = "The operator's own namespace, for its Lease and Secrets (env POD_NAMESPACE; default: the "
          + "service account's or kubeconfig's namespace).")
  String namespace;

  @Option(names = "--pod-name", paramLabel = "NAME", defaultValue = "${env:POD_NAME:-${env:HOSTNAME}}",
      description = "This replica's identity in leader election and Events (env POD_NAME; default: host name).")
  String podName;

  @Option(names = "--route-bind", paramLabel = "ADDRESS", defaultValue = "${env:PORTCULLIS_ROUTE_BIND:-0.0.0.0}",
      description = "Address of the route server (default: ${DEFAULT-VALUE}).")
  String routeBind;

  @Option(names = "--route-port", paramLabel = "PORT", defaultValue = "${env:PORTCULLIS_ROUTE_PORT:-18000}",
      description = "Port of the route server, where data planes connect (default: ${DEFAULT-VALUE}).")
  int routePort;

  @Option(names = "--service-name", paramLabel = "NAME", defaultValue = "${env:PORTCULLIS_SERVICE_NAME:-portcullis-operator}",
      description = "The operator's Service, whose DNS names the route server's certificate carries "
          + "(default: ${DEFAULT-VALUE}).")
  String serviceName;

  @Option(names = "--route-server-names", paramLabel = "NAME[,NAME...]", split = ",",
      defaultValue = "${env:PORTCULLIS_ROUTE_SERVER_NAMES}",
      description = "Extra DNS names (or IP addresses) for the route server's certificate.")
  List<String> extraNames = new ArrayList<>();

  @Option(names = "--route-ca-secret", paramLabel = "NAME", defaultValue = "${env:PORTCULLIS_ROUTE_CA_SECRET:-portcullis-route-ca}",
      description = "Secret holding the route CA (tls.crt, tls.key); created when missing (default: ${DEFAULT-VALUE}).")
  String caSecret;

  @Option(names = "--data-plane-tls-secret", paramLabel = "NAME",
      defaultValue = "${env:PORTCULLIS_DATA_PLANE_TLS_SECRET:-portcullis-data-plane-tls}",
      description = "Secret the operator keeps the data planes' client certificate in (default: ${DEFAULT-VALUE}).")
  String clientSecret;

  @Option(names = "--route-token-file", paramLabel = "FILE", defaultValue = "${env:PORTCULLIS_ROUTE_TOKEN_FILE}",
      description = "Also require this token from data planes, on top of their client certificate.")
  Path routeTokenFile;

  @Option(names = "--health-bind", paramLabel = "ADDRESS", defaultValue = "${env:PORTCULLIS_HEALTH_BIND:-0.0.0.0}",
      description = "Address of the health port (default: ${DEFAULT-VALUE}).")
  String healthBind;

  @Option(names = "--health-port", paramLabel = "PORT", defaultValue = "${env:PORTCULLIS_HEALTH_PORT:-9902}",
      description = "Port for /healthz, /readyz and /metrics (default: ${DEFAULT-VALUE}).")
  int healthPort;

  @Option(names = "--leader-election", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      defaultValue = "${env:PORTCULLIS_LEADER_ELECTION:-true}",
      description = "Elect a leader (a Lease) before writing status; needed with more than one replica (default: ${DEFAULT-VALUE}).")
  boolean leaderElection;

  @Option(names = "--lease-name", paramLabel = "NAME", defaultValue = "${env:PORTCULLIS_LEASE_NAME:-portcullis-operator}",
      description = "The Lease's name (default: ${DEFAULT-VALUE}).")
  String leaseName;

  @Option(names = "--lease-duration", paramLabel = "SECONDS", defaultValue = "${env:PORTCULLIS_LEASE_DURATION:-10}",
      description = "How long a leader that stopped renewing keeps the Lease; a standby takes over after about this "
          + "long (default: ${DEFAULT-VALUE}).")
  int leaseSeconds;

  @Option(names = "--publish-service", paramLabel = "NS/NAME", defaultValue = "${env:PORTCULLIS_PUBLISH_SERVICE}",
      description = "The data-plane Service whose address goes into Ingress status (its external IPs, load "
          + "balancer address, node addresses for NodePort, or cluster IP).")
  String publishService;

  @Option(names = "--publish-address", paramLabel = "ADDRESS[,ADDRESS...]", split = ",",
      defaultValue = "${env:PORTCULLIS_PUBLISH_ADDRESS}",
      description = "Addresses to put into Ingress status instead (IPs or host names).")
  List<String> publishAddresses = new ArrayList<>();

  @Option(names = "--rebuild-hold-off", paramLabel = "MS", defaultValue = "${env:PORTCULLIS_REBUILD_HOLD_OFF:-100}",
      description = "How long to gather changes before rebuilding the route table (default: ${DEFAULT-VALUE}).")
  long holdOffMs;

  @Mixin
  TranslatorFlags translator = new TranslatorFlags();

  @Override
  public Integer call() throws Exception {
    KubernetesClient client = kubeconfig == null ? new KubernetesClientBuilder().build()
        : new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig, StandardCharsets.UTF_8)))
            .build();
    String ns = namespace != null && !namespace.isBlank() ? namespace : client.getNamespace();
    if (ns == null || ns.isBlank()) {
      ns = "default";
    }
    String identity = podName != null && !podName.isBlank() ? podName : InetAddress.getLocalHost().getHostName();
    List<String> dns = new ArrayList<>(List.of(serviceName, serviceName + "." + ns, serviceName + "." + ns + ".svc",
        serviceName + "." + ns + ".svc.cluster.local"));
    List<String> ips = new ArrayList<>();
    for (String n : extraNames) {
      if (n.isBlank()) {
        continue;
      }
      // IP literals only: a name such as 10-0-0-5.nip.io stays a DNS name, and nothing is resolved.
      if (org.bouncycastle.util.IPAddress.isValid(n.trim())) {
        ips.add(n.trim());
      } else {
        dns.add(n.trim());
      }
    }
    String token = routeTokenFile == null ? null : Files.readString(routeTokenFile, StandardCharsets.UTF_8).trim();
    Set<String> namespaces = new LinkedHashSet<>();
    watchNamespaces.stream().map(String::trim).filter(s -> !s.isEmpty()).forEach(namespaces::add);
    KubernetesOperator.Settings settings = new KubernetesOperator.Settings(namespaces, ns, identity,
        translator.options(false), holdOffMs, new InetSocketAddress(routeBind, routePort), token,
        new RoutePki.Settings(ns, caSecret, clientSecret, dns, ips), new InetSocketAddress(healthBind, healthPort),
        leaderElection, leaseName, Duration.ofSeconds(Math.max(4, leaseSeconds)),
        publishAddresses.stream().map(String::trim).filter(s -> !s.isEmpty()).toList(),
        publishService == null || publishService.isBlank() ? null : publishService,
        () -> new Thread(() -> System.exit(1), "fatal-exit").start());
    KubernetesOperator operator;
    try {
      operator = new KubernetesOperator(client, settings).start();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      operator.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }
}
