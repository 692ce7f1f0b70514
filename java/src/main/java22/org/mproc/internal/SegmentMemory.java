package org.mproc.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * {@link Memory} over a {@link MemorySegment} of the C mapping (the FFM backend). The segment
 * belongs to a shared arena closed by {@link #close()}: the JVM then makes every later access,
 * from any thread, throw, so the C side may unmap right after.
 */
final class SegmentMemory implements Memory {
  static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
  static final ValueLayout.OfShort SHORT =
      ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt INT =
      ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfLong LONG =
      ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final VarHandle VH_BYTE = BYTE.varHandle();
  static final VarHandle VH_SHORT = SHORT.varHandle();
  static final VarHandle VH_INT = INT.varHandle();
  static final VarHandle VH_LONG = LONG.varHandle();

  /*
   * Byte copies of at least this many bytes (a queue's large messages) are made either by the
   * JVM or by the C library's memcpy, a critical downcall that reads or writes the Java array in
   * place, whichever CopyChooser measures to be faster here: between two processes the library
   * was 2-4x faster on one host and slower on another (see CopyChooser). Below 4 KiB the
   * JVM's copy is as fast and has no call to make.
   */
  static final int BULK_BYTES = 4096;
  static final MethodHandle MEMCPY = memcpy();

  private final MemorySegment seg;
  private final Arena arena;

  SegmentMemory(MemorySegment seg, Arena arena) {
    this.seg = seg;
    this.arena = arena;
  }

  /* void *memcpy(void *, const void *, size_t), critical (no thread transition) with heap
     access; null if the C library does not export it, and then the JVM copies. */
  private static MethodHandle memcpy() {
    Linker linker = Linker.nativeLinker();
    return linker.defaultLookup().find("memcpy")
        .map(f -> linker.downcallHandle(f, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), Linker.Option.critical(true)))
        .orElse(null);
  }

  /* memcpy between slices whose bounds the linker checked, and their liveness for slices of
     the mapping's own segment (AddressMemory's slices of the whole address space have none to
     check: the role guard keeps the mapping alive under them). */
  private static void bulkCopy(MemorySegment dst, MemorySegment src, long count) {
    try {
      MEMCPY.invokeExact(dst, src, count);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("memcpy", t);
    }
  }

  /* A copy of at least BULK_BYTES from an array into dst at dstOffset (bounds not yet checked)
     that CopyChooser.IN did not give to the JVM untimed: the library's, or a timed trial. The
     JVM's untimed copies, once the chooser has settled on them, are made where this is called,
     by the same code as every smaller copy. */
  static void bulkPut(int way, byte[] src, int index, MemorySegment dst, long dstOffset,
      int count) {
    long t0 = (way & CopyChooser.TIMED) != 0 ? System.nanoTime() : 0;
    if ((way & CopyChooser.LIBRARY) != 0) {
      bulkCopy(dst.asSlice(dstOffset, count), MemorySegment.ofArray(src).asSlice(index, count),
          count);
    } else {
      MemorySegment.copy(src, index, dst, BYTE, dstOffset, count);
    }
    if ((way & CopyChooser.TIMED) != 0) {
      CopyChooser.IN.done(way, System.nanoTime() - t0, count);
    }
  }

  /* A copy of at least BULK_BYTES from src at srcOffset into an array, as bulkPut. */
  static void bulkGet(int way, MemorySegment src, long srcOffset, byte[] dst, int index,
      int count) {
    long t0 = (way & CopyChooser.TIMED) != 0 ? System.nanoTime() : 0;
    if ((way & CopyChooser.LIBRARY) != 0) {
      bulkCopy(MemorySegment.ofArray(dst).asSlice(index, count), src.asSlice(srcOffset, count),
          count);
    } else {
      MemorySegment.copy(src, BYTE, srcOffset, dst, index, count);
    }
    if ((way & CopyChooser.TIMED) != 0) {
      CopyChooser.OUT.done(way, System.nanoTime() - t0, count);
    }
  }

  /* The way of a copy of count bytes: JVM (untimed) below BULK_BYTES or without memcpy, else
     what the chooser says. */
  static int way(CopyChooser c, int count) {
    return count < BULK_BYTES || MEMCPY == null ? CopyChooser.JVM : c.next();
  }

  private RuntimeException translate(RuntimeException e) {
    return arena.scope().isAlive() ? e : Native.closed();
  }

  @Override
  public long size() {
    return seg.byteSize();
  }

  @Override
  public long address() {
    return seg.address();
  }

  @Override
  public byte getByte(long offset) {
    try {
      return (byte) VH_BYTE.getVolatile(seg, offset);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setByte(long offset, byte value) {
    try {
      VH_BYTE.setVolatile(seg, offset, value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public short getShort(long offset) {
    try {
      return (short) VH_SHORT.getVolatile(seg, offset);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setShort(long offset, short value) {
    try {
      VH_SHORT.setVolatile(seg, offset, value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public int getInt(long offset) {
    try {
      return (int) VH_INT.getVolatile(seg, offset);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setInt(long offset, int value) {
    try {
      VH_INT.setVolatile(seg, offset, value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setIntRelease(long offset, int value) {
    try {
      VH_INT.setRelease(seg, offset, value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public boolean compareAndSetInt(long offset, int expected, int value) {
    try {
      return VH_INT.compareAndSet(seg, offset, expected, value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public int getAndAddInt(long offset, int delta) {
    try {
      return (int) VH_INT.getAndAdd(seg, offset, delta);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public long getLong(long offset) {
    try {
      return (long) VH_LONG.getVolatile(seg, offset);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setLong(long offset, long value) {
    try {
      VH_LONG.setVolatile(seg, offset, value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setLongRelease(long offset, long value) {
    try {
      VH_LONG.setRelease(seg, offset, value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public boolean compareAndSetLong(long offset, long expected, long value) {
    try {
      return VH_LONG.compareAndSet(seg, offset, expected, value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public long getAndAddLong(long offset, long delta) {
    try {
      return (long) VH_LONG.getAndAdd(seg, offset, delta);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  static ValueLayout layoutOf(Object array) {
    if (array instanceof byte[]) {
      return BYTE;
    } else if (array instanceof short[]) {
      return SHORT;
    } else if (array instanceof int[]) {
      return INT;
    } else if (array instanceof long[]) {
      return LONG;
    } else if (array instanceof float[]) {
      return ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);
    }
    return ValueLayout.JAVA_DOUBLE.withOrder(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public void copyOut(long offset, Object array, int index, int count) {
    try {
      MemorySegment.copy(seg, layoutOf(array), offset, array, index, count);
      VarHandle.acquireFence();
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void copyIn(Object array, int index, long offset, int count) {
    try {
      VarHandle.releaseFence();
      MemorySegment.copy(array, index, seg, layoutOf(array), offset, count);
      VarHandle.fullFence();
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public long getLongPlain(long offset) {
    try {
      return seg.get(LONG, offset);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setLongPlain(long offset, long value) {
    try {
      seg.set(LONG, offset, value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void putBytesPlain(byte[] src, int index, long offset, int count) {
    try {
      int way = way(CopyChooser.IN, count);
      if (way != CopyChooser.JVM) {
        bulkPut(way, src, index, seg, offset, count);
        return;
      }
      MemorySegment.copy(src, index, seg, BYTE, offset, count);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void getBytesPlain(long offset, byte[] dst, int index, int count) {
    try {
      int way = way(CopyChooser.OUT, count);
      if (way != CopyChooser.JVM) {
        bulkGet(way, seg, offset, dst, index, count);
        return;
      }
      MemorySegment.copy(seg, BYTE, offset, dst, index, count);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  /** {@inheritDoc} An {@link AddressMemory} over the same bytes. */
  @Override
  public Memory unguarded() {
    return new AddressMemory(seg.address(), seg.byteSize());
  }

  @Override
  public void close() {
    // A bulk copy holds the mapping's session for its duration, and closing it then throws;
    // such a copy takes microseconds (milliseconds for the largest messages), so wait for it.
    while (arena.scope().isAlive()) {
      try {
        arena.close();
      } catch (IllegalStateException acquired) {
        Thread.yield();
      }
    }
  }
}
