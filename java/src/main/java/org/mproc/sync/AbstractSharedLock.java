package org.mproc.sync;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.mproc.ErrorCode;
import org.mproc.ObjectKind;
import org.mproc.internal.Native;

/**
 * What {@link SharedLock} and {@link SharedRLock} have in common: a crash-robust lock shared by
 * every process and thread that uses it, implementing {@link Lock}.
 *
 * <p>The native lock belongs to this process's handle, not to a thread, so threads of one JVM
 * first queue on a local {@link ReentrantLock} and then take the native lock: within a process
 * the lock behaves like a Java lock (only the holding thread unlocks it), across processes like
 * Python's.
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
  /*
   * Threads of this process queue here before the native lock. It also guards the segment's
   * lifetime: every native call on the lock runs while holding it, so close() detaches only when
   * it can take it.
   */
  final ReentrantLock local = new ReentrantLock();
  /* Read and written only by the thread holding `local`, which orders it: no volatile fence. */
  private boolean ownerDied;

  AbstractSharedLock(long handle, String name, ObjectKind kind) {
    super(handle, name, kind);
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
    boolean interrupted = false;
    try {
      for (; ; ) {
        try {
          acquire(-1, false);
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
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
    boolean reentry = local.isHeldByCurrentThread();
    if (reentry && !reentrant()) {
      throw new IllegalStateException(
          this + " is held by this thread already; a SharedLock is not reentrant (use"
              + " SharedRLock)");
    }
    long deadline = timeoutNs >= 0 ? System.nanoTime() + timeoutNs : Long.MAX_VALUE;
    if (timeoutNs < 0) {
      if (interruptible) {
        local.lockInterruptibly();
      } else {
        local.lock();
      }
    } else if (timeoutNs == 0) {
      if (!local.tryLock()) {
        return false;
      }
    } else if (!local.tryLock(timeoutNs, TimeUnit.NANOSECONDS)) {
      return false;
    }
    boolean acquired = false;
    try {
      if (isClosed()) {
        throw Native.closed();
      }
      if (!reentry && fastAcquire()) {
        ownerDied = false;
        acquired = true;
        return true;
      }
      int rc = api.syncTry(handle);
      boolean interrupted = false;
      while (rc == ErrorCode.ETIMEDOUT.code()) {
        long slice = SLICE_NS;
        if (timeoutNs >= 0) {
          slice = slice(deadline);
          if (slice <= 0) {
            return false;
          }
        }
        if (Thread.interrupted()) {
          if (interruptible) {
            throw new InterruptedException("interrupted while waiting for " + this);
          }
          interrupted = true;
        }
        if (isClosed()) {
          throw Native.closed();
        }
        rc = api.syncAcquire(handle, slice);
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (rc == ErrorCode.EOWNERDEAD.code()) {
        ownerDied = true;
      } else if (rc != 0) {
        throw failure(rc, "lock");
      } else if (!reentry && ownerDied) {
        ownerDied = false;
      }
      acquired = true;
      return true;
    } finally {
      if (!acquired) {
        local.unlock();
      }
    }
  }

  /**
   * Releases the lock (one level of an RLock).
   *
   * @throws IllegalMonitorStateException if the lock may not be released by this thread, or is
   *     not locked at all
   */
  @Override
  public void unlock() {
    if (local.isHeldByCurrentThread()) {
      try {
        // Once closed, the handle is gone and the lock counts as abandoned. A takeover from a
        // dead owner leaves a flag only C clears.
        if (!isClosed() && (ownerDied || local.getHoldCount() > 1 || !fastRelease())) {
          int rc = api.syncRelease(handle);
          if (rc != 0) {
            throw releaseFailure(rc);
          }
        }
      } finally {
        if (ownerDied && local.getHoldCount() == 1) {
          ownerDied = false;
        }
        local.unlock();
      }
      return;
    }
    releaseForeign();
  }

  /**
   * The uncontended fast path of {@code mproc_lock_acquire}, run on the mapped header word
   * (CAS 0 to this handle's owner word) where the kind's acquire is exactly that lock.
   *
   * @return true if the lock was free and is now held; false to take the native path
   */
  boolean fastAcquire() {
    return false;
  }

  /**
   * The uncontended fast path of {@code mproc_lock_release} (CAS the owner word to 0: nobody
   * waits).
   *
   * @return true if released; false to take the native path
   */
  boolean fastRelease() {
    return false;
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
    return local.isHeldByCurrentThread() && ownerDied;
  }

  /** Marks the current hold as taken over (by a Condition that reacquired it so). */
  final void markOwnerDied() {
    ownerDied = true;
  }

  /**
   * Whether some thread of any process holds the lock (a snapshot, for monitoring).
   *
   * @return true if locked
   */
  public boolean isLocked() {
    return (mem.getInt(HDR_LOCK) & 0x7FFFFFFF) != 0;
  }

  /**
   * Whether the calling thread holds the lock.
   *
   * @return true if it does
   */
  public boolean isHeldByCurrentThread() {
    return local.isHeldByCurrentThread();
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

  /** Releases the local gate entirely for a condition wait; returns the hold count. */
  final int releaseLocalForWait() {
    int holds = local.getHoldCount();
    for (int i = 0; i < holds; i++) {
      local.unlock();
    }
    return holds;
  }

  /** Retakes the local gate after a condition wait, without giving up on interruption. */
  final void retakeLocalAfterWait(int holds) {
    for (int i = 0; i < holds; i++) {
      local.lock();
    }
  }

  @Override
  boolean quiesce(long deadlineNs) throws InterruptedException {
    return super.quiesce(deadlineNs)
        && local.tryLock(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  @Override
  void afterQuiesce() {
    local.unlock();
  }
}
