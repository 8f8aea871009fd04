package dev.portcullis.dataplane.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The proxy's own answers: a status and a short plain-text body, never echoing the request. */
public final class ErrorResponses {
  private ErrorResponses() {}

  static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain; charset=utf-8");

  public static final Buffer BAD_REQUEST = body("bad request\n");
  public static final Buffer NOT_FOUND = body("no route\n");
  public static final Buffer FORBIDDEN = body("forbidden\n");
  public static final Buffer METHOD_NOT_ALLOWED = body("method not allowed\n");
  public static final Buffer NOT_IMPLEMENTED = body("transfer coding not implemented\n");
  public static final Buffer BAD_GATEWAY = body("upstream connect error\n");
  public static final Buffer UPSTREAM_RESET = body("upstream reset before response\n");
  public static final Buffer NO_ENDPOINTS = body("no healthy upstream\n");
  public static final Buffer OVERLOADED = body("upstream overloaded\n");
  public static final Buffer CIRCUIT_OPEN = body("upstream overloaded: circuit breaker open\n");
  public static final Buffer GATEWAY_TIMEOUT = body("upstream timeout\n");
  public static final Buffer PAYLOAD_TOO_LARGE = body("request body too large\n");
  public static final Buffer URI_TOO_LONG = body("request target too long\n");
  public static final Buffer HEADERS_TOO_LARGE = body("request header fields too large\n");
  public static final Buffer NOT_CACHED = body("not in cache (only-if-cached)\n");

  private static Buffer body(String s) {
    return Buffer.buffer(s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Answers with a status and body; if the response already started, the stream is reset instead
   * (the client sees a truncated response, not a spliced one).
   */
  public static void send(HttpServerRequest request, int status, Buffer body) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    MultiMap headers = response.headers();
    if (status < 300 || status >= 400) {
      headers.clear();
    }
    headers.set(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN);
    headers.set(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length()));
    boolean close = request.version() != HttpVersion.HTTP_2 && (!request.isEnded() || status == 400 || status == 501);
    if (close) {
      // The request body is still coming, or its framing cannot be trusted: close after
      // answering rather than read on.
      headers.set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      request.resume();
    } else if (request.version() == HttpVersion.HTTP_2 && !request.isEnded()) {
      // Answered before the upload ended: once the answer is out, the rest of the stream is
      // refused (RST_STREAM NO_ERROR, RFC 9113 section 8.1) rather than read and thrown away.
      response.setStatusCode(status).end(body).onComplete(v -> response.reset(0));
      return;
    }
    response.setStatusCode(status).end(body).onComplete(v -> {
      if (close) {
        request.connection().close();
      }
    });
  }
}
