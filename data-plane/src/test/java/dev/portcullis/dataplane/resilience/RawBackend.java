package dev.portcullis.dataplane.resilience;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A backend on a plain socket that reads exactly what the proxy sends with a strict HTTP/1.1
 * parser of its own (CRLF only, one Content-Length or a lone chunked, hex chunk sizes) and
 * records every request it parses, with its body, and every byte it could not parse. It answers
 * each request with 200 and keeps the connection, so a second request the proxy slipped into
 * the same connection would be parsed and recorded too.
 */
final class RawBackend implements AutoCloseable {

  /** One request as this backend read it. */
  record Received(String requestLine, List<String> headers, byte[] body) {
    String target() {
      String[] parts = requestLine.split(" ");
      return parts.length > 1 ? parts[1] : "";
    }

    String header(String name) {
      for (String h : headers) {
        int colon = h.indexOf(':');
        if (colon > 0 && h.substring(0, colon).equalsIgnoreCase(name)) {
          return h.substring(colon + 1).trim();
        }
      }
      return null;
    }

    String bodyText() {
      return new String(body, StandardCharsets.ISO_8859_1);
    }
  }

  final List<Received> requests = new CopyOnWriteArrayList<>();
  /** Bytes that did not parse as a request (each entry from one connection), as text. */
  final List<String> garbage = new CopyOnWriteArrayList<>();
  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  RawBackend() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::accept, "raw-backend");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  void clear() {
    requests.clear();
    garbage.clear();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "raw-backend-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        Received r;
        try {
          r = read(in);
        } catch (Malformed e) {
          garbage.add(e.getMessage());
          return;
        }
        if (r == null) {
          return;
        }
        requests.add(r);
        byte[] body = ("ok " + r.target()).getBytes(StandardCharsets.ISO_8859_1);
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
      }
    } catch (IOException e) {
      // the proxy reset or closed the connection
    }
  }

  static final class Malformed extends Exception {
    Malformed(String what) {
      super(what);
    }
  }

  /** One request, or null at a clean end of the stream. */
  private static Received read(InputStream in) throws IOException, Malformed {
    String requestLine = line(in, true);
    if (requestLine == null) {
      return null;
    }
    if (!requestLine.matches("[A-Z]+ \\S+ HTTP/1\\.1")) {
      throw new Malformed("request line: " + requestLine);
    }
    List<String> headers = new ArrayList<>();
    while (true) {
      String h = line(in, false);
      if (h.isEmpty()) {
        break;
      }
      if (!h.matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+:[ \\t]*[\\x21-\\x7e\\x80-\\xff]([\\x20-\\x7e\\t\\x80-\\xff]*[\\x21-\\x7e\\x80-\\xff])?[ \\t]*|[!#$%&'*+\\-.^_`|~0-9A-Za-z]+:[ \\t]*")) {
        throw new Malformed("header line: " + h);
      }
      headers.add(h);
    }
    Received head = new Received(requestLine, headers, new byte[0]);
    String te = head.header("transfer-encoding");
    List<String> lengths = headers.stream().filter(h -> h.toLowerCase(Locale.ROOT).startsWith("content-length:")).toList();
    if (te != null && !lengths.isEmpty()) {
      throw new Malformed("both Content-Length and Transfer-Encoding");
    }
    if (lengths.size() > 1) {
      throw new Malformed("several Content-Lengths");
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (te != null) {
      if (!te.equalsIgnoreCase("chunked")) {
        throw new Malformed("transfer coding " + te);
      }
      while (true) {
        String size = line(in, false);
        if (!size.matches("[0-9a-fA-F]{1,8}")) {
          throw new Malformed("chunk size: " + size);
        }
        int n = Integer.parseInt(size, 16);
        if (n == 0) {
          while (!line(in, false).isEmpty()) {
            // trailers
          }
          break;
        }
        body.write(in.readNBytes(n));
        if (!line(in, false).isEmpty()) {
          throw new Malformed("no CRLF after chunk data");
        }
      }
    } else if (!lengths.isEmpty()) {
      String v = head.header("content-length");
      if (!v.matches("[0-9]{1,12}")) {
        throw new Malformed("content-length: " + v);
      }
      long n = Long.parseLong(v);
      byte[] b = in.readNBytes((int) n);
      if (b.length < n) {
        throw new Malformed("body cut short");
      }
      body.write(b);
    }
    return new Received(requestLine, headers, body.toByteArray());
  }

  /** A line ending in CRLF (a bare CR or LF is malformed), or null at end of stream when allowed. */
  private static String line(InputStream in, boolean eofAllowed) throws IOException, Malformed {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int c = in.read();
      if (c < 0) {
        if (eofAllowed && sb.isEmpty()) {
          return null;
        }
        throw new Malformed("cut short after: " + sb);
      }
      if (c == '\n') {
        throw new Malformed("bare LF after: " + sb);
      }
      if (c == '\r') {
        if (in.read() != '\n') {
          throw new Malformed("bare CR after: " + sb);
        }
        return sb.toString();
      }
      if (c == 0) {
        throw new Malformed("NUL after: " + sb);
      }
      sb.append((char) c);
      if (sb.length() > 65536) {
        throw new Malformed("line too long");
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
