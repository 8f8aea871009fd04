package dev.portcullis.translator.status;

/** How bad a reported problem is. */
public enum Severity {
  /** Something the user asked for is not served (or not served as asked). */
  ERROR,
  /** Served, but probably not as the user meant, or about to break. */
  WARNING,
  /** Nothing is wrong; the object is simply not ours, or a choice was made on the user's behalf. */
  INFO
}
