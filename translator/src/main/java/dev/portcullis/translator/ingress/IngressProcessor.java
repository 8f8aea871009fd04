package dev.portcullis.translator.ingress;

import dev.portcullis.model.Hostnames;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteMatch;
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

  public IngressProcessor(RouteTableBuilder builder, BackendResolver resolver, TranslatorOptions options,
      TlsSecrets tlsSecrets) {
    this.builder = builder;
    this.resolver = resolver;
    this.options = options;
    this.tlsSecrets = tlsSecrets;
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
    String namespace = ingress.getMetadata().getNamespace();
    String name = ingress.getMetadata().getName();
    SourceRef source = SourceRef.of("Ingress", namespace, name);
    String routePrefix = "ingress/" + namespace + "/" + name;
    IngressSpec spec = ingress.getSpec();
    List<IngressRule> rules = spec == null || spec.getRules() == null ? List.of() : spec.getRules();
    IngressBackend defaultBackend = spec == null ? null : spec.getDefaultBackend();
    RoutePolicies policies = policies(ingress, report);

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
      hosts.add(host);
      builder.host(host);
      if (rule.getHttp() == null || rule.getHttp().getPaths() == null) {
        report.served();
        continue;
      }
      List<HTTPIngressPath> paths = rule.getHttp().getPaths();
      for (int j = 0; j < paths.size(); j++) {
        String field = ruleField + ".http.paths[" + j + "]";
        HTTPIngressPath path = paths.get(j);
        PathMatch match = pathMatch(path, field, report);
        if (match == null) {
          continue;
        }
        RouteAction action = backend(namespace, path.getBackend(), field + ".backend", report);
        Route route = new Route(routePrefix + "/rule/" + i + "/path/" + j, RouteMatch.path(match), action, null,
            policies, options.routeTimeouts(), source.withField(field));
        RouteTableBuilder.Claim holder = builder.addRoute(host, route, report.object());
        if (holder != null) {
          report.error(field, "PathConflict", describe(match) + " on host " + host + " is already routed by "
              + holder.owner() + " (" + holder.route().source().field() + "); this path is ignored");
        } else {
          report.served();
        }
      }
    }

    tls(ingress, namespace, source, report);

    if (defaultBackend != null) {
      String field = "spec.defaultBackend";
      RouteAction action = backend(namespace, defaultBackend, field, report);
      Route route = new Route(routePrefix + "/defaultBackend", RouteMatch.path(PathMatch.prefix("/")), action, null,
          policies, options.routeTimeouts(), source.withField(field));
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

  /** Records each {@code spec.tls} entry's Secret as the certificate of the hosts it lists. */
  private void tls(Ingress ingress, String namespace, SourceRef source, ObjectReport report) {
    IngressSpec spec = ingress.getSpec();
    List<IngressTLS> entries = spec == null || spec.getTls() == null ? List.of() : spec.getTls();
    if (entries.isEmpty()) {
      return;
    }
    boolean redirect = redirect(ingress, report);
    for (int i = 0; i < entries.size(); i++) {
      IngressTLS entry = entries.get(i);
      String field = "spec.tls[" + i + "]";
      if (entry.getSecretName() == null || entry.getSecretName().isEmpty() || entry.getHosts() == null) {
        continue;
      }
      TlsRef ref = tlsRef(namespace, entry.getSecretName(), source.withField(field), field + ".secretName", report)
          .withRedirectHttp(redirect);
      for (int j = 0; j < entry.getHosts().size(); j++) {
        String host = host(entry.getHosts().get(j), field + ".hosts[" + j + "]", report);
        if (host == null || host.equals(VirtualHost.CATCH_ALL)) {
          continue;
        }
        RouteTableBuilder.TlsClaim holder = builder.offerTls(host, ref, report.object());
        boolean sameSecret = holder != null && holder.tls().namespace().equals(ref.namespace())
            && holder.tls().name().equals(ref.name());
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

  private RouteAction backend(String namespace, IngressBackend backend, String field, ObjectReport report) {
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
    builder.cluster(resolution);
    List<Problem> problems = new ArrayList<>(resolution.problems());
    for (Problem p : problems) {
      report.add(new Problem(p.severity(), field + ".service", p.reason(), p.message()));
    }
    return RouteAction.Forward.to(resolution.cluster().name());
  }

  private static String describe(PathMatch match) {
    return (match.type() == PathMatch.Type.EXACT ? "Exact" : "Prefix") + " path " + match.value();
  }
}
