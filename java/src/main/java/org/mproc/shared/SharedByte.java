package org.mproc.shared;

/**
 * A byte in shared memory: Python's {@code multiprocessing.Value} with type code 'b' (Python {@code Value('b')}, C {@code MPROC_INT8}),
 * shaped like {@link java.util.concurrent.atomic.AtomicInteger}.
 *
 * <p>Every process that creates or opens it sees the same value; reads and writes are volatile
 * and go straight to the mapped memory (no native call), and the read-modify-write methods are
 * atomic across processes. For compound updates across several calls, hold {@link #lock()}
 * (Python's {@code get_lock()}). Python's {@code RawValue} is the same object without using
 * the lock.
 *
 * <pre>{@code
 * try (SharedByte v = SharedByte.create("/counter", (byte) 0)) {
 *   v.addAndGet(1);            // from any process that opened "/counter"
 *   try (LockHold h = v.lock()) {  // with v.get_lock(): v.value = v.value * 2
 *     v.set((byte) (v.get() * 2));
 *   }
 * }
 * }</pre>
 */
public final class SharedByte extends SharedData {
  private final long off;

  private SharedByte(long handle, String name) {
    super(handle, name, ElementType.INT8);
    this.off = offset(0);
  }

  /**
   * Creates an anonymous value, for this process and the children it is handed to.
   *
   * @param initial the initial value
   * @return the new value
   */
  public static SharedByte create(byte initial) {
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
  public static SharedByte create(String name, byte initial) {
    byte[] init = initBuffer(1).put(0, initial).array();
    return new SharedByte(createHandle(name, ElementType.INT8, true, 1, init), name);
  }

  /**
   * Opens a named value created by any process.
   *
   * @param name the name
   * @return the value
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a byte Value
   */
  public static SharedByte open(String name) {
    return new SharedByte(openHandle(name, ElementType.INT8, true), name);
  }

  /**
   * Reads the value.
   *
   * @return the current value (volatile read)
   */
  public byte get() {
    return mem.getByte(off);
  }

  /**
   * Writes the value.
   *
   * @param value the new value (volatile write)
   */
  public void set(byte value) {
    mem.setByte(off, value);
  }

  /**
   * Atomically sets the value if it equals {@code expected}.
   *
   * @param expected the expected value
   * @param value the new value
   * @return true if the value was {@code expected} and is now {@code value}
   */
  public boolean compareAndSet(byte expected, byte value) {
    return casLane(off, 1, expected, value, false) == expected;
  }

  /**
   * Atomically replaces the value.
   *
   * @param value the new value
   * @return the previous value
   */
  public byte getAndSet(byte value) {
    for (;;) {
      byte old = get();
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
  public byte getAndAdd(byte delta) {
    return (byte) casLane(off, 1, 0, delta, true);
  }

  /**
   * Atomically adds to the value, wrapping around on overflow.
   *
   * @param delta the value to add
   * @return the new value
   */
  public byte addAndGet(byte delta) {
    return (byte) (getAndAdd(delta) + delta);
  }

  /**
   * Atomically adds one.
   *
   * @return the previous value
   */
  public byte getAndIncrement() {
    return getAndAdd((byte) 1);
  }

  /**
   * Atomically adds one.
   *
   * @return the new value
   */
  public byte incrementAndGet() {
    return addAndGet((byte) 1);
  }

  /**
   * Atomically subtracts one.
   *
   * @return the previous value
   */
  public byte getAndDecrement() {
    return getAndAdd((byte) -1);
  }

  /**
   * Atomically subtracts one.
   *
   * @return the new value
   */
  public byte decrementAndGet() {
    return addAndGet((byte) -1);
  }

  /**
   * The value as text, like {@code Byte.toString}.
   *
   * @return the current value formatted
   */
  @Override
  public String toString() {
    return isClosed() ? "SharedByte[closed]" : String.valueOf(get());
  }
}
