package dev.portcullis.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AdminServerTest {

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  HttpResponse<String> get(DataPlane dp, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.adminPort() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthReadinessAndDump() throws Exception {
    try (DataPlane dp = DataPlane.start(DataPlaneConfig.loopback(1))) {
      assertThat(dp.adminPort()).isNotEqualTo(dp.httpPort());
      assertThat(get(dp, "/healthz").statusCode()).isEqualTo(200);
      HttpResponse<String> notReady = get(dp, "/readyz");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).contains("no route table");

      dp.apply(42, Tables.simpleTable());
      assertThat(get(dp, "/readyz").statusCode()).isEqualTo(200);
      HttpResponse<String> dump = get(dp, "/config_dump");
      assertThat(dump.statusCode()).isEqualTo(200);
      JsonObject json = new JsonObject(dump.body());
      assertThat(json.getLong("version")).isEqualTo(42);
      assertThat(json.getString("checksum")).startsWith("sha256:");
      assertThat(json.getJsonObject("table").getJsonArray("virtualHosts")).hasSize(1);
      assertThat(get(dp, "/nope").statusCode()).isEqualTo(404);
      assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.adminPort() + "/healthz"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(405);
    }
  }
}
