package dev.portcullis.operator.cli;

import dev.portcullis.model.Cluster;
import dev.portcullis.model.Timeouts;
import dev.portcullis.translator.ObjectKey;
import dev.portcullis.translator.TranslatorOptions;
import picocli.CommandLine.Option;

/** The translator's settings as command-line flags, shared by every command that translates. */
public final class TranslatorFlags {

  @Option(names = "--ingress-class", paramLabel = "NAME", defaultValue = "${env:PORTCULLIS_INGRESS_CLASS:-portcullis}",
      description = "The ingress class this controller answers to by name, also when no IngressClass object of "
          + "that name exists (default: ${DEFAULT-VALUE}). IngressClasses whose spec.controller is "
          + TranslatorOptions.CONTROLLER_NAME + " are always served.")
  String ingressClass;

  @Option(names = "--watch-ingress-without-class", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      defaultValue = "${env:PORTCULLIS_WATCH_INGRESS_WITHOUT_CLASS}",
      description = "Also serve Ingresses that name no class, when no IngressClass is marked default "
          + "(default: false for translate and operator, true for local and demo; env "
          + "PORTCULLIS_WATCH_INGRESS_WITHOUT_CLASS).")
  Boolean watchWithoutClass;

  @Option(names = "--upstream-connect-timeout", paramLabel = "MS",
      defaultValue = "${env:PORTCULLIS_UPSTREAM_CONNECT_TIMEOUT:-5000}",
      description = "TCP connect timeout to upstream endpoints, in milliseconds (default: ${DEFAULT-VALUE}; env "
          + "PORTCULLIS_UPSTREAM_CONNECT_TIMEOUT).")
  long connectTimeoutMs = Cluster.DEFAULT_CONNECT_TIMEOUT_MS;

  @Option(names = "--default-certificate", paramLabel = "NAMESPACE/NAME",
      defaultValue = "${env:PORTCULLIS_DEFAULT_CERTIFICATE}",
      description = "A kubernetes.io/tls Secret served to TLS clients that name no host with a certificate of its "
          + "own, as ingress-nginx's --default-ssl-certificate (default: a self-signed one made at start; env "
          + "PORTCULLIS_DEFAULT_CERTIFICATE).")
  String defaultCertificate;

  @Option(names = "--upstream-response-timeout", paramLabel = "MS",
      defaultValue = "${env:PORTCULLIS_UPSTREAM_RESPONSE_TIMEOUT:-60000}",
      description = "How long to wait for an upstream's response headers, and the longest silence while a body "
          + "streams, in milliseconds; 0 disables (default: ${DEFAULT-VALUE}; env PORTCULLIS_UPSTREAM_RESPONSE_TIMEOUT). "
          + "Expiry answers 504.")
  long responseTimeoutMs = Timeouts.DEFAULT.backendRequestMs();

  @Option(names = "--ingress-nginx-compat", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      defaultValue = "${env:PORTCULLIS_INGRESS_NGINX_COMPAT:-false}",
      description = "Drop-in for ingress-nginx: also serve the Ingresses ingress-nginx would serve (class "
          + "--ingress-nginx-class, or an IngressClass of controller " + TranslatorOptions.INGRESS_NGINX_CONTROLLER
          + ") and read the nginx.ingress.kubernetes.io/* annotations of every Ingress served. Snippets and "
          + "annotations Portcullis does not implement are refused, never half-applied: see "
          + "docs/ingress-nginx-migration.md (default: ${DEFAULT-VALUE}; env PORTCULLIS_INGRESS_NGINX_COMPAT).")
  boolean ingressNginxCompat;

  @Option(names = "--ingress-nginx-class", paramLabel = "NAME",
      defaultValue = "${env:PORTCULLIS_INGRESS_NGINX_CLASS:-" + TranslatorOptions.IngressNginx.DEFAULT_CLASS + "}",
      description = "With --ingress-nginx-compat: the class name ingress-nginx answered to (default: "
          + "${DEFAULT-VALUE}; env PORTCULLIS_INGRESS_NGINX_CLASS).")
  String ingressNginxClass = TranslatorOptions.IngressNginx.DEFAULT_CLASS;

  @Option(names = "--ingress-nginx-serve-refused", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      defaultValue = "${env:PORTCULLIS_INGRESS_NGINX_SERVE_REFUSED:-false}",
      description = "With --ingress-nginx-compat: serve an Ingress whose snippet or unsupported annotation is "
          + "refused, without that annotation (the refusal is still reported). Default ${DEFAULT-VALUE}: such an "
          + "Ingress is not served, so that nothing silently behaves differently than it did under ingress-nginx.")
  boolean ingressNginxServeRefused;

  /** The options, with {@code watchWithoutClassDefault} when the flag is not given. */
  public TranslatorOptions options(boolean watchWithoutClassDefault) {
    boolean watch = watchWithoutClass == null ? watchWithoutClassDefault : watchWithoutClass;
    return new TranslatorOptions(TranslatorOptions.CONTROLLER_NAME, ingressClass, watch,
        new Timeouts(0, responseTimeoutMs, responseTimeoutMs), connectTimeoutMs, defaultCertificate(),
        ingressNginxCompat ? new TranslatorOptions.IngressNginx(ingressNginxClass, ingressNginxServeRefused) : null);
  }

  private ObjectKey defaultCertificate() {
    if (defaultCertificate == null || defaultCertificate.isBlank()) {
      return null;
    }
    String[] parts = defaultCertificate.trim().split("/", -1);
    if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException("--default-certificate must be NAMESPACE/NAME, was " + defaultCertificate);
    }
    return new ObjectKey(parts[0], parts[1]);
  }
}
