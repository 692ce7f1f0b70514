package org.mproc.sync;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.mproc.ErrorCode;
import org.mproc.ObjectKind;
import org.mproc.internal.HeaderLock;
import org.mproc.internal.Native;

/**
 * What {@link SharedLock} and {@link SharedRLock} have in common: a crash-robust lock shared by
 * every process and thread that uses it, implementing {@link Lock}.
 *
 * <p>The native lock belongs to this process's handle, not to a thread; this object makes it a
 * thread's lock within the JVM: only the holding thread unlocks it here, while across processes
 * it behaves like Python's. Uncontended, {@code lock()} and {@code unlock()} are one
 * compare-and-set each on the shared word, with no native call and no second lock.
 *
 * <p><b>Owner death.</b> If a process dies holding the lock, the next acquirer takes it over
 * within about 10 ms and {@link #ownerDied()} returns true until it unlocks: the data the lock
 * guards may be half-updated and should be repaired. Nothing is thrown, exactly as
 * {@link org.mproc.shared.LockHold#ownerDied()} reports it for Values and Arrays.
 *
 * <p><b>Fairness.</b> None: a newcomer may overtake a waiting thread or process.
 * <b>Interruption.</b> Blocking acquisition runs in native slices of at most 100 ms and checks
 * interruption between them.
 */
public abstract class AbstractSharedLock extends SyncObject implements Lock {
  /** The lock word's JVM side: which thread holds it, and how deep. */
  final HeaderLock header;

  AbstractSharedLock(long handle, String name, ObjectKind kind, long depthWord) {
    super(handle, name, kind);
    this.header = new HeaderLock(api, segment, mem, depthWord < 0 ? -1 : body + depthWord, calls,
        this::describe);
  }

  /** Whether a holding thread may lock again (RLock) or gets an exception (Lock). */
  abstract boolean reentrant();

  /**
   * Acquires the lock, waiting as long as it takes. Interruption is remembered and re-asserted,
   * not thrown.
   *
   * @throws IllegalStateException if a {@link SharedLock} is already held by this thread
   * @throws org.mproc.ObjectClosedException if the object is closed while waiting
   */
  @Override
  public void lock() {
    try {
      acquire(-1, false);
    } catch (InterruptedException e) {
      throw new AssertionError("an uninterruptible acquisition threw", e);
    }
  }

  /**
   * Acquires the lock unless the thread is interrupted (checked at least every 100 ms).
   *
   * @throws InterruptedException if interrupted while waiting
   */
  @Override
  public void lockInterruptibly() throws InterruptedException {
    acquire(-1, true);
  }

  /**
   * Acquires the lock only if it is free now, in this process and across processes.
   *
   * @return whether it was acquired
   */
  @Override
  public boolean tryLock() {
    try {
      return acquire(0, false);
    } catch (InterruptedException e) {
      throw new AssertionError("a try without waiting cannot be interrupted", e);
    }
  }

  /**
   * Acquires the lock if it becomes free within the timeout.
   *
   * @param time how long to wait; zero or less tries once
   * @param unit the unit of {@code time}
   * @return whether it was acquired
   * @throws InterruptedException if interrupted while waiting
   */
  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    return acquire(Math.max(0, unit.toNanos(time)), true);
  }

  /**
   * Acquires the lock if it becomes free within the timeout (Python's
   * {@code acquire(timeout=...)}).
   *
   * @param timeout how long to wait; zero tries once
   * @return whether it was acquired
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if the timeout is negative, naming it
   */
  public boolean tryLock(Duration timeout) throws InterruptedException {
    long d = deadline(timeout);
    return acquire(Math.max(0, d - System.nanoTime()), true);
  }

  /** Acquires: timeoutNs -1 waits forever, 0 tries once. */
  private boolean acquire(long timeoutNs, boolean interruptible) throws InterruptedException {
    if (!reentrant() && header.isHeldByCurrentThread()) {
      throw new IllegalStateException(
          this + " is held by this thread already; a SharedLock is not reentrant (use"
              + " SharedRLock)");
    }
    return header.acquire(timeoutNs, interruptible);
  }

  /**
   * Releases the lock (one level of an RLock).
   *
   * @throws IllegalMonitorStateException if the lock may not be released by this thread, or is
   *     not locked at all
   */
  @Override
  public void unlock() {
    int rc = header.release();
    if (rc == HeaderLock.NOT_HELD_HERE) {
      releaseForeign();
    } else if (rc != 0) {
      throw releaseFailure(rc);
    }
  }

  /** An unlock by a thread that does not hold the lock in this process. */
  abstract void releaseForeign();

  /**
   * The exception for a failed native release.
   *
   * @param rc the code
   * @return the exception
   */
  final RuntimeException releaseFailure(int rc) {
    if (rc == ErrorCode.ENOTHELD.code()) {
      return new IllegalMonitorStateException(
          "unlock " + describe() + ": the lock is not locked (released too many times)");
    }
    if (rc == ErrorCode.ENOTOWNER.code()) {
      return new IllegalMonitorStateException(
          "unlock " + describe() + ": the lock is not held by this process (another process"
              + " released it or took it over)");
    }
    return failure(rc, "unlock");
  }

  /**
   * Whether the calling thread's current hold was taken over from a process that died holding
   * the lock. The data the lock guards may then be half-updated; mproc never hands a lock over
   * silently. Cleared when the hold ends.
   *
   * @return true while the current hold is a takeover
   */
  public boolean ownerDied() {
    return header.ownerDied();
  }

  /**
   * Whether some thread of any process holds the lock (a snapshot, for monitoring).
   *
   * @return true if locked
   */
  public boolean isLocked() {
    return header.isLocked();
  }

  /**
   * Whether the calling thread holds the lock.
   *
   * @return true if it does
   */
  public boolean isHeldByCurrentThread() {
    return header.isHeldByCurrentThread();
  }

  /**
   * A new anonymous cross-process {@link SharedCondition} bound to this lock. It reaches other
   * processes when handed to them (captured by a {@link org.mproc.process.Subprocess} target
   * together with, or instead of, this lock); for a named one use
   * {@link SharedCondition#create(String, AbstractSharedLock)}.
   *
   * @return the condition; close it when done
   */
  @Override
  public SharedCondition newCondition() {
    return SharedCondition.create(null, this);
  }
}
