package dev.portcullis.dataplane.proxy;

import io.netty.channel.Channel;
import io.netty.util.NetUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Address helpers. Who the client of a request is, is {@link TrustedProxies#clientOf}'s to say:
 * a PROXY header or X-Forwarded-For counts only from a trusted proxy.
 */
public final class ClientAddress {
  private ClientAddress() {}

  /**
   * An IP address literal as 4 or 16 bytes; null when it is not one. Never resolves a name (as
   * {@code InetAddress.getByName} would, blocking the event loop on DNS, for text that is no literal).
   */
  static byte[] bytes(String address) {
    return address == null ? null : NetUtil.createByteArrayFromIpAddressString(address);
  }

  /** The client's address on a connection, or null when it is not an IP connection. */
  public static InetAddress of(Channel channel) {
    SocketAddress override = channel.attr(ConnectionBase.REMOTE_ADDRESS_OVERRIDE).get();
    if (override != null && override.hostAddress() != null) {
      byte[] bytes = bytes(override.hostAddress());
      try {
        return bytes == null ? null : InetAddress.getByAddress(bytes);
      } catch (UnknownHostException e) {
        return null;
      }
    }
    return channel.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
  }

  /** The Netty channel under a Vert.x connection (an internal class: the public API has no such accessor). */
  static Channel channel(HttpConnection connection) {
    return connection instanceof ConnectionBase base ? base.channel() : null;
  }
}
