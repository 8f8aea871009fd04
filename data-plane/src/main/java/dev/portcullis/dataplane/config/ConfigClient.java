package dev.portcullis.dataplane.config;

import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.push.Ack;
import dev.portcullis.model.push.PushMessage;
import dev.portcullis.model.push.PushProtocol;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.parsetools.RecordParser;
import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the route server: keeps one stream open, applies each snapshot through the
 * {@link SnapshotSink}, answers ACK or NACK, and reconnects with jittered exponential backoff.
 * While disconnected, or when a snapshot is refused, the last good table keeps serving.
 */
public final class ConfigClient extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigClient.class);
  static final long MIN_BACKOFF_MS = 200;
  static final long MAX_BACKOFF_MS = 10_000;
  static final long ACK_TIMEOUT_MS = 10_000;

  /** Applies snapshots; the future fails with a reason (a NACK) if the snapshot is refused. */
  public interface SnapshotSink {
    Future<Void> apply(PushMessage.Snapshot snapshot);

    /** The checksum being served, to skip snapshots that change nothing. */
    String currentChecksum();

    /** A message that could not even be read as a snapshot was refused (NACKed). */
    default void unreadable(long version, String reason) {
    }
  }

  private final URI server;
  private final String token;
  private final DataPlaneConfig.RouteTls tls;
  private final String node;
  private final SnapshotSink sink;
  private final int maxMessageBytes;
  private HttpClientAgent client;
  private HttpClientRequest stream;
  private int attempt;
  private boolean stopped;
  private boolean warned;
  private long reconnectTimer = -1;
  /** Bumped on every connection attempt, so that a dead stream's late events are ignored. */
  private int generation;
  /** True while the stream from the route server is open, for the admin port. */
  private volatile boolean following;
  /** The current stream's lines not yet read, oldest first; a full snapshot drops those before it. */
  private final java.util.ArrayDeque<byte[]> unread = new java.util.ArrayDeque<>();
  /** A line is being read (off the event loop). */
  private boolean reading;
  /** A table is being applied; the newest one read meanwhile waits in {@link #pending}. */
  private boolean applying;
  private Read pending;
  /**
   * The last table received on the current stream (applied or not): the base of the next delta.
   * Only the reading worker touches it, one line at a time; a new stream gets a new holder.
   */
  private StreamState state;

  private static final class StreamState {
    PushMessage.Snapshot received;
    /** Whether {@link #received}'s hosts and clusters are in name order: checked once per whole table. */
    boolean receivedInNameOrder;
  }

  /**
   * Asks the next stream for whole tables only: set when a whole table could not be read (a
   * route server newer than this data plane, say), since no delta can follow one; cleared once
   * a whole table is read again.
   */
  private boolean wholeTablesOnly;
  /** The bytes waiting in {@link #unread}: a data plane that falls that far behind starts again from a whole table. */
  private long unreadBytes;
  static final int MAX_UNREAD_LINES = 1024;

  /** A line read: the table it makes, and whether a delta made it. */
  private record Read(PushMessage.Snapshot snapshot, boolean fromDelta) {}

  public ConfigClient(URI server, String token, DataPlaneConfig.RouteTls tls, String node, SnapshotSink sink) {
    this(server, token, tls, node, sink, PushProtocol.DEFAULT_MAX_MESSAGE_BYTES);
  }

  public ConfigClient(URI server, String token, DataPlaneConfig.RouteTls tls, String node, SnapshotSink sink,
      int maxMessageBytes) {
    this.server = server;
    this.token = token;
    this.tls = "https".equalsIgnoreCase(server.getScheme()) ? tls : null;
    this.node = node;
    this.sink = sink;
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public Future<?> start() {
    HttpClientOptions options = new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5_000);
    if (tls != null) {
      options.setSsl(true).setVerifyHost(true).setTrustOptions(sslOptions().getTrustOptions());
      if (tls.cert() != null) {
        options.setKeyCertOptions(sslOptions().getKeyCertOptions());
      }
    }
    client = vertx.createHttpClient(options);
    connect();
    return Future.succeededFuture();
  }

  /** The PEM files, read afresh: a certificate renewed in place is used from the next connection on. */
  private ClientSSLOptions sslOptions() {
    ClientSSLOptions ssl = new ClientSSLOptions()
        .setHostnameVerificationAlgorithm("HTTPS")
        .setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()));
    if (tls.cert() != null) {
      ssl.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().toString()).setKeyPath(tls.key().toString()));
    }
    return ssl;
  }

  private RequestOptions options(HttpMethod method, String path) {
    RequestOptions options = new RequestOptions()
        .setMethod(method)
        .setAbsoluteURI(server.resolve(path).toString())
        .putHeader(PushProtocol.NODE_HEADER, node)
        .putHeader(PushProtocol.PROTOCOL_HEADER, Integer.toString(PushProtocol.VERSION))
        .putHeader(PushProtocol.DELTAS_HEADER, Boolean.toString(!wholeTablesOnly));
    if (token != null && !token.isEmpty()) {
      options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
    }
    return options;
  }

  private void connect() {
    reconnectTimer = -1;
    if (stopped) {
      return;
    }
    int gen = ++generation;
    RequestOptions options = options(HttpMethod.GET, PushProtocol.STREAM_PATH)
        .setIdleTimeout(PushProtocol.READ_IDLE_TIMEOUT_MS);
    Future<?> ready = Future.succeededFuture();
    if (tls != null && attempt > 0) {
      ready = client.updateSSLOptions(sslOptions(), true).otherwise(e -> {
        LOG.warn("cannot read the route server TLS files: {}", e.getMessage());
        return false;
      });
    }
    ready.compose(v -> client.request(options))
        .compose(req -> {
          stream = req;
          return req.send();
        })
        .onComplete(ar -> {
          if (gen != generation) {
            return;
          }
          if (ar.failed()) {
            retry("cannot reach the route server at " + server + ": " + ar.cause().getMessage());
            return;
          }
          HttpClientResponse response = ar.result();
          if (response.statusCode() != 200) {
            String why = response.statusCode() == 401
                ? "the route server refused this data plane's token (401)"
                : "the route server answered " + response.statusCode();
            response.end();
            retry(why);
            return;
          }
          follow(response, gen);
        });
  }

  private void follow(HttpClientResponse response, int gen) {
    LOG.info("following route server {} as {}", server, node);
    warned = false;
    following = true;
    RecordParser records = RecordParser.newDelimited("\n", response).maxRecordSize(maxMessageBytes);
    records.exceptionHandler(e -> {
      if (gen == generation) {
        if (stream != null) {
          stream.reset();
        }
        retry("stream from the route server broke: " + e.getMessage());
      }
    });
    records.endHandler(v -> {
      if (gen == generation) {
        retry("the route server closed the stream");
      }
    });
    // A table still being applied from the last stream finishes first (applying stays).
    pending = null;
    unread.clear();
    unreadBytes = 0;
    state = new StreamState();
    records.handler(line -> {
      if (line.length() == 0 || gen != generation) {
        return;
      }
      byte[] bytes = line.getBytes();
      if (isPing(bytes)) {
        return; // pings only prove the stream alive, which any byte already did
      }
      if (startsWith(bytes, SNAPSHOT_PREFIX)) {
        // A whole table makes every line before it moot: a burst of full pushes costs one read.
        unread.clear();
        unreadBytes = 0;
      }
      unread.add(bytes);
      unreadBytes += bytes.length;
      if (unread.size() > MAX_UNREAD_LINES || unreadBytes > maxMessageBytes) {
        // Changes come faster than they can be read: what waits is bounded; one whole table
        // replaces them all.
        resync(unread.size() + " changes from the route server wait to be read");
        return;
      }
      readNext();
    });
  }

  private static final byte[] PING_PREFIX = "{\"type\":\"ping\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] SNAPSHOT_PREFIX = "{\"type\":\"snapshot\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private static boolean isPing(byte[] line) {
    return startsWith(line, PING_PREFIX);
  }

  private static boolean startsWith(byte[] line, byte[] prefix) {
    return line.length >= prefix.length && java.util.Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
  }

  /**
   * Reads the oldest unread line off the event loop, one at a time and in order (each delta
   * builds on the table before it), then hands the table it makes to {@link #offer}.
   */
  private void readNext() {
    if (reading || unread.isEmpty()) {
      return;
    }
    int gen = generation;
    StreamState stream = state;
    byte[] bytes = unread.poll();
    unreadBytes -= bytes.length;
    reading = true;
    vertx.executeBlocking(() -> read(bytes, stream))
        .onComplete(ar -> {
          reading = false;
          if (gen != generation) {
            readNext(); // a line of a dropped stream: the current stream's lines may have waited for it
            return;
          }
          if (ar.failed()) {
            Throwable e = ar.cause();
            String reason = e instanceof ModelException ? e.getMessage() : e.toString();
            LOG.warn("rejected a message from the route server: {}", reason);
            sink.unreadable(versionOf(bytes), reason);
            nack(versionOf(bytes), null, reason);
            if (startsWith(bytes, SNAPSHOT_PREFIX)) {
              // No delta can follow a table not read: the next stream asks for whole tables,
              // each refused on its own as before deltas, not a reconnection per change.
              wholeTablesOnly = true;
            }
            if (startsWith(bytes, DELTA_PREFIX)) {
              // Without the table this delta was to make, the next ones cannot be followed either.
              resync("a change from the route server could not be followed: " + reason);
              return;
            }
          } else {
            attempt = 0;
            if (ar.result() != null) {
              if (!ar.result().fromDelta()) {
                wholeTablesOnly = false;
              }
              offer(ar.result());
            }
          }
          readNext();
        });
  }

  private static final byte[] DELTA_PREFIX = "{\"type\":\"delta\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** On a worker: the table a line makes (null for other messages). */
  private static Read read(byte[] bytes, StreamState stream) {
    PushMessage message = RouteTableJson.read(bytes, PushMessage.class);
    if (message instanceof PushMessage.Snapshot snapshot) {
      stream.received = snapshot;
      stream.receivedInNameOrder = dev.portcullis.model.RouteTable.inNameOrder(snapshot.table());
      return new Read(snapshot, false);
    }
    if (message instanceof PushMessage.Delta delta) {
      PushMessage.Snapshot made = delta.applyTo(stream.received, stream.receivedInNameOrder);
      stream.received = made;
      stream.receivedInNameOrder = true; // a delta makes its table in name order
      return new Read(made, true);
    }
    return null;
  }

  /** Applies a table now, or after the one being applied (replacing any that waited: each is whole). */
  private void offer(Read read) {
    if (applying) {
      pending = read;
      return;
    }
    applying = true;
    int gen = generation;
    onSnapshot(read.snapshot(), read.fromDelta(), gen).onComplete(x -> {
      applying = false;
      Read next = pending;
      pending = null;
      if (next != null) {
        offer(next);
      }
    });
  }

  /** Drops the stream and opens a new one, which starts with a whole table. */
  private void resync(String why) {
    LOG.warn("{}; asking the route server for the whole table again", why);
    if (stream != null) {
      stream.reset();
    }
    ++generation; // the dropped stream's late events are ignored
    unread.clear();
    unreadBytes = 0;
    pending = null;
    retry(why);
  }

  private Future<Void> onSnapshot(PushMessage.Snapshot snapshot, boolean fromDelta, int gen) {
    if (snapshot.checksum().equals(sink.currentChecksum())) {
      ack(snapshot);
      return Future.succeededFuture();
    }
    return sink.apply(snapshot)
        .onSuccess(v -> ack(snapshot))
        .onFailure(e -> {
          String reason = e instanceof ModelException ? e.getMessage() : e.toString();
          LOG.warn("rejected route table version {}: {}; the previous table keeps serving", snapshot.version(), reason);
          nack(snapshot.version(), snapshot.checksum(), reason);
          if (fromDelta && e instanceof ModelException m && "checksum".equals(m.field()) && gen == generation) {
            // The table made here is not the one the server has: start again from a whole one.
            resync("the table a change made here differs from the route server's");
          }
        })
        .recover(e -> Future.succeededFuture());
  }

  private void ack(PushMessage.Snapshot snapshot) {
    post(Ack.accepted(node, snapshot.version(), snapshot.checksum()));
  }

  private void nack(long version, String checksum, String reason) {
    post(Ack.rejected(node, version, checksum, reason));
  }

  private void post(Ack ack) {
    Buffer body = Buffer.buffer(RouteTableJson.toJson(ack));
    client.request(options(HttpMethod.POST, PushProtocol.ACK_PATH).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .setIdleTimeout(ACK_TIMEOUT_MS))
        .compose(req -> req.send(body))
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.debug("sending {} for version {} failed: {}", ack.accepted() ? "ACK" : "NACK", ack.version(), ar.cause().toString());
          } else {
            ar.result().end();
          }
        });
  }

  /** The version field of a message that could not be read, if it can be found at all. */
  private static long versionOf(byte[] message) {
    try {
      return RouteTableJson.mapper().readTree(message).path("version").asLong(0);
    } catch (java.io.IOException | RuntimeException e) {
      return 0;
    }
  }

  /** True while the stream from the route server is open. */
  public boolean following() {
    return following;
  }

  /** The route server this client follows. */
  public URI server() {
    return server;
  }

  private void retry(String why) {
    stream = null;
    following = false;
    if (stopped || reconnectTimer >= 0) {
      return;
    }
    long base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS << Math.min(attempt, 16));
    long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    attempt++;
    if (!warned) {
      LOG.warn("{}; the current route table keeps serving, reconnecting", why);
      warned = true;
    } else {
      LOG.debug("{}; reconnecting in {} ms", why, delay);
    }
    reconnectTimer = vertx.setTimer(delay, t -> connect());
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (reconnectTimer >= 0) {
      vertx.cancelTimer(reconnectTimer);
    }
    if (stream != null) {
      stream.reset();
    }
    return client.close();
  }
}
