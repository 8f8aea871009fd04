package dev.portcullis.dataplane.proxy;

import dev.portcullis.dataplane.cache.CacheGate;
import dev.portcullis.dataplane.listener.ListenerGuard;
import dev.portcullis.dataplane.routing.CompiledTable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
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
  private final ListenerGuard guard;
  private HttpServer server;
  private HttpClient client;
  private HttpClient h2c;

  public ProxyVerticle(String host, int port, Supplier<CompiledTable> table, Drain drain, CacheGate cache,
      ListenerGuard guard) {
    this.guard = guard;
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
        .setKeepAlive(true)
        .setKeepAliveTimeout(60)
        .setTcpNoDelay(true)
        .setDecompressionSupported(false)
        .setMaxHeaderSize(MAX_HEADER_SIZE),
        new PoolOptions().setHttp2MaxSize(2).setMaxWaitQueueSize(4096));
    HttpServerOptions options = guard.apply(new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setHttp2ClearTextEnabled(true)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        // 100 Continue is sent once the request is routed and admitted (see ProxyHandler).
        .setHandle100ContinueAutomatically(false)
        .setTcpNoDelay(true)
        .setIdleTimeout(75)
        .setIdleTimeoutUnit(TimeUnit.SECONDS));
    server = vertx.createHttpServer(options);
    guard.attach(server, options);
    server.requestHandler(new ProxyHandler(vertx, client, h2c, table, drain, cache, guard.limits()));
    return server.listen().onSuccess(s -> guard.listening(server, options));
  }

  public int actualPort() {
    return server.actualPort();
  }

  /**
   * Stops accepting connections, closes idle ones and waits for requests in flight to finish, up
   * to the timeout; what is left then is closed.
   */
  public Future<Void> shutdown(long timeoutMs) {
    return server.shutdown(timeoutMs, TimeUnit.MILLISECONDS);
  }

  @Override
  public Future<?> stop() {
    return server.close().eventually(() -> client.close()).eventually(() -> h2c.close());
  }
}
