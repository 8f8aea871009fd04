package dev.portcullis.dataplane.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.streams.Pipe;

/**
 * An upstream's answer as the proxy reads it: status, header fields, a body to pipe on and the
 * trailers after it. Both upstream clients (the data plane's own HTTP/1.1 one and Vert.x's, for
 * HTTP/2, TLS, upgrades and streamed uploads) give one.
 */
interface UpstreamResponse {
  int statusCode();

  String statusMessage();

  MultiMap headers();

  default String getHeader(CharSequence name) {
    return headers().get(name);
  }

  /** The trailers, once the body has ended; may be null or empty. */
  MultiMap trailers();

  /** A pipe of the body (paused until it is connected to its destination). */
  Pipe<Buffer> pipe();

  /** Failures of the body go to whoever pipes it, and are not reported otherwise. */
  void quiet();

  static UpstreamResponse of(HttpClientResponse response) {
    return new UpstreamResponse() {
      @Override
      public int statusCode() {
        return response.statusCode();
      }

      @Override
      public String statusMessage() {
        return response.statusMessage();
      }

      @Override
      public MultiMap headers() {
        return response.headers();
      }

      @Override
      public MultiMap trailers() {
        return response.trailers();
      }

      @Override
      public Pipe<Buffer> pipe() {
        return response.pipe();
      }

      @Override
      public void quiet() {
        response.exceptionHandler(e -> { });
      }
    };
  }
}
