package org.mproc.sync;

import org.mproc.ObjectKind;

/**
 * Python's {@code multiprocessing.RLock} for Java: a reentrant, crash-robust lock shared by
 * processes, implementing {@link java.util.concurrent.locks.Lock}.
 *
 * <p><b>Recursion.</b> The holding thread may lock it again; each {@link #lock()} needs its
 * {@link #unlock()}, and the lock is free for others after the last one. The depth is kept both
 * here (per thread) and in shared memory (per process, readable by C through
 * {@code mproc_sync_count}); it is limited only by {@code int} range.
 *
 * <p><b>Who may unlock.</b> Only the owner, as in Python: a thread (or process) that does not
 * hold it gets {@link IllegalMonitorStateException}. If the owning process dies, the next
 * acquirer takes it over at depth 1 and {@link #ownerDied()} says so.
 *
 * <p>See {@link AbstractSharedLock} for owner death, fairness (none) and interruption.
 */
public final class SharedRLock extends AbstractSharedLock {
  /** Body offset of the owner's recursion depth (u32), read by C's {@code mproc_sync_count}. */
  static final int COUNT = 0;

  SharedRLock(long handle, String name) {
    super(handle, name, ObjectKind.RLOCK, COUNT);
  }

  /**
   * Creates an anonymous reentrant lock, for this process and the children it is handed to.
   *
   * @return the new lock, unlocked
   */
  public static SharedRLock create() {
    return create(null);
  }

  /**
   * Creates a named reentrant lock that other processes can open.
   *
   * @param name a name, or {@code null} for an anonymous lock
   * @return the new lock, unlocked
   * @throws org.mproc.ObjectExistsException if a live object has that name
   */
  public static SharedRLock create(String name) {
    return new SharedRLock(createHandle(name, ObjectKind.RLOCK, 0, 0), name);
  }

  /**
   * Opens a named reentrant lock created by any process.
   *
   * @param name the name
   * @return the lock
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not an RLock
   */
  public static SharedRLock open(String name) {
    return new SharedRLock(openHandle(name, ObjectKind.RLOCK), name);
  }

  /**
   * How many times the calling thread holds the lock.
   *
   * @return the recursion depth, 0 if it does not hold it
   */
  public int getHoldCount() {
    return header.holds();
  }

  @Override
  boolean reentrant() {
    return true;
  }

  @Override
  void releaseForeign() {
    throw new IllegalMonitorStateException(
        "unlock " + describe() + ": not held by " + Thread.currentThread()
            + "; an RLock is released only by its owner");
  }
}
