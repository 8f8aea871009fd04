package dev.portcullis.dataplane;

import java.net.URI;

/**
 * How a data plane runs.
 *
 * @param bindAddress      the address of the public HTTP listener
 * @param httpPort         its port (0 picks a free one)
 * @param adminBindAddress the address of the admin port; never the public one by default
 * @param adminPort        the admin port (0 picks a free one, -1 disables it)
 * @param eventLoops       event loops, one proxy verticle each
 * @param routeServer      the route server to follow, or null to be fed tables directly
 * @param token            the route server's bearer token (never logged)
 * @param nodeId           this data plane's id in the push protocol
 */
public record DataPlaneConfig(String bindAddress, int httpPort, String adminBindAddress, int adminPort,
    int eventLoops, URI routeServer, String token, String nodeId) {

  public DataPlaneConfig {
    if (eventLoops <= 0) {
      eventLoops = Runtime.getRuntime().availableProcessors();
    }
    if (routeServer != null && (token == null || token.isEmpty())) {
      throw new IllegalArgumentException("a route server needs a token");
    }
  }

  /** Loopback listeners on free ports, fed directly: for tests and embedding. */
  public static DataPlaneConfig loopback(int eventLoops) {
    return new DataPlaneConfig("127.0.0.1", 0, "127.0.0.1", 0, eventLoops, null, null, "local");
  }

  public DataPlaneConfig withRouteServer(URI uri, String token, String nodeId) {
    return new DataPlaneConfig(bindAddress, httpPort, adminBindAddress, adminPort, eventLoops, uri, token, nodeId);
  }

  public DataPlaneConfig withPorts(String bind, int http, String adminBind, int admin) {
    return new DataPlaneConfig(bind, http, adminBind, admin, eventLoops, routeServer, token, nodeId);
  }

  @Override
  public String toString() {
    // The token stays out of every log line and dump.
    return "DataPlaneConfig[bind=" + bindAddress + ":" + httpPort + ", admin=" + adminBindAddress + ":" + adminPort
        + ", eventLoops=" + eventLoops + ", routeServer=" + routeServer + ", nodeId=" + nodeId + "]";
  }
}
