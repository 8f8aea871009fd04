package dev.portcullis.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** X-Forwarded-Port: the port the client named in Host, else the scheme's. */
class ForwardedPortTest {

  @Test
  void thePortOfTheHostOrTheSchemes() {
    assertThat(ProxyHandler.forwardedPort("shop.example:8443", "https")).isEqualTo("8443");
    assertThat(ProxyHandler.forwardedPort("[::1]:8080", "http")).isEqualTo("8080");
    assertThat(ProxyHandler.forwardedPort("[::1]", "https")).isEqualTo("443");
    assertThat(ProxyHandler.forwardedPort("shop.example", "http")).isEqualTo("80");
    // Not a port: the scheme's instead.
    assertThat(ProxyHandler.forwardedPort("shop.example:", "http")).isEqualTo("80");
    assertThat(ProxyHandler.forwardedPort("shop.example:123456", "http")).isEqualTo("80");
    assertThat(ProxyHandler.forwardedPort("shop.example:80a", "https")).isEqualTo("443");
    assertThat(ProxyHandler.forwardedPort("shop.example:\u0661\u0662", "http")).isEqualTo("80");
  }
}
