package dev.portcullis.operator.status;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.operator.routeserver.NodeState;
import dev.portcullis.operator.routeserver.RouteServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the data planes connected to each operator replica acknowledged, shared between replicas,
 * so that the leader (which alone writes status) counts every data plane before it calls a route
 * Programmed, not only those that happen to be connected to it.
 *
 * <p>Each replica keeps one small ConfigMap in the operator's namespace with, per data plane
 * connected to it, the checksum of the last table it ACKed or NACKed; it is rewritten when that
 * changes and renewed every {@link #RENEW_MS}, so a replica that died is forgotten after
 * {@link #EXPIRE_MS}. Checksums, not versions, are shared: replicas number their tables each in
 * its own way, but build the same table (and checksum) from the same objects.
 */
public final class ReplicaAcks implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicaAcks.class);
  public static final String LABEL = "portcullis.dev/route-server-acks";
  static final String RENEWED = "portcullis.dev/renewed";
  static final String KEY = "nodes.json";
  static final long RENEW_MS = 10_000;
  static final long EXPIRE_MS = 35_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What one replica says of one data plane. */
  public record Remote(String replica, String node, boolean connected, String ackedChecksum, String rejectedChecksum,
      String rejectReason) {}

  /** The form kept in the ConfigMap. */
  record Entry(boolean connected, String acked, String rejected, String reason) {}

  private final KubernetesClient client;
  private final String namespace;
  private final String identity;
  private final String name;
  private final RouteServer routeServer;
  private final Clock clock;
  private final Runnable onRemoteChange;
  private SharedIndexInformer<ConfigMap> informer;
  private String written;
  private long writtenAt;

  /**
   * @param onRemoteChange told when another replica's data planes ACK (the leader re-checks Programmed)
   */
  public ReplicaAcks(KubernetesClient client, String namespace, String leaseName, String identity,
      RouteServer routeServer, Clock clock, Runnable onRemoteChange) {
    this.client = client;
    this.namespace = namespace;
    this.identity = identity;
    this.name = leaseName + "-acks-" + identity.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    this.routeServer = routeServer;
    this.clock = clock;
    this.onRemoteChange = onRemoteChange;
  }

  /** Watches the other replicas' ConfigMaps and keeps this one's up to date (checked every second). */
  public ReplicaAcks start(ScheduledExecutorService scheduler) {
    informer = client.configMaps().inNamespace(namespace).withLabel(LABEL).runnableInformer(0);
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ConfigMap obj) {
        changed(obj);
      }

      @Override
      public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
        if (!Objects.equals(oldObj.getData(), newObj.getData())) {
          changed(newObj);
        }
      }

      @Override
      public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {
        changed(obj);
      }
    });
    informer.start();
    scheduler.scheduleWithFixedDelay(this::publish, 0, 1, TimeUnit.SECONDS);
    return this;
  }

  private void changed(ConfigMap cm) {
    if (!name.equals(cm.getMetadata().getName())) {
      onRemoteChange.run();
    }
  }

  /** Writes this replica's data planes when they changed, or when the renewal is due. */
  synchronized void publish() {
    try {
      Map<String, Entry> entries = new TreeMap<>();
      for (NodeState n : routeServer.nodes().values()) {
        entries.put(n.node(), new Entry(n.connections() > 0, n.ackedChecksum(),
            n.rejectedVersion() > n.ackedVersion() ? n.rejectedChecksum() : null, n.rejectReason()));
      }
      String json = JSON.writeValueAsString(entries);
      long now = clock.millis();
      if (json.equals(written) && now - writtenAt < RENEW_MS) {
        return;
      }
      ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace)
          .addToLabels(LABEL, "true").addToAnnotations(RENEWED, Long.toString(now)).endMetadata()
          .addToData(KEY, json).build();
      client.configMaps().inNamespace(namespace).resource(cm).createOr(c -> c.update());
      written = json;
      writtenAt = now;
    } catch (KubernetesClientException | com.fasterxml.jackson.core.JsonProcessingException e) {
      LOG.debug("could not share this replica's data plane ACKs: {}", e.toString());
    } catch (RuntimeException e) {
      LOG.warn("could not share this replica's data plane ACKs", e);
    }
  }

  /** What the other replicas that are alive say of their data planes. */
  public java.util.List<Remote> remote() {
    if (informer == null) {
      return java.util.List.of();
    }
    long now = clock.millis();
    java.util.List<Remote> out = new java.util.ArrayList<>();
    for (ConfigMap cm : informer.getStore().list()) {
      if (name.equals(cm.getMetadata().getName()) || cm.getData() == null || cm.getData().get(KEY) == null) {
        continue;
      }
      String renewed = cm.getMetadata().getAnnotations() == null ? null : cm.getMetadata().getAnnotations().get(RENEWED);
      try {
        if (renewed == null || now - Long.parseLong(renewed) > EXPIRE_MS) {
          continue; // a replica that stopped renewing is gone
        }
        Map<String, Entry> entries = JSON.readValue(cm.getData().get(KEY), new TypeReference<Map<String, Entry>>() {});
        entries.forEach((node, e) -> out.add(new Remote(cm.getMetadata().getName(), node, e.connected(), e.acked(),
            e.rejected(), e.reason())));
      } catch (NumberFormatException | com.fasterxml.jackson.core.JsonProcessingException e) {
        LOG.debug("ignoring unreadable ACKs in ConfigMap {}: {}", cm.getMetadata().getName(), e.toString());
      }
    }
    return out;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.stop();
    }
    try {
      client.configMaps().inNamespace(namespace).withName(name).delete();
    } catch (KubernetesClientException e) {
      LOG.debug("could not remove ConfigMap {}: {}", name, e.toString());
    }
  }
}
