package dev.portcullis.dataplane.auth;

import dev.portcullis.model.Auth;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ClientSSLOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * External authorisation, as nginx's auth_request: before a request goes on, a sub-request without
 * a body asks the auth service, carrying the configured client headers and what the proxy knows
 * of the request ({@code X-Original-URI}, {@code X-Original-Method}, {@code X-Original-URL},
 * {@code X-Forwarded-For}, {@code -Host}, {@code -Proto}, {@code -Method}, {@code -Uri}).
 *
 * <ul>
 *   <li>2xx: the request goes on, with the configured response headers of the auth service's
 *       answer; a client's own values of those headers are removed first, so none can be forged.</li>
 *   <li>401 or 403: that status goes to the client, with the auth service's
 *       {@code WWW-Authenticate} and {@code Location} (a login page), and nothing goes upstream.</li>
 *   <li>Any other status: 500. No answer in time, or no connection: 503. Never open.</li>
 * </ul>
 *
 * The paths sent are the ones the proxy routes and forwards (normalised), never the raw target, so
 * the auth service judges the request the upstream will get.
 */
final class ExternalAuth implements RouteAuth {

  /** Bytes of an auth service's answer body read (and thrown away) before its connection is dropped. */
  static final int MAX_DISCARDED_BODY = 64 * 1024;
  static final int MAX_HEADER_VALUE = 8 * 1024;
  private static final ClientSSLOptions TLS = new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS");

  /** Client headers never passed on to the auth service: hop-by-hop, framing, and what the proxy sets. */
  static final Set<String> NEVER_SENT = Set.of("host", "connection", "keep-alive", "transfer-encoding", "te",
      "upgrade", "proxy-connection", "trailer", "content-length", "expect", "proxy-authorization", "forwarded",
      "x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto", "x-forwarded-method",
      "x-forwarded-uri", "x-real-ip", "x-original-uri", "x-original-url", "x-original-method");

  private final Auth.External config;
  private final Vertx vertx;
  private final String host;
  private final int port;
  private final boolean tls;
  private final String uri;
  private final HttpMethod method;
  private final Set<String> requestHeaders;
  private final boolean allRequestHeaders;
  private final Set<String> responseHeaders;

  ExternalAuth(Auth.External config, Vertx vertx) {
    this.config = config;
    this.vertx = vertx;
    URI u = URI.create(config.url());
    this.tls = "https".equalsIgnoreCase(u.getScheme());
    this.host = u.getHost();
    this.port = u.getPort() > 0 ? u.getPort() : tls ? 443 : 80;
    this.uri = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    this.method = HttpMethod.valueOf(config.method());
    this.allRequestHeaders = config.effectiveRequestHeaders().contains("*");
    this.requestHeaders = Set.copyOf(config.effectiveRequestHeaders());
    this.responseHeaders = Set.copyOf(config.responseHeaders());
  }

  @Override
  public Future<AuthDecision> check(AuthRequest r) {
    HttpServerRequest request = r.request();
    if (request.headers().getAll(HttpHeaders.AUTHORIZATION).size() > 1) {
      return Future.succeededFuture(AuthDecision.deny(400, AuthDecision.BAD_REQUEST, List.of()));
    }
    RequestOptions options = new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(uri)
        .setSsl(tls).setConnectTimeout(config.timeoutMs());
    if (tls) {
      options.setSslOptions(TLS);
    }
    Promise<AuthDecision> decision = Promise.promise();
    HttpClientRequest[] sent = {null};
    long deadline = vertx.setTimer(config.timeoutMs(), t -> {
      if (decision.tryComplete(unavailable()) && sent[0] != null) {
        sent[0].reset();
      }
    });
    r.http().request(options).onComplete(ar -> {
      if (ar.failed()) {
        decision.tryComplete(unavailable());
        return;
      }
      HttpClientRequest sub = ar.result();
      sent[0] = sub;
      if (decision.future().isComplete()) {
        sub.reset();
        return;
      }
      headers(r, sub.headers());
      if (method == HttpMethod.POST) {
        sub.putHeader(HttpHeaders.CONTENT_LENGTH, "0");
      }
      sub.exceptionHandler(e -> decision.tryComplete(unavailable()));
      sub.send().onComplete(res -> {
        if (res.failed()) {
          decision.tryComplete(unavailable());
        } else {
          decision.tryComplete(answered(res.result(), sub));
        }
      });
    });
    return decision.future().andThen(ar -> vertx.cancelTimer(deadline));
  }

  /** What the auth service is told. */
  private void headers(AuthRequest r, MultiMap out) {
    HttpServerRequest request = r.request();
    for (Map.Entry<String, String> h : request.headers()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (!NEVER_SENT.contains(name) && !name.startsWith(":") && (allRequestHeaders || requestHeaders.contains(name))) {
        out.add(name, h.getValue());
      }
    }
    String scheme = request.isSSL() ? "https" : "http";
    String method = request.method().name();
    out.set("x-original-uri", r.target());
    out.set("x-original-method", method);
    out.set("x-original-url", scheme + "://" + r.hostHeader() + r.target());
    out.set("x-forwarded-uri", r.target());
    out.set("x-forwarded-method", method);
    out.set("x-forwarded-proto", scheme);
    if (!r.hostHeader().isEmpty()) {
      out.set("x-forwarded-host", r.hostHeader());
    }
    if (r.client() != null) {
      out.set("x-forwarded-for", r.client());
      out.set("x-real-ip", r.client());
    }
  }

  private AuthDecision answered(HttpClientResponse response, HttpClientRequest sub) {
    int status = response.statusCode();
    discard(response, sub);
    if (status >= 200 && status < 300) {
      List<Map.Entry<String, String>> add = new ArrayList<>();
      for (String name : config.responseHeaders()) {
        for (String value : response.headers().getAll(name)) {
          if (value.length() <= MAX_HEADER_VALUE) {
            add.add(Map.entry(name, value));
          }
        }
      }
      return AuthDecision.allow(responseHeaders, add);
    }
    if (status == 401 || status == 403) {
      List<Map.Entry<String, String>> pass = new ArrayList<>();
      for (String name : List.of("www-authenticate", "location")) {
        for (String value : response.headers().getAll(name)) {
          if (value.length() <= MAX_HEADER_VALUE) {
            pass.add(Map.entry(name, value));
          }
        }
      }
      return AuthDecision.deny(status, status == 401 ? AuthDecision.UNAUTHORIZED : AuthDecision.FORBIDDEN, pass);
    }
    // nginx's auth_request: any other answer is an error, and the request does not go on.
    return AuthDecision.deny(500, AuthDecision.FAILED, List.of());
  }

  /** Reads the body away (it says nothing the proxy uses), up to a bound; beyond it the connection goes. */
  private static void discard(HttpClientResponse response, HttpClientRequest sub) {
    long[] seen = {0};
    response.exceptionHandler(e -> { });
    response.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > MAX_DISCARDED_BODY) {
        response.handler(null);
        sub.reset();
      }
    });
  }

  private static AuthDecision unavailable() {
    return AuthDecision.deny(503, AuthDecision.UNAVAILABLE, List.of());
  }
}
