package dev.portcullis.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The strict decoder reads request targets and header values in tight loops and passes over
 * body bytes in bulk (only their count matters to the framing): heads and bodies split at every
 * awkward place decode as they do whole, the request after a body is found where it begins, and
 * every byte the grammar forbids is still refused where it stands.
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

  /** How a piece of input is held: on the heap, in native memory, or in two parts (merged before decoding). */
  enum Memory {
    HEAP, DIRECT, COMPOSITE;

    ByteBuf wrap(byte[] bytes) {
      return switch (this) {
        case HEAP -> Unpooled.wrappedBuffer(bytes);
        case DIRECT -> Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        case COMPOSITE -> Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(bytes, 0, bytes.length / 2),
            Unpooled.directBuffer(bytes.length).writeBytes(bytes, bytes.length / 2, bytes.length - bytes.length / 2));
      };
    }
  }

  /** What the decoder made of the input, as text: each head's target, each body, and any failure. */
  private static List<String> decode(byte[]... pieces) {
    return decode(Memory.HEAP, pieces);
  }

  private static List<String> decode(Memory memory, byte[]... pieces) {
    EmbeddedChannel channel = new EmbeddedChannel(
        new StrictRequestDecoder(ListenerLimits.DEFAULT, NONE));
    List<String> out = new ArrayList<>();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] piece : pieces) {
      channel.writeInbound(memory.wrap(piece));
      Object msg;
      while ((msg = channel.readInbound()) != null) {
        try {
          if (msg instanceof HttpRequest request) {
            out.add(request.decoderResult().isSuccess() ? "request " + request.uri()
                : request.decoderResult().cause() instanceof RequestViolation v ? "refused " + v.status() + " " + v.getMessage()
                : "invalid request");
            if (request.decoderResult().isFailure()) {
              continue; // a refused request comes as one full message: its content is nothing more
            }
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

  static final String BROWSER_HEAD = "GET /shop/items?category=shoes&sort=price&page=3 HTTP/1.1\r\n"
      + "Host: www.example-shop.com\r\n"
      + "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131\r\n"
      + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
      + "Cookie: session=3f9a8b7c6d5e4f3a; cart=eyJpdGVtcyI6WzEyMzQ1XX0;\ttheme=dark\r\n"
      + "X-Latin1: caf\u00e9 \u00fcber\r\n"
      + "Sec-Ch-Ua: \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"\r\n\r\n";

  @Test
  void aBrowsersHeadReadsTheSameWholeByteByByteAndInAnyPieces() {
    byte[] input = concat(ascii(BROWSER_HEAD), ascii(BROWSER_HEAD.replace("/shop/items", "/second")));
    List<String> whole = decode(input);
    assertThat(whole).containsExactly("request /shop/items?category=shoes&sort=price&page=3",
        "body 0 " + digest(new byte[0]), "request /second?category=shoes&sort=price&page=3", "body 0 " + digest(new byte[0]));
    byte[][] bytewise = new byte[input.length][];
    for (int i = 0; i < input.length; i++) {
      bytewise[i] = new byte[] {input[i]};
    }
    assertThat(decode(bytewise)).isEqualTo(whole);
    assertThat(decode(cut(input, 7, 30, 31, 200, 333, 334, BROWSER_HEAD.length() - 2, BROWSER_HEAD.length() + 3)))
        .isEqualTo(whole);
    // The bytes are read from the buffer's array, from its native memory, or through the buffer.
    for (Memory memory : Memory.values()) {
      assertThat(decode(memory, input)).as(memory.name()).isEqualTo(whole);
      assertThat(decode(memory, cut(input, 40, 333, BROWSER_HEAD.length() + 3))).as(memory.name()).isEqualTo(whole);
      assertThat(decode(memory, ascii("GET / HTTP/1.1\r\nHost: h\r\nX-Bad: a\u0001b\r\n\r\n"))).as(memory.name())
          .containsExactly("refused 400 invalid character in a header value");
      assertThat(decode(memory, ascii("POST /a HTTP/1.1\r\nHost: h\r\ncontent-length: 3\r\n\r\nabc")))
          .as(memory.name()).containsExactly("request /a", "body 3 " + digest(ascii("abc")));
    }
  }

  @Test
  void aForbiddenByteInAHeaderValueIsRefusedWhereverTheValueIsCut() {
    for (String bad : List.of("\u0000", "\u0001", "\u007f", "\n", "\u001f")) {
      byte[] input = ascii("GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + "v".repeat(300) + bad + "tail\r\n\r\n");
      int at = input.length - 9;
      for (byte[][] pieces : List.of(new byte[][] {input}, cut(input, at - 1), cut(input, at), cut(input, at + 1))) {
        assertThat(decode(pieces)).as("byte %x", (int) bad.charAt(0))
            .containsExactly("refused 400 invalid character in a header value");
      }
    }
  }

  @Test
  void theTargetIsHeldToItsLengthAndToVisibleAscii() {
    int max = ListenerLimits.DEFAULT.maxUriLength();
    String longest = "/" + "a".repeat(max - 1);
    String request = "GET " + longest + " HTTP/1.1\r\nHost: h\r\n\r\n";
    assertThat(decode(cut(ascii(request), 5, max))).first().isEqualTo("request " + longest);
    byte[] over = ascii("GET " + longest + "b HTTP/1.1\r\nHost: h\r\n\r\n");
    assertThat(decode(over)).containsExactly("refused 414 request target longer than " + max + " bytes");
    assertThat(decode(cut(over, 4 + max - 3, 4 + max))).containsExactly(
        "refused 414 request target longer than " + max + " bytes");
    for (String bad : List.of("\u007f", "\u0080", "\t", "\u00ff")) {
      assertThat(decode(cut(ascii("GET /a" + bad + "b HTTP/1.1\r\nHost: h\r\n\r\n"), 5)))
          .containsExactly("refused 400 invalid character in the request target");
    }
    assertThat(decode(ascii("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"))).containsExactly("refused 400 empty request target");
  }

  @Test
  void onlyTheExactNamesFrameTheBodyInAnyCase() {
    // Any case of Content-Length frames the body; a name one character off is just another header.
    assertThat(decode(ascii("POST /a HTTP/1.1\r\nHost: h\r\nCoNtEnT-LeNgTh: 3\r\n\r\nabc"))).containsExactly(
        "request /a", "body 3 " + digest(ascii("abc")));
    assertThat(decode(ascii("POST /a HTTP/1.1\r\nHost: h\r\nTRANSFER-ENCODING: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")))
        .containsExactly("request /a", "body 3 " + digest(ascii("abc")));
    // The value is read from the bytes of its line: white space around it is not part of it, but
    // only its first 64 bytes are looked at, and a longer Content-Length is refused.
    assertThat(decode(ascii("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: \t3" + " ".repeat(40) + "\r\n\r\nabc")))
        .containsExactly("request /a", "body 3 " + digest(ascii("abc")));
    assertThat(decode(ascii("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3" + " ".repeat(70) + "\r\n\r\nabc")))
        .containsExactly("refused 400 invalid Content-Length");
    for (String lookalike : List.of("Content-Lengthx", "Content-Lengt", "Content_Length", "XContent-Length",
        "Transfer-Encodin", "Transfer-Encodings")) {
      assertThat(decode(ascii("GET /a HTTP/1.1\r\nHost: h\r\n" + lookalike + ": 5\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n")))
          .as(lookalike).containsExactly("request /a", "body 0 " + digest(new byte[0]), "request /b",
              "body 0 " + digest(new byte[0]));
    }
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

  /** The requests decoded from the input, whole (their bodies left out). */
  private static List<HttpRequest> requests(byte[]... pieces) {
    EmbeddedChannel channel = new EmbeddedChannel(new StrictRequestDecoder(ListenerLimits.DEFAULT, NONE));
    List<HttpRequest> out = new ArrayList<>();
    for (byte[] piece : pieces) {
      channel.writeInbound(Unpooled.wrappedBuffer(piece));
      Object msg;
      while ((msg = channel.readInbound()) != null) {
        if (msg instanceof HttpRequest request) {
          out.add(request);
        }
        ReferenceCountUtil.release(msg);
      }
    }
    channel.finishAndReleaseAll();
    return out;
  }

  @Test
  void fieldsAreBuiltFromTheBytesReadWithoutTheWhiteSpaceAroundValuesAndNamesAsSent() {
    byte[] input = ascii("PATCH /p?q=1 HTTP/1.0\r\nhost:h.example\r\nX-Pad: \t a  b \t\r\nX-Empty:\r\n"
        + "x-two: 1\r\nX-Two: 2\r\nX-Latin1: caf\u00e9\r\nUser-Agent: ua/1\r\n\r\n");
    for (byte[][] pieces : List.of(new byte[][] {input}, cut(input, 3, 20, 33, 34, 50, input.length - 3))) {
      List<HttpRequest> requests = requests(pieces);
      assertThat(requests).hasSize(1);
      HttpRequest r = requests.get(0);
      assertThat(r.decoderResult().isSuccess()).isTrue();
      assertThat(r.method().name()).isEqualTo("PATCH");
      assertThat(r.uri()).isEqualTo("/p?q=1");
      assertThat(r.protocolVersion()).isEqualTo(io.netty.handler.codec.http.HttpVersion.HTTP_1_0);
      assertThat(r.headers().get("Host")).isEqualTo("h.example");
      assertThat(r.headers().get("x-pad")).isEqualTo("a  b");
      assertThat(r.headers().get("x-empty")).isEqualTo("");
      assertThat(r.headers().getAll("X-TWO")).containsExactly("1", "2");
      // Each byte of obs-text stays the byte it was (ISO-8859-1 is one char per byte).
      assertThat(r.headers().get("x-latin1")).isEqualTo("caf\u00e9");
      // Names keep the case they were sent in: the upstream gets them as they came.
      List<String> names = new ArrayList<>();
      r.headers().iteratorCharSequence().forEachRemaining(e -> names.add(e.getKey().toString()));
      assertThat(names).containsExactly("host", "X-Pad", "X-Empty", "x-two", "X-Two", "X-Latin1", "User-Agent");
    }
    assertThat(requests(ascii("GET / HTTP/1.1\r\nHost: h\r\n\r\n")).get(0).method())
        .isSameAs(io.netty.handler.codec.http.HttpMethod.GET);
    assertThat(requests(ascii("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n")).get(0).method().name()).isEqualTo("BREW");
  }

  @Test
  void whatAHeadMayHoldInTheBufferIsBounded() {
    int size = ListenerLimits.DEFAULT.maxHeaderSize();
    String filler = "X-Fill: " + "f".repeat(1000) + "\r\n";
    String under = "GET / HTTP/1.1\r\nHost: h\r\n" + filler.repeat(size / filler.length() - 1) + "\r\n";
    assertThat(decode(ascii(under))).first().isEqualTo("request /");
    byte[] over = ascii("GET / HTTP/1.1\r\nHost: h\r\n" + filler.repeat(size / filler.length() + 1) + "\r\n");
    for (byte[][] pieces : List.of(new byte[][] {over}, cut(over, 100, 20_000, size))) {
      assertThat(decode(pieces)).containsExactly("refused 431 header fields longer than " + size + " bytes");
    }
    // One long name, never ended by a colon.
    assertThat(decode(ascii("GET / HTTP/1.1\r\nX" + "n".repeat(size + 10)))).containsExactly(
        "refused 431 header fields longer than " + size + " bytes");
    assertThat(decode(ascii("G".repeat(Http1Framing.MAX_METHOD_LENGTH + 1) + " / HTTP/1.1\r\n"))).containsExactly(
        "refused 400 method longer than " + Http1Framing.MAX_METHOD_LENGTH + " bytes");
  }

  @Test
  void trailersAndChunkExtensionsAreBoundedToo() {
    String head = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    List<String> longExtension = decode(ascii(head + "3;" + "e".repeat(Http1Framing.MAX_CHUNK_EXTENSION + 1) + "\r\nabc\r\n"));
    assertThat(longExtension).containsExactly("request /c",
        "failed: chunk extension longer than " + Http1Framing.MAX_CHUNK_EXTENSION + " bytes");
    int size = ListenerLimits.DEFAULT.maxHeaderSize();
    List<String> longTrailers = decode(ascii(head + "3\r\nabc\r\n0\r\nX-T: " + "t".repeat(size) + "\r\n\r\n"));
    assertThat(longTrailers).containsExactly("request /c", "failed: trailer fields longer than " + size + " bytes");
    // The body bytes before the refusal were passed on; the request never ends well.
    assertThat(decode(ascii(head + "3\r\nabc\r\n0\r\nX-A: 1\r\nX-B:2\r\n\r\n"))).containsExactly("request /c",
        "body 3 " + digest(ascii("abc")) + " trailers [X-A, X-B]");
  }

  @Test
  void theDecoderStopsAfterEachRequestSoAHandlerThatTakesTheConnectionOverGetsTheRestAsSent() {
    // As Vert.x does on an upgrade: the decoder is removed once the request is whole.
    List<Object> after = new ArrayList<>();
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.pipeline().addLast("httpDecoder", new StrictRequestDecoder(ListenerLimits.DEFAULT, NONE));
    channel.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
        after.add(msg instanceof ByteBuf b ? "bytes " + b.toString(StandardCharsets.ISO_8859_1) : msg);
        ReferenceCountUtil.release(msg);
        if (msg instanceof LastHttpContent && ctx.pipeline().get("httpDecoder") != null) {
          ctx.pipeline().remove("httpDecoder");
        }
      }
    });
    channel.writeInbound(Unpooled.wrappedBuffer(ascii("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n"
        + "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0081\u0000")));
    assertThat(after).hasSize(3);
    assertThat(after.get(0)).isInstanceOf(HttpRequest.class);
    assertThat(after.get(1)).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
    assertThat(after.get(2)).isEqualTo("bytes PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0081\u0000");
    channel.finishAndReleaseAll();
  }
}
