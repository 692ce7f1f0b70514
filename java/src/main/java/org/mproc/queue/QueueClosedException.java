package org.mproc.queue;

import org.mproc.ErrorCode;
import org.mproc.MprocException;

/**
 * A put on a queue that was shut down, or a get on one that was shut down and has been drained
 * (Python raises {@code ValueError("Queue ... is closed")}).
 */
public class QueueClosedException extends MprocException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param operation what was being done
   * @param queue the queue's description
   */
  public QueueClosedException(String operation, String queue) {
    super(ErrorCode.ECLOSED.code(), operation, queue, "the queue was shut down");
  }
}
