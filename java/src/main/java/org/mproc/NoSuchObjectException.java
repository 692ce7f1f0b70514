package org.mproc;

/** Thrown when no object of that name exists (MPROC_ENOENT). */
public class NoSuchObjectException extends MprocException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param rawCode the negative code returned by libmproc
   * @param operation what was being done
   * @param subject the value concerned
   * @param detail the library's description of the code
   */
  public NoSuchObjectException(int rawCode, String operation, String subject, String detail) {
    super(rawCode, operation, subject, detail);
  }
}
