package org.mproc.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mproc.MprocException;
import org.mproc.ObjectClosedException;
import org.mproc.internal.Memory;
import org.mproc.process.Subprocess;
import org.mproc.shared.SharedLongArray;

/**
 * One-to-one queues ({@code SharedQueue.builder().oneToOne()}): the same operations without a
 * lock per message, with the producer and consumer roles held by one thread of one process at a
 * time. Order and bytes across wraps, roles between threads and processes, a stream between
 * processes through a small ring (both sides sleeping and waking), blocking, shutdown, and
 * SIGKILLed producers and consumers.
 */
class QueueOneToOneTest {

  private static SharedQueue<Object> oneToOne(int capacity) {
    return SharedQueue.builder().capacityBytes(capacity).maxMessageBytes(512).oneToOne()
        .create();
  }

  private static long seqOf(byte[] buf, int off) {
    return ByteBuffer.wrap(buf, off, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  @Test
  void singlesAndBatchesKeepOrderAndBytesAcrossManyWraps() throws Exception {
    Random rnd = new Random(7);
    try (SharedQueue<Object> q = oneToOne(4096)) {
      assertTrue(q.isOneToOne());
      List<byte[]> sent = new ArrayList<>();
      List<byte[]> got = new ArrayList<>();
      byte[] out = new byte[8 * 512];
      byte[] in = new byte[8 * 512];
      int[] inLens = new int[8];
      for (int round = 0; round < 3000; round++) {
        byte[][] msgs = new byte[1 + rnd.nextInt(6)][];
        int off = 0;
        int[] lens = new int[msgs.length];
        for (int i = 0; i < msgs.length; i++) {
          msgs[i] = new byte[rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(300)];
          rnd.nextBytes(msgs[i]);
          sent.add(msgs[i]);
          System.arraycopy(msgs[i], 0, out, off, msgs[i].length);
          lens[i] = msgs[i].length;
          off += lens[i];
        }
        if (msgs.length == 1) {
          q.putBytes(msgs[0]);
        } else {
          q.putBytes(out, lens, msgs.length);
        }
        while (got.size() < sent.size()) {
          if (rnd.nextBoolean()) {
            got.add(q.getBytes());
          } else {
            int n = q.pollBytesInto(in, inLens);
            for (int i = 0, o = 0; i < n; o += inLens[i], i++) {
              got.add(Arrays.copyOfRange(in, o, o + inLens[i]));
            }
          }
        }
        assertEquals(0, q.size());
      }
      assertEquals(sent.size(), got.size());
      for (int i = 0; i < sent.size(); i++) {
        assertArrayEquals(sent.get(i), got.get(i), "message " + i);
      }
      // Objects through the codec, peek, and a full ring.
      q.put(Arrays.asList(42, null, "hello"));
      assertEquals(Arrays.asList(42, null, "hello"), q.peek());
      assertEquals(Arrays.asList(42, null, "hello"), q.take());
      int puts = 0;
      while (q.offerBytes(new byte[500], Duration.ZERO)) {
        puts++;
      }
      assertEquals(7, puts, "7 x 512-byte records and the zero slot in 4096 bytes");
      assertFalse(q.offerBytes(new byte[500], Duration.ofMillis(20)));
      assertEquals(7, q.size());
      assertThrows(IllegalArgumentException.class, () -> q.putBytes(new byte[513]));
    }
  }

  @Test
  void eachRoleBelongsToOneThreadUntilItEndsOrGivesItBack() throws Exception {
    try (SharedQueue<Object> q = oneToOne(4096)) {
      q.putBytes(new byte[] {1}); // this thread is the producer
      CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
        try {
          q.putBytes(new byte[] {2});
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      ExecutionException e = assertThrows(ExecutionException.class, other::get);
      assertTrue(e.getCause() instanceof IllegalStateException, e.getCause().toString());
      assertTrue(e.getCause().getMessage().contains("is its producer"), e.getCause().getMessage());
      // A consumer thread that ends leaves its role to the next thread.
      Thread t = new Thread(() -> {
        try {
          assertEquals(1, q.getBytes()[0]);
        } catch (InterruptedException ex) {
          throw new IllegalStateException(ex);
        }
      });
      t.start();
      t.join();
      q.putBytes(new byte[] {3});
      assertEquals(3, q.getBytes()[0]); // this thread took the dead thread's consumer role
      q.releaseRoles();
      CompletableFuture.runAsync(() -> {
        try {
          q.putBytes(new byte[] {4}); // the producer role was given back
          assertEquals(4, q.getBytes()[0]);
        } catch (InterruptedException ex) {
          throw new IllegalStateException(ex);
        }
      }).get();
    }
  }

  @Test
  void aRoleHeldByAnotherProcessIsRefusedUntilGivenBack() throws Exception {
    try (SharedQueue<Object> q = oneToOne(4096)) {
      q.putBytes(new byte[] {1}); // this process is the producer
      Subprocess refused = Subprocess.start(() -> q.putBytes(new byte[] {2}));
      assertTrue(refused.join(Duration.ofMinutes(1)));
      Throwable f = refused.failure().orElseThrow();
      while (!(f instanceof MprocException) && f.getCause() != null) {
        f = f.getCause(); // the child's exception, as its parent sees it
      }
      assertTrue(f instanceof MprocException && f.getMessage().contains("MPROC_EROLE"),
          f.toString());
      q.releaseRoles();
      Subprocess allowed = Subprocess.start(() -> q.putBytes(new byte[] {3}));
      assertTrue(allowed.join(Duration.ofMinutes(1)));
      assertEquals(0, allowed.exitCode(), allowed.failure().map(Throwable::toString).orElse(""));
      assertEquals(1, q.getBytes()[0]);
      assertEquals(3, q.getBytes()[0]);
      q.putBytes(new byte[] {4}); // the child is gone: its role is taken over
      assertEquals(4, q.getBytes()[0]);
    }
  }

  /**
   * A producer process streams numbered messages (singles and batches) through a 4 KiB ring to
   * this consumer (singles and batches): both sides keep filling, draining, sleeping and waking
   * each other. Every message arrives once, in order.
   */
  @Test
  void aStreamBetweenProcessesArrivesExactlyOnceInOrder() throws Exception {
    final long total = 1_000_000;
    try (SharedQueue<Object> q = oneToOne(4096)) {
      Subprocess producer = Subprocess.start(() -> {
        ByteBuffer b = ByteBuffer.allocate(16 * 64).order(ByteOrder.LITTLE_ENDIAN);
        int[] lens = new int[16];
        Random rnd = new Random(3);
        for (long s = 0; s < total; ) {
          int n = (int) Math.min(1 + rnd.nextInt(16), total - s);
          int off = 0;
          for (int i = 0; i < n; i++) {
            lens[i] = 8 + 8 * rnd.nextInt(7);
            b.putLong(off, s + i);
            off += lens[i];
          }
          if (n == 1) {
            q.putBytes(b.array(), 0, lens[0]);
          } else {
            q.putBytes(b.array(), lens, n);
          }
          s += n;
          if (s % 100_003 < n) {
            Thread.sleep(2); // the consumer falls asleep
          }
        }
      });
      byte[] buf = new byte[32 * 64];
      int[] lens = new int[32];
      long expect = 0;
      while (expect < total) {
        int n;
        if ((expect & 1) == 0) {
          n = q.getBytesInto(buf, lens);
        } else {
          lens[0] = q.getBytesInto(buf);
          n = 1;
        }
        for (int i = 0, off = 0; i < n; off += lens[i], i++) {
          assertEquals(expect++, seqOf(buf, off), "a gap, a repeat or a reordering");
        }
        if (expect % 200_011 < n) {
          Thread.sleep(2); // the producer fills the ring and sleeps
        }
      }
      assertTrue(producer.join(Duration.ofMinutes(2)));
      assertEquals(0, producer.exitCode(), producer.failure().map(Throwable::toString).orElse(""));
      assertEquals(0, q.size());
    }
  }

  /**
   * A blocked take wakes for a put from another process, for an interrupt and for a shutdown.
   * The first wait comes right after a stream (40 messages taken), so it is the wait that
   * looks away first and then looks less often (SharedQueue.spinForMessage): it wakes all the
   * same.
   */
  @Test
  void aBlockedTakeWakesOnAPutFromAnotherProcessAndOnShutdown() throws Exception {
    try (SharedQueue<Object> q = oneToOne(4096)) {
      Subprocess late = Subprocess.start(() -> {
        for (int i = 0; i < 40; i++) {
          q.put(i);
        }
        Thread.sleep(200);
        q.put("late");
      });
      for (int i = 0; i < 40; i++) {
        assertEquals(i, q.take());
      }
      assertEquals("late", q.poll(20, TimeUnit.SECONDS));
      assertTrue(late.join(Duration.ofMinutes(1)));
      Thread taker = Thread.currentThread();
      CompletableFuture<Void> interrupter = CompletableFuture.runAsync(() -> {
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
        taker.interrupt();
      });
      assertThrows(InterruptedException.class, q::take);
      interrupter.get();
      Subprocess closer = Subprocess.start(() -> {
        Thread.sleep(200);
        q.shutdown();
      });
      assertThrows(QueueClosedException.class, q::take);
      assertTrue(closer.join(Duration.ofMinutes(1)));
      assertThrows(QueueClosedException.class, () -> q.put("more"));
    }
  }

  /**
   * Producer and consumer processes SIGKILLed in the middle of a stream: this process takes
   * both roles over and finds a gapless continuation of what the dead consumer took (it loses
   * nothing: a get not committed stays queued), and the queue works on.
   */
  @Test
  void killedProducersAndConsumersLoseNothingCommittedAndTheQueueWorks() throws Exception {
    for (int round = 0; round < 3; round++) {
      try (SharedQueue<Object> q = oneToOne(1 << 14);
          SharedLongArray progress = SharedLongArray.create(2)) {
        Subprocess producer = Subprocess.start(() -> {
          ByteBuffer b = ByteBuffer.allocate(64 * 8).order(ByteOrder.LITTLE_ENDIAN);
          int[] lens = new int[64];
          Arrays.fill(lens, 8);
          for (long s = 0; ; ) {
            int n = (int) (1 + s % 64);
            for (int i = 0; i < n; i++) {
              b.putLong(i * 8, s + i);
            }
            q.putBytes(b.array(), lens, n);
            s += n;
            progress.set(0, s);
          }
        });
        Subprocess consumer = Subprocess.start(() -> {
          byte[] buf = new byte[8];
          while (true) {
            q.getBytesInto(buf);
            progress.set(1, seqOf(buf, 0) + 1); // the next it expects
          }
        });
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (progress.get(1) < 20_000 * (round + 1) && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        if (round % 2 == 0) {
          consumer.kill();
          producer.kill();
        } else {
          producer.kill();
          consumer.kill();
        }
        producer.join();
        consumer.join();
        assertEquals(-9, producer.exitCode());
        assertEquals(-9, consumer.exitCode());
        long next = progress.get(1);
        byte[] buf = new byte[64 * 8];
        int[] lens = new int[64];
        long expect = -1;
        int n;
        while ((n = q.pollBytesInto(buf, lens)) > 0) {
          for (int i = 0; i < n; i++) {
            long s = seqOf(buf, i * 8);
            if (expect < 0) {
              // The victim may have committed one more get than it recorded.
              assertTrue(s == next || s == next + 1, "resumed at " + s + ", expected " + next);
              expect = s;
            }
            assertEquals(expect++, s, "a gap or a repeat after the kills");
          }
        }
        assertTrue(expect < 0 || expect >= progress.get(0), "every finished put was delivered");
        assertEquals(0, q.size());
        q.putBytes(new byte[] {7});
        assertEquals(7, q.getBytes()[0]);
      }
    }
  }
  /**
   * The unguarded view of a queue's mapping (its one-to-one calls' memory) skips only the
   * liveness check: it reads and writes the same bytes as the checked view, and every access
   * outside the mapping, or outside the array it copies to or from, throws
   * IndexOutOfBoundsException instead of touching memory.
   */
  @Test
  void theUnguardedViewChecksEveryBound() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.builder().capacityBytes(1 << 16).oneToOne()
        .create()) {
      Field f = SharedQueue.class.getDeclaredField("mem");
      f.setAccessible(true);
      Memory real = (Memory) f.get(q);
      if (real == null) {
        return; // no Java path on this backend and size
      }
      Field r = SharedQueue.class.getDeclaredField("ring");
      r.setAccessible(true);
      assertEquals(org.mproc.internal.Native.api().processBarrier() == 0,
          ((QueueRing) r.get(q)).guarded(), "the guard is on wherever the barrier works");
      Memory u = real.unguarded();
      long size = real.size();
      assertTrue(size > 3 * 8192, "room for the bulk cases below: " + size);
      assertEquals(size, u.size());
      assertEquals(real.address(), u.address());
      long spare = size - 64; // the ring's end: no live word of the queue
      u.setLongRelease(spare, 0x0102030405060708L);
      assertEquals(0x0102030405060708L, real.getLong(spare));
      real.setLongPlain(spare + 8, -5);
      assertEquals(-5, u.getLongPlain(spare + 8));
      u.setInt(spare + 16, 77);
      assertEquals(77, u.getAndAddInt(spare + 16, 1));
      assertTrue(u.compareAndSetInt(spare + 16, 78, 79));
      assertEquals(79, real.getInt(spare + 16));
      byte[] in = new byte[40];
      new Random(7).nextBytes(in);
      u.putBytesPlain(in, 0, spare + 24, 40);
      byte[] out = new byte[40];
      real.getBytesPlain(spare + 24, out, 0, 40);
      assertArrayEquals(in, out);
      byte[] big = new byte[8192];
      for (long[] bad : new long[][] {{size - 4}, {size}, {-8}, {Long.MIN_VALUE}}) {
        long at = bad[0];
        assertThrows(IndexOutOfBoundsException.class, () -> u.getLong(at), "getLong " + at);
        assertThrows(IndexOutOfBoundsException.class, () -> u.setLongRelease(at, 1), "set " + at);
        assertThrows(IndexOutOfBoundsException.class, () -> u.getInt(at + 2), "getInt " + at);
        assertThrows(IndexOutOfBoundsException.class,
            () -> u.putBytesPlain(in, 0, at, 16), "put " + at);
        assertThrows(IndexOutOfBoundsException.class,
            () -> u.getBytesPlain(at, out, 0, 16), "get " + at);
      }
      // Past the end by one byte, small and bulk (4 KiB and more goes through memcpy), and
      // the same copies just inside it.
      u.getBytesPlain(size - 8192, big, 0, 8192);
      u.getBytesPlain(size - 40, out, 0, 40);
      assertThrows(IndexOutOfBoundsException.class, () -> u.putBytesPlain(in, 0, size - 39, 40));
      assertThrows(IndexOutOfBoundsException.class,
          () -> u.getBytesPlain(size - 8191, big, 0, 8192));
      assertThrows(IndexOutOfBoundsException.class,
          () -> u.putBytesPlain(big, 0, size - 8191, 8192));
      // The array's bounds, and negative counts.
      assertThrows(IndexOutOfBoundsException.class, () -> u.putBytesPlain(in, 30, 0, 16));
      assertThrows(IndexOutOfBoundsException.class, () -> u.getBytesPlain(0, out, 30, 16));
      assertThrows(IndexOutOfBoundsException.class, () -> u.getBytesPlain(0, big, 8000, 4096));
      assertThrows(IndexOutOfBoundsException.class, () -> u.putBytesPlain(in, 0, 0, -1));
      assertThrows(IndexOutOfBoundsException.class,
          () -> u.copyOut(size - 8, new long[2], 0, 2));
      assertThrows(IndexOutOfBoundsException.class, () -> u.copyIn(new int[4], 0, size - 8, 4));
      assertEquals(0x0102030405060708L, real.getLong(spare), "nothing written out of bounds");
      u.setLong(spare, 0);
      u.setLong(spare + 8, 0);
      u.setLong(spare + 16, 0);
      real.putBytesPlain(new byte[40], 0, spare + 24, 40);
      q.putBytes(new byte[] {5});
      assertEquals(5, q.getBytes()[0]); // the queue is unharmed
    }
  }

  /** A named object's segment, mapped read-write from /dev/shm, little-endian. */
  private static java.nio.MappedByteBuffer mapSegment(String name) throws Exception {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(
        java.nio.file.Path.of("/dev/shm" + name), java.nio.file.StandardOpenOption.READ,
        java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.MappedByteBuffer m =
          ch.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, ch.size());
      m.order(ByteOrder.LITTLE_ENDIAN);
      return m;
    }
  }

  /**
   * Armed wake-ups (layout 3.2) on Java's own put and get: a commit wakes the other side only
   * if its sequence word (body offsets 256 and 384) is odd, armed by a sleeper, and disarms it;
   * an even word, or one disarmed already, is left alone (no wake-up call was made).
   */
  @Test
  void javaCommitsWakeOnlyAnArmedWord() throws Exception {
    String name = org.mproc.testing.Peers.uniqueName("q1");
    try (SharedQueue<Object> q = SharedQueue.builder().name(name).capacityBytes(4096)
        .oneToOne().create()) {
      try {
        java.nio.MappedByteBuffer m = mapSegment(name);
        int body = (int) m.getLong(120);
        int notEmpty = body + 256;
        int notFull = body + 384;
        assertEquals(2 | 8, m.getInt(body + 524), "flags: one-to-one, armed wake-ups");
        m.putInt(notEmpty, 6);
        q.putBytes(new byte[] {1});
        assertEquals(6, m.getInt(notEmpty), "not armed: left alone");
        m.putInt(notEmpty, 7);
        q.putBytes(new byte[] {2}, new int[] {1}, 1);
        assertEquals(8, m.getInt(notEmpty), "armed: disarmed by the put");
        q.putBytes(new byte[] {3});
        assertEquals(8, m.getInt(notEmpty), "disarmed already: no second wake-up");
        m.putInt(notFull, -1);
        assertEquals(1, q.getBytes()[0]);
        assertEquals(0, m.getInt(notFull), "armed: disarmed by the get, across the wrap");
        assertEquals(2, q.getBytes()[0]);
        assertEquals(0, m.getInt(notFull));
        m.putInt(notFull, 5);
        byte[] buf = new byte[8];
        int[] lengths = new int[4];
        assertEquals(1, q.getBytesInto(buf, lengths));
        assertEquals(6, m.getInt(notFull), "a batch get disarms too");
      } finally {
        q.unlink();
      }
    }
  }

  /**
   * A scribbled, misaligned {@code head} (offset 144 of the body) is reported as corruption by
   * C when the consumer next reads it from the segment, never read through the ring by Java
   * (an aligned view would throw an unchecked alignment error instead).
   */
  @Test
  void aMisalignedHeadPoisonsTheQueue() throws Exception {
    String name = org.mproc.testing.Peers.uniqueName("q1");
    try (SharedQueue<Object> q = SharedQueue.builder().name(name).capacityBytes(4096)
        .oneToOne().create()) {
      try {
        q.putBytes(new byte[] {1});
        assertEquals(1, q.getBytes()[0]);
        assertEquals(-1, q.pollBytesInto(new byte[8])); // empty: the next get reads head again
        java.nio.MappedByteBuffer m = mapSegment(name);
        long body = m.getLong(120);
        m.putLong((int) body + 144, m.getLong((int) body + 144) + 3);
        q.putBytes(new byte[] {2});
        MprocException e = assertThrows(MprocException.class, q::getBytes);
        assertEquals(org.mproc.ErrorCode.ECORRUPT, e.code());
      } finally {
        q.unlink();
      }
    }
  }

  /**
   * Closing a handle while its producer and consumer threads put and poll without pause: the
   * role guard (QueueRing) makes close wait for the calls in progress, which on FFM run on the
   * mapping without a liveness check, and makes every later call throw before touching it. A
   * guard that let a call run on after close unmapped the ring would crash the JVM here (it
   * did, with retire() emptied).
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void closingUnderBusyRolesEndsTheirCallsBeforeTheRingGoes() throws Exception {
    Random rnd = new Random(42);
    for (int round = 0; round < 200; round++) {
      SharedQueue<Object> q = SharedQueue.builder().capacityBytes(4096).oneToOne().create();
      AtomicReference<Throwable> producerEnded = new AtomicReference<>();
      AtomicReference<Throwable> consumerEnded = new AtomicReference<>();
      Thread producer = new Thread(() -> {
        byte[] m = new byte[64];
        try {
          while (true) {
            q.offerBytes(m, Duration.ZERO); // full: try again
          }
        } catch (Throwable e) {
          producerEnded.set(e);
        }
      });
      Thread consumer = new Thread(() -> {
        byte[] b = new byte[64];
        try {
          while (true) {
            q.pollBytesInto(b);
          }
        } catch (Throwable e) {
          consumerEnded.set(e);
        }
      });
      producer.start();
      consumer.start();
      Thread.sleep(1 + rnd.nextInt(3));
      q.close();
      producer.join(10_000);
      consumer.join(10_000);
      assertFalse(producer.isAlive() || consumer.isAlive(), "round " + round);
      assertTrue(producerEnded.get() instanceof ObjectClosedException,
          "round " + round + ": " + producerEnded.get());
      assertTrue(consumerEnded.get() instanceof ObjectClosedException,
          "round " + round + ": " + consumerEnded.get());
    }
  }

  /**
   * A Java exception at any memory access of a one-to-one put or get (injected through a
   * {@link Memory} that fails once, at the k-th access) leaves the queue consistent for the same
   * handle, which does not claim its role again: the put happened wholly or not at all, the get
   * too, and {@code size} agrees with what comes out.
   */
  @Test
  void anExceptionAnywhereInAPutOrAGetLeavesTheQueueConsistent() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.builder().capacityBytes(4096).maxMessageBytes(512)
        .oneToOne().joinable().create()) {
      q.putBytes(new byte[] {0}); // this thread takes both roles of the handle
      assertEquals(0, q.getBytes()[0]);
      q.taskDone();
      Field f = SharedQueue.class.getDeclaredField("mem");
      f.setAccessible(true);
      Memory real = (Memory) f.get(q);
      if (real == null) {
        return; // no Java path on this backend and size
      }
      int[] failAt = {0};
      Memory failing = (Memory) Proxy.newProxyInstance(Memory.class.getClassLoader(),
          new Class<?>[] {Memory.class}, (proxy, method, args) -> {
            if (method.getName().equals("unguarded")) {
              return proxy; // the role guard's view fails as well
            }
            if (--failAt[0] == 0) {
              throw new IllegalStateException("injected at this access");
            }
            try {
              return method.invoke(real, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
      QueueRing ring =
          QueueRing.over(failing, (offset, count) -> { }, () -> 0, 1, 4096, 512, 0);
      // A handle's ring keeps the positions it stored; here two rings share the roles.
      Field g = SharedQueue.class.getDeclaredField("ring");
      g.setAccessible(true);
      QueueRing own = (QueueRing) g.get(q);
      byte[] buf = new byte[512];
      int[] lens = new int[8];
      int[] three = {3, 3, 3};
      byte[] batch = {1, 1, 1, 2, 2, 2, 3, 3, 3};
      for (int k = 1; k <= 40; k++) {
        for (int op = 0; op < 4; op++) {
          if (op >= 2) {
            q.putBytes(new byte[] {9, 9});
          }
          ring.forgetPositions(true);
          ring.forgetPositions(false);
          failAt[0] = k;
          boolean thrown = false;
          try {
            switch (op) {
              case 0 -> ring.tryPut(new byte[] {7, 7, 7}, 0, 3);
              case 1 -> ring.tryPutBatch(batch, 0, three, 0, 3);
              case 2 -> ring.tryGet(buf, true);
              default -> ring.tryGetBatch(buf, 0, lens, 0, lens.length);
            }
          } catch (IllegalStateException e) {
            thrown = true;
          }
          failAt[0] = 0;
          own.forgetPositions(true);
          own.forgetPositions(false);
          int size = q.size();
          int out = 0;
          int n;
          while ((n = q.pollBytesInto(buf, lens)) > 0) {
            out += n;
            for (int i = 0, o = 0; i < n; o += lens[i], i++) {
              for (int b = 0; b < lens[i]; b++) {
                assertEquals(buf[o], buf[o + b], "a torn message, k=" + k + " op=" + op);
              }
            }
          }
          assertEquals(size, out, "size against what came out, k=" + k + " op=" + op
              + (thrown ? " (thrown)" : ""));
          int want = switch (op) {
            case 0 -> 1;
            case 1 -> 3;
            default -> 1;
          };
          assertTrue(out == 0 || out == want || (op >= 2 && out == 1),
              "all or nothing: " + out + ", k=" + k + " op=" + op);
          q.putBytes(new byte[] {5}); // the queue works on
          assertEquals(5, q.getBytes()[0]);
          assertEquals(0, q.size());
          // Joinable: a task for every committed put of this round, no more (the put's
          // messages that came out, or the message the get took, and the 5).
          int tasks = 0;
          while (!q.join(Duration.ZERO)) {
            q.taskDone();
            tasks++;
          }
          assertEquals((op < 2 ? out : 1) + 1, tasks, "unfinished tasks, k=" + k + " op=" + op);
          assertThrows(MprocException.class, q::taskDone);
        }
      }
      // Every call left the role guard, thrown or not: retiring finds no busy word.
      assertTrue(ring.retire(), "a role's busy word was left set");
      assertThrows(org.mproc.ObjectClosedException.class, () -> ring.tryPut(buf, 0, 1));
    }
  }
}
