package dev.portcullis.translator.ingress;

import dev.portcullis.translator.ClusterSnapshot;
import dev.portcullis.translator.ObjectReport;
import dev.portcullis.translator.TranslatorOptions;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides which Ingresses are ours.
 *
 * <ol>
 *   <li>{@code spec.ingressClassName}: ours if it names an IngressClass whose {@code spec.controller}
 *       is ours, or, when no IngressClass of that name exists, if it equals our class name.</li>
 *   <li>the legacy {@code kubernetes.io/ingress.class} annotation: the same test on its value.</li>
 *   <li>neither: ours if one of the IngressClasses marked
 *       {@code ingressclass.kubernetes.io/is-default-class: "true"} is ours; when no class is the
 *       default, ours only with {@code watchIngressWithoutClass}.</li>
 * </ol>
 */
public final class IngressClassifier {

  public static final String CLASS_ANNOTATION = "kubernetes.io/ingress.class";
  public static final String DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

  private final ClusterSnapshot snapshot;
  private final TranslatorOptions options;
  private final List<IngressClass> defaults;

  public IngressClassifier(ClusterSnapshot snapshot, TranslatorOptions options) {
    this.snapshot = snapshot;
    this.options = options;
    this.defaults = snapshot.ingressClasses().stream().filter(IngressClassifier::isDefault).toList();
  }

  private static boolean isDefault(IngressClass c) {
    Map<String, String> a = c.getMetadata().getAnnotations();
    return a != null && "true".equals(a.get(DEFAULT_CLASS_ANNOTATION));
  }

  /**
   * Ours by controller; in the ingress-nginx compatibility mode ingress-nginx's too (a class's
   * controller is immutable: users keep their IngressClass as it is).
   */
  private boolean isOurs(IngressClass c) {
    if (c.getSpec() == null) {
      return false;
    }
    String controller = c.getSpec().getController();
    return options.controllerName().equals(controller)
        || (options.ingressNginx() != null && TranslatorOptions.INGRESS_NGINX_CONTROLLER.equals(controller));
  }

  /** Ours by name alone (no IngressClass object of that name exists). */
  private boolean isOurName(String name) {
    return name.equals(options.ingressClassName())
        || (options.ingressNginx() != null && name.equals(options.ingressNginx().className()));
  }

  /** True if the Ingress is ours; otherwise marks the report ignored, saying why. */
  public boolean classify(Ingress ingress, ObjectReport report) {
    String className = ingress.getSpec() == null ? null : ingress.getSpec().getIngressClassName();
    Map<String, String> annotations = ingress.getMetadata().getAnnotations();
    String annotation = annotations == null ? null : annotations.get(CLASS_ANNOTATION);

    if (className != null && !className.isEmpty()) {
      if (annotation != null) {
        report.warning("metadata.annotations", "ConflictingClass", "both spec.ingressClassName and the "
            + CLASS_ANNOTATION + " annotation are set; spec.ingressClassName \"" + className + "\" is used");
      }
      return byName(className, "spec.ingressClassName", "spec.ingressClassName", report);
    }
    if (annotation != null && !annotation.isEmpty()) {
      boolean ours = byName(annotation, "annotation " + CLASS_ANNOTATION, "metadata.annotations", report);
      if (ours) {
        report.warning("metadata.annotations", "DeprecatedAnnotation", "the " + CLASS_ANNOTATION
            + " annotation is deprecated; set spec.ingressClassName: " + annotation + " instead");
      }
      return ours;
    }
    if (!defaults.isEmpty()) {
      Optional<IngressClass> ours = defaults.stream().filter(this::isOurs).findFirst();
      if (ours.isPresent()) {
        return true;
      }
      report.ignore("spec.ingressClassName", "NotOurClass", "no ingress class is set and the default IngressClass "
          + defaults.get(0).getMetadata().getName() + " belongs to another controller");
      return false;
    }
    if (options.watchIngressWithoutClass()) {
      return true;
    }
    report.ignore("spec.ingressClassName", "NoClass", "no ingress class is set and no IngressClass is the default; set spec.ingressClassName: "
        + options.ingressClassName());
    return false;
  }

  /**
   * Whether a ProxyRoute is ours: one that names a class is judged like an Ingress; one that names
   * none is ours (no other controller reads ProxyRoutes; installations sharing a cluster set a class).
   */
  public boolean classifyProxyRoute(String className, ObjectReport report) {
    if (className == null || className.isEmpty()) {
      return true;
    }
    return byName(className, "spec.ingressClassName", "spec.ingressClassName", report);
  }

  private boolean byName(String name, String where, String field, ObjectReport report) {
    Optional<IngressClass> c = snapshot.ingressClass(name);
    if (c.isPresent()) {
      if (isOurs(c.get())) {
        return true;
      }
      String controller = c.get().getSpec() == null ? null : c.get().getSpec().getController();
      report.ignore(field, "NotOurClass", where + " names IngressClass " + name + " of controller " + controller);
      return false;
    }
    if (isOurName(name)) {
      return true;
    }
    report.ignore(field, "NotOurClass", where + " names \"" + name + "\", which is neither an IngressClass of "
        + options.controllerName() + " nor this controller's class name \"" + options.ingressClassName() + "\"");
    return false;
  }
}
