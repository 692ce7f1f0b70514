package org.mproc.internal;

/**
 * Direct access to a mapped segment: little-endian, with volatile (sequentially consistent)
 * semantics for single-element reads and writes and atomic read-modify-write on aligned 4- and
 * 8-byte words. Offsets are from the start of the segment. Implementations bounds-check every
 * access, and after {@link #close()} every access throws instead of touching freed memory.
 */
public interface Memory extends AutoCloseable {
  /**
   * The size of the view in bytes.
   *
   * @return the size
   */
  long size();

  /**
   * The native address of offset 0, for passing words to wait/wake.
   *
   * @return the address
   */
  long address();

  /**
   * Reads the byte.
   *
   * @param offset the offset
   * @return the byte there
   */
  byte getByte(long offset);

  /**
   * Writes a value.
   *
   * @param offset the offset
   * @param value the byte to store
   */
  void setByte(long offset, byte value);

  /**
   * Reads the short.
   *
   * @param offset a 2-aligned offset
   * @return the short there
   */
  short getShort(long offset);

  /**
   * Writes a value.
   *
   * @param offset a 2-aligned offset
   * @param value the short to store
   */
  void setShort(long offset, short value);

  /**
   * Reads the int.
   *
   * @param offset a 4-aligned offset
   * @return the int there
   */
  int getInt(long offset);

  /**
   * Writes a value.
   *
   * @param offset a 4-aligned offset
   * @param value the int to store
   */
  void setInt(long offset, int value);

  /**
   * Writes an int with release ordering: earlier writes become visible first.
   *
   * @param offset a 4-aligned offset
   * @param value the int to store
   */
  void setIntRelease(long offset, int value);

  /**
   * Atomic compare-and-set.
   *
   * @param offset a 4-aligned offset
   * @param expected the expected value
   * @param value the new value
   * @return whether the swap happened
   */
  boolean compareAndSetInt(long offset, int expected, int value);

  /**
   * Atomic add.
   *
   * @param offset a 4-aligned offset
   * @param delta the value to add
   * @return the previous value
   */
  int getAndAddInt(long offset, int delta);

  /**
   * Reads the long.
   *
   * @param offset an 8-aligned offset
   * @return the long there
   */
  long getLong(long offset);

  /**
   * Writes a value.
   *
   * @param offset an 8-aligned offset
   * @param value the long to store
   */
  void setLong(long offset, long value);

  /**
   * Writes a long with release ordering: earlier writes become visible first.
   *
   * @param offset an 8-aligned offset
   * @param value the long to store
   */
  void setLongRelease(long offset, long value);

  /**
   * Atomic compare-and-set.
   *
   * @param offset an 8-aligned offset
   * @param expected the expected value
   * @param value the new value
   * @return whether the swap happened
   */
  boolean compareAndSetLong(long offset, long expected, long value);

  /**
   * Atomic add.
   *
   * @param offset an 8-aligned offset
   * @param delta the value to add
   * @return the previous value
   */
  long getAndAddLong(long offset, long delta);

  /**
   * Copies elements out to a Java primitive array (plain reads, element by element in order).
   *
   * @param offset the segment offset of the first element
   * @param array a {@code byte[]}, {@code short[]}, {@code int[]}, {@code long[]},
   *     {@code float[]} or {@code double[]}
   * @param index the first array index to write
   * @param count the number of elements
   */
  void copyOut(long offset, Object array, int index, int count);

  /**
   * Copies elements in from a Java primitive array, then issues a full fence.
   *
   * @param array the source array, of a type {@link #copyOut} accepts
   * @param index the first array index to read
   * @param offset the segment offset of the first element
   * @param count the number of elements
   */
  void copyIn(Object array, int index, long offset, int count);

  /**
   * Reads a little-endian long with a plain load: no ordering of its own, so only where an
   * earlier acquiring load (or a lock) already orders it.
   *
   * @param offset the segment offset, 8-byte aligned
   * @return the value
   */
  long getLongPlain(long offset);

  /**
   * Writes a little-endian long with a plain store: no ordering of its own, so only where a
   * later release store publishes it.
   *
   * @param offset the segment offset, 8-byte aligned
   * @param value the value
   */
  void setLongPlain(long offset, long value);

  /**
   * Copies bytes in with plain stores and no fence (unlike {@link #copyIn}): the caller orders
   * them, typically by a later release store that publishes them.
   *
   * @param src the source array
   * @param index the first array index to read
   * @param offset the segment offset of the first byte
   * @param count the number of bytes
   */
  void putBytesPlain(byte[] src, int index, long offset, int count);

  /**
   * Copies bytes out with plain loads and no fence (unlike {@link #copyOut}): the caller orders
   * them, typically after an acquiring load that told it the bytes are there.
   *
   * @param offset the segment offset of the first byte
   * @param dst the destination array
   * @param index the first array index to write
   * @param count the number of bytes
   */
  void getBytesPlain(long offset, byte[] dst, int index, int count);

  /**
   * A view of the same bytes whose accesses check their bounds but not that the mapping is
   * still open, for code that guarantees that on its own for as long as it runs (as
   * SharedQueue's role guard does around one-to-one calls, with the process barrier). On FFM
   * that skips a check per access that costs more than the access (see AddressMemory), and
   * closing this view does not stop the unguarded one; other backends return this view itself.
   * Only the view {@code unguarded()} was called on is ever to be closed.
   *
   * @return the unguarded view
   */
  default Memory unguarded() {
    return this;
  }

  /** Invalidates the view; later accesses throw {@link org.mproc.ObjectClosedException}. */
  @Override
  void close();
}
