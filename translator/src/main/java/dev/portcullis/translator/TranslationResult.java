package dev.portcullis.translator;

import dev.portcullis.model.Certificate;
import dev.portcullis.model.Credential;
import dev.portcullis.model.RouteTable;
import dev.portcullis.translator.backend.BackendResolver;
import dev.portcullis.translator.status.StatusReport;
import java.util.Map;

/**
 * The route table to serve, what happened to every object on the way there, how each cluster was
 * resolved (so that an endpoint-only change can refresh clusters without a full translation), and
 * the secret material that travels beside the table: certificates, and the credentials routes
 * authenticate with.
 */
public record TranslationResult(RouteTable table, StatusReport status, Map<String, BackendResolver.Resolution> resolutions,
    Map<String, Certificate> certificates, Map<String, Credential> credentials) {

  public TranslationResult {
    resolutions = Map.copyOf(resolutions);
    certificates = Map.copyOf(certificates);
    credentials = Map.copyOf(credentials);
  }

  public TranslationResult(RouteTable table, StatusReport status, Map<String, BackendResolver.Resolution> resolutions,
      Map<String, Certificate> certificates) {
    this(table, status, resolutions, certificates, Map.of());
  }

  public TranslationResult(RouteTable table, StatusReport status) {
    this(table, status, Map.of(), Map.of(), Map.of());
  }

  /** Never prints key material or credentials. */
  @Override
  public String toString() {
    return "TranslationResult[" + table.virtualHosts().size() + " hosts, " + certificates.size() + " certificates, "
        + credentials.size() + " credentials]";
  }
}
