package dev.portcullis.dataplane.proxy;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.WriteStream;

/**
 * Passes a response body on to the client as it arrives (with the client's back-pressure) while
 * keeping a copy for the cache, up to a size; a bigger body is passed on whole but not kept. With
 * no client (a background refresh) it only keeps.
 */
final class TeeStream implements WriteStream<Buffer> {
  private final HttpServerResponse client;
  private final long limit;
  private final Runnable onOverflow;
  private final long expected;
  private final Runnable onWhole;
  private Buffer copy = Buffer.buffer();
  private boolean overflowed;
  private boolean whole;

  /** @param onOverflow runs once, when the body turns out too big to keep */
  TeeStream(HttpServerResponse client, long limit, Runnable onOverflow) {
    this(client, limit, onOverflow, -1, null);
  }

  /**
   * @param expected the body's length when the upstream said it (Content-Length), else -1
   * @param onWhole  runs once the copy holds all {@code expected} bytes, before the last of them
   *                 goes to the client: a client that has the whole body, and asks again at once,
   *                 finds it stored
   */
  TeeStream(HttpServerResponse client, long limit, Runnable onOverflow, long expected, Runnable onWhole) {
    this.client = client;
    this.limit = limit;
    this.onOverflow = onOverflow;
    this.expected = expected;
    this.onWhole = onWhole;
  }

  /** True when the whole body was kept. */
  boolean complete() {
    return !overflowed;
  }

  /** True once {@code onWhole} ran. */
  boolean wholeHandled() {
    return whole;
  }

  Buffer body() {
    return copy;
  }

  @Override
  public Future<Void> write(Buffer data) {
    if (!overflowed) {
      if (copy.length() + data.length() > limit) {
        overflowed = true;
        copy = Buffer.buffer();
        onOverflow.run();
      } else {
        copy.appendBuffer(data);
        if (!whole && onWhole != null && copy.length() == expected) {
          whole = true;
          onWhole.run();
        }
      }
    }
    return client == null ? Future.succeededFuture() : client.write(data);
  }

  @Override
  public Future<Void> end() {
    return client == null ? Future.succeededFuture() : client.end();
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    if (client != null) {
      client.exceptionHandler(handler);
    }
    return this;
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    if (client != null) {
      client.setWriteQueueMaxSize(maxSize);
    }
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return client != null && client.writeQueueFull();
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    if (client != null) {
      client.drainHandler(handler);
    }
    return this;
  }
}
