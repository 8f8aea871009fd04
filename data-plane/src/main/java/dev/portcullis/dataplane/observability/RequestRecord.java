package dev.portcullis.dataplane.observability;

import dev.portcullis.dataplane.routing.CompiledRoute;
import dev.portcullis.dataplane.upstream.ClusterRuntime;
import dev.portcullis.dataplane.upstream.EndpointState;
import dev.portcullis.model.Endpoint;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import java.util.concurrent.TimeUnit;

/**
 * What is known of one request while it is served, and what the access log and the trace say of it
 * once it is answered. The proxy tells it the route, the cluster and each attempt through a few
 * calls; it needs no lookup of its own. One object per request, on the request's event loop; once
 * the response ends it is frozen and may be handed to the access log's and the exporter's threads
 * (their queues publish it), so nothing they read is written after that.
 */
public final class RequestRecord implements Handler<Void> {

  static final CharSequence TRACEPARENT = HttpHeaders.createOptimized("traceparent");
  static final CharSequence TRACESTATE = HttpHeaders.createOptimized("tracestate");
  static final CharSequence CACHE_STATUS = HttpHeaders.createOptimized("cache-status");
  /** What the log says for a request whose client went away before any answer, as nginx does. */
  static final int CLIENT_CLOSED = 499;

  private final Observability observability;
  private final HttpServerRequest request;
  final long startNanos;
  final long startMillis;

  final long traceHi;
  final long traceLo;
  /** This proxy's span: the parent of the upstream's. */
  final long spanId;
  /** The caller's span, or 0 when this proxy started the trace. */
  final long parentSpanId;
  final int traceFlags;
  /** False when no valid traceparent came: the client's tracestate is not passed on then. */
  private final boolean traceReceived;

  CompiledRoute route;
  ClusterRuntime cluster;
  private EndpointState endpoint;
  int attempts;
  private long attemptStart;
  private boolean attemptOpen;
  /** The last finished attempt's time with the upstream, or -1. */
  private long upstreamNanos = -1;
  private boolean finished;

  // Set once, when the response ends; read by the access log and the exporter.
  int status;
  long bytesIn;
  long bytesOut;
  long durationNanos;
  /** The time with the upstream of the last attempt (connection, request, response body), or -1. */
  long upstreamDurationNanos = -1;
  Endpoint upstream;
  String method;
  String scheme;
  String host;
  String path;
  String protocol;
  String client;
  String userAgent;
  String cacheStatus;

  RequestRecord(Observability observability, HttpServerRequest request, boolean sampleNew) {
    this.observability = observability;
    this.request = request;
    this.startNanos = System.nanoTime();
    this.startMillis = System.currentTimeMillis();
    String traceparent = request.getHeader(TRACEPARENT);
    long[] parsed = traceparent == null ? null : new long[4];
    boolean received = parsed != null && Traceparent.parse(traceparent, parsed);
    this.traceReceived = received;
    if (received) {
      traceHi = parsed[0];
      traceLo = parsed[1];
      parentSpanId = parsed[2];
      traceFlags = (int) parsed[3];
    } else {
      traceHi = Traceparent.randomId();
      traceLo = Traceparent.randomId();
      parentSpanId = 0;
      traceFlags = sampleNew ? Traceparent.SAMPLED : 0;
    }
    spanId = Traceparent.randomId();
    request.response().endHandler(this);
  }

  /** The request was routed. */
  public void route(CompiledRoute route) {
    this.route = route;
  }

  /** The cluster the route picked for the request. */
  public void cluster(ClusterRuntime cluster) {
    this.cluster = cluster;
  }

  /** An attempt starts on an endpoint the balancer picked (the first, or a retry), at {@code startNanos}. */
  public void attempt(EndpointState endpoint, long startNanos) {
    if (finished) {
      return;
    }
    attempts++;
    this.endpoint = endpoint;
    attemptStart = startNanos;
    attemptOpen = true;
    ClusterMeters meters = observability.clusterMeters(cluster);
    if (meters != null) {
      meters.picked(cluster.panicMode(), attempts > 1);
    }
  }

  /** The attempt has its connection to the endpoint (from the pool, or a new one). */
  public void connected() {
    if (attemptOpen) {
      ClusterMeters meters = observability.clusterMeters(cluster);
      if (meters != null) {
        meters.connect.record(System.nanoTime() - attemptStart, TimeUnit.NANOSECONDS);
      }
    }
  }

  /**
   * The W3C trace headers for the upstream request: the same trace, this proxy's span as the
   * parent; the caller's tracestate (already copied) only when its traceparent was valid.
   */
  public void propagate(MultiMap upstreamHeaders) {
    upstreamHeaders.set(TRACEPARENT, Traceparent.format(traceHi, traceLo, spanId, traceFlags));
    if (!traceReceived) {
      upstreamHeaders.remove(TRACESTATE);
    }
  }

  /** The current attempt ended, however it ended. */
  public void attemptEnded(ClusterRuntime.Outcome outcome) {
    if (!attemptOpen) {
      return;
    }
    attemptOpen = false;
    long nanos = System.nanoTime() - attemptStart;
    if (!finished) {
      upstreamNanos = nanos;
    }
    ClusterMeters meters = observability.clusterMeters(cluster);
    if (meters != null) {
      meters.attemptEnded(outcome, nanos);
    }
  }

  /** The response ended (or the connection closed before it did): the request is counted and logged. */
  @Override
  public void handle(Void ignored) {
    if (finished) {
      return;
    }
    long now = System.nanoTime();
    HttpServerResponse response = request.response();
    durationNanos = now - startNanos;
    status = response.headWritten() ? response.getStatusCode() : CLIENT_CLOSED;
    bytesIn = request.bytesRead();
    bytesOut = response.bytesWritten();
    upstream = endpoint == null ? null : endpoint.endpoint();
    // The last attempt is often still open: the response's end comes before the attempt's.
    upstreamDurationNanos = attemptOpen ? now - attemptStart : upstreamNanos;
    finished = true;
    observability.finished(this);
  }

  /** Copies what the access log and the span need from the request, which other threads must not touch. */
  void describe() {
    try {
      method = request.method().name();
      scheme = request.isSSL() ? "https" : "http";
      host = hostOf(request);
      path = request.path();
      protocol = protocolOf(request.version());
      client = observability.clientOf(request);
      userAgent = request.getHeader(HttpHeaders.USER_AGENT);
      if (route != null && route.cache() != null) {
        cacheStatus = request.response().headers().get(CACHE_STATUS);
      }
    } catch (RuntimeException e) {
      // A request the decoder refused may lack what a well-formed one has: log what there is.
    }
  }

  private static String hostOf(HttpServerRequest request) {
    if (request.version() != HttpVersion.HTTP_2) {
      return request.getHeader(HttpHeaders.HOST);
    }
    HostAndPort a = request.authority();
    return a == null ? null : a.port() > 0 ? a.host() + ":" + a.port() : a.host();
  }

  static String protocolOf(HttpVersion version) {
    if (version == null) {
      return null;
    }
    return switch (version) {
      case HTTP_1_0 -> "HTTP/1.0";
      case HTTP_1_1 -> "HTTP/1.1";
      case HTTP_2 -> "HTTP/2.0";
    };
  }

  boolean sampledTrace() {
    return (traceFlags & Traceparent.SAMPLED) != 0;
  }

  String routeName() {
    return route == null ? null : route.name();
  }

  String clusterName() {
    return cluster == null ? null : cluster.name();
  }
}
