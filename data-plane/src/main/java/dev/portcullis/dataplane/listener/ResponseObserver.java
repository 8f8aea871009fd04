package dev.portcullis.dataplane.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits between the HTTP/1 codec and Vert.x. RFC 9112 section 9.6: once a request or a response
 * said {@code Connection: close}, no later request on that connection may be processed. Vert.x
 * queues pipelined requests and would serve the next one after a close response (so a request
 * pipelined behind one the proxy refused would reach a backend); this handler drops every request
 * decoded after a closing one, and marks the connection so that the proxy drops any Vert.x had
 * already queued. It also stops the head timer once a 101 turns the connection into a tunnel, and
 * when that 101 made it HTTP/2 ({@code Upgrade: h2c}) fits the CONTINUATION guard in front of
 * the HTTP/2 handler, as a connection with prior knowledge has it.
 */
final class ResponseObserver extends ChannelDuplexHandler {

  /** Set once the connection is closing: requests still queued on it are not to be served. */
  static final AttributeKey<Boolean> CLOSING = AttributeKey.valueOf("portcullis.closing");

  private final HeadTimer timer;
  private final int maxContinuations;
  /** Raw bytes have passed: the HTTP/1 decoder is gone (an upgrade), and the guard was looked at. */
  private boolean upgraded;
  private boolean dropping;
  /** A request said close: every request after it is dropped. */
  private boolean closeAfterRequest;

  ResponseObserver(HeadTimer timer, int maxContinuations) {
    this.timer = timer;
    this.maxContinuations = maxContinuations;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof ByteBuf && !upgraded) {
      // The first bytes no HTTP/1 decoder read: after an h2c upgrade, the client's preface. The
      // guard goes right behind this handler, so that it reads them and everything after.
      upgraded = true;
      if (ctx.pipeline().get(Http2ConnectionHandler.class) != null) {
        ctx.pipeline().addAfter(ctx.name(), "portcullis-continuations", new ContinuationGuard(maxContinuations));
      }
    }
    if (msg instanceof HttpRequest request) {
      if (closeAfterRequest || ctx.channel().attr(CLOSING).get() != null) {
        dropping = true;
      } else if (request.decoderResult().isSuccess() && closes(request)) {
        closeAfterRequest = true;
      }
    }
    if (dropping && (msg instanceof HttpRequest || msg instanceof HttpContent)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (msg instanceof HttpResponse response) {
      int status = response.status().code();
      if (status == 101) {
        timer.stop();
      } else if (status >= 200 && response.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
        ctx.channel().attr(CLOSING).set(Boolean.TRUE);
      }
    }
    ctx.write(msg, promise);
  }

  private static boolean closes(HttpRequest request) {
    if (request.protocolVersion() == HttpVersion.HTTP_1_0) {
      return !request.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE, true);
    }
    return request.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
  }
}
