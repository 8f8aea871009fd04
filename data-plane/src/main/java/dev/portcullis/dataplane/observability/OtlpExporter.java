package dev.portcullis.dataplane.observability;

import io.netty.util.internal.PlatformDependent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports one span per sampled request to an OpenTelemetry collector over OTLP/HTTP with the
 * JSON encoding ({@code POST /v1/traces}, {@code application/json}), on Vert.x's HTTP client:
 * the OpenTelemetry SDK would bring its own HTTP stack and threads to the data plane for this
 * one job. Spans wait in a bounded lock-free queue (full: dropped and counted) and are sent in
 * batches of up to 512, at least every second, by a thread of their own, one batch at a time.
 */
public final class OtlpExporter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OtlpExporter.class);
  static final int QUEUE = 8192;
  static final int BATCH = 512;
  static final long FLUSH_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final long EXPORT_TIMEOUT_MS = 10_000;
  /** A failing collector is reported once in this long, not once per batch. */
  static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Queue<RequestRecord> queue = PlatformDependent.newFixedMpscQueue(QUEUE);
  private final HttpClient client;
  private final RequestOptions target;
  private final String resource;
  private final Thread sender;
  private final LongAdder exported = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private volatile boolean running = true;
  private long lastWarning = System.nanoTime() - WARN_EVERY_NANOS;

  OtlpExporter(Vertx vertx, ObservabilitySettings.TracingSettings settings, String instanceId) {
    URI endpoint = settings.otlpEndpoint();
    boolean https = "https".equalsIgnoreCase(endpoint.getScheme());
    client = vertx.createHttpClient(new HttpClientOptions().setSsl(https).setVerifyHost(https)
        .setConnectTimeout(5_000).setKeepAlive(true));
    int port = endpoint.getPort() > 0 ? endpoint.getPort() : https ? 443 : 80;
    String path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/v1/traces" : endpoint.getRawPath();
    target = new RequestOptions().setMethod(HttpMethod.POST).setHost(endpoint.getHost()).setPort(port).setSsl(https)
        .setURI(path + (endpoint.getRawQuery() == null ? "" : "?" + endpoint.getRawQuery()))
        .putHeader("content-type", "application/json").setTimeout(EXPORT_TIMEOUT_MS);
    for (Map.Entry<String, String> h : settings.headers().entrySet()) {
      target.putHeader(h.getKey(), h.getValue());
    }
    StringBuilder r = new StringBuilder("{\"attributes\":[");
    OtlpJson.attribute(r, "service.name", settings.serviceName());
    r.append(',');
    OtlpJson.attribute(r, "service.instance.id", instanceId);
    String version = OtlpExporter.class.getPackage().getImplementationVersion();
    if (version != null) {
      r.append(',');
      OtlpJson.attribute(r, "service.version", version);
    }
    resource = r.append("]}").toString();
    sender = new Thread(this::run, "portcullis-otlp");
    sender.setDaemon(true);
    sender.start();
  }

  /** Hands a finished, sampled request to the exporter; on the event loop, never blocks. */
  void offer(RequestRecord record) {
    if (!queue.offer(record)) {
      dropped.increment();
    }
  }

  public long exported() {
    return exported.sum();
  }

  public long dropped() {
    return dropped.sum();
  }

  public long failures() {
    return failures.sum();
  }

  private void run() {
    List<RequestRecord> batch = new ArrayList<>(BATCH);
    long since = System.nanoTime();
    while (running || !queue.isEmpty()) {
      RequestRecord r;
      while (batch.size() < BATCH && (r = queue.poll()) != null) {
        batch.add(r);
      }
      long now = System.nanoTime();
      if (batch.size() >= BATCH || (!batch.isEmpty() && (now - since >= FLUSH_NANOS || !running))) {
        send(batch);
        batch.clear();
        since = System.nanoTime();
      } else {
        if (batch.isEmpty()) {
          since = now;
        }
        LockSupport.parkNanos(50_000_000);
      }
    }
    if (!batch.isEmpty()) {
      send(batch);
    }
  }

  private void send(List<RequestRecord> batch) {
    String body = OtlpJson.request(resource, batch);
    try {
      int status = client.request(target).compose(req -> req.send(Buffer.buffer(body)))
          .compose(resp -> resp.body().map(b -> resp.statusCode()))
          .toCompletionStage().toCompletableFuture().get(EXPORT_TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS);
      if (status / 100 == 2) {
        exported.add(batch.size());
        return;
      }
      failed(batch.size(), "the collector answered " + status);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failed(batch.size(), "interrupted");
    } catch (Exception e) {
      failed(batch.size(), e.getCause() != null ? e.getCause().toString() : e.toString());
    }
  }

  private void failed(int spans, String why) {
    failures.increment();
    dropped.add(spans);
    long now = System.nanoTime();
    if (now - lastWarning >= WARN_EVERY_NANOS) {
      lastWarning = now;
      LOG.warn("cannot export spans to the OTLP endpoint ({} dropped): {}", spans, why);
    } else {
      LOG.debug("cannot export spans to the OTLP endpoint ({} dropped): {}", spans, why);
    }
  }

  /** Sends what is queued (waiting at most a few seconds), then stops. */
  @Override
  public void close() {
    running = false;
    LockSupport.unpark(sender);
    try {
      sender.join(EXPORT_TIMEOUT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.close();
  }
}
