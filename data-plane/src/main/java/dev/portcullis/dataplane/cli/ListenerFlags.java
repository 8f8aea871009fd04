package dev.portcullis.dataplane.cli;

import dev.portcullis.dataplane.listener.ListenerLimits;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The public listener's abuse limits as flags, shared by {@code data-plane}, {@code local} and
 * {@code demo}. Each can also be set through the environment variable named in its description.
 */
public final class ListenerFlags {

  @Option(names = "--max-connections", paramLabel = "N", defaultValue = "${env:PORTCULLIS_MAX_CONNECTIONS:-32768}",
      description = "Client connections open at once; beyond it new ones are closed at once (default: "
          + "${DEFAULT-VALUE}; 0: no limit; env PORTCULLIS_MAX_CONNECTIONS).")
  int maxConnections;

  @Option(names = "--max-connections-per-ip", paramLabel = "N",
      defaultValue = "${env:PORTCULLIS_MAX_CONNECTIONS_PER_IP:-1024}",
      description = "Of those, from one client address (default: ${DEFAULT-VALUE}; 0: no limit). Raise it when "
          + "clients reach the proxy through a load balancer or NAT that hides their addresses.")
  int maxConnectionsPerIp;

  @Option(names = "--request-header-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:PORTCULLIS_REQUEST_HEADER_TIMEOUT:-10s}",
      description = "The whole request head must arrive within this long of the connection opening, or of the "
          + "first byte of a next request; else the connection is closed (default: ${DEFAULT-VALUE}; 0s: off).")
  Duration requestHeaderTimeout;

  @Option(names = "--client-idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:PORTCULLIS_CLIENT_IDLE_TIMEOUT:-75s}",
      description = "A client connection that neither sends nor receives a byte for this long is closed, checked "
          + "every quarter of it (nginx's keepalive_timeout; default: ${DEFAULT-VALUE}, at least 1s).")
  Duration clientIdleTimeout;

  @Option(names = "--max-request-headers", paramLabel = "N", defaultValue = "${env:PORTCULLIS_MAX_REQUEST_HEADERS:-100}",
      description = "Header fields in one request; more get 431 (default: ${DEFAULT-VALUE}).")
  int maxHeaders;

  @Option(names = "--max-request-header-size", paramLabel = "BYTES", converter = ByteSizeConverter.class,
      defaultValue = "${env:PORTCULLIS_MAX_REQUEST_HEADER_SIZE:-32Ki}",
      description = "Bytes of one request's header fields (also the HTTP/2 header list limit); more get 431 "
          + "(default: ${DEFAULT-VALUE}).")
  long maxHeaderSize;

  @Option(names = "--max-uri-length", paramLabel = "BYTES", converter = ByteSizeConverter.class,
      defaultValue = "${env:PORTCULLIS_MAX_URI_LENGTH:-16Ki}",
      description = "Bytes of the request target; longer gets 414 (default: ${DEFAULT-VALUE}).")
  long maxUriLength;

  @Option(names = "--max-request-body-size", paramLabel = "BYTES", converter = ByteSizeConverter.OrZero.class,
      defaultValue = "${env:PORTCULLIS_MAX_REQUEST_BODY_SIZE:-1Gi}",
      description = "Request body bytes for routes that set no maxRequestBodySize (every Ingress route); more get "
          + "413 (default: ${DEFAULT-VALUE}; 0: no limit).")
  long maxRequestBodySize;

  @Option(names = "--http2-max-concurrent-streams", paramLabel = "N",
      defaultValue = "${env:PORTCULLIS_HTTP2_MAX_CONCURRENT_STREAMS:-128}",
      description = "HTTP/2 streams a client may have open on one connection (default: ${DEFAULT-VALUE}).")
  int h2MaxConcurrentStreams;

  @Option(names = "--http2-max-resets", paramLabel = "N", defaultValue = "${env:PORTCULLIS_HTTP2_MAX_RESETS:-200}",
      description = "HTTP/2 stream resets a client may send in 30 s before its connection is closed (rapid reset; "
          + "default: ${DEFAULT-VALUE}).")
  int h2MaxResets;

  @Option(names = "--trusted-proxies", paramLabel = "CIDR", split = ",",
      defaultValue = "${env:PORTCULLIS_TRUSTED_PROXIES}",
      description = "Proxies in front of this one (load balancers) whose word on the client's address is taken: "
          + "their PROXY protocol header and X-Forwarded-For, read right to left past every trusted hop; and their "
          + "X-Forwarded-Proto, -Host and -Port. Comma-separated CIDRs or addresses (default: none; a client's own "
          + "X-Forwarded-* is never believed). Their connections are not held to --max-connections-per-ip.")
  java.util.List<String> trustedProxies;

  @Option(names = "--proxy-protocol", paramLabel = "LISTENER", split = ",",
      defaultValue = "${env:PORTCULLIS_PROXY_PROTOCOL}",
      description = "Listeners that expect a PROXY protocol header (v1 or v2) first on every connection: http, "
          + "https or both, comma-separated (default: none). The address it names counts only when the connection "
          + "comes from a --trusted-proxies address.")
  java.util.List<String> proxyProtocol;

  @Option(names = "--pass-upstream-identity", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      defaultValue = "${env:PORTCULLIS_PASS_UPSTREAM_IDENTITY:-false}",
      description = "Pass upstreams' Server, X-Powered-By, X-AspNet-Version and X-AspNetMvc-Version headers to "
          + "clients (default: ${DEFAULT-VALUE}: removed, so clients do not learn what runs behind).")
  boolean passUpstreamIdentity;

  public ListenerLimits limits() {
    if (maxHeaderSize > Integer.MAX_VALUE || maxUriLength > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("--max-request-header-size and --max-uri-length must be under 2 GiB");
    }
    // Checked here as well as by ListenerLimits, so that the message names the flag.
    if (!ListenerLimits.idleTimeoutInRange(clientIdleTimeout.toMillis())) {
      throw new IllegalArgumentException("--client-idle-timeout must be at least 1s and at most 24d, not "
          + clientIdleTimeout.toMillis() + "ms");
    }
    return ListenerLimits.DEFAULT.withConnections(maxConnections, maxConnectionsPerIp)
        .withHeaderTimeoutMs(requestHeaderTimeout.toMillis())
        .withHeaders(maxHeaders, (int) maxHeaderSize, (int) maxUriLength)
        .withMaxRequestBodySize(maxRequestBodySize)
        .withHttp2(h2MaxConcurrentStreams, h2MaxResets, ListenerLimits.DEFAULT_H2_RESET_WINDOW_SECONDS,
            ListenerLimits.DEFAULT_H2_MAX_CONTINUATIONS)
        .withTrustedProxies(dev.portcullis.dataplane.proxy.TrustedProxies.of(trustedProxies))
        .withProxyProtocol(listener("http"), listener("https"))
        .withPassUpstreamIdentity(passUpstreamIdentity)
        .withIdleTimeoutMs(clientIdleTimeout.toMillis());
  }

  private boolean listener(String name) {
    if (proxyProtocol == null) {
      return false;
    }
    for (String p : proxyProtocol) {
      String t = p.trim().toLowerCase(java.util.Locale.ROOT);
      if (!t.equals("http") && !t.equals("https") && !t.isEmpty()) {
        throw new IllegalArgumentException("--proxy-protocol takes http and https, not \"" + p + "\"");
      }
    }
    return proxyProtocol.stream().anyMatch(p -> p.trim().equalsIgnoreCase(name));
  }
}
