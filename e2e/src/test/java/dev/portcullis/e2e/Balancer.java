package dev.portcullis.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * What a Service and kube-proxy do for the data planes in the local harness: a TCP listener that
 * hands each new connection to the next ready data plane, round robin. A data plane is ready
 * while its admin port's /readyz answers 200, polled every 100 ms (a draining data plane fails
 * it at once, as its pod leaves the Service's endpoints). Connections already made stay where
 * they are. A connection that finds no ready data plane is closed: a failure the clients see.
 */
final class Balancer implements AutoCloseable {

  private final ServerSocket server;
  private final List<Integer> targets;
  private final IntUnaryOperator adminPortOf;
  private final Set<Integer> ready = ConcurrentHashMap.newKeySet();
  private final AtomicInteger next = new AtomicInteger();
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "balancer");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean closed;

  /** @param targets the data planes' ports behind this listener; @param adminPortOf each one's admin port */
  Balancer(List<Integer> targets, IntUnaryOperator adminPortOf) throws IOException {
    this.targets = List.copyOf(targets);
    this.adminPortOf = adminPortOf;
    server = new ServerSocket();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    pool.execute(this::accept);
    pool.execute(this::poll);
  }

  int port() {
    return server.getLocalPort();
  }

  boolean ready(int target) {
    return ready.contains(target);
  }

  private void poll() {
    while (!closed) {
      for (int t : targets) {
        if (readyz(adminPortOf.applyAsInt(t))) {
          ready.add(t);
        } else {
          ready.remove(t);
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static boolean readyz(int adminPort) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + adminPort + "/readyz").toURL()
          .openConnection();
      c.setConnectTimeout(300);
      c.setReadTimeout(500);
      try {
        return c.getResponseCode() == 200;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      pool.execute(() -> forward(client));
    }
  }

  private void forward(Socket client) {
    Integer target = pick();
    if (target == null) {
      close(client);
      return;
    }
    Socket upstream = new Socket();
    try {
      upstream.connect(new InetSocketAddress("127.0.0.1", target), 2000);
    } catch (IOException e) {
      close(client);
      close(upstream);
      return;
    }
    pool.execute(() -> pipe(client, upstream));
    pipe(upstream, client);
  }

  private Integer pick() {
    List<Integer> now = targets.stream().filter(ready::contains).toList();
    return now.isEmpty() ? null : now.get(Math.floorMod(next.getAndIncrement(), now.size()));
  }

  /** Copies until end of stream, then passes the half-close on; the side that finishes last closes both. */
  private static void pipe(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      close(from);
      close(to);
      return;
    }
    if (from.isOutputShutdown()) {
      close(from);
      close(to);
    }
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    pool.shutdownNow();
  }
}
