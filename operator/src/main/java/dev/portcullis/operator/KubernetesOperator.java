package dev.portcullis.operator;

import dev.portcullis.model.push.PushMessage;
import dev.portcullis.operator.health.HealthServer;
import dev.portcullis.operator.health.OperatorMetrics;
import dev.portcullis.operator.kubernetes.KubernetesSource;
import dev.portcullis.operator.pki.RoutePki;
import dev.portcullis.operator.rebuild.ChangeSet;
import dev.portcullis.operator.rebuild.RebuildLoop;
import dev.portcullis.operator.routeserver.RouteServer;
import dev.portcullis.operator.status.EventRecorder;
import dev.portcullis.operator.status.IngressStatusReconciler;
import dev.portcullis.operator.status.ProgrammedTracker;
import dev.portcullis.operator.status.ReplicaAcks;
import dev.portcullis.operator.status.ProxyRouteStatusReconciler;
import dev.portcullis.operator.status.PublishAddresses;
import dev.portcullis.operator.status.StatusModel;
import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.Translator;
import dev.portcullis.translator.TranslatorOptions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator on Kubernetes. On every replica: informers feed the rebuild loop, and the route
 * server pushes the resulting table to every data plane that connects, so a data plane never
 * depends on the leader. On the leader only: the status writer (a JOSDK reconciler) writes
 * Ingress status and Events, and the data planes' client certificate is renewed.
 */
public final class KubernetesOperator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KubernetesOperator.class);

  /**
   * @param watchNamespaces  namespaces to watch; empty for all
   * @param namespace        the operator's own namespace (its Secrets and Lease)
   * @param identity         this replica's name (the pod name)
   * @param translator       translator settings
   * @param holdOffMs        how long to gather changes before a rebuild
   * @param routeBind        the route server's address
   * @param routeToken       a token data planes must also present, or null
   * @param pki              the route server's certificates, or null for plain HTTP with the token (development only)
   * @param healthBind       the health and metrics port
   * @param leaderElection   whether to elect a leader (a Lease) before writing status
   * @param leaseName        the Lease's name
   * @param leaseDuration    how long a silent leader keeps the Lease
   * @param publishAddresses fixed addresses for Ingress status, or empty
   * @param publishService   {@code namespace/name} of the data-plane Service whose address to publish, or null
   * @param onFatal          what to do when leadership is lost or an informer dies (in a pod: exit, so
   *                         Kubernetes restarts it and it competes again)
   */
  public record Settings(Set<String> watchNamespaces, String namespace, String identity, TranslatorOptions translator,
      long holdOffMs, InetSocketAddress routeBind, String routeToken, RoutePki.Settings pki, InetSocketAddress healthBind,
      boolean leaderElection, String leaseName, Duration leaseDuration, List<String> publishAddresses,
      String publishService, Runnable onFatal) {}

  private final KubernetesClient client;
  private final Settings settings;
  private final Clock clock = Clock.systemUTC();
  private final AtomicBoolean leader = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean synced;
  private OperatorMetrics metrics;
  private RoutePki pki;
  private RouteServer routeServer;
  private PublishAddresses addresses;
  private StatusModel model;
  private IngressStatusReconciler reconciler;
  private ProxyRouteStatusReconciler routeReconciler;
  private final ProgrammedTracker programmed = new ProgrammedTracker();
  private RebuildLoop loop;
  private KubernetesSource source;
  private Operator josdk;
  private HealthServer health;
  private ScheduledExecutorService scheduler;
  private ScheduledFuture<?> syncTask;
  private ReplicaAcks replicaAcks;

  public KubernetesOperator(KubernetesClient client, Settings settings) {
    this.client = client;
    this.settings = settings;
  }

  public KubernetesOperator start() throws Exception {
    try {
      doStart();
    } catch (Exception e) {
      close();
      throw e;
    }
    return this;
  }

  private void doStart() throws Exception {
    metrics = new OperatorMetrics(clock);
    if (settings.pki() != null) {
      pki = new RoutePki(client, settings.pki(), clock).start();
      routeServer = new RouteServer(settings.routeBind(), settings.routeToken(), pki.sslContext());
    } else {
      routeServer = new RouteServer(settings.routeBind(), settings.routeToken());
    }
    routeServer.start();
    metrics.routeServer(routeServer);

    addresses = new PublishAddresses(settings.publishAddresses(), client, settings.publishService(),
        () -> reconciler.trigger(model.owned()));
    model = new StatusModel(() -> addresses.current());
    EventRecorder events = new EventRecorder(client, "portcullis-operator", settings.identity(), clock);
    reconciler = new IngressStatusReconciler(model, events, metrics::reconciled);
    addresses.start();
    boolean proxyRoutes = KubernetesSource.proxyRoutesInstalled(client, settings.watchNamespaces());
    if (proxyRoutes) {
      routeReconciler = new ProxyRouteStatusReconciler(model, programmed, routeServer, events, clock, metrics::reconciled);
      routeServer.addAckListener(ack -> routeReconciler.acknowledged());
    } else {
      LOG.warn("the ProxyRoute CRD is not installed (kubectl apply -f crds/): ProxyRoutes are not watched; "
          + "restart the operator once it is");
    }

    loop = new RebuildLoop(new Translator(settings.translator()), this::rebuilt, settings.holdOffMs());
    source = new KubernetesSource(client, settings.watchNamespaces(), (change, object) -> {
      if (synced) {
        loop.submit(source::snapshot, change);
      }
    }, this::fatal).watchProxyRoutes(proxyRoutes).settingsSecret(settings.translator().defaultCertificate()).start();

    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "operator-maintenance");
      t.setDaemon(true);
      return t;
    });
    syncTask = scheduler.scheduleWithFixedDelay(this::awaitSync, 50, 50, TimeUnit.MILLISECONDS);
    if (settings.leaderElection()) {
      // Several replicas: each says what its data planes ACKed, and the leader counts them all.
      replicaAcks = new ReplicaAcks(client, settings.namespace(), settings.leaseName(), settings.identity(), routeServer,
          clock, () -> {
            if (routeReconciler != null) {
              routeReconciler.acknowledged();
            }
          }).start(scheduler);
      if (routeReconciler != null) {
        routeReconciler.remoteAcks(replicaAcks::remote);
      }
    }
    if (pki != null) {
      scheduler.scheduleWithFixedDelay(this::renewCertificates, 1, 1, TimeUnit.HOURS);
    }

    josdk = new Operator(o -> {
      o.withKubernetesClient(client)
          // The mock API server has no server-side apply, and status merge patches with a
          // resourceVersion give the optimistic locking SSA would not: off everywhere, not just in tests.
          .withUseSSAToPatchPrimaryResource(false)
          .withSSABasedCreateUpdateMatchForDependentResources(false)
          .withCloseClientOnStop(false)
          .withInformerStoppedHandler((informer, e) -> fatal("an informer stopped: " + e));
      if (settings.leaderElection()) {
        Duration lease = settings.leaseDuration();
        o.withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(settings.leaseName())
            .withLeaseNamespace(settings.namespace())
            .withIdentity(settings.identity())
            .withLeaseDuration(lease)
            .withRenewDeadline(lease.multipliedBy(2).dividedBy(3))
            .withRetryPeriod(lease.dividedBy(5))
            .withLeaderCallbacks(new LeaderCallbacks(this::startedLeading, this::stoppedLeading,
                id -> LOG.info("the leader is now {}", id)))
            .withExitOnStopLeading(false)
            .build());
      }
    });
    josdk.register(reconciler, ov -> {
      if (settings.watchNamespaces().isEmpty()) {
        ov.watchingAllNamespaces();
      } else {
        ov.settingNamespaces(settings.watchNamespaces());
      }
      ov.withGenerationAware(false).withReconciliationMaxInterval(Duration.ofMinutes(30)).withName("ingress-status");
    });
    if (routeReconciler != null) {
      josdk.register(routeReconciler, ov -> {
        if (settings.watchNamespaces().isEmpty()) {
          ov.watchingAllNamespaces();
        } else {
          ov.settingNamespaces(settings.watchNamespaces());
        }
        ov.withGenerationAware(false).withReconciliationMaxInterval(Duration.ofMinutes(30)).withName("proxyroute-status");
      });
    }
    josdk.start();
    if (!settings.leaderElection()) {
      leader.set(true);
    }
    health = new HealthServer(settings.healthBind(), () -> null, this::notReady, metrics).start();
    LOG.info("operator {} started: route server on {}, health on {}", settings.identity(), routeServer.address(),
        health.address());
  }

  private void awaitSync() {
    if (!synced && source.synced()) {
      synced = true;
      LOG.info("caches synced; building the first route table");
      loop.submit(source::snapshot, ChangeSet.full());
      syncTask.cancel(false);
    }
  }

  /** The settings problems last logged, so that each is logged when it appears, not at every rebuild. */
  private volatile java.util.List<dev.portcullis.translator.status.Problem> settingsProblems = java.util.List.of();

  private void rebuilt(TranslationResult result, boolean changed, long nanos, boolean fastPath) {
    metrics.rebuilt(result, nanos, fastPath);
    if (!result.settingsProblems().equals(settingsProblems)) {
      settingsProblems = result.settingsProblems();
      settingsProblems.forEach(p -> LOG.warn("{}: {} ({})", p.field(), p.message(), p.reason()));
    }
    if (changed) {
      PushMessage.Snapshot snapshot = routeServer.publish(result.table(), result.certificates(), result.credentials());
      programmed.published(snapshot.version(), snapshot.checksum(), result.status());
      metrics.published(snapshot);
      LOG.info("route table version {}: {} hosts, {} routes, {} clusters ({} rebuild in {} ms)", snapshot.version(),
          result.table().virtualHosts().size(), result.table().routeCount(), result.table().clusters().size(),
          fastPath ? "endpoint" : "full", nanos / 1_000_000);
    } else if (routeServer.current() != null) {
      // Same table, newer objects (a reordered list, a default written out): what the data planes
      // run already is what these generations ask for.
      programmed.published(routeServer.current().version(), routeServer.current().checksum(), result.status());
    }
    Set<dev.portcullis.translator.status.ObjectRef> statusChanged = model.update(result);
    reconciler.trigger(statusChanged);
    if (routeReconciler != null) {
      routeReconciler.trigger(statusChanged);
    }
  }

  private void renewCertificates() {
    try {
      pki.renew(leader.get());
    } catch (Exception e) {
      LOG.error("renewing the route certificates failed; retrying in an hour", e);
    }
  }

  private void startedLeading() {
    leader.set(true);
    LOG.info("{} is the leader: writing status", settings.identity());
  }

  private void stoppedLeading() {
    leader.set(false);
    if (!closing.get()) {
      fatal("lost the leader lease");
    }
  }

  private void fatal(String why) {
    if (closing.get()) {
      return;
    }
    LOG.error("{}; stopping so that a fresh start can compete again", why);
    settings.onFatal().run();
  }

  /** Null when ready, else why not. */
  public String notReady() {
    if (!synced) {
      return "the caches are not synced yet";
    }
    if (loop.last() == null) {
      return "no route table built yet";
    }
    return null;
  }

  public boolean isLeader() {
    return leader.get();
  }

  public RouteServer routeServer() {
    return routeServer;
  }

  public InetSocketAddress healthAddress() {
    return health.address();
  }

  public IngressStatusReconciler reconciler() {
    return reconciler;
  }

  public RoutePki pki() {
    return pki;
  }

  @Override
  public void close() {
    closing.set(true);
    if (josdk != null) {
      try {
        josdk.stop();
      } catch (RuntimeException e) {
        LOG.warn("stopping the status writer: {}", e.toString());
      }
    }
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
    if (replicaAcks != null) {
      replicaAcks.close();
    }
    if (source != null) {
      source.close();
    }
    if (loop != null) {
      loop.close();
    }
    if (addresses != null) {
      addresses.close();
    }
    if (health != null) {
      health.close();
    }
    if (routeServer != null) {
      routeServer.close();
    }
  }
}
