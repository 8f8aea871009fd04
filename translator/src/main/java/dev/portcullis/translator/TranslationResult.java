package dev.portcullis.translator;

import dev.portcullis.model.Certificate;
import dev.portcullis.model.Credential;
import dev.portcullis.model.RouteTable;
import dev.portcullis.model.util.BucketMap;
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
    resolutions = unchanging(resolutions);
    certificates = unchanging(certificates);
    credentials = unchanging(credentials);
    settingsProblems = List.copyOf(settingsProblems);
  }

  public TranslationResult(RouteTable table, StatusReport status, Map<String, BackendResolver.Resolution> resolutions,
      Map<String, Certificate> certificates) {
    this(table, status, resolutions, certificates, Map.of(), List.of());
  }

  public TranslationResult(RouteTable table, StatusReport status) {
    this(table, status, Map.of(), Map.of(), Map.of(), List.of());
  }

  /**
   * The map as it is if it cannot change (a frozen {@link BucketMap}, which a later result can
   * edit without copying 10,000 entries), else an immutable copy.
   */
  private static <K, V> Map<K, V> unchanging(Map<K, V> map) {
    return map instanceof BucketMap<K, V> b && b.isFrozen() ? map : Map.copyOf(map);
  }

  /** Never prints key material or credentials. */
  @Override
  public String toString() {
    return "TranslationResult[" + table.virtualHosts().size() + " hosts, " + certificates.size() + " certificates, "
        + credentials.size() + " credentials]";
  }
}
