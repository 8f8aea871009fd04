package dev.portcullis.operator.pki;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trust behind the push stream, kept in two Secrets of the operator's namespace.
 *
 * <ul>
 *   <li>The CA Secret ({@code tls.crt}, {@code tls.key}): created on first start when absent, or
 *       provided by the user (for instance by cert-manager). Only the operator reads it.</li>
 *   <li>The data-plane Secret ({@code tls.crt}, {@code tls.key}, {@code ca.crt}): a client
 *       certificate signed by the CA, which data-plane pods mount; renewed when a third of its life
 *       remains, and the data planes pick the new one up at their next reconnection.</li>
 * </ul>
 * Each operator replica issues itself a server certificate for the route server's DNS names, kept
 * in memory only and renewed the same way.
 */
public final class RoutePki {

  private static final Logger LOG = LoggerFactory.getLogger(RoutePki.class);
  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration CLIENT_VALIDITY = Duration.ofDays(365);
  static final Duration SERVER_VALIDITY = Duration.ofDays(90);
  static final double RENEW_WHEN_LEFT = 1.0 / 3;
  public static final String CA_FILE = "ca.crt";
  public static final String CERT_FILE = "tls.crt";
  public static final String KEY_FILE = "tls.key";

  /**
   * @param namespace    the operator's namespace
   * @param caSecret     the CA Secret's name
   * @param clientSecret the data planes' client certificate Secret's name
   * @param dnsNames     the route server's DNS names (its Service's), for its certificate
   * @param ipAddresses  the route server's IP addresses, for its certificate
   */
  public record Settings(String namespace, String caSecret, String clientSecret, List<String> dnsNames,
      List<String> ipAddresses) {}

  private final KubernetesClient client;
  private final Settings settings;
  private final Clock clock;
  private CertificateAuthority ca;
  private CertificateAuthority.Issued server;
  private TlsContexts.Rotating context;

  public RoutePki(KubernetesClient client, Settings settings, Clock clock) {
    this.client = client;
    this.settings = settings;
    this.clock = clock;
  }

  /** Loads or creates the CA, issues this replica's server certificate, and makes sure the client Secret exists. */
  public synchronized RoutePki start() throws IOException, GeneralSecurityException {
    ca = loadOrCreateCa();
    server = ca.issueServer("portcullis-route-server", settings.dnsNames(), settings.ipAddresses(), SERVER_VALIDITY);
    context = new TlsContexts.Rotating(server, ca.certificate());
    ensureClientSecret(false);
    return this;
  }

  /** The route server's TLS context; its identity rotates in place. */
  public synchronized javax.net.ssl.SSLContext sslContext() {
    return context.context();
  }

  public synchronized X509Certificate caCertificate() {
    return ca.certificate();
  }

  /**
   * Renews what is due: this replica's server certificate, and (when {@code leader}) the data
   * planes' client certificate. Run it periodically.
   */
  public synchronized void renew(boolean leader) throws GeneralSecurityException {
    if (server.expiresSoon(clock, RENEW_WHEN_LEFT)) {
      server = ca.issueServer("portcullis-route-server", settings.dnsNames(), settings.ipAddresses(), SERVER_VALIDITY);
      context.update(server, ca.certificate());
      LOG.info("renewed the route server certificate (valid until {})", server.certificate().getNotAfter());
    }
    if (leader) {
      ensureClientSecret(true);
    }
  }

  private CertificateAuthority loadOrCreateCa() throws IOException, GeneralSecurityException {
    for (int attempt = 0; attempt < 3; attempt++) {
      Secret existing = client.secrets().inNamespace(settings.namespace()).withName(settings.caSecret()).get();
      if (existing != null) {
        String cert = decode(existing, CERT_FILE);
        String key = decode(existing, KEY_FILE);
        if (cert == null || key == null) {
          throw new GeneralSecurityException("Secret " + settings.namespace() + "/" + settings.caSecret()
              + " must hold tls.crt and tls.key of a CA that may sign certificates");
        }
        return CertificateAuthority.load(cert, key, clock);
      }
      CertificateAuthority fresh = CertificateAuthority.generate("portcullis-route-ca", CA_VALIDITY, clock);
      Secret secret = new SecretBuilder().withNewMetadata().withName(settings.caSecret())
          .withNamespace(settings.namespace()).addToLabels("app.kubernetes.io/part-of", "portcullis")
          .addToLabels("app.kubernetes.io/component", "route-ca").endMetadata()
          .withType("Opaque")
          .addToData(CERT_FILE, encode(fresh.ca().certificatePem()))
          .addToData(KEY_FILE, encode(fresh.ca().keyPem()))
          .build();
      try {
        client.secrets().inNamespace(settings.namespace()).resource(secret).create();
        LOG.info("created the route CA in Secret {}/{}", settings.namespace(), settings.caSecret());
        return fresh;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // Another replica created it first: read theirs.
      }
    }
    throw new GeneralSecurityException("could not create or read the route CA Secret");
  }

  /** Creates the client Secret when missing, and (when {@code renewIfDue}) replaces it when due or signed by another CA. */
  private void ensureClientSecret(boolean renewIfDue) throws GeneralSecurityException {
    Secret existing = client.secrets().inNamespace(settings.namespace()).withName(settings.clientSecret()).get();
    if (existing != null) {
      if (!renewIfDue || !due(existing)) {
        return;
      }
    }
    CertificateAuthority.Issued issued = ca.issueClient("portcullis-data-plane", CLIENT_VALIDITY);
    Secret secret = new SecretBuilder().withNewMetadata().withName(settings.clientSecret())
        .withNamespace(settings.namespace()).addToLabels("app.kubernetes.io/part-of", "portcullis")
        .addToLabels("app.kubernetes.io/component", "data-plane-client-tls").endMetadata()
        .withType("kubernetes.io/tls")
        .addToData(CERT_FILE, encode(issued.certificatePem()))
        .addToData(KEY_FILE, encode(issued.keyPem()))
        .addToData(CA_FILE, encode(Pem.encode(ca.certificate())))
        .build();
    try {
      if (existing == null) {
        client.secrets().inNamespace(settings.namespace()).resource(secret).create();
        LOG.info("created the data planes' client certificate in Secret {}/{}", settings.namespace(),
            settings.clientSecret());
      } else {
        secret.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        client.secrets().inNamespace(settings.namespace()).resource(secret).update();
        LOG.info("renewed the data planes' client certificate in Secret {}/{}", settings.namespace(),
            settings.clientSecret());
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Written concurrently by another replica: theirs is as good.
    }
  }

  private boolean due(Secret secret) {
    try {
      String pem = decode(secret, CERT_FILE);
      if (pem == null) {
        return true;
      }
      X509Certificate cert = Pem.certificates(pem).get(0);
      cert.verify(ca.certificate().getPublicKey());
      return new CertificateAuthority.Issued(cert, null).expiresSoon(clock, RENEW_WHEN_LEFT);
    } catch (IOException | GeneralSecurityException e) {
      return true; // unreadable, or signed by another CA
    }
  }

  private static String decode(Secret secret, String key) {
    Map<String, String> data = secret.getData();
    String v = data == null ? null : data.get(key);
    return v == null ? null : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
  }

  private static String encode(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
