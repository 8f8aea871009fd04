package dev.portcullis.translator.ingress;

import dev.portcullis.model.Auth;
import dev.portcullis.model.Cluster;
import dev.portcullis.model.Credential;
import dev.portcullis.model.PathMatch;
import dev.portcullis.model.Route;
import dev.portcullis.model.RouteAction;
import dev.portcullis.model.RouteFilters;
import dev.portcullis.model.RouteMatch;
import dev.portcullis.model.RoutePolicies;
import dev.portcullis.model.RouteTableJson;
import dev.portcullis.model.SecretRef;
import dev.portcullis.model.SourceRef;
import dev.portcullis.model.Timeouts;
import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.ObjectReport;
import dev.portcullis.translator.RouteTableBuilder;
import dev.portcullis.translator.auth.AuthSecrets;
import dev.portcullis.translator.backend.BackendResolver;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The route-table parts of one Ingress's ingress-nginx annotations: the policies, filters, time
 * limits and cluster settings every route of the Ingress shares, its redirects, app root and error
 * pages. The Secrets and Services the annotations name are resolved once, here.
 */
final class NginxRoutes {

  private final NginxAnnotations.Config config;
  private final Ingress ingress;
  private final ObjectReport report;
  private final RouteTableBuilder builder;
  private final BackendResolver resolver;
  private final Auth auth;
  private final String defaultBackendCluster;

  NginxRoutes(NginxAnnotations.Config config, Ingress ingress, ObjectReport report, RouteTableBuilder builder,
      BackendResolver resolver, ClusterSnapshot snapshot, AuthSecrets secrets) {
    this.config = config;
    this.ingress = ingress;
    this.report = report;
    this.builder = builder;
    this.resolver = resolver;
    this.auth = auth(secrets);
    this.defaultBackendCluster = defaultBackend(snapshot);
  }

  private String namespace() {
    return ingress.getMetadata().getNamespace();
  }

  private Auth auth(AuthSecrets secrets) {
    if (config.externalAuth() != null) {
      return new Auth(null, null, config.externalAuth());
    }
    NginxAnnotations.BasicAuth basic = config.basicAuth();
    if (basic == null) {
      return null;
    }
    String ns = basic.namespace() == null ? namespace() : basic.namespace();
    AuthSecrets.Result r = basic.map() ? secrets.htpasswdMap(ns, basic.secret()) : secrets.htpasswd(ns, basic.secret());
    String field = "metadata.annotations[" + NginxAnnotations.PREFIX + "auth-secret]";
    r.details().forEach(d -> report.error(field, "UnsupportedPasswordEntry", "Secret " + ns + "/" + basic.secret()
        + ": " + d));
    r.warnings().forEach(w -> report.warning(field, "WeakPasswordHash", "Secret " + ns + "/" + basic.secret()
        + ": " + w));
    SecretRef ref = new SecretRef(ns, basic.secret(), r.fingerprint());
    if (r.ok()) {
      builder.credential(ref.credentialKey(Credential.HTPASSWD), r.credential());
    } else {
      // Fail closed: the routes refuse every request (503) rather than let one in unchecked.
      report.error(field, r.missing() ? "SecretNotFound" : "InvalidSecret", r.problem()
          + "; the Ingress's requests get 503 until it is fixed");
    }
    return new Auth(new Auth.Basic(ref, basic.realm()), null, null);
  }

  /** The cluster of the default-backend annotation's Service (its first port), or null. */
  private String defaultBackend(ClusterSnapshot snapshot) {
    String name = config.defaultBackend();
    if (name == null) {
      return null;
    }
    String field = "metadata.annotations[" + NginxAnnotations.PREFIX + "default-backend]";
    Optional<Service> service = snapshot.service(namespace(), name);
    List<ServicePort> ports = service.map(s -> s.getSpec() == null || s.getSpec().getPorts() == null
        ? List.<ServicePort>of() : s.getSpec().getPorts()).orElse(List.of());
    BackendResolver.PortRef port = BackendResolver.PortRef.of(ports.isEmpty() ? 80 : ports.get(0).getPort(), null);
    BackendResolver.Resolution r = resolver.resolve(namespace(), name, port);
    r.problems().forEach(p -> report.add(new dev.portcullis.translator.status.Problem(p.severity(), field, p.reason(),
        p.message())));
    builder.cluster(r);
    return r.cluster().name();
  }

  String defaultBackendCluster() {
    return defaultBackendCluster;
  }

  /** The Ingress's policies (its cache policy kept) with what the annotations add. */
  RoutePolicies policies(RoutePolicies base) {
    RoutePolicies b = base == null ? RoutePolicies.NONE : base;
    RoutePolicies.RateLimit limit = null;
    String scope = "ingress/" + namespace() + "/" + ingress.getMetadata().getName();
    if (config.limitRps() != null) {
      limit = new RoutePolicies.RateLimit(config.limitRps(), config.limitRps() * config.burstMultiplier(), "ClientIP",
          null, scope);
    } else if (config.limitRpm() != null) {
      limit = new RoutePolicies.RateLimit(0, config.limitRpm() * config.burstMultiplier(), "ClientIP", null, scope,
          config.limitRpm());
    }
    RoutePolicies.Access access = config.allow().isEmpty() && config.deny().isEmpty() ? null
        : new RoutePolicies.Access(config.allow(), config.deny());
    RoutePolicies p = new RoutePolicies(config.retries(), b.cache(), limit, access, config.bodySize(), auth);
    if (config.limitConnections() != null) {
      p = p.withConcurrency(new RoutePolicies.Concurrency(config.limitConnections(), scope));
    }
    return p.isEmpty() ? null : p;
  }

  /** The time limits: proxy-read-timeout for the response headers, the longer of read and send for silence. */
  Timeouts timeouts(Timeouts d) {
    if (config.readTimeoutMs() == null && config.sendTimeoutMs() == null) {
      return d;
    }
    long read = config.readTimeoutMs() == null ? d.backendRequestMs() : config.readTimeoutMs();
    long idle = Math.max(config.readTimeoutMs() == null ? d.idleMs() : config.readTimeoutMs(),
        config.sendTimeoutMs() == null ? d.idleMs() : config.sendTimeoutMs());
    return new Timeouts(d.requestMs(), read, idle);
  }

  /** The rewrite, upstream host, X-Forwarded-Prefix and CORS of a route with this path match. */
  RouteFilters filters(PathMatch match) {
    RouteFilters.PathRewrite path = null;
    if (config.rewriteTarget() != null) {
      RouteFilters.PathRewrite.Type type = match.type() == PathMatch.Type.REGEX ? RouteFilters.PathRewrite.Type.REGEX
          : RouteFilters.PathRewrite.Type.FULL;
      path = new RouteFilters.PathRewrite(type, config.rewriteTarget());
    }
    RouteFilters.UrlRewrite rewrite = path == null && config.upstreamVhost() == null ? null
        : new RouteFilters.UrlRewrite(config.upstreamVhost(), path);
    RouteFilters.HeaderModifier headers = config.forwardedPrefix() == null ? null : new RouteFilters.HeaderModifier(
        List.of(new RouteFilters.Header("X-Forwarded-Prefix", config.forwardedPrefix())), List.of(), List.of());
    if (rewrite == null && headers == null && config.cors() == null) {
      return null;
    }
    return new RouteFilters(headers, null, rewrite, config.cors());
  }

  /** The policies of a route to {@code backend}, with custom-http-errors answered by default-backend. */
  RoutePolicies errorPages(RoutePolicies policies, IngressBackend backend) {
    if (config.customHttpErrors() == null || defaultBackendCluster == null) {
      return policies;
    }
    List<RouteFilters.Header> headers = new ArrayList<>();
    headers.add(new RouteFilters.Header("X-Namespace", namespace()));
    headers.add(new RouteFilters.Header("X-Ingress-Name", ingress.getMetadata().getName()));
    if (backend != null && backend.getService() != null && backend.getService().getName() != null) {
      headers.add(new RouteFilters.Header("X-Service-Name", backend.getService().getName()));
      var port = backend.getService().getPort();
      if (port != null && (port.getNumber() != null || port.getName() != null)) {
        headers.add(new RouteFilters.Header("X-Service-Port", port.getNumber() != null
            ? port.getNumber().toString() : port.getName()));
      }
    }
    RoutePolicies.ErrorPages pages = new RoutePolicies.ErrorPages(config.customHttpErrors(), defaultBackendCluster,
        headers);
    return (policies == null ? RoutePolicies.NONE : policies).withErrorPages(pages);
  }

  /** permanent-redirect or temporal-redirect: the URL as given, the request's query dropped (nginx's return). */
  RouteAction redirect() {
    URI u = URI.create(config.redirectUrl());
    String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
    if (u.getRawQuery() != null) {
      path += "?" + u.getRawQuery();
    }
    return new RouteAction.Redirect(u.getScheme(), u.getHost(), u.getPort() < 0 ? null : u.getPort(),
        new RouteFilters.PathRewrite(RouteFilters.PathRewrite.Type.FULL, path), config.redirectCode(), true);
  }

  /** app-root: a request for {@code /} exactly is redirected (302) to the app root, its query dropped. */
  void appRoot(String host, String routePrefix, SourceRef source, Timeouts timeouts) {
    if (config.appRoot() == null) {
      return;
    }
    Route route = new Route(routePrefix + "/app-root", RouteMatch.path(PathMatch.exact("/")),
        new RouteAction.Redirect(null, null, null,
            new RouteFilters.PathRewrite(RouteFilters.PathRewrite.Type.FULL, config.appRoot()), 302, true),
        null, null, timeouts, source.withField("metadata.annotations[" + NginxAnnotations.PREFIX + "app-root]"));
    RouteTableBuilder.Claim holder = builder.addRoute(host, route, report.object());
    if (holder != null && !holder.owner().equals(report.object())) {
      report.warning(route.source().field(), "PathConflict", "Exact path / on host " + host + " is already routed by "
          + holder.owner() + "; the app-root redirect is not applied there");
    }
  }

  /** The Service's cluster with the annotations' balancer, hashing, protocol and connect timeout. */
  BackendResolver.Resolution cluster(BackendResolver.Resolution r) {
    if (!config.clusterPolicy()) {
      return r;
    }
    Cluster c = r.cluster();
    Cluster.Protocol protocol = config.protocol() == null ? c.protocol() : config.protocol();
    Cluster.UpstreamTls tls = null;
    if (protocol != null && protocol.tls()) {
      tls = new Cluster.UpstreamTls(c.tls() != null ? c.tls().serverName() : r.service() + "." + r.namespace() + ".svc",
          null);
    }
    var balancer = config.balancer() == null ? c.balancer() : config.balancer();
    long connect = config.connectTimeoutMs() == null ? c.connectTimeoutMs() : config.connectTimeoutMs();
    List<Object> parts = List.of(balancer, config.hashKey() == null ? "" : config.hashKey(),
        protocol == null ? "" : protocol, connect);
    Cluster variant = new Cluster(c.name() + "/nginx/" + digest(RouteTableJson.toJson(parts)), c.endpoints(), balancer,
        config.hashKey(), connect, c.healthCheck(), c.outlierDetection(), protocol, c.circuitBreaker(), c.source(), tls);
    return new BackendResolver.Resolution(r.namespace(), r.service(), r.port(), variant, r.problems());
  }

  private static String digest(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
