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
 */
public record DataPlaneConfig(String bindAddress, int httpPort, String adminBindAddress, int adminPort,
    int eventLoops, URI routeServer, String token, RouteTls routeTls, String nodeId, long cacheBytes,
    String adminToken, TlsSettings tls, ListenerLimits limits) {

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
        routeTls, nodeId, cacheBytes, adminToken, tls, limits);
  }

  public DataPlaneConfig withCacheBytes(long bytes) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token,
        routeTls, nodeId, bytes, adminToken, tls, limits);
  }

  public DataPlaneConfig withLimits(ListenerLimits limits) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token,
        routeTls, nodeId, cacheBytes, adminToken, tls, limits);
  }

  public DataPlaneConfig withAdminToken(String adminToken) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token,
        routeTls, nodeId, cacheBytes, adminToken, tls, limits);
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
        nodeId, cacheBytes, adminToken, tls, limits);
  }

  public DataPlaneConfig withRouteTls(RouteTls tls) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, routeServer, token, tls,
        nodeId, cacheBytes, adminToken, this.tls, limits);
  }

  @Override
  public String toString() {
    // The token stays out of every log line and dump.
    return "DataPlaneConfig[bind=" + bindAddress + ":" + httpPort + ", admin=" + adminBindAddress + ":" + adminPort
        + ", eventLoops=" + eventLoops + ", routeServer=" + routeServer + ", routeTls=" + routeTls
        + ", https=" + (tls.enabled() ? tls.port() : "off") + ", nodeId=" + nodeId + ", cacheBytes=" + cacheBytes
        + ", adminToken=" + (adminToken == null ? "none" : "set") + ", limits=" + limits + "]";
  }
}
