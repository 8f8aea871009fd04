package dev.portcullis.dataplane.proxy;

/**
 * Whether the data plane is going away. While draining it keeps serving, but tells HTTP/1.1
 * clients to close their connections after each response, and fails its readiness probe, so that
 * load balancers and clients move to other replicas before the listener closes.
 */
public final class Drain {
  private volatile boolean draining;

  public boolean draining() {
    return draining;
  }

  public void begin() {
    draining = true;
  }
}
