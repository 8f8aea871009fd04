package dev.portcullis.dataplane.tls;

import java.util.List;
import java.util.Set;

/**
 * The HTTPS listener.
 *
 * @param port         its port (0 picks a free one, -1: no HTTPS listener)
 * @param redirectPort the port plain-HTTP requests are redirected to, as clients reach it (443
 *                     behind a Service that maps 443 to the listener; the listener's own port on a laptop)
 * @param minVersion   the oldest TLS version accepted: {@code TLSv1.2} or {@code TLSv1.3}
 * @param cipherSuites the TLS 1.2 cipher suites offered, in order (TLS 1.3 suites are always
 *                     offered); empty for {@link #DEFAULT_CIPHERS}
 */
public record TlsSettings(int port, int redirectPort, String minVersion, List<String> cipherSuites) {

  /**
   * Mozilla's "intermediate" choice for TLS 1.2: forward secrecy and AEAD only, ECDSA first. No
   * CBC, no RSA key exchange, no SHA-1 MACs.
   */
  public static final List<String> DEFAULT_CIPHERS = List.of(
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");

  /** The TLS 1.3 suites, always enabled when TLS 1.3 is. */
  public static final List<String> TLS13_CIPHERS =
      List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

  /** No HTTPS listener. */
  public static final TlsSettings OFF = new TlsSettings(-1, 443, "TLSv1.2", List.of());

  public TlsSettings {
    if (port < -1 || port > 65535) {
      throw new IllegalArgumentException("the HTTPS port must be between 0 and 65535, was " + port);
    }
    if (redirectPort < 1 || redirectPort > 65535) {
      throw new IllegalArgumentException("the HTTPS redirect port must be between 1 and 65535, was " + redirectPort);
    }
    minVersion = normalizeVersion(minVersion);
    cipherSuites = cipherSuites == null || cipherSuites.isEmpty() ? DEFAULT_CIPHERS : List.copyOf(cipherSuites);
  }

  /** An HTTPS listener on {@code port}, redirecting to {@code redirectPort}, with the defaults. */
  public static TlsSettings on(int port, int redirectPort) {
    return new TlsSettings(port, redirectPort, "TLSv1.2", List.of());
  }

  public boolean enabled() {
    return port >= 0;
  }

  /** The protocol versions the listener accepts. */
  public Set<String> protocols() {
    return minVersion.equals("TLSv1.3") ? Set.of("TLSv1.3") : Set.of("TLSv1.2", "TLSv1.3");
  }

  /** What the listener offers: TLS 1.3's suites, then the TLS 1.2 ones unless only 1.3 is allowed. */
  public List<String> enabledCiphers() {
    if (minVersion.equals("TLSv1.3")) {
      return TLS13_CIPHERS;
    }
    List<String> all = new java.util.ArrayList<>(TLS13_CIPHERS);
    all.addAll(cipherSuites);
    return List.copyOf(all);
  }

  static String normalizeVersion(String v) {
    if (v == null || v.isBlank()) {
      return "TLSv1.2";
    }
    return switch (v.trim()) {
      case "1.2", "TLSv1.2", "TLS1.2" -> "TLSv1.2";
      case "1.3", "TLSv1.3", "TLS1.3" -> "TLSv1.3";
      default -> throw new IllegalArgumentException("the minimum TLS version must be 1.2 or 1.3, was " + v);
    };
  }
}
