package dev.portcullis.dataplane.resilience;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A client on a plain socket: writes bytes as told and reads what comes back. */
final class RawClient implements AutoCloseable {

  final Socket socket;
  final long openedNanos = System.nanoTime();

  RawClient(int port) throws IOException {
    this(port, null);
  }

  /** @param from a local loopback address to connect from (127.0.0.2 ...), or null */
  RawClient(int port, String from) throws IOException {
    socket = new Socket();
    if (from != null) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(10_000);
  }

  RawClient send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawClient send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  /** True when the server has closed the connection (end of stream or reset) within {@code ms}. */
  boolean closedWithin(long ms) throws IOException {
    socket.setSoTimeout((int) Math.max(1, ms));
    try {
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[4096];
      while (in.read(buf) >= 0) {
        // discard anything before the close
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }

  /** Reads one response whose body is delimited by Content-Length. */
  String response() throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      head.write(c);
      String h = head.toString(StandardCharsets.ISO_8859_1);
      if (h.endsWith("\r\n\r\n")) {
        int at = h.toLowerCase().indexOf("content-length:");
        if (at >= 0) {
          int end = h.indexOf("\r\n", at);
          int n = Integer.parseInt(h.substring(at + 15, end).trim());
          return h + new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
        }
        if (h.startsWith("HTTP/1.1 100")) {
          return h;
        }
        return h;
      }
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  long elapsedMs() {
    return (System.nanoTime() - openedNanos) / 1_000_000;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
