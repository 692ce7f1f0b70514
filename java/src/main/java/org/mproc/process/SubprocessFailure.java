package org.mproc.process;

/**
 * The uncaught exception that ended a child's target, as the parent sees it: the child's
 * exception class, message and stack trace, and the exception itself as the cause when its class
 * exists in the parent. (Python's multiprocessing only prints it in the child.)
 */
public final class SubprocessFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String remoteClassName;
  private final String remoteMessage;

  SubprocessFailure(
      String process, String remoteClassName, String remoteMessage, StackTraceElement[] stack,
      Throwable original) {
    super(
        process + " failed: " + remoteClassName
            + (remoteMessage != null ? ": " + remoteMessage : ""),
        original);
    this.remoteClassName = remoteClassName;
    this.remoteMessage = remoteMessage;
    setStackTrace(stack);
  }

  /**
   * The class of the child's exception.
   *
   * @return a fully qualified class name
   */
  public String remoteClassName() {
    return remoteClassName;
  }

  /**
   * The message of the child's exception.
   *
   * @return the message, or {@code null}
   */
  public String remoteMessage() {
    return remoteMessage;
  }
}
