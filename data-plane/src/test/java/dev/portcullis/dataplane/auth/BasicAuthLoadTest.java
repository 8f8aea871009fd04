package dev.portcullis.dataplane.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.model.Auth;
import dev.portcullis.model.Credential;
import dev.portcullis.model.SecretRef;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * bcrypt's CPU goes to its own bounded pool: a storm of logins on a data plane with a single
 * event loop neither stalls other requests nor queues without bound.
 */
class BasicAuthLoadTest extends AuthHarness {

  static final int MAX_PENDING = 6;

  @Override
  DataPlaneConfig config() {
    return DataPlaneConfig.loopback(1).withAuth(new DataPlaneConfig.AuthSettings(1, MAX_PENDING, 300_000, 10_000,
        10_000));
  }

  CompletableFuture<HttpResponse<String>> login(String password) {
    return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPlane.httpPort() + "/x"))
        .timeout(Duration.ofSeconds(60)).header("Host", HOST).header("Authorization", basic("alice", password))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void loginsDoNotStallTheEventLoopAndTheirQueueIsBounded() throws Exception {
    Credential.Htpasswd users = new Credential.Htpasswd(Map.of("alice", BasicAuthTest.bcrypt("alice-secret", 12)));
    serve(new Auth(new Auth.Basic(new SecretRef("shop", "users", Credential.fingerprint(users)), null), null, null),
        Map.of("htpasswd:shop/users", users));
    assertThat(get("/open").status()).isEqualTo(200); // connections and code paths warm

    // Twice as many wrong passwords (never remembered) as the queue holds, at once: about 350 ms of
    // CPU per check at cost 12, on one worker, so the admitted ones keep it busy for two seconds.
    List<CompletableFuture<HttpResponse<String>>> logins = new ArrayList<>();
    for (int i = 0; i < 2 * MAX_PENDING; i++) {
      logins.add(login("wrong-" + i));
    }
    Thread.sleep(300);
    long worst = 0;
    for (int i = 0; i < 5; i++) {
      long t = System.nanoTime();
      assertThat(get("/open").status()).isEqualTo(200);
      worst = Math.max(worst, (System.nanoTime() - t) / 1_000_000);
    }
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String> busy = null;
    for (CompletableFuture<HttpResponse<String>> l : logins) {
      HttpResponse<String> r = l.get(60, TimeUnit.SECONDS);
      statuses.add(r.statusCode());
      if (r.statusCode() == 503) {
        busy = r;
      }
    }
    // Were bcrypt on the event loop, these would have waited behind the whole wave.
    assertThat(worst).as("slowest unrelated request during the logins, ms").isLessThan(1000);
    // Those beyond the queue were refused at once rather than queued; the others were checked.
    assertThat(statuses).containsOnly(401, 503);
    assertThat(statuses.stream().filter(s -> s == 401).count()).isGreaterThanOrEqualTo(MAX_PENDING);
    assertThat(busy).as("a login beyond the queue").isNotNull();
    assertThat(busy.headers().firstValue("retry-after")).contains("1");
    assertThat(dataPlane.auth().bcrypt().pending()).isZero();
    assertThat(get("/x", "Authorization", basic("alice", "alice-secret")).status()).isEqualTo(200);
  }
}
