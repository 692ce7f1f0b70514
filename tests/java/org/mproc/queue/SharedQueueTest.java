package org.mproc.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mproc.ErrorCode;
import org.mproc.IncompatibleObjectException;
import org.mproc.MprocException;
import org.mproc.ObjectClosedException;
import org.mproc.ObjectExistsException;
import org.mproc.shared.SharedByteArray;
import org.mproc.shared.SharedLong;
import org.mproc.testing.Peers;

/** The queue within one process: BlockingQueue behaviour, bounds, shutdown, bad input. */
class SharedQueueTest {

  @Test
  void itIsAFifoBlockingQueue() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.create()) {
      assertTrue(q.isEmpty());
      assertNull(q.poll());
      assertNull(q.peek());
      q.put(Arrays.asList(42, null, "hello"));
      assertTrue(q.offer("two"));
      q.add(3);
      assertEquals(3, q.size());
      assertEquals(Arrays.asList(42, null, "hello"), q.peek());
      assertEquals(Arrays.asList(42, null, "hello"), q.take());
      assertEquals("two", q.poll(1, TimeUnit.SECONDS));
      assertEquals(Optional.of(3), q.poll(Duration.ZERO));
      assertEquals(Optional.empty(), q.poll(Duration.ofMillis(20)));
      assertNull(q.poll(20, TimeUnit.MILLISECONDS));
      assertEquals(Integer.MAX_VALUE, q.remainingCapacity());
      assertThrows(UnsupportedOperationException.class, q::iterator);
      assertTrue(q.toString().startsWith("SharedQueue[anonymous, size=0"), q.toString());
    }
  }

  @Test
  void rawBytesTravelUntouched() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.create()) {
      byte[] big = new byte[100_000];
      Arrays.fill(big, (byte) 7);
      q.putBytes(new byte[] {1, 2, 3});
      q.putBytes(big, 10, 50_000);
      q.putBytes(new byte[0]);
      assertArrayEquals(new byte[] {1, 2, 3}, q.getBytes());
      byte[] small = new byte[10];
      BufferTooShortException e = assertThrows(BufferTooShortException.class,
          () -> q.getBytesInto(small));
      assertEquals(50_000, e.messageLength());
      assertEquals(2, q.size(), "the message stays queued");
      byte[] into = new byte[60_000];
      assertEquals(50_000, q.getBytesInto(into));
      assertEquals(7, into[49_999]);
      assertEquals(0, q.getBytes(Duration.ZERO).orElseThrow().length);
    }
  }

  @Test
  void boundsAreEnforced() throws Exception {
    try (SharedQueue<Object> q =
        SharedQueue.builder().capacityBytes(4096).maxMessageBytes(1000).maxSize(2).create()) {
      assertEquals(1000, q.maxMessageBytes());
      assertTrue(q.offer("a"));
      assertTrue(q.offer("b"));
      assertTrue(q.isFull());
      assertEquals(0, q.remainingCapacity());
      assertFalse(q.offer("c"));
      assertFalse(q.offer("c", Duration.ofMillis(30)));
      IllegalArgumentException big =
          assertThrows(IllegalArgumentException.class, () -> q.putBytes(new byte[1001]));
      assertTrue(big.getMessage().contains("1001"), big.getMessage());
      List<Object> drained = new ArrayList<>();
      assertEquals(2, q.drainTo(drained));
      assertEquals(List.of("a", "b"), drained);
    }
    assertThrows(IllegalArgumentException.class,
        () -> SharedQueue.builder().capacityBytes(5000));
    assertThrows(IllegalArgumentException.class,
        () -> SharedQueue.builder().capacityBytes(4096).maxMessageBytes(4000).create());
    assertThrows(IllegalArgumentException.class, () -> SharedQueue.builder().maxSize(-1));
  }

  @Test
  void aMessageTheCodecCannotEncodeFailsAtPut() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.create()) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> q.put(new Object()));
      assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
      assertTrue(q.isEmpty());
    }
  }

  @Test
  void shutdownDrainsThenCloses() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.create()) {
      q.put("last");
      q.shutdown();
      assertTrue(q.isShutdown());
      QueueClosedException put = assertThrows(QueueClosedException.class, () -> q.put("more"));
      assertEquals(ErrorCode.ECLOSED, put.code());
      assertEquals("last", q.take());
      assertThrows(QueueClosedException.class, q::take);
      assertThrows(QueueClosedException.class, q::poll);
    }
  }

  @Test
  void aBlockedTakeWakesOnPutAndHonoursInterrupt() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.create()) {
      CompletableFuture<Object> taker = new CompletableFuture<>();
      Thread t = new Thread(() -> {
        try {
          taker.complete(q.take());
        } catch (Throwable e) {
          taker.complete(e);
        }
      });
      t.start();
      Thread.sleep(50);
      q.put("wake");
      assertEquals("wake", taker.get(10, TimeUnit.SECONDS));

      CompletableFuture<Object> interrupted = new CompletableFuture<>();
      Thread u = new Thread(() -> {
        try {
          interrupted.complete(q.take());
        } catch (Throwable e) {
          interrupted.complete(e);
        }
      });
      u.start();
      Thread.sleep(50);
      u.interrupt();
      assertTrue(interrupted.get(10, TimeUnit.SECONDS) instanceof InterruptedException);
    }
  }

  /**
   * A put skips the wake-up of a consumer it already woke that has taken nothing since
   * (QueueRing.notifyConsumers, C's notify_consumers); every other sleeper must still be woken.
   * A missed wake-up shows as a take that returns only when its 100 ms sleep slice ends.
   */
  @Test
  void everySleepingConsumerIsWokenForAMessage() throws Exception {
    String name = "/mpt-jwoke-" + ProcessHandle.current().pid();
    int rounds = 20;
    try (SharedQueue<Object> producer = SharedQueue.builder().name(name).create();
        SharedQueue<Object> c1 = SharedQueue.open(name);
        SharedQueue<Object> c2 = SharedQueue.open(name)) {
      MappedByteBuffer body = body(name);
      producer.unlink(); // the mappings stay; the name goes now
      // One consumer: woken by the first of three quick puts (the others skip the wake-up),
      // asleep again after taking all three, woken again by the next round's first put.
      AtomicInteger got = new AtomicInteger();
      Thread t = consumer(c1, got);
      int slow = 0;
      for (int round = 0; round < rounds; round++) {
        awaitSleepers(body, 1);
        long t0 = System.nanoTime();
        for (int k = 0; k < 3; k++) {
          producer.put(k);
        }
        if (awaitTaken(got, 3 * (round + 1)) - t0 >= 50_000_000) {
          slow++;
        }
      }
      assertTrue(slow <= 2, slow + " of " + rounds + " rounds waited for a sleep slice");
      // Two consumers asleep (no wake-up is skipped then), two messages.
      Thread u = consumer(c2, got);
      slow = 0;
      for (int round = 0; round < rounds; round++) {
        awaitSleepers(body, 2);
        long t0 = System.nanoTime();
        producer.put("a");
        producer.put("b");
        if (awaitTaken(got, 3 * rounds + 2 * (round + 1)) - t0 >= 50_000_000) {
          slow++;
        }
      }
      assertTrue(slow <= 2, slow + " of " + rounds + " rounds waited for a sleep slice");
      producer.shutdown(); // the consumers' takes end
      t.join(10_000);
      u.join(10_000);
      assertFalse(t.isAlive() || u.isAlive());
    }
  }

  /* Takes until the queue is shut down, counting. */
  private static Thread consumer(SharedQueue<Object> q, AtomicInteger got) {
    Thread t = new Thread(() -> {
      try {
        for (;;) {
          q.take();
          got.incrementAndGet();
        }
      } catch (QueueClosedException | InterruptedException e) {
        // done
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }

  /* Waits until `count` messages were taken in all: the time it saw that. */
  private static long awaitTaken(AtomicInteger got, int count) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    while (got.get() < count) {
      assertTrue(System.nanoTime() < end, got.get() + " taken, not " + count);
      Thread.sleep(0, 50_000);
    }
    return System.nanoTime();
  }

  /* Waits until n consumers count as waiting (body offset 260), then gives them time to sleep. */
  private static void awaitSleepers(MappedByteBuffer body, int n) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    while (body.getInt(260) != n) {
      assertTrue(System.nanoTime() < end, "waiting consumers: " + body.getInt(260) + ", not " + n);
      Thread.sleep(0, 100_000);
    }
    Thread.sleep(2);
  }

  @Test
  void namesAreCreatedOpenedAndChecked() throws Exception {
    String name = Peers.uniqueName("q");
    try (SharedQueue<Object> a = SharedQueue.create(name);
        SharedQueue<Object> b = SharedQueue.open(name)) {
      try {
        a.put("x");
        assertEquals("x", b.take());
        assertThrows(ObjectExistsException.class, () -> SharedQueue.create(name));
      } finally {
        a.unlink();
      }
    }
    String value = Peers.uniqueName("notq");
    try (SharedLong v = SharedLong.create(value, 1)) {
      try {
        IncompatibleObjectException e =
            assertThrows(IncompatibleObjectException.class, () -> SharedQueue.open(value));
        assertEquals(ErrorCode.EKIND, e.code());
      } finally {
        v.unlink();
      }
    }
  }

  @Test
  void threadsOfOneProcessShareOneQueueObject() throws Exception {
    final int producers = 3;
    final int per = 100_000;
    try (SharedQueue<Object> q = SharedQueue.builder().capacityBytes(1 << 14).create();
        SharedByteArray seen = SharedByteArray.create(producers * per)) {
      List<Thread> threads = new ArrayList<>();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      AtomicInteger got = new AtomicInteger();
      for (int c = 0; c < 2; c++) {
        boolean blocking = c == 0;
        threads.add(new Thread(() -> {
          byte[] buf = new byte[8];
          try {
            while (true) {
              int len = blocking ? q.getBytesInto(buf) : q.pollBytesInto(buf);
              if (len < 0) {
                Thread.onSpinWait();
                continue;
              }
              ByteBuffer m = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
              seen.getAndAdd(m.getInt(0) * per + m.getInt(4), (byte) 1);
              got.incrementAndGet();
            }
          } catch (QueueClosedException e) {
            // drained
          } catch (Throwable e) {
            failed.set(e);
          }
        }));
      }
      for (int p = 0; p < producers; p++) {
        int id = p;
        threads.add(new Thread(() -> {
          try {
            for (int s = 0; s < per; s++) {
              byte[] m = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(id)
                  .putInt(s).array();
              if (s % 2 == 0) {
                q.putBytes(m);
              } else {
                while (!q.offerBytes(m, Duration.ZERO)) {
                  Thread.onSpinWait();
                }
              }
            }
          } catch (Throwable e) {
            failed.set(e);
          }
        }));
      }
      threads.forEach(Thread::start);
      for (Thread t : threads.subList(2, threads.size())) {
        t.join();
      }
      q.shutdown();
      threads.get(0).join();
      threads.get(1).join();
      if (failed.get() != null) {
        throw new AssertionError("a thread failed", failed.get());
      }
      assertEquals(producers * per, got.get());
      byte[] all = seen.toArray();
      for (int i = 0; i < all.length; i++) {
        assertEquals(1, all[i], "message " + i);
      }
    }
  }

  @Test
  void closingUnderAnotherThreadEndsItsCallsAndOthersCarryOn() throws Exception {
    String name = Peers.uniqueName("q");
    try (SharedQueue<Object> keeper = SharedQueue.builder().name(name).capacityBytes(1 << 14)
        .create()) {
      try {
        for (int round = 0; round < 5; round++) {
          SharedQueue<Object> q = SharedQueue.open(name);
          AtomicReference<Throwable> ended = new AtomicReference<>();
          Thread t = new Thread(() -> {
            byte[] buf = new byte[64];
            try {
              while (true) {
                q.putBytes(buf);
                q.getBytesInto(buf);
              }
            } catch (Throwable e) {
              ended.set(e);
            }
          });
          t.start();
          Thread.sleep(20 + 10 * round);
          q.close();
          t.join(10_000);
          assertFalse(t.isAlive());
          assertTrue(ended.get() instanceof ObjectClosedException, String.valueOf(ended.get()));
          // Another handle of this process takes over whatever lock the closed one held.
          keeper.putBytes(new byte[] {1, 2, 3});
          byte[] last = null;
          for (Optional<byte[]> m; (m = keeper.getBytes(Duration.ZERO)).isPresent(); ) {
            last = m.get();
          }
          assertArrayEquals(new byte[] {1, 2, 3}, last);
          assertEquals(0, keeper.size());
        }
      } finally {
        keeper.unlink();
      }
    }
  }

  /* Message i of largeMessagesKeepEveryByte: its length and bytes from its index alone. */
  private static byte[] bulkMessage(int i) {
    java.util.Random r = new java.util.Random(i);
    int[] edges = {4095, 4096, 4097, 65_536, 99_999, 100_000};
    byte[] m = new byte[i < edges.length ? edges[i] : 1000 + r.nextInt(99_001)];
    r.nextBytes(m);
    return m;
  }

  @Test
  void largeMessagesKeepEveryByteAcrossTheBulkCopyThreshold() throws Exception {
    // From 4 KiB, puts and gets copy with the C library's memcpy instead of the JVM's loop
    // (SegmentMemory, ByteBufferMemory): messages on both sides of that size, at offsets in the
    // caller's arrays, single and batched, through a ring they wrap about 20 times.
    for (boolean one : new boolean[] {false, true}) {
      SharedQueue.Builder<Object> b =
          SharedQueue.builder().capacityBytes(1 << 18).maxMessageBytes(100_000);
      try (SharedQueue<Object> q = (one ? b.oneToOne() : b).create()) {
        int n = 100;
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
          try {
            for (int i = 0; i < n; i++) {
              byte[] m = bulkMessage(i);
              byte[] framed = new byte[m.length + 13]; // the message at offset 7
              System.arraycopy(m, 0, framed, 7, m.length);
              q.putBytes(framed, 7, m.length);
            }
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
        byte[] into = new byte[100_000 + 5];
        int[] lengths = new int[4];
        for (int i = 0; i < n; ) {
          if (i % 3 == 2) { // a batch: the messages back to back in `into`
            int k = q.getBytesInto(into, lengths);
            int off = 0;
            for (int j = 0; j < k; j++) {
              byte[] want = bulkMessage(i + j);
              assertEquals(want.length, lengths[j], "length of message " + (i + j));
              assertArrayEquals(want, Arrays.copyOfRange(into, off, off + lengths[j]),
                  "bytes of message " + (i + j));
              off += lengths[j];
            }
            i += k;
          } else {
            byte[] want = bulkMessage(i);
            assertEquals(want.length, q.getBytesInto(into), "length of message " + i);
            assertArrayEquals(want, Arrays.copyOf(into, want.length), "bytes of message " + i);
            i++;
          }
        }
        producer.get(30, TimeUnit.SECONDS);
        assertEquals(0, q.size());
      }
    }
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void closingDuringLargeCopiesEndsThemCleanly() throws Exception {
    // A bulk copy holds the mapping for its duration (FFM: the arena cannot close meanwhile);
    // close waits for it, and the calls of the other threads end with ObjectClosedException.
    // 16 MiB messages keep a copy running most of the time; a consumer blocked in C must
    // notice the close within its wait slice.
    for (int round = 0; round < 3; round++) {
      SharedQueue<Object> q = SharedQueue.builder().capacityBytes(64 << 20)
          .maxMessageBytes(16 << 20).oneToOne().create();
      byte[] m = new byte[16 << 20];
      AtomicReference<Throwable> copierEnded = new AtomicReference<>();
      AtomicReference<Throwable> waiterEnded = new AtomicReference<>();
      Thread copier = new Thread(() -> { // both roles: put, then take back
        try {
          while (true) {
            q.putBytes(m);
            q.getBytesInto(m);
          }
        } catch (Throwable e) {
          copierEnded.set(e);
        }
      });
      copier.start();
      Thread.sleep(50 + 20 * round);
      SharedQueue<Object> idle = SharedQueue.builder().oneToOne().create();
      Thread waiter = new Thread(() -> {
        try {
          idle.take();
        } catch (Throwable e) {
          waiterEnded.set(e);
        }
      });
      waiter.start();
      Thread.sleep(20);
      q.close();
      idle.close();
      copier.join(10_000);
      waiter.join(10_000);
      assertFalse(copier.isAlive() || waiter.isAlive());
      assertTrue(copierEnded.get() instanceof ObjectClosedException,
          String.valueOf(copierEnded.get()));
      assertTrue(waiterEnded.get() instanceof ObjectClosedException,
          String.valueOf(waiterEnded.get()));
    }
  }

  /* The queue body of a named queue, mapped by the test as a hostile process would. */
  private static MappedByteBuffer body(String name) throws Exception {
    try (FileChannel ch = FileChannel.open(Path.of("/dev/shm" + name), StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
      m.order(ByteOrder.LITTLE_ENDIAN);
      return (MappedByteBuffer) m.position((int) m.getLong(120)).slice()
          .order(ByteOrder.LITTLE_ENDIAN);
    }
  }

  @Test
  void aScribbledRecordOrTailPoisonsTheQueueWithATypedError() throws Exception {
    String name = Peers.uniqueName("q");
    try (SharedQueue<Object> q = SharedQueue.builder().name(name).capacityBytes(4096).create()) {
      try {
        q.putBytes(new byte[] {1, 2, 3});
        MappedByteBuffer b = body(name);
        b.putInt(1024, 1 << 30); // the record's length: far beyond the maximum
        MprocException get = assertThrows(MprocException.class, q::getBytes);
        assertEquals(ErrorCode.ECORRUPT, get.code());
        MprocException put = assertThrows(MprocException.class, () -> q.putBytes(new byte[1]));
        assertEquals(ErrorCode.ECORRUPT, put.code());
      } finally {
        q.unlink();
      }
    }
    String other = Peers.uniqueName("q");
    try (SharedQueue<Object> q = SharedQueue.builder().name(other).capacityBytes(4096).create()) {
      try {
        q.putBytes(new byte[] {1});
        body(other).putLong(16, 13); // tail: not a record boundary
        MprocException put = assertThrows(MprocException.class, () -> q.putBytes(new byte[1]));
        assertEquals(ErrorCode.ECORRUPT, put.code());
        assertThrows(MprocException.class, q::poll);
      } finally {
        q.unlink();
      }
    }
  }

  /*
   * A same-user process scribbling on the positions, counts, intents and records (never the lock
   * words): every call returns normally or throws an MprocException (ECORRUPT once the queue
   * found a bad record and poisoned itself); nothing else escapes, nothing hangs.
   */
  @Test
  void hostileBodyWordsOnlyEverGiveTypedErrors() throws Exception {
    String name = Peers.uniqueName("q");
    java.util.Random rnd = new java.util.Random(20261126L);
    try (SharedQueue<Object> q = SharedQueue.builder().name(name).capacityBytes(4096)
        .maxMessageBytes(512).create()) {
      try {
        MappedByteBuffer b = body(name);
        MappedByteBuffer hdr;
        try (FileChannel ch = FileChannel.open(Path.of("/dev/shm" + name),
            StandardOpenOption.READ, StandardOpenOption.WRITE)) {
          hdr = ch.map(FileChannel.MapMode.READ_WRITE, 0, 256);
        }
        hdr.order(ByteOrder.LITTLE_ENDIAN);
        int[] words = {16, 24, 32, 40, 144, 152, 160, 168}; // tail, puts, intents, head, ...
        byte[] buf = new byte[512];
        int corrupt = 0;
        for (int i = 0; i < 3000; i++) {
          switch (rnd.nextInt(4)) {
            case 0: { // a position or count nudged, aligned or not
              int w = words[rnd.nextInt(words.length)];
              b.putLong(w, b.getLong(w) + (rnd.nextInt(2048) - 1024) * (rnd.nextBoolean() ? 8 : 1));
              break;
            }
            case 1: // anything at all
              b.putLong(words[rnd.nextInt(words.length)], rnd.nextLong());
              break;
            case 2: // record bytes
              b.put(1024 + rnd.nextInt(4096), (byte) rnd.nextInt());
              break;
            default: // heal the state now and then, so that the calls keep reaching the body
              hdr.putInt(16, 1);
          }
          try {
            switch (rnd.nextInt(7)) {
              case 0:
                q.offerBytes(new byte[rnd.nextInt(513)], Duration.ZERO);
                break;
              case 5: // batches read and write several records under one lock hold
                q.pollBytesInto(buf, new int[1 + rnd.nextInt(8)]);
                break;
              case 6:
                q.offerBytes(buf, new int[] {rnd.nextInt(100), rnd.nextInt(100), 7}, 3,
                    Duration.ZERO);
                break;
              case 1:
                q.pollBytesInto(buf);
                break;
              case 2:
                q.getBytes(Duration.ZERO);
                break;
              case 3:
                try {
                  q.peek(); // peeks through the codec: scribbled bytes are its to refuse
                } catch (IllegalArgumentException e) {
                  assertTrue(e.getMessage().contains("decode") || e.getMessage().contains("malformed")
                      || e.getMessage().contains("filter"), e.getMessage());
                }
                break;
              default:
                q.size();
            }
          } catch (MprocException e) {
            if (e.code() == ErrorCode.ECORRUPT) {
              corrupt++;
            }
          }
        }
        assertTrue(corrupt > 0, "the scribbles were noticed");
      } finally {
        q.unlink();
      }
    }
  }

  @Test
  void useAfterCloseThrows() throws Exception {
    SharedQueue<Object> q = SharedQueue.create();
    q.close();
    q.close();
    assertThrows(ObjectClosedException.class, () -> q.put("x"));
    assertThrows(ObjectClosedException.class, q::poll);
    assertThrows(ObjectClosedException.class, q::size);
  }
}
