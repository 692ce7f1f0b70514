package org.mproc.process;

import org.mproc.MprocException;

/**
 * A child could not be started, or ended before joining its parent (a missing program, a target
 * that cannot be serialized, a child JVM that failed before reading its target).
 */
public class SubprocessException extends MprocException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param rawCode the libmproc code, or 0 when the failure is not a native one
   * @param operation what was being done
   * @param subject the program or process concerned
   * @param detail what went wrong
   */
  public SubprocessException(int rawCode, String operation, String subject, String detail) {
    super(rawCode, operation, subject, detail);
  }
}
