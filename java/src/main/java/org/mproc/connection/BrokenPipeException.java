package org.mproc.connection;

import org.mproc.ErrorCode;
import org.mproc.MprocException;

/** A send to a peer that has closed its end (Python's {@code BrokenPipeError}). */
public class BrokenPipeException extends MprocException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param connection the connection's description
   */
  public BrokenPipeException(String connection) {
    super(ErrorCode.EPIPE.code(), "send on", connection, ErrorCode.EPIPE.message());
  }
}
