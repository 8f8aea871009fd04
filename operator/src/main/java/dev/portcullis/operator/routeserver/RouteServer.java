package dev.portcullis.operator.routeserver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.portcullis.model.Certificate;
import dev.portcullis.model.Credential;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.push.Ack;
import dev.portcullis.model.push.PushMessage;
import dev.portcullis.model.push.PushProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes route tables to data planes over long-lived, authenticated HTTP streams of
 * newline-delimited JSON (see {@link PushProtocol}), and records their ACKs and NACKs.
 *
 * <p>Authentication is mutual TLS (a client certificate signed by the CA the server trusts), a
 * bearer token, or both. Each stream has its own thread that sleeps until a newer snapshot exists,
 * so a burst of publications reaches a slow data plane as one push of the latest table. A stream
 * whose data plane asked for deltas gets the whole table first and then only what changed since
 * the last table sent on it.
 */
public final class RouteServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RouteServer.class);
  private static final int MAX_ACK_BYTES = 64 * 1024;
  private static final int MAX_STREAMS = 512;
  private static final byte[] NEWLINE = {'\n'};

  /** Told about every ACK and NACK. */
  public interface AckListener {
    void onAck(Ack ack);
  }

  private final HttpServer server;
  private final byte[] token;
  private final Clock clock;
  private final long pingIntervalMs;
  private final Object lock = new Object();
  private final Map<String, NodeState> nodes = new ConcurrentHashMap<>();
  private final List<AckListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicInteger streams = new AtomicInteger();
  private final ThreadPoolExecutor executor;
  private volatile PushMessage.Snapshot current;
  private long nextVersion;
  private volatile boolean closed;

  /**
   * A token-authenticated server over plain HTTP: for loopback (local mode).
   *
   * @param bind  where to listen; keep it off the public listener
   * @param token the shared secret data planes present as {@code Authorization: Bearer <token>}
   */
  public RouteServer(InetSocketAddress bind, String token) throws IOException {
    this(bind, token, null, Clock.systemUTC(), PushProtocol.PING_INTERVAL_MS);
  }

  /**
   * A server over TLS that requires a client certificate signed by the CA {@code tls} trusts, and
   * also the token when one is given.
   */
  public RouteServer(InetSocketAddress bind, String token, SSLContext tls) throws IOException {
    this(bind, token, tls, Clock.systemUTC(), PushProtocol.PING_INTERVAL_MS);
  }

  RouteServer(InetSocketAddress bind, String token, SSLContext tls, Clock clock, long pingIntervalMs)
      throws IOException {
    if (tls == null && (token == null || token.length() < 16)) {
      throw new IllegalArgumentException("without TLS, the route server needs a token of at least 16 characters");
    }
    if (token != null && token.length() < 16) {
      throw new IllegalArgumentException("the route server token must be at least 16 characters");
    }
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.clock = clock;
    this.pingIntervalMs = pingIntervalMs;
    // Versions count within this server's life; data planes compare checksums, not versions,
    // so a restarted server starting again at 1 is fine.
    this.nextVersion = 0;
    AtomicInteger threads = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(2, MAX_STREAMS + 16, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "route-server-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    if (tls == null) {
      this.server = HttpServer.create(bind, 64);
    } else {
      HttpsServer https = HttpsServer.create(bind, 64);
      https.setHttpsConfigurator(new HttpsConfigurator(tls) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters p = getSSLContext().getDefaultSSLParameters();
          p.setNeedClientAuth(true);
          p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
          params.setSSLParameters(p);
        }
      });
      this.server = https;
    }
    server.setExecutor(executor);
    server.createContext(PushProtocol.STREAM_PATH, this::stream);
    server.createContext(PushProtocol.ACK_PATH, this::ack);
    server.createContext("/", ex -> respond(ex, 404, "not found\n"));
  }

  public RouteServer start() {
    server.start();
    LOG.info("route server listening on {}://{}:{}", server instanceof HttpsServer ? "https" : "http",
        address().getHostString(), address().getPort());
    return this;
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  public void addAckListener(AckListener listener) {
    listeners.add(listener);
  }

  /**
   * Publishes a table. A table equal to the current one (same checksum) changes nothing.
   *
   * @return the snapshot now being served
   */
  public PushMessage.Snapshot publish(RouteTable table) {
    return publish(table, Map.of());
  }

  /**
   * Publishes a table and the key material of the certificates its hosts use. The table names each
   * certificate by fingerprint, so a renewed certificate is a new table; equal checksums mean equal
   * certificates too.
   */
  public PushMessage.Snapshot publish(RouteTable table, Map<String, Certificate> certificates) {
    return publish(table, certificates, Map.of());
  }

  /**
   * Publishes a table with the key material of its hosts' certificates and the credentials its
   * routes authenticate with (password hashes, key sets). The table names both by fingerprint, so
   * equal checksums mean equal material.
   */
  public PushMessage.Snapshot publish(RouteTable table, Map<String, Certificate> certificates,
      Map<String, Credential> credentials) {
    String checksum = RouteTableJson.checksum(table);
    synchronized (lock) {
      if (current != null && current.checksum().equals(checksum)) {
        return current;
      }
      nextVersion++;
      current = new PushMessage.Snapshot(nextVersion, checksum, table, certificates, credentials);
      lock.notifyAll();
      LOG.debug("published version {} ({})", current.version(), checksum);
      return current;
    }
  }

  /** The snapshot being served, or null before the first {@link #publish}. */
  public PushMessage.Snapshot current() {
    return current;
  }

  /** Every data plane seen since start, by id. */
  public Map<String, NodeState> nodes() {
    return new TreeMap<>(nodes);
  }

  private void stream(HttpExchange ex) throws IOException {
    try (ex) {
      String node = authorize(ex, "GET");
      if (node == null) {
        return;
      }
      if (streams.incrementAndGet() > MAX_STREAMS) {
        streams.decrementAndGet();
        respond(ex, 503, "too many streams\n");
        return;
      }
      nodes.compute(node, (k, v) -> (v == null ? new NodeState(k, 0, 0, 0, null, 0, null, 0) : v)
          .withConnections(+1, clock.millis()));
      LOG.info("data plane {} connected from {}", node, ex.getRemoteAddress());
      try {
        ex.getResponseHeaders().set("Content-Type", PushProtocol.CONTENT_TYPE);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set(PushProtocol.PROTOCOL_HEADER, Integer.toString(PushProtocol.VERSION));
        ex.sendResponseHeaders(200, 0);
        boolean deltas = "true".equalsIgnoreCase(ex.getRequestHeaders().getFirst(PushProtocol.DELTAS_HEADER));
        // A big buffer in front of the chunked stream: the exchange's own writes 4 KiB chunks.
        pushLoop(node, new java.io.BufferedOutputStream(ex.getResponseBody(), 1 << 20), deltas);
      } catch (IOException e) {
        LOG.debug("stream to {} ended: {}", node, e.toString());
      } finally {
        streams.decrementAndGet();
        nodes.computeIfPresent(node, (k, v) -> v.withConnections(-1, clock.millis()));
        LOG.info("data plane {} disconnected", node);
      }
    }
  }

  /** The newest snapshot as sent, serialized once for every stream (20 MB at 50,000 routes). */
  private record Encoded(PushMessage.Snapshot snapshot, byte[] json) {}

  /** A delta as sent: from a base to the snapshot it leads to, serialized once for every stream on that base. */
  private record EncodedDelta(PushMessage.Snapshot base, PushMessage.Snapshot snapshot, byte[] json) {}

  private final Object encodeLock = new Object();
  private Encoded encoded;
  private EncodedDelta encodedDelta;

  /** The snapshot's line on the stream: the first stream to send a version serializes it, the others reuse it. */
  private byte[] encoded(PushMessage.Snapshot snapshot) {
    synchronized (encodeLock) {
      if (encoded == null || encoded.snapshot() != snapshot) {
        encoded = new Encoded(snapshot, RouteTableJson.toJson(snapshot));
      }
      return encoded.json();
    }
  }

  /** The line that takes a stream from {@code base} to {@code snapshot}. */
  private byte[] encodedDelta(PushMessage.Snapshot base, PushMessage.Snapshot snapshot) {
    synchronized (encodeLock) {
      if (encodedDelta == null || encodedDelta.base() != base || encodedDelta.snapshot() != snapshot) {
        encodedDelta = new EncodedDelta(base, snapshot, RouteTableJson.toJson(PushMessage.Delta.between(base, snapshot)));
      }
      return encodedDelta.json();
    }
  }

  private void pushLoop(String node, OutputStream out, boolean deltas) throws IOException {
    long sent = 0;
    PushMessage.Snapshot last = null;
    while (!closed) {
      PushMessage message;
      synchronized (lock) {
        long deadline = clock.millis() + pingIntervalMs;
        while (!closed && (current == null || current.version() == sent)) {
          long wait = deadline - clock.millis();
          if (wait <= 0) {
            break;
          }
          try {
            lock.wait(wait);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        if (closed) {
          return;
        }
        message = current != null && current.version() != sent ? current : new PushMessage.Ping(clock.millis());
      }
      // Serialise outside the lock: a big table must not hold up other streams.
      byte[] line;
      if (message instanceof PushMessage.Snapshot snapshot) {
        line = deltas && last != null ? encodedDelta(last, snapshot) : encoded(snapshot);
        last = snapshot;
      } else {
        line = RouteTableJson.toJson(message);
      }
      out.write(line);
      out.write(NEWLINE);
      out.flush();
      if (message instanceof PushMessage.Snapshot s) {
        sent = s.version();
        long v = sent;
        nodes.computeIfPresent(node, (k, st) -> st.withSent(v));
      }
    }
  }

  private void ack(HttpExchange ex) throws IOException {
    try (ex) {
      String node = authorize(ex, "POST");
      if (node == null) {
        return;
      }
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readNBytes(MAX_ACK_BYTES + 1);
      }
      if (body.length > MAX_ACK_BYTES) {
        respond(ex, 413, "ack too large\n");
        return;
      }
      Ack ack;
      try {
        ack = RouteTableJson.read(body, Ack.class);
      } catch (ModelException e) {
        respond(ex, 400, "bad ack: " + e.getMessage() + "\n");
        return;
      }
      if (!node.equals(ack.node())) {
        respond(ex, 400, "ack node does not match " + PushProtocol.NODE_HEADER + "\n");
        return;
      }
      long now = clock.millis();
      if (ack.accepted()) {
        nodes.compute(node, (k, v) -> (v == null ? new NodeState(k, 0, 0, 0, null, 0, null, 0) : v)
            .withAck(ack.version(), ack.checksum(), now));
        LOG.debug("data plane {} ACKed version {}", node, ack.version());
      } else {
        nodes.compute(node, (k, v) -> (v == null ? new NodeState(k, 0, 0, 0, null, 0, null, 0) : v)
            .withNack(ack.version(), ack.checksum(), ack.reason(), now));
        LOG.warn("data plane {} rejected version {}: {}", node, ack.version(), ack.reason());
      }
      for (AckListener l : listeners) {
        try {
          l.onAck(ack);
        } catch (RuntimeException e) {
          LOG.warn("ack listener failed", e);
        }
      }
      ex.sendResponseHeaders(204, -1);
    }
  }

  /** Checks method, token and node id; answers and returns null when any is wrong. */
  private String authorize(HttpExchange ex, String method) throws IOException {
    if (!method.equals(ex.getRequestMethod())) {
      ex.getResponseHeaders().set("Allow", method);
      respond(ex, 405, "method not allowed\n");
      return null;
    }
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    byte[] presented = auth != null && auth.startsWith("Bearer ")
        ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
    // With TLS the client certificate was already verified during the handshake.
    if (token != null && !MessageDigest.isEqual(presented, token)) {
      LOG.warn("refused {} {} from {}: bad or missing token", method, ex.getRequestURI().getPath(), ex.getRemoteAddress());
      respond(ex, 401, "unauthorized\n");
      return null;
    }
    String node = ex.getRequestHeaders().getFirst(PushProtocol.NODE_HEADER);
    if (!PushProtocol.isValidNodeId(node)) {
      respond(ex, 400, PushProtocol.NODE_HEADER + " must be 1-128 characters of [A-Za-z0-9._-]\n");
      return null;
    }
    return node;
  }

  private static void respond(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "RouteServer" + Objects.toString(address());
  }
}
