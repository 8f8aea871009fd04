package dev.portcullis.operator.rebuild;

import dev.portcullis.model.RouteTableJson;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.Translator;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Funnels every change into one thread that rebuilds the route table. Changes that arrive within
 * the hold-off are coalesced into one rebuild from the latest snapshot; a change to endpoints only
 * takes the fast path (clusters re-resolved, routes kept); a rebuild whose table equals the
 * previous one is reported as unchanged so the caller can skip publishing it.
 */
public final class RebuildLoop implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RebuildLoop.class);

  /** Told the outcome of every rebuild. */
  public interface Listener {
    /**
     * @param result       the new table and status report
     * @param tableChanged false if the table equals the previous one (the status may still differ)
     * @param nanos        how long the rebuild took
     * @param fastPath     true if only endpoints were refreshed
     */
    void rebuilt(TranslationResult result, boolean tableChanged, long nanos, boolean fastPath);
  }

  private final Translator translator;
  private final Listener listener;
  private final long holdOffMs;
  private final ScheduledExecutorService executor;
  private final Object lock = new Object();
  private Supplier<ClusterSnapshot> pendingSnapshot;
  private ChangeSet pendingChange;
  private TranslationResult last;
  private String lastChecksum;

  public RebuildLoop(Translator translator, Listener listener, long holdOffMs) {
    this.translator = translator;
    this.listener = listener;
    this.holdOffMs = holdOffMs;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rebuild-loop");
      t.setDaemon(true);
      return t;
    });
  }

  /** Schedules a full rebuild from this snapshot; a later submission within the hold-off replaces it. */
  public void submit(ClusterSnapshot snapshot) {
    submit(() -> snapshot, ChangeSet.full());
  }

  /**
   * Schedules a rebuild for this change; the snapshot is taken (from the supplier) when the
   * rebuild runs, so it is the latest.
   */
  public void submit(Supplier<ClusterSnapshot> snapshot, ChangeSet change) {
    boolean schedule;
    synchronized (lock) {
      schedule = pendingChange == null;
      pendingSnapshot = snapshot;
      pendingChange = schedule ? new ChangeSet().merge(change) : pendingChange.merge(change);
    }
    if (schedule) {
      executor.schedule(this::rebuild, holdOffMs, TimeUnit.MILLISECONDS);
    }
  }

  /** The latest result, or null before the first rebuild. */
  public TranslationResult last() {
    synchronized (lock) {
      return last;
    }
  }

  private void rebuild() {
    Supplier<ClusterSnapshot> supplier;
    ChangeSet change;
    synchronized (lock) {
      supplier = pendingSnapshot;
      change = pendingChange;
      pendingSnapshot = null;
      pendingChange = null;
    }
    if (change == null) {
      return;
    }
    try {
      long start = System.nanoTime();
      ClusterSnapshot snapshot = supplier.get();
      TranslationResult previous = last();
      Optional<TranslationResult> fast = !change.isFull() && previous != null
          ? translator.refreshEndpoints(previous, snapshot, change.endpointServices()) : Optional.empty();
      TranslationResult result = fast.orElseGet(() -> translator.translate(snapshot));
      long nanos = System.nanoTime() - start;
      String checksum = RouteTableJson.checksum(result.table());
      boolean changed = !checksum.equals(lastChecksum);
      synchronized (lock) {
        last = result;
        lastChecksum = checksum;
      }
      listener.rebuilt(result, changed, nanos, fast.isPresent());
    } catch (RuntimeException e) {
      // A translator bug must not stop the loop: the last published table keeps serving.
      LOG.error("rebuilding the route table failed; the last good table keeps serving", e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
