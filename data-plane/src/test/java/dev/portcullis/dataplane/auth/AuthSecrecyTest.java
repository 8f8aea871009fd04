package dev.portcullis.dataplane.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.portcullis.model.Auth;
import dev.portcullis.model.Credential;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.SecretRef;
import dev.portcullis.model.push.PushMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Password hashes and key sets are secret material: the admin port's config dump, the snapshot's
 * string form and the data plane's log lines (at DEBUG, too) never show them. And authentication
 * holds over HTTP/2 as over HTTP/1.1.
 */
class AuthSecrecyTest extends AuthHarness {

  @Test
  void credentialsNeverShowInDumpsOrLogs() throws Exception {
    String hash = BasicAuthTest.bcrypt("alice-secret", 5);
    KeyPair rsa = Tokens.rsa();
    String jwk = Tokens.jwk(rsa, "r1");
    String modulus = jwk.replaceAll(".*\"n\":\"([^\"]{40}).*", "$1");
    Credential.Htpasswd users = new Credential.Htpasswd(Map.of("alice", hash));
    Credential.Jwks keys = new Credential.Jwks(Tokens.set(jwk));
    Map<String, Credential> credentials = Map.of("htpasswd:shop/users", users, "jwks:shop/keys", keys);

    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger ours = (Logger) LoggerFactory.getLogger("dev.portcullis");
    Level was = ours.getLevel();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    ours.setLevel(Level.DEBUG);
    try {
      serve(new Auth(new Auth.Basic(new SecretRef("shop", "users", Credential.fingerprint(users)), null), null, null),
          credentials);
      assertThat(get("/x", "Authorization", basic("alice", "alice-secret")).status()).isEqualTo(200);
      assertThat(get("/x", "Authorization", basic("alice", "wrong-secret")).status()).isEqualTo(401);
      serve(JwtAuthTest.jwt(null, new SecretRef("shop", "keys", Credential.fingerprint(keys)), false), credentials);
      assertThat(get("/x", "Authorization", "Bearer " + Tokens.sign(rsa.getPrivate(), "RS256", "r1",
          Tokens.claims(JwtAuthTest.ISSUER, "\"shop-api\"", Tokens.now() + 60, null))).status()).isEqualTo(200);

      HttpResponse<String> dump = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + dataPlane.adminPort() + "/config_dump")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(dump.statusCode()).isEqualTo(200);
      assertThat(dump.body()).contains(Credential.fingerprint(keys)).doesNotContain(hash).doesNotContain(modulus)
          .doesNotContain("credentials");
      PushMessage.Snapshot snapshot = new PushMessage.Snapshot(1, "sha256:x", dataPlane.current().table(), Map.of(),
          credentials);
      assertThat(snapshot.toString()).doesNotContain(hash).doesNotContain(modulus);
      assertThat(RouteTableJson.toJson(snapshot)).as("the push stream does carry them").isNotEmpty();
    } finally {
      root.detachAppender(logs);
      ours.setLevel(was);
    }
    assertThat(logs.list).isNotEmpty();
    for (ILoggingEvent e : logs.list) {
      String line = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
      assertThat(line).doesNotContain(hash).doesNotContain(modulus).doesNotContain("alice-secret")
          .doesNotContain("wrong-secret");
    }
  }

  @Test
  void authenticationHoldsOverHttp2() throws Exception {
    String hash = BasicAuthTest.bcrypt("alice-secret", 5);
    Credential.Htpasswd users = new Credential.Htpasswd(Map.of("alice", hash));
    serve(new Auth(new Auth.Basic(new SecretRef("shop", "users", Credential.fingerprint(users)), null), null, null),
        Map.of("htpasswd:shop/users", users));
    var h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    try {
      int before = backendRequests.get();
      RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(dataPlane.httpPort()).setURI("/up")
          .setMethod(HttpMethod.POST);
      var refused = await(h2.request(o).compose(req -> {
        req.authority(io.vertx.core.net.HostAndPort.create(HOST, 80));
        req.putHeader("authorization", basic("alice", "nope"));
        return req.send(Buffer.buffer("body that must not go upstream"));
      }).compose(res -> res.body().map(b -> res.statusCode() + " " + res.getHeader("www-authenticate"))));
      assertThat(refused).startsWith("401 Basic realm=");
      assertThat(backendRequests.get()).isEqualTo(before);
      var ok = await(h2.request(o).compose(req -> {
        req.authority(io.vertx.core.net.HostAndPort.create(HOST, 80));
        req.putHeader("authorization", basic("alice", "alice-secret"));
        return req.send(Buffer.buffer("hello"));
      }).compose(res -> res.body().map(b -> res.statusCode() + " " + b)));
      assertThat(ok).isEqualTo("200 backend /up");
      assertThat(lastBody.get()).isEqualTo("hello");
    } finally {
      h2.close();
    }
  }

}
