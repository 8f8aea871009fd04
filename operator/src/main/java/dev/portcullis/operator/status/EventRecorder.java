package dev.portcullis.operator.status;

import dev.portcullis.translator.status.Problem;
import dev.portcullis.translator.status.Severity;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on the user's objects, one per problem, deduplicated: an Event's name is
 * derived from the object's uid and the problem, so the same problem is recorded once, by
 * whichever replica leads, across restarts too (until the API server expires the Event).
 */
public final class EventRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final int REMEMBERED = 10_000;
  private static final int MAX_MESSAGE = 1024;

  private final KubernetesClient client;
  private final String component;
  private final String instance;
  private final Clock clock;
  private final Set<String> recorded = Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > REMEMBERED;
    }
  });

  public EventRecorder(KubernetesClient client, String component, String instance, Clock clock) {
    this.client = client;
    this.component = component;
    this.instance = instance;
    this.clock = clock;
  }

  /** Records a Warning Event for the problem, unless it was recorded already. */
  public void problem(HasMetadata object, Problem problem) {
    String type = problem.severity() == Severity.INFO ? "Normal" : "Warning";
    String message = (problem.field() == null || problem.field().isEmpty() ? "" : problem.field() + ": ") + problem.message();
    record(object, type, problem.reason(), message);
  }

  /** Records an Event once per object uid, type, reason and message. */
  public synchronized void record(HasMetadata object, String type, String reason, String message) {
    String base = object.getMetadata().getName();
    String name = (base.length() > 200 ? base.substring(0, 200) : base) + "." + digest(object.getMetadata().getUid() + "\n" + type + "\n"
        + reason + "\n" + message);
    if (recorded.contains(name)) {
      return;
    }
    String now = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(clock.instant().atOffset(ZoneOffset.UTC).withNano(0));
    String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "…" : message;
    Event event = new EventBuilder()
        .withNewMetadata().withName(name).withNamespace(object.getMetadata().getNamespace()).endMetadata()
        .withNewInvolvedObject().withApiVersion(object.getApiVersion()).withKind(object.getKind())
        .withName(object.getMetadata().getName()).withNamespace(object.getMetadata().getNamespace())
        .withUid(object.getMetadata().getUid()).withResourceVersion(object.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType(type).withReason(reason).withMessage(text)
        .withCount(1).withFirstTimestamp(now).withLastTimestamp(now)
        .withNewSource().withComponent(component).endSource()
        .withReportingComponent(component).withReportingInstance(instance)
        .build();
    try {
      client.v1().events().inNamespace(object.getMetadata().getNamespace()).resource(event).create();
      recorded.add(name);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        recorded.add(name); // recorded before, by us or another replica
      } else {
        LOG.warn("recording Event {} on {} {} failed: {}", reason, object.getKind(), object.getMetadata().getName(),
            e.getMessage());
      }
    }
  }

  private static String digest(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
