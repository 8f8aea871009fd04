package dev.portcullis.translator.ingress;

import dev.portcullis.model.Hostnames;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteFilters;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.Timeouts;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.auth.AuthSecrets;
import dev.portcullis.model.SourceRef;
import dev.portcullis.model.TlsRef;
import dev.portcullis.translator.tls.TlsSecrets;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.translator.ObjectReport;
import dev.portcullis.translator.RouteTableBuilder;
import dev.portcullis.translator.TranslatorOptions;
import dev.portcullis.translator.backend.BackendResolver;
import dev.portcullis.translator.backend.BackendResolver.PortRef;
import dev.portcullis.translator.status.Problem;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressSpec;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adds {@code networking.k8s.io/v1} Ingresses to the route table.
 *
 * <p>Semantics (documented for users in the README):
 * <ul>
 *   <li>a rule without host goes to the catch-all host {@code *}; a wildcard host matches one label;</li>
 *   <li>{@code Exact} is a string match; {@code Prefix} matches path elements; {@code ImplementationSpecific}
 *       is matched as {@code Prefix};</li>
 *   <li>the same host, path and type claimed twice: the oldest Ingress (creationTimestamp, then
 *       namespace/name) keeps it and the other is told;</li>
 *   <li>{@code spec.defaultBackend} serves the unmatched paths of the Ingress's own hosts and, for the
 *       oldest Ingress that has one, every request no host claims.</li>
 * </ul>
 * Offer Ingresses in {@link #PRECEDENCE} order.
 */
public final class IngressProcessor {

  /** Oldest first (missing timestamps last), then namespace, then name. */
  public static final Comparator<Ingress> PRECEDENCE = Comparator
      .comparing((Ingress i) -> creation(i.getMetadata().getCreationTimestamp()))
      .thenComparing(i -> i.getMetadata().getNamespace() == null ? "" : i.getMetadata().getNamespace())
      .thenComparing(i -> i.getMetadata().getName());

  static final String PREFIX = "Prefix";
  static final String EXACT = "Exact";
  static final String IMPLEMENTATION_SPECIFIC = "ImplementationSpecific";
  private static final String UNSUPPORTED_BODY = "backend not supported\n";

  private final RouteTableBuilder builder;
  private final BackendResolver resolver;
  private final TranslatorOptions options;
  private final TlsSecrets tlsSecrets;

  private final ClusterSnapshot snapshot;
  private final AuthSecrets authSecrets;
  private final NginxCanaries canaries;

  public IngressProcessor(RouteTableBuilder builder, BackendResolver resolver, TranslatorOptions options,
      TlsSecrets tlsSecrets, ClusterSnapshot snapshot) {
    this.builder = builder;
    this.resolver = resolver;
    this.options = options;
    this.tlsSecrets = tlsSecrets;
    this.snapshot = snapshot;
    this.authSecrets = new AuthSecrets(snapshot);
    this.canaries = new NginxCanaries(builder, resolver);
  }

  /** The canaries of ingress-nginx Ingresses, which join the routes of their main Ingresses. */
  public NginxCanaries canaries() {
    return canaries;
  }

  /** A creationTimestamp as an instant; missing or unreadable ones sort last. */
  public static Instant creation(String timestamp) {
    if (timestamp == null || timestamp.isEmpty()) {
      return Instant.MAX;
    }
    try {
      return Instant.parse(timestamp);
    } catch (DateTimeParseException e) {
      return Instant.MAX;
    }
  }

  /** Turns the shared HTTP cache on for every route of the Ingress: {@code "true"} or {@code "false"}. */
  public static final String CACHE_ANNOTATION = "portcullis.dev/cache";

  /** What an Ingress's annotations ask of its routes beyond routing (null: nothing). */
  private static RoutePolicies policies(Ingress ingress, ObjectReport report) {
    Map<String, String> annotations = ingress.getMetadata().getAnnotations();
    String cache = annotations == null ? null : annotations.get(CACHE_ANNOTATION);
    if (cache == null || cache.trim().equalsIgnoreCase("false")) {
      return null;
    }
    if (!cache.trim().equalsIgnoreCase("true")) {
      report.warning("metadata.annotations[" + CACHE_ANNOTATION + "]", "InvalidAnnotation", "\"" + cache
          + "\" is neither true nor false; caching stays off");
      return null;
    }
    return new RoutePolicies(null, new RoutePolicies.CachePolicy(true), null, null);
  }

  public void process(Ingress ingress, ObjectReport report) {
    NginxAnnotations.Config nginx = null;
    if (options.ingressNginx() != null) {
      NginxAnnotations.Result read = NginxAnnotations.read(ingress.getMetadata().getAnnotations());
      if (!nginx(read, report)) {
        return;
      }
      nginx = read.config();
    }
    String namespace = ingress.getMetadata().getNamespace();
    String name = ingress.getMetadata().getName();
    SourceRef source = SourceRef.of("Ingress", namespace, name);
    String routePrefix = "ingress/" + namespace + "/" + name;
    IngressSpec spec = ingress.getSpec();
    List<IngressRule> rules = spec == null || spec.getRules() == null ? List.of() : spec.getRules();
    IngressBackend defaultBackend = spec == null ? null : spec.getDefaultBackend();
    RoutePolicies policies = policies(ingress, report);
    NginxRoutes compat = nginx == null ? null : new NginxRoutes(nginx, ingress, report, builder, resolver, snapshot, authSecrets);
    if (compat != null) {
      policies = compat.policies(policies);
    }
    Timeouts timeouts = compat == null ? options.routeTimeouts() : compat.timeouts(options.routeTimeouts());

    if (rules.isEmpty() && defaultBackend == null) {
      report.error("spec", "InvalidIngress", "an Ingress needs rules or a defaultBackend; nothing is served");
      return;
    }

    Set<String> hosts = new LinkedHashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      IngressRule rule = rules.get(i);
      String ruleField = "spec.rules[" + i + "]";
      String host = host(rule.getHost(), ruleField + ".host", report);
      if (host == null) {
        continue;
      }
      List<String> ruleHosts = new ArrayList<>(List.of(host));
      if (compat != null) {
        nginx.serverAliases().stream().filter(a -> !ruleHosts.contains(a)).forEach(ruleHosts::add);
      }
      for (String h : ruleHosts) {
        hosts.add(h);
        builder.host(h);
        if (compat != null) {
          compat.appRoot(h, routePrefix, source, timeouts);
        }
      }
      if (rule.getHttp() == null || rule.getHttp().getPaths() == null) {
        report.served();
        continue;
      }
      List<HTTPIngressPath> paths = rule.getHttp().getPaths();
      for (int j = 0; j < paths.size(); j++) {
        String field = ruleField + ".http.paths[" + j + "]";
        HTTPIngressPath path = paths.get(j);
        PathMatch match = compat != null && nginx.regex() && !EXACT.equals(path.getPathType())
            ? regexMatch(path, field, report) : pathMatch(path, field, report);
        if (match == null) {
          continue;
        }
        RouteAction action = compat != null && nginx.redirectUrl() != null ? compat.redirect()
            : backend(namespace, path.getBackend(), field + ".backend", report, compat);
        RouteFilters filters = compat == null ? null : compat.filters(match);
        RoutePolicies routePolicies = compat == null ? policies : compat.errorPages(policies, path.getBackend());
        String routeName = routePrefix + "/rule/" + i + "/path/" + j;
        Route route = new Route(routeName, RouteMatch.path(match), action, filters, routePolicies, timeouts,
            source.withField(field));
        List<Route> routes = compat != null && action instanceof RouteAction.Forward
            ? canaries.routes(host, path.getPath(), route, compat) : List.of(route);
        for (String h : ruleHosts) {
          for (Route r : routes) {
            RouteTableBuilder.Claim holder = builder.addRoute(h, r, report.object());
            if (holder != null) {
              report.error(field, "PathConflict", describe(match) + " on host " + h + " is already routed by "
                  + holder.owner() + " (" + holder.route().source().field() + "); this path is ignored");
            } else {
              report.served();
            }
          }
        }
      }
    }

    tls(ingress, namespace, source, report, nginx);
    if (compat != null && nginx.forceSslRedirect()) {
      for (String h : hosts) {
        if (!h.equals(VirtualHost.CATCH_ALL)) {
          // TLS ends in front of the proxy, or the host has no certificate of its own: the
          // default one serves it, and plain HTTP is redirected.
          builder.offerTls(h, new TlsRef(null, null, null, null, null, source.withField("metadata.annotations"), null),
              report.object());
        }
      }
    }

    if (defaultBackend != null) {
      String field = "spec.defaultBackend";
      RouteAction action = backend(namespace, defaultBackend, field, report, compat);
      Route route = new Route(routePrefix + "/defaultBackend", RouteMatch.path(PathMatch.prefix("/")), action,
          compat == null ? null : compat.filters(PathMatch.prefix("/")),
          compat == null ? policies : compat.errorPages(policies, defaultBackend), timeouts, source.withField(field));
      boolean used = false;
      for (String host : hosts) {
        RouteTableBuilder.Claim holder = builder.offerHostFallback(host, route, report.object());
        if (holder != null && !holder.owner().equals(report.object())) {
          report.warning(field, "DefaultBackendConflict", "unmatched requests on host " + host
              + " go to the defaultBackend of " + holder.owner() + ", which is older");
        } else {
          used = true;
        }
      }
      RouteTableBuilder.Claim global = builder.offerGlobalFallback(route, report.object());
      if (global == null) {
        used = true;
      } else if (hosts.isEmpty()) {
        report.error(field, "DefaultBackendConflict", "the default backend for requests no host claims is "
            + "already that of " + global.owner() + ", which is older; this one is not used");
      }
      if (used) {
        report.served();
      }
    }
  }

  /**
   * Reports the verdicts on an Ingress's ingress-nginx annotations; false when it is not to be
   * served (an invalid value, or a refused annotation unless told to serve without it).
   */
  private boolean nginx(NginxAnnotations.Result read, ObjectReport report) {
    boolean serveRefused = options.ingressNginx().serveRefused();
    boolean serve = !read.invalid() && (serveRefused || !read.refused());
    String outcome = serve ? "the Ingress is served without it" : "the Ingress is not served";
    for (NginxAnnotations.Finding f : read.findings()) {
      switch (f.verdict()) {
        case INVALID -> report.error(f.field(), "InvalidAnnotation", f.message() + "; " + (serve ? outcome
            : "the Ingress is not served, so that nothing is half-applied"));
        case REFUSED -> {
          String reason = f.name().endsWith("-snippet") ? "SnippetRefused" : "UnsupportedAnnotation";
          if (serveRefused) {
            report.warning(f.field(), reason, f.message() + "; " + outcome);
          } else {
            report.error(f.field(), reason, f.message() + "; " + outcome + " (--ingress-nginx-serve-refused serves "
                + "it without the annotation)");
          }
        }
        case ACCEPTED -> {
          String base = NginxAnnotations.HONOURED.get(f.name().substring(NginxAnnotations.PREFIX.length()));
          if (!f.message().equals(base)) {
            report.add(Problem.info(f.field(), "AnnotationWithoutEffect", f.message()));
          }
        }
        case HONOURED -> { }
      }
    }
    return serve;
  }

  /**
   * A path of an Ingress in ingress-nginx's regular-expression mode: a case-insensitive RE2
   * expression anchored at the start only, as nginx's {@code location ~* "^PATH"}.
   */
  private static PathMatch regexMatch(HTTPIngressPath path, String field, ObjectReport report) {
    String value = path.getPath() == null || path.getPath().isEmpty() ? "/" : path.getPath();
    if (value.charAt(0) != '/') {
      report.error(field + ".path", "InvalidPath", "path \"" + value + "\" must start with '/'; path ignored");
      return null;
    }
    try {
      return PathMatch.regex("(?i)" + value + ".*");
    } catch (dev.portcullis.model.ModelException e) {
      report.error(field + ".path", "InvalidPath", "path \"" + value + "\" is not an RE2 regular expression ("
          + e.getMessage() + "); path ignored");
      return null;
    }
  }

  /** Records each {@code spec.tls} entry's Secret as the certificate of the hosts it lists. */
  private void tls(Ingress ingress, String namespace, SourceRef source, ObjectReport report,
      NginxAnnotations.Config nginx) {
    IngressSpec spec = ingress.getSpec();
    List<IngressTLS> entries = spec == null || spec.getTls() == null ? List.of() : spec.getTls();
    if (entries.isEmpty()) {
      return;
    }
    boolean redirect = nginx != null && nginx.forceSslRedirect() ? true
        : nginx != null && nginx.sslRedirect() != null ? nginx.sslRedirect() : redirect(ingress, report);
    for (int i = 0; i < entries.size(); i++) {
      IngressTLS entry = entries.get(i);
      String field = "spec.tls[" + i + "]";
      if (entry.getSecretName() == null || entry.getSecretName().isEmpty() || entry.getHosts() == null) {
        continue;
      }
      TlsRef ref = tlsRef(namespace, entry.getSecretName(), source.withField(field), field + ".secretName", report)
          .withRedirectHttp(redirect);
      if (nginx != null && nginx.hsts() != null) {
        ref = ref.withHsts(nginx.hsts());
      }
      for (int j = 0; j < entry.getHosts().size(); j++) {
        String host = host(entry.getHosts().get(j), field + ".hosts[" + j + "]", report);
        if (host == null || host.equals(VirtualHost.CATCH_ALL)) {
          continue;
        }
        RouteTableBuilder.TlsClaim holder = builder.offerTls(host, ref, report.object());
        boolean sameSecret = holder != null && java.util.Objects.equals(holder.tls().namespace(), ref.namespace())
            && java.util.Objects.equals(holder.tls().name(), ref.name());
        if (holder != null && !sameSecret) {
          report.warning(field + ".hosts[" + j + "]", "TLSConflict", "host " + host + " already takes its certificate "
              + "from Secret " + holder.tls().namespace() + "/" + holder.tls().name() + " (" + holder.owner()
              + "), which is older; this entry is not used for it");
        }
      }
    }
  }

  /** Plain-HTTP requests for an Ingress's TLS hosts are redirected unless it says otherwise. */
  public static final String SSL_REDIRECT_ANNOTATION = "portcullis.dev/ssl-redirect";

  private static boolean redirect(Ingress ingress, ObjectReport report) {
    Map<String, String> annotations = ingress.getMetadata().getAnnotations();
    String v = annotations == null ? null : annotations.get(SSL_REDIRECT_ANNOTATION);
    if (v == null || v.trim().equalsIgnoreCase("true")) {
      return true;
    }
    if (v.trim().equalsIgnoreCase("false")) {
      return false;
    }
    report.warning("metadata.annotations[" + SSL_REDIRECT_ANNOTATION + "]", "InvalidAnnotation", "\"" + v
        + "\" is neither true nor false; plain HTTP is redirected to HTTPS");
    return true;
  }

  /**
   * The certificate reference for a Secret: with its fingerprint (and its key material handed to
   * the builder) when the Secret is usable; else reported, and the host gets the default certificate.
   */
  private TlsRef tlsRef(String namespace, String secret, SourceRef source, String field, ObjectReport report) {
    TlsRef ref = new TlsRef(namespace, secret, source);
    TlsSecrets.Result r = tlsSecrets.resolve(namespace, secret);
    if (!r.ok()) {
      r.report(report, field, "its hosts are served over HTTPS with the default certificate until it is fixed");
      return ref;
    }
    builder.certificate(ref.certificateKey(), r.certificate());
    return ref.withFingerprint(r.fingerprint());
  }

  /** The virtual host a rule's host belongs to, or null (reported) when the host is invalid. */
  private static String host(String host, String field, ObjectReport report) {
    if (host == null || host.isEmpty()) {
      return VirtualHost.CATCH_ALL;
    }
    if (Hostnames.isIpLiteral(host)) {
      report.error(field, "InvalidHost", "host \"" + host + "\" must be a DNS name, not an IP address; ignored");
      return null;
    }
    String name = host.startsWith("*.") ? host.substring(2) : host;
    if (!Hostnames.isDnsName(name)) {
      report.error(field, "InvalidHost", "host \"" + host + "\" is not a valid lower-case DNS name or wildcard "
          + "(*.example.com); ignored");
      return null;
    }
    return host;
  }

  private static PathMatch pathMatch(HTTPIngressPath path, String field, ObjectReport report) {
    String type = path.getPathType();
    String value = path.getPath();
    if (type == null || type.isEmpty()) {
      report.warning(field + ".pathType", "MissingPathType",
          "pathType is required in networking.k8s.io/v1; treated as ImplementationSpecific (Prefix)");
      type = IMPLEMENTATION_SPECIFIC;
    }
    switch (type) {
      case EXACT, PREFIX -> {
        String invalid = invalidPath(value);
        if (invalid != null) {
          report.error(field + ".path", "InvalidPath", "path \"" + (value == null ? "" : value) + "\" " + invalid
              + "; path ignored");
          return null;
        }
        return EXACT.equals(type) ? PathMatch.exact(value) : PathMatch.prefix(value);
      }
      case IMPLEMENTATION_SPECIFIC -> {
        if (value == null || value.isEmpty()) {
          return PathMatch.prefix("/");
        }
        String invalid = invalidPath(value);
        if (invalid != null) {
          report.error(field + ".path", "InvalidPath", "path \"" + value + "\" " + invalid + "; path ignored");
          return null;
        }
        if (looksLikeRegex(value)) {
          report.warning(field + ".path", "RegexNotSupported", "path \"" + value + "\" looks like a regular "
              + "expression; ImplementationSpecific paths are matched literally, as Prefix");
        }
        return PathMatch.prefix(value);
      }
      default -> {
        report.error(field + ".pathType", "InvalidPathType",
            "pathType \"" + type + "\" is not one of Exact, Prefix, ImplementationSpecific; path ignored");
        return null;
      }
    }
  }

  /** The API server's rules for Exact and Prefix paths, plus what a path can hold at all. */
  static String invalidPath(String value) {
    if (value == null || value.isEmpty()) {
      return "is required";
    }
    if (value.charAt(0) != '/') {
      return "must be an absolute path (start with '/')";
    }
    for (String bad : List.of("//", "/./", "/../", "%2f", "%2F")) {
      if (value.contains(bad)) {
        return "must not contain '" + bad + "'";
      }
    }
    if (value.endsWith("/..") || value.endsWith("/.")) {
      return "must not end with '/..' or '/.'";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= 0x20 || c == 0x7f || c == '?' || c == '#') {
        return "must not contain whitespace, control characters, '?' or '#'";
      }
    }
    return null;
  }

  private static boolean looksLikeRegex(String value) {
    for (int i = 0; i < value.length(); i++) {
      if ("()[]{}*+$^|\\".indexOf(value.charAt(i)) >= 0) {
        return true;
      }
    }
    return false;
  }

  private RouteAction backend(String namespace, IngressBackend backend, String field, ObjectReport report,
      NginxRoutes compat) {
    if (backend == null) {
      report.error(field, "InvalidBackend", "backend is required; requests get 503");
      return new RouteAction.DirectResponse(503, UNSUPPORTED_BODY);
    }
    if (backend.getResource() != null) {
      report.error(field + ".resource", "UnsupportedBackend", "resource backends are not supported; "
          + "requests get 503");
      return new RouteAction.DirectResponse(503, UNSUPPORTED_BODY);
    }
    if (backend.getService() == null || backend.getService().getName() == null
        || backend.getService().getName().isEmpty()) {
      report.error(field + ".service.name", "InvalidBackend", "service name is required; requests get 503");
      return new RouteAction.DirectResponse(503, UNSUPPORTED_BODY);
    }
    var port = backend.getService().getPort();
    PortRef ref = port == null ? PortRef.of(null, null) : PortRef.of(port.getNumber(), port.getName());
    if (ref.isEmpty()) {
      report.error(field + ".service.port", "InvalidBackend", "service port needs a number or a name; "
          + "requests get 503");
      return new RouteAction.DirectResponse(503, UNSUPPORTED_BODY);
    }
    BackendResolver.Resolution resolution = resolver.resolve(namespace, backend.getService().getName(), ref);
    if (compat != null) {
      resolution = compat.cluster(resolution);
    }
    builder.cluster(resolution);
    List<Problem> problems = new ArrayList<>(resolution.problems());
    for (Problem p : problems) {
      report.add(new Problem(p.severity(), field + ".service", p.reason(), p.message()));
    }
    if (compat != null && resolution.cluster().endpoints().isEmpty()) {
      String fallback = compat.defaultBackendCluster();
      if (fallback != null) {
        // ingress-nginx's default-backend: the backend of a Service without endpoints.
        return RouteAction.Forward.to(fallback);
      }
    }
    return RouteAction.Forward.to(resolution.cluster().name());
  }

  private static String describe(PathMatch match) {
    return switch (match.type()) {
      case EXACT -> "Exact";
      case PREFIX -> "Prefix";
      case REGEX -> "RegularExpression";
    } + " path " + match.value();
  }
}
