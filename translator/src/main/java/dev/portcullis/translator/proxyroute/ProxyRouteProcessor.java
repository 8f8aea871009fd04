package dev.portcullis.translator.proxyroute;

import dev.portcullis.api.v1alpha1.Backend;
import dev.portcullis.api.v1alpha1.Filter;
import dev.portcullis.api.v1alpha1.LoadBalancer;
import dev.portcullis.api.v1alpha1.Match;
import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.api.v1alpha1.ProxyRouteSpec;
import dev.portcullis.api.v1alpha1.Retries;
import dev.portcullis.api.v1alpha1.Rule;
import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteFilters;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.SourceRef;
import dev.portcullis.model.Timeouts;
import dev.portcullis.model.TlsRef;
import dev.portcullis.translator.auth.AuthPolicies;
import dev.portcullis.translator.auth.AuthSecrets;
import dev.portcullis.translator.tls.TlsSecrets;
import dev.portcullis.model.ValueMatch;
import dev.portcullis.model.VirtualHost;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.ObjectReport;
import dev.portcullis.translator.RouteTableBuilder;
import dev.portcullis.translator.TranslatorOptions;
import dev.portcullis.translator.backend.BackendResolver;
import dev.portcullis.translator.status.Problem;
import io.fabric8.kubernetes.api.model.Service;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Adds ProxyRoutes to the route table, next to Ingresses.
 *
 * <ul>
 *   <li>A route with no hostnames answers for the catch-all host; a rule without matches matches
 *       PathPrefix {@code /}; every match of every rule becomes one route per hostname.</li>
 *   <li>Two routes with the same hostname and the very same match (path, method, headers, query):
 *       the oldest object keeps it and the other is told, whatever their kinds.</li>
 *   <li>A backend in another namespace needs the Service's consent: the annotation
 *       {@value #ALLOWED_NAMESPACES} listing the route's namespace (or {@code *}); without it the
 *       backend's share of requests gets 503 and the route is told.</li>
 *   <li>A partly invalid route keeps its valid rules; the invalid ones are named in its status.</li>
 * </ul>
 */
public final class ProxyRouteProcessor {

  public static final String ALLOWED_NAMESPACES = "portcullis.dev/allowed-route-namespaces";

  private final RouteTableBuilder builder;
  private final BackendResolver resolver;
  private final ClusterSnapshot snapshot;
  private final TranslatorOptions options;
  private final ProxyRouteValidator validator = new ProxyRouteValidator();

  private final TlsSecrets tlsSecrets;
  private final AuthPolicies auth;

  public ProxyRouteProcessor(RouteTableBuilder builder, BackendResolver resolver, ClusterSnapshot snapshot,
      TranslatorOptions options, TlsSecrets tlsSecrets) {
    this.builder = builder;
    this.resolver = resolver;
    this.snapshot = snapshot;
    this.options = options;
    this.tlsSecrets = tlsSecrets;
    this.auth = new AuthPolicies(new AuthSecrets(snapshot), builder);
  }

  public void process(ProxyRoute route, ObjectReport report) {
    String ns = route.getMetadata().getNamespace();
    String name = route.getMetadata().getName();
    ProxyRouteValidator.Result verdict = validator.validate(route);
    verdict.objectProblems().forEach(report::add);
    if (!verdict.objectValid()) {
      return;
    }
    verdict.ruleProblems().values().forEach(list -> list.forEach(report::add));
    ProxyRouteSpec spec = route.getSpec();
    SourceRef source = SourceRef.of(ProxyRoute.KIND, ns, name);
    List<String> hosts = spec.hostnames == null || spec.hostnames.isEmpty() ? List.of(VirtualHost.CATCH_ALL)
        : spec.hostnames.stream().distinct().toList();
    hosts.forEach(builder::host);

    if (spec.tls != null) {
      TlsRef ref = new TlsRef(ns, spec.tls.secretName, source.withField("spec.tls"));
      TlsSecrets.Result cert = tlsSecrets.resolve(ns, spec.tls.secretName);
      if (cert.ok()) {
        builder.certificate(ref.certificateKey(), cert.certificate());
        ref = ref.withFingerprint(cert.fingerprint());
      } else {
        cert.report(report, "spec.tls.secretName",
            "the hostnames are served over HTTPS with the default certificate until it is fixed");
      }
      ref = ref.withRedirectHttp(!Boolean.FALSE.equals(spec.tls.redirectHttp));
      if (spec.tls.hsts != null && spec.tls.hsts.maxAge != null) {
        ref = ref.withHsts("max-age=" + spec.tls.hsts.maxAge
            + (Boolean.TRUE.equals(spec.tls.hsts.includeSubDomains) ? "; includeSubDomains" : "")
            + (Boolean.TRUE.equals(spec.tls.hsts.preload) ? "; preload" : ""));
      }
      var cv = spec.tls.clientValidation;
      if (cv != null && cv.caSecretName != null) {
        TlsSecrets.CaBundle ca = tlsSecrets.caBundle(ns, cv.caSecretName);
        if (!ca.ok()) {
          // Fail closed: a host that asks for client certificates never lets clients in unchecked.
          report.error("spec.tls.clientValidation.caSecretName", ca.missing() ? "SecretNotFound" : "InvalidCACertificate",
              ca.problem() + "; requests for the hostnames get 503 until it is fixed");
        }
        ref = ref.withClientValidation(new TlsRef.ClientValidation(ca.ok() ? ca.pem() : null,
            Boolean.TRUE.equals(cv.optional), Boolean.TRUE.equals(cv.passCertificate)));
      }
      for (String host : hosts) {
        if (!VirtualHost.CATCH_ALL.equals(host)) {
          RouteTableBuilder.TlsClaim holder = builder.offerTls(host, ref, report.object());
          if (holder == null || holder.owner().equals(report.object())) {
            continue;
          }
          if (!java.util.Objects.equals(holder.tls().clientValidation(), ref.clientValidation())) {
            report.error("spec.tls", "TLSConflict", "host " + host + " already takes its TLS settings from "
                + holder.owner() + ", which is older, with " + (holder.tls().clientValidation() == null
                ? "no client certificate checks" : "other client certificate checks") + "; this clientValidation "
                + "is not applied to it");
          } else if (!java.util.Objects.equals(holder.tls().name(), ref.name())) {
            report.warning("spec.tls", "TLSConflict", "host " + host + " already takes its certificate from "
                + holder.owner() + ", which is older");
          }
        }
      }
    }

    for (int i = 0; i < spec.rules.size(); i++) {
      if (!verdict.ruleValid(i)) {
        continue;
      }
      rule(spec.rules.get(i), i, ns, name, hosts, source, report);
    }
  }

  private void rule(Rule rule, int index, String ns, String name, List<String> hosts, SourceRef source,
      ObjectReport report) {
    String at = "spec.rules[" + index + "]";
    String base = "proxyroute/" + ns + "/" + name + "/rule/" + (rule.name != null ? rule.name : Integer.toString(index));
    List<Filter> filters = rule.filters == null ? List.of() : rule.filters;
    Filter redirect = find(filters, Filter.Type.RequestRedirect);
    RouteAction action = redirect != null ? redirect(redirect) : forward(rule, at, ns, report);
    RouteFilters routeFilters = new RouteFilters(headers(find(filters, Filter.Type.RequestHeaderModifier)),
        headers(find(filters, Filter.Type.ResponseHeaderModifier)), rewrite(find(filters, Filter.Type.URLRewrite)),
        cors(find(filters, Filter.Type.CORS)));
    RoutePolicies policies = policies(rule, base, auth.resolve(rule.auth, ns, at, report));
    Timeouts timeouts = timeouts(rule);
    List<Match> matches = rule.matches == null || rule.matches.isEmpty() ? List.of(new Match()) : rule.matches;
    boolean served = false;
    for (int j = 0; j < matches.size(); j++) {
      RouteMatch match = match(matches.get(j));
      Route route = new Route(base + "/match/" + j, match, action, routeFilters, policies, timeouts,
          source.withField(at + (rule.matches == null || rule.matches.isEmpty() ? "" : ".matches[" + j + "]")));
      for (String host : hosts) {
        RouteTableBuilder.Claim holder = builder.addRoute(host, route, report.object());
        if (holder != null) {
          report.error(at + ".matches[" + j + "]", "MatchConflict", "the same match on host " + host
              + " is already routed by " + holder.owner() + " (" + holder.route().source().field()
              + "), which is older; this match is ignored there");
        } else {
          served = true;
        }
      }
    }
    if (served) {
      report.served();
    }
  }

  private static Filter find(List<Filter> filters, Filter.Type type) {
    return filters.stream().filter(f -> f.type == type).findFirst().orElse(null);
  }

  private static RouteMatch match(Match m) {
    Match.PathType type = m.path == null || m.path.type == null ? Match.PathType.PathPrefix : m.path.type;
    String value = m.path == null || m.path.value == null ? "/" : m.path.value;
    PathMatch path = switch (type) {
      case Exact -> PathMatch.exact(value);
      case PathPrefix -> PathMatch.prefix(value);
      case RegularExpression -> PathMatch.regex(value);
    };
    // Canonical order, so that the same conditions written in another order are the same match.
    List<ValueMatch> headers = (m.headers == null ? List.<Match.ValueMatch>of() : m.headers).stream()
        .map(h -> ValueMatch.header(h.name, valueType(h.type), h.value))
        .sorted(Comparator.comparing(ValueMatch::name).thenComparing(ValueMatch::value)).toList();
    List<ValueMatch> query = (m.queryParams == null ? List.<Match.ValueMatch>of() : m.queryParams).stream()
        .map(q -> new ValueMatch(q.name, valueType(q.type), q.value))
        .sorted(Comparator.comparing(ValueMatch::name).thenComparing(ValueMatch::value)).toList();
    return new RouteMatch(path, headers, query, m.method == null ? null : m.method.name());
  }

  private static ValueMatch.Type valueType(Match.ValueType t) {
    return t == Match.ValueType.RegularExpression ? ValueMatch.Type.REGEX : ValueMatch.Type.EXACT;
  }

  private static RouteAction redirect(Filter f) {
    return new RouteAction.Redirect(f.scheme == null ? null : f.scheme == Filter.Scheme.HTTPS ? "https" : "http",
        f.hostname, f.port, pathRewrite(f.path), f.statusCode == null ? 302 : f.statusCode);
  }

  private static RouteFilters.PathRewrite pathRewrite(Filter.PathModifier p) {
    if (p == null) {
      return null;
    }
    return new RouteFilters.PathRewrite(p.type == Filter.PathModifierType.ReplacePrefixMatch
        ? RouteFilters.PathRewrite.Type.PREFIX : RouteFilters.PathRewrite.Type.FULL, p.value);
  }

  private static RouteFilters.HeaderModifier headers(Filter f) {
    if (f == null) {
      return null;
    }
    return new RouteFilters.HeaderModifier(
        (f.set == null ? List.<Filter.Header>of() : f.set).stream().map(h -> new RouteFilters.Header(h.name, h.value)).toList(),
        (f.add == null ? List.<Filter.Header>of() : f.add).stream().map(h -> new RouteFilters.Header(h.name, h.value)).toList(),
        f.remove == null ? List.of() : f.remove);
  }

  private static RouteFilters.UrlRewrite rewrite(Filter f) {
    return f == null ? null : new RouteFilters.UrlRewrite(f.hostname, pathRewrite(f.path));
  }

  private static RouteFilters.Cors cors(Filter f) {
    if (f == null) {
      return null;
    }
    return new RouteFilters.Cors(f.allowOrigins, f.allowMethods, f.allowHeaders, f.exposeHeaders,
        Boolean.TRUE.equals(f.allowCredentials), f.maxAge == null ? 0 : f.maxAge);
  }

  private Timeouts timeouts(Rule rule) {
    Timeouts d = options.routeTimeouts();
    if (rule.timeouts == null) {
      return d;
    }
    return new Timeouts(orDefault(rule.timeouts.request, d.requestMs()),
        orDefault(rule.timeouts.backendRequest, d.backendRequestMs()), orDefault(rule.timeouts.idle, d.idleMs()));
  }

  private static long orDefault(String duration, long dflt) {
    return duration == null ? dflt : Durations.millis(duration);
  }

  /**
   * @param scope the rule's name: every route made from the rule shares its rate-limit buckets
   * @param auth  the rule's authentication, or null
   */
  private static RoutePolicies policies(Rule rule, String scope, dev.portcullis.model.Auth auth) {
    RoutePolicies.Retries retries = null;
    if (rule.retries != null) {
      Retries r = rule.retries;
      RoutePolicies.Retries d = RoutePolicies.Retries.DEFAULT;
      retries = new RoutePolicies.Retries(r.attempts == null ? d.attempts() : r.attempts,
          r.on == null || r.on.isEmpty() ? d.on()
              : r.on.stream().map(o -> RouteTableJson.mapper().convertValue(o, String.class)).distinct().toList(),
          r.perTryTimeout == null ? 0 : Durations.millis(r.perTryTimeout),
          // A default gives way to the other bound when only that one is set, so that
          // backoffMax: 10ms (or backoffBase: 1s) alone is a valid route, as the schema says.
          r.backoffBase == null ? Math.min(d.backoffBaseMs(), r.backoffMax == null ? Long.MAX_VALUE
              : Durations.millis(r.backoffMax)) : Durations.millis(r.backoffBase),
          r.backoffMax == null ? Math.max(d.backoffMaxMs(), r.backoffBase == null ? 0 : Durations.millis(r.backoffBase))
              : Durations.millis(r.backoffMax));
    }
    RoutePolicies.CachePolicy cache = null;
    if (rule.cache != null && Boolean.TRUE.equals(rule.cache.enabled)) {
      var c = rule.cache;
      cache = new RoutePolicies.CachePolicy(true, c.defaultTtl == null ? 0 : Durations.millis(c.defaultTtl),
          c.maxObjectSize == null ? 0 : c.maxObjectSize,
          c.keyIncludes == null || c.keyIncludes.headers == null ? List.of() : c.keyIncludes.headers,
          c.ignoreQueryParams, c.keyIncludes != null && Boolean.FALSE.equals(c.keyIncludes.query),
          Boolean.TRUE.equals(c.cacheAuthorized), Boolean.TRUE.equals(c.cacheSetCookie));
    }
    RoutePolicies.RateLimit rateLimit = null;
    if (rule.rateLimit != null) {
      int rps = rule.rateLimit.requestsPerSecond;
      rateLimit = new RoutePolicies.RateLimit(rps, rule.rateLimit.burst == null ? rps : rule.rateLimit.burst,
          rule.rateLimit.key == null ? "ClientIP" : rule.rateLimit.key.name(), rule.rateLimit.header, scope);
    }
    RoutePolicies.Access access = null;
    if (rule.access != null && ((rule.access.allow != null && !rule.access.allow.isEmpty())
        || (rule.access.deny != null && !rule.access.deny.isEmpty()))) {
      access = new RoutePolicies.Access(rule.access.allow, rule.access.deny);
    }
    return new RoutePolicies(retries, cache, rateLimit, access, rule.maxRequestBodySize, auth);
  }

  /** The rule's backends as weighted clusters; unresolvable ones still get their share (answering 503). */
  private RouteAction forward(Rule rule, String at, String routeNamespace, ObjectReport report) {
    List<RouteAction.ClusterWeight> weights = new ArrayList<>();
    ClusterPolicy policy = clusterPolicy(rule, at, report, routeNamespace);
    for (int k = 0; k < rule.backends.size(); k++) {
      Backend b = rule.backends.get(k);
      String field = at + ".backends[" + k + "]";
      String ns = b.namespace == null ? routeNamespace : b.namespace;
      int weight = b.weight == null ? 1 : b.weight;
      BackendResolver.PortRef port = BackendResolver.PortRef.of(b.port, null);
      if (!ns.equals(routeNamespace) && !crossNamespaceAllowed(ns, b.service, routeNamespace)) {
        report.error(field, "RefNotPermitted", "Service " + ns + "/" + b.service + " does not allow routes from namespace "
            + routeNamespace + " (annotation " + ALLOWED_NAMESPACES + "); its share of requests gets 503");
        Cluster refused = new Cluster("refused/" + routeNamespace + "/" + BackendResolver.clusterName(ns, b.service, port),
            List.of(), BalancerPolicy.ROUND_ROBIN, options.connectTimeoutMs(), SourceRef.of("Service", ns, b.service));
        builder.cluster(refused);
        weights.add(new RouteAction.ClusterWeight(refused.name(), weight));
        continue;
      }
      BackendResolver.Resolution resolution = resolver.resolve(ns, b.service, port);
      for (Problem p : resolution.problems()) {
        report.add(new Problem(p.severity(), field, p.reason(), p.message()));
      }
      BackendResolver.Resolution used = policy == null ? resolution : policy.apply(resolution);
      builder.cluster(used);
      weights.add(new RouteAction.ClusterWeight(used.cluster().name(), weight));
    }
    return new RouteAction.Forward(weights);
  }

  private boolean crossNamespaceAllowed(String ns, String service, String from) {
    Optional<Service> svc = snapshot.service(ns, service);
    if (svc.isEmpty()) {
      return false;
    }
    Map<String, String> annotations = svc.get().getMetadata().getAnnotations();
    String allowed = annotations == null ? null : annotations.get(ALLOWED_NAMESPACES);
    if (allowed == null) {
      return false;
    }
    for (String a : allowed.split(",")) {
      String t = a.trim();
      if (t.equals("*") || t.equals(from)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A rule's cluster-level settings; the clusters it uses are its own variants of the Service's.
   *
   * @param tlsHostname the backends' TLS name from backendTLS, or null for the Service's own
   * @param caPem       the CA the backends' certificates must chain to, or null: not checked
   * @param caBroken    true when backendTLS names a CA that cannot be read: the rule's backends get
   *                    no endpoints (503) rather than unchecked connections
   */
  private record ClusterPolicy(BalancerPolicy balancer, Cluster.HashKey hashKey, Cluster.HealthCheck healthCheck,
      Cluster.OutlierDetection outlier, Cluster.Protocol protocol, Cluster.CircuitBreaker circuitBreaker,
      String suffix, String tlsHostname, String caPem, boolean caBroken, Long connectTimeoutMs) {

    BackendResolver.Resolution apply(BackendResolver.Resolution r) {
      Cluster c = r.cluster();
      Cluster.Protocol p = protocol == null ? c.protocol() : protocol;
      Cluster.UpstreamTls tls = null;
      if (p != null && p.tls()) {
        String name = tlsHostname != null ? tlsHostname
            : c.tls() != null ? c.tls().serverName() : r.service() + "." + r.namespace() + ".svc";
        tls = new Cluster.UpstreamTls(name, caPem);
      }
      Cluster variant = new Cluster(c.name() + "/" + suffix, caBroken ? List.of() : c.endpoints(), balancer, hashKey,
          connectTimeoutMs != null ? connectTimeoutMs : c.connectTimeoutMs(), healthCheck, outlier, p, circuitBreaker,
          c.source(), tls);
      return new BackendResolver.Resolution(r.namespace(), r.service(), r.port(), variant, r.problems());
    }
  }

  private ClusterPolicy clusterPolicy(Rule rule, String at, ObjectReport report, String namespace) {
    Long connect = rule.timeouts == null || rule.timeouts.connect == null ? null
        : Durations.millis(rule.timeouts.connect);
    if (rule.loadBalancer == null && rule.healthCheck == null && rule.outlierDetection == null
        && rule.backendProtocol == null && rule.circuitBreaker == null && rule.backendTLS == null && connect == null) {
      return null;
    }
    BalancerPolicy balancer = BackendResolver.DEFAULT_BALANCER;
    Cluster.HashKey hashKey = null;
    if (rule.loadBalancer != null && rule.loadBalancer.policy != null) {
      balancer = switch (rule.loadBalancer.policy) {
        case RoundRobin -> BalancerPolicy.ROUND_ROBIN;
        case LeastRequest -> BalancerPolicy.LEAST_REQUEST;
        case Random -> BalancerPolicy.RANDOM;
        case EWMA -> BalancerPolicy.EWMA;
        case ConsistentHash -> BalancerPolicy.CONSISTENT_HASH;
      };
      if (balancer == BalancerPolicy.CONSISTENT_HASH) {
        LoadBalancer lb = rule.loadBalancer;
        hashKey = new Cluster.HashKey(lb.header == null ? null : lb.header.toLowerCase(java.util.Locale.ROOT),
            lb.cookie == null ? null : lb.cookie.name,
            lb.cookie == null || lb.cookie.ttl == null ? null : Durations.millis(lb.cookie.ttl),
            lb.cookie == null ? null : lb.cookie.path, Boolean.TRUE.equals(lb.sourceIP));
      }
    }
    Cluster.HealthCheck health = null;
    if (rule.healthCheck != null) {
      var h = rule.healthCheck;
      health = new Cluster.HealthCheck(h.path, h.interval == null ? 5000 : Durations.millis(h.interval),
          h.timeout == null ? 1000 : Durations.millis(h.timeout), h.healthyThreshold == null ? 2 : h.healthyThreshold,
          h.unhealthyThreshold == null ? 3 : h.unhealthyThreshold, h.expectedStatuses);
    }
    Cluster.OutlierDetection outlier = null;
    if (rule.outlierDetection != null) {
      var o = rule.outlierDetection;
      outlier = new Cluster.OutlierDetection(o.consecutive5xx == null ? 5 : o.consecutive5xx,
          o.interval == null ? 10_000 : Durations.millis(o.interval),
          o.baseEjectionTime == null ? 30_000 : Durations.millis(o.baseEjectionTime),
          o.maxEjectionPercent == null ? 50 : o.maxEjectionPercent);
    }
    Cluster.Protocol protocol = rule.backendProtocol == null ? null : switch (rule.backendProtocol) {
      case HTTP1 -> Cluster.Protocol.HTTP1;
      case H2C -> Cluster.Protocol.H2C;
      case HTTPS -> Cluster.Protocol.HTTPS;
      case H2 -> Cluster.Protocol.H2;
    };
    String tlsHostname = rule.backendTLS == null ? null : rule.backendTLS.hostname;
    String caPem = null;
    boolean caBroken = false;
    if (rule.backendTLS != null && rule.backendTLS.caSecretName != null) {
      TlsSecrets.CaBundle ca = tlsSecrets.caBundle(namespace, rule.backendTLS.caSecretName);
      if (ca.ok()) {
        caPem = ca.pem();
      } else {
        caBroken = true;
        report.error(at + ".backendTLS.caSecretName", ca.missing() ? "SecretNotFound" : "InvalidCACertificate",
            ca.problem() + "; the rule's requests get 503 rather than go to backends that cannot be checked");
      }
    }
    Cluster.CircuitBreaker breaker = null;
    if (rule.circuitBreaker != null) {
      var b = rule.circuitBreaker;
      Cluster.CircuitBreaker d = Cluster.CircuitBreaker.DEFAULT;
      breaker = new Cluster.CircuitBreaker(b.maxConnections == null ? d.maxConnections() : b.maxConnections,
          b.maxPendingRequests == null ? d.maxPendingRequests() : b.maxPendingRequests,
          b.maxRequests == null ? d.maxRequests() : b.maxRequests);
    }
    if (balancer == BackendResolver.DEFAULT_BALANCER && health == null && outlier == null && protocol == null
        && breaker == null && tlsHostname == null && caPem == null && !caBroken && connect == null) {
      return null;
    }
    List<Object> parts = new ArrayList<>(List.of(balancer, hashKey == null ? "" : hashKey,
        health == null ? "" : health, outlier == null ? "" : outlier, protocol == null ? "" : protocol,
        breaker == null ? "" : breaker));
    if (tlsHostname != null || caPem != null || caBroken) {
      // Only then: the names of variants without backend TLS settings stay as they were.
      parts.addAll(List.of(tlsHostname == null ? "" : tlsHostname, caPem == null ? "" : caPem, caBroken));
    }
    if (connect != null) {
      parts.add("connect=" + connect);
    }
    String digest = digest(RouteTableJson.toJson(parts));
    return new ClusterPolicy(balancer, hashKey, health, outlier, protocol, breaker, "policy/" + digest, tlsHostname,
        caPem, caBroken, connect);
  }

  private static String digest(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

}
