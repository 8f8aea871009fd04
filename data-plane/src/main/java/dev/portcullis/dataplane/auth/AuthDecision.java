package dev.portcullis.dataplane.auth;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.impl.HttpUtils;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What authentication decided about one request: it goes on (with request headers changed on the
 * way), or it is answered here with a status, a short body and the fields the client needs
 * ({@code WWW-Authenticate}, a login {@code Location}).
 *
 * @param status          0 when the request goes on, else the status of the answer
 * @param body            the answer's body (null when the request goes on)
 * @param responseHeaders fields of the answer
 * @param remove          request headers (lower case) dropped before the request goes on: those
 *                        that authentication sets, so that a client can never send its own
 * @param add             request headers added after that
 */
public record AuthDecision(int status, Buffer body, List<Map.Entry<String, String>> responseHeaders,
    Set<String> remove, List<Map.Entry<String, String>> add) {

  public static final AuthDecision ALLOW = new AuthDecision(0, null, List.of(), Set.of(), List.of());

  static final Buffer UNAUTHORIZED = text("unauthorized\n");
  static final Buffer FORBIDDEN = text("forbidden\n");
  static final Buffer BAD_REQUEST = text("bad request\n");
  static final Buffer UNAVAILABLE = text("authentication unavailable\n");
  static final Buffer BUSY = text("authentication busy, try again\n");
  static final Buffer FAILED = text("authentication failed to decide\n");

  /** The answer when a check fails in a way no one foresaw: closed, never open. */
  public static final AuthDecision ERROR = deny(500, FAILED, List.of());

  public boolean allowed() {
    return status == 0;
  }

  static AuthDecision allow(Set<String> remove, List<Map.Entry<String, String>> add) {
    return remove.isEmpty() && add.isEmpty() ? ALLOW : new AuthDecision(0, null, List.of(), remove, add);
  }

  static AuthDecision deny(int status, Buffer body, List<Map.Entry<String, String>> headers) {
    return new AuthDecision(status, body, headers, Set.of(), List.of());
  }

  /** Changes the request's headers as decided, before anything reads them for the upstream. */
  public void applyTo(MultiMap requestHeaders) {
    for (String name : remove) {
      requestHeaders.remove(name);
    }
    for (Map.Entry<String, String> h : add) {
      // Checked here, not by the map: an HTTP/1 request's map takes fields as they come, and
      // what it holds is copied upstream unchecked (every field the decoder put in passed the
      // strict grammar). A field that is not one is left out, as JWT claims that are not short
      // printable ASCII are.
      if (validField(h.getKey(), h.getValue())) {
        requestHeaders.add(h.getKey(), h.getValue());
      }
    }
  }

  static boolean validField(String name, String value) {
    try {
      HttpUtils.validateHeader(name, value);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Buffer text(String s) {
    return Buffer.buffer(s.getBytes(StandardCharsets.UTF_8));
  }
}
