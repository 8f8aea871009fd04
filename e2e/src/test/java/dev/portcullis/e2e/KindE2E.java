package dev.portcullis.e2e;

/**
 * The scenarios on a Kind cluster: the images, the Helm chart, kubectl and helm. Set up and run
 * by e2e/kind/run.sh (and the GitHub workflow); everywhere else each scenario is reported
 * skipped, with the reason.
 */
class KindE2E extends Scenarios {
  @Override
  String unavailable() {
    return KindTarget.unavailable();
  }

  @Override
  Target createTarget() {
    return new KindTarget();
  }
}
