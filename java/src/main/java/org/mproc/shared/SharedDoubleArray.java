package org.mproc.shared;

/**
 * A fixed-length array of double in shared memory: Python's {@code multiprocessing.Array} with
 * type code 'd' (Python {@code Array('d')}, C {@code MPROC_FLOAT64}), shaped like
 * {@link java.util.concurrent.atomic.AtomicLongArray}.
 *
 * <p>Every process that creates or opens it sees the same elements; element reads and writes are
 * volatile and go straight to the mapped memory (no native call), and the read-modify-write
 * methods are atomic across processes. Hold {@link #lock()} (Python's {@code get_lock()}) to
 * update several elements as one step. Python's {@code RawArray} is the same object without
 * using the lock.
 *
 * <pre>{@code
 * try (SharedDoubleArray arr = SharedDoubleArray.create("/samples", 10)) {
 *   arr.set(0, (double) 1);
 *   double[] all = arr.toArray();       // arr[:]
 * }
 * }</pre>
 */
public final class SharedDoubleArray extends SharedData {
  private SharedDoubleArray(long handle, String name) {
    super(handle, name, ElementType.FLOAT64);
  }

  /**
   * Creates an anonymous array of zeros.
   *
   * @param length the number of elements, at least 1
   * @return the new array
   */
  public static SharedDoubleArray create(int length) {
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
  public static SharedDoubleArray create(String name, int length) {
    return new SharedDoubleArray(createHandle(name, ElementType.FLOAT64, false, length, null), name);
  }

  /**
   * Creates an anonymous array holding a copy of {@code values}.
   *
   * @param values the initial elements, at least one
   * @return the new array
   */
  public static SharedDoubleArray of(double... values) {
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
  public static SharedDoubleArray of(String name, double[] values) {
    java.nio.ByteBuffer b = initBuffer((long) values.length * 8);
    for (int i = 0; i < values.length; i++) {
      b.putDouble(i * 8, values[i]);
    }
    return new SharedDoubleArray(createHandle(name, ElementType.FLOAT64, false, values.length, b.array()), name);
  }

  /**
   * Opens a named array created by any process.
   *
   * @param name the name
   * @return the array
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a double Array
   */
  public static SharedDoubleArray open(String name) {
    return new SharedDoubleArray(openHandle(name, ElementType.FLOAT64, false), name);
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
  public double get(int index) {
    return Double.longBitsToDouble(mem.getLong(offset(index)));
  }

  /**
   * Writes an element.
   *
   * @param index the index
   * @param value the new value (volatile write)
   * @throws IndexOutOfBoundsException if the index is out of bounds
   */
  public void set(int index, double value) {
    mem.setLong(offset(index), Double.doubleToRawLongBits(value));
  }

  /**
   * Atomically sets an element if it equals {@code expected} (compared bit for bit).
   *
   * @param index the index
   * @param expected the expected value
   * @param value the new value
   * @return true if the swap happened
   */
  public boolean compareAndSet(int index, double expected, double value) {
    return mem.compareAndSetLong(offset(index), Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(value));
  }

  /**
   * Atomically replaces an element.
   *
   * @param index the index
   * @param value the new value
   * @return the previous value
   */
  public double getAndSet(int index, double value) {
    for (;;) {
      double old = get(index);
      if (compareAndSet(index, old, value)) {
        return old;
      }
    }
  }

  /**
   * Atomically adds to an element.
   *
   * @param index the index
   * @param delta the value to add
   * @return the previous value
   */
  public double getAndAdd(int index, double delta) {
    for (;;) {
      double old = get(index);
      if (compareAndSet(index, old, (double) (old + delta))) {
        return old;
      }
    }
  }

  /**
   * Atomically adds to an element.
   *
   * @param index the index
   * @param delta the value to add
   * @return the new value
   */
  public double addAndGet(int index, double delta) {
    return (double) (getAndAdd(index, delta) + delta);
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
  public void copyTo(int from, double[] dst, int dstIndex, int count) {
    checkRange(from, count, dstIndex, dst.length);
    mem.copyOut(data + (long) from * 8, dst, dstIndex, count);
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
  public void copyFrom(double[] src, int srcIndex, int to, int count) {
    checkRange(to, count, srcIndex, src.length);
    mem.copyIn(src, srcIndex, data + (long) to * 8, count);
  }

  /**
   * Copies every element into a new Java array (Python's {@code arr[:]}).
   *
   * @return the elements
   */
  public double[] toArray() {
    double[] out = new double[length()];
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
    return isClosed() ? "SharedDoubleArray[closed]" : java.util.Arrays.toString(toArray());
  }
}
