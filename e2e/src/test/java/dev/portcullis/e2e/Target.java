package dev.portcullis.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;

/**
 * Where the scenarios run: the same steps, said once, done by a local harness or by a Kind
 * cluster with the images and the Helm chart. Applications live in namespace {@code default},
 * where examples/ puts them.
 */
interface Target extends AutoCloseable {

  Path HOME = Path.of(System.getProperty("portcullis.home", "..")).toAbsolutePath().normalize();

  /** The API the scenarios read and write. */
  KubernetesClient kube();

  /** Creates or updates the objects of a manifest, as {@code kubectl apply -f} does. */
  void apply(Path manifest) throws Exception;

  /**
   * The Services web, api and fallback, each with echo backends that answer with their name,
   * replacing the loopback endpoints examples/ describes for local mode.
   */
  void startBackends() throws Exception;

  /** The address and ports clients reach the data planes at. */
  String address();

  int httpPort();

  int httpsPort();

  /** Moves the endpoints of Service web around (pods added, removed, replaced) and returns when done. */
  void churnEndpoints() throws Exception;

  /** Restarts the operator (every replica); returns once it serves again. */
  void restartOperator() throws Exception;

  /** Replaces every data plane, one at a time, each draining before it stops; returns when done. */
  void rollDataPlanes() throws Exception;

  /**
   * Upgrades the installation with one setting changed, the default certificate
   * ({@code NAMESPACE/NAME}): a helm upgrade on Kind (rolling both the operator and the data
   * planes), an operator restarted with the new setting in the local harness.
   */
  void upgrade(String defaultCertificate) throws Exception;

  /** What to look at when a scenario failed: logs and object states. */
  String diagnostics();

  /** Stops what the target started; fails when something went wrong underneath (a lost lease). */
  @Override
  void close();
}
