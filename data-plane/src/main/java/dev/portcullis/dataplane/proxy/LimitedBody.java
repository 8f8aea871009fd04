package dev.portcullis.dataplane.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A request body that may not pass a size: once it does, it stops (pauses the request) and fails
 * with {@link #TOO_LARGE} instead of passing the byte that went over, so that what was piped
 * upstream is never ended as if it were the whole body.
 */
final class LimitedBody implements ReadStream<Buffer> {

  static final RuntimeException TOO_LARGE = new RuntimeException("request body too large", null, false, false) { };

  private final ReadStream<Buffer> source;
  private final long limit;
  private long seen;
  private boolean exceeded;
  private Handler<Throwable> exceptionHandler;

  /** @param already bytes of the body already passed on (a first chunk read ahead) */
  LimitedBody(ReadStream<Buffer> source, long limit, long already) {
    this.source = source;
    this.limit = limit;
    this.seen = already;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    exceptionHandler = handler;
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      source.handler(null);
      return this;
    }
    source.handler(chunk -> {
      if (exceeded) {
        return;
      }
      seen += chunk.length();
      if (seen > limit) {
        exceeded = true;
        source.pause();
        Handler<Throwable> failed = exceptionHandler;
        if (failed != null) {
          failed.handle(TOO_LARGE);
        }
        return;
      }
      handler.handle(chunk);
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    source.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    if (!exceeded) {
      source.resume();
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    if (!exceeded) {
      source.fetch(amount);
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> handler) {
    source.endHandler(handler == null ? null : v -> {
      if (!exceeded) {
        handler.handle(v);
      }
    });
    return this;
  }
}
