package dev.portcullis.translator.proxyroute;

import dev.portcullis.api.v1alpha1.Access;
import dev.portcullis.api.v1alpha1.Auth;
import dev.portcullis.api.v1alpha1.Backend;
import dev.portcullis.api.v1alpha1.Filter;
import dev.portcullis.api.v1alpha1.HealthCheck;
import dev.portcullis.api.v1alpha1.LoadBalancer;
import dev.portcullis.api.v1alpha1.Match;
import dev.portcullis.api.v1alpha1.OutlierDetection;
import dev.portcullis.api.v1alpha1.ProxyRoute;
import dev.portcullis.api.v1alpha1.ProxyRouteSpec;
import dev.portcullis.api.v1alpha1.RateLimit;
import dev.portcullis.api.v1alpha1.Retries;
import dev.portcullis.api.v1alpha1.Rule;
import dev.portcullis.model.Cidr;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.Regex;
import dev.portcullis.translator.status.Problem;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The CRD's validation, again, in the translator: local mode has no API server to enforce the
 * schema and its CEL rules, and objects written before a schema change were never checked by it.
 * Every check here mirrors one of the schema's (same bounds, same CEL messages), plus a few the
 * schema cannot express (regular expressions compile, paths are clean, CIDRs parse, headers a
 * proxy owns are not modified).
 *
 * <p>A problem with the object as a whole (no rules, a bad hostname, bad TLS) rejects it; a
 * problem inside a rule leaves out that rule only.
 */
public final class ProxyRouteValidator {

  /** The verdict: object-level problems, and per-rule problems by rule index. */
  public record Result(List<Problem> objectProblems, Map<Integer, List<Problem>> ruleProblems) {
    public boolean objectValid() {
      return objectProblems.isEmpty();
    }

    public boolean ruleValid(int index) {
      return !ruleProblems.containsKey(index);
    }
  }

  static final Pattern HOSTNAME = Pattern.compile(ProxyRouteSpec.HOSTNAME_PATTERN);
  static final Pattern HOSTNAME_ANY_LABEL_LENGTH =
      Pattern.compile("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  static final Pattern DNS_SUBDOMAIN = Pattern.compile("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$");
  static final Pattern RULE_NAME = Pattern.compile(Rule.NAME_PATTERN);
  static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  static final Pattern SERVICE_NAME = Pattern.compile("^[a-z]([-a-z0-9]*[a-z0-9])?$");
  static final Pattern HEADER_NAME = Pattern.compile(Match.HEADER_NAME_PATTERN);
  static final Pattern BACKEND_TLS_HOSTNAME = Pattern.compile(Rule.BackendTls.HOSTNAME_PATTERN);
  static final Pattern HEALTH_CHECK_PATH = Pattern.compile(HealthCheck.PATH_PATTERN);
  static final Pattern FILTER_HOSTNAME =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  /** Headers the proxy owns: a route may not set, add or remove them. */
  static final Set<String> OWNED_HEADERS = Set.of("host", "connection", "keep-alive", "transfer-encoding", "te",
      "upgrade", "proxy-connection", "content-length", "trailer");

  public Result validate(ProxyRoute route) {
    Checker object = new Checker();
    Map<Integer, List<Problem>> rules = new java.util.TreeMap<>();
    ProxyRouteSpec spec = route.getSpec();
    if (spec == null) {
      object.fail("spec", "is required");
      return new Result(object.problems(), rules);
    }
    object.pattern(spec.ingressClassName, DNS_SUBDOMAIN, "spec.ingressClassName", "a valid class name");
    object.size(spec.hostnames, 0, 16, "spec.hostnames");
    for (int i = 0; spec.hostnames != null && i < spec.hostnames.size(); i++) {
      String h = spec.hostnames.get(i);
      String at = "spec.hostnames[" + i + "]";
      object.required(h, at);
      object.maxLength(h, 253, at);
      if (h != null && !HOSTNAME.matcher(h).matches()) {
        // The schema's pattern says both; name the label length when that is all that is wrong.
        object.fail(at, HOSTNAME_ANY_LABEL_LENGTH.matcher(h).matches() ? "each label of a hostname is at most 63 characters"
            : "\"" + h + "\" is not a lower-case DNS name or wildcard (*.example.com)");
      }
    }
    if (spec.tls != null) {
      object.required(spec.tls.secretName, "spec.tls.secretName");
      object.pattern(spec.tls.secretName, DNS_SUBDOMAIN, "spec.tls.secretName", "a valid Secret name");
      if (spec.tls.clientValidation != null) {
        object.required(spec.tls.clientValidation.caSecretName, "spec.tls.clientValidation.caSecretName");
        object.pattern(spec.tls.clientValidation.caSecretName, DNS_SUBDOMAIN, "spec.tls.clientValidation.caSecretName",
            "a valid Secret name");
      }
      if (spec.tls.hsts != null) {
        object.required(spec.tls.hsts.maxAge, "spec.tls.hsts.maxAge");
        object.range(spec.tls.hsts.maxAge, 0, Long.MAX_VALUE, "spec.tls.hsts.maxAge");
      }
    }
    object.size(spec.rules, 1, 64, "spec.rules");
    Set<String> names = new HashSet<>();
    for (int i = 0; spec.rules != null && i < spec.rules.size(); i++) {
      Checker c = new Checker();
      Rule rule = spec.rules.get(i);
      String at = "spec.rules[" + i + "]";
      if (rule == null) {
        c.fail(at, "must not be null");
      } else {
        rule(rule, at, c);
        if (rule.name != null && !names.add(rule.name)) {
          c.fail(at + ".name", "duplicate rule name \"" + rule.name + "\"");
        }
      }
      if (!c.ok()) {
        rules.put(i, c.problems());
      }
    }
    return new Result(object.problems(), rules);
  }

  private static void rule(Rule rule, String at, Checker c) {
    c.pattern(rule.name, RULE_NAME, at + ".name", "a DNS label that starts with a letter");
    c.maxLength(rule.name, 63, at + ".name");
    List<Match> matches = nonNull(rule.matches);
    List<Backend> backends = nonNull(rule.backends);
    List<Filter> filters = nonNull(rule.filters);
    c.size(matches, 0, 8, at + ".matches");
    c.size(backends, 0, 16, at + ".backends");
    c.size(filters, 0, 16, at + ".filters");
    for (int j = 0; j < matches.size(); j++) {
      match(matches.get(j), at + ".matches[" + j + "]", c);
    }
    for (int j = 0; j < backends.size(); j++) {
      backend(backends.get(j), at + ".backends[" + j + "]", c);
    }
    for (int j = 0; j < filters.size(); j++) {
      filter(filters.get(j), at + ".filters[" + j + "]", c);
    }
    // The CRD's CEL rules on Rule.
    c.rule(backends.isEmpty() || backends.stream().anyMatch(b -> b == null || b.weight == null || b.weight > 0),
        at + ".backends", Rule.WEIGHTS_MESSAGE);
    boolean redirect = filters.stream().anyMatch(f -> f != null && f.type == Filter.Type.RequestRedirect);
    boolean rewrite = filters.stream().anyMatch(f -> f != null && f.type == Filter.Type.URLRewrite);
    c.rule(!backends.isEmpty() || redirect, at, Rule.BACKENDS_MESSAGE);
    c.rule(!(redirect && rewrite), at + ".filters", Rule.REDIRECT_XOR_REWRITE_MESSAGE);
    Map<Filter.Type, Integer> perType = new EnumMap<>(Filter.Type.class);
    filters.stream().filter(f -> f != null && f.type != null).forEach(f -> perType.merge(f.type, 1, Integer::sum));
    c.rule(perType.values().stream().allMatch(n -> n <= 1), at + ".filters", Rule.ONE_FILTER_PER_TYPE_MESSAGE);
    boolean prefixRewrite = filters.stream().anyMatch(f -> f != null && f.path != null
        && f.path.type == Filter.PathModifierType.ReplacePrefixMatch);
    c.rule(!prefixRewrite || matches.stream().allMatch(m -> m == null || m.path == null || m.path.type == null
        || m.path.type == Match.PathType.PathPrefix), at + ".filters", Rule.PREFIX_REWRITE_MESSAGE);
    c.rule(rule.backendTLS == null || rule.backendProtocol == Rule.BackendProtocol.HTTPS
        || rule.backendProtocol == Rule.BackendProtocol.H2, at + ".backendTLS", Rule.BACKEND_TLS_MESSAGE);
    if (rule.backendTLS != null) {
      c.pattern(rule.backendTLS.caSecretName, DNS_SUBDOMAIN, at + ".backendTLS.caSecretName", "a valid Secret name");
      c.pattern(rule.backendTLS.hostname, BACKEND_TLS_HOSTNAME, at + ".backendTLS.hostname",
          "a lower-case DNS name (labels of at most 63 characters)");
      c.maxLength(rule.backendTLS.hostname, 253, at + ".backendTLS.hostname");
    }

    if (rule.timeouts != null) {
      c.duration(rule.timeouts.request, at + ".timeouts.request");
      c.duration(rule.timeouts.backendRequest, at + ".timeouts.backendRequest");
      c.duration(rule.timeouts.idle, at + ".timeouts.idle");
      c.duration(rule.timeouts.connect, at + ".timeouts.connect");
      c.rule(rule.timeouts.connect == null || Durations.millis(rule.timeouts.connect) != 0, at + ".timeouts.connect",
          dev.portcullis.api.v1alpha1.Timeouts.CONNECT_MESSAGE);
    }
    if (rule.circuitBreaker != null) {
      circuitBreaker(rule.circuitBreaker, at + ".circuitBreaker", c);
    }
    if (rule.cache != null) {
      cache(rule.cache, at + ".cache", c);
    }
    c.range(rule.maxRequestBodySize, 0, Rule.MAX_REQUEST_BODY_SIZE, at + ".maxRequestBodySize");
    if (rule.retries != null) {
      retries(rule.retries, at + ".retries", c);
    }
    if (rule.loadBalancer != null) {
      loadBalancer(rule.loadBalancer, at + ".loadBalancer", c);
    }
    if (rule.healthCheck != null) {
      healthCheck(rule.healthCheck, at + ".healthCheck", c);
    }
    if (rule.outlierDetection != null) {
      outlier(rule.outlierDetection, at + ".outlierDetection", c);
    }
    if (rule.rateLimit != null) {
      rateLimit(rule.rateLimit, at + ".rateLimit", c);
    }
    if (rule.access != null) {
      access(rule.access, at + ".access", c);
    }
    if (rule.auth != null) {
      auth(rule.auth, at + ".auth", c);
    }
  }

  static final Pattern REALM = Pattern.compile(Auth.REALM_PATTERN);
  static final Pattern AUTH_URL = Pattern.compile(Auth.URL_PATTERN);

  private static void auth(Auth a, String at, Checker c) {
    int before = c.problems().size();
    int methods = (a.basic != null ? 1 : 0) + (a.jwt != null ? 1 : 0) + (a.external != null ? 1 : 0);
    c.rule(methods == 1, at, Auth.ONE_METHOD_MESSAGE);
    if (a.basic != null) {
      String f = at + ".basic";
      c.required(a.basic.secretName, f + ".secretName");
      c.pattern(a.basic.secretName, DNS_SUBDOMAIN, f + ".secretName", "a valid Secret name");
      c.maxLength(a.basic.secretName, 253, f + ".secretName");
      c.pattern(a.basic.realm, REALM, f + ".realm", "printable ASCII");
      c.maxLength(a.basic.realm, 256, f + ".realm");
    }
    if (a.jwt != null) {
      String f = at + ".jwt";
      Auth.Jwt j = a.jwt;
      c.rule((j.jwksUri != null) != (j.jwksSecretName != null), f, Auth.Jwt.ONE_KEY_SOURCE_MESSAGE);
      c.required(j.issuer, f + ".issuer");
      c.maxLength(j.issuer, 1024, f + ".issuer");
      c.size(j.audiences, 1, 16, f + ".audiences");
      for (int i = 0; j.audiences != null && i < j.audiences.size(); i++) {
        c.required(j.audiences.get(i), f + ".audiences[" + i + "]");
        c.maxLength(j.audiences.get(i), 1024, f + ".audiences[" + i + "]");
      }
      c.pattern(j.jwksUri, AUTH_URL, f + ".jwksUri", "an http or https URL");
      c.maxLength(j.jwksUri, 2048, f + ".jwksUri");
      c.pattern(j.jwksSecretName, DNS_SUBDOMAIN, f + ".jwksSecretName", "a valid Secret name");
      c.maxLength(j.jwksSecretName, 253, f + ".jwksSecretName");
      c.duration(j.clockSkew, f + ".clockSkew");
      if (j.clockSkew != null && Durations.millis(j.clockSkew) > 3_600_000) {
        c.fail(f + ".clockSkew", Auth.Jwt.CLOCK_SKEW_MESSAGE);
      }
      c.size(j.claimToHeaders, 0, 16, f + ".claimToHeaders");
      Set<String> headers = new HashSet<>();
      for (int i = 0; j.claimToHeaders != null && i < j.claimToHeaders.size(); i++) {
        Auth.ClaimToHeader h = j.claimToHeaders.get(i);
        String here = f + ".claimToHeaders[" + i + "]";
        if (h == null) {
          c.fail(here, "must not be null");
          continue;
        }
        c.required(h.claim, here + ".claim");
        c.maxLength(h.claim, 256, here + ".claim");
        c.required(h.header, here + ".header");
        c.pattern(h.header, HEADER_NAME, here + ".header", "a valid header name");
        c.maxLength(h.header, 256, here + ".header");
        if (h.header != null) {
          String lower = h.header.toLowerCase(Locale.ROOT);
          if (dev.portcullis.model.Auth.OWNED_HEADERS.contains(lower) || lower.equals("authorization")) {
            c.fail(here + ".header", "\"" + h.header + "\" is managed by the proxy and cannot carry a claim");
          } else if (!headers.add(lower)) {
            c.fail(here + ".header", "\"" + h.header + "\" is set by another claim too");
          }
        }
      }
    }
    if (a.external != null) {
      String f = at + ".external";
      Auth.External e = a.external;
      c.required(e.url, f + ".url");
      c.pattern(e.url, AUTH_URL, f + ".url", "an http or https URL");
      c.maxLength(e.url, 2048, f + ".url");
      c.positiveDuration(e.timeout, f + ".timeout");
      if (e.timeout != null && Durations.millis(e.timeout) > 60_000) {
        c.fail(f + ".timeout", Auth.External.TIMEOUT_MESSAGE);
      }
      c.size(e.requestHeaders, 0, 32, f + ".requestHeaders");
      for (int i = 0; e.requestHeaders != null && i < e.requestHeaders.size(); i++) {
        String h = e.requestHeaders.get(i);
        if (!"*".equals(h)) {
          c.required(h, f + ".requestHeaders[" + i + "]");
          c.pattern(h, HEADER_NAME, f + ".requestHeaders[" + i + "]", "a valid header name or *");
        }
      }
      c.size(e.responseHeaders, 0, 32, f + ".responseHeaders");
      for (int i = 0; e.responseHeaders != null && i < e.responseHeaders.size(); i++) {
        String h = e.responseHeaders.get(i);
        c.required(h, f + ".responseHeaders[" + i + "]");
        c.pattern(h, HEADER_NAME, f + ".responseHeaders[" + i + "]", "a valid header name");
        if (h != null && dev.portcullis.model.Auth.OWNED_HEADERS.contains(h.toLowerCase(Locale.ROOT))) {
          c.fail(f + ".responseHeaders[" + i + "]", "\"" + h + "\" is managed by the proxy and cannot be copied "
              + "from the auth service");
        }
      }
    }
    if (c.problems().size() == before) {
      // What only the route model checks (a URL that matches the pattern yet does not parse, say)
      // is found here, on the rule, rather than when the table is built.
      try {
        dev.portcullis.model.SecretRef stand = new dev.portcullis.model.SecretRef("ns", "name", null);
        dev.portcullis.translator.auth.AuthPolicies.model(a, stand, stand);
      } catch (ModelException ex) {
        c.fail(at, ex.getMessage());
      }
    }
  }

  private static void match(Match m, String at, Checker c) {
    if (m == null) {
      c.fail(at, "must not be null");
      return;
    }
    if (m.path != null) {
      Match.PathType type = m.path.type == null ? Match.PathType.PathPrefix : m.path.type;
      String value = m.path.value == null ? "/" : m.path.value;
      c.maxLength(value, 1024, at + ".path.value");
      if (type == Match.PathType.RegularExpression) {
        String problem = Regex.problem(value);
        if (problem != null) {
          c.fail(at + ".path.value", "invalid regular expression: " + problem);
        }
      } else {
        c.rule(value.startsWith("/"), at + ".path.value", "Exact and PathPrefix paths must start with '/'");
        String clean = cleanPath(value);
        if (clean != null && value.startsWith("/")) {
          c.fail(at + ".path.value", "\"" + value + "\" " + clean);
        }
      }
    }
    values(m.headers, at + ".headers", c);
    values(m.queryParams, at + ".queryParams", c);
  }

  private static void values(List<Match.ValueMatch> values, String at, Checker c) {
    c.size(values, 0, 16, at);
    for (int i = 0; values != null && i < values.size(); i++) {
      Match.ValueMatch v = values.get(i);
      String here = at + "[" + i + "]";
      if (v == null) {
        c.fail(here, "must not be null");
        continue;
      }
      c.required(v.name, here + ".name");
      c.pattern(v.name, HEADER_NAME, here + ".name", "a valid name");
      c.maxLength(v.name, 256, here + ".name");
      if (v.value == null) {
        c.fail(here + ".value", "is required");
      }
      c.maxLength(v.value, 4096, here + ".value");
      if (v.type == Match.ValueType.RegularExpression && v.value != null) {
        String problem = Regex.problem(v.value);
        if (problem != null) {
          c.fail(here + ".value", "invalid regular expression: " + problem);
        }
      }
    }
  }

  private static void backend(Backend b, String at, Checker c) {
    if (b == null) {
      c.fail(at, "must not be null");
      return;
    }
    c.required(b.service, at + ".service");
    c.pattern(b.service, SERVICE_NAME, at + ".service", "a Service name");
    c.maxLength(b.service, 63, at + ".service");
    c.pattern(b.namespace, DNS_LABEL, at + ".namespace", "a namespace name");
    c.maxLength(b.namespace, 63, at + ".namespace");
    c.required(b.port, at + ".port");
    c.range(b.port, 1, 65535, at + ".port");
    c.range(b.weight, 0, 1_000_000, at + ".weight");
  }

  private static void filter(Filter f, String at, Checker c) {
    if (f == null) {
      c.fail(at, "must not be null");
      return;
    }
    c.required(f.type, at + ".type");
    Filter.Type type = f.type;
    boolean headerModifier = type == Filter.Type.RequestHeaderModifier || type == Filter.Type.ResponseHeaderModifier;
    boolean hasHeaders = !nonNull(f.set).isEmpty() || !nonNull(f.add).isEmpty() || !nonNull(f.remove).isEmpty();
    c.rule(headerModifier == hasHeaders, at, Filter.HEADER_FIELDS_MESSAGE);
    c.rule(type != Filter.Type.URLRewrite || f.hostname != null || f.path != null, at, Filter.REWRITE_FIELDS_MESSAGE);
    c.rule(type != Filter.Type.RequestRedirect || f.scheme != null || f.hostname != null || f.port != null
        || f.path != null, at, Filter.REDIRECT_FIELDS_MESSAGE);
    c.rule(type == Filter.Type.URLRewrite || type == Filter.Type.RequestRedirect || (f.hostname == null && f.path == null),
        at, Filter.HOST_PATH_OWNERS_MESSAGE);
    c.rule(type == Filter.Type.RequestRedirect || (f.scheme == null && f.port == null && f.statusCode == null), at,
        Filter.REDIRECT_OWNERS_MESSAGE);
    c.rule(f.statusCode == null || Set.of(301, 302, 303, 307, 308).contains(f.statusCode), at + ".statusCode",
        Filter.STATUS_MESSAGE);
    c.rule(type != Filter.Type.CORS || !nonNull(f.allowOrigins).isEmpty(), at, Filter.CORS_FIELDS_MESSAGE);
    c.rule(type == Filter.Type.CORS || (nonNull(f.allowOrigins).isEmpty() && nonNull(f.allowMethods).isEmpty()
        && nonNull(f.allowHeaders).isEmpty() && nonNull(f.exposeHeaders).isEmpty() && f.allowCredentials == null
        && f.maxAge == null), at, Filter.CORS_OWNERS_MESSAGE);
    c.rule(!(Boolean.TRUE.equals(f.allowCredentials) && nonNull(f.allowOrigins).contains("*")), at,
        Filter.CORS_CREDENTIALS_MESSAGE);
    headers(f.set, at + ".set", c);
    headers(f.add, at + ".add", c);
    c.size(f.remove, 0, 16, at + ".remove");
    for (int i = 0; f.remove != null && i < f.remove.size(); i++) {
      String name = f.remove.get(i);
      c.pattern(name, HEADER_NAME, at + ".remove[" + i + "]", "a valid header name");
      owned(name, at + ".remove[" + i + "]", c);
    }
    c.pattern(f.hostname, FILTER_HOSTNAME, at + ".hostname", "a lower-case DNS name");
    c.maxLength(f.hostname, 253, at + ".hostname");
    if (f.path != null) {
      c.required(f.path.type, at + ".path.type");
      c.required(f.path.value, at + ".path.value");
      c.maxLength(f.path.value, 1024, at + ".path.value");
      c.rule(f.path.value == null || f.path.value.startsWith("/"), at + ".path.value",
          "the replacement path must start with '/'");
    }
    c.range(f.port, 1, 65535, at + ".port");
    c.range(f.maxAge, 0, 86400, at + ".maxAge");
    c.size(f.allowOrigins, 0, 64, at + ".allowOrigins");
    c.size(f.allowMethods, 0, 16, at + ".allowMethods");
    c.size(f.allowHeaders, 0, 64, at + ".allowHeaders");
    c.size(f.exposeHeaders, 0, 64, at + ".exposeHeaders");
  }

  private static void headers(List<Filter.Header> headers, String at, Checker c) {
    c.size(headers, 0, 16, at);
    for (int i = 0; headers != null && i < headers.size(); i++) {
      Filter.Header h = headers.get(i);
      String here = at + "[" + i + "]";
      if (h == null) {
        c.fail(here, "must not be null");
        continue;
      }
      c.required(h.name, here + ".name");
      c.pattern(h.name, HEADER_NAME, here + ".name", "a valid header name");
      c.maxLength(h.name, 256, here + ".name");
      if (h.value == null) {
        c.fail(here + ".value", "is required");
      } else {
        c.maxLength(h.value, 4096, here + ".value");
        c.rule(h.value.indexOf('\r') < 0 && h.value.indexOf('\n') < 0 && h.value.indexOf('\0') < 0, here + ".value",
            "must not contain CR, LF or NUL");
      }
      owned(h.name, here + ".name", c);
    }
  }

  private static void owned(String name, String at, Checker c) {
    if (name != null && OWNED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
      c.fail(at, "\"" + name + "\" is managed by the proxy and cannot be changed by a route"
          + ("host".equalsIgnoreCase(name) ? " (use a URLRewrite hostname)" : ""));
    }
  }

  private static void retries(Retries r, String at, Checker c) {
    c.range(r.attempts, 0, 10, at + ".attempts");
    c.size(r.on, 0, 8, at + ".on");
    c.duration(r.perTryTimeout, at + ".perTryTimeout");
    c.duration(r.backoffBase, at + ".backoffBase");
    c.duration(r.backoffMax, at + ".backoffMax");
    if (r.backoffBase != null && r.backoffMax != null && Durations.millis(r.backoffBase) >= 0
        && Durations.millis(r.backoffMax) >= 0) {
      c.rule(Durations.millis(r.backoffMax) >= Durations.millis(r.backoffBase), at + ".backoffMax",
          "must not be shorter than backoffBase");
    }
  }

  private static void cache(dev.portcullis.api.v1alpha1.Cache cache, String at, Checker c) {
    c.duration(cache.defaultTtl, at + ".defaultTtl");
    c.range(cache.maxObjectSize, 1, 1L << 30, at + ".maxObjectSize");
    c.size(cache.ignoreQueryParams, 0, 32, at + ".ignoreQueryParams");
    if (cache.keyIncludes != null) {
      c.size(cache.keyIncludes.headers, 0, 16, at + ".keyIncludes.headers");
      for (int i = 0; cache.keyIncludes.headers != null && i < cache.keyIncludes.headers.size(); i++) {
        c.pattern(cache.keyIncludes.headers.get(i), HEADER_NAME, at + ".keyIncludes.headers[" + i + "]",
            "a valid header name");
      }
    }
  }

  private static void circuitBreaker(dev.portcullis.api.v1alpha1.CircuitBreaker b, String at, Checker c) {
    c.range(b.maxConnections, 1, 1_000_000, at + ".maxConnections");
    c.range(b.maxPendingRequests, 0, 1_000_000, at + ".maxPendingRequests");
    c.range(b.maxRequests, 1, 1_000_000, at + ".maxRequests");
  }

  private static void loadBalancer(LoadBalancer lb, String at, Checker c) {
    boolean hash = lb.policy == LoadBalancer.Policy.ConsistentHash;
    int keys = (lb.header != null ? 1 : 0) + (lb.cookie != null ? 1 : 0) + (Boolean.TRUE.equals(lb.sourceIP) ? 1 : 0);
    c.rule(hash ? keys == 1 : keys == 0, at, LoadBalancer.HASH_KEY_MESSAGE);
    c.pattern(lb.header, HEADER_NAME, at + ".header", "a valid header name");
    c.maxLength(lb.header, 256, at + ".header");
    if (lb.cookie != null) {
      c.required(lb.cookie.name, at + ".cookie.name");
      c.pattern(lb.cookie.name, HEADER_NAME, at + ".cookie.name", "a valid cookie name");
      c.maxLength(lb.cookie.name, 256, at + ".cookie.name");
      c.duration(lb.cookie.ttl, at + ".cookie.ttl");
      c.maxLength(lb.cookie.path, 1024, at + ".cookie.path");
    }
  }

  private static void healthCheck(HealthCheck h, String at, Checker c) {
    c.required(h.path, at + ".path");
    c.pattern(h.path, HEALTH_CHECK_PATH, at + ".path", "a path that starts with '/', in printable ASCII without spaces");
    c.maxLength(h.path, 1024, at + ".path");
    c.positiveDuration(h.interval, at + ".interval");
    c.positiveDuration(h.timeout, at + ".timeout");
    c.range(h.healthyThreshold, 1, 10, at + ".healthyThreshold");
    c.range(h.unhealthyThreshold, 1, 10, at + ".unhealthyThreshold");
    c.size(h.expectedStatuses, 0, 16, at + ".expectedStatuses");
    for (int i = 0; h.expectedStatuses != null && i < h.expectedStatuses.size(); i++) {
      c.range(h.expectedStatuses.get(i), 100, 599, at + ".expectedStatuses[" + i + "]");
    }
  }

  private static void outlier(OutlierDetection o, String at, Checker c) {
    c.range(o.consecutive5xx, 1, 1000, at + ".consecutive5xx");
    c.positiveDuration(o.interval, at + ".interval");
    c.positiveDuration(o.baseEjectionTime, at + ".baseEjectionTime");
    c.range(o.maxEjectionPercent, 0, 100, at + ".maxEjectionPercent");
  }

  private static void rateLimit(RateLimit r, String at, Checker c) {
    c.required(r.requestsPerSecond, at + ".requestsPerSecond");
    c.range(r.requestsPerSecond, 1, 1_000_000, at + ".requestsPerSecond");
    c.range(r.burst, 1, 10_000_000, at + ".burst");
    c.rule((r.key == RateLimit.Key.Header) == (r.header != null), at, "key Header needs header, and only key Header takes it");
    c.pattern(r.header, HEADER_NAME, at + ".header", "a valid header name");
    c.maxLength(r.header, 256, at + ".header");
  }

  private static void access(Access a, String at, Checker c) {
    c.size(a.allow, 0, 256, at + ".allow");
    c.size(a.deny, 0, 256, at + ".deny");
    cidrs(a.allow, at + ".allow", c);
    cidrs(a.deny, at + ".deny", c);
  }

  private static void cidrs(List<String> cidrs, String at, Checker c) {
    for (int i = 0; cidrs != null && i < cidrs.size(); i++) {
      try {
        Cidr.parse(cidrs.get(i), at + "[" + i + "]");
      } catch (ModelException e) {
        c.fail(e.field(), e.reason());
      }
    }
  }

  /** The API server's rules for clean paths (as for Ingress Exact and Prefix paths); null when clean. */
  static String cleanPath(String value) {
    for (String bad : List.of("//", "/./", "/../", "%2f", "%2F", "#", "?")) {
      if (value.contains(bad)) {
        return "must not contain '" + bad + "'";
      }
    }
    if (value.endsWith("/..") || value.endsWith("/.")) {
      return "must not end with '/..' or '/.'";
    }
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch <= 0x20 || ch == 0x7f) {
        return "must not contain whitespace or control characters";
      }
    }
    return null;
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? new ArrayList<>() : list;
  }

}
