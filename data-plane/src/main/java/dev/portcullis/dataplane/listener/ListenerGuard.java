package dev.portcullis.dataplane.listener;

import dev.portcullis.dataplane.proxy.ClientAddress;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.Http1xOrH2CHandler;
import io.vertx.core.net.impl.HAProxyMessageCompletionHandler;
import io.vertx.core.net.impl.ConnectionBase;
import java.lang.reflect.Field;
import java.net.InetAddress;

/**
 * The guards of the public listener, fitted into Vert.x's Netty pipelines. Vert.x has no hook
 * for a connection before its protocol is known (it waits for the first bytes to tell HTTP/1 from
 * HTTP/2), yet connection limits and the request-head deadline must start at the TCP accept, or a
 * client that connects and sends nothing would escape both. So one handler sits on the listening
 * channel, where every accepted connection passes: it counts and refuses connections there and
 * starts each one's head timer. Once Vert.x has set a connection up, {@code configure} swaps in
 * the strict request decoder and the observer behind it.
 *
 * <p>Vert.x does not expose the listening channel; it is read from its internal fields once, at
 * start, and a Vert.x upgrade that moves them fails the start loudly rather than run unguarded.
 */
public final class ListenerGuard {

  private final ListenerLimits limits;
  private final ConnectionLimiter limiter;
  private final ListenerStats stats = new ListenerStats();

  /** One guard per data plane: its connection counts span every proxy instance and event loop. */
  public ListenerGuard(ListenerLimits limits) {
    this.limits = limits;
    this.limiter = new ConnectionLimiter(limits.maxConnections(), limits.maxConnectionsPerIp());
  }

  /** Connections and TLS handshakes counted so far. */
  public ListenerStats stats() {
    return stats;
  }

  public ListenerLimits limits() {
    return limits;
  }

  public ConnectionLimiter limiter() {
    return limiter;
  }

  /** The listener options these limits set: line and header sizes, HTTP/2 settings and reset flood limits. */
  public HttpServerOptions apply(HttpServerOptions options) {
    Http2Settings settings = new Http2Settings()
        .setMaxConcurrentStreams(limits.h2MaxConcurrentStreams())
        .setMaxHeaderListSize(limits.maxHeaderSize())
        // A server never pushes; RFC 9113 section 6.5.2 lets it say so.
        .setPushEnabled(false);
    return options
        .setMaxInitialLineLength(limits.maxInitialLine())
        .setMaxHeaderSize(limits.maxHeaderSize())
        .setInitialSettings(settings)
        .setHttp2RstFloodMaxRstFramePerWindow(limits.h2MaxResetsPerWindow())
        .setHttp2RstFloodWindowDuration(limits.h2ResetWindowSeconds())
        .setHttp2RstFloodWindowDurationTimeUnit(java.util.concurrent.TimeUnit.SECONDS);
  }

  /**
   * Fits the guards to {@code server}, before it listens: each connection Vert.x sets up gets
   * the strict decoder, and requests the decoder refuses get their status.
   */
  public void attach(HttpServer server, HttpServerOptions options) {
    server.connectionHandler(connection -> configure(connection, options, limits));
    server.invalidRequestHandler(ListenerGuard::answerInvalid);
  }

  /** Once the server listens: the accept guard on its listening channel. */
  public void listening(HttpServer server, HttpServerOptions options) {
    install(server, limiter, limits, options, stats);
  }

  static final AttributeKey<HeadTimer> TIMER = AttributeKey.valueOf("portcullis.headTimer");
  private static final String ACCEPT_GUARD = "portcullis-accept-guard";

  /**
   * Puts the accept guard on the listening channel behind {@code server} (once: instances that
   * share the port share that channel). Call after the server is listening.
   */
  static void install(HttpServer server, ConnectionLimiter limiter, ListenerLimits limits, HttpServerOptions options,
      ListenerStats stats) {
    Channel listening = listeningChannel(server);
    ChannelPipeline pipeline = listening.pipeline();
    synchronized (ListenerGuard.class) {
      if (pipeline.get(ACCEPT_GUARD) == null) {
        pipeline.addFirst(ACCEPT_GUARD, new AcceptGuard(limiter, limits, options, stats));
      }
    }
  }

  /**
   * Called by Vert.x's connection handler once a connection's protocol is set up. The decoder
   * was swapped before the first byte (see {@link ProtocolSetup}); an HTTP/2 connection has no
   * HTTP/1 heads to time.
   */
  static void configure(HttpConnection connection, HttpServerOptions options, ListenerLimits limits) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    Object decoder = base.channel().pipeline().get("httpDecoder");
    if (!(decoder instanceof StrictRequestDecoder || decoder instanceof HttpRequestDecoder)) {
      HeadTimer timer = base.channel().attr(TIMER).get();
      if (timer != null) {
        timer.stop();
      }
    }
  }

  /**
   * Vert.x's invalid-request handler: a request the decoder refused gets its status (400, 414,
   * 431, 501 or 505) with a short text body, and the connection closes.
   */
  public static void answerInvalid(HttpServerRequest request) {
    Throwable cause = request.decoderResult() == null ? null : request.decoderResult().cause();
    int status;
    String body;
    if (cause instanceof RequestViolation v) {
      status = v.status();
      body = v.getMessage();
    } else {
      status = 400;
      body = "bad request";
    }
    HttpServerResponse response = request.response();
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
        .end(body + "\n")
        .onComplete(v -> request.connection().close());
  }

  /** True when the connection of {@code request} is closing: a request Vert.x still had queued is not served. */
  public static boolean closing(HttpConnection connection) {
    return connection instanceof ConnectionBase base && base.channel().attr(ResponseObserver.CLOSING).get() != null;
  }

  /** Counts, refuses and times every accepted connection, on the listening channel's event loop. */
  @ChannelHandler.Sharable
  static final class AcceptGuard extends ChannelInboundHandlerAdapter {
    private final ConnectionLimiter limiter;
    private final ListenerLimits limits;

    private final HttpServerOptions options;
    private final ListenerStats stats;

    AcceptGuard(ConnectionLimiter limiter, ListenerLimits limits, HttpServerOptions options, ListenerStats stats) {
      this.limiter = limiter;
      this.limits = limits;
      this.options = options;
      this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof Channel child)) {
        ctx.fireChannelRead(msg);
        return;
      }
      InetAddress address = ClientAddress.of(child);
      // A trusted proxy (a load balancer) carries many clients: its connections are counted in
      // all, never held to the per-address limit. Behind it, with the PROXY protocol, the client's
      // own address is counted once the header has named it.
      boolean proxy = limits.trustedProxies().trusts(address);
      ConnectionLimiter.Permit permit = limiter.admit(proxy ? null : address);
      if (permit == null) {
        // Over a limit: closed at once, before any handler or buffer is spent on it.
        stats.rejected.increment();
        child.unsafe().closeForcibly();
        return;
      }
      stats.accepted.increment();
      child.closeFuture().addListener(f -> permit.release());
      child.pipeline().addFirst(new ConnectionStart(limits, options, proxy && options.isUseProxyProtocol() ? limiter
          : null, stats));
      ctx.fireChannelRead(child);
    }
  }

  /**
   * Starts the head deadline on the connection's own event loop as soon as it is registered
   * there, and, once Vert.x has put its protocol detector in the pipeline, places
   * {@link ProtocolSetup} right behind it.
   */
  static final class ConnectionStart extends ChannelInboundHandlerAdapter {
    private final ListenerLimits limits;
    private final HttpServerOptions options;
    /** Counts the client a PROXY protocol header names, when the connection is a trusted proxy's; else null. */
    private final ConnectionLimiter proxied;
    private final ListenerStats stats;

    ConnectionStart(ListenerLimits limits, HttpServerOptions options, ConnectionLimiter proxied, ListenerStats stats) {
      this.limits = limits;
      this.options = options;
      this.proxied = proxied;
      this.stats = stats;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (ctx.channel().isRegistered()) {
        startTimer(ctx.channel());
      }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
      startTimer(ctx.channel());
      ctx.fireChannelRegistered();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ChannelPipeline pipeline = ctx.pipeline();
      ChannelHandlerContext proxyHeader = pipeline.context(HAProxyMessageCompletionHandler.class);
      if (proxyHeader != null) {
        // The PROXY header comes first; the protocol's handlers are set up only once it is read.
        pipeline.addAfter(proxyHeader.name(), "portcullis-after-proxy-header", new AfterProxyHeader(this));
        pipeline.remove(this);
        ctx.fireChannelActive();
        return;
      }
      setUp(pipeline);
      pipeline.remove(this);
      ctx.fireChannelActive();
    }

    /** Fits the protocol guards once Vert.x has put its protocol handlers in place. */
    void setUp(ChannelPipeline pipeline) {
      IdleGuard.replace(pipeline);
      ProtocolSetup setup = new ProtocolSetup(limits, options);
      ChannelHandlerContext detector = pipeline.context(Http1xOrH2CHandler.class);
      ChannelHandlerContext tls = pipeline.context(SslHandler.class);
      if (detector != null) {
        pipeline.addAfter(detector.name(), "portcullis-setup", setup);
      } else if (tls != null) {
        // HTTPS: the protocol is known once ALPN has picked it, before the first decrypted byte.
        pipeline.addAfter(tls.name(), "portcullis-tls-setup", new TlsSetup(setup, limits, stats));
      } else {
        // No detector (the pipeline is set up already): swap now.
        setup.setUp(pipeline);
      }
    }

    private void startTimer(Channel channel) {
      if (channel.attr(TIMER).get() == null) {
        HeadTimer timer = new HeadTimer(channel, limits.headerTimeoutMs());
        channel.attr(TIMER).set(timer);
        timer.arm();
      }
    }
  }

  /**
   * Behind the PROXY protocol decoder: its first bytes come once the header was read and Vert.x
   * has set the connection's protocol up. Then the client the header named is counted (for a
   * trusted proxy's connection), and the protocol guards are fitted as for any other connection.
   */
  static final class AfterProxyHeader extends ChannelInboundHandlerAdapter {
    private final ConnectionStart start;

    AfterProxyHeader(ConnectionStart start) {
      this.start = start;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof io.netty.buffer.ByteBuf)) {
        ctx.fireChannelRead(msg);
        return;
      }
      if (start.proxied != null) {
        ConnectionLimiter.Permit permit = start.proxied.admitAddress(ClientAddress.of(ctx.channel()));
        if (permit == null) {
          io.netty.util.ReferenceCountUtil.release(msg);
          ctx.close();
          return;
        }
        ctx.channel().closeFuture().addListener(f -> permit.release());
      }
      ChannelPipeline pipeline = ctx.pipeline();
      pipeline.remove(this);
      start.setUp(pipeline);
      // On to what follows (TLS, or the protocol detector); the guards just fitted come after it.
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * Sits right behind the TLS handler of an HTTPS connection and sees its first decrypted bytes:
   * by then the handshake is over and ALPN has set the connection's protocol up. HTTP/1.1 gets
   * the strict decoder; HTTP/2 gets the CONTINUATION guard, which reads these bytes from the
   * preface on, as it does for cleartext HTTP/2.
   */
  static final class TlsSetup extends ChannelInboundHandlerAdapter {
    private final ProtocolSetup setup;
    private final ListenerLimits limits;
    private final ListenerStats stats;

    TlsSetup(ProtocolSetup setup, ListenerLimits limits, ListenerStats stats) {
      this.setup = setup;
      this.limits = limits;
      this.stats = stats;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent done) {
        (done.isSuccess() ? stats.handshakes : stats.handshakeFailures).increment();
      }
      super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      if (ssl != null && "h2".equals(ssl.applicationProtocol())) {
        ContinuationGuard guard = new ContinuationGuard(limits.h2MaxContinuations());
        ctx.pipeline().replace(this, "portcullis-continuations", guard);
        guard.channelRead(ctx.pipeline().context(guard), msg);
        return;
      }
      setup.setUp(ctx.pipeline());
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * Sits right behind Vert.x's HTTP/1-or-HTTP/2 detector, which builds the protocol's pipeline
   * and then passes the first bytes on: here, before any byte is decoded, Vert.x's HTTP/1 decoder
   * is swapped for the strict one and the observer goes behind the codec.
   */
  static final class ProtocolSetup extends ChannelInboundHandlerAdapter {
    private final ListenerLimits limits;
    private final HttpServerOptions options;

    ProtocolSetup(ListenerLimits limits, HttpServerOptions options) {
      this.limits = limits;
      this.options = options;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (setUp(ctx.pipeline())) {
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
        return;
      }
      // HTTP/2 with prior knowledge: these bytes start with the preface; the guard reads them too.
      ContinuationGuard guard = new ContinuationGuard(limits.h2MaxContinuations());
      ctx.pipeline().replace(this, "portcullis-continuations", guard);
      guard.channelRead(ctx.pipeline().context(guard), msg);
    }

    /** True for HTTP/1 (the strict decoder is in), false for HTTP/2. */
    boolean setUp(ChannelPipeline pipeline) {
      Channel channel = pipeline.channel();
      HeadTimer timer = channel.attr(TIMER).get();
      if (timer == null) {
        timer = new HeadTimer(channel, limits.headerTimeoutMs());
        channel.attr(TIMER).set(timer);
        timer.arm();
      }
      if (pipeline.get("httpDecoder") instanceof HttpRequestDecoder
          && !(pipeline.get("httpDecoder") instanceof StrictRequestDecoder)) {
        pipeline.replace("httpDecoder", "httpDecoder", new StrictRequestDecoder(limits, timer));
        pipeline.addAfter("httpEncoder", "portcullis-observer", new ResponseObserver(timer, limits.h2MaxContinuations()));
        return true;
      }
      return pipeline.get("httpDecoder") != null;
    }
  }

  private static Channel listeningChannel(HttpServer server) {
    try {
      Object tcp = field(server, "tcpServer");
      Object actual = field(tcp, "actualServer");
      Object bind = field(actual != null ? actual : tcp, "bindFuture");
      Object channel = ((io.vertx.core.Future<?>) bind).result();
      if (channel instanceof Channel c) {
        return c;
      }
      throw new IllegalStateException("no listening channel (found " + channel + ")");
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException("cannot guard the listener: this Vert.x version keeps its listening channel "
          + "elsewhere (" + e + ")", e);
    }
  }

  private static Object field(Object target, String name) throws ReflectiveOperationException {
    for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
      } catch (NoSuchFieldException e) {
        // look in the superclass
      }
    }
    throw new NoSuchFieldException(target.getClass().getName() + "." + name);
  }
}
