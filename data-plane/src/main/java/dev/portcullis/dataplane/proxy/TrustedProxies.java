package dev.portcullis.dataplane.proxy;

import dev.portcullis.model.Cidr;
import dev.portcullis.model.ModelException;
import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.util.List;

/**
 * The proxies in front of the data plane whose word on the client's address is taken: a PROXY
 * protocol header from one of them, or its {@code X-Forwarded-For}. Nobody is trusted by default,
 * so a client can never choose the address that access rules, rate limits and logs see.
 *
 * <p>{@code X-Forwarded-For} is read right to left, as nginx's {@code real_ip_recursive on} does:
 * each hop that is itself a trusted proxy is skipped, and the first one that is not is the client.
 * A client can put anything at the left of the list, but never past the proxies that appended
 * after it.
 */
public final class TrustedProxies {

  /** Nobody. */
  public static final TrustedProxies NONE = new TrustedProxies(List.of());

  /** X-Forwarded-For values longer than this are not read (the connection's peer counts then). */
  static final int MAX_FORWARDED_FOR = 4096;
  /** Hops of X-Forwarded-For read at most, from the right. */
  static final int MAX_HOPS = 32;

  private final Cidr[] networks;
  private final List<String> text;

  private TrustedProxies(List<String> cidrs) {
    this.text = List.copyOf(cidrs);
    this.networks = new Cidr[cidrs.size()];
    for (int i = 0; i < networks.length; i++) {
      networks[i] = Cidr.parse(cidrs.get(i).trim(), "trusted-proxies[" + i + "]");
    }
  }

  /**
   * @throws IllegalArgumentException naming the entry that is not a CIDR (or a single address)
   */
  public static TrustedProxies of(List<String> cidrs) {
    if (cidrs == null || cidrs.isEmpty()) {
      return NONE;
    }
    try {
      return new TrustedProxies(cidrs.stream().map(String::trim).filter(s -> !s.isEmpty())
          .map(s -> s.indexOf('/') < 0 ? s + (s.indexOf(':') >= 0 ? "/128" : "/32") : s).toList());
    } catch (ModelException e) {
      throw new IllegalArgumentException("--trusted-proxies: " + e.getMessage(), e);
    }
  }

  public boolean isEmpty() {
    return networks.length == 0;
  }

  /** True if the address (as 4 or 16 bytes) is one of the trusted proxies. */
  public boolean trusts(byte[] address) {
    if (address == null) {
      return false;
    }
    for (Cidr c : networks) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }

  public boolean trusts(InetAddress address) {
    return address != null && trusts(address.getAddress());
  }

  /**
   * The client's address for a request: the TCP peer; or, when the peer is a trusted proxy, the
   * address its PROXY protocol header named; then, while the address so far is a trusted proxy,
   * the next hop of X-Forwarded-For from the right.
   */
  public String clientOf(HttpServerRequest request) {
    SocketAddress peer = request.connection() == null ? null : request.connection().remoteAddress(true);
    String address = peer == null ? null : peer.hostAddress();
    if (networks.length == 0 || address == null) {
      return address;
    }
    if (!trusts(ClientAddress.bytes(address))) {
      return address;
    }
    SocketAddress claimed = request.remoteAddress(); // the PROXY header's source, when there was one
    if (claimed != null && claimed.hostAddress() != null && !claimed.hostAddress().equals(address)) {
      address = claimed.hostAddress();
      if (!trusts(ClientAddress.bytes(address))) {
        return address;
      }
    }
    return fromForwardedFor(request, address);
  }

  /** True if the request came straight from a trusted proxy (its X-Forwarded-* headers may be kept). */
  public boolean fromTrustedProxy(HttpServerRequest request) {
    if (networks.length == 0 || request.connection() == null) {
      return false;
    }
    SocketAddress peer = request.connection().remoteAddress(true);
    return peer != null && trusts(ClientAddress.bytes(peer.hostAddress()));
  }

  private String fromForwardedFor(HttpServerRequest request, String proxy) {
    List<String> values = request.headers().getAll(ProxyHandler.X_FORWARDED_FOR);
    int total = 0;
    for (String v : values) {
      total += v.length() + 1;
    }
    if (values.isEmpty() || total > MAX_FORWARDED_FOR) {
      return proxy;
    }
    String address = proxy;
    int hops = 0;
    for (int vi = values.size() - 1; vi >= 0; vi--) {
      String v = values.get(vi);
      int end = v.length();
      while (end > 0) {
        int comma = v.lastIndexOf(',', end - 1);
        String hop = v.substring(comma + 1, end).trim();
        end = comma < 0 ? 0 : comma;
        if (++hops > MAX_HOPS) {
          return address;
        }
        byte[] bytes = hop.isEmpty() ? null : NetUtil.createByteArrayFromIpAddressString(strip(hop));
        if (bytes == null) {
          // Not an address: the hops to its left cannot be trusted either.
          return address;
        }
        address = strip(hop);
        if (!trusts(bytes)) {
          return address;
        }
      }
    }
    return address;
  }

  /** An address as some proxies write it: {@code [v6]:port} or {@code v4:port} become the bare address. */
  private static String strip(String hop) {
    if (hop.startsWith("[")) {
      int close = hop.indexOf(']');
      return close > 0 ? hop.substring(1, close) : hop;
    }
    int colon = hop.indexOf(':');
    if (colon > 0 && hop.indexOf(':', colon + 1) < 0) {
      return hop.substring(0, colon); // v4:port
    }
    return hop;
  }

  @Override
  public String toString() {
    return text.toString();
  }
}
