package org.mproc.sync;

import org.mproc.ObjectKind;

/**
 * Python's {@code multiprocessing.Lock} for Java: a non-reentrant, crash-robust lock shared by
 * processes (Java, C and any other mproc user), implementing
 * {@link java.util.concurrent.locks.Lock}.
 *
 * <pre>{@code
 * try (SharedLock lock = SharedLock.create("/jobs-lock")) {
 *   lock.lock();
 *   try {
 *     if (lock.ownerDied()) {
 *       repair(); // the previous holder died inside its critical section
 *     }
 *     update();
 *   } finally {
 *     lock.unlock();
 *   }
 * }
 * }</pre>
 *
 * <p><b>Recursion.</b> None: a thread that locks it again gets an
 * {@link IllegalStateException} instead of the deadlock Python would give.
 *
 * <p><b>Who may unlock.</b> Within one JVM, Java's convention: only the holding thread; another
 * thread of the same JVM gets {@link IllegalMonitorStateException} while a thread here holds
 * it. Across processes, Python's: when no thread of this JVM holds it, {@link #unlock()}
 * releases it whoever holds it in another process (Python allows any process to release a
 * Lock). Unlocking a lock nobody holds throws {@link IllegalMonitorStateException}, as Python
 * raises {@code ValueError}.
 *
 * <p>See {@link AbstractSharedLock} for owner death, fairness (none) and interruption.
 */
public final class SharedLock extends AbstractSharedLock {
  SharedLock(long handle, String name) {
    super(handle, name, ObjectKind.LOCK, -1);
  }

  /**
   * Creates an anonymous lock, for this process and the children it is handed to.
   *
   * @return the new lock, unlocked
   */
  public static SharedLock create() {
    return create(null);
  }

  /**
   * Creates a named lock that other processes can open.
   *
   * @param name a name such as {@code "/jobs-lock"}, or {@code null} for an anonymous lock
   * @return the new lock, unlocked
   * @throws org.mproc.ObjectExistsException if a live object has that name
   * @throws org.mproc.InvalidNameException if the name is not valid
   */
  public static SharedLock create(String name) {
    return new SharedLock(createHandle(name, ObjectKind.LOCK, 0, 0), name);
  }

  /**
   * Opens a named lock created by any process.
   *
   * @param name the name
   * @return the lock
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a Lock
   */
  public static SharedLock open(String name) {
    return new SharedLock(openHandle(name, ObjectKind.LOCK), name);
  }

  @Override
  boolean reentrant() {
    return false;
  }

  @Override
  void releaseForeign() {
    if (header.wordHeldHere()) {
      throw new IllegalMonitorStateException(
          "unlock " + describe() + ": held by another thread of this process, and only that"
              + " thread may unlock it (" + Thread.currentThread() + " does not hold it)");
    }
    enter();
    int rc;
    try {
      rc = api.syncRelease(handle);
    } finally {
      exit();
    }
    if (rc != 0) {
      throw releaseFailure(rc);
    }
  }
}
