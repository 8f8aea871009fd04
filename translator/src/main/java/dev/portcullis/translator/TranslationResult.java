package dev.portcullis.translator;

import dev.portcullis.model.Certificate;

import dev.portcullis.model.RouteTable;
import dev.portcullis.translator.backend.BackendResolver;
import dev.portcullis.translator.status.StatusReport;
import dev.portcullis.translator.status.Problem;
import java.util.List;
import java.util.Map;

/**
 * The route table to serve, what happened to every object on the way there, and how each cluster
 * was resolved (so that an endpoint-only change can refresh clusters without a full translation).
 * {@code settingsProblems} are those of the translator's own settings (a default certificate
 * Secret that cannot be used), which belong to no object.
 */
public record TranslationResult(RouteTable table, StatusReport status, Map<String, BackendResolver.Resolution> resolutions,
    Map<String, Certificate> certificates, List<Problem> settingsProblems) {

  public TranslationResult {
    resolutions = Map.copyOf(resolutions);
    certificates = Map.copyOf(certificates);
    settingsProblems = List.copyOf(settingsProblems);
  }

  public TranslationResult(RouteTable table, StatusReport status, Map<String, BackendResolver.Resolution> resolutions,
      Map<String, Certificate> certificates) {
    this(table, status, resolutions, certificates, List.of());
  }

  public TranslationResult(RouteTable table, StatusReport status) {
    this(table, status, Map.of(), Map.of(), List.of());
  }

  /** Never prints key material. */
  @Override
  public String toString() {
    return "TranslationResult[" + table.virtualHosts().size() + " hosts, " + certificates.size() + " certificates]";
  }
}
