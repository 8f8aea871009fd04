package dev.portcullis.dataplane.listener;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.util.List;

/**
 * Vert.x's request decoder with {@link Http1Framing} in front: every byte is checked against the
 * strict grammar before Netty parses it. Bytes up to a violation are decoded as usual (earlier
 * pipelined requests are answered); then, instead of the offending request, the decoder passes on
 * an invalid message (answered 400, 414, 431, 501 or 505 by the invalid-request handler, and the
 * connection closed) or, when the violation is inside a body already streaming upstream, an
 * invalid last chunk (the upload fails, so the upstream request is reset, never completed). After
 * a violation nothing more is read from the connection.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

  private final Http1Framing framing;
  /** Bytes after the reader index that the framing has already seen. */
  private int scanned;
  private boolean failed;

  StrictRequestDecoder(HttpServerOptions options, ListenerLimits limits, Http1Framing.Events events) {
    super(options);
    this.framing = new Http1Framing(limits.maxHeaders(), limits.maxUriLength(), events);
  }

  /**
   * As Vert.x's, but into a header map that does not validate what is added: every byte of the
   * head has passed {@link Http1Framing} by then, whose grammar lets through less than the
   * validator would (token names; values without any control character but HTAB). Validating each
   * header again was the biggest single item of the event loop's profile with a browser's head.
   * Whatever leaves the proxy still goes through a validating map: the upstream request's, the
   * response's.
   */
  @Override
  protected HttpMessage createMessage(String[] initialLine) {
    return new io.netty.handler.codec.http.DefaultHttpRequest(HttpVersion.valueOf(initialLine[2]),
        HttpMethod.valueOf(initialLine[0]), initialLine[1], HeadersMultiMap.httpHeaders(null));
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    int from = in.readerIndex() + scanned;
    int to = in.writerIndex();
    int stop = from < to ? framing.scan(in, from, to) : -1;
    if (stop < 0) {
      scanned = to - in.readerIndex();
      int before = in.readerIndex();
      super.decode(ctx, in, out);
      scanned -= in.readerIndex() - before;
      return;
    }
    // Decode what came before the offending byte, then refuse instead of it.
    failed = true;
    ByteBuf valid = in.retainedSlice(in.readerIndex(), stop - in.readerIndex());
    try {
      while (valid.isReadable()) {
        int readable = valid.readableBytes();
        int produced = out.size();
        super.decode(ctx, valid, out);
        if (valid.readableBytes() == readable && out.size() == produced) {
          break;
        }
      }
    } finally {
      valid.release();
    }
    in.skipBytes(in.readableBytes());
    RequestViolation violation = framing.violation();
    if (framing.violationInBody()) {
      DefaultLastHttpContent cut = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
      cut.setDecoderResult(DecoderResult.failure(violation));
      out.add(cut);
    } else {
      // As Netty's own invalid message, but in the request's version, so the refusal is answered in it.
      HttpMessage invalid = new DefaultFullHttpRequest(framing.http10() ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request",
          Unpooled.buffer(0), headersFactory, trailersFactory);
      invalid.setDecoderResult(DecoderResult.failure(violation));
      out.add(invalid);
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    super.decodeLast(ctx, in, out);
  }
}
