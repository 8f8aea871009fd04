package dev.portcullis.operator.status;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Status writes as Contour makes them: get the object, change its status, skip if nothing
 * changed, update the status subresource with the object's resourceVersion, and on a conflict
 * start again from a fresh read.
 */
final class StatusWriter {
  private StatusWriter() {}

  static final int ATTEMPTS = 5;

  /**
   * @param client    for the write
   * @param resource  the object's handle
   * @param upToDate  true when the fresh object's status already says what we would write
   * @param change    sets the desired status on the fresh object
   * @return true if a write was made
   */
  static <T extends HasMetadata> boolean update(KubernetesClient client, Resource<T> resource, Predicate<T> upToDate,
      UnaryOperator<T> change) {
    for (int attempt = 1; ; attempt++) {
      T fresh = resource.get();
      if (fresh == null || upToDate.test(fresh)) {
        return false;
      }
      try {
        client.resource(change.apply(fresh)).updateStatus();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= ATTEMPTS) {
          throw e;
        }
      }
    }
  }
}
