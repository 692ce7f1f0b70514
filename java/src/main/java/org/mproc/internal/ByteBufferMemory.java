package org.mproc.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * {@link Memory} over a direct {@link ByteBuffer} (the JNA backend), with byte-buffer view
 * VarHandles. Byte and short accesses go through their enclosing aligned int, because view
 * VarHandles offer atomic updates only for 4- and 8-byte elements; segments are whole multiples
 * of 8 bytes, so that int always exists.
 */
final class ByteBufferMemory implements Memory {
  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final ByteBuffer CLOSED = ByteBuffer.allocateDirect(0);
  /* Byte copies of at least this many bytes (a queue's large messages) are made either by the
     buffer's own copy (JIT-compiled) or by JNA's Pointer.read/write (the JNI array-region
     copies of the JVM's runtime, which call memmove), whichever CopyChooser measures to be
     faster here: between two processes the second was 2-3x faster on one host and slower on
     another (see CopyChooser). */
  private static final int BULK_BYTES = 4096;

  private ByteBuffer buf;
  private final long size;
  private final long address;

  ByteBufferMemory(ByteBuffer buf, long address) {
    this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
    this.size = buf.capacity();
    this.address = address;
  }

  private RuntimeException translate(RuntimeException e) {
    return buf == CLOSED ? Native.closed() : e;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public long address() {
    return address;
  }

  /* A buffer index: an offset beyond int range would wrap to a wrong index, so it is refused
     here (the buffer itself refuses negative and too large ints). */
  private static int index(long offset) {
    if (offset != (int) offset) {
      throw new IndexOutOfBoundsException("offset " + offset + " is outside the mapping");
    }
    return (int) offset;
  }

  /* The mapping's bytes that a copy of count elements of array's type at offset covers must
     lie in the mapping: IndexOutOfBoundsException, as on FFM, rather than the buffer's
     underflow or overflow exceptions. */
  private void checkRange(long offset, Object array, int count) {
    int elem = array instanceof byte[] ? 1 : array instanceof short[] ? 2
        : array instanceof int[] || array instanceof float[] ? 4 : 8;
    Objects.checkFromIndexSize(offset, (long) count * elem, size);
  }

  private static int shift(long offset) {
    return (int) (offset & 3) * 8; // little-endian: byte k of an int is bits 8k..8k+7
  }

  @Override
  public byte getByte(long offset) {
    return (byte) (getInt(offset & ~3L) >>> shift(offset));
  }

  @Override
  public void setByte(long offset, byte value) {
    updateLane(offset & ~3L, shift(offset), 0xFF, value & 0xFF);
  }

  @Override
  public short getShort(long offset) {
    return (short) (getInt(offset & ~3L) >>> shift(offset));
  }

  @Override
  public void setShort(long offset, short value) {
    updateLane(offset & ~3L, shift(offset), 0xFFFF, value & 0xFFFF);
  }

  private void updateLane(long word, int shift, int mask, int lane) {
    int old;
    int next;
    do {
      old = getInt(word);
      next = (old & ~(mask << shift)) | (lane << shift);
    } while (!compareAndSetInt(word, old, next));
  }

  @Override
  public int getInt(long offset) {
    try {
      return (int) INT.getVolatile(buf, index(offset));
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setInt(long offset, int value) {
    try {
      INT.setVolatile(buf, index(offset), value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setIntRelease(long offset, int value) {
    try {
      INT.setRelease(buf, index(offset), value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public boolean compareAndSetInt(long offset, int expected, int value) {
    try {
      return INT.compareAndSet(buf, index(offset), expected, value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public int getAndAddInt(long offset, int delta) {
    try {
      return (int) INT.getAndAdd(buf, index(offset), delta);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public long getLong(long offset) {
    try {
      return (long) LONG.getVolatile(buf, index(offset));
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setLong(long offset, long value) {
    try {
      LONG.setVolatile(buf, index(offset), value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setLongRelease(long offset, long value) {
    try {
      LONG.setRelease(buf, index(offset), value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public boolean compareAndSetLong(long offset, long expected, long value) {
    try {
      return LONG.compareAndSet(buf, index(offset), expected, value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public long getAndAddLong(long offset, long delta) {
    try {
      return (long) LONG.getAndAdd(buf, index(offset), delta);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void copyOut(long offset, Object array, int index, int count) {
    try {
      checkRange(offset, array, count);
      ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(index(offset));
      if (array instanceof byte[]) {
        b.get((byte[]) array, index, count);
      } else if (array instanceof short[]) {
        b.asShortBuffer().get((short[]) array, index, count);
      } else if (array instanceof int[]) {
        b.asIntBuffer().get((int[]) array, index, count);
      } else if (array instanceof long[]) {
        b.asLongBuffer().get((long[]) array, index, count);
      } else if (array instanceof float[]) {
        b.asFloatBuffer().get((float[]) array, index, count);
      } else {
        b.asDoubleBuffer().get((double[]) array, index, count);
      }
      VarHandle.acquireFence();
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void copyIn(Object array, int index, long offset, int count) {
    try {
      checkRange(offset, array, count);
      ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(index(offset));
      VarHandle.releaseFence();
      if (array instanceof byte[]) {
        b.put((byte[]) array, index, count);
      } else if (array instanceof short[]) {
        b.asShortBuffer().put((short[]) array, index, count);
      } else if (array instanceof int[]) {
        b.asIntBuffer().put((int[]) array, index, count);
      } else if (array instanceof long[]) {
        b.asLongBuffer().put((long[]) array, index, count);
      } else if (array instanceof float[]) {
        b.asFloatBuffer().put((float[]) array, index, count);
      } else {
        b.asDoubleBuffer().put((double[]) array, index, count);
      }
      VarHandle.fullFence();
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public long getLongPlain(long offset) {
    try {
      return (long) LONG.get(buf, index(offset));
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void setLongPlain(long offset, long value) {
    try {
      LONG.set(buf, index(offset), value);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void putBytesPlain(byte[] src, int index, long offset, int count) {
    try {
      ByteBuffer b = buf;
      if (count >= BULK_BYTES) {
        CopyChooser c = CopyChooser.IN;
        int way = c.next();
        long t0 = (way & CopyChooser.TIMED) != 0 ? System.nanoTime() : 0;
        if ((way & CopyChooser.LIBRARY) != 0) {
          Objects.checkFromIndexSize(index, count, src.length);
          Objects.checkFromIndexSize(offset, count, b.capacity());
          com.sun.jna.Native.getDirectBufferPointer(b).write(offset, src, index, count);
          Reference.reachabilityFence(b); // the mapping lives as long as its buffer
        } else {
          b.put(index(offset), src, index, count);
        }
        if ((way & CopyChooser.TIMED) != 0) {
          c.done(way, System.nanoTime() - t0, count);
        }
        return;
      }
      b.put(index(offset), src, index, count); // absolute: no duplicate, no position
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void getBytesPlain(long offset, byte[] dst, int index, int count) {
    try {
      ByteBuffer b = buf;
      if (count >= BULK_BYTES) {
        CopyChooser c = CopyChooser.OUT;
        int way = c.next();
        long t0 = (way & CopyChooser.TIMED) != 0 ? System.nanoTime() : 0;
        if ((way & CopyChooser.LIBRARY) != 0) {
          Objects.checkFromIndexSize(index, count, dst.length);
          Objects.checkFromIndexSize(offset, count, b.capacity());
          com.sun.jna.Native.getDirectBufferPointer(b).read(offset, dst, index, count);
          Reference.reachabilityFence(b);
        } else {
          b.get(index(offset), dst, index, count);
        }
        if ((way & CopyChooser.TIMED) != 0) {
          c.done(way, System.nanoTime() - t0, count);
        }
        return;
      }
      b.get(index(offset), dst, index, count);
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  @Override
  public void close() {
    buf = CLOSED;
  }
}
