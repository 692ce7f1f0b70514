package org.mproc.shared;

/**
 * A float in shared memory: Python's {@code multiprocessing.Value} with type code 'f' (Python {@code Value('f')}, C {@code MPROC_FLOAT32}),
 * shaped like {@link java.util.concurrent.atomic.AtomicLong}.
 *
 * <p>Every process that creates or opens it sees the same value; reads and writes are volatile
 * and go straight to the mapped memory (no native call), and the read-modify-write methods are
 * atomic across processes. For compound updates across several calls, hold {@link #lock()}
 * (Python's {@code get_lock()}). Python's {@code RawValue} is the same object without using
 * the lock.
 *
 * <pre>{@code
 * try (SharedFloat v = SharedFloat.create("/counter", (float) 0)) {
 *   v.set(v.get() + 1);            // from any process that opened "/counter"
 *   try (LockHold h = v.lock()) {  // with v.get_lock(): v.value = v.value * 2
 *     v.set((float) (v.get() * 2));
 *   }
 * }
 * }</pre>
 */
public final class SharedFloat extends SharedData {
  private final long off;

  private SharedFloat(long handle, String name) {
    super(handle, name, ElementType.FLOAT32);
    this.off = offset(0);
  }

  /**
   * Creates an anonymous value, for this process and the children it is handed to.
   *
   * @param initial the initial value
   * @return the new value
   */
  public static SharedFloat create(float initial) {
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
  public static SharedFloat create(String name, float initial) {
    byte[] init = initBuffer(4).putFloat(0, initial).array();
    return new SharedFloat(createHandle(name, ElementType.FLOAT32, true, 1, init), name);
  }

  /**
   * Opens a named value created by any process.
   *
   * @param name the name
   * @return the value
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a float Value
   */
  public static SharedFloat open(String name) {
    return new SharedFloat(openHandle(name, ElementType.FLOAT32, true), name);
  }

  /**
   * Reads the value.
   *
   * @return the current value (volatile read)
   */
  public float get() {
    return Float.intBitsToFloat(mem.getInt(off));
  }

  /**
   * Writes the value.
   *
   * @param value the new value (volatile write)
   */
  public void set(float value) {
    mem.setInt(off, Float.floatToRawIntBits(value));
  }

  /**
   * Atomically sets the value if it equals {@code expected} (compared bit for bit, so NaN matches NaN and -0.0 does not match 0.0).
   *
   * @param expected the expected value
   * @param value the new value
   * @return true if the value was {@code expected} and is now {@code value}
   */
  public boolean compareAndSet(float expected, float value) {
    return mem.compareAndSetInt(off, Float.floatToRawIntBits(expected), Float.floatToRawIntBits(value));
  }

  /**
   * Atomically replaces the value.
   *
   * @param value the new value
   * @return the previous value
   */
  public float getAndSet(float value) {
    for (;;) {
      float old = get();
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
  public float getAndAdd(float delta) {
    for (;;) {
      float old = get();
      if (compareAndSet(old, (float) (old + delta))) {
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
  public float addAndGet(float delta) {
    return (float) (getAndAdd(delta) + delta);
  }

  /**
   * The value as text, like {@code Float.toString}.
   *
   * @return the current value formatted
   */
  @Override
  public String toString() {
    return isClosed() ? "SharedFloat[closed]" : String.valueOf(get());
  }
}
