package dev.portcullis.e2e;

/**
 * The scenarios on the local harness: the mock API server, the operator in this JVM, two data
 * planes behind a round-robin balancer, echo backends; part of every ./mvnw verify.
 */
class LocalHarnessIT extends Scenarios {
  @Override
  Target createTarget() throws Exception {
    return new LocalTarget();
  }
}
