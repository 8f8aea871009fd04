package dev.portcullis.dataplane.listener;

import io.netty.handler.codec.DecoderException;

/** Why a request was refused before it was routed, and the status it is refused with. */
public final class RequestViolation extends DecoderException {

  private final int status;

  public RequestViolation(int status, String reason) {
    super(reason);
    this.status = status;
  }

  public int status() {
    return status;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    // Refusals are routine traffic, not bugs: a stack trace would cost more than the request.
    return this;
  }
}
