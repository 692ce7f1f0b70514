package org.mproc.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * {@link Memory} over the same mapping as a {@link SegmentMemory}, by absolute address through
 * one segment that spans the whole address space ({@link SegmentMemory#unguarded()}). Each access
 * checks its bounds against the mapping's size, but not the mapping's liveness: the code that
 * uses it must guarantee that the mapping stays mapped while it runs (SharedQueue's role guard,
 * docs/architecture.md). Closing it does nothing; the owning SegmentMemory closes the mapping.
 *
 * <p>Why: the JIT keeps the whole-space segment, a constant, out of every access, while an
 * access through the mapping's own segment reloads and checks that segment (class, read-only
 * flag, bounds, alignment, session owner and state: about 20 instructions and 6 loads) after
 * every release store or volatile load, which a queue's put has 7 of. A probe of a one-to-one
 * put's and get's accesses alone took 8-10 ns each this way and 17-19 ns through the mapping's
 * segment; SharedQueue's one-to-one put plus poll, with all its other work, went from 36.9-37.1
 * to 28.7-29.3 ns (docs/benchmarks.md, "Queue: the one-to-one calls on the unguarded mapping").
 */
final class AddressMemory implements Memory {
  private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
  private static final ValueLayout.OfByte BYTE = SegmentMemory.BYTE;
  private static final VarHandle VH_BYTE = SegmentMemory.VH_BYTE;
  private static final VarHandle VH_SHORT = SegmentMemory.VH_SHORT;
  private static final VarHandle VH_INT = SegmentMemory.VH_INT;
  private static final VarHandle VH_LONG = SegmentMemory.VH_LONG;

  private final long base;
  private final long size;

  AddressMemory(long base, long size) {
    this.base = base;
    this.size = size;
  }

  /* The absolute address of bytes [offset, offset + bytes), which must lie in the mapping.
     Small enough for the JIT to inline into every access (the message is built elsewhere). */
  private long at(long offset, long bytes) {
    if ((offset | bytes) < 0 || offset > size - bytes) {
      throw outside(offset, bytes);
    }
    return base + offset;
  }

  private IndexOutOfBoundsException outside(long offset, long bytes) {
    return new IndexOutOfBoundsException("offset " + offset + " and " + bytes
        + " bytes are outside the mapping of " + size + " bytes");
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public long address() {
    return base;
  }

  @Override
  public byte getByte(long offset) {
    return (byte) VH_BYTE.getVolatile(ALL, at(offset, 1));
  }

  @Override
  public void setByte(long offset, byte value) {
    VH_BYTE.setVolatile(ALL, at(offset, 1), value);
  }

  @Override
  public short getShort(long offset) {
    return (short) VH_SHORT.getVolatile(ALL, at(offset, 2));
  }

  @Override
  public void setShort(long offset, short value) {
    VH_SHORT.setVolatile(ALL, at(offset, 2), value);
  }

  @Override
  public int getInt(long offset) {
    return (int) VH_INT.getVolatile(ALL, at(offset, 4));
  }

  @Override
  public void setInt(long offset, int value) {
    VH_INT.setVolatile(ALL, at(offset, 4), value);
  }

  @Override
  public void setIntRelease(long offset, int value) {
    VH_INT.setRelease(ALL, at(offset, 4), value);
  }

  @Override
  public boolean compareAndSetInt(long offset, int expected, int value) {
    return VH_INT.compareAndSet(ALL, at(offset, 4), expected, value);
  }

  @Override
  public int getAndAddInt(long offset, int delta) {
    return (int) VH_INT.getAndAdd(ALL, at(offset, 4), delta);
  }

  @Override
  public long getLong(long offset) {
    return (long) VH_LONG.getVolatile(ALL, at(offset, 8));
  }

  @Override
  public void setLong(long offset, long value) {
    VH_LONG.setVolatile(ALL, at(offset, 8), value);
  }

  @Override
  public void setLongRelease(long offset, long value) {
    VH_LONG.setRelease(ALL, at(offset, 8), value);
  }

  @Override
  public boolean compareAndSetLong(long offset, long expected, long value) {
    return VH_LONG.compareAndSet(ALL, at(offset, 8), expected, value);
  }

  @Override
  public long getAndAddLong(long offset, long delta) {
    return (long) VH_LONG.getAndAdd(ALL, at(offset, 8), delta);
  }

  @Override
  public void copyOut(long offset, Object array, int index, int count) {
    ValueLayout layout = SegmentMemory.layoutOf(array);
    MemorySegment.copy(ALL, layout, at(offset, count * layout.byteSize()), array, index, count);
    VarHandle.acquireFence();
  }

  @Override
  public void copyIn(Object array, int index, long offset, int count) {
    ValueLayout layout = SegmentMemory.layoutOf(array);
    long address = at(offset, count * layout.byteSize());
    VarHandle.releaseFence();
    MemorySegment.copy(array, index, ALL, layout, address, count);
    VarHandle.fullFence();
  }

  @Override
  public long getLongPlain(long offset) {
    return ALL.get(SegmentMemory.LONG, at(offset, 8));
  }

  @Override
  public void setLongPlain(long offset, long value) {
    ALL.set(SegmentMemory.LONG, at(offset, 8), value);
  }

  @Override
  public void putBytesPlain(byte[] src, int index, long offset, int count) {
    long address = at(offset, count);
    int way = SegmentMemory.way(CopyChooser.IN, count);
    if (way != CopyChooser.JVM) {
      SegmentMemory.bulkPut(way, src, index, ALL, address, count);
      return;
    }
    MemorySegment.copy(src, index, ALL, BYTE, address, count);
  }

  @Override
  public void getBytesPlain(long offset, byte[] dst, int index, int count) {
    long address = at(offset, count);
    int way = SegmentMemory.way(CopyChooser.OUT, count);
    if (way != CopyChooser.JVM) {
      SegmentMemory.bulkGet(way, ALL, address, dst, index, count);
      return;
    }
    MemorySegment.copy(ALL, BYTE, address, dst, index, count);
  }

  /** Does nothing: the mapping belongs to the SegmentMemory this view came from. */
  @Override
  public void close() {
    // nothing to release
  }
}
