package dev.portcullis.dataplane.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Reads the frame headers of an HTTP/2 connection (with prior knowledge) as the bytes pass, and
 * closes the connection when one HEADERS frame is followed by more CONTINUATION frames than the
 * limit (CONTINUATION flood). Netty bounds the bytes of a header block but not the number of
 * frames: empty CONTINUATION frames cost it work and never end the block. Frame payloads are
 * skipped, not copied.
 */
final class ContinuationGuard extends ChannelInboundHandlerAdapter {

  private static final int PREFACE = 24;
  private static final int HEADERS = 1;
  private static final int CONTINUATION = 9;
  private static final int END_HEADERS = 4;

  private final int maxContinuations;
  private int prefaceLeft = PREFACE;
  private final byte[] header = new byte[9];
  private int headerFill;
  private long payloadLeft;
  private int continuations;

  ContinuationGuard(int maxContinuations) {
    this.maxContinuations = maxContinuations;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf && !scan(buf)) {
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /** False when the bytes break the limit. */
  private boolean scan(ByteBuf buf) {
    int i = buf.readerIndex();
    int end = buf.writerIndex();
    while (i < end) {
      if (prefaceLeft > 0) {
        int n = Math.min(prefaceLeft, end - i);
        prefaceLeft -= n;
        i += n;
      } else if (payloadLeft > 0) {
        int n = (int) Math.min(payloadLeft, end - i);
        payloadLeft -= n;
        i += n;
      } else {
        header[headerFill++] = buf.getByte(i++);
        if (headerFill == header.length) {
          headerFill = 0;
          payloadLeft = ((header[0] & 0xffL) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
          int type = header[3] & 0xff;
          int flags = header[4] & 0xff;
          if (type == HEADERS) {
            continuations = 0;
          } else if (type == CONTINUATION) {
            if (++continuations > maxContinuations) {
              return false;
            }
            if ((flags & END_HEADERS) != 0) {
              continuations = 0;
            }
          }
        }
      }
    }
    return true;
  }
}
