package org.mproc;

/**
 * A failure reported by libmproc or detected by the Java layer, carrying the {@link ErrorCode}
 * and the value it concerns (an object name, an index, a size). Subclasses group the failures a
 * caller may want to handle apart.
 */
public class MprocException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int rawCode;
  private final transient ErrorCode code;
  private final String subject;

  /**
   * Creates an exception for a libmproc code.
   *
   * @param rawCode the negative code returned by libmproc, or 0 for a failure found in Java
   * @param operation what was being done, e.g. {@code "open"}
   * @param subject the value concerned, e.g. the object's name; may be {@code null}
   * @param detail the library's description of the code
   */
  public MprocException(int rawCode, String operation, String subject, String detail) {
    super(format(rawCode, operation, subject, detail));
    this.rawCode = rawCode;
    this.code = ErrorCode.of(rawCode);
    this.subject = subject;
  }

  private static String format(int rawCode, String operation, String subject, String detail) {
    ErrorCode c = ErrorCode.of(rawCode);
    String what = subject != null ? operation + " " + subject : operation;
    if (rawCode == 0) {
      return what + ": " + detail;
    }
    String name = c != null ? "MPROC_" + c.name() : "code " + rawCode;
    return what + ": " + detail + " (" + name + ")";
  }

  /**
   * The error code.
   *
   * @return the code, or {@code null} when libmproc returned an errno its table does not name
   *     (see {@link #rawCode()})
   */
  public ErrorCode code() {
    return code;
  }

  /**
   * The negative code exactly as libmproc returned it.
   *
   * @return the raw code
   */
  public int rawCode() {
    return rawCode;
  }

  /**
   * The value the failure concerns, e.g. the name that does not exist.
   *
   * @return the subject, or {@code null}
   */
  public String subject() {
    return subject;
  }
}
