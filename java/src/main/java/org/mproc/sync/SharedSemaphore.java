package org.mproc.sync;

import java.time.Duration;
import org.mproc.ErrorCode;
import org.mproc.ObjectKind;

/**
 * Python's {@code multiprocessing.Semaphore} and {@code BoundedSemaphore} for Java: a counting
 * semaphore shared by processes.
 *
 * <pre>{@code
 * SharedSemaphore slots = SharedSemaphore.createBounded("/slots", 4);
 * slots.acquire();            // in any process
 * try {
 *   work();
 * } finally {
 *   slots.release();
 * }
 * }</pre>
 *
 * <p>Permits have no owner: any thread of any process may release one. A <em>bounded</em>
 * semaphore refuses to go above its initial value ({@link IllegalStateException}, as Python
 * raises {@code ValueError}); an unbounded one stops at 2<sup>31</sup>-1.
 *
 * <p><b>Crashes.</b> As in Python, a permit held by a process that dies is lost: nobody can
 * know it will not be released. A process killed while waiting blocks nobody.
 *
 * <p><b>Fairness:</b> none; a newcomer may take a permit before a thread that waits.
 * <b>Interruption</b> is checked at least every 100 ms.
 */
public final class SharedSemaphore extends SyncObject {
  static final int VALUE = 0;
  static final int BOUND = 8;
  static final int FLAGS = 12;
  private static final int BOUNDED = 1;

  SharedSemaphore(long handle, String name) {
    super(handle, name, ObjectKind.SEMAPHORE);
  }

  /**
   * Creates a semaphore (Python's {@code Semaphore(permits)}).
   *
   * @param name a name, or {@code null} for an anonymous semaphore
   * @param permits the initial permits, at least 0
   * @return the semaphore
   * @throws IllegalArgumentException if {@code permits} is negative, naming it
   */
  public static SharedSemaphore create(String name, int permits) {
    return new SharedSemaphore(createHandle(name, ObjectKind.SEMAPHORE, check(permits), 0), name);
  }

  /**
   * Creates a bounded semaphore (Python's {@code BoundedSemaphore(permits)}): releasing beyond
   * {@code permits} is an error.
   *
   * @param name a name, or {@code null} for an anonymous semaphore
   * @param permits the initial and maximum permits, at least 0
   * @return the semaphore
   * @throws IllegalArgumentException if {@code permits} is negative, naming it
   */
  public static SharedSemaphore createBounded(String name, int permits) {
    return new SharedSemaphore(
        createHandle(name, ObjectKind.SEMAPHORE, check(permits), BOUNDED), name);
  }

  private static int check(int permits) {
    if (permits < 0) {
      throw new IllegalArgumentException("permits must not be negative: permits=" + permits);
    }
    return permits;
  }

  /**
   * Opens a named semaphore (bounded or not) created by any process.
   *
   * @param name the name
   * @return the semaphore
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a Semaphore
   */
  public static SharedSemaphore open(String name) {
    return new SharedSemaphore(openHandle(name, ObjectKind.SEMAPHORE), name);
  }

  /**
   * Takes a permit, waiting as long as it takes.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void acquire() throws InterruptedException {
    acquire(Long.MAX_VALUE);
  }

  /**
   * Takes a permit if one is available now.
   *
   * @return whether a permit was taken
   */
  public boolean tryAcquire() {
    enter();
    try {
      int rc = api.syncTry(handle);
      if (rc != 0 && rc != ErrorCode.ETIMEDOUT.code()) {
        throw failure(rc, "acquire");
      }
      return rc == 0;
    } finally {
      exit();
    }
  }

  /**
   * Takes a permit if one becomes available within the timeout (Python's
   * {@code acquire(timeout=...)}).
   *
   * @param timeout the most to wait
   * @return whether a permit was taken
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if the timeout is negative, naming it
   */
  public boolean tryAcquire(Duration timeout) throws InterruptedException {
    return acquire(deadline(timeout));
  }

  private boolean acquire(long deadline) throws InterruptedException {
    if (tryAcquire()) {
      return true;
    }
    for (; ; ) {
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while waiting for " + this);
      }
      long slice = slice(deadline);
      if (slice <= 0) {
        return false;
      }
      enter();
      int rc;
      try {
        rc = api.syncAcquire(handle, slice);
      } finally {
        exit();
      }
      if (rc == 0) {
        return true;
      }
      if (rc != ErrorCode.ETIMEDOUT.code()) {
        throw failure(rc, "acquire");
      }
    }
  }

  /**
   * Returns a permit, waking one waiter.
   *
   * @throws IllegalStateException if a bounded semaphore is already at its initial value (or
   *     any semaphore at 2<sup>31</sup>-1), naming the value
   */
  public void release() {
    enter();
    int rc;
    try {
      rc = api.syncRelease(handle);
    } finally {
      exit();
    }
    if (rc == ErrorCode.ENOTHELD.code() || rc == ErrorCode.EBOUNDS.code()) {
      throw new IllegalStateException(
          "release " + describe() + ": released too many times: value=" + availablePermits()
              + (isBounded() ? ", bound=" + bound() : ""));
    }
    if (rc != 0) {
      throw failure(rc, "release");
    }
  }

  /**
   * The permits available now (Python's {@code get_value()}; works on every platform).
   *
   * @return a snapshot of the value
   */
  public int availablePermits() {
    return bodyInt(VALUE);
  }

  /**
   * Whether this is a bounded semaphore.
   *
   * @return true for a {@code BoundedSemaphore}
   */
  public boolean isBounded() {
    return (bodyInt(FLAGS) & BOUNDED) != 0;
  }

  /**
   * The initial value, which a bounded semaphore never exceeds.
   *
   * @return the initial permits
   */
  public int bound() {
    return bodyInt(BOUND);
  }
}
