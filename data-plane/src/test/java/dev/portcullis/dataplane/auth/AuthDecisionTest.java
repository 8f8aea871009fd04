package dev.portcullis.dataplane.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.impl.headers.HeadersMultiMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What authentication adds to a request is checked as it is added: an HTTP/1 request's map takes
 * fields unchecked, and its fields are copied upstream unchecked.
 */
class AuthDecisionTest {

  @Test
  void onlyFieldsThatAreFieldsAreAddedAndTheRemovedOnesGo() {
    HeadersMultiMap headers = HeadersMultiMap.httpHeaders(null);
    headers.add("x-user", "forged");
    headers.add("x-keep", "k");
    AuthDecision d = AuthDecision.allow(Set.of("x-user"), List.of(Map.entry("x-user", "alice"),
        Map.entry("x-bad", "a\r\nInjected: 1"), Map.entry("x bad", "v"), Map.entry("x-nul", "a\u0000b"),
        Map.entry("x-groups", "admins,dev")));
    d.applyTo(headers);
    assertThat(headers.getAll("x-user")).containsExactly("alice");
    assertThat(headers.get("x-keep")).isEqualTo("k");
    assertThat(headers.get("x-groups")).isEqualTo("admins,dev");
    assertThat(headers.contains("x-bad")).isFalse();
    assertThat(headers.contains("x bad")).isFalse();
    assertThat(headers.contains("x-nul")).isFalse();
    assertThat(headers.size()).isEqualTo(3);
  }
}
