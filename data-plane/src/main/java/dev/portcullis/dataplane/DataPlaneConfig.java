package dev.portcullis.dataplane;

import dev.portcullis.dataplane.listener.ListenerLimits;
import java.net.URI;
import dev.portcullis.dataplane.tls.TlsSettings;
import java.nio.file.Path;

/**
 * How a data plane runs.
 *
 * @param bindAddress      the address of the public HTTP listener
 * @param httpPort         its port (0 picks a free one)
 * @param adminBindAddress the address of the admin port; never the public one by default
 * @param adminPort        the admin port (0 picks a free one, -1 disables it)
 * @param eventLoops       event loops, one proxy verticle each
 * @param routeServer      the route server to follow, or null to be fed tables directly
 * @param token            the route server's bearer token (never logged), or null
 * @param routeTls         the files for mutual TLS with an https route server, or null
 * @param nodeId           this data plane's id in the push protocol
 * @param cacheBytes       the HTTP cache's memory budget in bytes (0: the default, 256 MiB)
 * @param adminToken       the bearer token the admin port's write operations (cache purge) require;
 *                         null disables them. Never logged.
 * @param tls              the HTTPS listener (on the public bind address), or {@link TlsSettings#OFF}
 * @param limits           what one client may ask of the public listeners (null: the defaults)
 * @param auth             the bounds of authentication's shared work (null: the defaults)
 * @param observability    the access log and span export (null: neither; metrics are always on)
 */
public record DataPlaneConfig(String bindAddress, int httpPort, String adminBindAddress, int adminPort,
    int eventLoops, URI routeServer, String token, RouteTls routeTls, String nodeId, long cacheBytes,
    String adminToken, TlsSettings tls, ListenerLimits limits, AuthSettings auth,
    dev.portcullis.dataplane.observability.ObservabilitySettings observability) {

  public DataPlaneConfig(String bindAddress, int httpPort, String adminBindAddress, int adminPort,
      int eventLoops, URI routeServer, String token, RouteTls routeTls, String nodeId, long cacheBytes,
      String adminToken, TlsSettings tls, ListenerLimits limits) {
    this(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token, routeTls, nodeId,
        cacheBytes, adminToken, tls, limits, null, null);
  }

  public DataPlaneConfig withObservability(dev.portcullis.dataplane.observability.ObservabilitySettings settings) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token,
        routeTls, nodeId, cacheBytes, adminToken, tls, limits, auth, settings);
  }

  /**
   * How much authentication may do at once, per data plane.
   *
   * @param bcryptWorkers    threads that check passwords (bcrypt), apart from the event loops
   * @param bcryptMaxPending password checks waiting or running at once; beyond, logins get 503
   * @param jwksRefreshMs    how often a fetched key set is fetched again
   * @param jwksRetryMs      how soon a failed fetch is tried again
   * @param jwksKidRefetchMs the least time between fetches caused by tokens naming unknown keys
   */
  public record AuthSettings(int bcryptWorkers, int bcryptMaxPending, long jwksRefreshMs, long jwksRetryMs,
      long jwksKidRefetchMs) {
    public static final AuthSettings DEFAULT = new AuthSettings(
        dev.portcullis.dataplane.auth.BcryptVerifier.DEFAULT_WORKERS,
        dev.portcullis.dataplane.auth.BcryptVerifier.DEFAULT_MAX_PENDING,
        dev.portcullis.dataplane.auth.JwksCache.DEFAULT_REFRESH_MS, dev.portcullis.dataplane.auth.JwksCache.DEFAULT_RETRY_MS,
        dev.portcullis.dataplane.auth.JwksCache.DEFAULT_KID_REFETCH_MS);

    public AuthSettings {
      if (bcryptWorkers < 1 || bcryptMaxPending < 1 || jwksRefreshMs < 1 || jwksRetryMs < 1 || jwksKidRefetchMs < 0) {
        throw new IllegalArgumentException("authentication settings must be positive");
      }
    }

    dev.portcullis.dataplane.auth.AuthRuntime runtime(io.vertx.core.Vertx vertx) {
      return new dev.portcullis.dataplane.auth.AuthRuntime(vertx, bcryptWorkers, bcryptMaxPending, jwksRefreshMs,
          jwksRetryMs, jwksKidRefetchMs);
    }
  }

  public DataPlaneConfig withAuth(AuthSettings settings) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token,
        routeTls, nodeId, cacheBytes, adminToken, tls, limits, settings, observability);
  }

  public static final long DEFAULT_CACHE_BYTES = 256L * 1024 * 1024;

  public DataPlaneConfig(String bindAddress, int httpPort, String adminBindAddress, int adminPort, int eventLoops,
      URI routeServer, String token, RouteTls routeTls, String nodeId) {
    this(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token, routeTls, nodeId, 0,
        null, TlsSettings.OFF, null);
  }

  public DataPlaneConfig(String bindAddress, int httpPort, String adminBindAddress, int adminPort, int eventLoops,
      URI routeServer, String token, RouteTls routeTls, String nodeId, long cacheBytes, String adminToken) {
    this(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token, routeTls, nodeId,
        cacheBytes, adminToken, TlsSettings.OFF, null);
  }

  public DataPlaneConfig withTls(TlsSettings tls) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token,
        routeTls, nodeId, cacheBytes, adminToken, tls, limits, auth, observability);
  }

  public DataPlaneConfig withCacheBytes(long bytes) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token,
        routeTls, nodeId, bytes, adminToken, tls, limits, auth, observability);
  }

  public DataPlaneConfig withLimits(ListenerLimits limits) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token,
        routeTls, nodeId, cacheBytes, adminToken, tls, limits, auth, observability);
  }

  public DataPlaneConfig withAdminToken(String adminToken) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token,
        routeTls, nodeId, cacheBytes, adminToken, tls, limits, auth, observability);
  }


  /**
   * PEM files for the push stream's mutual TLS; re-read on every reconnection, so a renewed
   * certificate (a Secret updated in place) is picked up without a restart.
   *
   * @param ca   the CA that signed the route server's certificate
   * @param cert this data plane's client certificate (may be null with key, when only the token authenticates)
   * @param key  its private key
   */
  public record RouteTls(Path ca, Path cert, Path key) {
    public RouteTls {
      if (ca == null) {
        throw new IllegalArgumentException("TLS to the route server needs the CA file");
      }
      if ((cert == null) != (key == null)) {
        throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
      }
    }
  }

  public DataPlaneConfig {
    tls = tls == null ? TlsSettings.OFF : tls;
    auth = auth == null ? AuthSettings.DEFAULT : auth;
    observability = observability == null ? dev.portcullis.dataplane.observability.ObservabilitySettings.DEFAULT
        : observability;
    if (limits == null) {
      limits = ListenerLimits.DEFAULT;
    }
    if (cacheBytes <= 0) {
      cacheBytes = DEFAULT_CACHE_BYTES;
    }
    if (eventLoops <= 0) {
      eventLoops = Runtime.getRuntime().availableProcessors();
    }
    if (routeServer != null) {
      boolean https = "https".equalsIgnoreCase(routeServer.getScheme());
      if (!https && !"http".equalsIgnoreCase(routeServer.getScheme())) {
        throw new IllegalArgumentException("the route server URL must be http:// or https://, was " + routeServer);
      }
      if (https && routeTls == null) {
        throw new IllegalArgumentException("an https route server needs the CA file (and a client certificate)");
      }
      boolean clientCert = routeTls != null && routeTls.cert() != null;
      if ((token == null || token.isEmpty()) && !(https && clientCert)) {
        throw new IllegalArgumentException("the route server needs a token or, over https, a client certificate");
      }
    }
  }

  /** Loopback listeners on free ports, fed directly: for tests and embedding. */
  public static DataPlaneConfig loopback(int eventLoops) {
    return new DataPlaneConfig("127.0.0.1", 0, "127.0.0.1", 0, eventLoops, null, null, null, "local");
  }

  public DataPlaneConfig withRouteServer(URI uri, String token, String nodeId) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, uri, token, routeTls,
        nodeId, cacheBytes, adminToken, tls, limits, auth, observability);
  }

  public DataPlaneConfig withRouteTls(RouteTls tls) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token, tls,
        nodeId, cacheBytes, adminToken, this.tls, limits, auth, observability);
  }

  @Override
  public String toString() {
    // The token stays out of every log line and dump.
    return "DataPlaneConfig[bind=" + bindAddress + ":" + httpPort + ", admin=" + adminBindAddress + ":" + adminPort
        + ", eventLoops=" + eventLoops + ", routeServer=" + routeServer + ", routeTls=" + routeTls
        + ", https=" + (tls.enabled() ? tls.port() : "off") + ", nodeId=" + nodeId + ", cacheBytes=" + cacheBytes
        + ", adminToken=" + (adminToken == null ? "none" : "set") + ", limits=" + limits
        + ", observability=" + observability + "]";
  }
}
