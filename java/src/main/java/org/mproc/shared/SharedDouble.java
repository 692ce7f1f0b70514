package org.mproc.shared;

/**
 * A double in shared memory: Python's {@code multiprocessing.Value} with type code 'd' (Python {@code Value('d')}, C {@code MPROC_FLOAT64}),
 * shaped like {@link java.util.concurrent.atomic.AtomicLong}.
 *
 * <p>Every process that creates or opens it sees the same value; reads and writes are volatile
 * and go straight to the mapped memory (no native call), and the read-modify-write methods are
 * atomic across processes. For compound updates across several calls, hold {@link #lock()}
 * (Python's {@code get_lock()}). Python's {@code RawValue} is the same object without using
 * the lock.
 *
 * <pre>{@code
 * try (SharedDouble v = SharedDouble.create("/counter", (double) 0)) {
 *   v.set(v.get() + 1);            // from any process that opened "/counter"
 *   try (LockHold h = v.lock()) {  // with v.get_lock(): v.value = v.value * 2
 *     v.set((double) (v.get() * 2));
 *   }
 * }
 * }</pre>
 */
public final class SharedDouble extends SharedData {
  private final long off;

  private SharedDouble(long handle, String name) {
    super(handle, name, ElementType.FLOAT64);
    this.off = offset(0);
  }

  /**
   * Creates an anonymous value, for this process and the children it is handed to.
   *
   * @param initial the initial value
   * @return the new value
   */
  public static SharedDouble create(double initial) {
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
  public static SharedDouble create(String name, double initial) {
    byte[] init = initBuffer(8).putDouble(0, initial).array();
    return new SharedDouble(createHandle(name, ElementType.FLOAT64, true, 1, init), name);
  }

  /**
   * Opens a named value created by any process.
   *
   * @param name the name
   * @return the value
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a double Value
   */
  public static SharedDouble open(String name) {
    return new SharedDouble(openHandle(name, ElementType.FLOAT64, true), name);
  }

  /**
   * Reads the value.
   *
   * @return the current value (volatile read)
   */
  public double get() {
    return Double.longBitsToDouble(mem.getLong(off));
  }

  /**
   * Writes the value.
   *
   * @param value the new value (volatile write)
   */
  public void set(double value) {
    mem.setLong(off, Double.doubleToRawLongBits(value));
  }

  /**
   * Atomically sets the value if it equals {@code expected} (compared bit for bit, so NaN matches NaN and -0.0 does not match 0.0).
   *
   * @param expected the expected value
   * @param value the new value
   * @return true if the value was {@code expected} and is now {@code value}
   */
  public boolean compareAndSet(double expected, double value) {
    return mem.compareAndSetLong(off, Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(value));
  }

  /**
   * Atomically replaces the value.
   *
   * @param value the new value
   * @return the previous value
   */
  public double getAndSet(double value) {
    for (;;) {
      double old = get();
      if (compareAndSet(old, value)) {
        return old;
      }
    }
  }

  /**
   * Atomically adds to the value.
   *
   * @param delta the value to add
   * @return the previous value
   */
  public double getAndAdd(double delta) {
    for (;;) {
      double old = get();
      if (compareAndSet(old, (double) (old + delta))) {
        return old;
      }
    }
  }

  /**
   * Atomically adds to the value.
   *
   * @param delta the value to add
   * @return the new value
   */
  public double addAndGet(double delta) {
    return (double) (getAndAdd(delta) + delta);
  }

  /**
   * The value as text, like {@code Double.toString}.
   *
   * @return the current value formatted
   */
  @Override
  public String toString() {
    return isClosed() ? "SharedDouble[closed]" : String.valueOf(get());
  }
}
