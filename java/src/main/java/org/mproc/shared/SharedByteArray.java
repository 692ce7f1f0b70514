package org.mproc.shared;

/**
 * A fixed-length array of byte in shared memory: Python's {@code multiprocessing.Array} with
 * type code 'b' (Python {@code Array('b')}, C {@code MPROC_INT8}), shaped like
 * {@link java.util.concurrent.atomic.AtomicIntegerArray}.
 *
 * <p>Every process that creates or opens it sees the same elements; element reads and writes are
 * volatile and go straight to the mapped memory (no native call), and the read-modify-write
 * methods are atomic across processes. Hold {@link #lock()} (Python's {@code get_lock()}) to
 * update several elements as one step. Python's {@code RawArray} is the same object without
 * using the lock.
 *
 * <pre>{@code
 * try (SharedByteArray arr = SharedByteArray.create("/samples", 10)) {
 *   arr.set(0, (byte) 1);
 *   byte[] all = arr.toArray();       // arr[:]
 * }
 * }</pre>
 */
public final class SharedByteArray extends SharedData {
  private SharedByteArray(long handle, String name) {
    super(handle, name, ElementType.INT8);
  }

  /**
   * Creates an anonymous array of zeros.
   *
   * @param length the number of elements, at least 1
   * @return the new array
   */
  public static SharedByteArray create(int length) {
    return create(null, length);
  }

  /**
   * Creates a named array of zeros that other processes (Java, C, Python) can open by name.
   *
   * @param name a name such as {@code "/samples"}, or {@code null} for an anonymous array
   * @param length the number of elements, at least 1
   * @return the new array
   * @throws org.mproc.ObjectExistsException if a live object has that name
   * @throws IllegalArgumentException if the length is less than 1
   */
  public static SharedByteArray create(String name, int length) {
    return new SharedByteArray(createHandle(name, ElementType.INT8, false, length, null), name);
  }

  /**
   * Creates an anonymous array holding a copy of {@code values}.
   *
   * @param values the initial elements, at least one
   * @return the new array
   */
  public static SharedByteArray of(byte... values) {
    return of(null, values);
  }

  /**
   * Creates a named array holding a copy of {@code values}, in place before any other process
   * can see it.
   *
   * @param name a name, or {@code null} for an anonymous array
   * @param values the initial elements, at least one
   * @return the new array
   * @throws org.mproc.ObjectExistsException if a live object has that name
   */
  public static SharedByteArray of(String name, byte[] values) {
    java.nio.ByteBuffer b = initBuffer((long) values.length * 1);
    for (int i = 0; i < values.length; i++) {
      b.put(i * 1, values[i]);
    }
    return new SharedByteArray(createHandle(name, ElementType.INT8, false, values.length, b.array()), name);
  }

  /**
   * Opens a named array created by any process.
   *
   * @param name the name
   * @return the array
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a byte Array
   */
  public static SharedByteArray open(String name) {
    return new SharedByteArray(openHandle(name, ElementType.INT8, false), name);
  }

  /**
   * The number of elements.
   *
   * @return the length
   */
  public int length() {
    return elements();
  }

  /**
   * Reads an element.
   *
   * @param index the index
   * @return the element (volatile read)
   * @throws IndexOutOfBoundsException if the index is out of bounds
   */
  public byte get(int index) {
    return mem.getByte(offset(index));
  }

  /**
   * Writes an element.
   *
   * @param index the index
   * @param value the new value (volatile write)
   * @throws IndexOutOfBoundsException if the index is out of bounds
   */
  public void set(int index, byte value) {
    mem.setByte(offset(index), value);
  }

  /**
   * Atomically sets an element if it equals {@code expected}.
   *
   * @param index the index
   * @param expected the expected value
   * @param value the new value
   * @return true if the swap happened
   */
  public boolean compareAndSet(int index, byte expected, byte value) {
    return casLane(offset(index), 1, expected, value, false) == expected;
  }

  /**
   * Atomically replaces an element.
   *
   * @param index the index
   * @param value the new value
   * @return the previous value
   */
  public byte getAndSet(int index, byte value) {
    for (;;) {
      byte old = get(index);
      if (compareAndSet(index, old, value)) {
        return old;
      }
    }
  }

  /**
   * Atomically adds to an element, wrapping around on overflow.
   *
   * @param index the index
   * @param delta the value to add
   * @return the previous value
   */
  public byte getAndAdd(int index, byte delta) {
    return (byte) casLane(offset(index), 1, 0, delta, true);
  }

  /**
   * Atomically adds to an element, wrapping around on overflow.
   *
   * @param index the index
   * @param delta the value to add
   * @return the new value
   */
  public byte addAndGet(int index, byte delta) {
    return (byte) (getAndAdd(index, delta) + delta);
  }

  /**
   * Copies elements out. Each element is read whole, but the copy as a whole is not atomic:
   * hold {@link #lock()} (and have writers hold it) for a consistent snapshot.
   *
   * @param from the first element to copy
   * @param dst the destination
   * @param dstIndex the first destination index
   * @param count the number of elements
   * @throws IndexOutOfBoundsException if a range is out of bounds
   */
  public void copyTo(int from, byte[] dst, int dstIndex, int count) {
    checkRange(from, count, dstIndex, dst.length);
    mem.copyOut(data + (long) from * 1, dst, dstIndex, count);
  }

  /**
   * Copies elements in, then publishes them with a full fence.
   *
   * @param src the source
   * @param srcIndex the first source index
   * @param to the first element to write
   * @param count the number of elements
   * @throws IndexOutOfBoundsException if a range is out of bounds
   */
  public void copyFrom(byte[] src, int srcIndex, int to, int count) {
    checkRange(to, count, srcIndex, src.length);
    mem.copyIn(src, srcIndex, data + (long) to * 1, count);
  }

  /**
   * Copies every element into a new Java array (Python's {@code arr[:]}).
   *
   * @return the elements
   */
  public byte[] toArray() {
    byte[] out = new byte[length()];
    copyTo(0, out, 0, out.length);
    return out;
  }

  /**
   * The elements as text, formatted like a Java {@link java.util.List}: {@code [0, -1, -2]}.
   *
   * @return the current elements formatted
   */
  @Override
  public String toString() {
    return isClosed() ? "SharedByteArray[closed]" : java.util.Arrays.toString(toArray());
  }
}
