package dev.portcullis.dataplane.proxy;

import dev.portcullis.dataplane.routing.CompiledTable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
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
  private HttpServer server;
  private HttpClient client;

  public ProxyVerticle(String host, int port, Supplier<CompiledTable> table) {
    this.host = host;
    this.port = port;
    this.table = table;
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
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setHttp2ClearTextEnabled(true)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        .setHandle100ContinueAutomatically(true)
        .setMaxInitialLineLength(MAX_INITIAL_LINE)
        .setMaxHeaderSize(MAX_HEADER_SIZE)
        .setTcpNoDelay(true)
        .setIdleTimeout(75)
        .setIdleTimeoutUnit(TimeUnit.SECONDS));
    server.requestHandler(new ProxyHandler(vertx, client, table));
    return server.listen();
  }

  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server.close().eventually(() -> client.close());
  }
}
