package org.mproc.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Counts the native calls in flight on an object's handle, so that {@code close()} never frees
 * the handle under one: a call is entered only while the object is open, and {@code close()}
 * marks the object closed first and then waits for the count to drop to zero. Both sides use
 * sequentially consistent accesses, so either the call sees {@code closed} or {@code close()}
 * sees the call.
 */
public final class CallsInFlight {
  private final AtomicInteger count = new AtomicInteger();
  private final BooleanSupplier closed;

  /**
   * Counts calls on an object.
   *
   * @param closed the object's closed flag (a volatile read)
   */
  public CallsInFlight(BooleanSupplier closed) {
    this.closed = closed;
  }

  /**
   * Whether the object is closed.
   *
   * @return the object's closed flag
   */
  public boolean isClosed() {
    return closed.getAsBoolean();
  }

  /**
   * Marks a call in flight.
   *
   * @throws org.mproc.ObjectClosedException if the object is closed
   */
  public void enter() {
    count.incrementAndGet();
    if (closed.getAsBoolean()) {
      count.decrementAndGet();
      throw Native.closed();
    }
  }

  /** Ends a call begun by {@link #enter()}. */
  public void exit() {
    count.decrementAndGet();
  }

  /**
   * Waits until no call is in flight, sleeping a millisecond at a time.
   *
   * @param deadlineNs a {@link System#nanoTime()} deadline
   * @return true if none is in flight; false if the deadline passed first
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitNone(long deadlineNs) throws InterruptedException {
    while (count.get() != 0) {
      if (System.nanoTime() - deadlineNs >= 0) {
        return false;
      }
      Thread.sleep(1);
    }
    return true;
  }
}
