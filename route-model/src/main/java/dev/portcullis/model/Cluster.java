package dev.portcullis.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A set of interchangeable upstream endpoints (a Service port) and how to reach them.
 *
 * @param name             unique in the table, derived from the source, e.g. {@code service/default/web/port/80}
 * @param endpoints        ready endpoints; empty means requests routed here get a 503
 * @param balancer         how requests are spread over the endpoints
 * @param hashKey          what ConsistentHash hashes (null for other policies)
 * @param connectTimeoutMs how long to wait for a TCP connection to an endpoint
 * @param healthCheck      active health checks, or null
 * @param outlierDetection passive ejection of failing endpoints, or null
 * @param protocol         how the data plane speaks to the endpoints (null: HTTP/1.1)
 * @param circuitBreaker   limits on what the cluster may be sent at once (null: the defaults)
 * @param source           the Service (and port) the cluster was made from
 * @param tls              how TLS to the endpoints is verified, for the TLS protocols (null: not verified)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Cluster(String name, List<Endpoint> endpoints, BalancerPolicy balancer, HashKey hashKey,
    long connectTimeoutMs, HealthCheck healthCheck, OutlierDetection outlierDetection, Protocol protocol,
    CircuitBreaker circuitBreaker, SourceRef source, UpstreamTls tls) {

  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

  public Cluster {
    Checks.notBlank(name, "name");
    endpoints = Checks.list(endpoints, "endpoints");
    balancer = balancer == null ? BalancerPolicy.ROUND_ROBIN : balancer;
    protocol = protocol == Protocol.HTTP1 ? null : protocol;
    if (connectTimeoutMs <= 0) {
      throw new ModelException("connectTimeoutMs", "must be positive, was " + connectTimeoutMs);
    }
    if ((balancer == BalancerPolicy.CONSISTENT_HASH) != (hashKey != null)) {
      throw new ModelException("hashKey", "ConsistentHash needs a hash key, and only ConsistentHash takes one");
    }
    if (tls != null && !effectiveProtocolOf(protocol).tls()) {
      throw new ModelException("tls", "only the TLS protocols (https, h2) take TLS settings");
    }
  }

  public Cluster(String name, List<Endpoint> endpoints, BalancerPolicy balancer, HashKey hashKey,
      long connectTimeoutMs, HealthCheck healthCheck, OutlierDetection outlierDetection, Protocol protocol,
      CircuitBreaker circuitBreaker, SourceRef source) {
    this(name, endpoints, balancer, hashKey, connectTimeoutMs, healthCheck, outlierDetection, protocol, circuitBreaker,
        source, null);
  }

  private static Protocol effectiveProtocolOf(Protocol p) {
    return p == null ? Protocol.HTTP1 : p;
  }

  /** A cluster without hashing, health checking or limits of its own, spoken to in HTTP/1.1. */
  public Cluster(String name, List<Endpoint> endpoints, BalancerPolicy balancer, long connectTimeoutMs, SourceRef source) {
    this(name, endpoints, balancer, null, connectTimeoutMs, null, null, null, null, source);
  }

  /** The same cluster with other endpoints. */
  public Cluster withEndpoints(List<Endpoint> endpoints) {
    return new Cluster(name, endpoints, balancer, hashKey, connectTimeoutMs, healthCheck, outlierDetection, protocol,
        circuitBreaker, source, tls);
  }

  /** The protocol spoken to the endpoints; never null. */
  public Protocol effectiveProtocol() {
    return protocol == null ? Protocol.HTTP1 : protocol;
  }

  /** The upstream protocol. */
  public enum Protocol {
    /** HTTP/1.1 over TCP, one request at a time per connection (the default). */
    HTTP1,
    /** HTTP/2 over TCP with prior knowledge (h2c): gRPC, and many streams per connection. */
    H2C,
    /** HTTP/1.1 over TLS. */
    HTTPS,
    /** HTTP/2 over TLS, chosen by ALPN (gRPC over TLS). */
    H2;

    /** True for the protocols spoken over TLS. */
    public boolean tls() {
      return this == HTTPS || this == H2;
    }

    /** True for the protocols that are HTTP/2. */
    public boolean http2() {
      return this == H2C || this == H2;
    }
  }

  /**
   * How the data plane checks the endpoints' certificates. Without a CA the connection is
   * encrypted but the endpoint is not authenticated (nginx's and Contour's default).
   *
   * @param serverName the name sent as SNI and, with a CA, required in the endpoint's certificate
   * @param caPem      the CA certificates (PEM) the endpoints' chains must lead to, or null: no check
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record UpstreamTls(String serverName, String caPem) {
    public UpstreamTls {
      Checks.notBlank(serverName, "serverName");
      if (!Hostnames.isDnsName(serverName)) {
        throw new ModelException("serverName", "must be a DNS name, was \"" + serverName + "\"");
      }
      if (caPem != null && !caPem.contains("-----BEGIN CERTIFICATE-----")) {
        throw new ModelException("caPem", "must hold PEM certificates");
      }
    }
  }

  /**
   * What one data-plane replica sends a cluster at most; beyond it requests get a 503 at once
   * instead of queueing behind an overloaded backend.
   *
   * @param maxConnections     upstream connections (over all endpoints)
   * @param maxPendingRequests requests waiting for a connection
   * @param maxRequests        requests in flight
   */
  public record CircuitBreaker(int maxConnections, int maxPendingRequests, int maxRequests) {
    /** Envoy's limits, raised: they suit an ingress in front of a whole cluster's services. */
    public static final CircuitBreaker DEFAULT = new CircuitBreaker(8192, 4096, 8192);

    public CircuitBreaker {
      Checks.inRange(maxConnections, 1, 1_000_000, "maxConnections");
      Checks.inRange(maxPendingRequests, 0, 1_000_000, "maxPendingRequests");
      Checks.inRange(maxRequests, 1, 1_000_000, "maxRequests");
    }
  }

  /**
   * What consistent hashing hashes: exactly one of a header, a cookie (generated when absent: sticky
   * sessions), the client address or the request target (path and query, as the client sent them:
   * nginx's {@code $request_uri}).
   *
   * @param cookieSameSite the generated cookie's SameSite attribute: Strict, Lax or None (null: Lax)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record HashKey(String header, String cookie, Long cookieTtlMs, String cookiePath, boolean sourceIp,
      Boolean requestUri, String cookieSameSite) {

    public static final List<String> SAME_SITE = List.of("Strict", "Lax", "None");

    public HashKey(String header, String cookie, Long cookieTtlMs, String cookiePath, boolean sourceIp) {
      this(header, cookie, cookieTtlMs, cookiePath, sourceIp, null, null);
    }

    public HashKey {
      requestUri = Boolean.TRUE.equals(requestUri) ? Boolean.TRUE : null;
      int keys = (header != null ? 1 : 0) + (cookie != null ? 1 : 0) + (sourceIp ? 1 : 0) + (requestUri != null ? 1 : 0);
      if (keys != 1) {
        throw new ModelException("", "exactly one of header, cookie, sourceIp and requestUri");
      }
      if (cookieSameSite != null && (cookie == null || !SAME_SITE.contains(cookieSameSite))) {
        throw new ModelException("cookieSameSite", "must be one of " + SAME_SITE + ", and only with a cookie");
      }
    }
  }

  /** Active HTTP health checks. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record HealthCheck(String path, long intervalMs, long timeoutMs, int healthyThreshold, int unhealthyThreshold,
      List<Integer> expectedStatuses) {
    public HealthCheck {
      Checks.notBlank(path, "path");
      if (intervalMs <= 0 || timeoutMs <= 0) {
        throw new ModelException("intervalMs", "interval and timeout must be positive");
      }
      Checks.inRange(healthyThreshold, 1, 10, "healthyThreshold");
      Checks.inRange(unhealthyThreshold, 1, 10, "unhealthyThreshold");
      expectedStatuses = Checks.list(expectedStatuses, "expectedStatuses");
    }
  }

  /** Passive outlier detection. */
  public record OutlierDetection(int consecutive5xx, long intervalMs, long baseEjectionTimeMs, int maxEjectionPercent) {
    public OutlierDetection {
      Checks.inRange(consecutive5xx, 1, 1000, "consecutive5xx");
      Checks.inRange(maxEjectionPercent, 0, 100, "maxEjectionPercent");
      if (intervalMs <= 0 || baseEjectionTimeMs <= 0) {
        throw new ModelException("intervalMs", "interval and base ejection time must be positive");
      }
    }
  }
}
