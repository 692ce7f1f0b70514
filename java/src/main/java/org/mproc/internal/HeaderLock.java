package org.mproc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.mproc.ErrorCode;
import org.mproc.ObjectClosedException;

/**
 * The JVM side of a segment's header lock (the robust lock word at offset 128, "Robust lock"
 * in {@code mproc.h}), shared by Values, Arrays, Locks and RLocks: it turns a lock that belongs
 * to a native handle (a participant slot) into a lock that belongs to one thread of this JVM.
 *
 * <p><b>No second lock on the fast path.</b> The lock word itself excludes other processes
 * <em>and</em> the other threads of this JVM: they all compare-and-set the same word to the
 * same owner word (this handle's), so exactly one wins, and {@code owner} then records which
 * thread it is. Uncontended, lock and unlock are one CAS each on the mapped word and no native
 * call, exactly C's fast path.
 *
 * <p><b>Waiting.</b> A thread that finds the word held takes {@code gate} (so at most one thread
 * of this JVM waits at a time; the others queue on the gate, in Java) and then waits in one of
 * two ways: if the holder is a thread of this JVM (the word holds our owner word; the native
 * acquire would answer {@code EDEADLK}), it parks until that thread's release unparks it;
 * otherwise it waits in native slices of at most 100 ms, checking interruption, the deadline and
 * {@code closed} between them. The parked thread publishes itself in {@code parked} and then
 * re-reads the word; a releaser stores the word and then reads {@code parked}: with both
 * accesses sequentially consistent one of them sees the other, so a wake-up is never lost.
 *
 * <p><b>Lifetime.</b> The mapped word is safe to touch after the object is closed (accesses
 * throw, see {@link Memory}); only native calls need the handle, and they run counted by the
 * owner's {@link CallsInFlight}, which {@code close()} waits for. A hold outlives a close as
 * "abandoned": its release touches nothing, and the next acquirer in another process is told the
 * owner died.
 *
 * <p><b>Reentrancy</b> is the caller's choice ({@link #acquire} is told); the depth lives in
 * {@code holds} and, for RLocks, in a shared depth word that C programs read.
 */
public final class HeaderLock {
  /** Segment offset of the header's robust lock word. */
  public static final long WORD = 128;

  /* Longest native wait between checks for interruption, deadlines and close. */
  private static final long SLICE_NS = TimeUnit.MILLISECONDS.toNanos(100);

  /** {@link #release()}'s answer when the calling thread does not hold the lock. */
  public static final int NOT_HELD_HERE = 1;

  private static final int CONTENDED = 0x80000000;
  private static final int EOWNERDEAD = ErrorCode.EOWNERDEAD.code();
  private static final int ETIMEDOUT = ErrorCode.ETIMEDOUT.code();
  private static final int EDEADLK = ErrorCode.EDEADLK.code();
  private static final VarHandle OWNER;

  static {
    try {
      OWNER = MethodHandles.lookup().findVarHandle(HeaderLock.class, "owner", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** One native acquisition attempt, run while the call is counted in flight. */
  @FunctionalInterface
  public interface Attempt {
    /**
     * Tries to acquire the word natively.
     *
     * @param sliceNs the most to wait; 0 tries without waiting
     * @return 0 or {@code EOWNERDEAD} (acquired), {@code ETIMEDOUT}, {@code EDEADLK} (the word
     *     is held through this handle, by another thread of this JVM), or another error code
     */
    int attempt(long sliceNs);
  }

  private final NativeApi api;
  private final long segment;
  private final Memory mem;
  private final int ownerWord;
  private final long depthWord;
  private final CallsInFlight calls;
  private final Supplier<String> describe;

  /* Accessed through OWNER with opaque semantics: a thread only ever asks "is it me?". */
  @SuppressWarnings("unused")
  private Thread owner;

  /* Read and written only by the owning thread; handed on through the word's CAS. */
  private int holds;
  private boolean ownerDied;

  /* Threads of this JVM that wait queue here; its holder is the one that waits. */
  private final ReentrantLock gate = new ReentrantLock();
  private volatile Thread parked;

  /**
   * Binds the header lock of a mapped segment.
   *
   * @param api the native API
   * @param segment the {@code mproc_segment_t*}
   * @param mem the view of the segment
   * @param depthWord segment offset of a shared recursion-depth word (an RLock's), or -1
   * @param calls the owning object's native calls in flight (and its closed flag)
   * @param describe the owning object's name for messages
   */
  public HeaderLock(
      NativeApi api,
      long segment,
      Memory mem,
      long depthWord,
      CallsInFlight calls,
      Supplier<String> describe) {
    this.api = api;
    this.segment = segment;
    this.mem = mem;
    this.ownerWord = api.lockOwnerWord(segment);
    this.depthWord = depthWord;
    this.calls = calls;
    this.describe = describe;
  }

  private Thread owner() {
    return (Thread) OWNER.getOpaque(this);
  }

  /**
   * Whether the calling thread holds the lock.
   *
   * @return true if it does
   */
  public boolean isHeldByCurrentThread() {
    return owner() == Thread.currentThread();
  }

  /**
   * The calling thread's recursion depth.
   *
   * @return the depth, 0 if it does not hold the lock
   */
  public int holds() {
    return isHeldByCurrentThread() ? holds : 0;
  }

  /**
   * Whether the calling thread's hold was taken over from a dead owner.
   *
   * @return true while the current hold is a takeover
   */
  public boolean ownerDied() {
    return isHeldByCurrentThread() && ownerDied;
  }

  /**
   * Acquires the lock for the calling thread, or one more level if it holds it already (the
   * caller refuses re-entry where it is not allowed).
   *
   * @param timeoutNs -1 to wait as long as it takes, 0 to try once, else the most to wait
   * @param interruptible whether interruption throws; otherwise it is re-asserted on return
   * @return whether the lock is now held
   * @throws InterruptedException if interruptible and interrupted while waiting
   * @throws ObjectClosedException if the object is or becomes closed
   */
  public boolean acquire(long timeoutNs, boolean interruptible) throws InterruptedException {
    if (calls.isClosed()) {
      throw Native.closed();
    }
    Thread me = Thread.currentThread();
    if (owner() == me) {
      if (holds == Integer.MAX_VALUE) {
        throw new Error("maximum lock count exceeded on " + describe.get());
      }
      holds++;
      if (depthWord >= 0) {
        mem.setIntRelease(depthWord, holds);
      }
      return true;
    }
    if (mem.compareAndSetInt(WORD, 0, ownerWord)) {
      took(me, false, 1);
      return true;
    }
    return contend(me, timeoutNs, interruptible, null, 1);
  }

  /**
   * Acquires the lock through a given native attempt, as long as it takes and ignoring
   * interruption (re-asserted on return), restoring a recursion depth: for a condition wait,
   * whose native end both retakes the lock and deregisters the waiter.
   *
   * @param attempt the native attempt
   * @param depth the depth to hold the lock at afterwards
   * @return whether the previous owner had died (the attempt answered {@code EOWNERDEAD})
   * @throws ObjectClosedException if the object is or becomes closed
   */
  public boolean reacquire(Attempt attempt, int depth) {
    try {
      contend(Thread.currentThread(), -1, false, attempt, depth);
    } catch (InterruptedException e) {
      throw new AssertionError("an uninterruptible wait threw", e);
    }
    return ownerDied;
  }

  private void took(Thread me, boolean died, int depth) {
    holds = depth;
    ownerDied = died;
    if (depthWord >= 0) {
      mem.setIntRelease(depthWord, depth);
    }
    OWNER.setOpaque(this, me);
  }

  private boolean contend(
      Thread me, long timeoutNs, boolean interruptible, Attempt attempt, int depth)
      throws InterruptedException {
    long deadline = timeoutNs < 0 ? Long.MAX_VALUE : saturatedDeadline(timeoutNs);
    if (timeoutNs < 0) {
      if (interruptible) {
        gate.lockInterruptibly();
      } else {
        gate.lock();
      }
    } else if (timeoutNs == 0 ? !gate.tryLock() : !gate.tryLock(timeoutNs, TimeUnit.NANOSECONDS)) {
      return false;
    }
    boolean interrupted = false;
    try {
      for (; ; ) {
        if (calls.isClosed()) {
          throw Native.closed();
        }
        long slice = timeoutNs == 0 ? 0 : slice(deadline);
        if (timeoutNs > 0 && slice <= 0) {
          return false;
        }
        int v = mem.getInt(WORD);
        if ((v & ~CONTENDED) == ownerWord) {
          // Held by a thread of this JVM: wait for its release to unpark us.
          if (timeoutNs == 0) {
            return false;
          }
          parked = me;
          if ((mem.getInt(WORD) & ~CONTENDED) == ownerWord) {
            LockSupport.parkNanos(this, slice);
          }
          parked = null;
        } else if (v == 0 && attempt == null) {
          if (mem.compareAndSetInt(WORD, 0, ownerWord)) {
            took(me, false, depth);
            return true;
          }
          continue;
        } else {
          int rc;
          calls.enter();
          try {
            if (attempt != null) {
              rc = attempt.attempt(slice);
            } else {
              // A try first: on FFM a critical downcall, much cheaper than a blocking one.
              rc = api.lockTry(segment);
              if (rc == ETIMEDOUT && slice != 0) {
                rc = api.lockAcquire(segment, slice);
              }
            }
          } finally {
            calls.exit();
          }
          if (rc == 0 || rc == EOWNERDEAD) {
            took(me, rc == EOWNERDEAD, depth);
            return true;
          }
          if (rc != ETIMEDOUT && rc != EDEADLK) {
            throw Native.exception(rc, "lock", describe.get());
          }
          if (rc == ETIMEDOUT && timeoutNs == 0) {
            return false;
          }
        }
        if (Thread.interrupted()) {
          if (interruptible) {
            throw new InterruptedException("interrupted while waiting for " + describe.get());
          }
          interrupted = true;
        }
      }
    } finally {
      gate.unlock();
      if (interrupted) {
        me.interrupt();
      }
    }
  }

  private static long saturatedDeadline(long timeoutNs) {
    long d = System.nanoTime() + timeoutNs;
    return d < 0 || d == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : d;
  }

  private static long slice(long deadline) {
    return deadline == Long.MAX_VALUE
        ? SLICE_NS
        : Math.min(SLICE_NS, deadline - System.nanoTime());
  }

  /**
   * Releases one level held by the calling thread. After the last level the word is released:
   * one CAS when nobody sleeps on it and no takeover is to be cleared, else natively (which
   * wakes a sleeper). Once the object is closed the hold is abandoned and nothing is touched.
   *
   * @return 0, {@link #NOT_HELD_HERE} if the calling thread does not hold the lock (nothing is
   *     done), or the native release's error code ({@code ENOTOWNER}: another process released
   *     the word or took it over)
   */
  public int release() {
    if (owner() != Thread.currentThread()) {
      return NOT_HELD_HERE;
    }
    if (holds > 1) {
      holds--;
      if (depthWord >= 0 && !calls.isClosed()) {
        mem.setIntRelease(depthWord, holds);
      }
      return 0;
    }
    boolean died = ownerDied;
    forget();
    try {
      return releaseWord(died);
    } finally {
      wakeParked();
    }
  }

  /**
   * Gives up the calling thread's hold entirely for a condition wait, before the native call
   * that releases the word: the local state must be clear before another thread of this JVM can
   * take the word.
   *
   * @return the depth given up, to be restored by {@link #reacquire}
   */
  public int releaseForWait() {
    int depth = holds;
    forget();
    return depth;
  }

  /**
   * Takes the hold back without touching the word, after a {@link #releaseForWait()} whose
   * native release failed because the word was never released.
   *
   * @param depth the depth given up
   */
  public void restoreAfterFailedWait(int depth) {
    if ((mem.getInt(WORD) & ~CONTENDED) == ownerWord) {
      holds = depth;
      OWNER.setOpaque(this, Thread.currentThread());
    }
  }

  /** Unparks the thread of this JVM waiting for a local holder, if any. */
  public void wakeParked() {
    Thread w = parked;
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  private void forget() {
    holds = 0;
    ownerDied = false;
    OWNER.setOpaque(this, null);
  }

  private int releaseWord(boolean died) {
    if (calls.isClosed()) {
      return 0; // the handle is gone: the hold counts as abandoned
    }
    try {
      if (depthWord >= 0) {
        mem.setIntRelease(depthWord, 0);
      }
      if (!died && mem.compareAndSetInt(WORD, ownerWord, 0)) {
        return 0;
      }
      calls.enter();
    } catch (ObjectClosedException e) {
      return 0; // closed meanwhile: abandoned
    }
    try {
      return api.lockRelease(segment);
    } finally {
      calls.exit();
    }
  }

  /**
   * Whether the word is held through this handle (by some thread of this JVM, or about to be).
   *
   * @return true if the word holds this handle's owner word
   */
  public boolean wordHeldHere() {
    return (mem.getInt(WORD) & ~CONTENDED) == ownerWord;
  }

  /**
   * Whether any thread of any process holds the word (a snapshot).
   *
   * @return true if locked
   */
  public boolean isLocked() {
    return (mem.getInt(WORD) & ~CONTENDED) != 0;
  }
}
