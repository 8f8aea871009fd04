package dev.portcullis.launcher;

import dev.portcullis.api.v1alpha1.Condition;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.model.push.Ack;
import dev.portcullis.operator.source.FileSource;
import dev.portcullis.translator.TranslationResult;
import dev.portcullis.translator.manifest.ManifestProblem;
import dev.portcullis.translator.status.ObjectRef;
import dev.portcullis.translator.status.ObjectStatus;
import dev.portcullis.translator.status.Problem;
import dev.portcullis.translator.status.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's voice: what was loaded, what is served, and every problem with its file, object,
 * field and reason. A problem is printed when it appears and again only if the list changes.
 */
final class ConsoleReporter {

  private static final Logger LOG = LoggerFactory.getLogger("portcullis");
  private static final int MAX_ROUTE_LINES = 40;

  private volatile List<String> manifestProblems = List.of();
  private volatile List<String> translationProblems = List.of();
  /** Where each object was read, from the latest load: problems name their file. */
  private volatile FileSource.Load lastLoad;
  /** The last table printed. */
  private RouteTable lastTable;

  synchronized void loaded(FileSource.Load load) {
    lastLoad = load;
    List<String> lines = load.problems().stream().map(ManifestProblem::toString).toList();
    LOG.info("read {} file(s): {} object(s){}", load.files().size(), load.snapshot().size(),
        load.skipped().isEmpty() ? "" : ", " + load.skipped().size() + " of other kinds skipped");
    if (!lines.equals(manifestProblems)) {
      if (lines.isEmpty() && !manifestProblems.isEmpty()) {
        LOG.info("all files read cleanly now");
      }
      lines.forEach(l -> LOG.error("{}", l));
      manifestProblems = lines;
    }
  }

  synchronized void rebuilt(TranslationResult result, boolean changed, long version) {
    List<String> lines = new ArrayList<>();
    for (Problem p : result.settingsProblems()) {
      lines.add(p.severity().name() + " " + p.field() + ": " + p.reason() + ": " + p.message());
    }
    FileSource.Load load = lastLoad;
    for (ObjectStatus s : result.status().objects()) {
      if (s.problems().isEmpty()) {
        continue; // most objects: nothing to say, and no file to find
      }
      String origin = load == null ? null : load.origin(s.object().toString());
      for (Problem p : s.problems()) {
        lines.add((p.severity() == Severity.INFO ? "note" : p.severity().name()) + " " + s.object()
            + (origin == null ? "" : " (" + origin + ")") + " " + p.field() + ": " + p.reason() + ": " + p.message());
      }
    }
    if (changed) {
      RouteTable t = result.table();
      RouteTable before = lastTable;
      lastTable = t;
      if (before == null) {
        LOG.info("route table version {}: {} host(s), {} route(s), {} cluster(s)", version, t.virtualHosts().size(),
            t.routeCount(), t.clusters().size());
        routes(t, t.virtualHosts()).forEach(l -> LOG.info("  {}", l));
      } else {
        // After the first table, the hosts that changed: with thousands of hosts, the first forty
        // of the table again say nothing about the change.
        List<VirtualHost> changedHosts = new ArrayList<>();
        int gone = 0;
        if (!inPlace(before.virtualHosts(), t.virtualHosts(), changedHosts)) {
          changedHosts.clear();
          java.util.Set<VirtualHost> kept = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
          kept.addAll(before.virtualHosts());
          for (VirtualHost vh : t.virtualHosts()) {
            if (!kept.contains(vh)) {
              changedHosts.add(vh);
            }
          }
          java.util.Set<String> changedNames = new java.util.HashSet<>();
          changedHosts.forEach(vh -> changedNames.add(vh.hostname()));
          java.util.Set<VirtualHost> now = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
          now.addAll(t.virtualHosts());
          for (VirtualHost vh : before.virtualHosts()) {
            if (!now.contains(vh) && !changedNames.contains(vh.hostname())) {
              gone++;
            }
          }
        }
        LOG.info("route table version {}: {} host(s), {} route(s), {} cluster(s); {} host(s) new or changed{}", version,
            t.virtualHosts().size(), t.routeCount(), t.clusters().size(), changedHosts.size(),
            gone > 0 ? ", " + gone + " gone" : "");
        routes(t, changedHosts).forEach(l -> LOG.info("  {}", l));
      }
    }
    if (!lines.equals(translationProblems)) {
      if (lines.isEmpty() && !translationProblems.isEmpty()) {
        LOG.info("no problems any more");
      }
      for (String l : lines) {
        if (l.startsWith("ERROR")) {
          LOG.error("{}", l.substring(6));
        } else if (l.startsWith("WARNING")) {
          LOG.warn("{}", l.substring(8));
        } else {
          LOG.info("{}", l);
        }
      }
      translationProblems = lines;
    }
  }

  /** A ProxyRoute's conditions, on one line, when they change. */
  void conditions(ObjectRef object, List<Condition> conditions) {
    StringBuilder sb = new StringBuilder();
    for (Condition c : conditions) {
      sb.append(sb.length() == 0 ? "" : ", ").append(c.type).append('=').append(c.status);
      if (!"True".equals(c.status)) {
        sb.append(" (").append(c.reason).append(": ").append(c.message).append(')');
      }
    }
    LOG.info("{}: {}", object, sb);
  }

  void nack(Ack ack) {
    LOG.error("the data plane refused route table version {}: {}; it keeps serving the previous one",
        ack.version(), ack.reason());
  }

  /**
   * When {@code after} has the hosts of {@code before} at the same places, some of them new
   * instances (the usual edit): adds those to {@code changed} and says true. Two sets of 10,000
   * hosts are not made for every change printed.
   */
  private static boolean inPlace(List<VirtualHost> before, List<VirtualHost> after, List<VirtualHost> changed) {
    if (before.size() != after.size()) {
      return false;
    }
    for (int i = 0; i < after.size(); i++) {
      VirtualHost b = before.get(i);
      VirtualHost a = after.get(i);
      if (a != b) {
        if (!a.hostname().equals(b.hostname())) {
          return false;
        }
        changed.add(a);
      }
    }
    return true;
  }

  /** One line per route of these hosts of the table: {@code host path -> service (n endpoints)}. */
  static List<String> routes(RouteTable table, List<VirtualHost> hosts) {
    if (hosts.isEmpty()) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    int more = 0; // counted, not formatted: a table of 50,000 routes prints the first few
    for (VirtualHost vh : hosts) {
      for (Route r : vh.routes()) {
        if (lines.size() < MAX_ROUTE_LINES) {
          lines.add(line(vh.hostname(), describe(r.match()), r, table));
        } else {
          more++;
        }
      }
      if (vh.fallback() != null) {
        if (lines.size() < MAX_ROUTE_LINES) {
          lines.add(line(vh.hostname(), "(anything else)", vh.fallback(), table));
        } else {
          more++;
        }
      }
    }
    if (more > 0) {
      lines.add("... and " + more + " more (see the admin port's /config_dump)");
    }
    return lines;
  }

  private static String describe(dev.portcullis.model.RouteMatch m) {
    String path = switch (m.path().type()) {
      case EXACT -> "= " + m.path().value();
      case PREFIX -> m.path().value();
      case REGEX -> "~ " + m.path().value();
    };
    StringBuilder sb = new StringBuilder(path);
    if (m.method() != null) {
      sb.append(" ").append(m.method());
    }
    m.headers().forEach(h -> sb.append(" ").append(h.name()).append(h.type() == dev.portcullis.model.ValueMatch.Type.EXACT
        ? ": " : " ~ ").append(h.value()));
    m.queryParams().forEach(q -> sb.append(" ?").append(q.name()).append("=").append(q.value()));
    return sb.toString();
  }

  private static String line(String host, String path, Route r, RouteTable table) {
    String target;
    if (r.action() instanceof RouteAction.DirectResponse d) {
      target = "answers " + d.status();
    } else if (r.action() instanceof RouteAction.Redirect redirect) {
      target = "redirects (" + redirect.statusCode() + ")";
    } else {
      target = ((RouteAction.Forward) r.action()).clusters().stream().map(w -> {
        Cluster c = table.cluster(w.cluster());
        String svc = c.source() == null ? c.name() : c.source().namespace() + "/" + c.source().name();
        int n = c.endpoints().size();
        return svc + " (" + (n == 0 ? "no endpoints: 503" : n + " endpoint" + (n == 1 ? "" : "s")) + ")";
      }).collect(Collectors.joining(", "));
    }
    return String.format("%-24s %-22s -> %s", host, path, target);
  }

  List<String> problems() {
    List<String> all = new ArrayList<>(manifestProblems);
    all.addAll(translationProblems);
    return all;
  }
}
