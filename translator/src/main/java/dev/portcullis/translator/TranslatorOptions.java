package dev.portcullis.translator;

import dev.portcullis.model.Cluster;
import dev.portcullis.model.Timeouts;

/**
 * The translator's settings: which Ingresses are ours, and the defaults Ingress cannot express.
 *
 * @param controllerName           the {@code spec.controller} of IngressClasses we serve
 * @param ingressClassName         the class name we answer to even when no IngressClass object of that
 *                                 name exists (and in the legacy {@code kubernetes.io/ingress.class} annotation)
 * @param watchIngressWithoutClass also serve Ingresses that name no class when no default IngressClass exists
 * @param routeTimeouts            time limits for routes made from Ingresses
 * @param connectTimeoutMs         TCP connect timeout for upstream clusters
 * @param defaultCertificate       the {@code kubernetes.io/tls} Secret served to TLS clients that name no host with a
 *                                 certificate of its own, or null (the data plane's self-signed one)
 * @param ingressNginx             the ingress-nginx compatibility mode, or null when it is off
 */
public record TranslatorOptions(String controllerName, String ingressClassName, boolean watchIngressWithoutClass,
    Timeouts routeTimeouts, long connectTimeoutMs, ObjectKey defaultCertificate, IngressNginx ingressNginx) {

  /** ingress-nginx's own controller name, in the {@code spec.controller} of its IngressClasses. */
  public static final String INGRESS_NGINX_CONTROLLER = "k8s.io/ingress-nginx";

  /**
   * The ingress-nginx compatibility mode: Ingresses of {@code className}, or of an IngressClass of
   * controller {@value #INGRESS_NGINX_CONTROLLER}, are served too, and the
   * {@code nginx.ingress.kubernetes.io/*} annotations of every Ingress served are read.
   *
   * @param className    ingress-nginx's class name ({@code nginx} by default)
   * @param serveRefused true: an Ingress with an annotation that is refused (a snippet, an unknown
   *                     one) is served without it; false (the default): it is not served at all
   */
  public record IngressNginx(String className, boolean serveRefused) {
    public static final String DEFAULT_CLASS = "nginx";

    public IngressNginx {
      if (className == null || className.isBlank()) {
        throw new IllegalArgumentException("the ingress-nginx class name is required");
      }
    }
  }

  public TranslatorOptions(String controllerName, String ingressClassName, boolean watchIngressWithoutClass,
      Timeouts routeTimeouts, long connectTimeoutMs, ObjectKey defaultCertificate) {
    this(controllerName, ingressClassName, watchIngressWithoutClass, routeTimeouts, connectTimeoutMs,
        defaultCertificate, null);
  }

  public TranslatorOptions(String controllerName, String ingressClassName, boolean watchIngressWithoutClass,
      Timeouts routeTimeouts, long connectTimeoutMs) {
    this(controllerName, ingressClassName, watchIngressWithoutClass, routeTimeouts, connectTimeoutMs, null);
  }

  public static final String CONTROLLER_NAME = "portcullis.dev/ingress-controller";
  public static final String CLASS_NAME = "portcullis";

  public static final TranslatorOptions DEFAULT =
      new TranslatorOptions(CONTROLLER_NAME, CLASS_NAME, false, Timeouts.DEFAULT, Cluster.DEFAULT_CONNECT_TIMEOUT_MS);

  public TranslatorOptions {
    if (controllerName == null || controllerName.isBlank()) {
      throw new IllegalArgumentException("controllerName is required");
    }
    if (ingressClassName == null || ingressClassName.isBlank()) {
      throw new IllegalArgumentException("ingressClassName is required");
    }
    routeTimeouts = routeTimeouts == null ? Timeouts.DEFAULT : routeTimeouts;
    if (connectTimeoutMs <= 0) {
      throw new IllegalArgumentException("connectTimeoutMs must be positive");
    }
  }

  public TranslatorOptions withWatchIngressWithoutClass(boolean value) {
    return new TranslatorOptions(controllerName, ingressClassName, value, routeTimeouts, connectTimeoutMs,
        defaultCertificate, ingressNginx);
  }

  public TranslatorOptions withIngressClassName(String value) {
    return new TranslatorOptions(controllerName, value, watchIngressWithoutClass, routeTimeouts, connectTimeoutMs,
        defaultCertificate, ingressNginx);
  }

  public TranslatorOptions withDefaultCertificate(ObjectKey secret) {
    return new TranslatorOptions(controllerName, ingressClassName, watchIngressWithoutClass, routeTimeouts,
        connectTimeoutMs, secret, ingressNginx);
  }

  /** The same options with the ingress-nginx compatibility mode (null: off). */
  public TranslatorOptions withIngressNginx(IngressNginx value) {
    return new TranslatorOptions(controllerName, ingressClassName, watchIngressWithoutClass, routeTimeouts,
        connectTimeoutMs, defaultCertificate, value);
  }
}
