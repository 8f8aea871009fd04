package dev.portcullis.model.routing;

import com.google.re2j.Pattern;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.ValueMatch;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.model.util.BucketMap;
import dev.portcullis.model.util.NameOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * A route table compiled for lookup. The host is found through hash maps (exact, then wildcard,
 * then the catch-all); within it, paths are tried from the most specific down: the exact path,
 * then regular expressions (the longest expression first, equal lengths in reverse alphabetical
 * order: ingress-nginx's order for its regular-expression locations, where the first match wins),
 * then the path's element prefixes, longest first, then {@code /}. Every
 * path slot holds the routes with that path match, ordered as the Gateway API orders them: a method
 * condition first, then more header conditions, then more query conditions, then table order (the
 * translator's: oldest first). The first route whose conditions all hold wins; if none at a slot
 * does, less specific paths are tried. Never a scan over all routes.
 *
 * <p>Immutable and safe to share between threads. Each route carries a payload {@code T} that the
 * compiler made for it (the data plane attaches its runtime view; tests attach the route's name).
 *
 * @param <T> the payload per route
 */
public final class Router<T> {

  private final BucketMap<String, Host<T>> exact;
  /** Wildcard hosts by the suffix after {@code *.}: few, in a plain map (never changed once published). */
  private final Map<String, Host<T>> wildcard;
  private final Host<T> catchAll;
  /** The table's hosts this router was compiled from, in the table's order, and their compiled hosts at the same places. */
  private final List<VirtualHost> hosts;
  private final Host<T>[] inOrder;

  private Router(BucketMap<String, Host<T>> exact, Map<String, Host<T>> wildcard, Host<T> catchAll, List<VirtualHost> hosts,
      Host<T>[] inOrder) {
    this.exact = exact;
    this.wildcard = wildcard;
    this.catchAll = catchAll;
    this.hosts = hosts;
    this.inOrder = inOrder;
  }

  /** Compiles the table, calling {@code compiler} once per route (fallbacks included). */
  public static <T> Router<T> compile(RouteTable table, BiFunction<VirtualHost, Route, T> compiler) {
    return compile(table, compiler, null, payloads -> false, new Changes<>() { });
  }

  /**
   * What {@link #compile(RouteTable, BiFunction, Router, Predicate, Changes)} did with each host
   * it did not keep, in this order: every host of the previous router that is dropped (removed,
   * changed, or refused by the caller) first, then each host compiled anew, just before its
   * routes are. Kept hosts are not told of: a delta push costs what it changed.
   */
  public interface Changes<T> {
    /** A host of the previous router that the new one does not have; its payloads, once per slot that held them. */
    default void dropped(VirtualHost host, List<T> payloads) { }

    /** A host about to be compiled (new, changed, or refused as it was). */
    default void compiling(VirtualHost host) { }
  }

  /**
   * Compiles the table, keeping what {@code previous} compiled for each virtual host that did not
   * change: under the same hostname, the same instance (or an equal one), whose payloads
   * {@code reusable} accepts. The rest is compiled with {@code compiler}, once per route, as
   * {@link #compile(RouteTable, BiFunction)} does; the result routes exactly as that would with
   * the same payloads. A delta push keeps most hosts as they were, so this costs about as much as
   * what changed, plus one look at every host.
   *
   * @param previous the router compiled for the table before, or null: compile everything
   * @param reusable whether the payloads of an unchanged host are still right for the new table
   *                 (what they refer to beyond their routes may have changed)
   * @param changes  told of the hosts dropped and compiled, see {@link Changes}
   */
  public static <T> Router<T> compile(RouteTable table, BiFunction<VirtualHost, Route, T> compiler,
      Router<T> previous, Predicate<List<T>> reusable, Changes<T> changes) {
    return compile(table, compiler, previous, reusable, changes, null);
  }

  /**
   * {@link #compile(RouteTable, BiFunction, Router, Predicate, Changes)}, told which hosts'
   * payloads {@code reusable} may refuse: the others, when they are the very instances they were,
   * are kept without asking (a changed cluster's endpoints concern the few hosts that use it, not
   * 10,000 hosts' payloads).
   *
   * @param suspects the hostnames whose payloads must be asked about; null: every host's
   */
  public static <T> Router<T> compile(RouteTable table, BiFunction<VirtualHost, Route, T> compiler,
      Router<T> previous, Predicate<List<T>> reusable, Changes<T> changes, java.util.Set<String> suspects) {
    List<VirtualHost> hosts = table.virtualHosts();
    @SuppressWarnings("unchecked")
    Host<T>[] compiled = new Host[hosts.size()];
    if (previous == null) {
      BucketMap<String, Host<T>> exact = BucketMap.sized(compiled.length);
      Map<String, Host<T>> wildcard = new HashMap<>();
      Host<T> catchAll = null;
      for (int i = 0; i < compiled.length; i++) {
        VirtualHost vh = hosts.get(i);
        changes.compiling(vh);
        compiled[i] = Host.compile(vh, compiler);
        if (vh.isCatchAll()) {
          catchAll = compiled[i];
        } else if (vh.isWildcard()) {
          wildcard.put(vh.hostname().substring(2), compiled[i]);
        } else {
          exact.put(vh.hostname(), compiled[i]);
        }
      }
      return new Router<>(exact, wildcard, catchAll, hosts, compiled);
    }
    // The new hosts and the previous router's, paired by name (walked side by side: a host that is
    // the very instance it was is looked at no further).
    List<VirtualHost> before = previous.hosts;
    Host<T>[] old = previous.inOrder;
    // The previous hosts reusable must be asked about, by place (found by bisection; a name not
    // found, in a list out of name order, and every host is asked about).
    boolean[] ask = new boolean[old.length];
    boolean askAll = suspects == null;
    if (!askAll) {
      for (String name : suspects) {
        int at = RouteTable.indexByName(before, name, VirtualHost::hostname);
        if (at < 0) {
          askAll = true;
          break;
        }
        ask[at] = true;
      }
    }
    boolean everyHost = askAll;
    // The places holding the very compiled host they held, under the same name: the maps have them.
    boolean[] same = new boolean[compiled.length];
    List<Host<T>> gone = new ArrayList<>();
    NameOrder.pair(hosts, before, VirtualHost::hostname, new NameOrder.Pairing() {
      @Override
      public void paired(int i, int j) {
        pair(i, hosts.get(i), old[j], everyHost || ask[j], compiled, same, reusable, changes);
      }

      @Override
      public void gone(int j) {
        gone.add(old[j]);
        changes.dropped(old[j].virtualHost, old[j].payloadList());
      }
    });
    // (After an empty router, the empty table's: buckets for this size, not its few.)
    BucketMap<String, Host<T>> exact = previous.exact.isEmpty() ? BucketMap.sized(compiled.length)
        : previous.exact.edit();
    Map<String, Host<T>> wildcard = new HashMap<>(previous.wildcard); // a few, copied whole
    Host<T> catchAll = previous.catchAll;
    for (Host<T> h : gone) {
      VirtualHost vh = h.virtualHost;
      if (vh.isCatchAll()) {
        catchAll = null;
      } else if (vh.isWildcard()) {
        wildcard.remove(vh.hostname().substring(2));
      } else {
        exact.remove(vh.hostname());
      }
    }
    for (int i = 0; i < compiled.length; i++) {
      if (same[i]) {
        continue;
      }
      VirtualHost vh = hosts.get(i);
      Host<T> host = compiled[i];
      if (host == null) {
        changes.compiling(vh);
        host = Host.compile(vh, compiler);
        compiled[i] = host;
      }
      if (vh.isCatchAll()) {
        catchAll = host;
      } else if (vh.isWildcard()) {
        wildcard.put(vh.hostname().substring(2), host);
      } else {
        exact.put(vh.hostname(), host);
      }
    }
    return new Router<>(exact, wildcard, catchAll, hosts, compiled);
  }

  /**
   * A new host and the previous router's of the same name: kept (as the new instance, if equal), or
   * dropped. The very same instance is kept without asking {@code reusable} unless {@code ask}.
   */
  private static <T> void pair(int i, VirtualHost vh, Host<T> h, boolean ask, Host<T>[] compiled, boolean[] same,
      Predicate<List<T>> reusable, Changes<T> changes) {
    VirtualHost was = h.virtualHost;
    if ((vh == was && !ask) || ((vh == was || was.equals(vh)) && reusable.test(h.payloadList()))) {
      compiled[i] = vh == was ? h : h.of(vh);
      same[i] = vh == was;
    } else {
      changes.dropped(was, h.payloadList());
    }
  }

  /** {@link #route(String, String, RequestView)} for a plain GET. */
  public T route(String host, String path) {
    return route(host, path, RequestView.GET);
  }

  /**
   * The payload of the route for this request, or null when nothing matches (a 404).
   *
   * @param host    a host as returned by {@link #normalizeHost}
   * @param path    the request path, without query, already normalised
   * @param request the rest of the request, for routes with method, header or query conditions
   */
  public T route(String host, String path, RequestView request) {
    Host<T> h = host(host);
    return h == null ? null : h.route(path, request);
  }

  /**
   * The virtual host a request for {@code host} is routed within (exact, then wildcard, then the
   * catch-all), or null.
   */
  public VirtualHost virtualHost(String host) {
    Host<T> h = host(host);
    return h == null ? null : h.virtualHost;
  }

  /** The host the table names {@code hostname} (exact, wildcard or catch-all as written), or null. */
  private Host<T> named(String hostname) {
    if (VirtualHost.CATCH_ALL.equals(hostname)) {
      return catchAll;
    }
    return hostname.startsWith("*.") ? wildcard.get(hostname.substring(2)) : exact.get(hostname);
  }

  /**
   * The virtual host the table names {@code hostname}, as written there ({@code *.example.com},
   * {@code *}), or null: unlike {@link #virtualHost}, no wildcard or catch-all stands in for it.
   */
  public VirtualHost hostNamed(String hostname) {
    Host<T> h = named(hostname);
    return h == null ? null : h.virtualHost;
  }

  /**
   * The payloads of the virtual host the table names {@code hostname} (see {@link #hostNamed}), in
   * the order they were compiled, the fallback's last; empty when there is no such host.
   */
  public List<T> payloadsOf(String hostname) {
    Host<T> h = named(hostname);
    return h == null ? List.of() : h.payloadList();
  }

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
        return host.toLowerCase(Locale.ROOT);
      }
    }
    return host;
  }

  /** The routes sharing one path match, in the order they are tried. */
  static final class Slot<T> {
    private final Condition[] conditions;
    private final Object[] payloads;
    private final boolean unconditional;

    Slot(List<Condition> conditions, List<T> payloads) {
      this.conditions = conditions.toArray(new Condition[0]);
      this.payloads = payloads.toArray();
      this.unconditional = this.conditions.length > 0 && this.conditions[0] == null;
    }

    @SuppressWarnings("unchecked")
    T pick(RequestView request) {
      if (unconditional) {
        return (T) payloads[0];
      }
      for (int i = 0; i < conditions.length; i++) {
        Condition c = conditions[i];
        if (c == null || c.test(request)) {
          return (T) payloads[i];
        }
      }
      return null;
    }
  }

  /** A route's conditions beyond the path; null stands for none. */
  static final class Condition {
    private final String method;
    private final String[] headerNames;
    private final Object[] headerTests;
    private final String[] queryNames;
    private final Object[] queryTests;

    private Condition(RouteMatch m) {
      method = m.method();
      headerNames = m.headers().stream().map(ValueMatch::name).toArray(String[]::new);
      headerTests = m.headers().stream().map(Condition::test).toArray();
      queryNames = m.queryParams().stream().map(ValueMatch::name).toArray(String[]::new);
      queryTests = m.queryParams().stream().map(Condition::test).toArray();
    }

    static Condition of(RouteMatch m) {
      return m.pathOnly() ? null : new Condition(m);
    }

    private static Object test(ValueMatch v) {
      return v.type() == ValueMatch.Type.EXACT ? v.value() : Pattern.compile(v.value());
    }

    boolean test(RequestView r) {
      if (method != null && !method.equals(r.method())) {
        return false;
      }
      for (int i = 0; i < headerNames.length; i++) {
        if (!matches(headerTests[i], r.header(headerNames[i]))) {
          return false;
        }
      }
      for (int i = 0; i < queryNames.length; i++) {
        if (!matches(queryTests[i], r.queryParam(queryNames[i]))) {
          return false;
        }
      }
      return true;
    }

    private static boolean matches(Object test, String value) {
      if (value == null) {
        return false;
      }
      return test instanceof String s ? s.equals(value) : ((Pattern) test).matches(value);
    }
  }

  /** Gateway API order within a path: method, then more headers, then more query parameters. */
  private static final Comparator<Route> SPECIFICITY = Comparator
      .comparing((Route r) -> r.match().method() == null)
      .thenComparing(r -> -r.match().headers().size())
      .thenComparing(r -> -r.match().queryParams().size());

  /** Regular expressions: the longest first, equal lengths in reverse alphabetical order. */
  private static final Comparator<Route> REGEX_ORDER = Comparator
      .comparing((Route r) -> -r.match().path().value().length())
      .thenComparing(r -> r.match().path().value(), Comparator.reverseOrder());

  static final class Host<T> {
    private final Map<String, Slot<T>> exactPaths;
    private final Pattern[] regexes;
    private final List<Slot<T>> regexSlots;
    private final Map<String, Slot<T>> prefixes;
    /** The lengths of the prefixes above, to skip lookups that cannot hit. */
    private final boolean[] prefixLength;
    private final Slot<T> root;
    private final T fallback;
    private final VirtualHost virtualHost;
    /** Every payload of the host, as compiled (the fallback's last): what a later table may keep. */
    private final Object[] payloads;

    private Host(Map<String, Slot<T>> exactPaths, Pattern[] regexes, List<Slot<T>> regexSlots,
        Map<String, Slot<T>> prefixes, boolean[] prefixLength, Slot<T> root, T fallback, VirtualHost virtualHost,
        Object[] payloads) {
      this.virtualHost = virtualHost;
      this.payloads = payloads;
      this.exactPaths = exactPaths;
      this.regexes = regexes;
      this.regexSlots = regexSlots;
      this.prefixes = prefixes;
      this.prefixLength = prefixLength;
      this.root = root;
      this.fallback = fallback;
    }

    /** This host for an equal virtual host: the same compiled paths, the new instance to compare with next time. */
    Host<T> of(VirtualHost vh) {
      return new Host<>(exactPaths, regexes, regexSlots, prefixes, prefixLength, root, fallback, vh, payloads);
    }

    @SuppressWarnings("unchecked")
    List<T> payloadList() {
      return (List<T>) java.util.Collections.unmodifiableList(java.util.Arrays.asList(payloads));
    }

    static <T> Host<T> compile(VirtualHost vh, BiFunction<VirtualHost, Route, T> compiler) {
      Map<PathMatch, List<Route>> byPath = new LinkedHashMap<>();
      List<Route> ordered = new ArrayList<>(vh.routes().stream().filter(r -> r.match().path().type() != PathMatch.Type.REGEX)
          .toList());
      // Stable: routes with the same expression keep the table's order (oldest object first).
      ordered.addAll(vh.routes().stream().filter(r -> r.match().path().type() == PathMatch.Type.REGEX)
          .sorted(REGEX_ORDER).toList());
      for (Route r : ordered) {
        byPath.computeIfAbsent(r.match().path(), p -> new ArrayList<>()).add(r);
      }
      Map<String, Slot<T>> exactPaths = new HashMap<>();
      List<Pattern> regexes = new ArrayList<>();
      List<Slot<T>> regexSlots = new ArrayList<>();
      Map<String, Slot<T>> prefixes = new HashMap<>();
      TreeSet<Integer> lengths = new TreeSet<>();
      List<T> all = new ArrayList<>(vh.routes().size() + 1);
      Slot<T> root = null;
      for (Map.Entry<PathMatch, List<Route>> e : byPath.entrySet()) {
        List<Route> routes = new ArrayList<>(e.getValue());
        routes.sort(SPECIFICITY); // stable: table order breaks ties
        List<Condition> conditions = new ArrayList<>();
        List<T> payloads = new ArrayList<>();
        for (Route r : routes) {
          conditions.add(Condition.of(r.match()));
          payloads.add(compiler.apply(vh, r));
        }
        all.addAll(payloads);
        Slot<T> slot = new Slot<>(conditions, payloads);
        PathMatch p = e.getKey();
        switch (p.type()) {
          case EXACT -> exactPaths.put(p.value(), slot);
          case REGEX -> {
            regexes.add(Pattern.compile(p.value()));
            regexSlots.add(slot);
          }
          case PREFIX -> {
            if (p.value().equals("/")) {
              root = slot;
            } else {
              prefixes.put(p.value(), slot);
              lengths.add(p.value().length());
            }
          }
        }
      }
      boolean[] has = new boolean[lengths.isEmpty() ? 0 : lengths.last() + 1];
      lengths.forEach(l -> has[l] = true);
      T fallback = vh.fallback() == null ? null : compiler.apply(vh, vh.fallback());
      if (vh.fallback() != null) {
        all.add(fallback);
      }
      return new Host<>(Map.copyOf(exactPaths), regexes.toArray(new Pattern[0]), List.copyOf(regexSlots),
          Map.copyOf(prefixes), has, root, fallback, vh, all.toArray());
    }

    T route(String path, RequestView request) {
      Slot<T> slot = exactPaths.isEmpty() ? null : exactPaths.get(path);
      T hit;
      if (slot != null && (hit = slot.pick(request)) != null) {
        return hit;
      }
      for (int i = 0; i < regexes.length; i++) {
        if (regexes[i].matches(path) && (hit = regexSlots.get(i).pick(request)) != null) {
          return hit;
        }
      }
      if (prefixLength.length > 0) {
        // Candidate prefixes end at the path's end or just before one of its slashes, longest first.
        int len = path.length();
        if (len < prefixLength.length && prefixLength[len]) {
          slot = prefixes.get(path);
          if (slot != null && (hit = slot.pick(request)) != null) {
            return hit;
          }
        }
        for (int i = Math.min(len, prefixLength.length) - 1; i > 0; i--) {
          if (path.charAt(i) == '/' && prefixLength[i]) {
            slot = prefixes.get(path.substring(0, i));
            if (slot != null && (hit = slot.pick(request)) != null) {
              return hit;
            }
          }
        }
      }
      if (root != null && (hit = root.pick(request)) != null) {
        return hit;
      }
      return fallback;
    }
  }
}
