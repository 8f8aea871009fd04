package dev.portcullis.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathNormalizerTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(nullValues = "INVALID", value = {
      "/, /",
      "/a/b, /a/b",
      "/a/./b, /a/b",
      "/a/../b, /b",
      "/a/b/.., /a/",
      "/a/b/., /a/b/",
      "/.., /",
      "/../../etc/passwd, /etc/passwd",
      "/a//b, /a/b",
      "//admin, /admin",
      "/a///b/, /a/b/",
      "'/a\\b', INVALID",
      "/public/..;/admin, INVALID",
      "/public/.;x/admin, INVALID",
      "/public/%2e%2e;/admin, INVALID",
      "/a;jsessionid=1/b, /a;jsessionid=1/b",
      "/a/%2e%2e/b, /b",
      "/a/%2E%2e/b, /b",
      "/%7euser, /~user",
      "/a%2fb, /a%2Fb",
      "/a%2Fb/../c, /c",
      "/caf%c3%a9, /caf%C3%A9",
      "/a.b/c., /a.b/c.",
      "/.well-known/x, /.well-known/x",
      "relative, INVALID",
      "/bad%zz, INVALID",
      "/bad%4, INVALID",
      "'/sp ace', INVALID",
      "/hash#frag, INVALID",
  })
  void normalizes(String in, String expected) {
    assertThat(PathNormalizer.normalize(in)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} routes as {1}")
  @CsvSource({"/admin;x=1, /admin", "/a;b/c;d=e/, /a/c/", "/plain, /plain"})
  void routesWithoutPathParameters(String in, String expected) {
    assertThat(PathNormalizer.routingPath(in)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"/plain/path", "/api/v1/users"})
  void returnsTheSameInstanceWhenNothingChanges(String in) {
    assertThat(PathNormalizer.normalize(in)).isSameAs(in);
  }
}
