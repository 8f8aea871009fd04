package dev.portcullis.translator.status;

/** What became of an object in the route table. */
public enum Disposition {
  /** Everything it asks for is served. */
  ACCEPTED,
  /** Served in part: the problems say what was left out or answers 503. */
  DEGRADED,
  /** Nothing of it is served. */
  REJECTED,
  /** Not this controller's object (another ingress class); never touched. */
  IGNORED
}
