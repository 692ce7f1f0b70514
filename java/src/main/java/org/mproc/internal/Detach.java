package org.mproc.internal;

import java.lang.ref.Cleaner;
import java.util.function.LongToIntFunction;

/**
 * Detaches a native handle exactly once: now, or — when another thread may still be inside a
 * native call on it, so that unmapping could crash the JVM — once its Java object has become
 * unreachable (no thread can be using it then).
 */
public final class Detach implements Runnable {
  private static final Cleaner CLEANER = Cleaner.create();

  private final LongToIntFunction close;
  private final long handle;
  private boolean done;

  /**
   * Prepares the detachment.
   *
   * @param close the native close function, e.g. {@code api::arrayClose}; it must not refer to
   *     the object that owns the handle
   * @param handle the native handle
   */
  public Detach(LongToIntFunction close, long handle) {
    this.close = close;
    this.handle = handle;
  }

  /** Detaches now, unless it was done already. */
  @Override
  public synchronized void run() {
    if (!done) {
      done = true;
      close.applyAsInt(handle);
    }
  }

  /**
   * Detaches once {@code owner} is unreachable.
   *
   * @param owner the Java object whose handle this is
   */
  public void whenUnreachable(Object owner) {
    CLEANER.register(owner, this);
  }
}
