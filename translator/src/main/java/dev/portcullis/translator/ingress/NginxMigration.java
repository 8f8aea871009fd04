package dev.portcullis.translator.ingress;

import dev.portcullis.api.v1alpha1.Access;
import dev.portcullis.api.v1alpha1.Auth;
import dev.portcullis.api.v1alpha1.Backend;
import dev.portcullis.api.v1alpha1.Filter;
import dev.portcullis.api.v1alpha1.LoadBalancer;
import dev.portcullis.api.v1alpha1.Match;
import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.api.v1alpha1.ProxyRouteSpec;
import dev.portcullis.api.v1alpha1.RateLimit;
import dev.portcullis.api.v1alpha1.Retries;
import dev.portcullis.api.v1alpha1.Rule;
import dev.portcullis.api.v1alpha1.Timeouts;
import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.RouteFilters;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code portcullis migrate}: for each Ingress, which ingress-nginx annotations are honoured,
 * accepted without effect, refused or invalid, and the ProxyRoutes that say the same without
 * annotations. What a ProxyRoute cannot say yet is listed, so that nothing changes silently: keep
 * the Ingress (in the compatibility mode) for those.
 */
public final class NginxMigration {

  /**
   * What became of one Ingress.
   *
   * @param ingress         namespace/name
   * @param canaryOf        for a canary: the Ingress whose ProxyRoute it joins, or null
   * @param served          whether the compatibility mode serves it as it is
   * @param findings        the verdicts on its ingress-nginx annotations
   * @param notInProxyRoute what its ProxyRoutes cannot express (annotation and why)
   * @param proxyRoutes     the equivalent ProxyRoutes (none for a canary, which joins its main one)
   */
  public record Report(String ingress, String canaryOf, boolean served, List<NginxAnnotations.Finding> findings,
      Map<String, String> notInProxyRoute, List<ProxyRoute> proxyRoutes) {}

  private NginxMigration() {}

  /** The reports, in the order the Ingresses are given. */
  public static List<Report> migrate(Collection<Ingress> ingresses) {
    Map<String, Ingress> canaries = new LinkedHashMap<>();
    for (Ingress i : ingresses) {
      if (NginxAnnotations.isCanary(i.getMetadata().getAnnotations())) {
        for (String key : hostPaths(i)) {
          canaries.putIfAbsent(key, i);
        }
      }
    }
    Map<Ingress, String> canaryMain = new java.util.IdentityHashMap<>();
    for (Ingress i : ingresses) {
      if (!NginxAnnotations.isCanary(i.getMetadata().getAnnotations())) {
        for (String key : hostPaths(i)) {
          Ingress c = canaries.get(key);
          if (c != null) {
            canaryMain.putIfAbsent(c, name(i));
          }
        }
      }
    }
    List<Report> out = new ArrayList<>();
    for (Ingress i : ingresses) {
      NginxAnnotations.Result read = NginxAnnotations.read(i.getMetadata().getAnnotations());
      boolean served = !read.invalid() && !read.refused();
      Map<String, String> missing = new LinkedHashMap<>();
      List<ProxyRoute> routes = List.of();
      boolean canary = NginxAnnotations.isCanary(i.getMetadata().getAnnotations());
      if (canary) {
        if (!canaryMain.containsKey(i)) {
          served = false;
          missing.put(NginxAnnotations.PREFIX + "canary", "no main Ingress with the same host and path among the "
              + "input; a canary is only served joined to one");
        }
      } else if (!read.invalid()) {
        routes = new Builder(i, read.config(), canaries, missing).build();
      }
      out.add(new Report(name(i), canary ? canaryMain.get(i) : null, served, read.findings(), missing, routes));
    }
    return out;
  }

  private static String name(Ingress i) {
    return i.getMetadata().getNamespace() + "/" + i.getMetadata().getName();
  }

  private static List<String> hostPaths(Ingress i) {
    List<String> keys = new ArrayList<>();
    for (IngressRule r : rules(i)) {
      if (r.getHttp() != null && r.getHttp().getPaths() != null) {
        for (HTTPIngressPath p : r.getHttp().getPaths()) {
          keys.add(key(r.getHost(), p.getPath()));
        }
      }
    }
    return keys;
  }

  private static String key(String host, String path) {
    return (host == null || host.isEmpty() ? "*" : host) + " " + (path == null || path.isEmpty() ? "/" : path);
  }

  private static List<IngressRule> rules(Ingress i) {
    return i.getSpec() == null || i.getSpec().getRules() == null ? List.of() : i.getSpec().getRules();
  }

  private static final class Builder {
    private final Ingress ingress;
    private final NginxAnnotations.Config c;
    private final Map<String, Ingress> canaries;
    private final Map<String, String> missing;

    Builder(Ingress ingress, NginxAnnotations.Config config, Map<String, Ingress> canaries, Map<String, String> missing) {
      this.ingress = ingress;
      this.c = config;
      this.canaries = canaries;
      this.missing = missing;
    }

    private void missing(String annotation, String why) {
      missing.putIfAbsent(annotation.contains("/") ? annotation : NginxAnnotations.PREFIX + annotation, why);
    }

    List<ProxyRoute> build() {
      notExpressible();
      List<IngressRule> rules = rules(ingress);
      List<ProxyRoute> out = new ArrayList<>();
      for (int i = 0; i < rules.size(); i++) {
        IngressRule rule = rules.get(i);
        String name = ingress.getMetadata().getName() + (rules.size() == 1 ? "" : "-" + i);
        out.add(route(name, rule));
      }
      IngressBackend dflt = ingress.getSpec() == null ? null : ingress.getSpec().getDefaultBackend();
      if (dflt != null) {
        missing("spec.defaultBackend", "a ProxyRoute has no fallback for requests no host claims; add a rule with "
            + "PathPrefix / to a ProxyRoute of each host instead");
      }
      return out;
    }

    /** What the model has and the ProxyRoute API does not (yet). */
    private void notExpressible() {
      if (c.rewriteTarget() != null && c.rewriteTarget().contains("$")) {
        missing("rewrite-target", "ProxyRoute's URLRewrite has no capture groups (ReplaceRegexMatch); keep the "
            + "Ingress in the compatibility mode for these paths");
      }
      if (c.forceSslRedirect()) {
        missing("force-ssl-redirect", "a ProxyRoute redirects to HTTPS only with spec.tls and a Secret");
      }
      if (c.redirectUrl() != null) {
        missing(c.redirectCode() == 301 || c.redirectCode() == 308 ? "permanent-redirect" : "temporal-redirect",
            "a ProxyRoute's RequestRedirect keeps the request's query, which nginx's return drops");
      }
      if (c.appRoot() != null) {
        missing("app-root", "a ProxyRoute's RequestRedirect keeps the request's query, which nginx's return drops");
      }
      if (c.hashKey() != null && Boolean.TRUE.equals(c.hashKey().requestUri())) {
        missing("upstream-hash-by", "a ProxyRoute's loadBalancer hashes a header, a cookie or the client address, "
            + "not the request URI");
      }
      if (c.hashKey() != null && c.hashKey().cookieSameSite() != null) {
        missing("session-cookie-samesite", "a ProxyRoute's affinity cookie is always SameSite=Lax");
      }
      if (c.limitRpm() != null) {
        missing("limit-rpm", "a ProxyRoute's rateLimit is per second");
      }
      if (c.limitConnections() != null) {
        missing("limit-connections", "a ProxyRoute has no limit of requests in flight per client");
      }
      if (c.customHttpErrors() != null) {
        missing("custom-http-errors", "a ProxyRoute has no error pages");
      }
      if (c.defaultBackend() != null) {
        missing("default-backend", "a ProxyRoute has no fallback Service for a Service without endpoints");
      }
      if (c.basicAuth() != null && (c.basicAuth().map() || c.basicAuth().namespace() != null)) {
        missing(c.basicAuth().map() ? "auth-secret-type" : "auth-secret", "a ProxyRoute's basic auth reads an "
            + "htpasswd file (key auth) from a Secret in its own namespace");
      }
    }

    private ProxyRoute route(String name, IngressRule rule) {
      ProxyRoute pr = new ProxyRoute();
      pr.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ingress.getMetadata().getNamespace())
          .build());
      ProxyRouteSpec spec = new ProxyRouteSpec();
      Set<String> hosts = new LinkedHashSet<>();
      if (rule.getHost() != null && !rule.getHost().isEmpty()) {
        hosts.add(rule.getHost());
        hosts.addAll(c.serverAliases());
      }
      spec.hostnames = new ArrayList<>(hosts);
      spec.tls = tls(rule.getHost());
      List<Rule> rules = new ArrayList<>();
      if (c.appRoot() != null) {
        Rule root = new Rule();
        root.name = "app-root";
        root.matches = List.of(match("Exact", "/", false));
        root.filters = List.of(redirect(null, null, null, c.appRoot(), 302));
        rules.add(root);
      }
      List<HTTPIngressPath> paths = rule.getHttp() == null || rule.getHttp().getPaths() == null ? List.of()
          : rule.getHttp().getPaths();
      for (int j = 0; j < paths.size(); j++) {
        HTTPIngressPath p = paths.get(j);
        String base = "path-" + j;
        Ingress canary = canaries.get(key(rule.getHost(), p.getPath()));
        NginxAnnotations.Canary cc = canary == null ? null
            : NginxAnnotations.read(canary.getMetadata().getAnnotations()).config().canary();
        Backend main = backend(p.getBackend());
        Backend canaryBackend = canary == null ? null : backend(canaryBackendOf(canary, rule.getHost(), p.getPath()));
        if (cc != null && canaryBackend != null) {
          if (cc.header() != null) {
            if (cc.headerValue() != null || cc.headerPattern() != null) {
              rules.add(rule(base + "-canary-header", p, header(cc.header(), cc.headerValue() != null ? "Exact"
                  : "RegularExpression", cc.headerValue() != null ? cc.headerValue() : cc.headerPattern()),
                  List.of(canaryBackend)));
            } else {
              rules.add(rule(base + "-canary-header-always", p, header(cc.header(), "Exact", "always"),
                  List.of(canaryBackend)));
              rules.add(rule(base + "-canary-header-never", p, header(cc.header(), "Exact", "never"), List.of(main)));
            }
          }
          if (cc.cookie() != null) {
            String re = "(?:.*;\\s*)?\\Q" + cc.cookie() + "\\E=%s(?:;.*)?";
            rules.add(rule(base + "-canary-cookie-always", p, header("cookie", "RegularExpression",
                re.formatted("always")), List.of(canaryBackend)));
            rules.add(rule(base + "-canary-cookie-never", p, header("cookie", "RegularExpression",
                re.formatted("never")), List.of(main)));
          }
          if (cc.weight() != null && cc.weight() > 0) {
            Backend m = backend(p.getBackend());
            m.weight = cc.weightTotal() - cc.weight();
            canaryBackend.weight = cc.weight();
            rules.add(rule(base, p, null, List.of(m, canaryBackend)));
            continue;
          }
        }
        rules.add(rule(base, p, null, List.of(main)));
      }
      spec.rules = rules;
      pr.setSpec(spec);
      return pr;
    }

    private IngressBackend canaryBackendOf(Ingress canary, String host, String path) {
      for (IngressRule r : rules(canary)) {
        if (r.getHttp() != null && r.getHttp().getPaths() != null) {
          for (HTTPIngressPath p : r.getHttp().getPaths()) {
            if (key(r.getHost(), p.getPath()).equals(key(host, path))) {
              return p.getBackend();
            }
          }
        }
      }
      return null;
    }

    private ProxyRouteSpec.Tls tls(String host) {
      List<IngressTLS> entries = ingress.getSpec() == null || ingress.getSpec().getTls() == null ? List.of()
          : ingress.getSpec().getTls();
      for (IngressTLS t : entries) {
        if (t.getHosts() != null && t.getHosts().contains(host) && t.getSecretName() != null) {
          ProxyRouteSpec.Tls tls = new ProxyRouteSpec.Tls();
          tls.secretName = t.getSecretName();
          if (Boolean.FALSE.equals(c.sslRedirect()) && !c.forceSslRedirect()) {
            tls.redirectHttp = false;
          }
          if (c.hsts() != null) {
            ProxyRouteSpec.Hsts h = new ProxyRouteSpec.Hsts();
            for (String part : c.hsts().split(";\\s*")) {
              if (part.startsWith("max-age=")) {
                h.maxAge = Long.parseLong(part.substring("max-age=".length()));
              } else if (part.equals("includeSubDomains")) {
                h.includeSubDomains = true;
              } else if (part.equals("preload")) {
                h.preload = true;
              }
            }
            tls.hsts = h;
          }
          return tls;
        }
      }
      return null;
    }

    private Match match(String pathType, String path, boolean regex) {
      Match m = new Match();
      m.path = new Match.PathMatch();
      String value = path == null || path.isEmpty() ? "/" : path;
      if (regex && !"Exact".equals(pathType)) {
        m.path.type = Match.PathType.RegularExpression;
        m.path.value = "(?i)" + value + ".*";
      } else {
        m.path.type = "Exact".equals(pathType) ? Match.PathType.Exact : Match.PathType.PathPrefix;
        m.path.value = value;
      }
      return m;
    }

    private static Match.ValueMatch header(String name, String type, String value) {
      Match.ValueMatch v = new Match.ValueMatch();
      v.name = name;
      v.type = "Exact".equals(type) ? null : Match.ValueType.RegularExpression;
      v.value = value;
      return v;
    }

    private Backend backend(IngressBackend b) {
      Backend out = new Backend();
      if (b == null || b.getService() == null) {
        missing("spec.rules", "a resource backend has no ProxyRoute equivalent");
        return out;
      }
      out.service = b.getService().getName();
      if (b.getService().getPort() != null) {
        out.port = b.getService().getPort().getNumber();
        if (out.port == null) {
          missing("spec.rules", "a ProxyRoute backend names its port by number; the Service port \""
              + b.getService().getPort().getName() + "\" must be given as one");
        }
      }
      return out;
    }

    private Rule rule(String name, HTTPIngressPath p, Match.ValueMatch header, List<Backend> backends) {
      Rule r = new Rule();
      r.name = name;
      Match m = match(p.getPathType(), p.getPath(), c.regex());
      if (header != null) {
        m.headers = new ArrayList<>(List.of(header));
      }
      r.matches = List.of(m);
      List<Filter> filters = new ArrayList<>();
      if (c.redirectUrl() != null) {
        URI u = URI.create(c.redirectUrl());
        String path = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
            + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        filters.add(redirect(u.getScheme(), u.getHost(), u.getPort() < 0 ? null : u.getPort(), path,
            c.redirectCode()));
        r.filters = filters;
        return r;
      }
      r.backends = new ArrayList<>(backends);
      if (c.rewriteTarget() != null && !c.rewriteTarget().contains("$") || c.upstreamVhost() != null) {
        Filter f = new Filter();
        f.type = Filter.Type.URLRewrite;
        f.hostname = c.upstreamVhost();
        if (c.rewriteTarget() != null && !c.rewriteTarget().contains("$")) {
          f.path = new Filter.PathModifier();
          f.path.type = Filter.PathModifierType.ReplaceFullPath;
          f.path.value = c.rewriteTarget();
        }
        filters.add(f);
      }
      if (c.forwardedPrefix() != null) {
        Filter f = new Filter();
        f.type = Filter.Type.RequestHeaderModifier;
        Filter.Header h = new Filter.Header();
        h.name = "X-Forwarded-Prefix";
        h.value = c.forwardedPrefix();
        f.set = new ArrayList<>(List.of(h));
        filters.add(f);
      }
      RouteFilters.Cors cors = c.cors();
      if (cors != null) {
        Filter f = new Filter();
        f.type = Filter.Type.CORS;
        f.allowOrigins = new ArrayList<>(cors.allowOrigins());
        f.allowMethods = new ArrayList<>(cors.allowMethods());
        f.allowHeaders = new ArrayList<>(cors.allowHeaders());
        f.exposeHeaders = new ArrayList<>(cors.exposeHeaders());
        f.allowCredentials = cors.allowCredentials() ? true : null;
        f.maxAge = cors.maxAgeSeconds();
        filters.add(f);
      }
      r.filters = filters;
      if (c.readTimeoutMs() != null || c.sendTimeoutMs() != null || c.connectTimeoutMs() != null) {
        Timeouts t = new Timeouts();
        if (c.readTimeoutMs() != null) {
          t.backendRequest = c.readTimeoutMs() / 1000 + "s";
        }
        if (c.readTimeoutMs() != null || c.sendTimeoutMs() != null) {
          long idle = Math.max(c.readTimeoutMs() == null ? 60_000 : c.readTimeoutMs(),
              c.sendTimeoutMs() == null ? 60_000 : c.sendTimeoutMs());
          t.idle = idle / 1000 + "s";
        }
        if (c.connectTimeoutMs() != null) {
          t.connect = c.connectTimeoutMs() / 1000 + "s";
        }
        r.timeouts = t;
      }
      if (c.retries() != null) {
        Retries rt = new Retries();
        rt.attempts = c.retries().attempts();
        rt.on = new ArrayList<>(c.retries().on().stream().map(o -> dev.portcullis.model.RouteTableJson.mapper()
            .convertValue(o, Retries.On.class)).toList());
        r.retries = rt;
      }
      if (c.protocol() != null) {
        r.backendProtocol = switch (c.protocol()) {
          case HTTP1 -> Rule.BackendProtocol.HTTP1;
          case H2C -> Rule.BackendProtocol.H2C;
          case HTTPS -> Rule.BackendProtocol.HTTPS;
          case H2 -> Rule.BackendProtocol.H2;
        };
      }
      if (c.balancer() != null && !(c.hashKey() != null && Boolean.TRUE.equals(c.hashKey().requestUri()))) {
        LoadBalancer lb = new LoadBalancer();
        lb.policy = c.balancer() == BalancerPolicy.EWMA ? LoadBalancer.Policy.EWMA
            : c.balancer() == BalancerPolicy.CONSISTENT_HASH ? LoadBalancer.Policy.ConsistentHash
            : LoadBalancer.Policy.RoundRobin;
        Cluster.HashKey k = c.hashKey();
        if (k != null) {
          lb.header = k.header();
          lb.sourceIP = k.sourceIp() ? true : null;
          if (k.cookie() != null) {
            lb.cookie = new LoadBalancer.Cookie();
            lb.cookie.name = k.cookie();
            lb.cookie.path = k.cookiePath();
            lb.cookie.ttl = k.cookieTtlMs() == null ? null : k.cookieTtlMs() / 1000 + "s";
          }
        }
        r.loadBalancer = lb;
      }
      if (c.limitRps() != null) {
        RateLimit rl = new RateLimit();
        rl.requestsPerSecond = c.limitRps();
        rl.burst = c.limitRps() * c.burstMultiplier();
        rl.key = RateLimit.Key.ClientIP;
        r.rateLimit = rl;
      }
      if (!c.allow().isEmpty() || !c.deny().isEmpty()) {
        Access a = new Access();
        a.allow = new ArrayList<>(c.allow());
        a.deny = new ArrayList<>(c.deny());
        r.access = a;
      }
      if (c.basicAuth() != null) {
        Auth a = new Auth();
        a.basic = new Auth.Basic();
        a.basic.secretName = c.basicAuth().secret();
        a.basic.realm = c.basicAuth().realm();
        r.auth = a;
      } else if (c.externalAuth() != null) {
        Auth a = new Auth();
        a.external = new Auth.External();
        a.external.url = c.externalAuth().url();
        a.external.method = Auth.External.Method.valueOf(c.externalAuth().method());
        a.external.requestHeaders = new ArrayList<>(c.externalAuth().requestHeaders());
        a.external.responseHeaders = new ArrayList<>(c.externalAuth().responseHeaders());
        r.auth = a;
      }
      r.maxRequestBodySize = c.bodySize();
      return r;
    }

    private static Filter redirect(String scheme, String host, Integer port, String path, int code) {
      Filter f = new Filter();
      f.type = Filter.Type.RequestRedirect;
      f.scheme = scheme == null ? null : "https".equals(scheme) ? Filter.Scheme.HTTPS : Filter.Scheme.HTTP;
      f.hostname = host;
      f.port = port;
      f.path = new Filter.PathModifier();
      f.path.type = Filter.PathModifierType.ReplaceFullPath;
      f.path.value = path;
      f.statusCode = code;
      return f;
    }
  }
}
