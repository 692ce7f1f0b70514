package org.mproc;

/** The kinds of named objects, as recorded in the segment header's {@code kind} field. */
public enum ObjectKind {
  /** A queue ({@code MPROC_KIND_QUEUE}). */
  QUEUE(1),
  /** A single typed value ({@code MPROC_KIND_VALUE}). */
  VALUE(2),
  /** A typed array ({@code MPROC_KIND_ARRAY}). */
  ARRAY(3),
  /** A CSP channel ({@code MPROC_KIND_CHANNEL}). */
  CHANNEL(4),
  /** A lock ({@code MPROC_KIND_LOCK}). */
  LOCK(5),
  /** A semaphore, bounded or not ({@code MPROC_KIND_SEMAPHORE}). */
  SEMAPHORE(6),
  /** A reentrant lock ({@code MPROC_KIND_RLOCK}). */
  RLOCK(7),
  /** A condition variable ({@code MPROC_KIND_CONDITION}). */
  CONDITION(8),
  /** An event ({@code MPROC_KIND_EVENT}). */
  EVENT(9),
  /** A barrier ({@code MPROC_KIND_BARRIER}). */
  BARRIER(10),
  /** Not a segment: a connection's descriptor handed to a child ({@code MPROC_KIND_CONNECTION}). */
  CONNECTION(11);

  private final int code;

  ObjectKind(int code) {
    this.code = code;
  }

  /**
   * The header's code for this kind.
   *
   * @return the code
   */
  public int code() {
    return code;
  }

  /**
   * Looks a header code up.
   *
   * @param code a kind code
   * @return the kind, or {@code null} for a code this version does not know
   */
  public static ObjectKind of(int code) {
    for (ObjectKind k : values()) {
      if (k.code == code) {
        return k;
      }
    }
    return null;
  }
}
