package dev.portcullis.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The strict decoder passes over body bytes in bulk (only their count matters to the framing):
 * bodies split at every awkward place still decode byte for byte, the request after them is
 * found where it begins, and a chunk that runs past its size is still refused.
 */
class StrictRequestDecoderTest {

  private static final Http1Framing.Events NONE = new Http1Framing.Events() {
    @Override
    public void headStarted() {
    }

    @Override
    public void headEnded() {
    }
  };

  /** What the decoder made of the input, as text: each head's target, each body, and any failure. */
  private static List<String> decode(byte[]... pieces) {
    EmbeddedChannel channel = new EmbeddedChannel(
        new StrictRequestDecoder(new HttpServerOptions(), ListenerLimits.DEFAULT, NONE));
    List<String> out = new ArrayList<>();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] piece : pieces) {
      channel.writeInbound(Unpooled.wrappedBuffer(piece));
      Object msg;
      while ((msg = channel.readInbound()) != null) {
        try {
          if (msg instanceof HttpRequest request) {
            out.add(request.decoderResult().isSuccess() ? "request " + request.uri() : "invalid request");
          }
          if (msg instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
              out.add("failed: " + content.decoderResult().cause().getMessage());
              continue;
            }
            ByteBuf data = content.content();
            byte[] bytes = new byte[data.readableBytes()];
            data.readBytes(bytes);
            body.writeBytes(bytes);
            if (msg instanceof LastHttpContent last) {
              out.add("body " + body.size() + " " + digest(body.toByteArray())
                  + (last.trailingHeaders().isEmpty() ? "" : " trailers " + last.trailingHeaders().names()));
              body.reset();
            }
          }
        } finally {
          ReferenceCountUtil.release(msg);
        }
      }
    }
    channel.finishAndReleaseAll();
    return out;
  }

  private static String digest(byte[] bytes) {
    long h = 1125899906842597L;
    for (byte b : bytes) {
      h = 31 * h + b;
    }
    return Long.toHexString(h);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** {@code whole} cut into pieces at these offsets. */
  private static byte[][] cut(byte[] whole, int... at) {
    byte[][] pieces = new byte[at.length + 1][];
    int from = 0;
    for (int i = 0; i <= at.length; i++) {
      int to = i < at.length ? at[i] : whole.length;
      pieces[i] = java.util.Arrays.copyOfRange(whole, from, to);
      from = to;
    }
    return pieces;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      // Every byte value, CR and LF and what looks like a request line among them.
      b[i] = (byte) (i * 7 + i / 253);
    }
    byte[] fake = ascii("\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    System.arraycopy(fake, 0, b, n / 2, Math.min(fake.length, n - n / 2));
    return b;
  }

  @Test
  void aContentLengthBodyInManyPiecesDecodesWholeAndTheNextRequestIsFound() {
    byte[] data = pattern(200_000);
    byte[] input = concat(ascii("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 200000\r\n\r\n"), data,
        ascii("GET /next HTTP/1.1\r\nHost: h\r\n\r\n"));
    int head = input.length - data.length - 33;
    List<String> whole = decode(input);
    assertThat(whole).containsExactly("request /up", "body 200000 " + digest(data), "request /next",
        "body 0 " + digest(new byte[0]));
    assertThat(decode(cut(input, 10, head - 1, head, head + 1, head + 65_537, input.length - 40, input.length - 33,
        input.length - 5))).isEqualTo(whole);
  }

  @Test
  void aChunkedBodyCutInsideSizesDataAndLineEndsDecodesWhole() {
    byte[] big = pattern(70_000);
    byte[] input = concat(ascii("POST /chunks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"),
        ascii("1\r\nA\r\n"), ascii("11170;ext=1\r\n"), big, ascii("\r\n3\r\nxyz\r\n0\r\nX-Sum: 1\r\n\r\n"),
        ascii("GET /after HTTP/1.1\r\nHost: h\r\n\r\n"));
    byte[] expected = concat(ascii("A"), big, ascii("xyz"));
    List<String> whole = decode(input);
    assertThat(whole).containsExactly("request /chunks", "body 70004 " + digest(expected) + " trailers [X-Sum]",
        "request /after", "body 0 " + digest(new byte[0]));
    int first = 63 + 6;
    int[] cuts = new int[input.length / 997];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = 1 + i * 997;
    }
    assertThat(decode(cut(input, cuts))).isEqualTo(whole);
    // Every place around the first chunks' sizes, data and line ends, one byte at a time.
    byte[][] bytewise = new byte[first + 20][];
    for (int i = 0; i < bytewise.length; i++) {
      bytewise[i] = new byte[] {input[i]};
    }
    byte[] rest = java.util.Arrays.copyOfRange(input, bytewise.length, input.length);
    byte[][] pieces = java.util.Arrays.copyOf(bytewise, bytewise.length + 1);
    pieces[bytewise.length] = rest;
    assertThat(decode(pieces)).isEqualTo(whole);
  }

  @Test
  void chunkDataLongerThanItsSizeIsStillRefusedAndNothingAfterItIsRead() {
    byte[] input = ascii("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloEXTRA\r\n0\r\n\r\n"
        + "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n");
    List<String> out = decode(cut(input, 70, 75));
    assertThat(out).first().isEqualTo("request /c");
    assertThat(out).anyMatch(s -> s.startsWith("failed: chunk data longer than its size"));
    assertThat(out).noneMatch(s -> s.contains("smuggled"));
  }

  @Test
  void theBytesAContentLengthDeclaresAreBodyWhateverTheyLookLike() {
    String body = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\nabc";
    byte[] input = ascii("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
        + "GET /real HTTP/1.1\r\nHost: h\r\n\r\n");
    assertThat(decode(cut(input, 52, 60))).containsExactly("request /p", "body " + body.length() + " "
        + digest(ascii(body)), "request /real", "body 0 " + digest(new byte[0]));
  }
}
