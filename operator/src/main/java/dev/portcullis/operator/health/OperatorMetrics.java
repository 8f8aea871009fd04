package dev.portcullis.operator.health;

import dev.portcullis.model.push.PushMessage;
import dev.portcullis.operator.routeserver.NodeState;
import dev.portcullis.operator.routeserver.RouteServer;
import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.status.ObjectStatus;
import dev.portcullis.translator.status.Problem;
import dev.portcullis.translator.status.Severity;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;

/**
 * The operator's Prometheus metrics. Labels are bounded: kinds, severities and paths, never
 * object names.
 *
 * <ul>
 *   <li>{@code portcullis_rebuild_seconds{path="full|endpoints"}}: time to rebuild the table</li>
 *   <li>{@code portcullis_status_reconcile_seconds}: time to reconcile one object's status</li>
 *   <li>{@code portcullis_route_table_version}, {@code _hosts}, {@code _routes}, {@code _clusters}</li>
 *   <li>{@code portcullis_data_planes_connected}, and {@code portcullis_data_planes_rejecting}: of
 *       those, the ones whose newest answer was a NACK</li>
 *   <li>{@code portcullis_push_acks_total{result="accepted|rejected"}}: ACKs and NACKs received</li>
 *   <li>{@code portcullis_push_lag_versions} and {@code portcullis_push_lag_seconds}: how far the
 *       slowest connected data plane's last ACK is behind the published table</li>
 *   <li>{@code portcullis_translation_problems{kind,severity}}</li>
 * </ul>
 */
public final class OperatorMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer fullRebuild;
  private final Timer endpointRebuild;
  private final Timer reconcile;
  private final Clock clock;
  private final Map<String, Double> problems = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<Long, Long> publishedAt = new ConcurrentSkipListMap<>();
  private volatile TranslationResult last;
  private volatile RouteServer routeServer;
  private final io.micrometer.core.instrument.Counter acks;
  private final io.micrometer.core.instrument.Counter nacks;

  public OperatorMetrics(Clock clock) {
    this.clock = clock;
    fullRebuild = rebuildTimer("full");
    endpointRebuild = rebuildTimer("endpoints");
    reconcile = Timer.builder("portcullis.status.reconcile").description("Time to reconcile one object's status")
        .publishPercentileHistogram().register(registry);
    Gauge.builder("portcullis.route.table.version", () -> current() == null ? 0 : current().version())
        .description("Version of the route table being served").register(registry);
    Gauge.builder("portcullis.route.table.hosts", () -> last == null ? 0 : last.table().virtualHosts().size())
        .register(registry);
    Gauge.builder("portcullis.route.table.routes", () -> last == null ? 0 : last.table().routeCount()).register(registry);
    Gauge.builder("portcullis.route.table.clusters", () -> last == null ? 0 : last.table().clusters().size())
        .register(registry);
    Gauge.builder("portcullis.data.planes.connected", this::connected).description("Data planes with an open stream")
        .register(registry);
    acks = io.micrometer.core.instrument.Counter.builder("portcullis.push.acks").tag("result", "accepted")
        .description("Answers of data planes to pushed tables: accepted (ACK) or rejected (NACK)").register(registry);
    nacks = io.micrometer.core.instrument.Counter.builder("portcullis.push.acks").tag("result", "rejected")
        .description("Answers of data planes to pushed tables: accepted (ACK) or rejected (NACK)").register(registry);
    Gauge.builder("portcullis.data.planes.rejecting", this::rejecting)
        .description("Connected data planes whose newest answer was a NACK: they serve an older table")
        .register(registry);
    Gauge.builder("portcullis.push.lag.versions", this::lagVersions)
        .description("Versions between the published table and the slowest connected data plane's last ACK")
        .register(registry);
    Gauge.builder("portcullis.push.lag.seconds", this::lagSeconds)
        .description("Age of the oldest published table a connected data plane has not ACKed yet").register(registry);
    for (String kind : new String[] {"Ingress"}) {
      for (Severity s : Severity.values()) {
        String key = kind + "/" + s;
        problems.put(key, 0.0);
        Gauge.builder("portcullis.translation.problems", () -> problems.getOrDefault(key, 0.0))
            .description("Problems the translator reports, by kind of object and severity")
            .tag("kind", kind).tag("severity", s.name().toLowerCase(java.util.Locale.ROOT)).register(registry);
      }
    }
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  private Timer rebuildTimer(String path) {
    return Timer.builder("portcullis.rebuild").description("Time to rebuild the route table").tag("path", path)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  /** Counts the server's ACKs and NACKs from now on; its gauges read it at scrape time. */
  public void routeServer(RouteServer server) {
    this.routeServer = server;
    server.addAckListener(ack -> (ack.accepted() ? acks : nacks).increment());
  }

  public void rebuilt(TranslationResult result, long nanos, boolean fastPath) {
    (fastPath ? endpointRebuild : fullRebuild).record(nanos, TimeUnit.NANOSECONDS);
    last = result;
    Map<String, Double> counts = new ConcurrentHashMap<>();
    for (ObjectStatus s : result.status().objects()) {
      for (Problem p : s.problems()) {
        counts.merge(s.object().kind() + "/" + p.severity(), 1.0, Double::sum);
      }
    }
    problems.replaceAll((k, v) -> counts.getOrDefault(k, 0.0));
  }

  public void published(PushMessage.Snapshot snapshot) {
    publishedAt.putIfAbsent(snapshot.version(), clock.millis());
    while (publishedAt.size() > 64) {
      publishedAt.pollFirstEntry();
    }
  }

  public void reconciled(long nanos) {
    reconcile.record(nanos, TimeUnit.NANOSECONDS);
  }

  private PushMessage.Snapshot current() {
    RouteServer s = routeServer;
    return s == null ? null : s.current();
  }

  private double connected() {
    RouteServer s = routeServer;
    return s == null ? 0 : s.nodes().values().stream().filter(n -> n.connections() > 0).count();
  }

  private double rejecting() {
    RouteServer s = routeServer;
    return s == null ? 0 : s.nodes().values().stream()
        .filter(n -> n.connections() > 0 && n.rejectedVersion() > n.ackedVersion()).count();
  }

  private long oldestAcked() {
    RouteServer s = routeServer;
    PushMessage.Snapshot cur = current();
    if (s == null || cur == null) {
      return -1;
    }
    return s.nodes().values().stream().filter(n -> n.connections() > 0).mapToLong(NodeState::ackedVersion).min()
        .orElse(cur.version());
  }

  private double lagVersions() {
    PushMessage.Snapshot cur = current();
    long acked = oldestAcked();
    return cur == null || acked < 0 ? 0 : Math.max(0, cur.version() - acked);
  }

  private double lagSeconds() {
    long acked = oldestAcked();
    PushMessage.Snapshot cur = current();
    if (cur == null || acked < 0 || acked >= cur.version()) {
      return 0;
    }
    Map.Entry<Long, Long> firstMissing = publishedAt.higherEntry(acked);
    return firstMissing == null ? 0 : (clock.millis() - firstMissing.getValue()) / 1000.0;
  }
}
