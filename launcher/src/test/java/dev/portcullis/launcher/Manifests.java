package dev.portcullis.launcher;

/** Manifests for the integration tests: a Service with an EndpointSlice on loopback, and Ingresses. */
final class Manifests {
  private Manifests() {}

  static String backend(String name, int port) {
    return """
        apiVersion: v1
        kind: Service
        metadata:
          name: %1$s
        spec:
          ports:
          - name: http
            port: 80
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %1$s-1
          labels:
            kubernetes.io/service-name: %1$s
        addressType: IPv4
        ports:
        - name: http
          port: %2$d
        endpoints:
        - addresses: ["127.0.0.1"]
        """.formatted(name, port);
  }

  /** An Ingress for {@code host} sending each path (Prefix) to the service after it. */
  static String ingress(String name, String host, String defaultBackend, String... pathThenService) {
    StringBuilder sb = new StringBuilder("""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: %s
        spec:
          ingressClassName: portcullis
        """.formatted(name));
    if (defaultBackend != null) {
      sb.append("  defaultBackend:\n    service:\n      name: ").append(defaultBackend)
          .append("\n      port:\n        number: 80\n");
    }
    sb.append("  rules:\n  - host: ").append(host).append("\n    http:\n      paths:\n");
    for (int i = 0; i < pathThenService.length; i += 2) {
      sb.append("      - path: ").append(pathThenService[i]).append("\n        pathType: Prefix\n")
          .append("        backend:\n          service:\n            name: ").append(pathThenService[i + 1])
          .append("\n            port:\n              number: 80\n");
    }
    return sb.toString();
  }
}
