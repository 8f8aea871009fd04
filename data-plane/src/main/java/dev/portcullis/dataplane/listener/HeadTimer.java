package dev.portcullis.dataplane.listener;

import dev.portcullis.dataplane.CoarseTime;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The request-head deadline of one connection (HAProxy's {@code timeout http-request}): from the
 * connection's opening, and then from the first byte of each next request, the whole request
 * head must arrive within the timeout, or the connection is closed. A client that sends its
 * headers a byte at a time (slowloris) is cut off however often it sends; one that is merely
 * idle between requests is left to the idle timeout.
 *
 * <p>Arming and disarming are field writes, cheap enough for every request: one scheduled task
 * per connection checks the deadline when it falls due and schedules itself again for a later
 * one (as Netty's IdleStateHandler does). Runs on the connection's event loop only.
 */
final class HeadTimer implements Http1Framing.Events, Runnable {

  private final Channel channel;
  private final long timeoutNanos;
  /** 0 when disarmed. */
  private long deadline;
  private ScheduledFuture<?> task;
  private boolean off;

  HeadTimer(Channel channel, long timeoutMs) {
    this.channel = channel;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    this.off = timeoutMs <= 0;
  }

  /** Starts the deadline unless it is already running. */
  void arm() {
    if (off || deadline != 0) {
      return;
    }
    // Coarse: the deadline may fall up to a tick early (run() compares it with the exact clock).
    deadline = CoarseTime.nanos() + timeoutNanos;
    if (deadline == 0) {
      deadline = 1;
    }
    if (task == null) {
      task = channel.eventLoop().schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  void disarm() {
    deadline = 0;
  }

  /** For good: the connection no longer carries HTTP/1 request heads (a tunnel, or HTTP/2). */
  void stop() {
    off = true;
    deadline = 0;
    if (task != null) {
      task.cancel(false);
      task = null;
    }
  }

  @Override
  public void headStarted() {
    arm();
  }

  @Override
  public void headEnded() {
    disarm();
  }

  @Override
  public void run() {
    task = null;
    if (off || deadline == 0 || !channel.isActive()) {
      return;
    }
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      channel.close();
    } else {
      task = channel.eventLoop().schedule(this, left, TimeUnit.NANOSECONDS);
    }
  }
}
