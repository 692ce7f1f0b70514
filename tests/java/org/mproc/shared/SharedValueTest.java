package org.mproc.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mproc.ErrorCode;
import org.mproc.IncompatibleObjectException;
import org.mproc.InvalidNameException;
import org.mproc.NoSuchObjectException;
import org.mproc.ObjectClosedException;
import org.mproc.ObjectExistsException;
import org.mproc.testing.Peers;

/** Values within one process: operations, names, errors, closing and the lock's local rules. */
class SharedValueTest {

  @Test
  void longBehavesLikeAtomicLong() {
    try (SharedLong v = SharedLong.create(5)) {
      assertEquals(5, v.get());
      v.set(-7);
      assertEquals(-7, v.get());
      assertEquals(-7, v.getAndAdd(10));
      assertEquals(4, v.addAndGet(1));
      assertEquals(5, v.incrementAndGet());
      assertEquals(5, v.getAndDecrement());
      assertEquals(3, v.decrementAndGet());
      assertEquals(3, v.getAndIncrement());
      assertFalse(v.compareAndSet(3, 9));
      assertTrue(v.compareAndSet(4, 9));
      assertEquals(9, v.getAndSet(Long.MAX_VALUE));
      assertEquals(Long.MIN_VALUE, v.incrementAndGet());
      assertEquals("-9223372036854775808", v.toString());
      assertEquals(ElementType.INT64, v.elementType());
      assertEquals(Optional.empty(), v.name());
    }
  }

  @Test
  void intShortAndByteWrapAtTheirWidth() {
    try (SharedInt i = SharedInt.create(Integer.MAX_VALUE);
        SharedShort s = SharedShort.create(Short.MAX_VALUE);
        SharedByte b = SharedByte.create(Byte.MAX_VALUE)) {
      assertEquals(Integer.MIN_VALUE, i.incrementAndGet());
      assertEquals(Short.MIN_VALUE, s.incrementAndGet());
      assertEquals(Byte.MIN_VALUE, b.incrementAndGet());
      assertEquals(Byte.MIN_VALUE, b.getAndAdd((byte) 3));
      assertEquals((byte) -125, b.get());
      assertFalse(b.compareAndSet((byte) 0, (byte) 1));
      assertTrue(b.compareAndSet((byte) -125, (byte) 1));
      assertTrue(s.compareAndSet(Short.MIN_VALUE, (short) -2));
      assertEquals((short) -2, s.get());
      assertEquals(-2, s.getAndSet((short) 300));
      assertEquals("300", s.toString());
    }
  }

  @Test
  void floatingPointValuesCompareBitForBit() {
    try (SharedDouble d = SharedDouble.create(0.0);
        SharedFloat f = SharedFloat.create(1.5f)) {
      assertFalse(d.compareAndSet(-0.0, 1.0));
      assertTrue(d.compareAndSet(0.0, Double.NaN));
      assertTrue(d.compareAndSet(Double.NaN, 2.5));
      assertEquals(2.5, d.getAndAdd(0.5));
      assertEquals(4.0, d.addAndGet(1.0));
      d.set(3.1415927);
      assertEquals("3.1415927", d.toString());
      assertEquals(1.5f, f.getAndSet(2.0f));
      assertEquals(2.25f, f.addAndGet(0.25f));
    }
  }

  @Test
  void aNamedValueIsOpenedByNameAndSharesMemory() {
    String name = Peers.uniqueName("value");
    try (SharedLong a = SharedLong.create(name, 41);
        SharedLong b = SharedLong.open(name)) {
      try {
        assertEquals(Optional.of(name), a.name());
        assertEquals(41, b.get());
        a.incrementAndGet();
        assertEquals(42, b.get());
      } finally {
        a.unlink();
      }
    }
    NoSuchObjectException e = assertThrows(NoSuchObjectException.class, () -> SharedLong.open(name));
    assertEquals(ErrorCode.ENOENT, e.code());
    assertEquals(name, e.subject());
  }

  @Test
  void creatingAnExistingNameFails() {
    String name = Peers.uniqueName("dup");
    try (SharedInt a = SharedInt.create(name, 1)) {
      try {
        ObjectExistsException e =
            assertThrows(ObjectExistsException.class, () -> SharedInt.create(name, 2));
        assertEquals(name, e.subject());
        assertTrue(e.getMessage().contains(name), e.getMessage());
        assertEquals(1, a.get());
      } finally {
        a.unlink();
      }
    }
  }

  @Test
  void openingAnotherTypeOrKindFails() {
    String name = Peers.uniqueName("typed");
    try (SharedInt a = SharedInt.create(name, 1)) {
      try {
        IncompatibleObjectException type =
            assertThrows(IncompatibleObjectException.class, () -> SharedLong.open(name));
        assertEquals(ErrorCode.ETYPE, type.code());
        IncompatibleObjectException kind =
            assertThrows(IncompatibleObjectException.class, () -> SharedIntArray.open(name));
        assertEquals(ErrorCode.EKIND, kind.code());
      } finally {
        a.unlink();
      }
    }
  }

  @Test
  void damagedOrForeignSegmentsAreRefusedWithTheReason() throws Exception {
    String name = Peers.uniqueName("damaged");
    java.nio.file.Path file = java.nio.file.Path.of("/dev/shm" + name);
    try (SharedLong v = SharedLong.create(name, 1)) {
      try (java.nio.channels.FileChannel ch =
          java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(new byte[] {'x'}), 70); // inside the name: CRC breaks
      }
      IncompatibleObjectException e =
          assertThrows(IncompatibleObjectException.class, () -> SharedLong.open(name));
      assertEquals(ErrorCode.ECORRUPT, e.code());
      assertEquals(name, e.subject());
      assertEquals(1, v.get(), "the creator's handle is unaffected");
      v.unlink();
    }
    java.nio.file.Files.write(file, new byte[4096]); // all zero: never published
    try {
      java.nio.file.Files.write(file, "not mproc".getBytes(), java.nio.file.StandardOpenOption.WRITE);
      IncompatibleObjectException e =
          assertThrows(IncompatibleObjectException.class, () -> SharedLong.open(name));
      assertEquals(ErrorCode.EBADMAGIC, e.code());
      java.nio.file.Files.write(file, new byte[100]);
      e = assertThrows(IncompatibleObjectException.class, () -> SharedLong.open(name));
      assertEquals(ErrorCode.ETRUNCATED, e.code());
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  @Test
  void invalidNamesAreRejectedWithTheName() {
    for (String bad : new String[] {"noslash", "/", "/a/b", "/..", "/sp ace", "/" + "x".repeat(31)}) {
      InvalidNameException e =
          assertThrows(InvalidNameException.class, () -> SharedLong.create(bad, 0), bad);
      assertEquals(bad, e.subject());
    }
    InvalidNameException e =
        assertThrows(InvalidNameException.class, () -> SharedLong.open("/" + "y".repeat(40)));
    assertEquals(ErrorCode.ENAMETOOLONG, e.code());
    // A NUL would end the C string early: "/mpt-nul\0x" must not open or create "/mpt-nul".
    String name = "/mpt-nul-" + ProcessHandle.current().pid();
    try (SharedLong real = SharedLong.create(name, 7)) {
      InvalidNameException nul =
          assertThrows(InvalidNameException.class, () -> SharedLong.open(name + "\0x"));
      assertEquals(ErrorCode.EBADNAME, nul.code());
      assertTrue(nul.getMessage().contains("NUL"), nul.getMessage());
      assertThrows(InvalidNameException.class, () -> SharedLong.create(name + "\0", 1));
      assertEquals(7, real.get());
      real.unlink();
    }
  }

  @Test
  void useAfterCloseThrowsAndCloseIsIdempotent() {
    SharedLong v = SharedLong.create(1);
    v.close();
    v.close();
    assertTrue(v.isClosed());
    assertThrows(ObjectClosedException.class, v::get);
    assertThrows(ObjectClosedException.class, () -> v.set(2));
    assertThrows(ObjectClosedException.class, v::incrementAndGet);
    assertThrows(ObjectClosedException.class, v::lock);
    assertEquals("SharedLong[closed]", v.toString());
  }

  @Test
  void theLockIsNotReentrantAndBelongsToItsThread() throws Exception {
    try (SharedLong v = SharedLong.create(0)) {
      LockHold hold = v.lock();
      assertFalse(hold.ownerDied());
      assertThrows(IllegalStateException.class, v::lock);
      assertNull(
          CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return v.tryLock(Duration.ofMillis(50));
                    } catch (InterruptedException e) {
                      throw new AssertionError(e);
                    }
                  })
              .get(10, TimeUnit.SECONDS));
      CompletableFuture<Void> foreign = CompletableFuture.runAsync(hold::close);
      Exception e = assertThrows(Exception.class, () -> foreign.get(10, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof IllegalMonitorStateException, e.toString());
      hold.close();
      hold.close();
      LockHold again = v.tryLock(Duration.ZERO);
      assertNotNull(again);
      again.close();
      assertThrows(IllegalArgumentException.class, () -> v.tryLock(Duration.ofMillis(-1)));
    }
  }

  @Test
  void aWaitingThreadCanBeInterrupted() throws Exception {
    try (SharedLong v = SharedLong.create(0);
        LockHold hold = v.lock()) {
      CompletableFuture<Throwable> waiter = new CompletableFuture<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  v.lockInterruptibly().close();
                  waiter.complete(null);
                } catch (Throwable e) {
                  waiter.complete(e);
                }
              });
      t.start();
      Thread.sleep(100);
      t.interrupt();
      assertTrue(waiter.get(10, TimeUnit.SECONDS) instanceof InterruptedException);
      assertTrue(hold != null);
    }
  }

  @Test
  void closingWhileAnotherThreadHoldsTheLockIsSafe() throws Exception {
    SharedLong v = SharedLong.create(0);
    java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<Throwable> holder =
        CompletableFuture.supplyAsync(
            () -> {
              try (LockHold h = v.lock()) {
                held.countDown();
                closed.await();
                return null; // releasing after close must neither throw nor touch freed memory
              } catch (Throwable t) {
                return t;
              }
            });
    held.await();
    v.close(); // cannot take the lock: detaches later, through a cleaner
    closed.countDown();
    assertNull(holder.get(10, TimeUnit.SECONDS));
    assertThrows(ObjectClosedException.class, v::lock);
  }

  @Test
  void closingWakesAThreadWaitingForTheLock() throws Exception {
    SharedLong v = SharedLong.create(0);
    LockHold hold = v.lock();
    CompletableFuture<Throwable> waiter =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                v.lock().close();
                return null;
              } catch (Throwable t) {
                return t;
              }
            });
    Thread.sleep(150);
    hold.close();
    v.close();
    Throwable t = waiter.get(10, TimeUnit.SECONDS);
    assertTrue(t == null || t instanceof ObjectClosedException, String.valueOf(t));
  }

  @Test
  void threadsOfOneProcessExcludeEachOther() throws Exception {
    try (SharedLong v = SharedLong.create(0)) {
      Thread[] threads = new Thread[4];
      for (int t = 0; t < threads.length; t++) {
        threads[t] =
            new Thread(
                () -> {
                  for (int i = 0; i < 5000; i++) {
                    try (LockHold h = v.lock()) {
                      v.set(v.get() + 1);
                    }
                  }
                });
        threads[t].start();
      }
      for (Thread t : threads) {
        t.join();
      }
      assertEquals(20000, v.get());
    }
  }
}
