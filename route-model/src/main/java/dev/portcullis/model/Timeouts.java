package dev.portcullis.model;

/**
 * Per-route time limits in milliseconds; 0 disables a limit.
 *
 * @param requestMs        the whole exchange, from the request's arrival to the response's end
 * @param backendRequestMs from sending the request upstream to receiving the response headers
 * @param idleMs           the longest silence on either stream while a request is proxied
 */
public record Timeouts(long requestMs, long backendRequestMs, long idleMs) {

  /** The defaults an Ingress gets: what ingress-nginx users know as proxy-read-timeout 60s. */
  public static final Timeouts DEFAULT = new Timeouts(0, 60_000, 60_000);

  public Timeouts {
    Checks.nonNegative(requestMs, "requestMs");
    Checks.nonNegative(backendRequestMs, "backendRequestMs");
    Checks.nonNegative(idleMs, "idleMs");
  }
}
