package dev.portcullis.dataplane.proxy;

import dev.portcullis.dataplane.auth.AuthDecision;
import dev.portcullis.dataplane.auth.AuthRequest;
import dev.portcullis.dataplane.cache.CacheGate;
import dev.portcullis.dataplane.cache.CacheKeys;
import dev.portcullis.dataplane.cache.CachedResponse;
import dev.portcullis.dataplane.ratelimit.RateLimiter;
import dev.portcullis.dataplane.listener.ListenerGuard;
import dev.portcullis.dataplane.listener.ListenerLimits;
import dev.portcullis.dataplane.observability.Observability;
import dev.portcullis.dataplane.observability.RequestRecord;
import dev.portcullis.dataplane.routing.CompiledRoute;
import dev.portcullis.dataplane.routing.CompiledTable;
import dev.portcullis.dataplane.routing.CorsPolicy;
import dev.portcullis.dataplane.routing.PathNormalizer;
import dev.portcullis.dataplane.tls.ClientCertPolicy;
import dev.portcullis.dataplane.tls.SniKeyManager;
import java.security.cert.X509Certificate;
import dev.portcullis.dataplane.upstream.ClusterRuntime;
import dev.portcullis.dataplane.upstream.ClusterRuntime.Outcome;
import dev.portcullis.dataplane.upstream.EndpointState;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.RouteFilters;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.Hostnames;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.TlsRef;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.model.routing.Router;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.Pipe;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hot path: route the request, then pipe it to an upstream endpoint and the answer back,
 * streaming both bodies with back-pressure. One instance per event loop, each with its own
 * connection pool; the compiled table is shared and read once per request.
 */
public final class ProxyHandler implements Handler<HttpServerRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);

  static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("x-forwarded-for");
  static final CharSequence X_FORWARDED_PROTO = HttpHeaders.createOptimized("x-forwarded-proto");
  static final CharSequence X_FORWARDED_HOST = HttpHeaders.createOptimized("x-forwarded-host");
  static final CharSequence X_FORWARDED_PORT = HttpHeaders.createOptimized("x-forwarded-port");
  static final CharSequence X_REAL_IP = HttpHeaders.createOptimized("x-real-ip");
  static final CharSequence TE = HttpHeaders.createOptimized("te");

  /** Request bodies up to this size are read whole before they are sent, so they can be retried. */
  static final int MAX_REPLAY_BODY = 64 * 1024;

  private final Vertx vertx;
  private final HttpClient http1;
  private final HttpClient h2c;
  /** This event loop's own HTTP/1.1 client for plain-text upstreams, or null to use Vert.x's alone. */
  private final Http1Upstream fast;
  private final Supplier<CompiledTable> table;
  private final Drain drain;
  private final CacheGate cacheGate;
  /** The port in the Location of redirects to HTTPS (443: none written). */
  private final int httpsRedirectPort;

  static final CharSequence STRICT_TRANSPORT_SECURITY = HttpHeaders.createOptimized("strict-transport-security");
  /** ACME HTTP-01 challenges (cert-manager, Let's Encrypt) must be answered over plain HTTP. */
  static final String ACME_CHALLENGE = "/.well-known/acme-challenge/";
  private final ListenerLimits limits;
  private final TrustedProxies trusted;
  /** Metrics, access log and trace context: told about each request through its RequestRecord. */
  private final Observability observability;

  /**
   * @param http1             the client for HTTP/1.1 upstreams (and WebSocket upgrades)
   * @param h2c               the client for HTTP/2 upstreams with prior knowledge
   * @param fast              the client for plain-text HTTP/1.1 upstreams on this handler's event
   *                          loop (what it cannot serve goes to {@code http1}), or null
   * @param httpsRedirectPort the HTTPS port clients are redirected to
   */
  ProxyHandler(Vertx vertx, HttpClient http1, HttpClient h2c, Http1Upstream fast, Supplier<CompiledTable> table,
      Drain drain, CacheGate cacheGate, ListenerLimits limits, int httpsRedirectPort, Observability observability) {
    this.observability = observability;
    this.trusted = limits.trustedProxies();
    this.httpsRedirectPort = httpsRedirectPort;
    this.limits = limits;
    this.vertx = vertx;
    this.http1 = http1;
    this.h2c = h2c;
    this.fast = fast;
    this.table = table;
    this.drain = drain;
    this.cacheGate = cacheGate;
  }

  @Override
  public void handle(HttpServerRequest request) {
    if (ListenerGuard.closing(request.connection())) {
      // Pipelined behind a response that closes the connection: never served (RFC 9112 9.6).
      request.connection().close();
      return;
    }
    RequestRecord record = observability.begin(request);
    CompiledTable current = table.get();
    if (request.method() == HttpMethod.CONNECT) {
      ErrorResponses.send(request, 405, ErrorResponses.METHOD_NOT_ALLOWED);
      return;
    }
    int framing = framingError(request);
    if (framing != 0) {
      ErrorResponses.send(request, framing, framing == 501 ? ErrorResponses.NOT_IMPLEMENTED : ErrorResponses.BAD_REQUEST);
      return;
    }
    String uri = request.uri();
    // HTTP/1 heads were measured by the decoder already; HTTP/2 ones are measured here.
    if (uri.length() > limits.maxUriLength()) {
      ErrorResponses.send(request, 414, ErrorResponses.URI_TOO_LONG);
      return;
    }
    // (Vert.x's size() gathers the distinct names in a sorted set: only HTTP/2 needs it.)
    if (request.version() == HttpVersion.HTTP_2 && request.headers().size() > limits.maxHeaders()) {
      ErrorResponses.send(request, 431, ErrorResponses.HEADERS_TOO_LARGE);
      return;
    }
    if (!visibleAscii(uri)) {
      ErrorResponses.send(request, 400, ErrorResponses.BAD_REQUEST);
      return;
    }
    String authority;
    int pathStart;
    if (uri.startsWith("/")) {
      pathStart = 0;
      authority = null;
    } else if (uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8)) {
      // Absolute form (RFC 9112 3.2.2): its authority replaces the Host header.
      int hostStart = uri.indexOf("//") + 2;
      int slash = uri.indexOf('/', hostStart);
      int query = uri.indexOf('?', hostStart);
      int end = slash >= 0 ? slash : (query >= 0 ? query : uri.length());
      authority = uri.substring(hostStart, end);
      uri = slash >= 0 && (query < 0 || slash < query) ? uri.substring(slash) : "/" + uri.substring(end);
      pathStart = 0;
    } else {
      ErrorResponses.send(request, 400, ErrorResponses.BAD_REQUEST);
      return;
    }
    int q = uri.indexOf('?', pathStart);
    String rawPath = q < 0 ? uri : uri.substring(0, q);
    String path = PathNormalizer.normalize(rawPath);
    if (path == null) {
      ErrorResponses.send(request, 400, ErrorResponses.BAD_REQUEST);
      return;
    }
    String hostHeader = authority != null ? authority : hostHeader(request);
    if (!validAuthority(hostHeader) || (authority != null && request.version() != HttpVersion.HTTP_2
        && request.getHeader(HttpHeaders.HOST) != null && !authority.equalsIgnoreCase(request.getHeader(HttpHeaders.HOST)))) {
      // A Host that names no single host, or an absolute target naming another host than Host:
      // the proxy and a backend could each route it to a different one.
      ErrorResponses.send(request, 400, ErrorResponses.BAD_REQUEST);
      return;
    }
    String host = Router.normalizeHost(hostHeader);
    if (current.hasTls()) {
      TlsRef tls = tlsOf(current, host);
      if (tls != null) {
        if (!request.isSSL()) {
          // A host that checks client certificates is never served over plain HTTP. Behind a trusted
          // proxy that ended TLS itself (and says so), the request did come over HTTPS: redirecting
          // it would loop.
          boolean forwardedHttps = trusted.fromTrustedProxy(request)
              && "https".equalsIgnoreCase(request.getHeader(X_FORWARDED_PROTO));
          if (((tls.redirects() && !forwardedHttps) || tls.clientValidation() != null)
              && !path.startsWith(ACME_CHALLENGE)) {
            redirectToHttps(request, host, uri);
            return;
          }
        } else {
          if (tls.hsts() != null) {
            // Set before anything answers, so that the proxy's own answers on this host carry it too.
            request.response().headers().set(STRICT_TRANSPORT_SECURITY, tls.hsts());
          }
          if (tls.clientValidation() != null && !clientCertificateAdmits(request, current, tls, host)) {
            return;
          }
        }
      }
    }
    CompiledRoute route;
    try {
      // Routing ignores path parameters, as the servlet containers behind many routes do.
      String routingPath = PathNormalizer.routingPath(path);
      route = null;
      if (Filters.isPreflight(request)) {
        // A preflight asks about the request it announces: route it as that request, so that a
        // rule with a method condition and CORS answers its own preflights.
        CompiledRoute announced = current.router().route(host, routingPath,
            new VertxRequestView(request, request.getHeader("access-control-request-method").trim()));
        if (announced != null && announced.cors() != null) {
          route = announced;
        }
      }
      if (route == null) {
        route = current.router().route(host, routingPath, new VertxRequestView(request));
      }
    } catch (IllegalArgumentException e) {
      // A query condition met a query that cannot be decoded (say, "%zz").
      ErrorResponses.send(request, 400, ErrorResponses.BAD_REQUEST);
      return;
    }
    if (route == null) {
      ErrorResponses.send(request, 404, ErrorResponses.NOT_FOUND);
      return;
    }
    record.route(route);
    if (route.access() != null && !route.access().admits(ClientAddress.bytes(trusted.clientOf(request)))) {
      ErrorResponses.send(request, 403, ErrorResponses.FORBIDDEN);
      return;
    }
    if (route.rateLimiter() != null && !admit(request, route.rateLimiter(), route.cors(), trusted)) {
      return;
    }
    if (route.concurrencyLimiter() != null) {
      Runnable slot = route.concurrencyLimiter().acquire(trusted.clientOf(request));
      if (slot == null) {
        ErrorResponses.send(request, 503, ErrorResponses.TOO_MANY_IN_FLIGHT);
        return;
      }
      // Called once the response is done with: ended, or its connection gone.
      request.response().endHandler(v -> slot.run());
    }
    if (route.cors() != null && Filters.isPreflight(request)) {
      Filters.preflight(route.cors(), request);
      return;
    }
    if (route.kind() == CompiledRoute.Kind.FORWARD) {
      long maxBody = route.maxRequestBodySize(limits.maxRequestBodySize());
      String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (maxBody > 0 && contentLength != null && parseLength(contentLength.trim()) > maxBody) {
        // Refused before a byte of the body is read, and before any 100 Continue invites it.
        ErrorResponses.send(request, 413, ErrorResponses.PAYLOAD_TOO_LARGE);
        return;
      }
    }
    if (route.auth() != null) {
      authenticate(request, route, hostHeader, path, rawPath, uri, q, record);
      return;
    }
    dispatch(request, route, hostHeader, path, rawPath, uri, q, record);
  }

  /**
   * Authentication, after the access rules, the rate limit and CORS preflights, before the cache
   * and the upstream: a stored response is never served to a client that did not pass. The body
   * stays unread (and no 100 Continue is sent) until the decision; a refused request is answered
   * here and nothing of it goes upstream.
   */
  private void authenticate(HttpServerRequest request, CompiledRoute route, String hostHeader, String path,
      String rawPath, String uri, int q, RequestRecord record) {
    request.pause();
    String target = q < 0 ? path : path + uri.substring(q);
    Future<AuthDecision> decision;
    try {
      decision = route.auth().check(new AuthRequest(request, hostHeader, target, trusted.clientOf(request), http1));
    } catch (RuntimeException e) {
      LOG.warn("{}: authentication failed: {}", route.name(), e.toString());
      decision = Future.succeededFuture(AuthDecision.ERROR);
    }
    decision.onComplete(ar -> {
      if (request.response().closed() || request.response().ended()) {
        return;
      }
      AuthDecision d = ar.succeeded() ? ar.result() : AuthDecision.ERROR;
      if (!d.allowed()) {
        ErrorResponses.send(request, d.status(), d.body(), headers -> {
          d.responseHeaders().forEach(h -> headers.add(h.getKey(), h.getValue()));
          if (route.cors() != null) {
            // Or a browser hides the 401 from the page behind a CORS error.
            Filters.corsResponse(route.cors(), request, headers);
          }
        });
        return;
      }
      d.applyTo(request.headers());
      dispatch(request, route, hostHeader, path, rawPath, uri, q, record);
    });
  }

  private void dispatch(HttpServerRequest request, CompiledRoute route, String hostHeader, String path,
      String rawPath, String uri, int q, RequestRecord record) {
    String query = q < 0 ? null : uri.substring(q + 1);
    switch (route.kind()) {
      case DIRECT -> ErrorResponses.send(request, route.directStatus(), route.directBody());
      case REDIRECT -> redirect(request, route, hostHeader, path, query);
      case FORWARD -> forward(request, route, hostHeader, path, rawPath, uri, q, false, record);
    }
  }

  /**
   * Checks the client certificate of the request's connection against the CA of the host the
   * request is for (never only the SNI: a client names whichever host it likes there). Answers
   * and returns false when it does not pass.
   */
  private static boolean clientCertificateAdmits(HttpServerRequest request, CompiledTable table, TlsRef tls,
      String host) {
    ClientCertPolicy policy = table.clientPolicy(tls.clientValidation());
    ClientCertPolicy.Verdict verdict = policy == null ? ClientCertPolicy.Verdict.UNAVAILABLE
        : policy.check(request.sslSession());
    switch (verdict) {
      case VERIFIED, NONE -> {
        return true;
      }
      case MISSING -> {
        String sni = SniKeyManager.serverName(request.sslSession());
        if (sni != null && !Router.normalizeHost(sni).equals(host)) {
          // A connection made for another host (HTTP/2 reuses them): a new one for this host brings
          // the certificate the client has for it.
          ErrorResponses.send(request, 421, ErrorResponses.MISDIRECTED);
        } else {
          ErrorResponses.send(request, 400, ErrorResponses.CLIENT_CERT_REQUIRED);
        }
      }
      case INVALID -> ErrorResponses.send(request, 400, ErrorResponses.CLIENT_CERT_INVALID);
      case UNAVAILABLE -> ErrorResponses.send(request, 503, ErrorResponses.CLIENT_CA_UNAVAILABLE);
    }
    return false;
  }

  /** What the upstream is told about the client certificate, as ingress-nginx tells it. */
  static void clientCertificateHeaders(HttpServerRequest request, ClientCertPolicy policy, MultiMap headers) {
    X509Certificate[] chain = ClientCertPolicy.peer(request.sslSession());
    if (chain == null) {
      headers.set(SSL_CLIENT_VERIFY, "NONE");
      return;
    }
    headers.set(SSL_CLIENT_VERIFY, "SUCCESS");
    headers.set(SSL_CLIENT_SUBJECT_DN, chain[0].getSubjectX500Principal().getName());
    headers.set(SSL_CLIENT_ISSUER_DN, chain[0].getIssuerX500Principal().getName());
    if (policy.passCertificate()) {
      try {
        String pem = "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
            .encodeToString(chain[0].getEncoded()) + "\n-----END CERTIFICATE-----\n";
        headers.set(SSL_CLIENT_CERT, java.net.URLEncoder.encode(pem, java.nio.charset.StandardCharsets.US_ASCII)
            .replace("+", "%20"));
      } catch (java.security.cert.CertificateEncodingException e) {
        // a certificate the handshake accepted always encodes
      }
    }
  }

  static final CharSequence SSL_CLIENT_VERIFY = HttpHeaders.createOptimized("ssl-client-verify");
  static final CharSequence SSL_CLIENT_SUBJECT_DN = HttpHeaders.createOptimized("ssl-client-subject-dn");
  static final CharSequence SSL_CLIENT_ISSUER_DN = HttpHeaders.createOptimized("ssl-client-issuer-dn");
  static final CharSequence SSL_CLIENT_CERT = HttpHeaders.createOptimized("ssl-client-cert");

  /** The TLS settings of the host a request is routed within, or null. */
  private static TlsRef tlsOf(CompiledTable table, String host) {
    VirtualHost vh = table.router().virtualHost(host);
    return vh == null ? null : vh.tls();
  }

  /**
   * Sends a plain-HTTP request to the same URL over HTTPS: 301 for GET and HEAD, 308 (which keeps
   * the method and body) for the rest, as ingress-nginx and Contour do. The host is the one that
   * was routed, so it is a DNS name and safe to echo; the target is the client's own.
   */
  private void redirectToHttps(HttpServerRequest request, String host, String target) {
    if (!Hostnames.isDnsName(host)) {
      ErrorResponses.send(request, 400, ErrorResponses.BAD_REQUEST);
      return;
    }
    String location = "https://" + host + (httpsRedirectPort == 443 ? "" : ":" + httpsRedirectPort) + target;
    boolean safe = request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD;
    request.response().headers().set(HttpHeaders.LOCATION, location);
    ErrorResponses.send(request, safe ? 301 : 308, Buffer.buffer());
  }

  /**
   * A status for a request whose body framing the proxy will not pass on (RFC 9112 section 6), or
   * 0. Transfer-Encoding in HTTP/1.0, codings other than a lone "chunked", or Content-Length beside
   * Transfer-Encoding could make the upstream see a different request boundary than the proxy did
   * (request smuggling); several Host headers make the target ambiguous.
   */
  static int framingError(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2) {
      return 0;
    }
    MultiMap headers = request.headers();
    // Looked up before they are listed: most requests have neither, and a list is made per lookup.
    java.util.List<String> te = headers.contains(HttpHeaders.TRANSFER_ENCODING)
        ? headers.getAll(HttpHeaders.TRANSFER_ENCODING) : java.util.List.of();
    if (!te.isEmpty()) {
      if (request.version() == HttpVersion.HTTP_1_0 || headers.contains(HttpHeaders.CONTENT_LENGTH)) {
        return 400;
      }
      if (te.size() != 1 || !te.get(0).trim().equalsIgnoreCase("chunked")) {
        return 501;
      }
    }
    java.util.List<String> lengths = headers.contains(HttpHeaders.CONTENT_LENGTH)
        ? headers.getAll(HttpHeaders.CONTENT_LENGTH) : java.util.List.of();
    if (lengths.size() > 1 || (lengths.size() == 1 && parseLength(lengths.get(0).trim()) < 0)) {
      return 400;
    }
    int hosts = headers.getAll(HttpHeaders.HOST).size();
    if (hosts > 1 || (hosts == 0 && request.version() == HttpVersion.HTTP_1_1)) {
      return 400;
    }
    return 0;
  }

  /**
   * True for an empty authority or one naming a single host: a DNS name or IPv4 address of
   * letters, digits, '-', '.', '_' and '~', or a bracketed IPv6 literal, with an optional port.
   * No spaces, commas, userinfo, paths or escapes, which backends read in different ways.
   */
  static boolean validAuthority(String authority) {
    int n = authority.length();
    if (n == 0) {
      return true;
    }
    int i = 0;
    if (authority.charAt(0) == '[') {
      int close = authority.indexOf(']');
      if (close < 3) {
        return false;
      }
      for (int j = 1; j < close; j++) {
        char c = authority.charAt(j);
        if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
          return false;
        }
      }
      i = close + 1;
    } else {
      while (i < n && authority.charAt(i) != ':') {
        char c = authority.charAt(i);
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
            || c == '_' || c == '~')) {
          return false;
        }
        i++;
      }
      if (i == 0) {
        return false;
      }
    }
    if (i == n) {
      return true;
    }
    if (authority.charAt(i) != ':' || n - i - 1 > 5) {
      return false;
    }
    for (int j = i + 1; j < n; j++) {
      if (authority.charAt(j) < '0' || authority.charAt(j) > '9') {
        return false;
      }
    }
    return true;
  }

  /** True when the request target has only visible ASCII: no controls, spaces or DEL. */
  static boolean visibleAscii(String uri) {
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /**
   * @param afterFlight true when this request waited for another one's upstream request for the
   *                    same cache key: it does not wait again
   */
  private void forward(HttpServerRequest request, CompiledRoute route, String hostHeader, String path, String rawPath,
      String uri, int q, boolean afterFlight, RequestRecord record) {
    CacheGate.Decision decision = null;
    RoutePolicies.CachePolicy cachePolicy = route.cache();
    if (cachePolicy != null && cacheGate != null) {
      String uriKey = CacheKeys.uri(Router.normalizeHost(hostHeader), path, q < 0 ? null : uri.substring(q + 1),
          cachePolicy);
      decision = cacheGate.decide(request, cachePolicy, uriKey, route.name());
      decision.authenticated = route.auth() != null;
      switch (decision.kind) {
        case HIT -> {
          serveStored(request, route, decision.entry, CacheGate.hit(decision.entry));
          return;
        }
        case ONLY_IF_CACHED -> {
          ErrorResponses.send(request, 504, ErrorResponses.NOT_CACHED);
          return;
        }
        case STALE_WHILE_REVALIDATE -> {
          serveStored(request, route, decision.entry, CacheGate.CACHE_NAME + "; hit; fwd=stale; ttl="
              + decision.entry.freshnessLeftMs(System.currentTimeMillis()) / 1000);
          // Refresh in the background, once per key at a time; nobody waits for it.
          if (cacheGate.cache().startRefresh(decision.key)) {
            ClusterRuntime refreshCluster = route.pickCluster();
            if (refreshCluster.endpoints().length > 0 && refreshCluster.tryAdmit()) {
              decision.leader = true; // lands the refresh's flight when it ends
              new Exchange(request, route, refreshCluster, hostHeader, upstreamUri(route, path, rawPath, uri, q),
                  decision, true, record).start();
            } else {
              cacheGate.cache().land(decision.key);
            }
          }
          return;
        }
        case FORWARD -> {
          if (!afterFlight && decision.entry == null && request.method() == HttpMethod.GET) {
            // Coalescing: one request upstream per key; the others wait for it, then look again.
            boolean[] resumed = {false};
            long[] timer = {-1};
            Runnable again = () -> {
              if (!resumed[0]) {
                resumed[0] = true;
                if (timer[0] >= 0) {
                  vertx.cancelTimer(timer[0]);
                }
                if (!request.response().closed()) {
                  forward(request, route, hostHeader, path, rawPath, uri, q, true, record);
                }
              }
            };
            // Whatever body the request has stays unread while it waits.
            request.pause();
            if (cacheGate.cache().join(decision.key, again) != null) {
              timer[0] = vertx.setTimer(COALESCE_WAIT_MS, t -> {
                timer[0] = -1;
                again.run();
              });
              return;
            }
            if (cacheGate.storedSince(decision, request)) {
              // The flight before this one landed between the lookup and the join: its answer is
              // stored, so this request is served from it rather than go upstream again.
              cacheGate.cache().land(decision.key);
              again.run();
              return;
            }
            decision.leader = true;
          } else {
            decision.leader = false;
          }
        }
        case BYPASS -> { }
      }
    }
    ClusterRuntime cluster = route.pickCluster();
    record.cluster(cluster);
    if (cluster.endpoints().length == 0) {
      if (decision != null && cacheGate.staleIfError(decision, 503)) {
        landFlight(decision);
        serveStored(request, route, decision.entry, CacheGate.CACHE_NAME + "; hit; fwd=stale; detail=no-endpoints");
        return;
      }
      landFlight(decision);
      if (route.replacesStatus(503)) {
        errorPage(request, route, 503, ErrorResponses.NO_ENDPOINTS, hostHeader);
        return;
      }
      ErrorResponses.send(request, 503, ErrorResponses.NO_ENDPOINTS);
      return;
    }
    if (!cluster.tryAdmit()) {
      landFlight(decision);
      if (route.replacesStatus(503)) {
        errorPage(request, route, 503, ErrorResponses.CIRCUIT_OPEN, hostHeader);
        return;
      }
      ErrorResponses.send(request, 503, ErrorResponses.CIRCUIT_OPEN);
      return;
    }
    new Exchange(request, route, cluster, hostHeader, upstreamUri(route, path, rawPath, uri, q), decision, false,
        record).start();
  }

  /** A background refresh of a stale stored response gives up after this long. */
  static final long DETACHED_LIMIT_MS = 30_000;

  /** Waiting requests wait this long for the request in flight for their key, then go themselves. */
  static final long COALESCE_WAIT_MS = 5_000;

  private void landFlight(CacheGate.Decision decision) {
    if (decision != null && decision.leader) {
      decision.leader = false;
      cacheGate.cache().land(decision.key);
    }
  }

  private static String upstreamUri(CompiledRoute route, String path, String rawPath, String uri, int q) {
    if (route.rewrite() != null && route.rewrite().path() != null) {
      RouteFilters.PathRewrite rewrite = route.rewrite().path();
      String rewritten = Filters.rewritePath(rewrite, path, route.matchedPrefix(), route.pathPattern(),
          PathNormalizer.routingPath(path));
      if (rewrite.type() == RouteFilters.PathRewrite.Type.REGEX) {
        return Filters.withQuery(rewritten, q < 0 ? null : uri.substring(q + 1));
      }
      return q < 0 ? rewritten : rewritten + uri.substring(q);
    }
    return path == rawPath ? uri : (q < 0 ? path : path + uri.substring(q));
  }

  /** Answers from a stored response, with the route's response headers and CORS. */
  private void serveStored(HttpServerRequest request, CompiledRoute route, CachedResponse entry, String cacheStatus) {
    HttpServerResponse response = request.response();
    Buffer body = cacheGate.writeHead(request, entry, cacheStatus);
    if (!limits.passUpstreamIdentity()) {
      // Stored as the upstream sent them; what clients see is filtered like a fresh answer.
      Headers.hideIdentity(response.headers());
    }
    if (route.cors() != null) {
      Filters.corsResponse(route.cors(), request, response.headers());
    }
    Filters.apply(route.responseHeaders(), response.headers());
    if (route.hsts() != null && request.isSSL()) {
      response.headers().set(STRICT_TRANSPORT_SECURITY, route.hsts());
    }
    if (drain.draining() && request.version() != HttpVersion.HTTP_2) {
      response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    request.resume();
    if (body == null) {
      response.end();
    } else {
      response.end(body);
    }
  }

  /** How long an error page may take, when the route sets no time limit of its own. */
  static final long ERROR_PAGE_TIMEOUT_MS = 10_000;

  static final CharSequence X_CODE = HttpHeaders.createOptimized("x-code");
  static final CharSequence X_FORMAT = HttpHeaders.createOptimized("x-format");
  static final CharSequence X_ORIGINAL_URI = HttpHeaders.createOptimized("x-original-uri");
  static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("x-request-id");

  /**
   * Answers with the route's error page for {@code status}: a GET (HEAD for HEAD) of {@code /} to
   * the error cluster, whose answer goes to the client whole, its status included, as ingress-nginx's
   * custom-http-errors with a default-backend does. When the error cluster has no endpoint, cannot
   * be reached or does not answer in time, the client gets {@code status} with {@code fallback}.
   */
  private void errorPage(HttpServerRequest request, CompiledRoute route, int status, Buffer fallback,
      String hostHeader) {
    HttpServerResponse response = request.response();
    ClusterRuntime cluster = route.errorCluster();
    EndpointState e = cluster.pick(null);
    if (e == null || response.headWritten() || response.closed()) {
      ErrorResponses.send(request, status, fallback);
      return;
    }
    Cluster.Protocol protocol = cluster.cluster().effectiveProtocol();
    long limit = route.timeouts().backendRequestMs() > 0 ? route.timeouts().backendRequestMs() : ERROR_PAGE_TIMEOUT_MS;
    RequestOptions options = new RequestOptions()
        .setMethod(request.method() == HttpMethod.HEAD ? HttpMethod.HEAD : HttpMethod.GET)
        .setServer(SocketAddress.inetSocketAddress(e.endpoint().port(), e.endpoint().address()))
        .setHost(e.endpoint().address())
        .setPort(e.endpoint().port())
        .setURI("/")
        .setConnectTimeout(cluster.cluster().connectTimeoutMs())
        .setIdleTimeout(limit);
    if (protocol.tls()) {
      options.setSsl(true).setSslOptions(cluster.ssl());
      if (cluster.serverName() != null) {
        options.setHost(cluster.serverName());
      }
    }
    long start = System.nanoTime();
    cluster.started(e);
    (protocol.http2() ? h2c : http1).request(options).compose(upstream -> {
      MultiMap h = upstream.headers();
      h.set(X_CODE, Integer.toString(status));
      String accept = request.getHeader(HttpHeaders.ACCEPT);
      if (accept != null) {
        h.set(X_FORMAT, accept);
      }
      h.set(X_ORIGINAL_URI, request.uri());
      String requestId = request.getHeader(X_REQUEST_ID);
      if (requestId != null) {
        h.set(X_REQUEST_ID, requestId);
      }
      route.errorPages().headers().forEach(x -> h.set(x.name(), x.value()));
      String client = trusted.clientOf(request);
      if (client != null) {
        h.set(X_FORWARDED_FOR, client);
        h.set(X_REAL_IP, client);
      }
      HostAndPort authority = hostHeader.isEmpty() ? null : HostAndPort.parseAuthority(hostHeader, -1);
      if (authority != null) {
        upstream.authority(authority);
      }
      return upstream.send();
    }).onComplete(ar -> {
      if (ar.failed()) {
        cluster.finished(e, Outcome.GATEWAY_FAILURE, 0, 0);
        LOG.debug("{}: error page for {} failed: {}", route.name(), status, ar.cause().toString());
        ErrorResponses.send(request, status, fallback);
        return;
      }
      HttpClientResponse page = ar.result();
      cluster.finished(e, Outcome.RESPONSE, page.statusCode(), System.nanoTime() - start);
      if (response.closed() || response.ended() || response.headWritten()) {
        page.request().reset();
        return;
      }
      response.headers().clear();
      response.setStatusCode(page.statusCode());
      Headers.copy(page.headers(), response.headers(), false, !limits.passUpstreamIdentity());
      if (route.cors() != null) {
        Filters.corsResponse(route.cors(), request, response.headers());
      }
      if (route.hsts() != null && request.isSSL()) {
        response.headers().set(STRICT_TRANSPORT_SECURITY, route.hsts());
      }
      boolean http1Client = request.version() != HttpVersion.HTTP_2;
      if (http1Client && !request.isEnded()) {
        // The upload was not read and will not be: the connection ends with this answer.
        response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        request.resume();
      }
      boolean bodiless = request.method() == HttpMethod.HEAD || page.statusCode() == 204 || page.statusCode() == 304;
      if (!bodiless && !page.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
        response.setChunked(true);
      }
      page.pipeTo(response).onComplete(done -> {
        if (done.failed() && !response.ended()) {
          response.reset();
        } else if ("close".equalsIgnoreCase(response.headers().get(HttpHeaders.CONNECTION))) {
          request.connection().close();
        }
      });
    });
  }

  private static void redirect(HttpServerRequest request, CompiledRoute route, String hostHeader, String path,
      String query) {
    String location = Filters.location(route.redirect(), request, hostHeader, path, query, route.matchedPrefix(),
        route.pathPattern());
    HttpServerResponse response = request.response();
    response.headers().set(HttpHeaders.LOCATION, location);
    if (route.cors() != null) {
      Filters.corsResponse(route.cors(), request, response.headers());
    }
    Filters.apply(route.responseHeaders(), response.headers());
    ErrorResponses.send(request, route.redirect().statusCode(), Buffer.buffer());
  }

  /**
   * Takes a token for the request from its bucket, or answers 429. Every answer to an admitted
   * request (proxied, from the cache, the edge's own) tells the client where it stands too, so
   * that it can slow down before it is refused. True if the request goes on.
   */
  private static boolean admit(HttpServerRequest request, RateLimiter limiter, CorsPolicy cors,
      TrustedProxies trusted) {
    String key = switch (limiter.key()) {
      case CLIENT_IP -> trusted.clientOf(request);
      case HEADER -> request.getHeader(limiter.header());
      case ROUTE -> null;
    };
    RateLimiter.Verdict verdict = limiter.acquire(key);
    if (!verdict.admitted()) {
      ErrorResponses.tooManyRequests(request, limiter, verdict, cors);
      return false;
    }
    HttpServerResponse response = request.response();
    // Added (not set) just before the head is written, whatever wrote it: an upstream's own
    // policies stay beside this one, and the proxy's own answers, which clear the headers first,
    // carry it too.
    response.headersEndHandler(v -> {
      response.headers().add(RateLimiter.RATELIMIT_POLICY, limiter.policyField());
      response.headers().add(RateLimiter.RATELIMIT, verdict.field());
    });
    return true;
  }

  private static String hostHeader(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_2) {
      String host = request.getHeader(HttpHeaders.HOST);
      return host == null ? "" : host;
    }
    HostAndPort a = request.authority();
    return a == null ? "" : (a.port() > 0 ? a.host() + ":" + a.port() : a.host());
  }

  /** True for an HTTP/1.1 WebSocket handshake (RFC 6455 section 4.1). */
  static boolean isWebSocketUpgrade(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_1_1 || request.method() != HttpMethod.GET) {
      return false;
    }
    String upgrade = request.getHeader(HttpHeaders.UPGRADE);
    String connection = request.getHeader(HttpHeaders.CONNECTION);
    return upgrade != null && upgrade.equalsIgnoreCase("websocket") && connection != null
        && Headers.listed(connection, "upgrade");
  }

  /** RFC 9110 9.2.2: methods whose repetition has the same effect as one request. */
  static boolean idempotent(HttpMethod method) {
    return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
        || method == HttpMethod.PUT || method == HttpMethod.DELETE || method == HttpMethod.TRACE;
  }

  /**
   * One proxied request: its attempts (the first and any retries, each on its own endpoint), the
   * timers, and whether the client has been answered. Lives on one event loop; no locks.
   */
  private final class Exchange {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final CompiledRoute route;
    private final ClusterRuntime cluster;
    private final String hostHeader;
    private final String upstreamUri;
    private final RoutePolicies.Retries retries;
    private final boolean websocket;
    private String hashKey;
    /** A sticky-session cookie to set on the response, or null. */
    private String setCookie;
    /** The whole request body when it was read first (small enough to replay), else null. */
    private Buffer body;
    /** True if the request has a body that is streamed: once sending starts it cannot be replayed. */
    private boolean streamedBody;
    private boolean bodyStarted;
    /** The first chunk of a streamed HTTP/2 body, read to learn that there is a body at all. */
    private Buffer firstChunk;
    /** True once the upstream request is complete (its body sent whole). */
    private boolean upstreamEnded;

    private int attempts;
    private int attemptId;
    private EndpointState endpoint;
    private HttpClientRequest upstream;
    /** The current attempt's request on the data plane's own client (when {@code upstream} is null). */
    private Http1Upstream.Call fastCall;
    private long attemptStart;
    private long attemptTimer = -1;
    private boolean attemptOpen;
    /** The current attempt is a retry and holds a token of the retry budget. */
    private boolean retryToken;
    /** A token taken for the next attempt. */
    private boolean nextToken;
    private boolean responded;
    private int responseStatus;
    private long responseLatency;

    private long requestTimer = -1;
    private long backoffTimer = -1;
    private boolean websocketOpen;
    /** The cache's decision for this request, or null on a route without caching. */
    private final CacheGate.Decision cache;
    /** A background refresh of a stale stored response: nobody is answered. */
    private final boolean detached;
    private boolean admitted = true;
    private boolean done;
    /** The client request's record (a background refresh's attempts come after it is closed, and do not count). */
    private final RequestRecord record;

    Exchange(HttpServerRequest request, CompiledRoute route, ClusterRuntime cluster, String hostHeader,
        String upstreamUri, CacheGate.Decision cache, boolean detached, RequestRecord record) {
      this.record = record;
      this.cache = cache;
      this.detached = detached;
      this.request = request;
      this.response = request.response();
      this.route = route;
      this.cluster = cluster;
      this.hostHeader = hostHeader;
      this.upstreamUri = upstreamUri;
      this.retries = route.retries();
      this.websocket = isWebSocketUpgrade(request);
    }

    void start() {
      if (detached) {
        // Nobody waits for a background refresh, so nothing else would bound it.
        requestTimer = vertx.setTimer(DETACHED_LIMIT_MS, t -> {
          requestTimer = -1;
          timedOut();
        });
        attempt();
        return;
      }
      request.pause();
      Timeouts timeouts = route.timeouts();
      if (timeouts.requestMs() > 0) {
        requestTimer = vertx.setTimer(timeouts.requestMs(), t -> {
          requestTimer = -1;
          timedOut();
        });
      }
      response.closeHandler(v -> clientGone());
      Cluster.HashKey key = cluster.cluster().hashKey();
      if (key != null) {
        hashKey = hashKey(key);
      }
      String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
      boolean hasBody;
      if (contentLength != null) {
        hasBody = !contentLength.equals("0");
      } else if (request.version() == HttpVersion.HTTP_2) {
        if (!request.isEnded() && !isGrpc()) {
          // HTTP/2 says whether a body follows only by the first DATA frame or the end of the
          // stream: wait for one of them rather than send a GET upstream as chunked.
          peekBody();
          return;
        }
        hasBody = !request.isEnded();
      } else {
        String te = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
        hasBody = te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
      }
      if (!hasBody) {
        request.resume();
        attempt();
        return;
      }
      // The client waits for a 100 before it sends the body: the route admitted it, so invite it.
      String expect = request.getHeader(HttpHeaders.EXPECT);
      if (expect != null && expect.equalsIgnoreCase("100-continue")) {
        response.writeContinue();
      }
      long length = parseLength(contentLength);
      if (length > 0 && length <= MAX_REPLAY_BODY && !websocket) {
        readBody((int) length);
      } else {
        streamedBody = true;
        attempt();
      }
    }

    private boolean isGrpc() {
      String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
      return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16);
    }

    private void peekBody() {
      boolean[] decided = {false};
      request.handler(chunk -> {
        if (!decided[0] && !done) {
          decided[0] = true;
          request.pause();
          firstChunk = chunk;
          streamedBody = true;
          attempt();
        }
      });
      request.endHandler(v -> {
        if (!decided[0] && !done) {
          decided[0] = true;
          attempt();
        }
      });
      request.exceptionHandler(e -> clientGone());
      request.resume();
    }

    /** Reads a small body whole, then sends it: every attempt can replay it. */
    private void readBody(int length) {
      Buffer buffer = Buffer.buffer(length);
      request.handler(chunk -> {
        if (buffer.length() + chunk.length() <= MAX_REPLAY_BODY) {
          buffer.appendBuffer(chunk);
        }
      });
      request.exceptionHandler(e -> clientGone());
      request.endHandler(v -> {
        if (done) {
          return;
        }
        body = buffer;
        attempt();
      });
      request.resume();
    }

    /** The consistent-hashing key of the request; generates a sticky-session cookie when needed. */
    private String hashKey(Cluster.HashKey key) {
      if (key.header() != null) {
        return request.getHeader(key.header());
      }
      if (key.sourceIp()) {
        return trusted.clientOf(request);
      }
      if (key.requestUri() != null) {
        // The target as the client sent it (nginx's $request_uri), before any rewrite.
        return request.uri();
      }
      String value = cookie(request.headers().getAll(HttpHeaders.COOKIE), key.cookie());
      if (value == null) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        value = Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
        setCookie = stickyCookie(key, value, request.isSSL());
      }
      return value;
    }

    /** Starts an attempt on an endpoint (another one than the last attempt's, when there is one). */
    private void attempt() {
      if (done) {
        return;
      }
      EndpointState e = cluster.pick(hashKey, endpoint);
      if (e == null) {
        answer(503, ErrorResponses.NO_ENDPOINTS);
        return;
      }
      if (!cluster.tryPend()) {
        answer(503, ErrorResponses.CIRCUIT_OPEN);
        return;
      }
      endpoint = e;
      attempts++;
      retryToken = nextToken;
      nextToken = false;
      int id = ++attemptId;
      cluster.started(e);
      attemptOpen = true;
      attemptStart = System.nanoTime();
      record.attempt(e, attemptStart);
      Cluster.Protocol protocol = cluster.cluster().effectiveProtocol();
      if (fast != null && !websocket && !streamedBody && !protocol.http2() && !protocol.tls() && fast.usable()
          && fast.acquire(e.endpoint().address(), e.endpoint().port(), cluster.cluster().connectTimeoutMs(),
              (conn, failure) -> connected(id, conn, failure))) {
        return;
      }
      HttpClient client = websocket || !protocol.http2() ? http1 : h2c;
      RequestOptions options = new RequestOptions()
          .setMethod(request.method())
          .setServer(SocketAddress.inetSocketAddress(e.endpoint().port(), e.endpoint().address()))
          .setHost(e.endpoint().address())
          .setPort(e.endpoint().port())
          .setURI(upstreamUri)
          .setConnectTimeout(cluster.cluster().connectTimeoutMs());
      if (protocol.tls()) {
        // The server name is the SNI and, with a CA, the name the endpoint's certificate must carry.
        options.setSsl(true).setSslOptions(cluster.ssl());
        if (cluster.serverName() != null) {
          options.setHost(cluster.serverName());
        }
      }
      if (route.timeouts().idleMs() > 0 && !websocket) {
        options.setIdleTimeout(route.timeouts().idleMs());
      }
      client.request(options).onComplete(ar -> {
        cluster.pended();
        if (id != attemptId || done) {
          if (ar.succeeded()) {
            ar.result().reset();
          }
        } else if (ar.failed()) {
          failed(id, ar.cause(), true);
        } else {
          record.connected();
          try {
            send(id, ar.result());
          } catch (RuntimeException ex) {
            unsendable(ex);
          }
        }
      });
    }

    /** The data plane's own client has a connection for the attempt (or none could be had). */
    private void connected(int id, Http1Upstream.Conn conn, Throwable failure) {
      cluster.pended();
      if (id != attemptId || done) {
        if (conn != null) {
          conn.release();
        }
      } else if (failure != null) {
        failed(id, failure, true);
      } else {
        record.connected();
        FieldCheck check = new FieldCheck();
        HeadersMultiMap headers = HeadersMultiMap.httpHeaders(check);
        HostAndPort authority;
        try {
          authority = upstreamHeaders(headers, check);
        } catch (RuntimeException ex) {
          conn.release();
          unsendable(ex);
          return;
        }
        headers.set(HttpHeaders.HOST, hostField(authority));
        if (body != null) {
          headers.set(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length()));
        }
        upstreamEnded = true;
        // The connection watches the attempt's limit itself: no timer is made per request.
        fastCall = conn.send(request.method(), upstreamUri, headers, body, attemptLimitMs(), route.timeouts().idleMs(),
            new Http1Upstream.Listener() {
              @Override
              public void head(Http1Upstream.Call call) {
                if (id == attemptId && !done) {
                  received(id, call);
                }
              }

              @Override
              public void failed(Throwable cause) {
                if (cause instanceof Http1Upstream.HeadTimeoutException) {
                  attemptTimedOut(id);
                } else {
                  Exchange.this.failed(id, cause, false);
                }
              }
            });
      }
    }

    /** A header value HTTP/2 let through that HTTP/1.1 cannot carry, and the like. */
    private void unsendable(RuntimeException ex) {
      LOG.debug("{} {} via {}: cannot be sent upstream: {}", request.method(), request.path(), route.name(),
          ex.toString());
      endAttempt(Outcome.NEUTRAL, 0, 0);
      abandon();
      answer(400, ErrorResponses.BAD_REQUEST);
    }

    /** How long an attempt may wait for the response head, or 0 for no limit. */
    private long attemptLimitMs() {
      return retries.perTryTimeoutMs() > 0 ? retries.perTryTimeoutMs() : route.timeouts().backendRequestMs();
    }

    private void startAttemptTimer(int id) {
      long limit = attemptLimitMs();
      if (limit > 0) {
        attemptTimer = vertx.setTimer(limit, t -> {
          attemptTimer = -1;
          attemptTimedOut(id);
        });
      }
    }

    /**
     * Fills the upstream request's header fields from the client's and the route's.
     *
     * @param check the check of {@code headers} (null when the map checks fields itself):
     *              the client's HTTP/1 fields are copied past it
     * @return the authority the upstream is told (its Host)
     */
    private HostAndPort upstreamHeaders(MultiMap headers, FieldCheck check) {
      if (check != null && request.version() != HttpVersion.HTTP_2) {
        // Every field of an HTTP/1 request passed the strict framing grammar as it was read (and
        // what authentication added was checked as it was): not checked a second time.
        check.copying = true;
        try {
          Headers.copy(request.headers(), headers, true);
        } finally {
          check.copying = false;
        }
      } else {
        Headers.copy(request.headers(), headers, true);
      }
      String client = trusted.clientOf(request);
      boolean viaProxy = trusted.fromTrustedProxy(request);
      if (client != null) {
        String chain = viaProxy ? forwardedFor(request) : null;
        // From a trusted proxy the chain it sent is kept and its own address added, as each hop
        // does; from anyone else, what the client claimed is dropped.
        headers.set(X_FORWARDED_FOR, chain == null ? client
            : chain + ", " + request.connection().remoteAddress(true).hostAddress());
        headers.set(X_REAL_IP, client);
      }
      String scheme = request.isSSL() ? "https" : "http";
      // A trusted proxy in front (a load balancer that terminates TLS) knows how the client came.
      String proto = viaProxy ? request.getHeader(X_FORWARDED_PROTO) : null;
      headers.set(X_FORWARDED_PROTO, proto == null ? scheme : proto);
      if (route.clientCerts() != null && request.isSSL()) {
        clientCertificateHeaders(request, route.clientCerts(), headers);
      }
      String forwardedHost = viaProxy ? request.getHeader(X_FORWARDED_HOST) : null;
      if (forwardedHost != null) {
        headers.set(X_FORWARDED_HOST, forwardedHost);
      } else if (!hostHeader.isEmpty()) {
        headers.set(X_FORWARDED_HOST, hostHeader);
      }
      String forwardedPort = viaProxy ? request.getHeader(X_FORWARDED_PORT) : null;
      headers.set(X_FORWARDED_PORT, forwardedPort != null ? forwardedPort
          : forwardedPort(hostHeader, proto == null ? scheme : proto));
      String te = request.getHeader(TE);
      if (te != null && Headers.listed(te, "trailers")) {
        // The one TE value HTTP/2 allows, and the one gRPC needs.
        headers.set(TE, "trailers");
      }
      if (websocket) {
        headers.set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
        headers.set(HttpHeaders.UPGRADE, request.getHeader(HttpHeaders.UPGRADE));
      }
      if (cache != null) {
        cache.requestTime = System.currentTimeMillis();
        if (cache.kind != CacheGate.Kind.BYPASS && cache.revalidates()) {
          // Validate the stored response; the client's own conditions are checked against the result.
          headers.remove(HttpHeaders.IF_NONE_MATCH);
          headers.remove(HttpHeaders.IF_MODIFIED_SINCE);
          if (cache.entry.etag() != null) {
            headers.set(HttpHeaders.IF_NONE_MATCH, cache.entry.etag());
          }
          if (cache.entry.lastModified() != null) {
            headers.set(HttpHeaders.IF_MODIFIED_SINCE, cache.entry.lastModified());
          }
        }
        if (detached) {
          headers.remove(HttpHeaders.CACHE_CONTROL);
          headers.remove("pragma");
        }
      }
      record.propagate(headers);
      Filters.apply(route.requestHeaders(), headers);
      // The upstream sees the Host the client asked for (as behind any other ingress controller),
      // unless the route rewrites it.
      String upstreamHost = route.rewrite() != null && route.rewrite().hostname() != null
          ? route.rewrite().hostname() : hostHeader;
      HostAndPort authority = upstreamHost.isEmpty() ? null : HostAndPort.parseAuthority(upstreamHost, -1);
      return authority != null ? authority
          : HostAndPort.create(endpoint.endpoint().address(), endpoint.endpoint().port());
    }

    private void send(int id, HttpClientRequest upstream) {
      this.upstream = upstream;
      // Its failures arrive through the response future below.
      upstream.exceptionHandler(e -> { });
      MultiMap headers = upstream.headers();
      upstream.authority(upstreamHeaders(headers, null));
      startAttemptTimer(id);
      if (websocket) {
        upstreamEnded = true; // the handshake has no body; after it the connection is a tunnel
        upstream.connect().onComplete(ar -> {
          if (id != attemptId || done) {
            if (ar.succeeded() && ar.result().statusCode() == 101) {
              ar.result().netSocket().close();
            }
          } else if (ar.failed()) {
            failed(id, ar.cause(), false);
          } else if (ar.result().statusCode() == 101) {
            upgraded(ar.result());
          } else {
            received(id, UpstreamResponse.of(ar.result()));
          }
        });
        request.resume();
        return;
      }
      upstream.response().onComplete(ar -> {
        if (id != attemptId || done) {
          return;
        }
        if (ar.failed()) {
          failed(id, ar.cause(), false);
        } else {
          received(id, UpstreamResponse.of(ar.result()));
        }
      });
      if (body != null) {
        headers.set(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length()));
        upstreamEnded = true;
        upstream.end(body);
      } else if (streamedBody) {
        String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (contentLength != null) {
          headers.set(HttpHeaders.CONTENT_LENGTH, contentLength);
        } else {
          upstream.setChunked(true);
        }
        bodyStarted = true;
        long maxBody = route.maxRequestBodySize(limits.maxRequestBodySize());
        long first = firstChunk == null ? 0 : firstChunk.length();
        if (maxBody > 0 && first > maxBody) {
          bodyTooLarge(id);
          return;
        }
        if (firstChunk != null) {
          upstream.write(firstChunk);
        }
        // Counted as it streams: a chunked or HTTP/2 body says its size only at its end.
        Pipe<Buffer> pipe = maxBody > 0 ? new LimitedBody(request, maxBody, first).pipe() : request.pipe();
        // A client that gives up mid-body must not look like a complete request upstream.
        pipe.endOnFailure(false);
        pipe.to(upstream).onComplete(ar -> {
          if (ar.succeeded()) {
            upstreamEnded = true;
          } else if (ar.cause() == LimitedBody.TOO_LARGE) {
            bodyTooLarge(id);
          } else if (id == attemptId && !done && !responded) {
            // The upstream broke off (or the client did) mid-upload, before any answer: fail the
            // attempt now rather than wait for a response that will not come.
            failed(id, ar.cause(), false);
          }
        });
      } else {
        upstreamEnded = true;
        upstream.end();
      }
    }

    /**
     * The body passed the route's limit while streaming: the upstream request is reset (it must
     * never look complete), and the client gets 413 if nothing was answered yet, else its
     * response is cut.
     */
    private void bodyTooLarge(int id) {
      if (id != attemptId) {
        return;
      }
      LOG.debug("{} {} via {}: request body over {} bytes", request.method(), request.path(), route.name(),
          route.maxRequestBodySize(limits.maxRequestBodySize()));
      endAttempt(Outcome.NEUTRAL, responseStatus, responseLatency);
      abandon();
      if (!responded && !done) {
        answer(413, ErrorResponses.PAYLOAD_TOO_LARGE);
      } else {
        finish();
        if (!response.ended() && !response.closed()) {
          response.reset();
        } else if (request.version() != HttpVersion.HTTP_2) {
          request.connection().close();
        }
      }
    }

    /** Response headers arrived: pass them on, or retry when the route retries this status. */
    private void received(int id, UpstreamResponse upstreamResponse) {
      // Failures after this point are handled where the body is piped (or the attempt abandoned).
      upstreamResponse.quiet();
      cancelAttemptTimer();
      long latency = System.nanoTime() - attemptStart;
      int status = upstreamResponse.statusCode();
      if (route.retriesStatus(status) && mayRetry(true)) {
        endAttempt(Outcome.RESPONSE, status, latency);
        abandon();
        retry(false);
        return;
      }
      if (!detached && !websocket && route.replacesStatus(status)) {
        // The upstream's own page for this status is replaced: its body is never read.
        endAttempt(Outcome.RESPONSE, status, latency);
        abandon();
        finish();
        errorPage(request, route, status, ErrorResponses.statusBody(status), hostHeader);
        return;
      }
      List<Map.Entry<String, String>> storable = null;
      if (cache != null) {
        if (cache.kind == CacheGate.Kind.BYPASS) {
          cacheGate.invalidateAfter(request, status, upstreamResponse.headers(), Router.normalizeHost(hostHeader),
              cache.uriKey, cache.policy());
        } else if (status == 304 && cache.revalidates()) {
          // The stored response is still good: refresh its header fields and answer from it.
          CachedResponse updated = cacheGate.revalidated(cache, request, upstreamResponse.headers(),
              System.currentTimeMillis(), route.rewrittenRequestHeaders());
          endAttempt(Outcome.RESPONSE, status, latency);
          responded = true;
          finish();
          if (!detached) {
            serveStored(request, route, updated, CacheGate.CACHE_NAME + "; fwd=stale; fwd-status=304");
          }
          return;
        } else if (!detached && cacheGate.staleIfError(cache, status)) {
          endAttempt(Outcome.RESPONSE, status, latency);
          responded = true;
          finish();
          abandon();
          serveStored(request, route, cache.entry, CacheGate.CACHE_NAME + "; hit; fwd=stale; fwd-status=" + status);
          return;
        }
        if (cache.kind != CacheGate.Kind.BYPASS) {
          storable = cacheGate.storable(cache, request, status, upstreamResponse.headers(),
              route.rewrittenRequestHeaders());
          if (storable == null) {
            cacheGate.forget(cache, request, status);
            // Nothing will be stored: whoever waits for this key may go now, not after the body.
            landFlight(cache);
          }
        }
      }
      if (detached) {
        refreshed(upstreamResponse, status, latency, storable);
        return;
      }
      responded = true;
      responseStatus = status;
      responseLatency = latency;
      response.setStatusCode(status);
      if (request.version() != HttpVersion.HTTP_2 && upstreamResponse.statusMessage() != null) {
        response.setStatusMessage(upstreamResponse.statusMessage());
      }
      Headers.copy(upstreamResponse.headers(), response.headers(), false, !limits.passUpstreamIdentity());
      concealUpstreamAddress(response.headers());
      decorate();
      if (cache != null && cache.kind != CacheGate.Kind.BYPASS) {
        response.headers().add("cache-status", CacheGate.CACHE_NAME + "; fwd=" + cache.forwardReason()
            + (cache.entry != null ? "; fwd-status=" + status : "") + (storable != null ? "; stored" : ""));
      }
      if (!request.isEnded() && request.version() != HttpVersion.HTTP_2) {
        // Answered before the upload ended: the rest of it is not read, so the connection ends too.
        response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      }
      boolean bodiless = request.method() == HttpMethod.HEAD || status == 204 || status == 304
          || (status >= 100 && status < 200);
      if (!bodiless && !upstreamResponse.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
        if (request.version() == HttpVersion.HTTP_1_0) {
          // No chunked encoding in HTTP/1.0: delimit the body by closing the connection.
          response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
        response.setChunked(true);
      }
      List<Map.Entry<String, String>> toStore = storable;
      TeeStream[] teeRef = {null};
      TeeStream tee = storable == null ? null
          : new TeeStream(response, cache.policy().maxObjectSize(), () -> landFlight(cache),
              parseLength(upstreamResponse.getHeader(HttpHeaders.CONTENT_LENGTH)),
              () -> cacheGate.store(cache, request, status, upstreamResponse.statusMessage(), toStore,
                  teeRef[0].body(), System.currentTimeMillis()));
      teeRef[0] = tee;
      Future<Void> body;
      Http1Upstream.Call direct = tee == null && upstreamResponse instanceof Http1Upstream.Call call ? call : null;
      if (direct != null) {
        // Straight to the client: the pooled buffers the body was read into are written as they
        // are, and the last one ends the response when no trailers follow.
        body = direct.sendTo(response);
      } else {
        Pipe<Buffer> pipe = upstreamResponse.pipe();
        pipe.endOnFailure(false);
        pipe.endOnSuccess(false);
        body = pipe.to(tee != null ? tee : response);
      }
      body.onComplete(ar -> {
        if (ar.succeeded() && tee != null && tee.complete() && !tee.wholeHandled()) {
          cacheGate.store(cache, request, status, upstreamResponse.statusMessage(), toStore, tee.body(),
              System.currentTimeMillis());
        }
        boolean endedWithBody = ar.succeeded() && direct != null && direct.endedResponse();
        if (endedWithBody || (ar.succeeded() && !response.ended() && !response.closed())) {
          boolean close = request.version() == HttpVersion.HTTP_1_0 && response.isChunked();
          Runnable closeIfDone = () -> {
            if (close || "close".equalsIgnoreCase(response.headers().get(HttpHeaders.CONNECTION))) {
              // Vert.x would keep an HTTP/1.0 keep-alive connection open: the body's end is the close.
              request.connection().close();
            }
          };
          if (endedWithBody) {
            // Its end is written already.
            closeIfDone.run();
          } else {
            MultiMap trailers = upstreamResponse.trailers();
            if (trailers != null && !trailers.isEmpty()) {
              // gRPC's status travels in trailers.
              response.trailers().addAll(trailers);
            }
            response.end().onComplete(v -> closeIfDone.run());
          }
          endAttempt(Outcome.RESPONSE, status, latency);
          finish();
          return;
        }
        // Upstream died or the client went away mid-body: cut both, never splice.
        endAttempt(Outcome.NEUTRAL, status, latency);
        finish();
        abandon();
        if (!response.ended()) {
          response.reset();
        }
      });
    }

    /**
     * A redirect the upstream built from its own address (a pod's {@code http://10.1.2.3:8080/login})
     * would show clients that address, and send them where they cannot go: rewritten to the host
     * the client asked for, as nginx's {@code proxy_redirect default} does.
     */
    private void concealUpstreamAddress(MultiMap headers) {
      rewriteToClientHost(headers, HttpHeaders.LOCATION);
      rewriteToClientHost(headers, HttpHeaders.CONTENT_LOCATION);
    }

    private void rewriteToClientHost(MultiMap headers, CharSequence name) {
      String value = headers.get(name);
      if (value == null || hostHeader.isEmpty()) {
        return;
      }
      int schemeEnd = value.startsWith("http://") ? 7 : value.startsWith("https://") ? 8 : -1;
      if (schemeEnd < 0) {
        return;
      }
      int end = value.length();
      for (int i = schemeEnd; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c == '/' || c == '?' || c == '#') {
          end = i;
          break;
        }
      }
      String authority = value.substring(schemeEnd, end);
      String address = endpoint.endpoint().address();
      int port = endpoint.endpoint().port();
      String bare = bracketed(address);
      if (authority.equals(bare) || authority.equals(bare + ":" + port)) {
        boolean https = request.isSSL() || (trusted.fromTrustedProxy(request)
            && "https".equalsIgnoreCase(request.getHeader(X_FORWARDED_PROTO)));
        headers.set(name, (https ? "https://" : "http://") + hostHeader + value.substring(end));
      }
    }

    /** Headers the proxy adds to every upstream answer: sticky cookie, CORS, the route's own, drain. */
    private void decorate() {
      MultiMap headers = response.headers();
      if (setCookie != null) {
        headers.add(HttpHeaders.SET_COOKIE, setCookie);
      }
      if (route.cors() != null) {
        Filters.corsResponse(route.cors(), request, headers);
      }
      Filters.apply(route.responseHeaders(), headers);
      if (route.hsts() != null && request.isSSL()) {
        // The edge's policy, not the upstream's, when both set one.
        headers.set(STRICT_TRANSPORT_SECURITY, route.hsts());
      }
      if (drain.draining() && request.version() != HttpVersion.HTTP_2) {
        // Going away: this client's next request should open a connection to another replica.
        headers.set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      }
    }

    /** The upstream accepted the WebSocket: switch the client too, then copy bytes both ways. */
    private void upgraded(HttpClientResponse upstreamResponse) {
      cancelAttemptTimer();
      cancel(requestTimer);
      requestTimer = -1;
      responded = true;
      responseStatus = 101;
      responseLatency = System.nanoTime() - attemptStart;
      response.setStatusCode(101);
      Headers.copy(upstreamResponse.headers(), response.headers(), false, !limits.passUpstreamIdentity());
      response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
      response.headers().set(HttpHeaders.UPGRADE, upstreamResponse.getHeader(HttpHeaders.UPGRADE));
      if (setCookie != null) {
        response.headers().add(HttpHeaders.SET_COOKIE, setCookie);
      }
      Filters.apply(route.responseHeaders(), response.headers());
      NetSocket upstreamSocket = upstreamResponse.netSocket();
      request.toNetSocket().onComplete(ar -> {
        if (ar.failed()) {
          upstreamSocket.close();
          endAttempt(Outcome.NEUTRAL, 101, responseLatency);
          finish();
          return;
        }
        NetSocket clientSocket = ar.result();
        websocketOpen = true;
        int[] open = {2};
        Handler<Void> closed = v -> {
          if (--open[0] == 0) {
            endAttempt(Outcome.RESPONSE, 101, responseLatency);
            finish();
          }
        };
        clientSocket.closeHandler(closed);
        upstreamSocket.closeHandler(closed);
        clientSocket.pipeTo(upstreamSocket).onFailure(e -> upstreamSocket.close());
        upstreamSocket.pipeTo(clientSocket).onFailure(e -> clientSocket.close());
      });
    }

    private void attemptTimedOut(int id) {
      if (id != attemptId || done || !attemptOpen) {
        return;
      }
      endAttempt(Outcome.TIMEOUT, 0, 0);
      abandon();
      if (route.retriesOn(CompiledRoute.RETRY_TIMEOUT) && mayRetry(true)) {
        retry(false);
      } else {
        answer(504, ErrorResponses.GATEWAY_TIMEOUT);
      }
    }

    /**
     * An attempt failed before its response.
     *
     * @param connecting true when no connection could be had: the upstream never saw the request
     */
    private void failed(int id, Throwable cause, boolean connecting) {
      if (id != attemptId || done) {
        return;
      }
      cancelAttemptTimer();
      LOG.debug("{} {} via {} to {} failed (attempt {}): {}", request.method(), request.path(), route.name(), endpoint,
          attempts, cause.toString());
      if (connecting && cause instanceof ConnectionPoolTooBusyException) {
        endAttempt(Outcome.NEUTRAL, 0, 0);
        answer(503, ErrorResponses.OVERLOADED);
        return;
      }
      if (!connecting && cause instanceof java.util.concurrent.TimeoutException) {
        // The upstream went silent for longer than the idle timeout.
        endAttempt(Outcome.TIMEOUT, 0, 0);
        if (route.retriesOn(CompiledRoute.RETRY_TIMEOUT) && mayRetry(true)) {
          retry(false);
        } else {
          answer(504, ErrorResponses.GATEWAY_TIMEOUT);
        }
        return;
      }
      endAttempt(Outcome.GATEWAY_FAILURE, 0, 0);
      boolean refused = cause instanceof StreamResetException r && r.getCode() == 7;
      int condition = connecting ? CompiledRoute.RETRY_CONNECT_FAILURE
          : refused ? CompiledRoute.RETRY_REFUSED_STREAM : CompiledRoute.RETRY_RESET;
      boolean safe = connecting || refused;
      if (route.retriesOn(condition) && mayRetry(!safe)) {
        retry(safe);
        return;
      }
      if (connecting && cause instanceof io.netty.channel.ConnectTimeoutException) {
        answer(504, ErrorResponses.GATEWAY_TIMEOUT);
      } else if (connecting) {
        answer(502, ErrorResponses.BAD_GATEWAY);
      } else {
        answer(502, ErrorResponses.UPSTREAM_RESET);
      }
    }

    /**
     * True if another attempt may be made; one that could add load (the upstream may have acted
     * on the request) takes a token from the retry budget.
     *
     * @param needsIdempotent true when the upstream may have acted on the request
     */
    private boolean mayRetry(boolean needsIdempotent) {
      if (done || responded || attempts > retries.attempts()) {
        return false;
      }
      boolean replayable = body != null || !streamedBody || !bodyStarted;
      if (!replayable || (needsIdempotent && !idempotent(request.method()))) {
        return false;
      }
      if (!needsIdempotent) {
        // The upstream never saw the request: sending it elsewhere adds no load, only moves it.
        return true;
      }
      if (!cluster.tryRetry()) {
        return false;
      }
      nextToken = true;
      return true;
    }

    /** The next attempt: at once when the last one never reached the upstream, else after a jittered backoff. */
    private void retry(boolean immediately) {
      if (upstream != null && streamedBody) {
        // Nothing of the body was sent (or it could not be retried): keep it for the next attempt.
        request.pause();
      }
      upstream = null;
      fastCall = null;
      if (immediately) {
        attempt();
        return;
      }
      long ceiling = Math.min(retries.backoffMaxMs(), retries.backoffBaseMs() << Math.min(attempts - 1, 20));
      long delay = ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
      if (delay == 0) {
        attempt();
        return;
      }
      backoffTimer = vertx.setTimer(delay, t -> {
        backoffTimer = -1;
        if (!done) {
          attempt();
        }
      });
    }

    /**
     * Gives up the current attempt's upstream request. Its callbacks (which a reset may run at
     * once) no longer count: they belong to an attempt that is over.
     */
    private void abandon() {
      attemptId++;
      if (upstream != null) {
        upstream.reset();
      }
      if (fastCall != null) {
        fastCall.reset();
      }
    }

    /** Ends the current attempt's accounting (once). */
    private void endAttempt(Outcome outcome, int status, long latency) {
      if (!attemptOpen) {
        return;
      }
      attemptOpen = false;
      cancelAttemptTimer();
      record.attemptEnded(outcome);
      cluster.finished(endpoint, outcome, status, latency);
      if (retryToken) {
        retryToken = false;
        cluster.retryDone();
      }
    }

    private void timedOut() {
      if (done) {
        return;
      }
      endAttempt(responded ? Outcome.NEUTRAL : Outcome.TIMEOUT, responseStatus, responseLatency);
      abandon();
      answer(504, ErrorResponses.GATEWAY_TIMEOUT);
    }

    private void answer(int status, Buffer body) {
      finish();
      if (detached) {
        return;
      }
      if (cache != null && !responded && status >= 500 && cacheGate.staleIfError(cache, status)) {
        serveStored(request, route, cache.entry, CacheGate.CACHE_NAME + "; hit; fwd=stale; detail=upstream-" + status);
        return;
      }
      if (!responded && route.replacesStatus(status)) {
        errorPage(request, route, status, body, hostHeader);
        return;
      }
      ErrorResponses.send(request, status, body);
    }

    /** A background refresh got its answer: store it when it may be, and tell no client. */
    private void refreshed(UpstreamResponse upstreamResponse, int status, long latency,
        List<Map.Entry<String, String>> storable) {
      if (storable == null) {
        endAttempt(Outcome.RESPONSE, status, latency);
        finish();
        abandon();
        return;
      }
      TeeStream sink = new TeeStream(null, cache.policy().maxObjectSize(), () -> {
        // Too big to keep, and nobody to pass it to: stop reading it.
        endAttempt(Outcome.NEUTRAL, status, latency);
        finish();
        abandon();
      });
      upstreamResponse.pipe().to(sink).onComplete(ar -> {
        if (ar.succeeded() && sink.complete()) {
          cacheGate.store(cache, request, status, upstreamResponse.statusMessage(), storable, sink.body(),
              System.currentTimeMillis());
        }
        endAttempt(Outcome.RESPONSE, status, latency);
        finish();
      });
    }

    private void clientGone() {
      if (!done) {
        endAttempt(Outcome.NEUTRAL, responseStatus, responseLatency);
        finish();
      }
      if ((upstream != null || fastCall != null) && !upstreamEnded) {
        // Never leave a half-sent request on a pooled connection.
        abandon();
      }
    }

    private void finish() {
      done = true;
      cancel(requestTimer);
      cancel(backoffTimer);
      cancelAttemptTimer();
      requestTimer = -1;
      backoffTimer = -1;
      if (retryToken) {
        retryToken = false;
        cluster.retryDone();
      }
      if (nextToken) {
        nextToken = false;
        cluster.retryDone();
      }
      if (admitted) {
        admitted = false;
        cluster.release();
      }
      if (cache != null) {
        landFlight(cache);
      }
      if ((upstream != null || fastCall != null) && !upstreamEnded && !websocketOpen) {
        // The exchange is over but the upstream request is not complete (the answer came before
        // the upload ended): the connection cannot be reused, so it goes.
        abandon();
      }
    }

    private void cancelAttemptTimer() {
      cancel(attemptTimer);
      attemptTimer = -1;
    }

    private void cancel(long timer) {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }
  }

  /** The Host field for an authority, as Vert.x's client writes it (an IPv6 literal in brackets). */
  static String hostField(HostAndPort authority) {
    String host = authority.host().startsWith("[") ? authority.host() : bracketed(authority.host());
    return authority.port() >= 0 ? host + ":" + authority.port() : host;
  }

  /** An address as it stands in an authority: an IPv6 literal in brackets. */
  private static String bracketed(String address) {
    return address.indexOf(':') >= 0 ? "[" + address + "]" : address;
  }

  private static long parseLength(String contentLength) {
    if (contentLength == null || contentLength.isEmpty() || contentLength.length() > 18) {
      return -1;
    }
    for (int i = 0; i < contentLength.length(); i++) {
      if (!Character.isDigit(contentLength.charAt(i))) {
        return -1;
      }
    }
    return Long.parseLong(contentLength);
  }

  /** The value of cookie {@code name} in the request's Cookie headers, or null. */
  static String cookie(java.util.List<String> cookieHeaders, String name) {
    for (String header : cookieHeaders) {
      int i = 0;
      int n = header.length();
      while (i < n) {
        int semi = header.indexOf(';', i);
        int end = semi < 0 ? n : semi;
        int s = i;
        while (s < end && header.charAt(s) == ' ') {
          s++;
        }
        int eq = header.indexOf('=', s);
        if (eq > 0 && eq < end && eq - s == name.length() && header.regionMatches(s, name, 0, name.length())) {
          String value = header.substring(eq + 1, end).trim();
          if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
          }
          return value.isEmpty() ? null : value;
        }
        i = end + 1;
      }
    }
    return null;
  }

  /** A sticky-session cookie: HttpOnly, SameSite=Lax, Secure over TLS, session-long unless it has a TTL. */
  static String stickyCookie(Cluster.HashKey key, String value, boolean secure) {
    StringBuilder b = new StringBuilder(key.cookie()).append('=').append(value)
        .append("; Path=").append(key.cookiePath() == null ? "/" : key.cookiePath());
    if (key.cookieTtlMs() != null && key.cookieTtlMs() > 0) {
      b.append("; Max-Age=").append(Math.max(1, key.cookieTtlMs() / 1000));
    }
    b.append("; HttpOnly; SameSite=").append(key.cookieSameSite() == null ? "Lax" : key.cookieSameSite());
    if (secure) {
      b.append("; Secure");
    }
    return b.toString();
  }

  /** The X-Forwarded-For a trusted proxy sent, its headers joined, or null (none, or too long to keep). */
  static String forwardedFor(HttpServerRequest request) {
    List<String> values = request.headers().getAll(X_FORWARDED_FOR);
    if (values.isEmpty()) {
      return null;
    }
    String joined = String.join(", ", values);
    return joined.length() > TrustedProxies.MAX_FORWARDED_FOR ? null : joined;
  }

  /** The port the client used: from its Host header, else the scheme's default. */
  static String forwardedPort(String hostHeader, String scheme) {
    int colon = hostHeader.lastIndexOf(':');
    if (colon > 0 && colon > hostHeader.lastIndexOf(']')) {
      String port = hostHeader.substring(colon + 1);
      if (!port.isEmpty() && port.length() <= 5 && asciiDigits(port)) {
        return port;
      }
    }
    return "https".equals(scheme) ? "443" : "80";
  }

  private static boolean asciiDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * The check of an upstream request's header map: every field added is validated (no CR, LF or
   * other control character; token names) as Vert.x's own maps do, except while {@code copying}
   * the client's fields that the strict decoder has already held to the grammar.
   */
  static final class FieldCheck implements java.util.function.BiConsumer<CharSequence, CharSequence> {
    boolean copying;

    @Override
    public void accept(CharSequence name, CharSequence value) {
      if (!copying) {
        io.vertx.core.http.impl.HttpUtils.validateHeader(name, value);
      }
    }
  }
}
