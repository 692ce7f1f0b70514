package org.mproc.shared;

/**
 * A long in shared memory: Python's {@code multiprocessing.Value} with type code 'q' (Python {@code Value('q')}, C {@code MPROC_INT64}),
 * shaped like {@link java.util.concurrent.atomic.AtomicLong}.
 *
 * <p>Every process that creates or opens it sees the same value; reads and writes are volatile
 * and go straight to the mapped memory (no native call), and the read-modify-write methods are
 * atomic across processes. For compound updates across several calls, hold {@link #lock()}
 * (Python's {@code get_lock()}). Python's {@code RawValue} is the same object without using
 * the lock.
 *
 * <pre>{@code
 * try (SharedLong v = SharedLong.create("/counter", (long) 0)) {
 *   v.addAndGet(1);            // from any process that opened "/counter"
 *   try (LockHold h = v.lock()) {  // with v.get_lock(): v.value = v.value * 2
 *     v.set((long) (v.get() * 2));
 *   }
 * }
 * }</pre>
 */
public final class SharedLong extends SharedData {
  private final long off;

  private SharedLong(long handle, String name) {
    super(handle, name, ElementType.INT64);
    this.off = offset(0);
  }

  /**
   * Creates an anonymous value, for this process and the children it is handed to.
   *
   * @param initial the initial value
   * @return the new value
   */
  public static SharedLong create(long initial) {
    return create(null, initial);
  }

  /**
   * Creates a named value that other processes (Java, C, Python) can open by name.
   *
   * @param name a name such as {@code "/counter"}, or {@code null} for an anonymous value
   * @param initial the initial value, in place before any other process can see the object
   * @return the new value
   * @throws org.mproc.ObjectExistsException if a live object has that name
   * @throws org.mproc.InvalidNameException if the name is not valid
   */
  public static SharedLong create(String name, long initial) {
    byte[] init = initBuffer(8).putLong(0, initial).array();
    return new SharedLong(createHandle(name, ElementType.INT64, true, 1, init), name);
  }

  /**
   * Opens a named value created by any process.
   *
   * @param name the name
   * @return the value
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a long Value
   */
  public static SharedLong open(String name) {
    return new SharedLong(openHandle(name, ElementType.INT64, true), name);
  }

  /**
   * Reads the value.
   *
   * @return the current value (volatile read)
   */
  public long get() {
    return mem.getLong(off);
  }

  /**
   * Writes the value.
   *
   * @param value the new value (volatile write)
   */
  public void set(long value) {
    mem.setLong(off, value);
  }

  /**
   * Atomically sets the value if it equals {@code expected}.
   *
   * @param expected the expected value
   * @param value the new value
   * @return true if the value was {@code expected} and is now {@code value}
   */
  public boolean compareAndSet(long expected, long value) {
    return mem.compareAndSetLong(off, expected, value);
  }

  /**
   * Atomically replaces the value.
   *
   * @param value the new value
   * @return the previous value
   */
  public long getAndSet(long value) {
    for (;;) {
      long old = get();
      if (compareAndSet(old, value)) {
        return old;
      }
    }
  }

  /**
   * Atomically adds to the value, wrapping around on overflow.
   *
   * @param delta the value to add
   * @return the previous value
   */
  public long getAndAdd(long delta) {
    return mem.getAndAddLong(off, delta);
  }

  /**
   * Atomically adds to the value, wrapping around on overflow.
   *
   * @param delta the value to add
   * @return the new value
   */
  public long addAndGet(long delta) {
    return (long) (getAndAdd(delta) + delta);
  }

  /**
   * Atomically adds one.
   *
   * @return the previous value
   */
  public long getAndIncrement() {
    return getAndAdd((long) 1);
  }

  /**
   * Atomically adds one.
   *
   * @return the new value
   */
  public long incrementAndGet() {
    return addAndGet((long) 1);
  }

  /**
   * Atomically subtracts one.
   *
   * @return the previous value
   */
  public long getAndDecrement() {
    return getAndAdd((long) -1);
  }

  /**
   * Atomically subtracts one.
   *
   * @return the new value
   */
  public long decrementAndGet() {
    return addAndGet((long) -1);
  }

  /**
   * The value as text, like {@code Long.toString}.
   *
   * @return the current value formatted
   */
  @Override
  public String toString() {
    return isClosed() ? "SharedLong[closed]" : String.valueOf(get());
  }
}
