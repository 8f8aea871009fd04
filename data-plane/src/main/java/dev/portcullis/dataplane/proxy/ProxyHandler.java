package dev.portcullis.dataplane.proxy;

import dev.portcullis.dataplane.routing.CompiledRoute;
import dev.portcullis.dataplane.routing.CompiledTable;
import dev.portcullis.dataplane.routing.PathNormalizer;
import dev.portcullis.dataplane.upstream.ClusterRuntime;
import dev.portcullis.model.Endpoint;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.routing.Router;
import io.netty.channel.ConnectTimeoutException;
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
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.Pipe;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
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

  private final Vertx vertx;
  private final HttpClient client;
  private final Supplier<CompiledTable> table;

  public ProxyHandler(Vertx vertx, HttpClient client, Supplier<CompiledTable> table) {
    this.vertx = vertx;
    this.client = client;
    this.table = table;
  }

  @Override
  public void handle(HttpServerRequest request) {
    CompiledTable current = table.get();
    if (request.method() == HttpMethod.CONNECT) {
      ErrorResponses.send(request, 405, ErrorResponses.METHOD_NOT_ALLOWED);
      return;
    }
    String uri = request.uri();
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
    CompiledRoute route = current.router().route(Router.normalizeHost(hostHeader), path, new VertxRequestView(request));
    if (route == null) {
      ErrorResponses.send(request, 404, ErrorResponses.NOT_FOUND);
      return;
    }
    if (route.access() != null && !route.access().admits(clientAddress(request))) {
      ErrorResponses.send(request, 403, ErrorResponses.FORBIDDEN);
      return;
    }
    if (route.cors() != null && Filters.isPreflight(request)) {
      Filters.preflight(route.cors(), request);
      return;
    }
    String query = q < 0 ? null : uri.substring(q + 1);
    switch (route.kind()) {
      case DIRECT -> ErrorResponses.send(request, route.directStatus(), route.directBody());
      case REDIRECT -> redirect(request, route, hostHeader, path, query);
      case FORWARD -> forward(request, route, hostHeader, path, rawPath, uri, q);
    }
  }

  private void forward(HttpServerRequest request, CompiledRoute route, String hostHeader, String path, String rawPath,
      String uri, int q) {
    ClusterRuntime cluster = route.pickCluster();
    Endpoint endpoint = cluster.pick();
    if (endpoint == null) {
      ErrorResponses.send(request, 503, ErrorResponses.NO_ENDPOINTS);
      return;
    }
    String upstreamUri;
    if (route.rewrite() != null && route.rewrite().path() != null) {
      String rewritten = Filters.rewritePath(route.rewrite().path(), path, route.matchedPrefix());
      upstreamUri = q < 0 ? rewritten : rewritten + uri.substring(q);
    } else {
      upstreamUri = path == rawPath ? uri : (q < 0 ? path : path + uri.substring(q));
    }
    new Exchange(request, route, cluster, endpoint, hostHeader).start(upstreamUri);
  }

  private static void redirect(HttpServerRequest request, CompiledRoute route, String hostHeader, String path,
      String query) {
    String location = Filters.location(route.redirect(), request, hostHeader, path, query, route.matchedPrefix());
    HttpServerResponse response = request.response();
    response.headers().set(HttpHeaders.LOCATION, location);
    if (route.cors() != null) {
      Filters.corsResponse(route.cors(), request, response.headers());
    }
    Filters.apply(route.responseHeaders(), response.headers());
    ErrorResponses.send(request, route.redirect().statusCode(), Buffer.buffer());
  }

  /** The client's address as 4 or 16 bytes, or null. */
  private static byte[] clientAddress(HttpServerRequest request) {
    SocketAddress remote = request.remoteAddress();
    if (remote == null || remote.hostAddress() == null) {
      return null;
    }
    try {
      return java.net.InetAddress.getByName(remote.hostAddress()).getAddress();
    } catch (java.net.UnknownHostException e) {
      return null;
    }
  }

  private static String hostHeader(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_2) {
      String host = request.getHeader(HttpHeaders.HOST);
      return host == null ? "" : host;
    }
    HostAndPort a = request.authority();
    return a == null ? "" : (a.port() > 0 ? a.host() + ":" + a.port() : a.host());
  }

  /** One proxied request: its upstream request, timers, and whether the client has been answered. */
  private final class Exchange {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final CompiledRoute route;
    private final ClusterRuntime cluster;
    private final Endpoint endpoint;
    private final String hostHeader;
    private HttpClientRequest upstream;
    private long requestTimer = -1;
    private long headersTimer = -1;
    private boolean done;

    Exchange(HttpServerRequest request, CompiledRoute route, ClusterRuntime cluster, Endpoint endpoint,
        String hostHeader) {
      this.request = request;
      this.response = request.response();
      this.route = route;
      this.cluster = cluster;
      this.endpoint = endpoint;
      this.hostHeader = hostHeader;
    }

    void start(String upstreamUri) {
      request.pause();
      Timeouts timeouts = route.timeouts();
      if (timeouts.requestMs() > 0) {
        requestTimer = vertx.setTimer(timeouts.requestMs(), t -> {
          requestTimer = -1;
          timedOut();
        });
      }
      response.closeHandler(v -> clientGone());
      RequestOptions options = new RequestOptions()
          .setMethod(request.method())
          .setServer(SocketAddress.inetSocketAddress(endpoint.port(), endpoint.address()))
          .setHost(endpoint.address())
          .setPort(endpoint.port())
          .setURI(upstreamUri)
          .setConnectTimeout(cluster.cluster().connectTimeoutMs());
      if (timeouts.idleMs() > 0) {
        options.setIdleTimeout(timeouts.idleMs());
      }
      client.request(options).onComplete(ar -> {
        if (ar.failed()) {
          failed(ar.cause());
        } else if (done) {
          ar.result().reset();
        } else {
          send(ar.result());
        }
      });
    }

    private void send(HttpClientRequest upstream) {
      this.upstream = upstream;
      MultiMap headers = upstream.headers();
      Headers.copy(request.headers(), headers, true);
      // The upstream sees the Host the client asked for (as behind any other ingress controller),
      // unless the route rewrites it.
      String upstreamHost = route.rewrite() != null && route.rewrite().hostname() != null
          ? route.rewrite().hostname() : hostHeader;
      HostAndPort authority = upstreamHost.isEmpty() ? null : HostAndPort.parseAuthority(upstreamHost, -1);
      upstream.authority(authority != null ? authority : HostAndPort.create(endpoint.address(), endpoint.port()));
      String client = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
      if (client != null) {
        headers.set(X_FORWARDED_FOR, client);
        headers.set(X_REAL_IP, client);
      }
      String scheme = request.isSSL() ? "https" : "http";
      headers.set(X_FORWARDED_PROTO, scheme);
      if (!hostHeader.isEmpty()) {
        headers.set(X_FORWARDED_HOST, hostHeader);
      }
      headers.set(X_FORWARDED_PORT, forwardedPort(hostHeader, scheme));
      Filters.apply(route.requestHeaders(), headers);

      Timeouts timeouts = route.timeouts();
      if (timeouts.backendRequestMs() > 0) {
        headersTimer = vertx.setTimer(timeouts.backendRequestMs(), t -> {
          headersTimer = -1;
          timedOut();
        });
      }
      upstream.response().onComplete(ar -> {
        cancel(headersTimer);
        headersTimer = -1;
        if (ar.failed()) {
          failed(ar.cause());
        } else if (done) {
          upstream.reset();
        } else {
          respond(ar.result());
        }
      });

      String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
      boolean body;
      if (contentLength != null) {
        headers.set(HttpHeaders.CONTENT_LENGTH, contentLength);
        body = !contentLength.equals("0");
      } else if (request.version() == HttpVersion.HTTP_2) {
        body = !request.isEnded();
      } else {
        String te = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
        body = te != null && te.toLowerCase(java.util.Locale.ROOT).contains("chunked");
      }
      if (body) {
        if (contentLength == null) {
          upstream.setChunked(true);
        }
        Pipe<Buffer> pipe = request.pipe();
        // A client that gives up mid-body must not look like a complete request upstream.
        pipe.endOnFailure(false);
        pipe.to(upstream).onFailure(e -> {
          if (!done) {
            upstream.reset();
          }
        });
      } else {
        request.resume();
        upstream.end();
      }
    }

    private void respond(HttpClientResponse upstreamResponse) {
      int status = upstreamResponse.statusCode();
      response.setStatusCode(status);
      if (request.version() != HttpVersion.HTTP_2 && upstreamResponse.statusMessage() != null) {
        response.setStatusMessage(upstreamResponse.statusMessage());
      }
      Headers.copy(upstreamResponse.headers(), response.headers(), false);
      if (route.cors() != null) {
        Filters.corsResponse(route.cors(), request, response.headers());
      }
      Filters.apply(route.responseHeaders(), response.headers());
      boolean bodiless = request.method() == HttpMethod.HEAD || status == 204 || status == 304
          || (status >= 100 && status < 200);
      if (!bodiless && !upstreamResponse.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
        if (request.version() == HttpVersion.HTTP_1_0) {
          // No chunked encoding in HTTP/1.0: delimit the body by closing the connection.
          response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
        response.setChunked(true);
      }
      Pipe<Buffer> pipe = upstreamResponse.pipe();
      pipe.endOnFailure(false);
      pipe.to(response).onComplete(ar -> {
        finish();
        if (ar.failed()) {
          // Upstream died or the client went away mid-body: cut both, never splice.
          upstream.reset();
          if (!response.ended()) {
            response.reset();
          }
        }
      });
    }

    private void timedOut() {
      if (done) {
        return;
      }
      finish();
      if (upstream != null) {
        upstream.reset();
      }
      ErrorResponses.send(request, 504, ErrorResponses.GATEWAY_TIMEOUT);
    }

    private void failed(Throwable cause) {
      if (done) {
        return;
      }
      int status;
      Buffer body;
      if (cause instanceof ConnectTimeoutException) {
        status = 504;
        body = ErrorResponses.GATEWAY_TIMEOUT;
      } else if (cause instanceof ConnectException) {
        status = 502;
        body = ErrorResponses.BAD_GATEWAY;
      } else if (cause instanceof TimeoutException) {
        status = 504;
        body = ErrorResponses.GATEWAY_TIMEOUT;
      } else if (cause instanceof ConnectionPoolTooBusyException) {
        status = 503;
        body = ErrorResponses.OVERLOADED;
      } else {
        status = 502;
        body = ErrorResponses.UPSTREAM_RESET;
      }
      LOG.debug("{} {} via {} to {} failed: {}", request.method(), request.path(), route.name(), endpoint, cause.toString());
      answer(status, body);
    }

    private void answer(int status, Buffer body) {
      finish();
      ErrorResponses.send(request, status, body);
    }

    private void clientGone() {
      if (!done) {
        finish();
        if (upstream != null) {
          upstream.reset();
        }
      }
    }


    private void finish() {
      done = true;
      cancel(requestTimer);
      cancel(headersTimer);
      requestTimer = -1;
      headersTimer = -1;
    }

    private void cancel(long timer) {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }
  }

  /** The port the client used: from its Host header, else the scheme's default. */
  static String forwardedPort(String hostHeader, String scheme) {
    int colon = hostHeader.lastIndexOf(':');
    if (colon > 0 && colon > hostHeader.lastIndexOf(']')) {
      String port = hostHeader.substring(colon + 1);
      if (!port.isEmpty() && port.chars().allMatch(Character::isDigit) && port.length() <= 5) {
        return port;
      }
    }
    return "https".equals(scheme) ? "443" : "80";
  }
}
