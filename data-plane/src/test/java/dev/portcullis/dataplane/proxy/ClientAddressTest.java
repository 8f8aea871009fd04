package dev.portcullis.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientAddressTest {

  @Test
  void literalsBecomeBytesAndAnythingElseNothing() {
    assertThat(ClientAddress.bytes("10.1.2.3")).containsExactly(10, 1, 2, 3);
    assertThat(ClientAddress.bytes("::1")).hasSize(16).endsWith(1);
    assertThat(ClientAddress.bytes("fe80::1%lo")).hasSize(16);
    assertThat(ClientAddress.bytes(null)).isNull();
    // Text that is not a literal is never looked up (that would block the event loop on DNS).
    assertThat(ClientAddress.bytes("localhost")).isNull();
    assertThat(ClientAddress.bytes("1.2.3.4.5")).isNull();
    assertThat(ClientAddress.bytes("cafe.example")).isNull();
  }
}
