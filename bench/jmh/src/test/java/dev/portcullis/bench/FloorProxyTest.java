package dev.portcullis.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The floor proxies of bench/proxy/run.sh relay what they claim to: requests and answers whole,
 * small and large, several on one kept-alive connection, through one upstream connection.
 */
class FloorProxyTest {

  HttpServer origin;
  final Set<String> upstreamPeers = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void start() throws Exception {
    origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    origin.createContext("/", exchange -> {
      upstreamPeers.add(exchange.getRemoteAddress().toString());
      byte[] body = exchange.getRequestURI().getPath().equals("/big")
          ? "b".repeat(200_000).getBytes(StandardCharsets.US_ASCII)
          : ("hello " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    origin.start();
  }

  @AfterEach
  void stop() {
    origin.stop(0);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void relaysKeptAliveExchangesWhole(boolean http) throws Exception {
    try (FloorProxy proxy = FloorProxy.start(http, 0, origin.getAddress().getPort())) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String base = "http://127.0.0.1:" + proxy.port();
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/n" + i)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello /n" + i);
      }
      HttpResponse<String> big = client.send(HttpRequest.newBuilder(URI.create(base + "/big")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(big.body()).hasSize(200_000);
      assertThat(upstreamPeers).as("one client connection, one upstream connection").hasSize(1);
    }
  }
}
