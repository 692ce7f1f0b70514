package org.mproc.connection;

import org.mproc.ErrorCode;
import org.mproc.MprocException;

/**
 * A message is longer than the receiver accepts: longer than {@code recvBytes(maxLength)} allows
 * (Python's {@code OSError("bad message length")}), or than the caller's buffer (Python's {@code
 * BufferTooShort}, in which case {@link #message()} holds the whole message, as Python's
 * {@code e.args[0]} does).
 */
public class MessageTooLongException extends MprocException {
  private static final long serialVersionUID = 1L;

  private final transient byte[] message;

  /**
   * Creates the exception.
   *
   * @param connection the connection's description
   * @param detail what was too long
   * @param message the message when it was read whole, else {@code null}
   */
  public MessageTooLongException(String connection, String detail, byte[] message) {
    super(ErrorCode.EMSGSIZE.code(), "recv from", connection, detail);
    this.message = message;
  }

  /**
   * The message that did not fit the caller's buffer.
   *
   * @return its bytes, or {@code null} when it was refused unread (a length above the maximum:
   *     the connection is then closed)
   */
  public byte[] message() {
    return message;
  }
}
