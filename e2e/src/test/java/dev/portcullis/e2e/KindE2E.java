package dev.portcullis.e2e;

import org.junit.jupiter.api.Assumptions;

/**
 * The scenarios on a Kind cluster: the images, the Helm chart, kubectl and helm. Set up and run
 * by e2e/kind/run.sh (and the GitHub workflow); skipped, saying why, everywhere else.
 */
class KindE2E extends Scenarios {
  @Override
  Target createTarget() {
    String why = KindTarget.unavailable();
    Assumptions.assumeTrue(why == null, () -> "Kind suite skipped: " + why);
    return new KindTarget();
  }
}
