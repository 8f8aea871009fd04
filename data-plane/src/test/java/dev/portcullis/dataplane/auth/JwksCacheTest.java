package dev.portcullis.dataplane.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A key set is fetched whichever thread asks first: a route table is applied on a worker, and a
 * small key set arrives whole in one read. The fetch must still see its body.
 */
class JwksCacheTest {

  @Test
  void aKeySetAskedForFromAWorkerIsFetched() throws Exception {
    Vertx vertx = Vertx.vertx();
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair rsa = g.generateKeyPair();
    String set = Tokens.set(Tokens.jwk(rsa, "r1"));
    HttpServer idp = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(req -> req.response().putHeader("content-type", "application/json").end(set));
    idp.listen().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    JwksCache cache = new JwksCache(vertx, 60_000, 60_000, 60_000);
    try {
      List<java.util.concurrent.CompletableFuture<KeySet>> loads = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String uri = "http://127.0.0.1:" + idp.actualPort() + "/keys?n=" + i;
        loads.add(vertx.executeBlocking(() -> cache.source(uri))
            .compose(KeySource::load).toCompletionStage().toCompletableFuture());
      }
      for (var load : loads) {
        assertThat(load.get(3, TimeUnit.SECONDS).size()).isEqualTo(1);
      }
    } finally {
      cache.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }
}
