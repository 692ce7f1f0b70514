package org.mproc.shared;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mproc.ObjectClosedException;
import org.mproc.testing.Peers;

/** Arrays within one process: element operations, bulk copies, bounds and formatting. */
class SharedArrayTest {

  @Test
  void intArrayBehavesLikeAtomicIntegerArray() {
    try (SharedIntArray a = SharedIntArray.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)) {
      assertEquals(10, a.length());
      assertEquals("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]", a.toString());
      for (int i = 0; i < a.length(); i++) {
        a.set(i, -a.get(i));
      }
      assertEquals("[0, -1, -2, -3, -4, -5, -6, -7, -8, -9]", a.toString());
      assertEquals(-3, a.getAndAdd(3, 10));
      assertEquals(8, a.addAndGet(3, 1));
      assertTrue(a.compareAndSet(9, -9, 90));
      assertFalse(a.compareAndSet(9, -9, 91));
      assertEquals(90, a.getAndSet(9, 0));
    }
  }

  @Test
  void neighbouringBytesAndShortsAreIndependent() {
    try (SharedByteArray b = SharedByteArray.create(9);
        SharedShortArray s = SharedShortArray.create(5)) {
      for (int i = 0; i < 9; i++) {
        b.set(i, (byte) (i * 30));
      }
      b.addAndGet(4, (byte) 200);
      assertTrue(b.compareAndSet(5, (byte) 150, (byte) -1));
      assertArrayEquals(
          new byte[] {0, 30, 60, 90, (byte) 320, -1, (byte) 180, (byte) 210, (byte) 240},
          b.toArray());
      s.set(1, (short) -1);
      s.getAndAdd(2, (short) 7);
      assertArrayEquals(new short[] {0, -1, 7, 0, 0}, s.toArray());
    }
  }

  @Test
  void bulkCopiesMoveRangesBothWays() {
    try (SharedDoubleArray d = SharedDoubleArray.create(6);
        SharedLongArray l = SharedLongArray.of(1, 2, 3);
        SharedFloatArray f = SharedFloatArray.of(0.5f, 1.5f)) {
      d.copyFrom(new double[] {9, 1.25, 2.5, 9}, 1, 2, 2);
      assertArrayEquals(new double[] {0, 0, 1.25, 2.5, 0, 0}, d.toArray());
      double[] out = new double[4];
      d.copyTo(2, out, 1, 3);
      assertArrayEquals(new double[] {0, 1.25, 2.5, 0}, out);
      assertEquals(3.5, d.addAndGet(3, 1.0));
      assertEquals("[1, 2, 3]", l.toString());
      assertEquals("[0.5, 1.5]", f.toString());
      assertEquals(0.5f, f.getAndAdd(0, 1.0f));
    }
  }

  @Test
  void releaseStoresWriteEveryWidth() {
    try (SharedByteArray b = SharedByteArray.create(3);
        SharedShortArray s = SharedShortArray.create(3);
        SharedIntArray i = SharedIntArray.create(3);
        SharedLongArray l = SharedLongArray.create(3);
        SharedFloatArray f = SharedFloatArray.create(3);
        SharedDoubleArray d = SharedDoubleArray.create(3)) {
      b.setRelease(1, (byte) -7);
      s.setRelease(1, (short) -7);
      i.setRelease(1, -7);
      l.setRelease(1, -7L);
      f.setRelease(1, -7.5f);
      d.setRelease(1, -7.5);
      assertEquals("[0, -7, 0]", b.toString());
      assertEquals("[0, -7, 0]", s.toString());
      assertEquals("[0, -7, 0]", i.toString());
      assertEquals("[0, -7, 0]", l.toString());
      assertEquals("[0.0, -7.5, 0.0]", f.toString());
      assertEquals("[0.0, -7.5, 0.0]", d.toString());
      assertThrows(IndexOutOfBoundsException.class, () -> d.setRelease(3, 1.0));
    }
  }

  @Test
  void outOfBoundsIndicesAndRangesAreRejected() {
    try (SharedIntArray a = SharedIntArray.create(3)) {
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> a.get(3));
      assertTrue(e.getMessage().contains("3"), e.getMessage());
      assertThrows(IndexOutOfBoundsException.class, () -> a.set(-1, 0));
      assertThrows(IndexOutOfBoundsException.class, () -> a.getAndAdd(7, 1));
      assertThrows(IndexOutOfBoundsException.class, () -> a.copyTo(1, new int[5], 0, 3));
      assertThrows(IndexOutOfBoundsException.class, () -> a.copyFrom(new int[2], 0, 0, 3));
      assertThrows(IndexOutOfBoundsException.class, () -> a.copyTo(0, new int[2], 1, 2));
    }
  }

  @Test
  void badLengthsAreRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SharedIntArray.create(0));
    assertTrue(e.getMessage().contains("length=0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SharedDoubleArray.create(-5));
    assertThrows(IllegalArgumentException.class, () -> SharedLongArray.of());
  }

  @Test
  void aNamedArrayIsSharedAndClosesCleanly() {
    String name = Peers.uniqueName("arr");
    SharedIntArray a = SharedIntArray.of(name, new int[] {1, 2, 3});
    try (SharedIntArray b = SharedIntArray.open(name)) {
      b.set(1, 20);
      assertEquals(20, a.get(1));
      assertEquals(3, b.length());
    } finally {
      a.unlink();
      a.close();
    }
    assertThrows(ObjectClosedException.class, () -> a.get(0));
    assertThrows(ObjectClosedException.class, a::toArray);
  }

  @Test
  void aLargeArrayIsReadAndWrittenWhole() {
    int n = 1_000_000;
    try (SharedDoubleArray a = SharedDoubleArray.create(n)) {
      double[] src = new double[n];
      for (int i = 0; i < n; i++) {
        src[i] = i * 0.5;
      }
      a.copyFrom(src, 0, 0, n);
      assertEquals(499_999.5, a.get(n - 1));
      assertArrayEquals(src, a.toArray());
    }
  }
}
