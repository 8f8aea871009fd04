package dev.portcullis.dataplane.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.dataplane.listener.ListenerLimits;
import dev.portcullis.model.BalancerPolicy;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 over cleartext with prior knowledge, written frame by frame: the settings the proxy
 * announces, a CONTINUATION flood (one HEADERS frame and CONTINUATION frames without end), and
 * rapid reset (streams opened and reset at once).
 */
class Http2LimitsTest extends LiveProxy {

  static final byte DATA = 0;
  static final byte HEADERS = 1;
  static final byte RST_STREAM = 3;
  static final byte SETTINGS = 4;
  static final byte GOAWAY = 7;
  static final byte CONTINUATION = 9;
  static final byte END_STREAM = 1;
  static final byte END_HEADERS = 4;

  @BeforeEach
  void route() throws Exception {
    serve("h.test", cluster("h2", BalancerPolicy.ROUND_ROBIN, upstreams("up")[0]), null, null);
  }

  /** A tiny HTTP/2 frame writer and reader over a raw socket. */
  static final class Frames implements AutoCloseable {
    final Socket socket;
    final OutputStream out;
    final DataInputStream in;

    Frames(int port) throws IOException {
      this(new Socket("127.0.0.1", port));
    }

    private Frames(Socket socket) throws IOException {
      this(socket, socket.getOutputStream(), new DataInputStream(socket.getInputStream()));
      socket.setSoTimeout(10_000);
    }

    /** HTTP/2 on a connection already open (after an upgrade, say): the preface and SETTINGS first. */
    Frames(Socket socket, OutputStream out, DataInputStream in) throws IOException {
      this.socket = socket;
      this.out = out;
      this.in = in;
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      frame(SETTINGS, (byte) 0, 0, new byte[0]);
    }

    void frame(byte type, byte flags, int stream, byte[] payload) throws IOException {
      byte[] header = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, type,
          flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
      out.write(header);
      out.write(payload);
    }

    /** One frame read: type, flags, stream, payload. */
    record Frame(int type, int flags, int stream, byte[] payload) { }

    Frame read() throws IOException {
      int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int stream = in.readInt() & 0x7fffffff;
      byte[] payload = new byte[length];
      in.readFully(payload);
      return new Frame(type, flags, stream, payload);
    }

    /** HPACK: literal header fields without indexing, new names (RFC 7541 section 6.2.2). */
    static byte[] block(String... nameValues) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int i = 0; i < nameValues.length; i += 2) {
        b.write(0);
        string(b, nameValues[i]);
        string(b, nameValues[i + 1]);
      }
      return b.toByteArray();
    }

    static void string(ByteArrayOutputStream b, String s) {
      byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
      if (bytes.length >= 127) {
        throw new IllegalArgumentException("keep test strings short");
      }
      b.write(bytes.length);
      b.write(bytes, 0, bytes.length);
    }

    static byte[] request(String path) {
      return block(":method", "GET", ":scheme", "http", ":authority", "h.test", ":path", path);
    }

    /** True once the server closed the connection or said GOAWAY, within {@code ms}. */
    boolean closedOrGoneAway(long ms) throws IOException {
      socket.setSoTimeout((int) ms);
      try {
        while (true) {
          if (read().type() == GOAWAY) {
            return true;
          }
        }
      } catch (SocketTimeoutException e) {
        return false;
      } catch (java.io.EOFException | SocketException e) {
        return true;
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  @Test
  void theProxyAnnouncesItsStreamAndHeaderListLimits() throws Exception {
    try (Frames f = new Frames(dataPlane.httpPort())) {
      Frames.Frame settings = f.read();
      assertThat(settings.type()).isEqualTo(SETTINGS);
      Map<Integer, Long> values = new HashMap<>();
      for (int i = 0; i + 6 <= settings.payload().length; i += 6) {
        int id = ((settings.payload()[i] & 0xff) << 8) | (settings.payload()[i + 1] & 0xff);
        long v = 0;
        for (int j = 2; j < 6; j++) {
          v = (v << 8) | (settings.payload()[i + j] & 0xff);
        }
        values.put(id, v);
      }
      assertThat(values).containsEntry(3, (long) ListenerLimits.DEFAULT_H2_MAX_CONCURRENT_STREAMS)
          .containsEntry(6, (long) ListenerLimits.DEFAULT_MAX_HEADER_SIZE);
      // And a plain request over the same hand-written connection works.
      f.frame(HEADERS, (byte) (END_HEADERS | END_STREAM), 1, Frames.request("/"));
      boolean answered = false;
      for (int i = 0; i < 20 && !answered; i++) {
        Frames.Frame frame = f.read();
        answered = frame.type() == HEADERS && frame.stream() == 1;
      }
      assertThat(answered).isTrue();
    }
  }

  @Test
  void aContinuationFloodClosesTheConnection() throws Exception {
    try (Frames f = new Frames(dataPlane.httpPort())) {
      f.frame(HEADERS, (byte) 0, 1, Frames.request("/"));
      byte[] filler = Frames.block("x-filler", "y".repeat(100));
      boolean cut = false;
      long sent = 0;
      // Far more header bytes than the 32 KiB header list limit, in small CONTINUATION frames.
      try {
        for (int i = 0; i < 20_000; i++) {
          f.frame(CONTINUATION, (byte) 0, 1, filler);
          sent += filler.length;
          if (i % 100 == 0) {
            f.out.flush();
          }
        }
        f.out.flush();
      } catch (SocketException e) {
        cut = true;
      }
      assertThat(cut || f.closedOrGoneAway(5000)).as("closed after " + sent + " header bytes").isTrue();
    }
  }

  @Test
  void emptyContinuationFramesWithoutEndCloseTheConnection() throws Exception {
    try (Frames f = new Frames(dataPlane.httpPort())) {
      f.out.flush();
      assertThat(f.read().type()).isEqualTo(SETTINGS);
      assertThat(closesOnEmptyContinuations(f, 1)).isTrue();
    }
  }

  /**
   * Opens a header block on {@code stream} and sends zero-length CONTINUATION fragments that never
   * end it: no header bytes pile up, but the block never ends. True if the proxy cut the connection.
   */
  static boolean closesOnEmptyContinuations(Frames f, int stream) throws IOException {
    f.frame(HEADERS, (byte) 0, stream, Frames.request("/"));
    f.out.flush();
    try {
      for (int i = 0; i < 100_000; i++) {
        f.frame(CONTINUATION, (byte) 0, stream, new byte[0]);
      }
      f.out.flush();
    } catch (SocketException e) {
      return true;
    }
    return f.closedOrGoneAway(5000);
  }

  /** An HTTP/1.1 request that upgrades the connection to h2c; returns the frames that follow the 101. */
  static Frames upgraded(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    OutputStream out = socket.getOutputStream();
    DataInputStream in = new DataInputStream(socket.getInputStream());
    out.write(("GET / HTTP/1.1\r\nHost: h.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) in.readUnsignedByte());
    }
    assertThat(head.toString()).startsWith("HTTP/1.1 101");
    return new Frames(socket, out, in);
  }

  @Test
  void anH2cUpgradeServesTheUpgradedRequestAndTheNextOnes() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", dataPlane.httpPort())) {
      Frames f = upgraded(socket);
      f.frame(HEADERS, (byte) (END_HEADERS | END_STREAM), 3, Frames.request("/"));
      f.out.flush();
      Map<Integer, Integer> bodyBytes = new HashMap<>();
      java.util.Set<Integer> ended = new java.util.HashSet<>();
      for (int i = 0; i < 60 && ended.size() < 2; i++) {
        Frames.Frame frame = f.read();
        if (frame.type() == DATA) {
          bodyBytes.merge(frame.stream(), frame.payload().length, Integer::sum);
        }
        if ((frame.type() == DATA || frame.type() == HEADERS) && (frame.flags() & END_STREAM) != 0) {
          ended.add(frame.stream());
        }
      }
      // Both answered whole: the upgraded request (stream 1) and one sent over HTTP/2 after it.
      assertThat(ended).containsExactlyInAnyOrder(1, 3);
      assertThat(bodyBytes.get(1)).isPositive();
      assertThat(bodyBytes.get(3)).isPositive();
    }
  }

  /**
   * The same flood on a connection that became HTTP/2 by an HTTP/1.1 {@code Upgrade: h2c}: the
   * guard is fitted once the upgrade has swapped the pipeline, and reads from the preface on.
   */
  @Test
  void emptyContinuationFramesAfterAnH2cUpgradeCloseTheConnection() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", dataPlane.httpPort())) {
      // Stream 1 is the upgraded request: the flood opens stream 3.
      assertThat(closesOnEmptyContinuations(upgraded(socket), 3)).isTrue();
    }
  }

  @Test
  void rapidResetClosesTheConnection() throws Exception {
    try (Frames f = new Frames(dataPlane.httpPort())) {
      boolean cut = false;
      try {
        for (int stream = 1; stream < 2 * 1000; stream += 2) {
          f.frame(HEADERS, (byte) (END_HEADERS | END_STREAM), stream, Frames.request("/"));
          f.frame(RST_STREAM, (byte) 0, stream, new byte[] {0, 0, 0, 8});
        }
        f.out.flush();
      } catch (SocketException e) {
        cut = true;
      }
      assertThat(cut || f.closedOrGoneAway(5000)).isTrue();
    }
  }
}
