package dev.portcullis.dataplane.proxy;

import dev.portcullis.dataplane.CoarseTime;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.Pipe;
import io.vertx.core.streams.ReadStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The data plane's own HTTP/1.1 client for plain-text upstreams, on Netty directly: the hot path
 * of a reverse proxy is this half, and a general-purpose client (a pool with waiters and futures,
 * request objects, a context hop per event) cost more per request than the whole of nginx's does.
 *
 * <p>One instance per event loop, every method on that loop: connections are pooled per endpoint
 * (an address and a port), reused last-in first-out, kept idle at most {@link #KEEP_ALIVE_NANOS}
 * (shorter than the keep-alive of common upstream servers, so the proxy closes an idle connection
 * before the upstream does), at most {@link #MAX_PER_ENDPOINT} per endpoint (past that, the caller
 * uses Vert.x's client, which queues). One request at a time per connection (no pipelining); a
 * connection whose exchange did not end cleanly (a reset, an error, a response the upstream marked
 * {@code Connection: close}) is closed, never reused. Bodies are copied once, off the pooled read
 * buffer, as Vert.x's own client does.
 *
 * <p>What it does not do, the caller leaves to Vert.x's client: TLS, HTTP/2, upgrades, bodies
 * streamed as they arrive, endpoints named by host name (it never resolves names: that would block).
 */
final class Http1Upstream {
  static final int MAX_PER_ENDPOINT = 512;
  static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(4);

  /** Headers decoded straight into Vert.x's map, which the rest of the proxy reads. */
  private static final HttpHeadersFactory HEADERS = new HttpHeadersFactory() {
    @Override
    public HttpHeaders newHeaders() {
      return HeadersMultiMap.httpHeaders();
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
      return HeadersMultiMap.httpHeaders();
    }
  };

  /** What {@link #acquire} gives: a connection, or why none could be had. */
  interface Connected {
    void connected(Conn connection, Throwable failure);
  }

  /** What becomes of a request: its answer's head, or a failure before it. */
  interface Listener {
    void head(Call call);

    void failed(Throwable cause);
  }

  private record Key(String address, int port) {}

  private final ContextInternal context;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final HttpDecoderConfig decoder;
  private final Map<Key, Pool> pools = new HashMap<>();
  private final int maxPerEndpoint;
  private ScheduledFuture<?> sweeper;
  private boolean closed;

  Http1Upstream(ContextInternal context, int maxInitialLine, int maxHeaderSize) {
    this(context, maxInitialLine, maxHeaderSize, MAX_PER_ENDPOINT);
  }

  Http1Upstream(ContextInternal context, int maxInitialLine, int maxHeaderSize, int maxPerEndpoint) {
    this.maxPerEndpoint = maxPerEndpoint;
    this.context = context;
    this.loop = context.nettyEventLoop();
    ChannelFactory<? extends Channel> channels = context.owner().transport().channelFactory(false);
    this.bootstrap = new Bootstrap().group(loop).channelFactory(channels)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true);
    this.decoder = new HttpDecoderConfig()
        // A body chunk is as large as what one read brought (up to 64 KiB), not Netty's 8 KiB:
        // each chunk is one write to the client, and a 16 KiB answer was two system calls.
        .setMaxChunkSize(64 * 1024)
        .setMaxInitialLineLength(maxInitialLine)
        .setMaxHeaderSize(maxHeaderSize)
        .setHeadersFactory(HEADERS)
        .setTrailersFactory(HEADERS);
  }

  /** True if this client may be used from the calling thread now. */
  boolean usable() {
    return !closed && loop.inEventLoop();
  }

  /**
   * Gets a connection to an endpoint: an idle one at once, else a new one when it connects.
   *
   * @return false (and {@code then} is not called) if this client cannot serve the endpoint: its
   *     address is a name, or it has {@link #MAX_PER_ENDPOINT} connections already
   */
  boolean acquire(String address, int port, long connectTimeoutMs, Connected then) {
    Key key = new Key(address, port);
    Pool pool = pools.get(key);
    if (pool == null) {
      byte[] ip = NetUtil.createByteArrayFromIpAddressString(address);
      if (ip == null) {
        return false;
      }
      InetAddress inet;
      try {
        inet = InetAddress.getByAddress(ip);
      } catch (UnknownHostException e) {
        return false;
      }
      pool = new Pool(new InetSocketAddress(inet, port));
      pools.put(key, pool);
      if (sweeper == null) {
        sweeper = loop.scheduleAtFixedRate(this::sweep, 1, 1, TimeUnit.SECONDS);
      }
    }
    // Coarse: a pooled connection is at most a tick older than it looks, against a 4 s keep-alive.
    long now = CoarseTime.nanos();
    Conn idle;
    while ((idle = pool.idle.pollFirst()) != null) {
      if (idle.channel.isActive() && now - idle.idleSince < KEEP_ALIVE_NANOS) {
        then.connected(idle, null);
        return true;
      }
      idle.channel.close();
    }
    if (pool.open >= maxPerEndpoint) {
      return false;
    }
    pool.open++;
    Conn conn = new Conn(pool);
    ChannelFuture connecting = bootstrap.clone()
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, Math.max(0, connectTimeoutMs)))
        .handler(conn)
        .connect(pool.address);
    conn.channel = connecting.channel();
    conn.channel.closeFuture().addListener(f -> conn.closed());
    connecting.addListener(f -> inContext(f.cause(), cause -> then.connected(cause == null ? conn : null, cause)));
    return true;
  }

  /**
   * Runs a Netty callback as Vert.x runs its own: with this loop's context current, so that what
   * it calls (timers, the server response) stays on it. Exceptions go on to Netty.
   */
  private <E> void inContext(E event, Handler<E> action) {
    ContextInternal previous = context.beginDispatch();
    try {
      action.handle(event);
    } finally {
      context.endDispatch(previous);
    }
  }

  /** Closes connections idle for longer than the keep-alive, and forgets endpoints with none. */
  private void sweep() {
    long now = System.nanoTime();
    for (Iterator<Pool> it = pools.values().iterator(); it.hasNext(); ) {
      Pool pool = it.next();
      Conn oldest;
      while ((oldest = pool.idle.peekLast()) != null && now - oldest.idleSince >= KEEP_ALIVE_NANOS) {
        pool.idle.pollLast();
        oldest.channel.close();
      }
      if (pool.open == 0) {
        it.remove();
      }
    }
  }

  /** Connections open or opening to an endpoint. */
  int open(String address, int port) {
    Pool pool = pools.get(new Key(address, port));
    return pool == null ? 0 : pool.open;
  }

  /** Closes idle connections; those carrying a request close when its answer has been read. */
  void close() {
    if (!loop.inEventLoop()) {
      loop.execute(this::close);
      return;
    }
    closed = true;
    if (sweeper != null) {
      sweeper.cancel(false);
    }
    for (Pool pool : pools.values()) {
      for (Conn c : pool.idle) {
        c.channel.close();
      }
      pool.idle.clear();
    }
  }

  /** Connections to one endpoint. */
  private static final class Pool {
    final InetSocketAddress address;
    /** Idle connections, most recently used first. */
    final ArrayDeque<Conn> idle = new ArrayDeque<>();
    /** Connections open or opening, idle or not. */
    int open;

    Pool(InetSocketAddress address) {
      this.address = address;
    }
  }

  /** A response decoder that knows a HEAD request's answer has no body. */
  private static final class ResponseDecoder extends HttpResponseDecoder {
    private final Conn conn;

    ResponseDecoder(HttpDecoderConfig config, Conn conn) {
      super(config);
      this.conn = conn;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      return conn.head || super.isContentAlwaysEmpty(msg);
    }
  }

  /**
   * Writes Vert.x's header map as it writes it itself ({@code name: value} and CRLF per field),
   * straight into the buffer's native memory when it has some. Vert.x's own writing goes through
   * the buffer's index checks and, for the byte strings most names and the client's values are
   * held in, a {@link java.nio.ByteBuffer} per field.
   */
  static final class RequestEncoder extends HttpRequestEncoder {
    @Override
    protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
      if (headers instanceof HeadersMultiMap map) {
        writeFields(map, buf);
      } else {
        super.encodeHeaders(headers, buf);
      }
    }

    private static void writeFields(HeadersMultiMap map, ByteBuf buf) {
      int size = 0;
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = map.iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> field = it.next();
        size += field.getKey().length() + field.getValue().length() + 4;
      }
      buf.ensureWritable(size);
      if (!buf.hasMemoryAddress()) {
        // A heap buffer: written as Vert.x writes it.
        map.encode(buf, false);
        return;
      }
      int start = buf.writerIndex();
      long at = buf.memoryAddress() + start;
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = map.iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> field = it.next();
        at = put(at, field.getKey());
        PlatformDependent.putByte(at++, (byte) ':');
        PlatformDependent.putByte(at++, (byte) ' ');
        at = put(at, field.getValue());
        PlatformDependent.putByte(at++, (byte) '\r');
        PlatformDependent.putByte(at++, (byte) '\n');
      }
      buf.writerIndex(start + size);
    }

    /** Writes {@code s} at {@code at}, a byte per character as Vert.x does (US-ASCII, '?' above 255). */
    private static long put(long at, CharSequence s) {
      int n = s.length();
      if (s instanceof AsciiString a) {
        PlatformDependent.copyMemory(a.array(), a.arrayOffset(), at, n);
      } else {
        for (int i = 0; i < n; i++) {
          PlatformDependent.putByte(at + i, AsciiString.c2b(s.charAt(i)));
        }
      }
      return at + n;
    }
  }

  /** The response head did not come within the time the call was given for it. */
  static final class HeadTimeoutException extends Exception {
    HeadTimeoutException(long ms) {
      super("no response head within " + ms + " ms", null, false, false);
    }
  }

  /** One connection, and the handler that reads its responses. */
  final class Conn extends ChannelInboundHandlerAdapter {
    private final Pool pool;
    Channel channel;
    long idleSince;
    private Call call;
    /** The current request is a HEAD: its answer's Content-Length describes a body never sent. */
    boolean head;
    /** Inside a 1xx response: it and its (empty) end are dropped; the final response follows. */
    private boolean informational;

    /** Reads one decoded message; a field, so that reading allocates no handler per message. */
    private final Handler<Object> reader = this::read;
    /**
     * Looks at the current call's deadlines. One task per connection, not one per request: it is
     * scheduled when a call needs it, left in place when the call ends, and moved only when a
     * call's deadline comes sooner than it runs (as {@code HeadTimer} does for request heads).
     */
    private ScheduledFuture<?> timer;
    /** When {@link #timer} runs, in {@link System#nanoTime()}. */
    private long timerAt;
    private final Runnable check = this::checkDeadlines;

    Conn(Pool pool) {
      this.pool = pool;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.pipeline().addBefore(ctx.name(), "decoder", new ResponseDecoder(decoder, this));
      ctx.pipeline().addBefore(ctx.name(), "encoder", new RequestEncoder());
    }

    /**
     * Sends a request with its whole body (or none) and reports its answer to the listener.
     *
     * @param body          the body, or null for none
     * @param headTimeoutMs how long the response head may take from now, or 0 for no limit: past
     *                      it the call fails with {@link HeadTimeoutException}
     * @param idleTimeoutMs how long the upstream may stay silent, or 0 for no limit: past it the
     *                      call fails with a {@link TimeoutException}
     */
    Call send(HttpMethod method, String uri, HeadersMultiMap headers, Buffer body, long headTimeoutMs,
        long idleTimeoutMs, Listener listener) {
      Call c = new Call(this, listener, headTimeoutMs, idleTimeoutMs);
      call = c;
      if (!channel.config().isAutoRead()) {
        channel.config().setAutoRead(true);
      }
      head = method == HttpMethod.HEAD;
      informational = false;
      channel.write(new DefaultHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, method.toNetty(), uri,
          headers), channel.voidPromise());
      channel.writeAndFlush(body == null ? LastHttpContent.EMPTY_LAST_CONTENT
          : new DefaultLastHttpContent(((BufferInternal) body).getByteBuf()), channel.voidPromise());
      c.started();
      return c;
    }

    /** Gives an unused connection back (its attempt ended before sending anything). */
    void release() {
      if (call == null && channel.isActive() && !closed) {
        idleSince = CoarseTime.nanos();
        pool.idle.addFirst(this);
      } else {
        channel.close();
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      inContext(msg, reader);
    }

    private void read(Object msg) {
      Call c = call;
      if (msg instanceof HttpResponse response) {
        int code = response.status().code();
        if (c == null || response.decoderResult().isFailure() || code == 101) {
          ReferenceCountUtil.release(msg);
          broken(response.decoderResult().isFailure() ? response.decoderResult().cause()
              : new HttpClosedException("unexpected response from upstream"));
          return;
        }
        if (code < 200) {
          informational = true;
        } else {
          c.head(response);
        }
      }
      if (msg instanceof HttpContent content) {
        if (content.decoderResult().isFailure()) {
          content.release();
          broken(content.decoderResult().cause());
          return;
        }
        if (informational || c == null) {
          content.release();
          if (informational && msg instanceof LastHttpContent) {
            informational = false;
          }
          return;
        }
        if (msg instanceof LastHttpContent last) {
          call = null;
          boolean reuse = c.keepAlive && !closed;
          if (reuse) {
            if (!channel.config().isAutoRead()) {
              // Paused by the last client: an idle connection must still see the upstream close it.
              channel.config().setAutoRead(true);
            }
            idleSince = CoarseTime.nanos();
            pool.idle.addFirst(this);
          } else {
            channel.close();
          }
          c.last(last.content(), last.trailingHeaders());
        } else {
          c.content(content.content());
        }
      }
    }

    private void broken(Throwable cause) {
      Call c = call;
      call = null;
      channel.close();
      if (c != null) {
        c.failed(cause);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (call != null) {
        inContext(new HttpClosedException("Connection was closed"), this::broken);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      inContext(cause, this::broken);
    }

    /** The current call must be looked at by {@code due} (a {@link System#nanoTime()}) at the latest. */
    void watch(long due) {
      if (timer != null) {
        if (due - timerAt >= 0) {
          return;
        }
        timer.cancel(false);
      }
      timerAt = due;
      timer = channel.eventLoop().schedule(check, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void checkDeadlines() {
      timer = null;
      Call c = call;
      if (c == null || !channel.isActive()) {
        return; // the next call schedules it again
      }
      Throwable expired = c.expired(System.nanoTime());
      if (expired != null) {
        inContext(expired, this::broken);
      } else if (c.hasDeadline()) {
        watch(c.nextDeadline());
      }
    }

    /** The channel closed: it no longer counts, and is no longer idle. */
    void closed() {
      pool.open--;
      pool.idle.remove(this);
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }
  }

  /**
   * One request's answer: a stream of its body that holds what arrives while paused (at most one
   * read's worth: reading stops while paused).
   */
  static final class Call implements UpstreamResponse, ReadStream<Buffer> {
    private Conn conn;
    private final Listener listener;
    private final long headNanos;
    private final long idleNanos;
    private long sentAt;
    private long lastRead;

    private int status;
    private String reason;
    private MultiMap headers;
    private MultiMap trailers;
    private boolean keepAlive;
    private boolean headSeen;

    private Handler<Buffer> dataHandler;
    private Handler<Void> endHandler;
    private Handler<Throwable> errorHandler;
    private ArrayDeque<Buffer> pending;
    private boolean paused;
    /** Reading from the connection was stopped because a chunk arrived while paused. */
    private boolean readStopped;
    private boolean ended;
    private boolean endDelivered;
    private Throwable failure;
    /** Reset or failed: nothing more is delivered. */
    private boolean over;
    /**
     * Where {@link #sendTo} sends the body, or null: the pooled buffers it is read into are written
     * as they are and released once written, not copied onto the heap and back.
     */
    private io.vertx.core.http.HttpServerResponse direct;
    private io.vertx.core.Promise<Void> directDone;
    private ArrayDeque<ByteBuf> directPending;
    /** Writes not yet completed; the body is sent once the last completed after the end. */
    private int directWrites;
    private boolean directPaused;
    /** {@link #sendTo} ended the response with the last chunk. */
    private boolean endedDirect;

    Call(Conn conn, Listener listener, long headTimeoutMs, long idleTimeoutMs) {
      this.conn = conn;
      this.listener = listener;
      this.headNanos = TimeUnit.MILLISECONDS.toNanos(headTimeoutMs);
      this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs);
    }

    void started() {
      sentAt = System.nanoTime();
      lastRead = sentAt;
      Conn c = conn;
      if (c != null && hasDeadline()) {
        c.watch(nextDeadline());
      }
    }

    /** True while a deadline applies: until the head for the head timeout, until the end for the idle one. */
    boolean hasDeadline() {
      return !over && !ended && ((headNanos > 0 && !headSeen) || idleNanos > 0);
    }

    /** The soonest deadline, when {@link #hasDeadline()}. */
    long nextDeadline() {
      long idleAt = lastRead + idleNanos;
      if (headNanos > 0 && !headSeen) {
        long headAt = sentAt + headNanos;
        return idleNanos > 0 && idleAt - headAt < 0 ? idleAt : headAt;
      }
      return idleAt;
    }

    /** Why the call fails at {@code now}, if a deadline passed; else null. */
    Throwable expired(long now) {
      if (over || ended) {
        return null;
      }
      if (headNanos > 0 && !headSeen && now - sentAt >= headNanos) {
        return new HeadTimeoutException(TimeUnit.NANOSECONDS.toMillis(headNanos));
      }
      if (idleNanos > 0 && now - lastRead >= idleNanos) {
        // As Vert.x's client words it.
        return new TimeoutException("The timeout period of " + TimeUnit.NANOSECONDS.toMillis(idleNanos)
            + "ms has been exceeded while executing the request");
      }
      return null;
    }

    void head(HttpResponse response) {
      // Coarse: the idle timeout may fire up to a tick early; the head timeout counts from the exact sentAt.
      lastRead = CoarseTime.nanos();
      headSeen = true;
      status = response.status().code();
      reason = response.status().reasonPhrase();
      headers = (MultiMap) response.headers();
      keepAlive = HttpUtil.isKeepAlive(response);
      if (!over) {
        listener.head(this);
      }
    }

    void content(ByteBuf content) {
      if (over || !content.isReadable()) {
        content.release();
        return;
      }
      lastRead = CoarseTime.nanos();
      if (direct != null) {
        if (directPaused || (directPending != null && !directPending.isEmpty())) {
          if (directPending == null) {
            directPending = new ArrayDeque<>(4);
          }
          directPending.add(content);
          stopReading();
        } else {
          writeDirect(content);
        }
        return;
      }
      Buffer chunk = BufferInternal.safeBuffer(content);
      if (paused || dataHandler == null || (pending != null && !pending.isEmpty())) {
        if (pending == null) {
          pending = new ArrayDeque<>(4);
        }
        pending.add(chunk);
        Conn c = conn;
        if (paused && !readStopped && c != null) {
          // Stopped only now, not at pause(): a pipe pauses and resumes once per response, and
          // changing the socket's interest both times would cost two system calls per request.
          readStopped = true;
          c.channel.config().setAutoRead(false);
        }
      } else {
        dataHandler.handle(chunk);
      }
    }

    /**
     * The body's last chunk (often all of it, read with the head). When the body goes straight to
     * a response, nothing waits to be written and no trailers came, the response is ended with
     * it: one write through the server's pipeline instead of a write and an end.
     */
    void last(ByteBuf content, HttpHeaders trailing) {
      // The connection is back in its pool (or closed) already: whatever happens to this chunk,
      // it must not stop that connection's reads.
      conn = null;
      if (direct != null && !over && !directPaused && trailing.isEmpty()
          && (directPending == null || directPending.isEmpty())) {
        trailers = null;
        ended = true;
        endDirect(content);
        return;
      }
      content(content);
      ended(trailing);
    }

    void ended(HttpHeaders trailing) {
      conn = null;
      trailers = trailing instanceof MultiMap map && !trailing.isEmpty() ? map : null;
      ended = true;
      if (direct != null) {
        directMaybeDone();
        return;
      }
      drain();
    }

    /**
     * Sends the body to the client's response as it arrives, without copying it: each pooled
     * buffer is written as it is and released once written. Pauses reading while the response's
     * write queue is full. Completes once the whole body is written, fails when the upstream
     * fails or a write does; a reset stops it. The body's last chunk ends the response when no
     * trailers follow ({@link #endedResponse()} says so once the future completes); else the
     * response is left open for them.
     */
    io.vertx.core.Future<Void> sendTo(io.vertx.core.http.HttpServerResponse response) {
      io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
      direct = response;
      directDone = done;
      response.drainHandler(v -> {
        if (directPaused) {
          directPaused = false;
          flushDirect();
        }
      });
      if (failure != null) {
        Throwable cause = failure;
        failure = null;
        failDirect(cause);
      } else if (ended) {
        directMaybeDone();
      }
      return done.future();
    }

    /** True when this call ended the response it sent the body to (see {@link #sendTo}). */
    boolean endedResponse() {
      return endedDirect;
    }

    private void endDirect(ByteBuf content) {
      io.vertx.core.Future<Void> written;
      ByteBuf held = content.isReadable() ? content : null;
      try {
        if (held != null) {
          written = direct.end(BufferInternal.buffer(held));
        } else {
          content.release();
          written = direct.end();
        }
      } catch (RuntimeException e) { // the response was ended or closed under us
        if (held != null) {
          held.release();
        }
        failDirect(e);
        return;
      }
      endedDirect = true;
      track(written, held);
    }

    private void writeDirect(ByteBuf content) {
      io.vertx.core.Future<Void> written;
      try {
        written = direct.write(BufferInternal.buffer(content));
      } catch (RuntimeException e) { // the response was ended or closed under us
        content.release();
        failDirect(e);
        return;
      }
      track(written, content);
      if (direct.writeQueueFull()) {
        directPaused = true;
      }
    }

    /** Counts a write to the response until it completes, then releases its buffer (if any). */
    private void track(io.vertx.core.Future<Void> written, ByteBuf held) {
      directWrites++;
      written.onComplete(ar -> {
        if (held != null) {
          held.release();
        }
        directWrites--;
        if (ar.failed()) {
          failDirect(ar.cause());
        } else {
          directMaybeDone();
        }
      });
    }

    /** Writes what waited while the response's queue was full, then reads on. */
    private void flushDirect() {
      while (!directPaused && !over && directPending != null && !directPending.isEmpty()) {
        writeDirect(directPending.poll());
      }
      if (directPaused || over) {
        return;
      }
      Conn c = conn;
      if (readStopped && c != null) {
        readStopped = false;
        c.channel.config().setAutoRead(true);
      }
      directMaybeDone();
    }

    private void directMaybeDone() {
      if (ended && !over && directWrites == 0 && (directPending == null || directPending.isEmpty())
          && directDone != null) {
        io.vertx.core.Promise<Void> done = directDone;
        directDone = null;
        done.tryComplete();
      }
    }

    private void failDirect(Throwable cause) {
      releaseDirect();
      io.vertx.core.Promise<Void> done = directDone;
      directDone = null;
      if (done != null) {
        done.tryFail(cause);
      }
    }

    private void releaseDirect() {
      if (directPending != null) {
        directPending.forEach(ByteBuf::release);
        directPending.clear();
      }
    }

    private void stopReading() {
      Conn c = conn;
      if (!readStopped && c != null) {
        readStopped = true;
        c.channel.config().setAutoRead(false);
      }
    }

    void failed(Throwable cause) {
      conn = null;
      if (over) {
        return;
      }
      over = true;
      if (!headSeen) {
        listener.failed(cause);
      } else if (direct != null) {
        failDirect(cause);
      } else if (errorHandler != null) {
        errorHandler.handle(cause);
      } else {
        failure = cause;
      }
    }

    /** Gives up the request: the connection, if it still carries it, is closed. */
    void reset() {
      if (over) {
        return;
      }
      over = true;
      pending = null;
      releaseDirect();
      Conn c = conn;
      conn = null;
      if (c != null && c.call == this) {
        c.call = null;
        c.channel.close();
      }
    }

    private void drain() {
      while (!paused && !over && dataHandler != null && pending != null && !pending.isEmpty()) {
        dataHandler.handle(pending.poll());
      }
      if (ended && !over && !paused && !endDelivered && (pending == null || pending.isEmpty()) && endHandler != null) {
        endDelivered = true;
        endHandler.handle(null);
      }
    }

    @Override
    public int statusCode() {
      return status;
    }

    @Override
    public String statusMessage() {
      return reason;
    }

    @Override
    public MultiMap headers() {
      return headers;
    }

    @Override
    public MultiMap trailers() {
      return trailers;
    }

    @Override
    public Pipe<Buffer> pipe() {
      return ReadStream.super.pipe();
    }

    @Override
    public void quiet() {
      // Failures reach whoever pipes the body, or wait for it.
    }

    @Override
    public Call exceptionHandler(Handler<Throwable> handler) {
      errorHandler = handler;
      if (handler != null && failure != null) {
        Throwable cause = failure;
        failure = null;
        handler.handle(cause);
      }
      return this;
    }

    @Override
    public Call handler(Handler<Buffer> handler) {
      dataHandler = handler;
      drain();
      return this;
    }

    @Override
    public Call endHandler(Handler<Void> handler) {
      endHandler = handler;
      drain();
      return this;
    }

    @Override
    public Call pause() {
      paused = true;
      return this;
    }

    @Override
    public Call resume() {
      return fetch(Long.MAX_VALUE);
    }

    @Override
    public Call fetch(long amount) {
      if (paused) {
        paused = false;
        drain();
        Conn c = conn;
        if (readStopped && c != null && !paused) {
          readStopped = false;
          c.channel.config().setAutoRead(true);
        }
      }
      return this;
    }
  }
}
