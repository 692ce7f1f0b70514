package org.mproc.shared;

/**
 * A fixed-length array of float in shared memory: Python's {@code multiprocessing.Array} with
 * type code 'f' (Python {@code Array('f')}, C {@code MPROC_FLOAT32}), shaped like
 * {@link java.util.concurrent.atomic.AtomicLongArray}.
 *
 * <p>Every process that creates or opens it sees the same elements; element reads and writes are
 * volatile and go straight to the mapped memory (no native call), and the read-modify-write
 * methods are atomic across processes. Hold {@link #lock()} (Python's {@code get_lock()}) to
 * update several elements as one step. Python's {@code RawArray} is the same object without
 * using the lock.
 *
 * <pre>{@code
 * try (SharedFloatArray arr = SharedFloatArray.create("/samples", 10)) {
 *   arr.set(0, (float) 1);
 *   float[] all = arr.toArray();       // arr[:]
 * }
 * }</pre>
 */
public final class SharedFloatArray extends SharedData {
  private SharedFloatArray(long handle, String name) {
    super(handle, name, ElementType.FLOAT32);
  }

  /**
   * Creates an anonymous array of zeros.
   *
   * @param length the number of elements, at least 1
   * @return the new array
   */
  public static SharedFloatArray create(int length) {
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
  public static SharedFloatArray create(String name, int length) {
    return new SharedFloatArray(createHandle(name, ElementType.FLOAT32, false, length, null), name);
  }

  /**
   * Creates an anonymous array holding a copy of {@code values}.
   *
   * @param values the initial elements, at least one
   * @return the new array
   */
  public static SharedFloatArray of(float... values) {
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
  public static SharedFloatArray of(String name, float[] values) {
    java.nio.ByteBuffer b = initBuffer((long) values.length * 4);
    for (int i = 0; i < values.length; i++) {
      b.putFloat(i * 4, values[i]);
    }
    return new SharedFloatArray(createHandle(name, ElementType.FLOAT32, false, values.length, b.array()), name);
  }

  /**
   * Opens a named array created by any process.
   *
   * @param name the name
   * @return the array
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a float Array
   */
  public static SharedFloatArray open(String name) {
    return new SharedFloatArray(openHandle(name, ElementType.FLOAT32, false), name);
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
  public float get(int index) {
    return Float.intBitsToFloat(mem.getInt(offset(index)));
  }

  /**
   * Writes an element.
   *
   * @param index the index
   * @param value the new value (volatile write)
   * @throws IndexOutOfBoundsException if the index is out of bounds
   */
  public void set(int index, float value) {
    mem.setInt(offset(index), Float.floatToRawIntBits(value));
  }

  /**
   * Atomically sets an element if it equals {@code expected} (compared bit for bit).
   *
   * @param index the index
   * @param expected the expected value
   * @param value the new value
   * @return true if the swap happened
   */
  public boolean compareAndSet(int index, float expected, float value) {
    return mem.compareAndSetInt(offset(index), Float.floatToRawIntBits(expected), Float.floatToRawIntBits(value));
  }

  /**
   * Atomically replaces an element.
   *
   * @param index the index
   * @param value the new value
   * @return the previous value
   */
  public float getAndSet(int index, float value) {
    for (;;) {
      float old = get(index);
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
  public float getAndAdd(int index, float delta) {
    for (;;) {
      float old = get(index);
      if (compareAndSet(index, old, (float) (old + delta))) {
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
  public float addAndGet(int index, float delta) {
    return (float) (getAndAdd(index, delta) + delta);
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
  public void copyTo(int from, float[] dst, int dstIndex, int count) {
    checkRange(from, count, dstIndex, dst.length);
    mem.copyOut(data + (long) from * 4, dst, dstIndex, count);
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
  public void copyFrom(float[] src, int srcIndex, int to, int count) {
    checkRange(to, count, srcIndex, src.length);
    mem.copyIn(src, srcIndex, data + (long) to * 4, count);
  }

  /**
   * Copies every element into a new Java array (Python's {@code arr[:]}).
   *
   * @return the elements
   */
  public float[] toArray() {
    float[] out = new float[length()];
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
    return isClosed() ? "SharedFloatArray[closed]" : java.util.Arrays.toString(toArray());
  }
}
