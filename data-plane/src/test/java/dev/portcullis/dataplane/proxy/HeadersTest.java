package dev.portcullis.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeadersTest {

  @ParameterizedTest(name = "{0}: request {1}, response {2}")
  @CsvSource({
      "Connection, true, true",
      "keep-alive, true, true",
      "Proxy-Connection, true, true",
      "TE, true, true",
      "Trailer, true, true",
      "Transfer-Encoding, true, true",
      "Upgrade, true, true",
      "Proxy-Authorization, true, false",
      "Proxy-Authenticate, false, true",
      "Host, true, false",
      "Server, false, false",
      "X-Forwarded-For, true, false",
      "x-forwarded-proto, true, false",
      "X-Real-IP, true, false",
      "Forwarded, true, false",
      ":authority, true, true",
      "Content-Type, false, false",
      "Authorization, false, false",
      "Cookie, false, false",
      "Set-Cookie, false, false",
      // Any case matches, and only the letters' case: a name one character off is another header.
      "CONNECTION, true, true",
      "tRaNsFeR-eNcOdInG, true, true",
      "SSL-Client-Subject-DN, true, false",
      "Connectiom, false, false",
      "X-Forwarded-Fox, false, false",
      "Keep_Alive, false, false",
      "X-Forwarded.Host, false, false",
  })
  void hopByHop(String name, boolean request, boolean response) {
    assertThat(Headers.skipOnRequest(name)).isEqualTo(request);
    assertThat(Headers.skipOnResponse(name)).isEqualTo(response);
  }

  @ParameterizedTest
  @CsvSource({"Server, true", "X-Powered-By, true", "x-aspnet-version, true", "X-AspNetMvc-Version, true",
      "Content-Type, false", "X-Served-By, false", "Via, false"})
  void identifyingHeaders(String name, boolean identifying) {
    assertThat(Headers.identifying(name)).isEqualTo(identifying);
  }

  @Test
  void connectionListsMoreHopByHopHeaders() {
    MultiMap in = MultiMap.caseInsensitiveMultiMap()
        .add("Connection", "close, X-Internal ,x-trace").add("X-Internal", "1").add("X-Trace", "2")
        .add("X-Kept", "3").add("Accept", "a").add("Accept", "b");
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    Headers.copy(in, out, true);
    assertThat(out.names()).containsExactlyInAnyOrder("X-Kept", "Accept");
    assertThat(out.getAll("Accept")).containsExactly("a", "b");
  }
}
