package dev.portcullis.launcher;

import dev.portcullis.dataplane.cli.ByteSizeConverter;
import dev.portcullis.dataplane.cli.DurationConverter;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The listener flags that {@code local} and {@code demo} share. */
final class ServeFlags {

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8080",
      description = "Port of the HTTP listener (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--https-port", paramLabel = "PORT", defaultValue = "8443",
      description = "Port of the HTTPS listener (default: ${DEFAULT-VALUE}; -1: none). Hosts named in a tls "
          + "section get their Secret's certificate (by SNI), others a self-signed default certificate.")
  int httpsPort;

  @Option(names = "--https-redirect-port", paramLabel = "PORT",
      description = "The port plain-HTTP requests to TLS hosts are redirected to (default: --https-port).")
  Integer httpsRedirectPort;

  @Option(names = "--tls-min-version", paramLabel = "VERSION", defaultValue = "1.2",
      description = "Oldest TLS version accepted: 1.2 or 1.3 (default: ${DEFAULT-VALUE}).")
  String tlsMinVersion;

  @Option(names = "--tls-ciphers", paramLabel = "SUITE", split = ",",
      description = "TLS 1.2 cipher suites to offer, in order, comma-separated (JSSE names; default: ECDHE with "
          + "AES-GCM or ChaCha20-Poly1305 only). TLS 1.3 suites are always offered.")
  java.util.List<String> tlsCiphers;

  dev.portcullis.dataplane.tls.TlsSettings tls() {
    if (httpsPort < 0) {
      return dev.portcullis.dataplane.tls.TlsSettings.OFF;
    }
    int redirect = httpsRedirectPort != null ? httpsRedirectPort : httpsPort == 0 ? 443 : httpsPort;
    return new dev.portcullis.dataplane.tls.TlsSettings(httpsPort, redirect, tlsMinVersion, tlsCiphers);
  }

  @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "9901",
      description = "Port of the admin listener: /healthz, /readyz, /metrics, /config, /status, /endpoints, "
          + "/logging (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address of the HTTP listener (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 serves "
          + "the network).")
  String bind;

  @Option(names = "--admin-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address of the admin listener (default: ${DEFAULT-VALUE}; it stays private unless you say otherwise).")
  String adminBind;

  @Option(names = "--route-port", paramLabel = "PORT", defaultValue = "0",
      description = "Loopback port of the internal route server (default: any free port). It always binds "
          + "127.0.0.1 and requires a token generated at start.")
  int routePort;

  @Option(names = "--drain-period", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "0s",
      description = "On SIGTERM or Ctrl-C: how long to keep serving with /readyz failing and Connection: close on "
          + "every HTTP/1.1 response before the listener closes (default: ${DEFAULT-VALUE}).")
  Duration drainPeriod;

  @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
      description = "Then: how long requests in flight get to finish (default: ${DEFAULT-VALUE}).")
  Duration drainTimeout;

  @Option(names = "--cache-memory", paramLabel = "BYTES", converter = ByteSizeConverter.class, defaultValue = "256Mi",
      description = "Memory budget of the HTTP cache of routes that enable caching (default: ${DEFAULT-VALUE}; "
          + "suffixes Ki, Mi, Gi).")
  long cacheMemory;

  @Option(names = "--admin-token-file", paramLabel = "FILE",
      description = "A file holding the token that the admin port's POST /cache/purge requires (as "
          + "Authorization: Bearer). Without it, purging is off.")
  java.nio.file.Path adminTokenFile;

  String adminToken() {
    if (adminTokenFile == null) {
      return null;
    }
    try {
      return java.nio.file.Files.readString(adminTokenFile).trim();
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read --admin-token-file " + adminTokenFile + ": " + e.getMessage());
    }
  }

  @Option(names = "--event-loops", paramLabel = "N", defaultValue = "0",
      description = "Data-plane event loops (default: one per CPU core).")
  int eventLoops;

  @picocli.CommandLine.Mixin
  dev.portcullis.dataplane.cli.ListenerFlags listener = new dev.portcullis.dataplane.cli.ListenerFlags();

  @picocli.CommandLine.Mixin
  dev.portcullis.dataplane.cli.ObservabilityFlags observability = new dev.portcullis.dataplane.cli.ObservabilityFlags();
}
