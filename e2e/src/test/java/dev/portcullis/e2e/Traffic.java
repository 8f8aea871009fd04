package dev.portcullis.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;

/**
 * Steady traffic from a few clients, each with its own keep-alive connections (as browsers and
 * API clients have), while a scenario changes something underneath. Every request that does not
 * get a 200 from a backend counts as failed, with its reason.
 */
final class Traffic implements AutoCloseable {

  record Result(long ok, List<String> failures, Map<String, Long> backends) {
    @Override
    public String toString() {
      return ok + " ok, " + failures.size() + " failed, by backend " + backends
          + (failures.isEmpty() ? "" : ", first failures " + failures.subList(0, Math.min(5, failures.size())));
    }
  }

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong ok = new AtomicLong();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicLong> backends = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  /** Requests stop at this count, whatever happens: the loop is bounded. */
  private static final long MAX_REQUESTS = 200_000;

  /** Starts {@code clients} loops of GET http://address:port/ with this Host, a few milliseconds apart. */
  static Traffic start(String address, int port, String host, int clients) {
    Traffic t = new Traffic();
    URI uri = URI.create("http://" + address + ":" + port + "/");
    for (int i = 0; i < clients; i++) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(3)).build();
      Thread thread = new Thread(() -> t.loop(http, uri, host), "traffic-" + i);
      thread.setDaemon(true);
      t.threads.add(thread);
      thread.start();
    }
    return t;
  }

  private void loop(HttpClient http, URI uri, String host) {
    HttpRequest request = HttpRequest.newBuilder(uri).header("Host", host).timeout(Duration.ofSeconds(10)).build();
    while (running.get() && ok.get() + failures.size() < MAX_REQUESTS) {
      try {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        Matcher m = Http.BACKEND.matcher(r.body());
        if (r.statusCode() == 200 && m.find()) {
          ok.incrementAndGet();
          backends.computeIfAbsent(m.group(1), k -> new AtomicLong()).incrementAndGet();
        } else {
          failures.add(System.currentTimeMillis() % 100_000 + " status " + r.statusCode() + ": " + r.body().trim());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        failures.add(System.currentTimeMillis() % 100_000 + " " + e);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  long count() {
    return ok.get() + failures.size();
  }

  Result stop() {
    running.set(false);
    for (Thread t : threads) {
      try {
        t.join(15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    Map<String, Long> counts = new java.util.TreeMap<>();
    backends.forEach((k, v) -> counts.put(k, v.get()));
    return new Result(ok.get(), List.copyOf(failures), counts);
  }

  @Override
  public void close() {
    stop();
  }
}
