package dev.portcullis.model.routing;

import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.VirtualHost;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * A route table compiled for lookup: by host through hash maps (exact, then wildcard, then the
 * catch-all), then by path through hash maps keyed by the path and by each of its element
 * prefixes, longest first. Never a scan over all routes.
 *
 * <p>Immutable and safe to share between threads. Each route carries a payload {@code T} that the
 * compiler made for it (the data plane attaches its runtime view; tests attach the route itself).
 *
 * @param <T> the payload per route
 */
public final class Router<T> {

  private final Map<String, Host<T>> exact;
  private final Map<String, Host<T>> wildcard;
  private final Host<T> catchAll;

  private Router(Map<String, Host<T>> exact, Map<String, Host<T>> wildcard, Host<T> catchAll) {
    this.exact = exact;
    this.wildcard = wildcard;
    this.catchAll = catchAll;
  }

  /** Compiles the table, calling {@code compiler} once per route (fallbacks included). */
  public static <T> Router<T> compile(RouteTable table, BiFunction<VirtualHost, Route, T> compiler) {
    Map<String, Host<T>> exact = new HashMap<>();
    Map<String, Host<T>> wildcard = new HashMap<>();
    Host<T> catchAll = null;
    for (VirtualHost vh : table.virtualHosts()) {
      Host<T> host = Host.compile(vh, compiler);
      if (vh.isCatchAll()) {
        catchAll = host;
      } else if (vh.isWildcard()) {
        wildcard.put(vh.hostname().substring(2), host);
      } else {
        exact.put(vh.hostname(), host);
      }
    }
    return new Router<>(Map.copyOf(exact), Map.copyOf(wildcard), catchAll);
  }

  /**
   * The payload of the route for this request, or null when nothing matches (a 404).
   *
   * @param host a host as returned by {@link #normalizeHost}
   * @param path the request path, without query, already normalised
   */
  public T route(String host, String path) {
    Host<T> h = host(host);
    return h == null ? null : h.route(path);
  }

  /** The virtual host that handles this host name, or null. */
  Host<T> host(String host) {
    Host<T> h = exact.get(host);
    if (h != null) {
      return h;
    }
    int dot = host.indexOf('.');
    if (dot > 0 && !wildcard.isEmpty()) {
      h = wildcard.get(host.substring(dot + 1));
      if (h != null) {
        return h;
      }
    }
    return catchAll;
  }

  /**
   * The host part of a Host header or :authority, as the router compares it: lower case, without
   * port or trailing dot. IPv6 literals keep their brackets (they only ever reach the catch-all).
   */
  public static String normalizeHost(String authority) {
    if (authority == null || authority.isEmpty()) {
      return "";
    }
    int end = authority.length();
    if (authority.charAt(0) == '[') {
      int close = authority.indexOf(']');
      end = close < 0 ? end : close + 1;
    } else {
      int colon = authority.lastIndexOf(':');
      if (colon >= 0) {
        end = colon;
      }
    }
    if (end > 0 && authority.charAt(end - 1) == '.') {
      end--;
    }
    String host = end == authority.length() ? authority : authority.substring(0, end);
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return host.toLowerCase(java.util.Locale.ROOT);
      }
    }
    return host;
  }

  static final class Host<T> {
    private final Map<String, T> exactPaths;
    private final Map<String, T> prefixes;
    /** The lengths of the prefixes above, to skip lookups that cannot hit. */
    private final boolean[] prefixLength;
    private final T root;
    private final T fallback;

    private Host(Map<String, T> exactPaths, Map<String, T> prefixes, boolean[] prefixLength, T root, T fallback) {
      this.exactPaths = exactPaths;
      this.prefixes = prefixes;
      this.prefixLength = prefixLength;
      this.root = root;
      this.fallback = fallback;
    }

    static <T> Host<T> compile(VirtualHost vh, BiFunction<VirtualHost, Route, T> compiler) {
      Map<String, T> exactPaths = new HashMap<>();
      Map<String, T> prefixes = new HashMap<>();
      TreeSet<Integer> lengths = new TreeSet<>();
      T root = null;
      for (Route r : vh.routes()) {
        PathMatch p = r.match().path();
        T payload = compiler.apply(vh, r);
        if (p.type() == PathMatch.Type.EXACT) {
          exactPaths.putIfAbsent(p.value(), payload);
        } else if (p.value().equals("/")) {
          root = root == null ? payload : root;
        } else {
          prefixes.putIfAbsent(p.value(), payload);
          lengths.add(p.value().length());
        }
      }
      boolean[] has = new boolean[lengths.isEmpty() ? 0 : lengths.last() + 1];
      lengths.forEach(l -> has[l] = true);
      T fallback = vh.fallback() == null ? null : compiler.apply(vh, vh.fallback());
      return new Host<>(Map.copyOf(exactPaths), Map.copyOf(prefixes), has, root, fallback);
    }

    T route(String path) {
      T hit = exactPaths.isEmpty() ? null : exactPaths.get(path);
      if (hit != null) {
        return hit;
      }
      if (prefixLength.length > 0) {
        // Candidate prefixes end at the path's end or just before one of its slashes, longest first.
        int len = path.length();
        if (len < prefixLength.length && prefixLength[len]) {
          hit = prefixes.get(path);
          if (hit != null) {
            return hit;
          }
        }
        for (int i = Math.min(len, prefixLength.length) - 1; i > 0; i--) {
          if (path.charAt(i) == '/' && prefixLength[i]) {
            hit = prefixes.get(path.substring(0, i));
            if (hit != null) {
              return hit;
            }
          }
        }
      }
      return root != null ? root : fallback;
    }

    @Override
    public String toString() {
      return "Host" + Arrays.asList(exactPaths.keySet(), prefixes.keySet());
    }
  }
}
