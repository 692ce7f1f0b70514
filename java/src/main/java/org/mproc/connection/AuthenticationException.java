package org.mproc.connection;

import org.mproc.ErrorCode;
import org.mproc.MprocException;

/**
 * The authkey handshake failed (Python's {@code multiprocessing.AuthenticationError}): the peer
 * does not know the key, or does not speak the handshake at all. The connection is closed.
 */
public class AuthenticationException extends MprocException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param operation {@code "accept on"} or {@code "connect to"}
   * @param address the address concerned
   */
  public AuthenticationException(String operation, String address) {
    super(ErrorCode.EAUTH.code(), operation, address, ErrorCode.EAUTH.message());
  }
}
