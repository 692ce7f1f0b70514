package org.mproc;

/** Thrown when an object was used after {@code close()} (MPROC_ECLOSED). */
public class ObjectClosedException extends MprocException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param rawCode the negative code returned by libmproc
   * @param operation what was being done
   * @param subject the value concerned
   * @param detail the library's description of the code
   */
  public ObjectClosedException(int rawCode, String operation, String subject, String detail) {
    super(rawCode, operation, subject, detail);
  }
}
