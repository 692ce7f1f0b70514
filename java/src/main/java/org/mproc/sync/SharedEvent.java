package org.mproc.sync;

import java.time.Duration;
import org.mproc.ErrorCode;
import org.mproc.ObjectKind;

/**
 * Python's {@code multiprocessing.Event} for Java: a flag shared by processes that threads can
 * wait for.
 *
 * <pre>{@code
 * SharedEvent ready = SharedEvent.create("/ready");
 * // in a child: ready.set();
 * if (!ready.await(Duration.ofSeconds(5))) {
 *   throw new IllegalStateException("the child did not get ready");
 * }
 * }</pre>
 *
 * <p>{@link #set()} wakes every waiter of every process; waiting for a set event returns at
 * once. A waiter does not miss a {@code set()} followed quickly by {@code clear()} only if it was
 * already asleep and is scheduled before the clear: as in Python, prefer not to clear an event
 * while others are about to wait for it. A process killed while waiting blocks nobody.
 * <b>Interruption</b> is checked at least every 100 ms.
 */
public final class SharedEvent extends SyncObject {
  private static final int FLAG = 0;
  private static final int SPINS = 2_000;

  SharedEvent(long handle, String name) {
    super(handle, name, ObjectKind.EVENT);
  }

  /**
   * Creates an event, initially clear.
   *
   * @param name a name, or {@code null} for an anonymous event
   * @return the event
   * @throws org.mproc.ObjectExistsException if a live object has that name
   */
  public static SharedEvent create(String name) {
    return new SharedEvent(createHandle(name, ObjectKind.EVENT, 0, 0), name);
  }

  /**
   * Creates an anonymous event, for this process and the children it is handed to.
   *
   * @return the event
   */
  public static SharedEvent create() {
    return create(null);
  }

  /**
   * Opens a named event created by any process.
   *
   * @param name the name
   * @return the event
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not an Event
   */
  public static SharedEvent open(String name) {
    return new SharedEvent(openHandle(name, ObjectKind.EVENT), name);
  }

  /** Sets the flag and wakes every waiter. */
  public void set() {
    enter();
    int rc;
    try {
      rc = api.eventSet(handle);
    } finally {
      exit();
    }
    if (rc != 0) {
      throw failure(rc, "set");
    }
  }

  /** Clears the flag. */
  public void clear() {
    enter();
    int rc;
    try {
      rc = api.eventClear(handle);
    } finally {
      exit();
    }
    if (rc != 0) {
      throw failure(rc, "clear");
    }
  }

  /**
   * Whether the flag is set.
   *
   * @return true if set
   */
  public boolean isSet() {
    return bodyInt(FLAG) != 0;
  }

  /**
   * Waits until the flag is set.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void await() throws InterruptedException {
    await(Long.MAX_VALUE);
  }

  /**
   * Python's {@code wait(timeout)}: waits until the flag is set or the timeout passes.
   *
   * @param timeout the most to wait; zero only checks
   * @return true if the flag is set, false if the timeout passed first
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if the timeout is negative, naming it
   */
  public boolean await(Duration timeout) throws InterruptedException {
    return await(deadline(timeout));
  }

  private boolean await(long deadline) throws InterruptedException {
    // Spin briefly on the mapped word first: a set() that comes within microseconds is then seen
    // without a native call and without the sleep-and-wake-up that dominates a round trip.
    for (int i = 0; i < SPINS; i++) {
      if (isSet()) {
        return true;
      }
      Thread.onSpinWait();
    }
    for (; ; ) {
      if (isSet()) {
        return true;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while waiting for " + this);
      }
      long slice = Math.max(0, slice(deadline));
      enter();
      int rc;
      try {
        rc = api.eventWait(handle, slice);
      } finally {
        exit();
      }
      if (rc == 0) {
        return true;
      }
      if (rc != ErrorCode.ETIMEDOUT.code()) {
        throw failure(rc, "wait");
      }
      if (slice == 0) {
        return false;
      }
    }
  }
}
