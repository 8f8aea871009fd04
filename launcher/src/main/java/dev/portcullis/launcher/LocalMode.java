package dev.portcullis.launcher;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.tls.TlsSettings;
import dev.portcullis.dataplane.listener.ListenerLimits;
import dev.portcullis.dataplane.observability.ObservabilitySettings;
import dev.portcullis.api.v1alpha1.Condition;
import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.push.PushMessage;
import dev.portcullis.operator.routeserver.NodeState;
import dev.portcullis.operator.status.ProgrammedTracker;
import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.status.Conditions;
import dev.portcullis.translator.status.Disposition;
import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.ObjectStatus;
import dev.portcullis.translator.status.StatusReport;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import dev.portcullis.operator.rebuild.RebuildLoop;
import dev.portcullis.operator.routeserver.RouteServer;
import dev.portcullis.operator.source.FileSource;
import dev.portcullis.translator.Translator;
import dev.portcullis.translator.TranslatorOptions;
import dev.portcullis.translator.manifest.ManifestReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode: a folder of manifests served without a cluster, through the same pieces a cluster
 * uses: the file source feeds the translator, the route server pushes each table over the real
 * push protocol (on loopback, with a fresh random token), and the data plane follows it.
 */
public final class LocalMode implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger("portcullis");
  /**
   * No hold-off before a rebuild: the file source already waits for a burst of writes to settle
   * and reads it as one snapshot, and changes that come while a rebuild runs wait for it and
   * become one rebuild (10 ms here cost every change 10 ms and spared nothing).
   */
  static final long HOLD_OFF_MS = 0;

  /**
   * @param dir        the folder of manifests
   * @param bind       address of the public listener
   * @param adminBind  address of the admin port
   * @param httpPort   public HTTP port
   * @param adminPort  admin port
   * @param routePort  route server port on loopback (0: any free port)
   * @param eventLoops data-plane event loops (0: one per core)
   * @param options    translator settings
   * @param observability the access log and span export (null: none)
   * @param settleMs   how long a changed file must stay unchanged before it is read
   */
  public record Settings(Path dir, String bind, String adminBind, int httpPort, int adminPort, int routePort, int eventLoops,
      TranslatorOptions options, long cacheBytes, String adminToken, TlsSettings tls, ListenerLimits limits,
      ObservabilitySettings observability, long settleMs) {

    public Settings(Path dir, String bind, String adminBind, int httpPort, int adminPort, int routePort, int eventLoops,
        TranslatorOptions options, long cacheBytes, String adminToken, TlsSettings tls, ListenerLimits limits,
        ObservabilitySettings observability) {
      this(dir, bind, adminBind, httpPort, adminPort, routePort, eventLoops, options, cacheBytes, adminToken, tls, limits,
          observability, FileSource.SETTLE_MS);
    }

    public Settings(Path dir, String bind, String adminBind, int httpPort, int adminPort, int routePort, int eventLoops,
        TranslatorOptions options) {
      this(dir, bind, adminBind, httpPort, adminPort, routePort, eventLoops, options, 0, null, TlsSettings.OFF, null);
    }

    public Settings(Path dir, String bind, String adminBind, int httpPort, int adminPort, int routePort, int eventLoops,
        TranslatorOptions options, long cacheBytes, String adminToken, TlsSettings tls, ListenerLimits limits) {
      this(dir, bind, adminBind, httpPort, adminPort, routePort, eventLoops, options, cacheBytes, adminToken, tls, limits,
          null);
    }

    /** Never prints the admin token. */
    @Override
    public String toString() {
      return "Settings[" + dir + ", " + bind + ":" + httpPort + "]";
    }
  }

  private final ConsoleReporter reporter = new ConsoleReporter();
  private final ProgrammedTracker programmed = new ProgrammedTracker();
  private final Map<ObjectRef, List<Condition>> conditions = new ConcurrentHashMap<>();
  private volatile TranslationResult last;
  private RouteServer routeServer;
  private RebuildLoop loop;
  private FileSource source;
  private DataPlane dataPlane;

  private LocalMode() {}

  public static LocalMode start(Settings settings) throws Exception {
    LocalMode local = new LocalMode();
    try {
      local.run(settings);
    } catch (Exception e) {
      local.close();
      throw e;
    }
    return local;
  }

  private void run(Settings s) throws Exception {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);

    routeServer = new RouteServer(new InetSocketAddress("127.0.0.1", s.routePort()), token).start();
    routeServer.addAckListener(ack -> {
      if (!ack.accepted()) {
        reporter.nack(ack);
      }
      updateConditions();
    });
    loop = new RebuildLoop(new Translator(s.options()), (result, changed, nanos, fast) -> {
      PushMessage.Snapshot snapshot = changed ? routeServer.publish(result.table(), result.certificates(), result.credentials()) : routeServer.current();
      if (snapshot != null) {
        // A new table, or the same one for newer objects (a reordered list, say): then what the
        // data plane runs already is what these generations ask for.
        programmed.published(snapshot.version(), snapshot.checksum(), result.status());
      }
      last = result;
      reporter.rebuilt(result, changed, snapshot.version());
      updateConditions();
    }, HOLD_OFF_MS);
    source = new FileSource(s.dir(), new ManifestReader(), load -> {
      reporter.loaded(load);
      loop.submit(load.snapshot());
    }, s.settleMs());
    LOG.info("local mode: serving {}", source.root());
    source.start();

    URI server = URI.create("http://127.0.0.1:" + routeServer.address().getPort());
    dataPlane = DataPlane.start(new DataPlaneConfig(s.bind(), s.httpPort(), s.adminBind(), s.adminPort(), s.eventLoops(),
        server, token, null, "local", s.cacheBytes(), s.adminToken(), s.tls(), s.limits())
        .withObservability(s.observability()));
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!dataPlane.ready() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    if (!dataPlane.ready()) {
      throw new IllegalStateException("the data plane did not receive a route table within 15 s");
    }
    dataPlane.statusSource(this::statusJson);
  }

  /**
   * What each object's conditions were last computed from: its status (the very instance, which an
   * unchanged object keeps from one translation to the next) and whether it was programmed.
   */
  private record ConditionInputs(ObjectStatus status, Conditions.Programmed programmed) {}

  private final Map<ObjectRef, ConditionInputs> conditionInputs = new java.util.HashMap<>();
  /** The statuses the conditions were last brought up to date with (sorted by object, as reports are). */
  private List<ObjectStatus> conditionsOf = List.of();
  /** The objects that were not Programmed when their conditions were last computed: an ACK can move them. */
  private final java.util.Set<ObjectRef> unsettled = new java.util.TreeSet<>();
  /** The connected data planes and the versions they had ACKed, when the conditions were last computed. */
  private Map<String, Long> ackedBefore = Map.of();

  /**
   * Recomputes the conditions of every object whose status or programmed state may have moved
   * (the others' stay as they are); the reporter prints those of ProxyRoutes that changed. That is
   * the objects whose status is another instance than last time (the report and the last one are
   * walked side by side) and those not yet Programmed; every object when a data plane came, went
   * or went back to an older version. One change among 20,000 objects looks at about one.
   */
  private synchronized void updateConditions() {
    TranslationResult result = last;
    if (result == null) {
      return;
    }
    Map<String, NodeState> nodes = routeServer.nodes();
    Map<String, Long> acked = new java.util.HashMap<>();
    nodes.forEach((name, n) -> {
      if (n.connections() > 0) {
        acked.put(name, n.ackedVersion());
      }
    });
    boolean every = !acked.keySet().equals(ackedBefore.keySet());
    for (Map.Entry<String, Long> e : acked.entrySet()) {
      every |= e.getValue() < ackedBefore.getOrDefault(e.getKey(), Long.MIN_VALUE);
    }
    ackedBefore = acked;
    String[] now = new String[1];
    List<ObjectStatus> objects = result.status().objects();
    java.util.Set<ObjectRef> done = new java.util.HashSet<>();
    if (every) {
      java.util.Set<ObjectRef> present = new java.util.HashSet<>();
      for (ObjectStatus st : objects) {
        if (st.disposition() != Disposition.IGNORED) {
          present.add(st.object());
          recompute(st, nodes, now);
        }
      }
      conditions.keySet().retainAll(present);
      conditionInputs.keySet().retainAll(present);
      unsettled.retainAll(present);
    } else {
      StatusReport.differences(conditionsOf, objects, this::forget, b -> {
        if (b.disposition() == Disposition.IGNORED) {
          forget(b.object());
        } else {
          recompute(b, nodes, now);
          done.add(b.object());
        }
      });
      for (ObjectRef ref : new ArrayList<>(unsettled)) {
        ConditionInputs in = conditionInputs.get(ref);
        if (in != null && !done.contains(ref)) {
          recompute(in.status(), nodes, now);
        }
      }
    }
    conditionsOf = objects;
  }

  /** Brings one object's conditions up to date (printing a ProxyRoute's when they change). */
  private void recompute(ObjectStatus st, Map<String, NodeState> nodes, String[] now) {
    Conditions.Programmed state = programmed.state(st.object(), st.generation(), nodes);
    if (state == Conditions.Programmed.YES) {
      unsettled.remove(st.object());
    } else {
      unsettled.add(st.object());
    }
    ConditionInputs before = conditionInputs.get(st.object());
    if (before != null && before.status() == st && before.programmed() == state) {
      return; // the same inputs give the same conditions
    }
    conditionInputs.put(st.object(), new ConditionInputs(st, state));
    if (now[0] == null) {
      now[0] = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(OffsetDateTime.now(ZoneOffset.UTC).withNano(0));
    }
    List<Condition> previous = conditions.get(st.object());
    List<Condition> next = Conditions.of(st, state, now[0], previous);
    if (!Conditions.same(previous, next)) {
      conditions.put(st.object(), next);
      if (ProxyRoute.KIND.equals(st.object().kind())) {
        reporter.conditions(st.object(), next);
      }
    }
  }

  /** Forgets an object that went (or is ignored now). */
  private void forget(ObjectRef object) {
    conditions.remove(object);
    conditionInputs.remove(object);
    unsettled.remove(object);
  }

  /** The admin port's /status: every object, what became of it, its conditions and problems. */
  private String statusJson() {
    TranslationResult result = last;
    List<Map<String, Object>> out = new ArrayList<>();
    if (result != null) {
      for (ObjectStatus st : result.status().objects()) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("object", st.object());
        if (st.generation() != null) {
          entry.put("generation", st.generation());
        }
        entry.put("disposition", st.disposition());
        List<Condition> c = conditions.get(st.object());
        if (c != null) {
          entry.put("conditions", c);
        }
        entry.put("problems", st.problems());
        out.add(entry);
      }
    }
    return RouteTableJson.toPrettyJson(out);
  }

  public int httpPort() {
    return dataPlane.httpPort();
  }

  public int adminPort() {
    return dataPlane.adminPort();
  }

  /** The HTTPS port, or -1 without an HTTPS listener. */
  public int httpsPort() {
    return dataPlane.httpsPort();
  }

  public DataPlane dataPlane() {
    return dataPlane;
  }

  public RouteServer routeServer() {
    return routeServer;
  }

  /** The problems currently reported (files, then objects), one line each. */
  public List<String> problems() {
    return reporter.problems();
  }

  /**
   * Stops gracefully: the data plane drains (see {@link DataPlane#drain}) on the table it has,
   * then everything else stops.
   */
  public void drainAndClose(java.time.Duration period, java.time.Duration timeout) {
    if (dataPlane != null) {
      dataPlane.drain(period.toMillis(), timeout.toMillis());
    }
    close();
  }

  @Override
  public void close() {
    if (source != null) {
      source.close();
    }
    if (loop != null) {
      loop.close();
    }
    if (dataPlane != null) {
      dataPlane.close();
    }
    if (routeServer != null) {
      routeServer.close();
    }
  }
}
