package org.mproc.shared;

/**
 * A short in shared memory: Python's {@code multiprocessing.Value} with type code 'h' (Python {@code Value('h')}, C {@code MPROC_INT16}),
 * shaped like {@link java.util.concurrent.atomic.AtomicInteger}.
 *
 * <p>Every process that creates or opens it sees the same value; reads and writes are volatile
 * and go straight to the mapped memory (no native call), and the read-modify-write methods are
 * atomic across processes. For compound updates across several calls, hold {@link #lock()}
 * (Python's {@code get_lock()}). Python's {@code RawValue} is the same object without using
 * the lock.
 *
 * <pre>{@code
 * try (SharedShort v = SharedShort.create("/counter", (short) 0)) {
 *   v.addAndGet(1);            // from any process that opened "/counter"
 *   try (LockHold h = v.lock()) {  // with v.get_lock(): v.value = v.value * 2
 *     v.set((short) (v.get() * 2));
 *   }
 * }
 * }</pre>
 */
public final class SharedShort extends SharedData {
  private final long off;

  private SharedShort(long handle, String name) {
    super(handle, name, ElementType.INT16);
    this.off = offset(0);
  }

  /**
   * Creates an anonymous value, for this process and the children it is handed to.
   *
   * @param initial the initial value
   * @return the new value
   */
  public static SharedShort create(short initial) {
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
  public static SharedShort create(String name, short initial) {
    byte[] init = initBuffer(2).putShort(0, initial).array();
    return new SharedShort(createHandle(name, ElementType.INT16, true, 1, init), name);
  }

  /**
   * Opens a named value created by any process.
   *
   * @param name the name
   * @return the value
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a short Value
   */
  public static SharedShort open(String name) {
    return new SharedShort(openHandle(name, ElementType.INT16, true), name);
  }

  /**
   * Reads the value.
   *
   * @return the current value (volatile read)
   */
  public short get() {
    return mem.getShort(off);
  }

  /**
   * Writes the value.
   *
   * @param value the new value (volatile write)
   */
  public void set(short value) {
    mem.setShort(off, value);
  }

  /**
   * Atomically sets the value if it equals {@code expected}.
   *
   * @param expected the expected value
   * @param value the new value
   * @return true if the value was {@code expected} and is now {@code value}
   */
  public boolean compareAndSet(short expected, short value) {
    return casLane(off, 2, expected, value, false) == expected;
  }

  /**
   * Atomically replaces the value.
   *
   * @param value the new value
   * @return the previous value
   */
  public short getAndSet(short value) {
    for (;;) {
      short old = get();
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
  public short getAndAdd(short delta) {
    return (short) casLane(off, 2, 0, delta, true);
  }

  /**
   * Atomically adds to the value, wrapping around on overflow.
   *
   * @param delta the value to add
   * @return the new value
   */
  public short addAndGet(short delta) {
    return (short) (getAndAdd(delta) + delta);
  }

  /**
   * Atomically adds one.
   *
   * @return the previous value
   */
  public short getAndIncrement() {
    return getAndAdd((short) 1);
  }

  /**
   * Atomically adds one.
   *
   * @return the new value
   */
  public short incrementAndGet() {
    return addAndGet((short) 1);
  }

  /**
   * Atomically subtracts one.
   *
   * @return the previous value
   */
  public short getAndDecrement() {
    return getAndAdd((short) -1);
  }

  /**
   * Atomically subtracts one.
   *
   * @return the new value
   */
  public short decrementAndGet() {
    return addAndGet((short) -1);
  }

  /**
   * The value as text, like {@code Short.toString}.
   *
   * @return the current value formatted
   */
  @Override
  public String toString() {
    return isClosed() ? "SharedShort[closed]" : String.valueOf(get());
  }
}
