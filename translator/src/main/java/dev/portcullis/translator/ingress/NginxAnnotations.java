package dev.portcullis.translator.ingress;

import dev.portcullis.model.BalancerPolicy;
import dev.portcullis.model.Cidr;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.ModelException;
import dev.portcullis.model.RouteFilters;
import dev.portcullis.model.RoutePolicies;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads ingress-nginx's {@code nginx.ingress.kubernetes.io/*} annotations into what the route table
 * can do. Every annotation gets a verdict: honoured (mapped onto a route-table feature), accepted
 * without effect (documented), refused (snippets, which are nginx configuration text and are never
 * executed, and annotations Portcullis does not implement), or invalid (a value ingress-nginx
 * would not take either, or one Portcullis cannot express). Nothing is half-applied: the caller
 * serves an Ingress with an invalid annotation not at all, and one with a refused annotation only
 * when told to. docs/ingress-nginx-migration.md lists every annotation and how it differs.
 */
public final class NginxAnnotations {

  public static final String PREFIX = "nginx.ingress.kubernetes.io/";

  /** What became of one annotation. */
  public enum Verdict {
    /** Mapped onto a route-table feature. */
    HONOURED,
    /** Accepted, with no effect (documented). */
    ACCEPTED,
    /** Never applied: a snippet, or an annotation Portcullis does not implement. */
    REFUSED,
    /** A value that cannot be applied. */
    INVALID
  }

  /**
   * The verdict on one annotation.
   *
   * @param name    the annotation's full name
   * @param verdict what became of it
   * @param message why, for humans; for honoured ones, what it became
   */
  public record Finding(String name, Verdict verdict, String message) {
    public String field() {
      return "metadata.annotations[" + name + "]";
    }
  }

  /** The annotations Portcullis reads (without the prefix), and what each becomes. */
  public static final Map<String, String> HONOURED = new TreeMap<>(Map.ofEntries(
      Map.entry("rewrite-target", "the path sent upstream (filters.rewrite, ReplaceRegexMatch with capture groups)"),
      Map.entry("use-regex", "the paths of the Ingress are case-insensitive regular expressions (RE2), anchored at the start"),
      Map.entry("app-root", "requests for / are redirected (302) to the app root"),
      Map.entry("ssl-redirect", "plain-HTTP requests for the TLS hosts are redirected to HTTPS (308)"),
      Map.entry("force-ssl-redirect", "plain-HTTP requests are redirected to HTTPS even without spec.tls"),
      Map.entry("permanent-redirect", "every request is redirected there (301, or permanent-redirect-code)"),
      Map.entry("permanent-redirect-code", "the status of permanent-redirect"),
      Map.entry("temporal-redirect", "every request is redirected there (302, or temporal-redirect-code)"),
      Map.entry("temporal-redirect-code", "the status of temporal-redirect"),
      Map.entry("backend-protocol", "the protocol spoken to the Service (HTTP, HTTPS, GRPC, GRPCS, H2C)"),
      Map.entry("proxy-body-size", "the largest request body (413 beyond)"),
      Map.entry("proxy-connect-timeout", "the upstream connect timeout"),
      Map.entry("proxy-read-timeout", "the time to the upstream's response headers, and the longest silence"),
      Map.entry("proxy-send-timeout", "the longest silence while the request streams upstream"),
      Map.entry("proxy-next-upstream", "the retry conditions"),
      Map.entry("proxy-next-upstream-tries", "the number of tries, the first included"),
      Map.entry("upstream-hash-by", "consistent hashing on the request URI, client address, a header or a cookie"),
      Map.entry("load-balance", "the balancer: round_robin or ewma"),
      Map.entry("affinity", "cookie: sticky sessions by a generated cookie"),
      Map.entry("affinity-mode", "accepted; affinity is by consistent hashing of the cookie"),
      Map.entry("session-cookie-name", "the affinity cookie's name (INGRESSCOOKIE)"),
      Map.entry("session-cookie-path", "the affinity cookie's Path"),
      Map.entry("session-cookie-max-age", "the affinity cookie's Max-Age"),
      Map.entry("session-cookie-expires", "the affinity cookie's lifetime, when session-cookie-max-age is not set"),
      Map.entry("session-cookie-samesite", "the affinity cookie's SameSite"),
      Map.entry("canary", "the Ingress is a canary of the Ingress with the same host and path"),
      Map.entry("canary-weight", "the canary's share of requests"),
      Map.entry("canary-weight-total", "what canary-weight is a share of (100)"),
      Map.entry("canary-by-header", "the header that sends a request to the canary (always) or not (never)"),
      Map.entry("canary-by-header-value", "the header value that sends a request to the canary"),
      Map.entry("canary-by-header-pattern", "a regular expression on the header that sends a request to the canary"),
      Map.entry("canary-by-cookie", "the cookie that sends a request to the canary (always) or not (never)"),
      Map.entry("whitelist-source-range", "only these client CIDRs get in (403 for others)"),
      Map.entry("allowlist-source-range", "only these client CIDRs get in (403 for others)"),
      Map.entry("denylist-source-range", "these client CIDRs are refused (403)"),
      Map.entry("limit-rps", "a token bucket per client address, per data plane: requests per second"),
      Map.entry("limit-rpm", "a token bucket per client address, per data plane: requests per minute"),
      Map.entry("limit-connections", "requests in flight per client address, per data plane (503 beyond)"),
      Map.entry("limit-burst-multiplier", "the bucket holds the rate times this (5)"),
      Map.entry("enable-cors", "CORS at the edge: preflights answered, Access-Control headers added"),
      Map.entry("cors-allow-origin", "the allowed origins"),
      Map.entry("cors-allow-methods", "the allowed methods"),
      Map.entry("cors-allow-headers", "the allowed request headers"),
      Map.entry("cors-expose-headers", "the response headers exposed"),
      Map.entry("cors-allow-credentials", "whether credentials are allowed"),
      Map.entry("cors-max-age", "how long a preflight may be cached"),
      Map.entry("auth-type", "basic: HTTP Basic authentication against auth-secret"),
      Map.entry("auth-secret", "the Secret with the users (htpasswd, bcrypt hashes)"),
      Map.entry("auth-secret-type", "auth-file (key auth) or auth-map (one key per user)"),
      Map.entry("auth-realm", "the realm of the Basic challenge"),
      Map.entry("auth-url", "external authentication: a sub-request to this URL decides"),
      Map.entry("auth-method", "the method of the external authentication's sub-request"),
      Map.entry("auth-response-headers", "headers of the auth service's answer copied onto the upstream request"),
      Map.entry("custom-http-errors", "these upstream statuses are answered by default-backend"),
      Map.entry("default-backend", "the Service that answers when the backend has no endpoints, and custom-http-errors"),
      Map.entry("server-alias", "more hostnames served with the same routes"),
      Map.entry("hsts", "Strict-Transport-Security on HTTPS answers of the TLS hosts (on by default)"),
      Map.entry("hsts-max-age", "its max-age (31536000)"),
      Map.entry("hsts-include-subdomains", "its includeSubDomains (true)"),
      Map.entry("hsts-preload", "its preload (false)"),
      Map.entry("upstream-vhost", "the Host header sent upstream"),
      Map.entry("x-forwarded-prefix", "the X-Forwarded-Prefix header sent upstream"),
      Map.entry("proxy-buffering", "accepted, no effect: Portcullis streams bodies and buffers only what its cache stores"),
      Map.entry("proxy-buffer-size", "accepted, no effect: upstream response headers up to 32 KiB are read whatever "
          + "its value (nginx's 4k-8k default is why charts raise it); bodies are streamed"),
      Map.entry("proxy-buffers-number", "accepted, no effect: Portcullis streams bodies instead of buffering them"),
      Map.entry("proxy-busy-buffers-size", "accepted, no effect: Portcullis streams bodies instead of buffering them"),
      Map.entry("proxy-max-temp-file-size", "accepted, no effect: Portcullis never spools bodies to disk"),
      Map.entry("client-body-buffer-size", "accepted, no effect: request bodies are streamed (a retryable one is "
          + "kept in memory up to 64 KiB)"),
      Map.entry("proxy-request-buffering", "accepted, no effect: request bodies are streamed (a retryable one is "
          + "kept in memory up to 64 KiB)"),
      Map.entry("enable-access-log", "accepted, no effect: the access log is set per data plane, not per route")));

  /** nginx's buffer sizes: read and checked, without effect (Portcullis streams). */
  static final List<String> BUFFER_SIZES = List.of("proxy-buffer-size", "proxy-busy-buffers-size",
      "proxy-max-temp-file-size", "client-body-buffer-size");

  /** ingress-nginx's CORS defaults. */
  static final List<String> CORS_METHODS = List.of("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS");
  static final List<String> CORS_HEADERS = List.of("DNT", "Keep-Alive", "User-Agent", "X-Requested-With",
      "If-Modified-Since", "Cache-Control", "Content-Type", "Range", "Authorization");
  static final long HSTS_MAX_AGE = 31_536_000;
  static final String AFFINITY_COOKIE = "INGRESSCOOKIE";

  /** A canary's rules. */
  public record Canary(Integer weight, int weightTotal, String header, String headerValue, String headerPattern,
      String cookie) {}

  /** Basic authentication: the Secret (namespace null: the Ingress's) and how its users are kept. */
  public record BasicAuth(String namespace, String secret, boolean map, String realm) {}

  /**
   * What the annotations of one Ingress ask for; null fields: nothing (ingress-nginx's defaults).
   */
  public record Config(boolean regex, String rewriteTarget, String appRoot, Boolean sslRedirect,
      boolean forceSslRedirect, String redirectUrl, int redirectCode, Cluster.Protocol protocol, Long bodySize,
      Long connectTimeoutMs, Long readTimeoutMs, Long sendTimeoutMs, RoutePolicies.Retries retries,
      BalancerPolicy balancer, Cluster.HashKey hashKey, Canary canary, List<String> allow, List<String> deny,
      Integer limitRps, Integer limitRpm, int burstMultiplier, Integer limitConnections, RouteFilters.Cors cors, BasicAuth basicAuth,
      dev.portcullis.model.Auth.External externalAuth, List<Integer> customHttpErrors, String defaultBackend,
      List<String> serverAliases, String hsts, String upstreamVhost, String forwardedPrefix) {

    /** True when a cluster of its own is needed (balancer, hashing, protocol, connect timeout). */
    public boolean clusterPolicy() {
      return balancer != null || hashKey != null || protocol != null || connectTimeoutMs != null;
    }
  }

  /** The verdicts, and the config when nothing is invalid. */
  public record Result(Config config, List<Finding> findings) {
    public boolean invalid() {
      return findings.stream().anyMatch(f -> f.verdict() == Verdict.INVALID);
    }

    public boolean refused() {
      return findings.stream().anyMatch(f -> f.verdict() == Verdict.REFUSED);
    }
  }

  /** True when the Ingress is an ingress-nginx canary. */
  public static boolean isCanary(Map<String, String> annotations) {
    return annotations != null && "true".equalsIgnoreCase(trim(annotations.get(PREFIX + "canary")));
  }

  /** True when the Ingress carries any ingress-nginx annotation. */
  public static boolean any(Map<String, String> annotations) {
    return annotations != null && annotations.keySet().stream().anyMatch(k -> k.startsWith(PREFIX));
  }

  private static String trim(String s) {
    return s == null ? null : s.trim();
  }

  /** Reads the annotations of one Ingress. */
  public static Result read(Map<String, String> annotations) {
    return new Reader(annotations == null ? Map.of() : annotations).read();
  }

  private static final class Reader {
    private final Map<String, String> all;
    private final List<Finding> findings = new ArrayList<>();

    Reader(Map<String, String> annotations) {
      this.all = new TreeMap<>(annotations);
    }

    private String get(String key) {
      return trim(all.get(PREFIX + key));
    }

    private boolean has(String key) {
      return all.containsKey(PREFIX + key);
    }

    private void invalid(String key, String why) {
      findings.add(new Finding(PREFIX + key, Verdict.INVALID, "\"" + all.get(PREFIX + key) + "\" " + why));
    }

    /** A boolean as ingress-nginx reads one (Go's strconv.ParseBool). */
    private Boolean bool(String key) {
      String v = get(key);
      if (v == null) {
        return null;
      }
      switch (v) {
        case "true", "True", "TRUE", "1", "t", "T" -> {
          return true;
        }
        case "false", "False", "FALSE", "0", "f", "F" -> {
          return false;
        }
        default -> {
          invalid(key, "is neither true nor false");
          return null;
        }
      }
    }

    private Integer integer(String key, int min, int max) {
      String v = get(key);
      if (v == null) {
        return null;
      }
      try {
        int n = Integer.parseInt(v);
        if (n < min || n > max) {
          invalid(key, "must be between " + min + " and " + max);
          return null;
        }
        return n;
      } catch (NumberFormatException e) {
        invalid(key, "is not a whole number");
        return null;
      }
    }

    /** Seconds, as ingress-nginx's timeouts take them (a bare number, or with s). */
    private Long seconds(String key) {
      String v = get(key);
      if (v == null) {
        return null;
      }
      Matcher m = Pattern.compile("(\\d{1,6})s?").matcher(v);
      if (!m.matches()) {
        invalid(key, "is not a number of seconds");
        return null;
      }
      long s = Long.parseLong(m.group(1));
      if (s == 0) {
        invalid(key, "must be at least 1 second");
        return null;
      }
      return s * 1000;
    }

    private List<String> list(String key) {
      String v = get(key);
      if (v == null) {
        return List.of();
      }
      List<String> out = new ArrayList<>();
      for (String part : v.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
      return out;
    }

    Result read() {
      Set<String> known = new LinkedHashSet<>();
      for (String key : all.keySet()) {
        if (!key.startsWith(PREFIX)) {
          continue;
        }
        String name = key.substring(PREFIX.length());
        if (name.endsWith("-snippet") || name.equals("snippet")) {
          findings.add(new Finding(key, Verdict.REFUSED, "snippets are nginx configuration text; Portcullis never "
              + "executes configuration from annotations (the cause of ingress-nginx's worst CVEs). Express it "
              + "with a ProxyRoute, or drop it"));
        } else if (!HONOURED.containsKey(name)) {
          findings.add(new Finding(key, Verdict.REFUSED, "Portcullis does not implement this annotation; see "
              + "docs/ingress-nginx-migration.md for what it does implement"));
        } else {
          known.add(name);
        }
      }
      boolean regex = Boolean.TRUE.equals(bool("use-regex"));
      String rewrite = get("rewrite-target");
      if (rewrite != null) {
        if (rewrite.isEmpty() || rewrite.charAt(0) != '/') {
          invalid("rewrite-target", "must be a path starting with '/'");
          rewrite = null;
        } else {
          try {
            new RouteFilters.PathRewrite(RouteFilters.PathRewrite.Type.REGEX, rewrite);
          } catch (ModelException e) {
            invalid("rewrite-target", e.getMessage());
            rewrite = null;
          }
        }
        // ingress-nginx turns its paths into regular expressions for a rewrite, too.
        regex = true;
      }
      String appRoot = get("app-root");
      if (appRoot != null && (appRoot.isEmpty() || appRoot.charAt(0) != '/' || appRoot.contains("$"))) {
        invalid("app-root", "must be a path starting with '/'");
        appRoot = null;
      }
      Boolean sslRedirect = bool("ssl-redirect");
      boolean force = Boolean.TRUE.equals(bool("force-ssl-redirect"));

      String redirect = null;
      int code = 0;
      if (has("permanent-redirect")) {
        redirect = url("permanent-redirect");
        Integer c = integer("permanent-redirect-code", 300, 308);
        code = c == null ? 301 : redirectCode("permanent-redirect-code", c);
      }
      if (has("temporal-redirect")) {
        if (has("permanent-redirect")) {
          invalid("temporal-redirect", "cannot be used with permanent-redirect");
        } else {
          redirect = url("temporal-redirect");
          Integer c = integer("temporal-redirect-code", 300, 308);
          code = c == null ? 302 : redirectCode("temporal-redirect-code", c);
        }
      }

      Cluster.Protocol protocol = null;
      String bp = get("backend-protocol");
      if (bp != null) {
        switch (bp.toUpperCase(Locale.ROOT)) {
          case "HTTP" -> protocol = Cluster.Protocol.HTTP1;
          case "HTTPS" -> protocol = Cluster.Protocol.HTTPS;
          case "GRPC", "H2C" -> protocol = Cluster.Protocol.H2C;
          case "GRPCS" -> protocol = Cluster.Protocol.H2;
          default -> invalid("backend-protocol", "is not one of HTTP, HTTPS, GRPC, GRPCS, H2C (AJP and FCGI are "
              + "not supported)");
        }
      }
      Long bodySize = size("proxy-body-size");
      Long connect = seconds("proxy-connect-timeout");
      Long read = seconds("proxy-read-timeout");
      Long send = seconds("proxy-send-timeout");
      RoutePolicies.Retries retries = retries();
      BalancerPolicy balancer = null;
      String lb = get("load-balance");
      if (lb != null) {
        switch (lb) {
          case "round_robin" -> balancer = BalancerPolicy.ROUND_ROBIN;
          case "ewma" -> balancer = BalancerPolicy.EWMA;
          default -> invalid("load-balance", "is not round_robin or ewma");
        }
      }
      Cluster.HashKey hashKey = hashKey();
      if (hashKey != null) {
        if (balancer != null && has("load-balance")) {
          findings.add(new Finding(PREFIX + "load-balance", Verdict.ACCEPTED, "overridden by hashing, as in "
              + "ingress-nginx"));
        }
        balancer = BalancerPolicy.CONSISTENT_HASH;
      }
      Canary canary = canary();
      List<String> allow = cidrs("whitelist-source-range");
      List<String> allow2 = cidrs("allowlist-source-range");
      if (!allow2.isEmpty()) {
        allow = allow2;
      }
      List<String> deny = cidrs("denylist-source-range");
      Integer rps = integer("limit-rps", 1, 1_000_000);
      Integer rpm = integer("limit-rpm", 1, 60_000_000);
      Integer mult = integer("limit-burst-multiplier", 1, 10_000);
      Integer connections = integer("limit-connections", 1, 1_000_000);
      if (rps != null && rpm != null) {
        // ingress-nginx applies both; the stricter one is what a client meets first.
        if (rpm < rps * 60L) {
          findings.add(new Finding(PREFIX + "limit-rps", Verdict.ACCEPTED, "limit-rpm is the stricter limit and the "
              + "one applied"));
          rps = null;
        } else {
          findings.add(new Finding(PREFIX + "limit-rpm", Verdict.ACCEPTED, "limit-rps is the stricter limit and the "
              + "one applied"));
          rpm = null;
        }
      }
      RouteFilters.Cors cors = cors();
      BasicAuth basic = basicAuth();
      dev.portcullis.model.Auth.External external = externalAuth();
      if (basic != null && external != null) {
        invalid("auth-url", "cannot be used with auth-type (one authentication method per route)");
        external = null;
      }
      List<Integer> errors = null;
      if (has("custom-http-errors")) {
        errors = new ArrayList<>();
        for (String s : list("custom-http-errors")) {
          try {
            int n = Integer.parseInt(s);
            if (n < 400 || n > 599) {
              invalid("custom-http-errors", "lists " + n + "; only 400 to 599 can be replaced");
            }
            errors.add(n);
          } catch (NumberFormatException e) {
            invalid("custom-http-errors", "is not a comma-separated list of statuses");
          }
        }
        if (errors.isEmpty()) {
          invalid("custom-http-errors", "lists no status");
        } else if (get("default-backend") == null) {
          invalid("custom-http-errors", "needs the default-backend annotation: Portcullis has no controller-wide "
              + "default backend to send the errors to");
        }
      }
      String defaultBackend = get("default-backend");
      if (defaultBackend != null && !defaultBackend.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
        invalid("default-backend", "is not a Service name (in the Ingress's namespace)");
      }
      List<String> aliases = new ArrayList<>();
      for (String a : list("server-alias")) {
        String h = a.toLowerCase(Locale.ROOT);
        if (!dev.portcullis.model.Hostnames.isDnsName(h.startsWith("*.") ? h.substring(2) : h)) {
          invalid("server-alias", "lists \"" + a + "\", which is not a DNS name");
        } else {
          aliases.add(h);
        }
      }
      String hsts = hsts();
      String vhost = get("upstream-vhost");
      if (vhost != null && (vhost.isEmpty() || vhost.contains("$") || !vhost.matches("[A-Za-z0-9.:\\[\\]-]+"))) {
        invalid("upstream-vhost", "is not a host name (nginx variables are not supported)");
        vhost = null;
      }
      String prefix = get("x-forwarded-prefix");
      if (prefix != null && (prefix.contains("$") || !prefix.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
        invalid("x-forwarded-prefix", "is not a plain path (nginx variables are not supported)");
        prefix = null;
      }
      for (String onOff : List.of("proxy-buffering", "proxy-request-buffering")) {
        String v = get(onOff);
        if (v != null && !v.equals("on") && !v.equals("off")) {
          invalid(onOff, "is neither on nor off");
        }
      }
      for (String buffer : BUFFER_SIZES) {
        size(buffer);
      }
      integer("proxy-buffers-number", 1, 1024);
      bool("enable-access-log");

      for (String name : known) {
        if (findings.stream().noneMatch(f -> f.name().equals(PREFIX + name))) {
          boolean noop = name.equals("proxy-buffering") || name.equals("enable-access-log")
              || name.equals("affinity-mode") || name.equals("proxy-request-buffering")
              || name.equals("proxy-buffers-number") || BUFFER_SIZES.contains(name);
          findings.add(new Finding(PREFIX + name, noop ? Verdict.ACCEPTED : Verdict.HONOURED, HONOURED.get(name)));
        }
      }
      findings.sort(java.util.Comparator.comparing(Finding::name));
      Config config = new Config(regex, rewrite, appRoot, sslRedirect, force, redirect, code, protocol, bodySize,
          connect, read, send, retries, balancer, hashKey, canary, allow, deny, rps, rpm, mult == null ? 5 : mult,
          connections,
          cors, basic, external, errors, defaultBackend, aliases, hsts, vhost, prefix);
      return new Result(config, List.copyOf(findings));
    }

    private int redirectCode(String key, int c) {
      if (c != 301 && c != 302 && c != 303 && c != 307 && c != 308) {
        invalid(key, "is not a redirect status (301, 302, 303, 307 or 308)");
      }
      return c;
    }

    private String url(String key) {
      String v = get(key);
      try {
        java.net.URI u = new java.net.URI(v);
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
          invalid(key, "is not an absolute http(s) URL");
          return null;
        }
        if (v.contains("$")) {
          invalid(key, "uses nginx variables, which Portcullis does not expand");
          return null;
        }
        return v;
      } catch (java.net.URISyntaxException e) {
        invalid(key, "is not a URL");
        return null;
      }
    }

    /** A size as nginx writes one: bytes, or with k, m or g; 0 for no limit. */
    private Long size(String key) {
      String v = get(key);
      if (v == null) {
        return null;
      }
      Matcher m = Pattern.compile("(\\d{1,12})([kKmMgG]?)").matcher(v);
      if (!m.matches()) {
        invalid(key, "is not a size such as 8m, 512k or 0 (no limit)");
        return null;
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2).toLowerCase(Locale.ROOT)) {
        case "k" -> n << 10;
        case "m" -> n << 20;
        case "g" -> n << 30;
        default -> n;
      };
    }

    private RoutePolicies.Retries retries() {
      Integer tries = integer("proxy-next-upstream-tries", 0, 1000);
      String spec = get("proxy-next-upstream");
      if (spec == null && tries == null) {
        return null;
      }
      List<String> on = new ArrayList<>(RoutePolicies.Retries.DEFAULT.on());
      boolean off = false;
      if (spec != null) {
        Set<String> conditions = new LinkedHashSet<>();
        for (String token : spec.split("\\s+")) {
          switch (token) {
            case "error" -> conditions.addAll(List.of("connect-failure", "refused-stream", "reset"));
            case "timeout" -> conditions.add("timeout");
            case "invalid_header" -> conditions.add("reset");
            case "http_500" -> conditions.add("5xx");
            case "http_502" -> conditions.add("502");
            case "http_503" -> conditions.add("503");
            case "http_504" -> conditions.add("504");
            case "non_idempotent" -> { }
            case "off" -> off = true;
            default -> invalid("proxy-next-upstream", "names \"" + token + "\"; Portcullis retries on error, timeout, "
                + "invalid_header, http_500, http_502, http_503, http_504 (non_idempotent is accepted) or off");
          }
        }
        on = List.copyOf(conditions);
      }
      int attempts;
      if (off) {
        attempts = 0;
      } else if (tries == null) {
        attempts = RoutePolicies.Retries.DEFAULT.attempts();
      } else {
        // nginx counts the first try; 0 is "no limit", which is the model's most.
        attempts = tries == 0 ? 10 : Math.min(10, tries - 1);
      }
      return new RoutePolicies.Retries(attempts, on.isEmpty() ? RoutePolicies.Retries.DEFAULT.on() : on, 0);
    }

    private Cluster.HashKey hashKey() {
      String by = get("upstream-hash-by");
      String affinity = get("affinity");
      if (affinity != null) {
        if (!affinity.equals("cookie")) {
          invalid("affinity", "is not cookie (the only affinity ingress-nginx has)");
          return null;
        }
        String name = get("session-cookie-name");
        if (name == null) {
          name = AFFINITY_COOKIE;
        } else if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
          invalid("session-cookie-name", "is not a cookie name");
          return null;
        }
        String path = get("session-cookie-path");
        if (path != null && (path.isEmpty() || path.charAt(0) != '/' || path.contains(";"))) {
          invalid("session-cookie-path", "is not a path");
          return null;
        }
        Long ttl = null;
        String age = has("session-cookie-max-age") ? "session-cookie-max-age"
            : has("session-cookie-expires") ? "session-cookie-expires" : null;
        if (age != null) {
          Integer s = integer(age, 1, 315_360_000);
          ttl = s == null ? null : s * 1000L;
        }
        String sameSite = get("session-cookie-samesite");
        if (sameSite != null) {
          String canonical = Cluster.HashKey.SAME_SITE.stream().filter(x -> x.equalsIgnoreCase(sameSite)).findFirst()
              .orElse(null);
          if (canonical == null) {
            invalid("session-cookie-samesite", "is not Strict, Lax or None");
            return null;
          }
          return new Cluster.HashKey(null, name, ttl, path, false, null, canonical);
        }
        if (by != null) {
          findings.add(new Finding(PREFIX + "upstream-hash-by", Verdict.ACCEPTED, "overridden by affinity: cookie"));
        }
        return new Cluster.HashKey(null, name, ttl, path, false);
      }
      if (by == null) {
        return null;
      }
      if (by.equals("$request_uri")) {
        return new Cluster.HashKey(null, null, null, null, false, true, null);
      }
      if (by.equals("$remote_addr") || by.equals("$binary_remote_addr")) {
        return new Cluster.HashKey(null, null, null, null, true);
      }
      Matcher h = Pattern.compile("\\$http_([a-z0-9_]+)").matcher(by);
      if (h.matches()) {
        return new Cluster.HashKey(h.group(1).replace('_', '-'), null, null, null, false);
      }
      Matcher c = Pattern.compile("\\$cookie_([A-Za-z0-9_-]+)").matcher(by);
      if (c.matches()) {
        return new Cluster.HashKey(null, c.group(1), null, null, false);
      }
      invalid("upstream-hash-by", "is not one of $request_uri, $remote_addr, $binary_remote_addr, $http_NAME or "
          + "$cookie_NAME (combinations of variables are not supported)");
      return null;
    }

    private Canary canary() {
      Boolean on = bool("canary");
      boolean canaryKeys = all.keySet().stream().anyMatch(k -> k.startsWith(PREFIX + "canary-"));
      if (!Boolean.TRUE.equals(on)) {
        if (canaryKeys) {
          findings.add(new Finding(PREFIX + "canary", Verdict.ACCEPTED, "not a canary (canary is not \"true\"): "
              + "the canary-* annotations have no effect, as in ingress-nginx"));
        }
        return null;
      }
      Integer weight = integer("canary-weight", 0, 1_000_000);
      Integer total = integer("canary-weight-total", 1, 1_000_000);
      int t = total == null ? 100 : total;
      if (weight != null && weight > t) {
        invalid("canary-weight", "is above canary-weight-total (" + t + ")");
        weight = null;
      }
      String header = get("canary-by-header");
      if (header != null && !header.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
        invalid("canary-by-header", "is not a header name");
        header = null;
      }
      String value = get("canary-by-header-value");
      String pattern = get("canary-by-header-pattern");
      if ((value != null || pattern != null) && header == null) {
        invalid(value != null ? "canary-by-header-value" : "canary-by-header-pattern", "needs canary-by-header");
      }
      if (pattern != null) {
        try {
          com.google.re2j.Pattern.compile(pattern);
        } catch (RuntimeException e) {
          invalid("canary-by-header-pattern", "is not an RE2 regular expression");
          pattern = null;
        }
        if (value != null) {
          findings.add(new Finding(PREFIX + "canary-by-header-pattern", Verdict.ACCEPTED,
              "overridden by canary-by-header-value, as in ingress-nginx"));
          pattern = null;
        }
      }
      String cookie = get("canary-by-cookie");
      if (cookie != null && !cookie.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
        invalid("canary-by-cookie", "is not a cookie name");
        cookie = null;
      }
      return new Canary(weight, t, header, value, pattern, cookie);
    }

    private List<String> cidrs(String key) {
      List<String> out = new ArrayList<>();
      for (String s : list(key)) {
        String cidr = s.contains("/") ? s : s + (s.contains(":") ? "/128" : "/32");
        try {
          Cidr.parse(cidr, key);
          out.add(cidr);
        } catch (ModelException e) {
          invalid(key, "lists \"" + s + "\", which is not an IP address or CIDR");
        }
      }
      return out;
    }

    private RouteFilters.Cors cors() {
      Boolean on = bool("enable-cors");
      if (!Boolean.TRUE.equals(on)) {
        for (String k : List.of("cors-allow-origin", "cors-allow-methods", "cors-allow-headers", "cors-expose-headers",
            "cors-allow-credentials", "cors-max-age")) {
          if (has(k)) {
            findings.add(new Finding(PREFIX + k, Verdict.ACCEPTED, "no effect without enable-cors: \"true\", as in "
                + "ingress-nginx"));
          }
        }
        return null;
      }
      List<String> origins = has("cors-allow-origin") ? list("cors-allow-origin") : List.of("*");
      if (origins.isEmpty()) {
        origins = List.of("*");
      }
      for (String o : origins) {
        if (!o.equals("*") && !o.matches("https?://[A-Za-z0-9*.-]+(:\\d+)?")) {
          invalid("cors-allow-origin", "lists \"" + o + "\", which is not * or an origin (scheme://host[:port])");
          return null;
        }
      }
      List<String> methods = has("cors-allow-methods")
          ? list("cors-allow-methods").stream().map(m -> m.toUpperCase(Locale.ROOT)).toList() : CORS_METHODS;
      List<String> headers = has("cors-allow-headers") ? list("cors-allow-headers") : CORS_HEADERS;
      List<String> expose = list("cors-expose-headers");
      Boolean credentials = bool("cors-allow-credentials");
      boolean creds = credentials == null || credentials;
      if (creds && origins.contains("*")) {
        // ingress-nginx sends "*" with credentials, which browsers refuse for credentialed requests: the
        // same outcome as not allowing them.
        creds = false;
      }
      Integer maxAge = integer("cors-max-age", 0, Integer.MAX_VALUE);
      int age = maxAge == null ? 1_728_000 : maxAge;
      try {
        return new RouteFilters.Cors(origins, methods, headers, expose, creds, Math.min(age, 86_400));
      } catch (ModelException e) {
        invalid("enable-cors", "cannot be applied: " + e.getMessage());
        return null;
      }
    }

    private BasicAuth basicAuth() {
      String type = get("auth-type");
      if (type == null) {
        for (String k : List.of("auth-secret", "auth-secret-type", "auth-realm")) {
          if (has(k)) {
            findings.add(new Finding(PREFIX + k, Verdict.ACCEPTED, "no effect without auth-type, as in ingress-nginx"));
          }
        }
        return null;
      }
      if (!type.equals("basic")) {
        invalid("auth-type", "is not basic (digest authentication is not supported)");
        return null;
      }
      String secret = get("auth-secret");
      if (secret == null || secret.isEmpty()) {
        findings.add(new Finding(PREFIX + "auth-type", Verdict.INVALID, "basic needs auth-secret"));
        return null;
      }
      String ns = null;
      String name = secret;
      int slash = secret.indexOf('/');
      if (slash >= 0) {
        ns = secret.substring(0, slash);
        name = secret.substring(slash + 1);
      }
      if (!name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?") || (ns != null && !ns.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"))) {
        invalid("auth-secret", "is not a Secret name (NAME or NAMESPACE/NAME)");
        return null;
      }
      String secretType = get("auth-secret-type");
      if (secretType != null && !secretType.equals("auth-file") && !secretType.equals("auth-map")) {
        invalid("auth-secret-type", "is not auth-file or auth-map");
        return null;
      }
      String realm = get("auth-realm");
      if (realm != null && (realm.length() > 256 || !realm.chars().allMatch(c -> c >= 0x20 && c < 0x7f)
          || realm.contains("\""))) {
        invalid("auth-realm", "must be at most 256 printable ASCII characters, without '\"'");
        realm = null;
      }
      return new BasicAuth(ns, name, "auth-map".equals(secretType), realm);
    }

    private dev.portcullis.model.Auth.External externalAuth() {
      String url = get("auth-url");
      if (url == null) {
        for (String k : List.of("auth-method", "auth-response-headers")) {
          if (has(k)) {
            findings.add(new Finding(PREFIX + k, Verdict.ACCEPTED, "no effect without auth-url, as in ingress-nginx"));
          }
        }
        return null;
      }
      if (url.contains("$")) {
        invalid("auth-url", "uses nginx variables, which Portcullis does not expand");
        return null;
      }
      String method = get("auth-method");
      List<String> response = list("auth-response-headers").stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
      try {
        // nginx's auth_request sends the client's headers along: all of them.
        return new dev.portcullis.model.Auth.External(url, method == null ? null : method.toUpperCase(Locale.ROOT),
            dev.portcullis.model.Auth.External.DEFAULT_TIMEOUT_MS, List.of("*"), response);
      } catch (ModelException e) {
        String key = e.field() != null && e.field().startsWith("method") ? "auth-method"
            : e.field() != null && e.field().startsWith("responseHeaders") ? "auth-response-headers" : "auth-url";
        invalid(key, "cannot be used: " + e.getMessage());
        return null;
      }
    }

    private String hsts() {
      Boolean on = bool("hsts");
      if (Boolean.FALSE.equals(on)) {
        return null;
      }
      Long age = HSTS_MAX_AGE;
      if (has("hsts-max-age")) {
        Integer a = integer("hsts-max-age", 0, Integer.MAX_VALUE);
        age = a == null ? HSTS_MAX_AGE : a.longValue();
      }
      Boolean sub = bool("hsts-include-subdomains");
      Boolean preload = bool("hsts-preload");
      return "max-age=" + age + (sub == null || sub ? "; includeSubDomains" : "")
          + (Boolean.TRUE.equals(preload) ? "; preload" : "");
    }
  }

  private NginxAnnotations() {}
}
