package org.mproc.connection;

import org.mproc.ErrorCode;
import org.mproc.MprocException;

/** The peer closed its end and no message is left (Python's {@code EOFError}). */
public class EndOfStreamException extends MprocException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param connection the connection's description
   */
  public EndOfStreamException(String connection) {
    super(ErrorCode.EEOF.code(), "recv from", connection, ErrorCode.EEOF.message());
  }
}
