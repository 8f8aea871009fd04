package dev.portcullis.dataplane.proxy;

import dev.portcullis.dataplane.ratelimit.RateLimiter;
import dev.portcullis.dataplane.routing.CorsPolicy;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

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
  public static final Buffer CLIENT_CERT_REQUIRED = body("client certificate required\n");
  public static final Buffer CLIENT_CERT_INVALID = body("client certificate not accepted\n");
  public static final Buffer MISDIRECTED = body("misdirected request: open a connection for this host\n");
  public static final Buffer CLIENT_CA_UNAVAILABLE = body("client certificate authority unavailable\n");
  public static final Buffer TOO_MANY_REQUESTS = body("too many requests\n");
  public static final Buffer TOO_MANY_IN_FLIGHT = body("too many requests in flight from this address\n");

  /**
   * A short body for an upstream answer that is replaced but whose replacement cannot be had: the
   * status and its reason phrase, never what the upstream wrote.
   */
  static Buffer statusBody(int status) {
    return body(status + " " + io.netty.handler.codec.http.HttpResponseStatus.valueOf(status).reasonPhrase()
        .toLowerCase(java.util.Locale.ROOT) + "\n");
  }

  /**
   * True if an HTTP/1.x request announces a body: without Content-Length or Transfer-Encoding a
   * request has none (RFC 9112 section 6.3).
   */
  static boolean announcesBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING) || (length != null && !length.trim().equals("0"));
  }

  private static Buffer body(String s) {
    return Buffer.buffer(s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Answers with a status and body; if the response already started, the stream is reset instead
   * (the client sees a truncated response, not a spliced one).
   */
  public static void send(HttpServerRequest request, int status, Buffer body) {
    send(request, status, body, null);
  }

  /**
   * 429: the rate limit's bucket is empty. Says when to come back (Retry-After, whole seconds) and
   * the policy and its state in the draft's RateLimit-Policy and RateLimit fields; on a CORS route
   * with the CORS headers too, or a browser would hide the answer from the page behind a CORS error.
   */
  public static void tooManyRequests(HttpServerRequest request, RateLimiter limiter, RateLimiter.Verdict verdict,
      CorsPolicy cors) {
    send(request, 429, TOO_MANY_REQUESTS, headers -> {
      headers.set(HttpHeaders.RETRY_AFTER, Long.toString(verdict.seconds()));
      headers.set(RateLimiter.RATELIMIT_POLICY, limiter.policyField());
      headers.set(RateLimiter.RATELIMIT, verdict.field());
      if (cors != null) {
        Filters.corsResponse(cors, request, headers);
      }
    });
  }

  /** @param extra adds header fields of the answer's own, or null */
  public static void send(HttpServerRequest request, int status, Buffer body, Consumer<MultiMap> extra) {
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
      // Whatever was prepared for a proxied answer goes; the host's HSTS policy stays.
      String hsts = headers.get(ProxyHandler.STRICT_TRANSPORT_SECURITY);
      headers.clear();
      if (hsts != null) {
        headers.set(ProxyHandler.STRICT_TRANSPORT_SECURITY, hsts);
      }
    }
    headers.set(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN);
    headers.set(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length()));
    if (extra != null) {
      extra.accept(headers);
    }
    boolean http1 = request.version() != HttpVersion.HTTP_2;
    // Answered from the request handler, a request is not "ended" yet even when it has no body
    // (its end comes as a message of its own): only an announced body is still coming.
    boolean bodyComing = !request.isEnded() && announcesBody(request);
    boolean close = http1 && (bodyComing || status == 400 || status == 501);
    if (close) {
      // The request body is still coming, or its framing cannot be trusted: close after
      // answering rather than read on.
      headers.set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    if (http1 && !request.isEnded()) {
      // Let the rest of the request (a body to drop, or just its end) be read, so that the
      // connection goes on to the next request, or closes.
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
