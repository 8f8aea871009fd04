package dev.portcullis.dataplane.listener;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.CharsetUtil;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import java.util.List;

/**
 * The HTTP/1.1 request decoder of every client connection, in place of Vert.x's (Netty's
 * {@code HttpRequestDecoder}). {@link Http1Framing} reads every byte against the strict grammar
 * and notes where each part of a head lies; this decoder builds the request from those bytes, so
 * a head is read once, not once to check it and again to parse it. It passes on what Vert.x's
 * server reads: a {@link DefaultHttpRequest} whose headers are Vert.x's map, the body as {@link
 * io.netty.handler.codec.http.HttpContent}s (slices of the bytes read, never copied), and a last
 * content (with a chunked body's trailers, if any).
 *
 * <p>Bytes up to a violation are decoded as usual (earlier pipelined requests are answered);
 * then, instead of the offending request, the decoder passes on an invalid message (answered 400,
 * 414, 431, 501 or 505 by the invalid-request handler, and the connection closed) or, when the
 * violation is inside a body already streaming upstream, an invalid last chunk (the upload fails,
 * so the upstream request is reset, never completed). After a violation nothing more is read from
 * the connection. A connection that closes in the middle of a head passes nothing on; one that
 * closes in the middle of a body leaves the request unfinished, and Vert.x fails it.
 *
 * <p>After each whole request the decoder returns, so that a handler that takes the connection
 * over (an upgrade to WebSocket or to h2c removes the decoder) gets the bytes after it untouched.
 */
final class StrictRequestDecoder extends ByteToMessageDecoder {

  /** Names most requests carry, in the two spellings clients use: a head that has them shares these. */
  private static final AsciiString[][] COMMON_NAMES = commonNames(HttpHeaderNames.HOST, HttpHeaderNames.USER_AGENT,
      HttpHeaderNames.ACCEPT, HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderNames.ACCEPT_LANGUAGE,
      HttpHeaderNames.CONNECTION, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.CONTENT_TYPE,
      HttpHeaderNames.COOKIE, HttpHeaderNames.REFERER, HttpHeaderNames.ORIGIN, HttpHeaderNames.CACHE_CONTROL,
      HttpHeaderNames.PRAGMA, HttpHeaderNames.AUTHORIZATION, HttpHeaderNames.IF_NONE_MATCH,
      HttpHeaderNames.IF_MODIFIED_SINCE, HttpHeaderNames.UPGRADE, HttpHeaderNames.TRANSFER_ENCODING,
      HttpHeaderNames.UPGRADE_INSECURE_REQUESTS, AsciiString.cached("sec-fetch-site"),
      AsciiString.cached("sec-fetch-mode"), AsciiString.cached("sec-fetch-dest"), AsciiString.cached("sec-fetch-user"),
      AsciiString.cached("sec-ch-ua"), AsciiString.cached("sec-ch-ua-mobile"), AsciiString.cached("sec-ch-ua-platform"),
      AsciiString.cached("x-forwarded-for"), AsciiString.cached("x-request-id"), AsciiString.cached("traceparent"),
      HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.EXPECT, HttpHeaderNames.RANGE);

  private final Http1Framing framing;
  /** Bytes after the reader index that the framing has already read: a head or trailer section not yet ended. */
  private int scanned;
  private boolean failed;

  StrictRequestDecoder(ListenerLimits limits, Http1Framing.Events events) {
    this.framing = new Http1Framing(limits.maxHeaders(), limits.maxUriLength(), limits.maxHeaderSize(), events);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    while (true) {
      int base = in.readerIndex();
      int to = in.writerIndex();
      int from = base + scanned;
      if (from >= to) {
        return;
      }
      int stop = framing.scan(in, from, to, base);
      switch (framing.event()) {
        case NONE -> {
          if (stop >= 0) {
            refuse(in, out);
          } else if (framing.holding()) {
            // Inside a head or trailer section: its bytes stay until it ends.
            scanned = to - base;
          } else {
            in.readerIndex(to);
            scanned = 0;
          }
          return;
        }
        case HEAD -> {
          out.add(request(in, base));
          in.readerIndex(stop);
          scanned = 0;
          if (!framing.bodyFollows()) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
          }
        }
        case DATA -> {
          int n = (int) Math.min(framing.remaining(), to - stop);
          scanned = 0;
          if (n == 0) {
            in.readerIndex(stop);
            return;
          }
          ByteBuf data = in.retainedSlice(stop, n);
          in.readerIndex(stop + n);
          if (framing.skip(n)) {
            out.add(new DefaultLastHttpContent(data));
            return;
          }
          out.add(new DefaultHttpContent(data));
        }
        case TRAILERS -> {
          in.readerIndex(stop);
          scanned = 0;
        }
        case END -> {
          out.add(framing.fields() == 0 ? LastHttpContent.EMPTY_LAST_CONTENT
              : new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, fields(in, base, null)));
          in.readerIndex(stop);
          scanned = 0;
          return;
        }
      }
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.isReadable()) {
      decode(ctx, in, out);
    }
  }

  /** The request whose head just ended, its bytes from {@code base} on. */
  private DefaultHttpRequest request(ByteBuf in, int base) {
    int end = framing.fields() == 0 ? framing.targetEnd() : framing.lineEnd(framing.fields() - 1);
    // One copy of the head's bytes; every name and value is a view of it.
    byte[] head = new byte[end];
    in.getBytes(base, head);
    int methodStart = framing.methodStart();
    HttpMethod method = method(head, methodStart, framing.methodEnd() - methodStart);
    String target = new String(head, framing.targetStart(), framing.targetEnd() - framing.targetStart(),
        CharsetUtil.US_ASCII);
    return new DefaultHttpRequest(framing.http10() ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, method, target,
        fields(in, base, head));
  }

  /**
   * The fields just read, as Vert.x's header map. The map does not validate what is added: every
   * byte has passed {@link Http1Framing}, whose grammar lets through less than the validator would
   * (token names; values without any control character but HTAB). Whatever leaves the proxy still
   * goes through a validating map: the upstream request's, the response's.
   *
   * @param head the section's bytes from {@code base}, when already copied
   */
  private HeadersMultiMap fields(ByteBuf in, int base, byte[] head) {
    int n = framing.fields();
    if (head == null) {
      head = new byte[framing.lineEnd(n - 1)];
      in.getBytes(base, head);
    }
    HeadersMultiMap map = HeadersMultiMap.httpHeaders(null);
    for (int i = 0; i < n; i++) {
      int nameStart = framing.nameStart(i);
      int colon = framing.colon(i);
      int valueStart = colon + 1;
      int valueEnd = framing.lineEnd(i);
      // Optional white space around the value is not part of it (RFC 9112 section 5).
      while (valueStart < valueEnd && (head[valueStart] == ' ' || head[valueStart] == '\t')) {
        valueStart++;
      }
      while (valueEnd > valueStart && (head[valueEnd - 1] == ' ' || head[valueEnd - 1] == '\t')) {
        valueEnd--;
      }
      map.add(name(head, nameStart, colon - nameStart), new AsciiString(head, valueStart, valueEnd - valueStart, false));
    }
    return map;
  }

  private static AsciiString name(byte[] head, int start, int length) {
    AsciiString[] candidates = length < COMMON_NAMES.length ? COMMON_NAMES[length] : null;
    if (candidates != null) {
      for (AsciiString candidate : candidates) {
        if (candidate.byteAt(0) == head[start] && sameBytes(candidate, head, start)) {
          return candidate;
        }
      }
    }
    return new AsciiString(head, start, length, false);
  }

  private static boolean sameBytes(AsciiString s, byte[] bytes, int start) {
    for (int i = s.length() - 1; i > 0; i--) {
      if (s.byteAt(i) != bytes[start + i]) {
        return false;
      }
    }
    return true;
  }

  private static HttpMethod method(byte[] head, int at, int length) {
    if (length == 3 && head[at] == 'G' && head[at + 1] == 'E' && head[at + 2] == 'T') {
      return HttpMethod.GET;
    }
    if (length == 4 && head[at] == 'P' && head[at + 1] == 'O' && head[at + 2] == 'S' && head[at + 3] == 'T') {
      return HttpMethod.POST;
    }
    // Netty's lookup finds the other standard methods; any other token is a method of its own.
    return HttpMethod.valueOf(new String(head, at, length, CharsetUtil.US_ASCII));
  }

  private void refuse(ByteBuf in, List<Object> out) {
    failed = true;
    in.skipBytes(in.readableBytes());
    RequestViolation violation = framing.violation();
    if (framing.violationInBody()) {
      DefaultLastHttpContent cut = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
      cut.setDecoderResult(DecoderResult.failure(violation));
      out.add(cut);
    } else {
      // A full message: its (empty) content is all there is. In the request's version, so the refusal is answered in it.
      HttpMessage invalid = new DefaultFullHttpRequest(framing.http10() ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
          HttpMethod.GET, "/bad-request", Unpooled.buffer(0), HeadersMultiMap.httpHeaders(), HeadersMultiMap.httpHeaders());
      invalid.setDecoderResult(DecoderResult.failure(violation));
      out.add(invalid);
    }
  }

  /** For each length, the common names of that length, as written in the spec and in small letters. */
  private static AsciiString[][] commonNames(AsciiString... lower) {
    int longest = 0;
    for (AsciiString name : lower) {
      longest = Math.max(longest, name.length());
    }
    AsciiString[][] byLength = new AsciiString[longest + 1][];
    for (AsciiString name : lower) {
      StringBuilder canonical = new StringBuilder(name.toString());
      for (int i = 0; i < canonical.length(); i++) {
        if (i == 0 || canonical.charAt(i - 1) == '-') {
          canonical.setCharAt(i, Character.toUpperCase(canonical.charAt(i)));
        }
      }
      AsciiString[] had = byLength[name.length()];
      int n = had == null ? 0 : had.length;
      AsciiString[] more = had == null ? new AsciiString[2] : java.util.Arrays.copyOf(had, n + 2);
      more[n] = AsciiString.cached(canonical.toString());
      more[n + 1] = name;
      byLength[name.length()] = more;
    }
    return byLength;
  }
}
