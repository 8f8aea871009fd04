package dev.portcullis.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ./portcullis launcher as a user runs it: a separate process, from the source tree. */
class CliIT {

  static final Path HOME = Path.of(System.getProperty("portcullis.home", "..")).toAbsolutePath().normalize();

  record Run(int exit, String out, String err) {}

  static Run run(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(HOME.resolve("portcullis").toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile("cli-out", ".txt");
    Path err = Files.createTempFile("cli-err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(HOME.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    // The build that runs these tests just made the jar: never start a nested build.
    pb.environment().put("PORTCULLIS_NO_BUILD", "1");
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("portcullis " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void helpListsEveryCommand() throws Exception {
    Run help = run("--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("demo", "local", "translate", "migrate", "operator", "data-plane", "echo");
    for (String command : List.of("demo", "local", "translate", "migrate", "operator", "data-plane", "echo")) {
      Run sub = run(command, "--help");
      assertThat(sub.exit()).as(command + " --help").isZero();
      assertThat(sub.out()).contains("Usage: portcullis " + command);
      if (List.of("demo", "local", "data-plane").contains(command)) {
        assertThat(sub.out()).as(command + " --help").contains("--access-log=DEST", "--access-log-format",
            "--access-log-sample", "--otlp-endpoint=URL", "--otlp-header", "--trace-sample");
      }
    }
    Path token = Files.createTempFile("token", ".txt");
    Files.writeString(token, "t0ken");
    Run bad = run("data-plane", "--route-server", "http://127.0.0.1:1", "--token-file", token.toString(),
        "--access-log-format", "xml");
    assertThat(bad.exit()).as(bad.err()).isEqualTo(2);
    assertThat(bad.err()).contains("--access-log-format must be json or text");
    assertThat(run("local", "--help").out()).contains("--settle=DURATION");
    Run unsettled = run("local", "examples/quickstart", "--settle", "0ms");
    assertThat(unsettled.exit()).as(unsettled.err()).isEqualTo(2);
    assertThat(unsettled.err()).contains("--settle must be 1ms to 10s, not 0ms");
    Run version = run("--version");
    assertThat(version.out()).startsWith("portcullis 0.");
    Run unknown = run("no-such-command");
    assertThat(unknown.exit()).isEqualTo(2);
  }

  @Test
  void translatePrintsTheTableAndEveryProblem(@TempDir Path dir) throws Exception {
    Run ok = run("translate", "-f", "examples/quickstart");
    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("routeTable:", "hostname: demo.local", "service/default/web/port/80");
    assertThat(ok.err()).contains("0 errors");

    Files.writeString(dir.resolve("bad.yaml"), """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: broken
        spec:
          ingressClassName: portcullis
          rules:
          - host: shop.test
            http:
              paths:
              - path: no-slash
                pathType: Prefix
                backend:
                  service: {name: web, port: {number: 80}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: [unclosed
        """, StandardCharsets.UTF_8);
    Run bad = run("translate", "-f", dir.toString());
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("bad.yaml", "InvalidYAML", "Ingress default/broken", "spec.rules[0].http.paths[0].path",
        "InvalidPath");
    assertThat(run("translate", "-f", dir.toString(), "--fail-on", "never").exit()).isZero();
    assertThat(run("translate", "-f", dir.resolve("missing.yaml").toString()).exit()).isEqualTo(3);
  }

  @Test
  void translateNeverPrintsPasswordHashesOrKeys() throws Exception {
    String golden = "translator/src/test/resources/golden/proxyroute-auth/";
    Run r = run("translate", "-f", golden + "in-route.yaml", "-f", golden + "in-services.yaml");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("basic:", "jwksSecret:", "fingerprint: ");
    // The bcrypt hashes of alice and bob, and the x coordinate of the EC key, in the input Secrets.
    assertThat(r.out() + r.err()).doesNotContain("5l91SgTC.ZwIBxyK9krm2eJ1").doesNotContain("yEwlXEkliTopQt4D7O5ro")
        .doesNotContain("Fr9uuvYLDgyLnO38BULX53OSyPdbhhl1");
  }

  @Test
  void demoServesTheQuickstart() throws Exception {
    int http = freePort();
    int admin = freePort();
    Path log = Files.createTempFile("demo", ".log");
    ProcessBuilder pb = new ProcessBuilder(HOME.resolve("portcullis").toString(), "demo", "--http-port",
        Integer.toString(http), "--admin-port", Integer.toString(admin), "--https-port", Integer.toString(freePort())).directory(HOME.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("PORTCULLIS_NO_BUILD", "1");
    Process demo = pb.start();
    try {
      Http client = new Http(http);
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> client.get("demo.local", "/").status() == 200);
      assertThat(client.get("demo.local", "/").backend()).isEqualTo("web");
      assertThat(client.get("demo.local", "/api/x").backend()).isEqualTo("api");
      assertThat(client.get("unknown.test", "/").backend()).isEqualTo("fallback");
      assertThat(client.get("demo.local", "/api/x").body()).contains("\"path\" : \"/api/x\"", "\"method\" : \"GET\"",
          "\"x-forwarded-for\"");
      assertThat(new Http(admin).get(null, "/readyz").status()).isEqualTo(200);
      assertThat(Files.readString(log)).contains("curl -H 'Host: demo.local' http://127.0.0.1:" + http + "/");
    } finally {
      demo.destroy();
      assertThat(demo.waitFor(20, TimeUnit.SECONDS)).as("demo stops on SIGTERM").isTrue();
    }
  }

  @Test
  void sigtermDrainsTheProcessBeforeItExits() throws Exception {
    int http = freePort();
    int admin = freePort();
    Path log = Files.createTempFile("drain", ".log");
    ProcessBuilder pb = new ProcessBuilder(HOME.resolve("portcullis").toString(), "demo", "--http-port",
        Integer.toString(http), "--admin-port", Integer.toString(admin), "--https-port", "-1",
        "--drain-period", "2s", "--drain-timeout", "5s").directory(HOME.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("PORTCULLIS_NO_BUILD", "1");
    Process demo = pb.start();
    try {
      Http client = new Http(http);
      Http adminClient = new Http(admin);
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> client.get("demo.local", "/").status() == 200);
      long start = System.nanoTime();
      demo.destroy(); // SIGTERM, as the kubelet sends it
      // At once not ready, so that load balancers stop sending here...
      await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
          .until(() -> adminClient.get(null, "/readyz").status() == 503);
      // ...while what still comes during the drain period is served.
      int served = 0;
      while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1500)) {
        assertThat(client.get("demo.local", "/").status()).isEqualTo(200);
        served++;
      }
      assertThat(served).isPositive();
      assertThat(demo.waitFor(20, TimeUnit.SECONDS)).as("exits once drained").isTrue();
      long ms = (System.nanoTime() - start) / 1_000_000;
      System.out.printf("SIGTERM: %d requests served while draining, exited after %d ms%n", served, ms);
      assertThat(ms).as("not before the drain period").isGreaterThanOrEqualTo(2000);
      assertThat(Files.readString(log)).contains("draining");
    } finally {
      demo.destroyForcibly();
    }
  }
}
