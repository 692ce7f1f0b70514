package org.mproc.queue;

import org.mproc.ErrorCode;
import org.mproc.MprocException;

/**
 * The caller's buffer cannot hold the next message (Python's {@code BufferTooShort}); the
 * message stays queued, and {@link #messageLength()} says how much room it needs.
 */
public class BufferTooShortException extends MprocException {
  private static final long serialVersionUID = 1L;

  private final int messageLength;

  /**
   * Creates the exception.
   *
   * @param queue the queue's description
   * @param messageLength the length of the message
   * @param bufferLength the room the caller offered
   */
  public BufferTooShortException(String queue, int messageLength, int bufferLength) {
    super(
        ErrorCode.ETOOSMALL.code(),
        "get from",
        queue,
        "the message has " + messageLength + " bytes, the buffer " + bufferLength);
    this.messageLength = messageLength;
  }

  /**
   * The length of the message that did not fit.
   *
   * @return bytes
   */
  public int messageLength() {
    return messageLength;
  }
}
