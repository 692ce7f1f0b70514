package org.mproc.shared;

/**
 * A int in shared memory: Python's {@code multiprocessing.Value} with type code 'i' (Python {@code Value('i')}, C {@code MPROC_INT32}),
 * shaped like {@link java.util.concurrent.atomic.AtomicInteger}.
 *
 * <p>Every process that creates or opens it sees the same value; reads and writes are volatile
 * and go straight to the mapped memory (no native call), and the read-modify-write methods are
 * atomic across processes. For compound updates across several calls, hold {@link #lock()}
 * (Python's {@code get_lock()}). Python's {@code RawValue} is the same object without using
 * the lock.
 *
 * <pre>{@code
 * try (SharedInt v = SharedInt.create("/counter", (int) 0)) {
 *   v.addAndGet(1);            // from any process that opened "/counter"
 *   try (LockHold h = v.lock()) {  // with v.get_lock(): v.value = v.value * 2
 *     v.set((int) (v.get() * 2));
 *   }
 * }
 * }</pre>
 */
public final class SharedInt extends SharedData {
  private final long off;

  private SharedInt(long handle, String name) {
    super(handle, name, ElementType.INT32);
    this.off = offset(0);
  }

  /**
   * Creates an anonymous value, for this process and the children it is handed to.
   *
   * @param initial the initial value
   * @return the new value
   */
  public static SharedInt create(int initial) {
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
  public static SharedInt create(String name, int initial) {
    byte[] init = initBuffer(4).putInt(0, initial).array();
    return new SharedInt(createHandle(name, ElementType.INT32, true, 1, init), name);
  }

  /**
   * Opens a named value created by any process.
   *
   * @param name the name
   * @return the value
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a int Value
   */
  public static SharedInt open(String name) {
    return new SharedInt(openHandle(name, ElementType.INT32, true), name);
  }

  /**
   * Reads the value.
   *
   * @return the current value (volatile read)
   */
  public int get() {
    return mem.getInt(off);
  }

  /**
   * Writes the value.
   *
   * @param value the new value (volatile write)
   */
  public void set(int value) {
    mem.setInt(off, value);
  }

  /**
   * Atomically sets the value if it equals {@code expected}.
   *
   * @param expected the expected value
   * @param value the new value
   * @return true if the value was {@code expected} and is now {@code value}
   */
  public boolean compareAndSet(int expected, int value) {
    return mem.compareAndSetInt(off, expected, value);
  }

  /**
   * Atomically replaces the value.
   *
   * @param value the new value
   * @return the previous value
   */
  public int getAndSet(int value) {
    for (;;) {
      int old = get();
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
  public int getAndAdd(int delta) {
    return mem.getAndAddInt(off, delta);
  }

  /**
   * Atomically adds to the value, wrapping around on overflow.
   *
   * @param delta the value to add
   * @return the new value
   */
  public int addAndGet(int delta) {
    return (int) (getAndAdd(delta) + delta);
  }

  /**
   * Atomically adds one.
   *
   * @return the previous value
   */
  public int getAndIncrement() {
    return getAndAdd((int) 1);
  }

  /**
   * Atomically adds one.
   *
   * @return the new value
   */
  public int incrementAndGet() {
    return addAndGet((int) 1);
  }

  /**
   * Atomically subtracts one.
   *
   * @return the previous value
   */
  public int getAndDecrement() {
    return getAndAdd((int) -1);
  }

  /**
   * Atomically subtracts one.
   *
   * @return the new value
   */
  public int decrementAndGet() {
    return addAndGet((int) -1);
  }

  /**
   * The value as text, like {@code Integer.toString}.
   *
   * @return the current value formatted
   */
  @Override
  public String toString() {
    return isClosed() ? "SharedInt[closed]" : String.valueOf(get());
  }
}
