package org.mproc.sync;

import java.io.Serializable;
import java.time.Duration;
import java.util.Date;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import org.mproc.ErrorCode;
import org.mproc.ObjectClosedException;

/**
 * Python's {@code multiprocessing.Condition} for Java: a condition variable shared by processes,
 * used with a {@link SharedLock} or {@link SharedRLock}, implementing
 * {@link java.util.concurrent.locks.Condition}.
 *
 * <pre>{@code
 * SharedLock lock = SharedLock.create("/q-lock");
 * SharedCondition nonEmpty = SharedCondition.create("/q-nonempty", lock);
 * lock.lock();
 * try {
 *   while (queueIsEmpty()) {
 *     nonEmpty.await();          // another process: lock; add; nonEmpty.signal(); unlock
 *   }
 * } finally {
 *   lock.unlock();
 * }
 * }</pre>
 *
 * <p>The condition is its own shared object (a notify sequence); the lock is separate, as in
 * Python's {@code Condition(lock)} and pthreads. Another process opens both by name, or gets both
 * when this object is captured by a {@link org.mproc.process.Subprocess} target.
 *
 * <p><b>Waiting</b> releases the lock entirely (every level of an RLock) and reacquires it to the
 * same depth before returning, whatever happens. Waiting without holding the lock throws
 * {@link IllegalMonitorStateException}. If the lock's owner died while this thread was waiting
 * to reacquire it, the lock's {@link AbstractSharedLock#ownerDied()} is true afterwards.
 *
 * <p><b>Spurious wake-ups</b> happen: a {@link #signal()} may wake more than one waiter, and a
 * waiter may return although nobody signalled; always wait in a loop on the predicate.
 * <b>Fairness:</b> none; which waiter a {@code signal()} wakes is unspecified.
 * <b>Interruption</b> is checked at least every 100 ms.
 */
public final class SharedCondition implements Condition, AutoCloseable, Serializable {
  private static final long serialVersionUID = 1L;

  /* Both are handed to a child as handles (they are Handoff sources); nothing else is needed. */
  private final AbstractSharedLock lock;
  private final ConditionWord word;

  private SharedCondition(AbstractSharedLock lock, ConditionWord word) {
    this.lock = lock;
    this.word = word;
  }

  /**
   * Creates a condition for {@code lock}, named (other processes open it with
   * {@link #open(String, AbstractSharedLock)} and the same lock) or anonymous.
   *
   * @param name a name, or {@code null} for an anonymous condition
   * @param lock the lock its waiters hold
   * @return the new condition
   * @throws org.mproc.ObjectExistsException if a live object has that name
   */
  public static SharedCondition create(String name, AbstractSharedLock lock) {
    Objects.requireNonNull(lock, "lock");
    long h = SyncObject.createHandle(name, org.mproc.ObjectKind.CONDITION, 0, 0);
    return new SharedCondition(lock, new ConditionWord(h, name));
  }

  /**
   * Opens a named condition created by any process, to be used with {@code lock}.
   *
   * @param name the condition's name
   * @param lock the lock its waiters hold (the same lock as everyone else's)
   * @return the condition
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a Condition
   */
  public static SharedCondition open(String name, AbstractSharedLock lock) {
    Objects.requireNonNull(lock, "lock");
    return new SharedCondition(
        lock, new ConditionWord(SyncObject.openHandle(name, org.mproc.ObjectKind.CONDITION), name));
  }

  /**
   * The lock this condition is used with.
   *
   * @return the lock
   */
  public AbstractSharedLock lock() {
    return lock;
  }

  /**
   * The condition's name.
   *
   * @return the name, or empty when anonymous
   */
  public Optional<String> name() {
    return word.name();
  }

  /**
   * Waits until signalled (possibly spuriously) or interrupted.
   *
   * @throws InterruptedException if interrupted; the lock is held again when it is thrown
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   */
  @Override
  public void await() throws InterruptedException {
    awaitUntilDeadline(Long.MAX_VALUE, true);
  }

  /**
   * Waits until signalled (possibly spuriously); interruption is re-asserted, not thrown.
   *
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   */
  @Override
  public void awaitUninterruptibly() {
    try {
      awaitUntilDeadline(Long.MAX_VALUE, false);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Waits until signalled, interrupted or the time passes.
   *
   * @param nanosTimeout the most to wait
   * @return an estimate of the time left; zero or less when it passed
   * @throws InterruptedException if interrupted
   */
  @Override
  public long awaitNanos(long nanosTimeout) throws InterruptedException {
    long deadline = System.nanoTime() + Math.max(0, nanosTimeout);
    awaitUntilDeadline(deadline, true);
    return deadline - System.nanoTime();
  }

  /**
   * Waits until signalled, interrupted or the time passes.
   *
   * @param time the most to wait
   * @param unit its unit
   * @return false if the time passed without a signal
   * @throws InterruptedException if interrupted
   */
  @Override
  public boolean await(long time, TimeUnit unit) throws InterruptedException {
    return awaitUntilDeadline(System.nanoTime() + Math.max(0, unit.toNanos(time)), true);
  }

  /**
   * Python's {@code wait(timeout)}: waits until signalled, interrupted or the timeout passes.
   *
   * @param timeout the most to wait
   * @return false if the timeout passed without a signal
   * @throws InterruptedException if interrupted
   * @throws IllegalArgumentException if the timeout is negative, naming it
   */
  public boolean await(Duration timeout) throws InterruptedException {
    return awaitUntilDeadline(SyncObject.deadline(timeout), true);
  }

  /**
   * Waits until signalled, interrupted or the date passes.
   *
   * @param deadline the wall-clock deadline
   * @return false if the deadline passed without a signal
   * @throws InterruptedException if interrupted
   */
  @Override
  public boolean awaitUntil(Date deadline) throws InterruptedException {
    long ms = deadline.getTime() - System.currentTimeMillis();
    return await(Math.max(0, ms), TimeUnit.MILLISECONDS);
  }

  /** Returns whether a notify arrived (true) or the deadline passed (false). */
  private boolean awaitUntilDeadline(long deadline, boolean interruptible)
      throws InterruptedException {
    if (!lock.isHeldByCurrentThread()) {
      throw new IllegalMonitorStateException(
          "await on " + this + ": " + Thread.currentThread() + " does not hold " + lock);
    }
    int[] ts = new int[2];
    // The hold is given up in this JVM before the native call releases the word, so that the
    // thread of this JVM that takes the word next finds the local state clear.
    int depth = lock.header.releaseForWait();
    int rc;
    try {
      rc = begin(ts);
    } catch (RuntimeException | Error e) {
      lock.header.restoreAfterFailedWait(depth);
      throw e;
    }
    if (rc != 0) {
      lock.header.restoreAfterFailedWait(depth);
      if (rc == ErrorCode.ENOTOWNER.code()) {
        throw new IllegalMonitorStateException(
            "await on " + this + ": the lock was released or taken over by another process");
      }
      throw word.failure(rc, "await");
    }
    lock.header.wakeParked();
    boolean interrupted = false;
    boolean notified = false;
    try {
      for (; ; ) {
        if (Thread.interrupted()) {
          interrupted = true;
          break;
        }
        long slice = SyncObject.slice(deadline);
        if (slice <= 0) {
          break;
        }
        word.enter();
        try {
          rc = word.api.conditionWaitSleep(word.handle, ts[0], slice);
        } finally {
          word.exit();
        }
        if (rc == 0) {
          notified = true;
          break;
        }
        if (rc != ErrorCode.ETIMEDOUT.code()) {
          throw word.failure(rc, "await");
        }
      }
    } finally {
      reacquire(depth, ts[1]);
    }
    if (interrupted) {
      if (interruptible) {
        throw new InterruptedException("interrupted while waiting on " + this);
      }
      Thread.currentThread().interrupt();
    }
    return notified;
  }

  /** The native begin of a wait: registers, takes a ticket and releases the lock's word. */
  private int begin(int[] ts) {
    word.enter();
    try {
      lock.enter();
      try {
        return word.api.conditionWaitBegin(word.handle, lock.handle, ts);
      } finally {
        lock.exit();
      }
    } finally {
      word.exit();
    }
  }

  /**
   * Takes the lock back after a wait, to the depth it had, whatever happened meanwhile: through
   * the condition's native end (which also deregisters the waiter) or, if the condition was
   * closed, through the lock alone.
   */
  private void reacquire(int depth, int saved) {
    lock.header.reacquire(
        slice -> {
          if (!word.isClosed()) {
            try {
              word.enter();
            } catch (ObjectClosedException e) {
              return lock.api.lockAcquire(lock.segment, slice);
            }
            try {
              return word.api.conditionWaitEnd(word.handle, lock.handle, saved, slice);
            } finally {
              word.exit();
            }
          }
          return lock.api.lockAcquire(lock.segment, slice);
        },
        depth);
  }

  /**
   * Wakes one waiter (Python's {@code notify()}); more may wake (see spurious wake-ups).
   *
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   */
  @Override
  public void signal() {
    signal(1);
  }

  /**
   * Wakes up to {@code n} waiters (Python's {@code notify(n)}); more may wake spuriously.
   *
   * @param n how many, at least 1
   * @throws IllegalArgumentException if {@code n} is less than 1, naming it
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   */
  public void signal(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1: n=" + n);
    }
    if (!lock.isHeldByCurrentThread()) {
      throw new IllegalMonitorStateException(
          "signal " + this + ": " + Thread.currentThread() + " does not hold " + lock);
    }
    int rc;
    word.enter();
    try {
      lock.enter();
      try {
        rc = word.api.conditionNotify(word.handle, lock.handle, n);
      } finally {
        lock.exit();
      }
    } finally {
      word.exit();
    }
    if (rc == ErrorCode.ENOTOWNER.code()) {
      throw new IllegalMonitorStateException(
          "signal " + this + ": the lock was released or taken over by another process");
    }
    if (rc != 0) {
      throw word.failure(rc, "signal");
    }
  }

  /**
   * Wakes every waiter (Python's {@code notify_all()}).
   *
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   */
  @Override
  public void signalAll() {
    signal(Integer.MAX_VALUE);
  }

  /**
   * How many threads of any process are waiting (a snapshot; may overcount after a waiter was
   * killed).
   *
   * @return the waiters
   */
  public int waiters() {
    return word.bodyInt(ConditionWord.WAITERS);
  }

  /**
   * Removes the condition's name (not the lock's). Does nothing for an anonymous condition.
   *
   * @throws org.mproc.NoSuchObjectException if the name was already removed
   */
  public void unlink() {
    word.unlink();
  }

  /** Detaches this process from the condition (not from its lock). Idempotent. */
  @Override
  public void close() {
    word.close();
  }

  /**
   * Whether {@link #close()} was called.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return word.isClosed();
  }

  @Override
  public String toString() {
    return "SharedCondition[" + word.describe() + "]";
  }
}
