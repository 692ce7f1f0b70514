package org.mproc;

/** Thrown when a name is not a valid object name: a '/' then 1 to 30 bytes of [A-Za-z0-9._-] (MPROC_EBADNAME, MPROC_ENAMETOOLONG). */
public class InvalidNameException extends MprocException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param rawCode the negative code returned by libmproc
   * @param operation what was being done
   * @param subject the value concerned
   * @param detail the library's description of the code
   */
  public InvalidNameException(int rawCode, String operation, String subject, String detail) {
    super(rawCode, operation, subject, detail);
  }
}
