package org.mproc;

/** Thrown when an object of that name already exists and is in use (MPROC_EEXIST). */
public class ObjectExistsException extends MprocException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param rawCode the negative code returned by libmproc
   * @param operation what was being done
   * @param subject the value concerned
   * @param detail the library's description of the code
   */
  public ObjectExistsException(int rawCode, String operation, String subject, String detail) {
    super(rawCode, operation, subject, detail);
  }
}
