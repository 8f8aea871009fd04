package dev.portcullis.dataplane.listener;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The listener's idle timeout, in place of the Netty {@link IdleStateHandler} Vert.x puts on
 * every connection. That handler reads the clock after every read and, to learn when each write
 * completes, turns every write's void promise into a real one and listens to it: on a proxied
 * request that is two clock reads, a promise and a listener call per connection side, for a
 * timeout counted in tens of seconds. This one only notes that the connection read or wrote
 * something, and a task that runs every quarter of the timeout looks at the note: a connection
 * that neither read nor wrote during the whole timeout gets the same {@link IdleStateEvent}
 * (Vert.x closes the connection on it). So an idle connection is closed after between one and
 * one and a quarter timeouts, rather than after exactly one.
 *
 * <p>Runs on the connection's event loop only.
 */
final class IdleGuard extends ChannelDuplexHandler implements Runnable {

  private static final int CHECKS = 4;

  private final long checkNanos;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> task;
  private boolean active;
  private int quiet;
  private boolean fired;

  private IdleGuard(long timeoutNanos) {
    this.checkNanos = Math.max(1, timeoutNanos / CHECKS);
  }

  /**
   * Swaps Vert.x's idle handler for this one when it only has the all-idle timeout (which is how
   * the listener sets it up); any other setting is left as it is.
   */
  static void replace(ChannelPipeline pipeline) {
    ChannelHandler handler = pipeline.get("idle");
    if (handler instanceof IdleStateHandler idle && idle.getReaderIdleTimeInMillis() == 0
        && idle.getWriterIdleTimeInMillis() == 0 && idle.getAllIdleTimeInMillis() > 0) {
      pipeline.replace("idle", "idle", new IdleGuard(TimeUnit.MILLISECONDS.toNanos(idle.getAllIdleTimeInMillis())));
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isRegistered()) {
      schedule();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    schedule();
    super.channelActive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel();
    super.channelInactive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    active = true;
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    active = true;
    ctx.write(msg, promise);
  }

  private void schedule() {
    if (task == null && !fired) {
      task = ctx.executor().schedule(this, checkNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void cancel() {
    if (task != null) {
      task.cancel(false);
      task = null;
    }
  }

  @Override
  public void run() {
    task = null;
    if (!ctx.channel().isActive() || ctx.isRemoved()) {
      return;
    }
    if (active) {
      active = false;
      quiet = 0;
    } else if (++quiet >= CHECKS) {
      fired = true;
      ctx.fireUserEventTriggered(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT);
      return;
    }
    schedule();
  }
}
