package dev.portcullis.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A route for everything Ingress cannot say: matches on path, headers, query and method, weighted
 * backends, header changes, rewrites, redirects, CORS, timeouts, and Portcullis' policies.
 * Modelled on the Gateway API's HTTPRoute.
 */
@Group("portcullis.dev")
@Version("v1alpha1")
@ShortNames("pr")
@JsonClassDescription("ProxyRoute routes HTTP requests for a set of hostnames to Services, with the matching, "
    + "traffic splitting, filters and policies that Ingress cannot express. Modelled on the Gateway API HTTPRoute.")
@AdditionalPrinterColumn(name = "Hosts", jsonPath = ".spec.hostnames", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Programmed", jsonPath = ".status.conditions[?(@.type==\"Programmed\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class ProxyRoute extends CustomResource<ProxyRouteSpec, ProxyRouteStatus> implements Namespaced {
  private static final long serialVersionUID = 1L;

  public static final String API_VERSION = "portcullis.dev/v1alpha1";
  public static final String KIND = "ProxyRoute";

  @Override
  @JsonPropertyDescription("What the route asks for: hostnames, TLS, and rules.")
  @io.fabric8.generator.annotation.Required
  public ProxyRouteSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("What the controller made of the route: Accepted, ResolvedRefs and Programmed conditions.")
  public ProxyRouteStatus getStatus() {
    return super.getStatus();
  }
}
