package dev.portcullis.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.dataplane.echo.EchoBackend;
import dev.portcullis.translator.TranslatorOptions;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Local mode end to end: real files, real backends, the real route server, data plane and sockets. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalModeIT {

  Vertx vertx;
  EchoBackend one;
  EchoBackend two;
  EchoBackend three;
  @TempDir
  Path dir;
  LocalMode local;
  Http http;

  @BeforeAll
  void backends() throws Exception {
    vertx = Vertx.vertx();
    one = EchoBackend.start(vertx, "one", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
    two = EchoBackend.start(vertx, "two", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
    three = EchoBackend.start(vertx, "three", "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get();
  }

  @AfterAll
  void stopBackends() {
    vertx.close();
  }

  @BeforeEach
  void start() throws Exception {
    Files.writeString(dir.resolve("backends.yaml"), String.join("---\n", Manifests.backend("one", one.port()),
        Manifests.backend("two", two.port()), Manifests.backend("three", three.port())));
    Files.writeString(dir.resolve("app.yaml"), Manifests.ingress("app", "app.test", "three", "/one", "one", "/two", "two"));
    local = LocalMode.start(new LocalMode.Settings(dir, "127.0.0.1", "127.0.0.1", 0, 0, 0, 2,
        TranslatorOptions.DEFAULT.withWatchIngressWithoutClass(true)));
    http = new Http(local.httpPort());
  }

  @AfterEach
  void stop() {
    local.close();
  }

  @Test
  void servesTheFolder() throws Exception {
    assertThat(http.get("app.test", "/one/x").backend()).isEqualTo("one");
    assertThat(http.get("app.test", "/two").backend()).isEqualTo("two");
    assertThat(http.get("app.test", "/three").backend()).isEqualTo("three");
    assertThat(http.get("elsewhere.test", "/").backend()).isEqualTo("three");
    assertThat(local.problems()).isEmpty();
  }

  @Test
  void aChangeIsServedWithinASecond() throws Exception {
    long start = System.nanoTime();
    Files.writeString(dir.resolve("app.yaml"), Manifests.ingress("app", "app.test", "three", "/one", "two"));
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
        .until(() -> "two".equals(http.get("app.test", "/one").backend()));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.println("local mode: file write to traffic served in " + millis + " ms");
    assertThat(millis).isLessThan(1000);
  }

  @Test
  void brokenInputIsReportedAndEverythingElseKeepsServing() throws Exception {
    Files.writeString(dir.resolve("broken.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: [oops\n");
    Files.writeString(dir.resolve("bad-ingress.yaml"), Manifests.ingress("bad", "bad.test", null,
        "/ok", "one", "relative", "one", "/missing", "no-such-service"));
    await().atMost(Duration.ofSeconds(3)).until(() -> local.problems().size() >= 3);
    assertThat(local.problems()).anySatisfy(p -> assertThat(p).contains("broken.yaml").contains("InvalidYAML"));
    assertThat(local.problems()).anySatisfy(p -> assertThat(p).contains("Ingress default/bad (bad-ingress.yaml#")
        .contains("spec.rules[0].http.paths[1].path").contains("InvalidPath"));
    assertThat(local.problems()).anySatisfy(p -> assertThat(p).contains("Ingress default/bad")
        .contains("ServiceNotFound").contains("no-such-service"));
    // Everything else serves: the other Ingress, and the valid parts of the bad one.
    assertThat(http.get("app.test", "/one").backend()).isEqualTo("one");
    assertThat(http.get("bad.test", "/ok").backend()).isEqualTo("one");
    assertThat(http.get("bad.test", "/missing").status()).isEqualTo(503);

    Files.delete(dir.resolve("broken.yaml"));
    Files.delete(dir.resolve("bad-ingress.yaml"));
    await().atMost(Duration.ofSeconds(3)).until(() -> local.problems().isEmpty());
  }

  @Test
  void rewritingTheManifestsWhileServingFailsNoRequest() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger requests = new AtomicInteger();
    List<String> failures = new CopyOnWriteArrayList<>();
    Map<String, Integer> answeredBy = new ConcurrentHashMap<>();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread t = new Thread(() -> {
        Http client = new Http(local.httpPort());
        while (running.get()) {
          try {
            Http.Answer a = client.get("app.test", "/one/item");
            requests.incrementAndGet();
            if (a.status() != 200 || a.backend() == null) {
              failures.add(a.status() + " " + a.body());
            } else {
              answeredBy.merge(a.backend(), 1, Integer::sum);
            }
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      });
      t.start();
      clients.add(t);
    }
    int rewrites = 0;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < end) {
      String target = rewrites % 2 == 0 ? "two" : "one";
      // Plain rewrites in place (truncate, then write), the way most editors save.
      Files.writeString(dir.resolve("app.yaml"), Manifests.ingress("app", "app.test", "three", "/one", target,
          "/two", "two", "/gen-" + rewrites, "three"));
      if (rewrites % 5 == 0) {
        Files.writeString(dir.resolve("backends.yaml"), String.join("---\n", Manifests.backend("one", one.port()),
            Manifests.backend("two", two.port()), Manifests.backend("three", three.port())) + "\n# rewrite " + rewrites);
      }
      rewrites++;
      Thread.sleep(150);
    }
    running.set(false);
    for (Thread t : clients) {
      t.join(10_000);
    }
    System.out.printf("local mode under rewrites: %d rewrites, %d requests, answered by %s, %d failures%n",
        rewrites, requests.get(), answeredBy, failures.size());
    assertThat(failures).as("failed requests").isEmpty();
    assertThat(requests.get()).isGreaterThan(100);
    assertThat(answeredBy).as("the rewrites took effect").containsKeys("one", "two");
  }
}
