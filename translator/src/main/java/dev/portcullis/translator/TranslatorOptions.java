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
 */
public record TranslatorOptions(String controllerName, String ingressClassName, boolean watchIngressWithoutClass,
    Timeouts routeTimeouts, long connectTimeoutMs, ObjectKey defaultCertificate) {

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
        defaultCertificate);
  }

  public TranslatorOptions withIngressClassName(String value) {
    return new TranslatorOptions(controllerName, value, watchIngressWithoutClass, routeTimeouts, connectTimeoutMs,
        defaultCertificate);
  }

  public TranslatorOptions withDefaultCertificate(ObjectKey secret) {
    return new TranslatorOptions(controllerName, ingressClassName, watchIngressWithoutClass, routeTimeouts,
        connectTimeoutMs, secret);
  }
}
