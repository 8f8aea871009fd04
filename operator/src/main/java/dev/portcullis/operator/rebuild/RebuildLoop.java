package dev.portcullis.operator.rebuild;

import dev.portcullis.model.RouteTableJson;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.Translator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Funnels every change into one thread that rebuilds the route table: snapshots that arrive within
 * the hold-off are coalesced (only the latest is translated), and a rebuild whose table equals the
 * previous one is reported as unchanged so the caller can skip publishing it.
 */
public final class RebuildLoop implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RebuildLoop.class);

  /** Told the outcome of every rebuild. */
  public interface Listener {
    /**
     * @param result       the new table and status report
     * @param tableChanged false if the table equals the previous one (the status may still differ)
     * @param nanos        how long translation took
     */
    void rebuilt(TranslationResult result, boolean tableChanged, long nanos);
  }

  private final Translator translator;
  private final Listener listener;
  private final long holdOffMs;
  private final ScheduledExecutorService executor;
  private final AtomicReference<ClusterSnapshot> pending = new AtomicReference<>();
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

  /** Schedules a rebuild from this snapshot; a later submission within the hold-off replaces it. */
  public void submit(ClusterSnapshot snapshot) {
    if (pending.getAndSet(snapshot) == null) {
      executor.schedule(this::rebuild, holdOffMs, TimeUnit.MILLISECONDS);
    }
  }

  private void rebuild() {
    ClusterSnapshot snapshot = pending.getAndSet(null);
    if (snapshot == null) {
      return;
    }
    try {
      long start = System.nanoTime();
      TranslationResult result = translator.translate(snapshot);
      long nanos = System.nanoTime() - start;
      String checksum = RouteTableJson.checksum(result.table());
      boolean changed = !checksum.equals(lastChecksum);
      lastChecksum = checksum;
      listener.rebuilt(result, changed, nanos);
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
