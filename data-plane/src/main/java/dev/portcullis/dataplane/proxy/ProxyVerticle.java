package dev.portcullis.dataplane.proxy;

import dev.portcullis.dataplane.cache.CacheGate;
import dev.portcullis.dataplane.listener.ListenerGuard;
import dev.portcullis.dataplane.observability.Observability;
import dev.portcullis.dataplane.routing.CompiledTable;
import dev.portcullis.dataplane.tls.SniKeyManager;
import dev.portcullis.dataplane.tls.TlsSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.KeyCertOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One event loop's share of the proxy: a listener on the shared public port (Vert.x spreads
 * connections over the instances) and an upstream connection pool of its own.
 */
public final class ProxyVerticle extends VerticleBase {

  /** Request line and headers are bounded: a client cannot make the proxy buffer without limit. */
  public static final int MAX_INITIAL_LINE = 16 * 1024;
  public static final int MAX_HEADER_SIZE = 32 * 1024;

  private final String host;
  private final int port;
  private final Supplier<CompiledTable> table;
  private final Drain drain;
  private final CacheGate cache;
  private final int httpsPort;
  private final TlsSettings tls;
  private final SniKeyManager keyManager;
  private final javax.net.ssl.TrustManager clientTrust;
  private final ListenerGuard guard;
  private final Observability observability;
  private HttpServer server;
  private HttpServer httpsServer;
  private HttpServerOptions httpsOptions;
  private HttpClient client;
  private HttpClient h2c;
  private Http1Upstream fast;


  /**
   * @param httpsPort  the HTTPS listener's port (resolved, not 0), or -1 for none
   * @param keyManager picks each handshake's certificate; shared by every instance
   * @param guard      the listener limits, shared by every instance (their counts span them all)
   * @param observability metrics, access log and traces, shared by every instance
   */
  public ProxyVerticle(String host, int port, int httpsPort, TlsSettings tls, SniKeyManager keyManager,
      javax.net.ssl.TrustManager clientTrust, Supplier<CompiledTable> table, Drain drain, CacheGate cache,
      ListenerGuard guard, Observability observability) {
    this.guard = guard;
    this.observability = observability;
    this.clientTrust = clientTrust;
    this.httpsPort = httpsPort;
    this.tls = tls;
    this.keyManager = keyManager;
    this.host = host;
    this.port = port;
    this.table = table;
    this.drain = drain;
    this.cache = cache;
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions()
        .setKeepAlive(true)
        // Shorter than the keep-alive of common upstream servers (Node.js: 5 s), so the proxy closes
        // an idle connection before the upstream does and never sends on a connection being closed.
        .setKeepAliveTimeout(4)
        .setPipelining(false)
        .setTcpNoDelay(true)
        .setDecompressionSupported(false)
        .setMaxInitialLineLength(MAX_INITIAL_LINE)
        .setMaxHeaderSize(MAX_HEADER_SIZE),
        new PoolOptions().setHttp1MaxSize(512).setHttp2MaxSize(8).setMaxWaitQueueSize(4096));
    // HTTP/2 with prior knowledge (gRPC and other h2c upstreams): many streams share a connection.
    h2c = vertx.createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false)
        // Over TLS (backendProtocol h2), HTTP/2 is agreed by ALPN; cleartext h2c needs none.
        .setUseAlpn(true)
        .setKeepAlive(true)
        .setKeepAliveTimeout(60)
        .setTcpNoDelay(true)
        .setDecompressionSupported(false)
        .setMaxHeaderSize(MAX_HEADER_SIZE),
        new PoolOptions().setHttp2MaxSize(2).setMaxWaitQueueSize(4096));
    fast = new Http1Upstream((io.vertx.core.internal.ContextInternal) context, MAX_INITIAL_LINE, MAX_HEADER_SIZE);
    ProxyHandler handler = new ProxyHandler(vertx, client, h2c, fast, table, drain, cache, guard.limits(),
        tls.redirectPort(), observability);
    HttpServerOptions plain = listenerOptions().setPort(port).setHttp2ClearTextEnabled(true)
        .setUseProxyProtocol(guard.limits().proxyProtocolHttp());
    server = vertx.createHttpServer(plain);
    guard.attach(server, plain);
    observeInvalid(server);
    server.requestHandler(handler);
    Future<?> listening = server.listen().onSuccess(s -> guard.listening(server, plain));
    if (httpsPort < 0) {
      return listening;
    }
    HttpServerOptions https = listenerOptions()
        .setPort(httpsPort)
        .setUseProxyProtocol(guard.limits().proxyProtocolHttps())
        .setSsl(true)
        .setKeyCertOptions(KeyCertOptions.wrap(keyManager))
        .setTrustOptions(io.vertx.core.net.TrustOptions.wrap(clientTrust))
        .setClientAuth(table.get().wantsClientCertificates() ? ClientAuth.REQUEST : ClientAuth.NONE)
        .setUseAlpn(true)
        .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
        .setEnabledSecureTransportProtocols(tls.protocols())
        .setSslHandshakeTimeout(10)
        .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS);
    tls.enabledCiphers().forEach(https::addEnabledCipherSuite);
    httpsOptions = https;
    httpsServer = vertx.createHttpServer(https);
    guard.attach(httpsServer, https);
    observeInvalid(httpsServer);
    httpsServer.requestHandler(handler);
    return listening.compose(s -> httpsServer.listen()).onSuccess(s -> guard.listening(httpsServer, https));
  }

  /**
   * Asks clients for certificates (optionally: REQUEST, never REQUIRED, since only some hosts
   * need one) while some host checks them, and stops asking when none does; applies to new
   * connections.
   */
  public Future<Boolean> requestClientCertificates(boolean request) {
    if (httpsServer == null) {
      return Future.succeededFuture(false);
    }
    io.vertx.core.net.ServerSSLOptions options = httpsOptions.getSslOptions().copy()
        .setClientAuth(request ? ClientAuth.REQUEST : ClientAuth.NONE);
    return httpsServer.updateSSLOptions(options, true);
  }

  /** Requests the strict decoder refused are answered by the guard, and counted and logged like any other. */
  private void observeInvalid(HttpServer s) {
    s.invalidRequestHandler(request -> {
      observability.begin(request);
      ListenerGuard.answerInvalid(request);
    });
  }

  /** What the HTTP and HTTPS listeners share, the listener limits included. */
  private HttpServerOptions listenerOptions() {
    return guard.apply(new HttpServerOptions()
        .setHost(host)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        // 100 Continue is sent once the request is routed and admitted (see ProxyHandler).
        .setHandle100ContinueAutomatically(false)
        // WebSockets are tunnelled to the upstream, which negotiates their extensions itself:
        // Vert.x's own compression handshakers would only put a handler in front of every request.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setTcpNoDelay(true)
        .setIdleTimeout((int) guard.limits().idleTimeoutMs())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
  }

  public int actualPort() {
    return server.actualPort();
  }

  /**
   * Stops accepting connections, closes idle ones and waits for requests in flight to finish, up
   * to the timeout; what is left then is closed.
   */
  public Future<Void> shutdown(long timeoutMs) {
    Future<Void> plain = server.shutdown(timeoutMs, TimeUnit.MILLISECONDS);
    return httpsServer == null ? plain
        : Future.join(plain, httpsServer.shutdown(timeoutMs, TimeUnit.MILLISECONDS)).mapEmpty();
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = httpsServer == null ? server.close() : server.close().eventually(() -> httpsServer.close());
    return closed.eventually(() -> {
      fast.close();
      return client.close();
    }).eventually(() -> h2c.close());
  }
}
