package dev.portcullis.dataplane.auth;

import io.vertx.core.Future;

/**
 * A route's compiled authentication. Shared by every event loop (it holds no per-request state);
 * {@link #check} answers on the calling event loop and never blocks it.
 */
public interface RouteAuth {

  /**
   * Decides. The future completes on the caller's event loop; a failed future is answered as
   * {@link AuthDecision#ERROR}, never let through.
   */
  Future<AuthDecision> check(AuthRequest request);
}
