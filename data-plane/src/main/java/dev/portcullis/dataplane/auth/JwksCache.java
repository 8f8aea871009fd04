package dev.portcullis.dataplane.auth;

import dev.portcullis.model.auth.JsonWebKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.ClientSSLOptions;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key sets fetched from URLs, one per URL for the whole data plane, kept across route tables (a
 * new table does not refetch what it already has). Fetches are non-blocking (Vert.x HttpClient;
 * https checks the server against the JDK's trust store and name), bounded (one in flight per URL,
 * a time limit, at most {@value JsonWebKeys#MAX_BYTES} bytes) and rare:
 *
 * <ul>
 *   <li>in the background every {@code refreshMs}, and {@code retryMs} after a failure (the last good
 *       keys keep serving meanwhile);</li>
 *   <li>when a token names a kid the set does not hold, at most once per {@code kidRefetchMs}, so
 *       a flood of made-up kids costs the issuer one request per interval, not one per token;</li>
 *   <li>while a URL has no keys at all, requests may start a fetch, at most once a second.</li>
 * </ul>
 */
public final class JwksCache implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JwksCache.class);

  public static final long DEFAULT_REFRESH_MS = 300_000;
  public static final long DEFAULT_RETRY_MS = 10_000;
  public static final long DEFAULT_KID_REFETCH_MS = 10_000;
  static final long FETCH_TIMEOUT_MS = 5_000;
  static final long LOAD_INTERVAL_MS = 1_000;

  private final Vertx vertx;
  private final HttpClient client;
  /** Where every fetch runs (see {@code Source.get}). */
  private final ContextInternal context;
  private final long refreshMs;
  private final long retryMs;
  private final long kidRefetchMs;
  private final Map<String, Source> sources = new ConcurrentHashMap<>();
  private static final ClientSSLOptions TLS = new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS");

  public JwksCache(Vertx vertx, long refreshMs, long retryMs, long kidRefetchMs) {
    this.vertx = vertx;
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setMaxHeaderSize(16 * 1024)
        .setConnectTimeout((int) FETCH_TIMEOUT_MS));
    this.refreshMs = refreshMs;
    this.retryMs = retryMs;
    this.kidRefetchMs = kidRefetchMs;
  }

  /** The source of a URL, started (its first fetch under way) if it is new. */
  KeySource source(String uri) {
    return sources.computeIfAbsent(uri, u -> {
      Source s = new Source(u);
      s.fetch();
      return s;
    });
  }

  /** Stops the sources no route uses any more. */
  public void retainOnly(Set<String> uris) {
    sources.entrySet().removeIf(e -> {
      if (uris.contains(e.getKey())) {
        return false;
      }
      e.getValue().stop();
      return true;
    });
  }

  /** How many fetches of a URL were started (for tests and diagnostics). */
  public long fetches(String uri) {
    Source s = sources.get(uri);
    return s == null ? 0 : s.fetches;
  }

  @Override
  public void close() {
    sources.values().forEach(Source::stop);
    sources.clear();
    client.close();
  }

  /** One URL's keys. Its fields are written on event loops and read from any: volatile and CAS, no locks. */
  private final class Source implements KeySource {
    private final String uri;
    private volatile KeySet keys;
    private final AtomicReference<Promise<KeySet>> inFlight = new AtomicReference<>();
    private volatile long lastAttempt;
    private volatile long lastKidRefetch = Long.MIN_VALUE / 2;
    private volatile long timer = -1;
    private volatile boolean stopped;
    private volatile long fetches;

    Source(String uri) {
      this.uri = uri;
    }

    @Override
    public KeySet current() {
      return keys;
    }

    @Override
    public Future<KeySet> load() {
      KeySet k = keys;
      if (k != null) {
        return Future.succeededFuture(k);
      }
      Promise<KeySet> running = inFlight.get();
      if (running != null) {
        return running.future();
      }
      if (System.currentTimeMillis() - lastAttempt < LOAD_INTERVAL_MS) {
        return Future.failedFuture("the key set of " + uri + " could not be fetched");
      }
      return fetch();
    }

    @Override
    public Future<KeySet> refetch() {
      Promise<KeySet> running = inFlight.get();
      if (running != null) {
        return running.future();
      }
      long now = System.currentTimeMillis();
      if (now - lastKidRefetch < kidRefetchMs) {
        return null;
      }
      lastKidRefetch = now;
      return fetch();
    }

    /** Starts a fetch unless one is in flight; either way returns the one that runs. */
    Future<KeySet> fetch() {
      Promise<KeySet> promise = Promise.promise();
      if (!inFlight.compareAndSet(null, promise)) {
        Promise<KeySet> running = inFlight.get();
        return running != null ? running.future() : load();
      }
      lastAttempt = System.currentTimeMillis();
      fetches++;
      get().compose(body -> vertx.executeBlocking(() -> parse(body), false)).onComplete(ar -> {
        inFlight.set(null);
        if (ar.succeeded()) {
          keys = ar.result();
          LOG.debug("key set of {}: {} keys", uri, ar.result().size());
        } else {
          LOG.warn("fetching the key set of {} failed: {}{}", uri, ar.cause().getMessage(),
              keys == null ? "; its routes answer 503 until it can be fetched" : "; the keys fetched before stay in use");
        }
        schedule(ar.succeeded() ? refreshMs : retryMs);
        promise.handle(ar);
      });
      return promise.future();
    }

    private void schedule(long delay) {
      if (stopped) {
        return;
      }
      long old = timer;
      if (old >= 0) {
        vertx.cancelTimer(old);
      }
      timer = vertx.setTimer(delay, t -> {
        timer = -1;
        if (!stopped) {
          fetch();
        }
      });
    }

    /**
     * Fetches the key set on the cache's own event-loop context, whichever thread asks (a table
     * is applied on a worker). The response's handlers must be set as soon as it arrives: on a
     * callback dispatched to another context, a small key set can have ended already, and setting
     * a handler then fails, so the fetch never finished and only its deadline ended it.
     */
    private Future<Buffer> get() {
      Promise<Buffer> result = context.promise();
      context.runOnContext(v -> get(result));
      return result.future();
    }

    private void get(Promise<Buffer> result) {
      URI u = URI.create(uri);
      boolean tls = "https".equalsIgnoreCase(u.getScheme());
      int port = u.getPort() > 0 ? u.getPort() : tls ? 443 : 80;
      String path = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
          + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(u.getHost()).setPort(port)
          .setURI(path).setSsl(tls).setConnectTimeout(FETCH_TIMEOUT_MS).setIdleTimeout(FETCH_TIMEOUT_MS)
          .putHeader("accept", "application/json, application/jwk-set+json");
      if (tls) {
        options.setSslOptions(TLS);
      }
      AtomicReference<HttpClientRequest> request = new AtomicReference<>();
      long deadline = vertx.setTimer(FETCH_TIMEOUT_MS, t -> {
        if (result.tryFail("no answer within " + FETCH_TIMEOUT_MS + " ms") && request.get() != null) {
          request.get().reset();
        }
      });
      client.request(options).compose(req -> {
        request.set(req);
        return req.send();
      }).onComplete(ar -> {
        if (ar.failed()) {
          result.tryFail(ar.cause());
          return;
        }
        var response = ar.result();
        if (response.statusCode() != 200) {
          result.tryFail("status " + response.statusCode());
          request.get().reset();
          return;
        }
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
          if (body.length() + chunk.length() > JsonWebKeys.MAX_BYTES) {
            if (result.tryFail("the key set is larger than " + JsonWebKeys.MAX_BYTES + " bytes")) {
              request.get().reset();
            }
          } else {
            body.appendBuffer(chunk);
          }
        });
        response.exceptionHandler(e -> result.tryFail(e));
        response.endHandler(v -> result.tryComplete(body));
      });
      result.future().onComplete(ar -> vertx.cancelTimer(deadline));
    }

    private KeySet parse(Buffer body) {
      JsonWebKeys.Result parsed = JsonWebKeys.parse(body.toString(java.nio.charset.StandardCharsets.UTF_8));
      if (parsed.keys().isEmpty()) {
        throw new IllegalStateException("no usable key" + (parsed.problems().isEmpty() ? ""
            : " (" + parsed.problems().get(0) + ")"));
      }
      if (!parsed.problems().isEmpty()) {
        LOG.debug("key set of {}: left out {}", uri, parsed.problems());
      }
      return new KeySet(parsed.keys());
    }

    void stop() {
      stopped = true;
      long t = timer;
      if (t >= 0) {
        vertx.cancelTimer(t);
      }
    }
  }
}
