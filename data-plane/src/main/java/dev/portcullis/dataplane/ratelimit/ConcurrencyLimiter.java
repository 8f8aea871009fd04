package dev.portcullis.dataplane.ratelimit;

import dev.portcullis.model.RoutePolicies;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests in flight per client address, shared by every event loop (nginx's {@code limit_conn}).
 * A slot is taken when a request is admitted and given back once when its response is done with,
 * ended or abandoned; an address with no request in flight holds no entry. The map's per-key
 * compute is a short critical section, never a wait on I/O.
 */
public final class ConcurrencyLimiter {

  /** The limiter's identity across route tables: the same scope and limit keep their counts. */
  public record Id(String scope, RoutePolicies.Concurrency limit) {
    public static Id of(String routeName, RoutePolicies.Concurrency limit) {
      return new Id(limit.scope() != null ? limit.scope() : routeName, limit);
    }
  }

  private final int max;
  private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();

  public ConcurrencyLimiter(RoutePolicies.Concurrency limit) {
    this.max = limit.maxPerClient();
  }

  /**
   * Takes a slot for {@code client}; null (no known address) is always admitted.
   *
   * @return the slot to give back, or null when the address has {@code max} requests in flight
   */
  public Runnable acquire(String client) {
    if (client == null) {
      return () -> { };
    }
    boolean[] taken = {false};
    inFlight.compute(client, (k, n) -> {
      int current = n == null ? 0 : n;
      if (current >= max) {
        return n;
      }
      taken[0] = true;
      return current + 1;
    });
    if (!taken[0]) {
      return null;
    }
    boolean[] released = {false};
    return () -> {
      if (!released[0]) {
        released[0] = true;
        inFlight.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
      }
    };
  }

  /** Requests of {@code client} in flight now. */
  public int inFlight(String client) {
    return inFlight.getOrDefault(client, 0);
  }
}
