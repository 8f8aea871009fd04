package dev.portcullis.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Kind cluster set up by e2e/kind/run.sh: the images loaded, the chart installed with
 * e2e/kind/values.yaml (the data plane's Service a NodePort that Kind maps to this machine), the
 * backends of e2e/kind/backends.yaml. The scenarios drive it with kubectl and helm, as a person
 * would. Settings come from the environment run.sh exports.
 */
final class KindTarget implements Target {

  static final String RELEASE = env("PORTCULLIS_E2E_RELEASE", "portcullis");
  static final String NAMESPACE = env("PORTCULLIS_E2E_NAMESPACE", "portcullis");
  static final Path VALUES = HOME.resolve(env("PORTCULLIS_E2E_VALUES", "e2e/kind/values.yaml"));
  static final Path CHART = HOME.resolve("charts/portcullis");

  /** Why this target cannot run here, or null when it can. */
  static String unavailable() {
    if (System.getenv("PORTCULLIS_E2E_KIND") == null) {
      return "no Kind cluster: e2e/kind/run.sh creates one, installs the chart and runs these scenarios on it "
          + "(it needs docker, kind, kubectl and helm)";
    }
    for (String tool : List.of("kubectl", "helm")) {
      if (!onPath(tool)) {
        return tool + " is not on the PATH";
      }
    }
    return null;
  }

  private final KubernetesClient client = new KubernetesClientBuilder().build();
  private int upgrades;

  @Override
  public KubernetesClient kube() {
    return client;
  }

  @Override
  public void apply(Path manifest) throws Exception {
    run("kubectl", "apply", "-n", "default", "-f", manifest.toString());
  }

  @Override
  public void startBackends() throws Exception {
    run("kubectl", "apply", "-n", "default", "-f", HOME.resolve("e2e/kind/backends.yaml").toString());
    for (String name : List.of("web", "api", "fallback")) {
      run("kubectl", "-n", "default", "rollout", "status", "deployment/" + name, "--timeout=180s");
    }
  }

  @Override
  public String address() {
    return "127.0.0.1";
  }

  @Override
  public int httpPort() {
    return Integer.parseInt(env("PORTCULLIS_E2E_HTTP_PORT", "18080"));
  }

  @Override
  public int httpsPort() {
    return Integer.parseInt(env("PORTCULLIS_E2E_HTTPS_PORT", "18443"));
  }

  /** Pods of web come and go: scaled up, every pod replaced by a rollout, scaled down again. */
  @Override
  public void churnEndpoints() throws Exception {
    run("kubectl", "-n", "default", "scale", "deployment/web", "--replicas=3");
    run("kubectl", "-n", "default", "rollout", "status", "deployment/web", "--timeout=180s");
    run("kubectl", "-n", "default", "rollout", "restart", "deployment/web");
    run("kubectl", "-n", "default", "rollout", "status", "deployment/web", "--timeout=180s");
    run("kubectl", "-n", "default", "scale", "deployment/web", "--replicas=1");
    run("kubectl", "-n", "default", "rollout", "status", "deployment/web", "--timeout=180s");
  }

  @Override
  public void restartOperator() throws Exception {
    run("kubectl", "-n", NAMESPACE, "rollout", "restart", "deployment/" + RELEASE + "-operator");
    run("kubectl", "-n", NAMESPACE, "rollout", "status", "deployment/" + RELEASE + "-operator", "--timeout=300s");
  }

  @Override
  public void rollDataPlanes() throws Exception {
    run("kubectl", "-n", NAMESPACE, "rollout", "restart", "deployment/" + RELEASE + "-data-plane");
    run("kubectl", "-n", NAMESPACE, "rollout", "status", "deployment/" + RELEASE + "-data-plane", "--timeout=300s");
  }

  /**
   * helm upgrade with a new default certificate for the operator and a new pod annotation for
   * the data plane, so that both Deployments roll, as an upgrade between two versions does.
   */
  @Override
  public void upgrade(String defaultCertificate) throws Exception {
    run("helm", "upgrade", RELEASE, CHART.toString(), "--namespace", NAMESPACE, "--values", VALUES.toString(),
        "--set", "operator.defaultCertificate=" + defaultCertificate,
        "--set-string", "dataPlane.podAnnotations.portcullis\\.dev/e2e-upgrade=" + ++upgrades,
        "--wait", "--timeout", "5m");
  }

  @Override
  public String diagnostics() {
    StringBuilder b = new StringBuilder();
    for (List<String> command : List.of(List.of("kubectl", "get", "pods,svc,endpointslices,ingress,proxyroutes", "-A", "-o", "wide"),
        List.of("kubectl", "-n", NAMESPACE, "logs", "-l", "app.kubernetes.io/component=operator", "--tail=200",
            "--prefix"),
        List.of("kubectl", "-n", NAMESPACE, "logs", "-l", "app.kubernetes.io/component=data-plane", "--tail=200",
            "--prefix"),
        List.of("kubectl", "get", "events", "-A", "--sort-by=.lastTimestamp"))) {
      try {
        b.append("$ ").append(String.join(" ", command)).append('\n').append(output(command)).append('\n');
      } catch (Exception e) {
        b.append(e).append('\n');
      }
    }
    return b.toString();
  }

  @Override
  public void close() {
    client.close();
  }

  static void run(String... command) throws Exception {
    String out = output(List.of(command));
    System.out.println("$ " + String.join(" ", command) + "\n" + out);
  }

  static String output(List<String> command) throws IOException, InterruptedException {
    Path log = Files.createTempFile("e2e-cmd", ".log");
    try {
      Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).redirectOutput(log.toFile())
          .start();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + ": timed out");
      }
      String out = Files.readString(log, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + out);
      }
      return out;
    } finally {
      Files.deleteIfExists(log);
    }
  }

  static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    return path != null && java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
  }

  static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }
}
