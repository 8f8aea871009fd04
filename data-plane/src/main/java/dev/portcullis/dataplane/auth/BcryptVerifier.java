package dev.portcullis.dataplane.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Checks passwords against bcrypt hashes, off the event loop. bcrypt is slow on purpose (tens of
 * milliseconds of CPU at the usual costs), so checks run on a small pool of worker threads of
 * their own, never on an event loop and never on Vert.x's shared worker pool; at most
 * {@code maxPending} checks wait or run at once, and beyond that a login is refused at once (503)
 * rather than queued without bound.
 *
 * <p>Successful checks are remembered for a short while, keyed by a SHA-256 of user, password and
 * hash: the cache never holds a password, and a changed hash misses it. Failures are never
 * remembered, so guessing costs every guess a full check.
 */
public final class BcryptVerifier implements AutoCloseable {

  /** Threads that run checks: a couple, so that logins can never take every core from the proxy. */
  public static final int DEFAULT_WORKERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
  /** Checks waiting or running at once, over all event loops. */
  public static final int DEFAULT_MAX_PENDING = 64;
  static final long CACHE_ENTRIES = 10_000;
  static final Duration CACHE_TTL = Duration.ofMinutes(5);

  private final WorkerExecutor workers;
  private final int maxPending;
  private final AtomicInteger pending = new AtomicInteger();
  private final Cache<String, Boolean> verified = Caffeine.newBuilder()
      .maximumSize(CACHE_ENTRIES).expireAfterWrite(CACHE_TTL).build();

  /** Dummy hashes by cost, for users that do not exist (made once per cost, off the event loop). */
  private static final Map<Integer, String> DUMMIES = new ConcurrentHashMap<>();

  public BcryptVerifier(Vertx vertx, int workers, int maxPending) {
    // Checks of a few hundred ms at high costs are expected: the blocked-thread warning is for real hangs.
    this.workers = vertx.createSharedWorkerExecutor("portcullis-bcrypt", workers, 10, TimeUnit.SECONDS);
    this.maxPending = maxPending;
  }

  /**
   * Checks a password. The future completes on the calling event loop.
   *
   * @param remember remember a success (false for the dummy check of an unknown user)
   * @return whether the password fits, or null when too many checks are pending (answer 503)
   */
  Future<Boolean> verify(String user, byte[] password, String hash, boolean remember) {
    String key = remember ? key(user, password, hash) : null;
    if (key != null && verified.getIfPresent(key) != null) {
      return Future.succeededFuture(true);
    }
    if (pending.incrementAndGet() > maxPending) {
      pending.decrementAndGet();
      return null;
    }
    // Unordered: checks from one event loop run side by side, not one after the other.
    return workers.executeBlocking(() -> check(hash, password), false)
        .andThen(ar -> pending.decrementAndGet())
        .onSuccess(ok -> {
          if (ok && key != null) {
            verified.put(key, Boolean.TRUE);
          }
        });
  }

  private static boolean check(String hash, byte[] password) {
    try {
      if (hash.startsWith("$apr1$")) {
        // Apache's MD5 scheme (htpasswd's default): the hash of the password with the stored salt
        // must be the stored hash, compared in constant time.
        String computed = org.apache.commons.codec.digest.Md5Crypt.apr1Crypt(password, hash);
        return java.security.MessageDigest.isEqual(computed.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            hash.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      }
      return OpenBSDBCrypt.checkPassword(hash, password);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Checks waiting or running now. */
  public int pending() {
    return pending.get();
  }

  /** SHA-256 of the three, each length-prefixed so that no two triples share a key. */
  static String key(String user, byte[] password, String hash) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (byte[] part : new byte[][] {user.getBytes(StandardCharsets.UTF_8), password,
          hash.getBytes(StandardCharsets.US_ASCII)}) {
        sha.update(ByteBuffer.allocate(4).putInt(part.length).array());
        sha.update(part);
      }
      return Base64.getEncoder().encodeToString(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /**
   * A hash of a random password at this cost: unknown users are checked against it, so that they
   * take as long as known ones and user names cannot be found by timing. Call off the event loop.
   */
  static String dummy(int cost) {
    return DUMMIES.computeIfAbsent(cost, c -> {
      SecureRandom random = new SecureRandom();
      byte[] salt = new byte[16];
      byte[] password = new byte[32];
      random.nextBytes(salt);
      random.nextBytes(password);
      return OpenBSDBCrypt.generate("2y", password, salt, c);
    });
  }

  @Override
  public void close() {
    workers.close();
  }
}
