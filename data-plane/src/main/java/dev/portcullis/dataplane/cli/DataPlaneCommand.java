package dev.portcullis.dataplane.cli;

import dev.portcullis.dataplane.DataPlane;
import dev.portcullis.dataplane.DataPlaneConfig;
import dev.portcullis.dataplane.tls.TlsSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import java.time.Duration;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code portcullis data-plane}: the proxy alone, following a route server. */
@Command(name = "data-plane", header = "Run the data plane, following a route server.",
    mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Run the data plane: the reverse proxy, configured by a route server that pushes route tables to it.",
        "",
        "Every flag can also be set through the environment variable named in its description. The route server "
            + "authenticates data planes by client certificate (https, mutual TLS) or by token; the token is read "
            + "from --token-file or from PORTCULLIS_ROUTE_TOKEN, never from the command line, where other users "
            + "of the machine could read it."})
public final class DataPlaneCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--route-server", paramLabel = "URL", defaultValue = "${env:PORTCULLIS_ROUTE_SERVER}",
      description = "The route server to follow, e.g. http://portcullis-operator:18000 (env PORTCULLIS_ROUTE_SERVER).")
  URI routeServer;

  @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:PORTCULLIS_ROUTE_TOKEN_FILE}",
      description = "File holding the route server's token (env PORTCULLIS_ROUTE_TOKEN_FILE; or put the token "
          + "itself in PORTCULLIS_ROUTE_TOKEN).")
  Path tokenFile;

  @Option(names = "--route-ca-file", paramLabel = "FILE", defaultValue = "${env:PORTCULLIS_ROUTE_CA_FILE}",
      description = "PEM file of the CA that signed an https route server's certificate "
          + "(env PORTCULLIS_ROUTE_CA_FILE).")
  Path routeCaFile;

  @Option(names = "--route-cert-file", paramLabel = "FILE", defaultValue = "${env:PORTCULLIS_ROUTE_CERT_FILE}",
      description = "PEM file of this data plane's client certificate for an https route server "
          + "(env PORTCULLIS_ROUTE_CERT_FILE). Re-read at every reconnection.")
  Path routeCertFile;

  @Option(names = "--route-key-file", paramLabel = "FILE", defaultValue = "${env:PORTCULLIS_ROUTE_KEY_FILE}",
      description = "PEM file of the client certificate's private key (env PORTCULLIS_ROUTE_KEY_FILE).")
  Path routeKeyFile;

  @Option(names = "--node-id", paramLabel = "ID", defaultValue = "${env:PORTCULLIS_NODE_ID:-${env:HOSTNAME}}",
      description = "This data plane's name in the push protocol (default: the host name; env PORTCULLIS_NODE_ID).")
  String nodeId;

  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "${env:PORTCULLIS_BIND:-0.0.0.0}",
      description = "Address of the public HTTP listener (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "${env:PORTCULLIS_HTTP_PORT:-8080}",
      description = "Port of the public HTTP listener (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--https-port", paramLabel = "PORT", defaultValue = "${env:PORTCULLIS_HTTPS_PORT:-8443}",
      description = "Port of the public HTTPS listener (default: ${DEFAULT-VALUE}; -1: none). Certificates come "
          + "with the route tables; names without one get the default certificate.")
  int httpsPort;

  @Option(names = "--https-redirect-port", paramLabel = "PORT",
      defaultValue = "${env:PORTCULLIS_HTTPS_REDIRECT_PORT:-443}",
      description = "The port in redirects from HTTP to HTTPS, as clients reach it through the Service "
          + "(default: ${DEFAULT-VALUE}).")
  int httpsRedirectPort;

  @Option(names = "--tls-min-version", paramLabel = "VERSION", defaultValue = "${env:PORTCULLIS_TLS_MIN_VERSION:-1.2}",
      description = "Oldest TLS version accepted: 1.2 or 1.3 (default: ${DEFAULT-VALUE}).")
  String tlsMinVersion;

  @Option(names = "--tls-ciphers", paramLabel = "SUITE", split = ",", defaultValue = "${env:PORTCULLIS_TLS_CIPHERS}",
      description = "TLS 1.2 cipher suites to offer, in order, comma-separated (JSSE names; default: ECDHE with "
          + "AES-GCM or ChaCha20-Poly1305 only). TLS 1.3 suites are always offered.")
  java.util.List<String> tlsCiphers;

  @Option(names = "--admin-bind", paramLabel = "ADDRESS", defaultValue = "${env:PORTCULLIS_ADMIN_BIND:-127.0.0.1}",
      description = "Address of the admin port (/healthz, /readyz, /config_dump); keep it private "
          + "(default: ${DEFAULT-VALUE}).")
  String adminBind;

  @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "${env:PORTCULLIS_ADMIN_PORT:-9901}",
      description = "The admin port (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(names = "--event-loops", paramLabel = "N", defaultValue = "${env:PORTCULLIS_EVENT_LOOPS:-0}",
      description = "Event loops, one proxy instance each (default: one per CPU core).")
  int eventLoops;

  @Option(names = "--drain-period", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:PORTCULLIS_DRAIN_PERIOD:-5s}",
      description = "On SIGTERM: how long to keep serving with /readyz failing and Connection: close on every "
          + "HTTP/1.1 response, while load balancers stop sending here (default: ${DEFAULT-VALUE}).")
  Duration drainPeriod;

  @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "${env:PORTCULLIS_DRAIN_TIMEOUT:-20s}",
      description = "Then: how long requests in flight get to finish after the listener closes (default: "
          + "${DEFAULT-VALUE}). Keep period + timeout under the pod's terminationGracePeriodSeconds.")
  Duration drainTimeout;

  @Option(names = "--cache-memory", paramLabel = "BYTES", converter = ByteSizeConverter.class,
      defaultValue = "${env:PORTCULLIS_CACHE_MEMORY:-256Mi}",
      description = "Memory budget of the HTTP cache (default: ${DEFAULT-VALUE}; suffixes Ki, Mi, Gi). Keep it well "
          + "under the container's memory limit.")
  long cacheMemory;

  @Option(names = "--admin-token-file", paramLabel = "FILE", defaultValue = "${env:PORTCULLIS_ADMIN_TOKEN_FILE}",
      description = "A file holding the token that the admin port's POST /cache/purge requires (as "
          + "Authorization: Bearer). Without it, purging is off.")
  Path adminTokenFile;

  @picocli.CommandLine.Mixin
  ListenerFlags listener = new ListenerFlags();

  @picocli.CommandLine.Mixin
  ObservabilityFlags observability = new ObservabilityFlags();

  @Override
  public Integer call() throws Exception {
    if (routeServer == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--route-server (or PORTCULLIS_ROUTE_SERVER) is required");
    }
    boolean https = "https".equalsIgnoreCase(routeServer.getScheme());
    DataPlaneConfig.RouteTls tls = null;
    if (https || routeCaFile != null) {
      if (routeCaFile == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "an https route server needs --route-ca-file");
      }
      tls = new DataPlaneConfig.RouteTls(routeCaFile, routeCertFile, routeKeyFile);
    }
    String token = readToken(https && routeCertFile != null);
    String node = nodeId == null || nodeId.isBlank() ? InetAddress.getLocalHost().getHostName() : nodeId;
    DataPlaneConfig config;
    try {
      String adminToken = adminTokenFile == null ? null
          : Files.readString(adminTokenFile, StandardCharsets.UTF_8).trim();
      TlsSettings httpsListener = httpsPort < 0 ? TlsSettings.OFF
          : new TlsSettings(httpsPort, httpsRedirectPort, tlsMinVersion, tlsCiphers);
      config = new DataPlaneConfig(bind, httpPort, adminBind, adminPort, eventLoops, routeServer, token, tls, node,
          cacheMemory, adminToken, httpsListener, listener.limits()).withObservability(observability.settings());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    DataPlane dataPlane = DataPlane.start(config);
    awaitShutdown(() -> dataPlane.drain(drainPeriod.toMillis(), drainTimeout.toMillis()));
    return 0;
  }

  private String readToken(boolean optional) throws IOException {
    String token;
    if (tokenFile != null) {
      token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
    } else {
      token = System.getenv("PORTCULLIS_ROUTE_TOKEN");
    }
    if ((token == null || token.isBlank()) && !optional) {
      throw new CommandLine.ParameterException(spec.commandLine(), "the route server needs a token (--token-file FILE "
          + "or PORTCULLIS_ROUTE_TOKEN), or https with a client certificate (--route-cert-file, --route-key-file)");
    }
    return token == null || token.isBlank() ? null : token;
  }

  /** Blocks until the JVM is asked to stop (SIGTERM, SIGINT), then closes what was started, in order. */
  public static void awaitShutdown(AutoCloseable... resources) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (AutoCloseable r : resources) {
        try {
          r.close();
        } catch (Exception e) {
          System.err.println("shutdown: " + e);
        }
      }
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
  }
}
