package dev.portcullis.translator;

import dev.portcullis.model.Certificate;
import dev.portcullis.model.Credential;
import dev.portcullis.model.RouteTable;
import dev.portcullis.translator.backend.BackendResolver;
import dev.portcullis.translator.status.StatusReport;
import dev.portcullis.translator.status.Problem;
import java.util.List;
import java.util.Map;

/**
/**
 * The route table to serve, what happened to every object on the way there, how each cluster was
 * resolved (so that an endpoint-only change can refresh clusters without a full translation), and
 * the secret material that travels beside the table: certificates, and the credentials routes
 * authenticate with. {@code settingsProblems} are those of the translator's own settings (a
 * default certificate Secret that cannot be used), which belong to no object.
 */
public record TranslationResult(RouteTable table, StatusReport status, Map<String, BackendResolver.Resolution> resolutions,
    @com.fasterxml.jackson.annotation.JsonIgnore Map<String, Certificate> certificates,
    @com.fasterxml.jackson.annotation.JsonIgnore Map<String, Credential> credentials, List<Problem> settingsProblems) {

  public TranslationResult {
    resolutions = Map.copyOf(resolutions);
    certificates = Map.copyOf(certificates);
    credentials = Map.copyOf(credentials);
    settingsProblems = List.copyOf(settingsProblems);
  }

  public TranslationResult(RouteTable table, StatusReport status, Map<String, BackendResolver.Resolution> resolutions,
      Map<String, Certificate> certificates) {
    this(table, status, resolutions, certificates, Map.of(), List.of());
  }

  public TranslationResult(RouteTable table, StatusReport status) {
    this(table, status, Map.of(), Map.of(), Map.of(), List.of());
  }

  /** Never prints key material or credentials. */
  @Override
  public String toString() {
    return "TranslationResult[" + table.virtualHosts().size() + " hosts, " + certificates.size() + " certificates, "
        + credentials.size() + " credentials]";
  }
}
