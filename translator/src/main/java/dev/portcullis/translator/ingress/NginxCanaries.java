package dev.portcullis.translator.ingress;

import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.ValueMatch;
import dev.portcullis.translator.ObjectReport;
import dev.portcullis.translator.RouteTableBuilder;
import dev.portcullis.translator.backend.BackendResolver;
import dev.portcullis.translator.status.Problem;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ingress-nginx canaries: an Ingress with {@code canary: "true"} is no route of its own; its
 * backend joins the route of the (main) Ingress with the same host and path, as ingress-nginx
 * merges them. Requests go to the canary by header ({@code always}, or the given value or pattern),
 * then by cookie ({@code always}), then by weight; {@code never} keeps them on the main backend.
 * The main Ingress's annotations (rewrites, limits, auth) apply to both, as in ingress-nginx.
 */
public final class NginxCanaries {

  private static final class Entry {
    final Ingress ingress;
    final ObjectReport report;
    final NginxAnnotations.Canary canary;
    final IngressBackend backend;
    final String field;
    boolean used;

    Entry(Ingress ingress, ObjectReport report, NginxAnnotations.Canary canary, IngressBackend backend, String field) {
      this.ingress = ingress;
      this.report = report;
      this.canary = canary;
      this.backend = backend;
      this.field = field;
    }
  }

  private final RouteTableBuilder builder;
  private final BackendResolver resolver;
  private final Map<String, List<Entry>> byHostPath = new LinkedHashMap<>();
  private final Map<ObjectReport, List<Entry>> byReport = new LinkedHashMap<>();

  NginxCanaries(RouteTableBuilder builder, BackendResolver resolver) {
    this.builder = builder;
    this.resolver = resolver;
  }

  private static String key(String host, String path) {
    return host + " " + (path == null || path.isEmpty() ? "/" : path);
  }

  /**
   * Takes a canary Ingress (one of ours, {@code canary: "true"}), before any main Ingress is
   * processed. Its status is complete after {@link #finish}.
   */
  public void register(Ingress ingress, ObjectReport report, boolean serveRefused) {
    NginxAnnotations.Result read = NginxAnnotations.read(ingress.getMetadata().getAnnotations());
    List<Entry> entries = new ArrayList<>();
    byReport.put(report, entries);
    for (NginxAnnotations.Finding f : read.findings()) {
      if (f.verdict() == NginxAnnotations.Verdict.INVALID) {
        report.error(f.field(), "InvalidAnnotation", f.message() + "; the canary is not served");
      } else if (f.verdict() == NginxAnnotations.Verdict.REFUSED) {
        if (serveRefused) {
          report.warning(f.field(), "UnsupportedAnnotation", f.message() + "; the canary is served without it");
        } else {
          report.error(f.field(), "UnsupportedAnnotation", f.message() + "; the canary is not served");
        }
      }
    }
    if (read.invalid() || (read.refused() && !serveRefused)) {
      return;
    }
    List<IngressRule> rules = ingress.getSpec() == null || ingress.getSpec().getRules() == null ? List.of()
        : ingress.getSpec().getRules();
    for (int i = 0; i < rules.size(); i++) {
      IngressRule rule = rules.get(i);
      String host = rule.getHost() == null || rule.getHost().isEmpty() ? "*" : rule.getHost();
      if (rule.getHttp() == null || rule.getHttp().getPaths() == null) {
        continue;
      }
      for (int j = 0; j < rule.getHttp().getPaths().size(); j++) {
        HTTPIngressPath p = rule.getHttp().getPaths().get(j);
        Entry e = new Entry(ingress, report, read.config().canary(), p.getBackend(),
            "spec.rules[" + i + "].http.paths[" + j + "]");
        entries.add(e);
        byHostPath.computeIfAbsent(key(host, p.getPath()), k -> new ArrayList<>()).add(e);
      }
    }
    if (entries.isEmpty()) {
      report.error("spec.rules", "InvalidCanary", "a canary needs rules with paths: it joins the Ingress with the same "
          + "host and path; nothing is served");
    }
  }

  /**
   * The routes for a main route on {@code host} and {@code path}: with a canary, header and cookie
   * routes (tried first) and the main route with the canary's weight; without, the main route.
   */
  List<Route> routes(String host, String path, Route main, NginxRoutes compat) {
    List<Entry> entries = byHostPath.get(key(host, path));
    if (entries == null || entries.isEmpty()) {
      return List.of(main);
    }
    Entry e = entries.get(0);
    String canaryCluster = cluster(e, compat);
    if (canaryCluster == null) {
      return List.of(main);
    }
    e.used = true;
    String mainCluster = ((RouteAction.Forward) main.action()).clusters().get(0).cluster();
    RouteAction toCanary = RouteAction.Forward.to(canaryCluster);
    RouteAction toMain = main.action();
    NginxAnnotations.Canary c = e.canary;
    List<Route> out = new ArrayList<>();
    if (c.header() != null) {
      if (c.headerValue() != null) {
        out.add(variant(main, "canary/header", ValueMatch.header(c.header(), ValueMatch.Type.EXACT, c.headerValue()),
            toCanary));
      } else if (c.headerPattern() != null) {
        out.add(variant(main, "canary/header", ValueMatch.header(c.header(), ValueMatch.Type.REGEX, c.headerPattern()),
            toCanary));
      } else {
        out.add(variant(main, "canary/header-always", ValueMatch.header(c.header(), ValueMatch.Type.EXACT, "always"),
            toCanary));
        out.add(variant(main, "canary/header-never", ValueMatch.header(c.header(), ValueMatch.Type.EXACT, "never"),
            toMain));
      }
    }
    if (c.cookie() != null) {
      out.add(variant(main, "canary/cookie-always", cookie(c.cookie(), "always"), toCanary));
      out.add(variant(main, "canary/cookie-never", cookie(c.cookie(), "never"), toMain));
    }
    Route weighted = main;
    if (c.weight() != null && c.weight() > 0) {
      weighted = new Route(main.name(), main.match(), new RouteAction.Forward(List.of(
          new RouteAction.ClusterWeight(mainCluster, c.weightTotal() - c.weight()),
          new RouteAction.ClusterWeight(canaryCluster, c.weight()))), main.filters(), main.policies(), main.timeouts(),
          main.source());
    }
    out.add(weighted);
    return out;
  }

  /** A Cookie header that holds {@code name=value} among its cookies. */
  private static ValueMatch cookie(String name, String value) {
    return ValueMatch.header("cookie", ValueMatch.Type.REGEX, "(?:.*;\\s*)?\\Q" + name + "\\E=" + value + "(?:;.*)?");
  }

  private static Route variant(Route main, String suffix, ValueMatch header, RouteAction action) {
    RouteMatch m = main.match();
    List<ValueMatch> headers = new ArrayList<>(m.headers());
    headers.add(header);
    return new Route(main.name() + "/" + suffix, new RouteMatch(m.path(), headers, m.queryParams(), m.method()), action,
        main.filters(), main.policies(), main.timeouts(), main.source());
  }

  /** The canary's cluster, with the main Ingress's cluster settings; null (reported) without a Service. */
  private String cluster(Entry e, NginxRoutes compat) {
    String field = e.field + ".backend";
    if (e.backend == null || e.backend.getService() == null || e.backend.getService().getName() == null) {
      e.report.error(field, "InvalidBackend", "a canary's backend must be a Service; this path of it is not served");
      return null;
    }
    var port = e.backend.getService().getPort();
    BackendResolver.PortRef ref = port == null ? BackendResolver.PortRef.of(null, null)
        : BackendResolver.PortRef.of(port.getNumber(), port.getName());
    if (ref.isEmpty()) {
      e.report.error(field + ".service.port", "InvalidBackend", "service port needs a number or a name; this path "
          + "of the canary is not served");
      return null;
    }
    BackendResolver.Resolution r = compat.cluster(resolver.resolve(e.ingress.getMetadata().getNamespace(),
        e.backend.getService().getName(), ref));
    builder.cluster(r);
    r.problems().forEach(p -> e.report.add(new Problem(p.severity(), field + ".service", p.reason(), p.message())));
    return r.cluster().name();
  }

  /** Completes the canaries' status: served when they joined a main Ingress's route. */
  public void finish() {
    for (Map.Entry<ObjectReport, List<Entry>> r : byReport.entrySet()) {
      for (Entry e : r.getValue()) {
        if (e.used) {
          r.getKey().served();
          continue;
        }
        List<Entry> same = byHostPath.values().stream().filter(l -> l.contains(e)).findFirst().orElse(List.of());
        if (!same.isEmpty() && same.get(0) != e && same.get(0).used) {
          r.getKey().error(e.field, "CanaryConflict", "the same host and path already has the canary "
              + same.get(0).report.object() + ", which is older; ingress-nginx takes one canary per path");
        } else {
          r.getKey().error(e.field, "CanaryWithoutMain", "no Ingress without canary serves this host and path; a "
              + "canary only joins the route of its main Ingress, so this path is not served");
        }
      }
    }
  }
}
