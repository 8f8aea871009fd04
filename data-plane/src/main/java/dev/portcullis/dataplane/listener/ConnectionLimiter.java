package dev.portcullis.dataplane.listener;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the client connections open at once, in all and per client address, for every event
 * loop of the listener. Connections are admitted on the acceptor and released on whichever event
 * loop closes them, so the counts are atomics: a compare-and-set on the address's counter, never
 * a lock. An address's counter leaves the map when it drops to zero; a counter at zero is dead
 * and never revived, so a release racing an admit cannot lose a count.
 */
public final class ConnectionLimiter {

  private final int max;
  private final int maxPerAddress;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, AtomicInteger> byAddress = new ConcurrentHashMap<>();

  public ConnectionLimiter(int max, int maxPerAddress) {
    this.max = max;
    this.maxPerAddress = maxPerAddress;
  }

  /** An admitted connection; release it exactly once, when it closes. */
  public final class Permit {
    private final InetAddress address;
    private final AtomicInteger counter;
    private final boolean global;
    private boolean released;

    private Permit(InetAddress address, AtomicInteger counter) {
      this(address, counter, true);
    }

    private Permit(InetAddress address, AtomicInteger counter, boolean global) {
      this.address = address;
      this.counter = counter;
      this.global = global;
    }

    /** Called once, from the closing connection's event loop. */
    public void release() {
      if (released) {
        return;
      }
      released = true;
      if (global) {
        open.decrementAndGet();
      }
      if (counter != null && counter.decrementAndGet() == 0) {
        byAddress.remove(address, counter);
      }
    }
  }

  /** A permit for a new connection from {@code address}, or null when it would pass a limit. */
  public Permit admit(InetAddress address) {
    if (max > 0 && open.incrementAndGet() > max) {
      open.decrementAndGet();
      return null;
    } else if (max <= 0) {
      open.incrementAndGet();
    }
    if (maxPerAddress <= 0 || address == null) {
      return new Permit(address, null);
    }
    while (true) {
      AtomicInteger counter = byAddress.get(address);
      if (counter == null) {
        AtomicInteger fresh = new AtomicInteger(1);
        if (byAddress.putIfAbsent(address, fresh) == null) {
          return new Permit(address, fresh);
        }
        continue;
      }
      int n = counter.get();
      if (n == 0) {
        // Dead: its last connection closed and it is being removed. Take it out and start afresh.
        byAddress.remove(address, counter);
        continue;
      }
      if (n >= maxPerAddress) {
        open.decrementAndGet();
        return null;
      }
      if (counter.compareAndSet(n, n + 1)) {
        return new Permit(address, counter);
      }
    }
  }

  /**
   * A permit for the per-address count alone, for a connection already counted in all: one whose
   * client address is learnt after the accept (from a PROXY protocol header). Null when the
   * address is at its limit.
   */
  public Permit admitAddress(InetAddress address) {
    if (maxPerAddress <= 0 || address == null) {
      return new Permit(address, null, false);
    }
    while (true) {
      AtomicInteger counter = byAddress.get(address);
      if (counter == null) {
        AtomicInteger fresh = new AtomicInteger(1);
        if (byAddress.putIfAbsent(address, fresh) == null) {
          return new Permit(address, fresh, false);
        }
        continue;
      }
      int n = counter.get();
      if (n == 0) {
        byAddress.remove(address, counter);
        continue;
      }
      if (n >= maxPerAddress) {
        return null;
      }
      if (counter.compareAndSet(n, n + 1)) {
        return new Permit(address, counter, false);
      }
    }
  }

  /** Connections open now. */
  public int open() {
    return open.get();
  }

  /** Connections open now from {@code address}. */
  public int open(InetAddress address) {
    AtomicInteger n = byAddress.get(address);
    return n == null ? 0 : n.get();
  }
}
