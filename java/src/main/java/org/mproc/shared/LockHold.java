package org.mproc.shared;

/**
 * A held lock of a shared object, released by {@link #close()}: use it in
 * try-with-resources, as Python uses {@code with value.get_lock():}.
 *
 * <pre>{@code
 * try (LockHold hold = counter.lock()) {
 *   if (hold.ownerDied()) {
 *     repair(counter); // the previous holder died inside its critical section
 *   }
 *   counter.set(counter.get() + 1);
 * }
 * }</pre>
 */
public final class LockHold implements AutoCloseable {
  private final SharedData owner;
  private final boolean ownerDied;
  private boolean released;

  LockHold(SharedData owner, boolean ownerDied) {
    this.owner = owner;
    this.ownerDied = ownerDied;
  }

  /**
   * Whether this hold was taken over from a process that died holding the lock. The data the
   * lock guards may then be half-updated; mproc never hands over a lock silently.
   *
   * @return true when the previous owner died while holding the lock
   */
  public boolean ownerDied() {
    return ownerDied;
  }

  /**
   * Releases the lock. Must be called by the thread that acquired it; a second call does
   * nothing.
   *
   * @throws IllegalMonitorStateException if another thread calls it
   */
  @Override
  public void close() {
    if (!released) {
      owner.release();
      released = true;
    }
  }
}
