package dev.portcullis.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.model.RouteTable;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import org.junit.jupiter.api.Test;

class AdminServerTest {

  @Test
  void healthReadinessAndDump() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (DataPlane dp = DataPlane.start(DataPlaneConfig.loopback(1));
        HttpTestClient admin = new HttpTestClient(vertx, dp.adminPort(), HttpVersion.HTTP_1_1)) {
      assertThat(dp.adminPort()).isNotEqualTo(dp.httpPort());
      assertThat(admin.get(null, "/healthz").status()).isEqualTo(200);
      HttpTestClient.Response notReady = admin.get(null, "/readyz");
      assertThat(notReady.status()).isEqualTo(503);
      assertThat(notReady.text()).contains("no route table");

      RouteTable table = Tables.simpleTable();
      dp.apply(42, table);
      assertThat(admin.get(null, "/readyz").status()).isEqualTo(200);
      HttpTestClient.Response dump = admin.get(null, "/config_dump");
      assertThat(dump.status()).isEqualTo(200);
      assertThat(dump.json().getLong("version")).isEqualTo(42);
      assertThat(dump.json().getString("checksum")).startsWith("sha256:");
      assertThat(dump.json().getJsonObject("table").getJsonArray("virtualHosts")).hasSize(1);
      assertThat(admin.get(null, "/nope").status()).isEqualTo(404);
    } finally {
      vertx.close();
    }
  }
}
