package org.mproc.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Counts the native calls in flight on an object's handle, so that {@code close()} never frees
 * the handle under one: a call is entered only while the object is open, and {@code close()}
 * marks the object closed first and then waits for the count to drop to zero. Both sides use
 * sequentially consistent accesses, so either the call sees {@code closed} or {@code close()}
 * sees the call. An object whose handle a blocked call may hold for long (a descriptor a send
 * is blocked on) gives a release action instead: {@link #releaseWhenIdle} runs it once no call
 * is in flight, or else the last call to {@link #exit()} does.
 */
public final class CallsInFlight {
  private final AtomicInteger count = new AtomicInteger();
  private final BooleanSupplier closed;
  private final Runnable release;
  private final AtomicBoolean released = new AtomicBoolean();

  /**
   * Counts calls on an object.
   *
   * @param closed the object's closed flag (a volatile read)
   */
  public CallsInFlight(BooleanSupplier closed) {
    this(closed, null);
  }

  /**
   * Counts calls on an object whose handle is freed by {@code release}, once, when the object
   * is closed and no call is in flight.
   *
   * @param closed the object's closed flag (a volatile read)
   * @param release frees the handle
   */
  public CallsInFlight(BooleanSupplier closed, Runnable release) {
    this.closed = closed;
    this.release = release;
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

  /** Ends a call begun by {@link #enter()}; the last one out of a closed object releases it. */
  public void exit() {
    if (count.decrementAndGet() == 0 && release != null && closed.getAsBoolean()) {
      releaseOnce();
    }
  }

  /**
   * After the object was marked closed: waits until no call is in flight, at most until the
   * deadline, and then runs the release action; if calls are still in flight then, the last of
   * them runs it. An interrupt ends the wait early and stays set.
   *
   * @param deadlineNs a {@link System#nanoTime()} deadline
   */
  public void releaseWhenIdle(long deadlineNs) {
    try {
      awaitNone(deadlineNs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (count.get() == 0) {
      releaseOnce();
    }
  }

  private void releaseOnce() {
    if (released.compareAndSet(false, true)) {
      release.run();
    }
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
