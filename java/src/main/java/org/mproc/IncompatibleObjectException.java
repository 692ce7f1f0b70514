package org.mproc;

/** Thrown when an existing object cannot be used as asked: not an mproc object, another layout version, kind or element type, a corrupted or truncated header, or a creator that never finished (MPROC_EBADMAGIC, MPROC_EVERSION, MPROC_EKIND, MPROC_ETYPE, MPROC_ECORRUPT, MPROC_ETRUNCATED, MPROC_ENOTREADY). */
public class IncompatibleObjectException extends MprocException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param rawCode the negative code returned by libmproc
   * @param operation what was being done
   * @param subject the value concerned
   * @param detail the library's description of the code
   */
  public IncompatibleObjectException(int rawCode, String operation, String subject, String detail) {
    super(rawCode, operation, subject, detail);
  }
}
