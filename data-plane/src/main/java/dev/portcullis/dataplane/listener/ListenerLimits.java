package dev.portcullis.dataplane.listener;

import dev.portcullis.dataplane.proxy.TrustedProxies;

/**
 * What one client may ask of the public listener. Each limit answers an attack that costs the
 * client little and the proxy much: connection floods, slow request heads (slowloris), huge or
 * numerous headers, endless bodies, HTTP/2 stream and frame floods.
 *
 * @param maxConnections         client connections open at once, over every event loop; 0: no limit
 * @param maxConnectionsPerIp    of those, from one client address; 0: no limit
 * @param headerTimeoutMs        the whole request head must arrive within this long of its first byte
 *                               (of the connection opening, for the first request); 0: no limit
 * @param maxHeaders             header fields in one request head (431 beyond)
 * @param maxHeaderSize          bytes of one request head's header fields (431 beyond)
 * @param maxUriLength           bytes of the request target (414 beyond)
 * @param maxRequestBodySize     request body bytes, for routes that set no limit of their own (413 beyond);
 *                               0: no limit
 * @param h2MaxConcurrentStreams HTTP/2 streams a client may have open on one connection
 * @param h2MaxResetsPerWindow   HTTP/2 RST_STREAM frames a client may send per window before the
 *                               connection is closed (rapid reset, CVE-2023-44487)
 * @param h2ResetWindowSeconds   that window
 * @param h2MaxContinuations     CONTINUATION frames that may follow one HEADERS frame (CONTINUATION flood)
 * @param trustedProxies         the proxies whose word on the client's address is taken (none by default);
 *                               their own connections are not held to the per-address limit
 * @param proxyProtocolHttp      the HTTP listener expects a PROXY protocol header (v1 or v2) on every connection
 * @param proxyProtocolHttps     the HTTPS listener does
 * @param passUpstreamIdentity   pass upstreams' Server, X-Powered-By and X-AspNet(Mvc)-Version to clients
 *                               (by default they are removed)
 * @param idleTimeoutMs          a client connection that neither reads nor writes for this long is closed
 *                               (checked every quarter of it, so after up to 1.25 times as long; nginx's
 *                               {@code keepalive_timeout})
 */
public record ListenerLimits(int maxConnections, int maxConnectionsPerIp, long headerTimeoutMs, int maxHeaders,
    int maxHeaderSize, int maxUriLength, long maxRequestBodySize, int h2MaxConcurrentStreams,
    int h2MaxResetsPerWindow, int h2ResetWindowSeconds, int h2MaxContinuations, TrustedProxies trustedProxies,
    boolean proxyProtocolHttp, boolean proxyProtocolHttps, boolean passUpstreamIdentity, long idleTimeoutMs) {

  public static final int DEFAULT_MAX_CONNECTIONS = 32_768;
  public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 1_024;
  public static final long DEFAULT_HEADER_TIMEOUT_MS = 10_000;
  public static final int DEFAULT_MAX_HEADERS = 100;
  public static final int DEFAULT_MAX_HEADER_SIZE = 32 * 1024;
  public static final int DEFAULT_MAX_URI_LENGTH = 16 * 1024;
  public static final long DEFAULT_MAX_REQUEST_BODY_SIZE = 1L << 30;
  public static final int DEFAULT_H2_MAX_CONCURRENT_STREAMS = 128;
  public static final int DEFAULT_H2_MAX_RESETS_PER_WINDOW = 200;
  public static final int DEFAULT_H2_RESET_WINDOW_SECONDS = 30;
  public static final int DEFAULT_H2_MAX_CONTINUATIONS = 32;
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 75_000;
  /** The idle timeout's range. Off is not offered: every open connection holds a slot of the connection limit. */
  public static final long MIN_IDLE_TIMEOUT_MS = 1_000;
  public static final long MAX_IDLE_TIMEOUT_MS = Integer.MAX_VALUE;

  public static final ListenerLimits DEFAULT = new ListenerLimits(DEFAULT_MAX_CONNECTIONS,
      DEFAULT_MAX_CONNECTIONS_PER_IP, DEFAULT_HEADER_TIMEOUT_MS, DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEADER_SIZE,
      DEFAULT_MAX_URI_LENGTH, DEFAULT_MAX_REQUEST_BODY_SIZE, DEFAULT_H2_MAX_CONCURRENT_STREAMS,
      DEFAULT_H2_MAX_RESETS_PER_WINDOW, DEFAULT_H2_RESET_WINDOW_SECONDS, DEFAULT_H2_MAX_CONTINUATIONS,
      TrustedProxies.NONE, false, false, false, DEFAULT_IDLE_TIMEOUT_MS);

  public ListenerLimits {
    trustedProxies = trustedProxies == null ? TrustedProxies.NONE : trustedProxies;
    nonNegative(maxConnections, "max connections");
    nonNegative(maxConnectionsPerIp, "max connections per IP");
    nonNegative(headerTimeoutMs, "header timeout");
    positive(maxHeaders, "max headers");
    positive(maxHeaderSize, "max header size");
    positive(maxUriLength, "max URI length");
    nonNegative(maxRequestBodySize, "max request body size");
    positive(h2MaxConcurrentStreams, "HTTP/2 max concurrent streams");
    positive(h2MaxResetsPerWindow, "HTTP/2 max resets per window");
    positive(h2ResetWindowSeconds, "HTTP/2 reset window");
    positive(h2MaxContinuations, "HTTP/2 max CONTINUATION frames");
    if (!idleTimeoutInRange(idleTimeoutMs)) {
      throw new IllegalArgumentException("idle timeout must be at least 1s and at most 24d, not " + idleTimeoutMs
          + " ms");
    }
  }

  /** The longest request line the HTTP/1 decoder reads: the target plus method and version. */
  public int maxInitialLine() {
    return maxUriLength + 1024;
  }

  public ListenerLimits withConnections(int max, int perIp) {
    return new ListenerLimits(max, perIp, headerTimeoutMs, maxHeaders, maxHeaderSize, maxUriLength,
        maxRequestBodySize, h2MaxConcurrentStreams, h2MaxResetsPerWindow, h2ResetWindowSeconds, h2MaxContinuations,
        trustedProxies, proxyProtocolHttp, proxyProtocolHttps, passUpstreamIdentity, idleTimeoutMs);
  }

  public ListenerLimits withHeaderTimeoutMs(long ms) {
    return new ListenerLimits(maxConnections, maxConnectionsPerIp, ms, maxHeaders, maxHeaderSize, maxUriLength,
        maxRequestBodySize, h2MaxConcurrentStreams, h2MaxResetsPerWindow, h2ResetWindowSeconds, h2MaxContinuations,
        trustedProxies, proxyProtocolHttp, proxyProtocolHttps, passUpstreamIdentity, idleTimeoutMs);
  }

  public ListenerLimits withHeaders(int count, int size, int uriLength) {
    return new ListenerLimits(maxConnections, maxConnectionsPerIp, headerTimeoutMs, count, size, uriLength,
        maxRequestBodySize, h2MaxConcurrentStreams, h2MaxResetsPerWindow, h2ResetWindowSeconds, h2MaxContinuations,
        trustedProxies, proxyProtocolHttp, proxyProtocolHttps, passUpstreamIdentity, idleTimeoutMs);
  }

  public ListenerLimits withMaxRequestBodySize(long bytes) {
    return new ListenerLimits(maxConnections, maxConnectionsPerIp, headerTimeoutMs, maxHeaders, maxHeaderSize,
        maxUriLength, bytes, h2MaxConcurrentStreams, h2MaxResetsPerWindow, h2ResetWindowSeconds, h2MaxContinuations,
        trustedProxies, proxyProtocolHttp, proxyProtocolHttps, passUpstreamIdentity, idleTimeoutMs);
  }

  public ListenerLimits withHttp2(int maxConcurrentStreams, int maxResetsPerWindow, int resetWindowSeconds,
      int maxContinuations) {
    return new ListenerLimits(maxConnections, maxConnectionsPerIp, headerTimeoutMs, maxHeaders, maxHeaderSize,
        maxUriLength, maxRequestBodySize, maxConcurrentStreams, maxResetsPerWindow, resetWindowSeconds,
        maxContinuations,
        trustedProxies, proxyProtocolHttp, proxyProtocolHttps, passUpstreamIdentity, idleTimeoutMs);
  }

  public ListenerLimits withTrustedProxies(TrustedProxies trusted) {
    return new ListenerLimits(maxConnections, maxConnectionsPerIp, headerTimeoutMs, maxHeaders, maxHeaderSize,
        maxUriLength, maxRequestBodySize, h2MaxConcurrentStreams, h2MaxResetsPerWindow, h2ResetWindowSeconds,
        h2MaxContinuations, trusted, proxyProtocolHttp, proxyProtocolHttps, passUpstreamIdentity, idleTimeoutMs);
  }

  public ListenerLimits withProxyProtocol(boolean http, boolean https) {
    return new ListenerLimits(maxConnections, maxConnectionsPerIp, headerTimeoutMs, maxHeaders, maxHeaderSize,
        maxUriLength, maxRequestBodySize, h2MaxConcurrentStreams, h2MaxResetsPerWindow, h2ResetWindowSeconds,
        h2MaxContinuations, trustedProxies, http, https, passUpstreamIdentity, idleTimeoutMs);
  }

  public ListenerLimits withPassUpstreamIdentity(boolean pass) {
    return new ListenerLimits(maxConnections, maxConnectionsPerIp, headerTimeoutMs, maxHeaders, maxHeaderSize,
        maxUriLength, maxRequestBodySize, h2MaxConcurrentStreams, h2MaxResetsPerWindow, h2ResetWindowSeconds,
        h2MaxContinuations, trustedProxies, proxyProtocolHttp, proxyProtocolHttps, pass, idleTimeoutMs);
  }

  public ListenerLimits withIdleTimeoutMs(long ms) {
    return new ListenerLimits(maxConnections, maxConnectionsPerIp, headerTimeoutMs, maxHeaders, maxHeaderSize,
        maxUriLength, maxRequestBodySize, h2MaxConcurrentStreams, h2MaxResetsPerWindow, h2ResetWindowSeconds,
        h2MaxContinuations, trustedProxies, proxyProtocolHttp, proxyProtocolHttps, passUpstreamIdentity, ms);
  }

  /** True if {@code ms} is a valid idle timeout: between {@link #MIN_IDLE_TIMEOUT_MS} and {@link #MAX_IDLE_TIMEOUT_MS}. */
  public static boolean idleTimeoutInRange(long ms) {
    return ms >= MIN_IDLE_TIMEOUT_MS && ms <= MAX_IDLE_TIMEOUT_MS;
  }

  private static void nonNegative(long v, String what) {
    if (v < 0) {
      throw new IllegalArgumentException(what + " must not be negative, was " + v);
    }
  }

  private static void positive(long v, String what) {
    if (v <= 0) {
      throw new IllegalArgumentException(what + " must be positive, was " + v);
    }
  }
}
