package org.mproc.bench;

import org.mproc.Mproc;

/**
 * A main that only initialises mproc's native backend ({@link Mproc#backend()}: loads libmproc
 * through FFM or JNA) and returns: the process suite runs it under the child JVM's command line
 * to separate the backend's start-up cost from {@code Subprocess}'s own protocol.
 */
public final class NativeNop {
  private NativeNop() {}

  /**
   * Loads the backend.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    if (Mproc.backend().isEmpty()) {
      throw new IllegalStateException("no backend");
    }
  }
}
