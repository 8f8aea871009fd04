package dev.portcullis.dataplane.observability;

import io.netty.util.internal.PlatformDependent;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one line per request, formatted and written by a thread of its own. The event
 * loop only puts the finished record into a bounded lock-free queue; when the queue is full (the
 * disk or the pipe cannot keep up) the line is dropped and counted, never waited for, so a slow
 * disk cannot stall the proxy.
 */
public final class AccessLog implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
  /** Lines are gathered up to this size before a write. */
  private static final int BATCH_BYTES = 64 * 1024;
  /** After this many empty polls (about a millisecond apart) the writer sleeps until woken. */
  private static final int IDLE_POLLS = 50;

  private final Queue<RequestRecord> queue;
  private final AccessLogFormat format;
  private final double sampleRate;
  private final OutputStream out;
  /** True for stdout and stderr, which are shared with the log lines and never closed. */
  private final boolean console;
  private final Thread writer;
  private final LongAdder written = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private volatile boolean sleeping;
  private volatile boolean running = true;

  AccessLog(ObservabilitySettings.AccessLogSettings settings) throws IOException {
    // Netty's bounded multi-producer queue: no lock and no allocation per line.
    this.queue = PlatformDependent.newFixedMpscQueue(settings.queueSize());
    this.format = settings.format() == ObservabilitySettings.Format.TEXT ? AccessLogFormat.text(settings.template())
        : AccessLogFormat.json();
    this.sampleRate = settings.sampleRate();
    String destination = settings.destination();
    switch (destination.toLowerCase(java.util.Locale.ROOT)) {
      case "stdout", "-" -> {
        out = System.out;
        console = true;
      }
      case "stderr" -> {
        out = System.err;
        console = true;
      }
      default -> {
        out = new FileOutputStream(Path.of(destination).toFile(), true);
        console = false;
      }
    }
    writer = new Thread(this::drain, "portcullis-access-log");
    writer.setDaemon(true);
    writer.start();
  }

  /** Whether this request's line is written: every answer with a 5xx status, and the sampled share of the rest. */
  boolean samples(int status) {
    return sampleRate >= 1 || status >= 500 || (sampleRate > 0 && ThreadLocalRandom.current().nextDouble() < sampleRate);
  }

  /** Hands a finished record to the writer; on the event loop, never blocks. */
  void offer(RequestRecord record) {
    if (!queue.offer(record)) {
      dropped.increment();
      return;
    }
    if (sleeping) {
      sleeping = false;
      LockSupport.unpark(writer);
    }
  }

  /** Lines written so far. */
  public long written() {
    return written.sum();
  }

  /** Lines dropped because the writer could not keep up. */
  public long dropped() {
    return dropped.sum();
  }

  private void drain() {
    StringBuilder line = new StringBuilder(512);
    java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream(BATCH_BYTES + 4096);
    int idle = 0;
    while (true) {
      boolean any = false;
      RequestRecord r;
      while ((r = queue.poll()) != null) {
        any = true;
        line.setLength(0);
        try {
          format.append(r, line);
        } catch (RuntimeException e) {
          LOG.debug("access log line failed: {}", e.toString());
          continue;
        }
        byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
        batch.write(bytes, 0, bytes.length);
        written.increment();
        if (batch.size() >= BATCH_BYTES) {
          write(batch);
        }
      }
      if (any) {
        write(batch);
        idle = 0;
      }
      if (!running && queue.isEmpty()) {
        break;
      }
      if (any || ++idle < IDLE_POLLS) {
        // Lines come again soon under load: a short nap gathers them without asking to be woken.
        LockSupport.parkNanos(1_000_000);
        continue;
      }
      sleeping = true;
      if (queue.isEmpty() && running) {
        LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(1));
      }
      sleeping = false;
      idle = 0;
    }
    write(batch);
  }

  private void write(java.io.ByteArrayOutputStream batch) {
    if (batch.size() == 0) {
      return;
    }
    try {
      if (out instanceof PrintStream ps) {
        // The same lock as the log lines' appender: a line is never cut by another.
        synchronized (ps) {
          batch.writeTo(ps);
          ps.flush();
        }
      } else {
        batch.writeTo(out);
        out.flush();
      }
    } catch (IOException e) {
      LOG.warn("cannot write the access log: {}", e.toString());
    }
    batch.reset();
  }

  /** Writes what is queued, then stops the writer. */
  @Override
  public void close() {
    running = false;
    LockSupport.unpark(writer);
    try {
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!console) {
      try {
        out.close();
      } catch (IOException e) {
        LOG.debug("closing the access log: {}", e.toString());
      }
    }
  }
}
