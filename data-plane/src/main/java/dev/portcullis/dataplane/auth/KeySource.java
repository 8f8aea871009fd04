package dev.portcullis.dataplane.auth;

import io.vertx.core.Future;

/**
 * Where a JWT route's keys come from: a Secret (compiled with the table) or a URL (fetched and
 * cached). Futures may complete on any thread; {@link JwtAuth} moves back to its event loop.
 */
interface KeySource {

  /** The keys now, or null while there are none (not fetched yet, or never could be). */
  KeySet current();

  /** The first keys: a fetch in flight or a new one, or a failure when none can be had now. */
  Future<KeySet> load();

  /**
   * A token named a key the set does not hold: fetch the set again, or null when that is not
   * allowed now (a refetch happened too recently, or the keys cannot change).
   */
  Future<KeySet> refetch();

  /** Keys compiled from a Secret; null keys: the Secret was missing or unusable. */
  static KeySource fixed(KeySet keys) {
    Future<KeySet> loaded = keys == null ? Future.failedFuture("no keys") : Future.succeededFuture(keys);
    return new KeySource() {
      @Override
      public KeySet current() {
        return keys;
      }

      @Override
      public Future<KeySet> load() {
        return loaded;
      }

      @Override
      public Future<KeySet> refetch() {
        return null;
      }
    };
  }
}
