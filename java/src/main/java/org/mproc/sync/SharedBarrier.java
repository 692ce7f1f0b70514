package org.mproc.sync;

import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeoutException;
import org.mproc.ErrorCode;
import org.mproc.ObjectKind;

/**
 * Python's {@code multiprocessing.Barrier} for Java: {@code parties} threads of any processes
 * wait for each other, then all go on; the barrier is then ready for the next cycle.
 *
 * <pre>{@code
 * SharedBarrier start = SharedBarrier.create("/start", 3);
 * int index = start.await();   // in 3 processes; 0 for the first to arrive, 2 for the last
 * }</pre>
 *
 * <p><b>Broken state</b> (Python's {@code BrokenBarrierError}, Java's
 * {@link BrokenBarrierException}): a barrier breaks when a waiting party times out, is
 * interrupted, calls {@link #abort()}, or <em>dies while waiting</em> (waiters probe each other's
 * liveness every 10 ms), so the survivors are released with the exception instead of hanging.
 * It stays broken, for every process, until {@link #reset()}. A party that dies before it
 * arrives is not noticed: the others wait until their timeout.
 *
 * <p>Unlike {@link java.util.concurrent.CyclicBarrier} there is no barrier action, and the index
 * follows Python: the arrival order, 0 first. <b>Fairness</b> is irrelevant here; wake-ups are
 * never spurious (a return means the cycle tripped). <b>Interruption</b> is checked at least
 * every 100 ms and breaks the barrier, as in {@code CyclicBarrier}.
 */
public final class SharedBarrier extends SyncObject {
  private static final int PARTIES = 0;
  static final int COUNT = 4;
  static final int BROKEN = 12;

  SharedBarrier(long handle, String name) {
    super(handle, name, ObjectKind.BARRIER);
  }

  /**
   * Creates a barrier.
   *
   * @param name a name, or {@code null} for an anonymous barrier
   * @param parties how many must arrive, 1 to 65535
   * @return the barrier
   * @throws IllegalArgumentException if {@code parties} is out of range, naming it
   */
  public static SharedBarrier create(String name, int parties) {
    if (parties < 1 || parties > 65535) {
      throw new IllegalArgumentException("parties must be 1 to 65535: parties=" + parties);
    }
    return new SharedBarrier(createHandle(name, ObjectKind.BARRIER, parties, 0), name);
  }

  /**
   * Opens a named barrier created by any process.
   *
   * @param name the name
   * @return the barrier
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a Barrier
   */
  public static SharedBarrier open(String name) {
    return new SharedBarrier(openHandle(name, ObjectKind.BARRIER), name);
  }

  /**
   * Waits until all parties have arrived.
   *
   * @return the arrival index: 0 for the first, {@code parties() - 1} for the last
   * @throws BrokenBarrierException if the barrier is or becomes broken
   * @throws InterruptedException if interrupted while waiting (the barrier is then broken)
   */
  public int await() throws InterruptedException, BrokenBarrierException {
    try {
      return await(Long.MAX_VALUE);
    } catch (TimeoutException e) {
      throw new AssertionError("no timeout was given", e);
    }
  }

  /**
   * Python's {@code wait(timeout)}: waits until all parties have arrived or the timeout passes,
   * which breaks the barrier.
   *
   * @param timeout the most to wait
   * @return the arrival index
   * @throws TimeoutException if the timeout passed (the barrier is now broken for everyone)
   * @throws BrokenBarrierException if the barrier is or becomes broken
   * @throws InterruptedException if interrupted while waiting (the barrier is then broken)
   * @throws IllegalArgumentException if the timeout is negative, naming it
   */
  public int await(Duration timeout)
      throws InterruptedException, BrokenBarrierException, TimeoutException {
    return await(deadline(timeout));
  }

  private int await(long deadline)
      throws InterruptedException, BrokenBarrierException, TimeoutException {
    int[] ci = new int[2];
    enter();
    int rc;
    try {
      rc = api.barrierArrive(handle, ci);
    } finally {
      exit();
    }
    check(rc, "await");
    for (; ; ) {
      boolean interrupted = Thread.interrupted();
      long slice = slice(deadline);
      if (interrupted || slice <= 0) {
        if (cancel(ci[0])) {
          return ci[1]; // it tripped just now: the wait succeeded after all
        }
        if (interrupted) {
          throw new InterruptedException("interrupted while waiting at " + this);
        }
        throw new TimeoutException("await " + describe() + ": timed out; the barrier is broken");
      }
      enter();
      try {
        rc = api.barrierAwait(handle, ci[0], slice);
      } finally {
        exit();
      }
      if (rc == 0) {
        return ci[1];
      }
      if (rc != ErrorCode.ETIMEDOUT.code()) {
        check(rc, "await");
      }
    }
  }

  /** Gives up the cycle; true if it had tripped meanwhile. */
  private boolean cancel(int cycle) throws BrokenBarrierException {
    int[] tripped = new int[1];
    enter();
    int rc;
    try {
      rc = api.barrierCancel(handle, cycle, tripped);
    } finally {
      exit();
    }
    if (rc == ErrorCode.EBROKEN.code()) {
      return false; // broken anyway: the caller reports its own reason
    }
    check(rc, "cancel");
    return tripped[0] != 0;
  }

  private void check(int rc, String operation) throws BrokenBarrierException {
    if (rc == ErrorCode.EBROKEN.code()) {
      throw new BrokenBarrierException(
          operation + " " + describe() + ": the barrier is broken (a party timed out, was"
              + " interrupted, died or aborted it)");
    }
    if (rc != 0) {
      throw failure(rc, operation);
    }
  }

  /** Breaks the barrier: waiting and later parties get {@link BrokenBarrierException}. */
  public void abort() {
    enter();
    int rc;
    try {
      rc = api.barrierAbort(handle);
    } finally {
      exit();
    }
    if (rc != 0) {
      throw failure(rc, "abort");
    }
  }

  /**
   * Returns the barrier to its initial state; parties waiting now get
   * {@link BrokenBarrierException}.
   */
  public void reset() {
    enter();
    int rc;
    try {
      rc = api.barrierReset(handle);
    } finally {
      exit();
    }
    if (rc != 0) {
      throw failure(rc, "reset");
    }
  }

  /**
   * How many parties must arrive.
   *
   * @return the parties
   */
  public int parties() {
    return bodyInt(PARTIES);
  }

  /**
   * How many parties wait in the current cycle (Python's {@code n_waiting}).
   *
   * @return a snapshot of the count
   */
  public int waiting() {
    return bodyInt(COUNT);
  }

  /**
   * Whether the barrier is broken.
   *
   * @return true until {@link #reset()}
   */
  public boolean isBroken() {
    return bodyInt(BROKEN) != 0;
  }
}
