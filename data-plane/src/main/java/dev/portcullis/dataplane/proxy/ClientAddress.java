package dev.portcullis.dataplane.proxy;

import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

/**
 * Who the client is. Every decision about the client's address (access rules, rate limits,
 * consistent hashing on the source address, X-Forwarded-For and X-Real-IP) asks {@link #of}, so
 * that how the address is found (the connection's peer today; trusted proxies or the PROXY
 * protocol later) changes in one place.
 */
public final class ClientAddress {
  private ClientAddress() {}

  /** The client's IP address as text (as the connection reports it), or null when unknown. */
  public static String of(HttpServerRequest request) {
    SocketAddress remote = request.remoteAddress();
    return remote == null ? null : remote.hostAddress();
  }

  /**
   * An IP address literal as 4 or 16 bytes; null when it is not one. Never resolves a name (as
   * {@code InetAddress.getByName} would, blocking the event loop on DNS, for text that is no literal).
   */
  static byte[] bytes(String address) {
    return address == null ? null : NetUtil.createByteArrayFromIpAddressString(address);
  }
}
