package dev.portcullis.dataplane.proxy;

import io.netty.channel.Channel;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The one place that says who the client is. Everything that acts on the client's address goes
 * through here: connection limits per address, access rules, source-IP hashing,
 * X-Forwarded-For and X-Real-IP. Today that is the peer of the TCP connection (or the address a
 * PROXY protocol header named, which Vert.x keeps on the channel); when the way of learning the
 * real client changes, it changes here alone.
 */
public final class ClientAddress {
  private ClientAddress() {}

  /** The client's address on a connection, or null when it is not an IP connection. */
  public static InetAddress of(Channel channel) {
    SocketAddress override = channel.attr(ConnectionBase.REMOTE_ADDRESS_OVERRIDE).get();
    if (override != null && override.hostAddress() != null) {
      try {
        return InetAddress.getByName(override.hostAddress());
      } catch (UnknownHostException e) {
        return null;
      }
    }
    return channel.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
  }

  /** The client's address for a request, or null. */
  public static InetAddress of(HttpServerRequest request) {
    Channel channel = channel(request.connection());
    return channel == null ? null : of(channel);
  }

  /** The client's address as text (as in X-Forwarded-For), or null. */
  public static String text(HttpServerRequest request) {
    InetAddress address = of(request);
    return address == null ? null : address.getHostAddress();
  }

  /** The Netty channel under a Vert.x connection (an internal class: the public API has no such accessor). */
  static Channel channel(HttpConnection connection) {
    return connection instanceof ConnectionBase base ? base.channel() : null;
  }
}
