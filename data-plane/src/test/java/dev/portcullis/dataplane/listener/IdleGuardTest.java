package dev.portcullis.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdleGuardTest {

  private static final long TIMEOUT_MS = 1000;

  private final List<Object> events = new ArrayList<>();

  private EmbeddedChannel channel(IdleStateHandler idle) {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast("idle", idle);
    channel.pipeline().addLast("events", new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        events.add(evt);
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        io.netty.util.ReferenceCountUtil.release(msg);
      }
    });
    IdleGuard.replace(channel.pipeline());
    return channel;
  }

  /** Moves the frozen clock on by {@code ms}, a millisecond at a time (each run starts only the tasks due by then). */
  private static void advance(EmbeddedChannel channel, long ms) {
    for (long i = 0; i < ms; i++) {
      channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
      channel.runScheduledPendingTasks();
    }
  }

  @Test
  void replacesTheAllIdleHandlerOnlyAndLeavesOtherSettingsAlone() {
    assertThat(channel(new IdleStateHandler(0, 0, TIMEOUT_MS, TimeUnit.MILLISECONDS)).pipeline().get("idle"))
        .isInstanceOf(IdleGuard.class);
    assertThat(channel(new IdleStateHandler(TIMEOUT_MS, 0, 0, TimeUnit.MILLISECONDS)).pipeline().get("idle"))
        .isExactlyInstanceOf(IdleStateHandler.class);
  }

  @Test
  void aQuietConnectionGetsTheAllIdleEventWithinAQuarterTimeoutAfterTheTimeout() {
    EmbeddedChannel channel = channel(new IdleStateHandler(0, 0, TIMEOUT_MS, TimeUnit.MILLISECONDS));
    advance(channel, TIMEOUT_MS - 1);
    assertThat(events).isEmpty();
    advance(channel, TIMEOUT_MS / 4 + 1);
    assertThat(events).hasSize(1);
    assertThat(((IdleStateEvent) events.get(0)).state()).isEqualTo(IdleState.ALL_IDLE);
    // Once: Vert.x closes the connection on the first event.
    advance(channel, 3 * TIMEOUT_MS);
    assertThat(events).hasSize(1);
    channel.finishAndReleaseAll();
  }

  @Test
  void readsAndWritesEachKeepTheConnectionFromBeingIdle() {
    EmbeddedChannel channel = channel(new IdleStateHandler(0, 0, TIMEOUT_MS, TimeUnit.MILLISECONDS));
    for (int i = 0; i < 12; i++) {
      advance(channel, TIMEOUT_MS / 2);
      if (i % 2 == 0) {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'x'}));
      } else {
        channel.writeOutbound(Unpooled.wrappedBuffer(new byte[] {'y'}));
      }
    }
    assertThat(events).isEmpty();
    // Then silence: idle after one to one and a quarter timeouts.
    advance(channel, TIMEOUT_MS - TIMEOUT_MS / 2);
    assertThat(events).isEmpty();
    advance(channel, TIMEOUT_MS);
    assertThat(events).hasSize(1);
    channel.finishAndReleaseAll();
  }

  @Test
  void aClosedConnectionStopsTheCheck() {
    EmbeddedChannel channel = channel(new IdleStateHandler(0, 0, TIMEOUT_MS, TimeUnit.MILLISECONDS));
    channel.close();
    advance(channel, 3 * TIMEOUT_MS);
    assertThat(events.stream().filter(e -> e instanceof IdleStateEvent)).isEmpty();
  }
}
