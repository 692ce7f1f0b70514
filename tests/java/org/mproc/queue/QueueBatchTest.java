package org.mproc.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.mproc.process.Subprocess;
import org.mproc.shared.SharedByteArray;
import org.mproc.shared.SharedLongArray;

/**
 * Batches: {@code putBytes(byte[], int[], int)}, {@code offerBytes} of a batch,
 * {@code getBytesInto(byte[], int[])}, {@code pollBytesInto(byte[], int[])} and the batched
 * {@code drainTo}, in one process and across processes (exactly once, order, SIGKILL).
 */
class QueueBatchTest {

  /** Packs messages back to back; returns the lengths. */
  private static int[] pack(byte[][] msgs, byte[] into) {
    int[] lens = new int[msgs.length];
    int off = 0;
    for (int i = 0; i < msgs.length; i++) {
      System.arraycopy(msgs[i], 0, into, off, msgs[i].length);
      lens[i] = msgs[i].length;
      off += lens[i];
    }
    return lens;
  }

  @Test
  void batchesKeepOrderAndBytesAcrossManyWrapsOfTheRing() throws Exception {
    Random rnd = new Random(42);
    try (SharedQueue<Object> q = SharedQueue.builder().capacityBytes(4096).maxMessageBytes(512)
        .create()) {
      List<byte[]> sent = new ArrayList<>();
      List<byte[]> got = new ArrayList<>();
      byte[] out = new byte[8 * 512];
      byte[] in = new byte[8 * 512];
      int[] inLens = new int[8];
      for (int round = 0; round < 2000; round++) {
        byte[][] msgs = new byte[1 + rnd.nextInt(8)][];
        for (int i = 0; i < msgs.length; i++) {
          msgs[i] = new byte[rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(300)];
          rnd.nextBytes(msgs[i]);
          sent.add(msgs[i]);
        }
        q.putBytes(out, pack(msgs, out), msgs.length);
        while (got.size() < sent.size()) {
          int n = rnd.nextBoolean() ? q.getBytesInto(in, inLens) : q.pollBytesInto(in, inLens);
          assertTrue(n >= 1 && n <= inLens.length, "n=" + n);
          for (int i = 0, off = 0; i < n; off += inLens[i], i++) {
            got.add(Arrays.copyOfRange(in, off, off + inLens[i]));
          }
        }
      }
      assertEquals(0, q.size());
      assertEquals(0, q.pollBytesInto(in, inLens), "empty: nothing taken");
      assertEquals(sent.size(), got.size());
      for (int i = 0; i < sent.size(); i++) {
        assertArrayEquals(sent.get(i), got.get(i), "message " + i);
      }
    }
  }

  @Test
  void aMessageThatDoesNotFitEndsTheBatchAndStaysQueued() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.create()) {
      q.putBytes(new byte[10]);
      q.putBytes(new byte[100]);
      q.putBytes(new byte[5]);
      int[] lens = new int[8];
      assertEquals(1, q.getBytesInto(new byte[50], lens), "the second does not fit after the first");
      assertEquals(10, lens[0]);
      BufferTooShortException e =
          assertThrows(BufferTooShortException.class, () -> q.pollBytesInto(new byte[50], lens));
      assertEquals(100, e.messageLength());
      assertEquals(2, q.size(), "it stays queued");
      assertEquals(2, q.pollBytesInto(new byte[105], lens));
      assertEquals(100, lens[0]);
      assertEquals(5, lens[1]);
      // lengths bound a batch too
      for (int i = 0; i < 5; i++) {
        q.putBytes(new byte[] {(byte) i});
      }
      byte[] buf = new byte[16];
      int[] two = new int[2];
      assertEquals(2, q.pollBytesInto(buf, two));
      assertEquals(1, buf[1]);
      assertEquals(2, q.pollBytesInto(buf, two));
      assertEquals(3, buf[1]);
      assertEquals(1, q.pollBytesInto(buf, two));
      assertEquals(4, buf[0]);
      assertEquals(0, q.pollBytesInto(buf, two));
    }
  }

  @Test
  void badBatchesAreRefusedNamingTheValueAndPutNothing() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.builder().maxMessageBytes(64).create()) {
      byte[] buf = new byte[100];
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> q.putBytes(buf, new int[] {3, -1}, 2));
      assertTrue(e.getMessage().contains("lengths[1]=-1"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> q.putBytes(buf, new int[] {65}, 1));
      assertTrue(e.getMessage().contains("lengths[0]=65"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> q.putBytes(buf, new int[] {60, 60}, 2));
      assertTrue(e.getMessage().contains("buf.length=100"), e.getMessage());
      IndexOutOfBoundsException oob = assertThrows(IndexOutOfBoundsException.class,
          () -> q.putBytes(buf, new int[] {1}, 2));
      assertTrue(oob.getMessage().contains("count=2"), oob.getMessage());
      assertThrows(IndexOutOfBoundsException.class, () -> q.putBytes(buf, new int[] {1}, -1));
      assertEquals(0, q.size(), "a refused batch puts nothing");
      q.putBytes(buf, new int[] {60, 60}, 1); // count bounds what is read
      assertEquals(1, q.size());
      q.putBytes(buf, new int[0], 0);
      assertEquals(1, q.size());
      e = assertThrows(IllegalArgumentException.class, () -> q.pollBytesInto(buf, new int[0]));
      assertTrue(e.getMessage().contains("lengths.length=0"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> q.getBytesInto(buf, new int[0]));
      assertThrows(NullPointerException.class, () -> q.pollBytesInto(null, new int[1]));
    }
  }

  @Test
  void anOfferedBatchPutsWhatFitsInTime() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.builder().maxSize(3).create()) {
      byte[] buf = new byte[5];
      int[] lens = {1, 1, 1, 1, 1};
      for (int i = 0; i < buf.length; i++) {
        buf[i] = (byte) i;
      }
      assertEquals(3, q.offerBytes(buf, lens, 5, Duration.ofMillis(30)));
      assertEquals(0, q.offerBytes(buf, lens, 5, Duration.ZERO));
      int[] got = new int[8];
      byte[] in = new byte[8];
      assertEquals(3, q.pollBytesInto(in, got));
      assertArrayEquals(new byte[] {0, 1, 2}, Arrays.copyOf(in, 3));
      // a blocking batch waits for room as consumers make it
      CompletableFuture<Integer> consumer = CompletableFuture.supplyAsync(() -> {
        int n = 0;
        byte[] b = new byte[8];
        int[] l = new int[8];
        try {
          while (n < 5) {
            n += q.getBytesInto(b, l);
          }
        } catch (InterruptedException ex) {
          throw new IllegalStateException(ex);
        }
        return n;
      });
      q.putBytes(buf, lens, 5);
      assertEquals(5, consumer.get());
      q.shutdown();
      assertThrows(QueueClosedException.class, () -> q.putBytes(buf, lens, 2));
      assertThrows(QueueClosedException.class, () -> q.offerBytes(buf, lens, 2, Duration.ZERO));
      assertThrows(QueueClosedException.class, () -> q.getBytesInto(in, got));
      assertThrows(QueueClosedException.class, () -> q.pollBytesInto(in, got));
    }
  }

  @Test
  void aBlockedBatchGetWakesOnAPutAndOnInterrupt() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.create()) {
      CompletableFuture<Integer> taker = CompletableFuture.supplyAsync(() -> {
        try {
          return q.getBytesInto(new byte[16], new int[4]);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(50);
      q.putBytes(new byte[] {1, 2});
      assertEquals(1, taker.get());
      Thread self = Thread.currentThread();
      Thread interrupter = new Thread(() -> {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
        self.interrupt();
      });
      interrupter.start();
      assertThrows(InterruptedException.class, () -> q.getBytesInto(new byte[16], new int[4]));
      interrupter.join();
    }
  }

  @Test
  void drainToTakesBatchesAndAFailedDecodeCostsOnlyThatMessage() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.create()) {
      for (int i = 0; i < 150; i++) {
        if (i == 70) {
          q.putBytes(new byte[] {(byte) 0xEE}); // no encoding the codec knows
        } else {
          q.put(i);
        }
      }
      List<Object> into = new ArrayList<>();
      assertEquals(10, q.drainTo(into, 10));
      assertEquals(140, q.size());
      assertThrows(RuntimeException.class, () -> q.drainTo(into)); // after its whole batch
      int left = q.size();
      assertTrue(left < 140, "the failed batch was taken: " + left);
      assertEquals(left, q.drainTo(into), "the rest stayed queued");
      assertEquals(0, q.size());
      assertEquals(149, into.size(), "every message but the undecodable one");
      for (int i = 0, v = 0; i < into.size(); i++, v++) {
        v += v == 70 ? 1 : 0;
        assertEquals(v, into.get(i));
      }
      assertEquals(0, q.drainTo(into));
    }
  }

  private static long seqOf(byte[] buf, int off) {
    return ByteBuffer.wrap(buf, off, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  @Test
  void twoBatchingProducersAndTwoBatchingConsumersDeliverExactlyOnceInOrder() throws Exception {
    final int per = 200_000;
    try (SharedQueue<Object> q = SharedQueue.builder().capacityBytes(1 << 15).create();
        SharedByteArray seen = SharedByteArray.create(2 * per)) {
      List<Subprocess> consumers = new ArrayList<>();
      for (int c = 0; c < 2; c++) {
        consumers.add(Subprocess.start(() -> {
          byte[] buf = new byte[64 * 8];
          int[] lens = new int[64];
          long[] last = {-1, -1};
          try {
            while (true) {
              int n = q.getBytesInto(buf, lens);
              for (int i = 0; i < n; i++) {
                long m = seqOf(buf, i * 8);
                int p = (int) (m >>> 32);
                long s = m & 0xFFFF_FFFFL;
                if (lens[i] != 8 || s <= last[p]) {
                  throw new AssertionError("producer " + p + ": " + s + " after " + last[p]);
                }
                last[p] = s;
                if (seen.getAndAdd((int) (p * per + s), (byte) 1) != 0) {
                  throw new AssertionError("delivered twice: " + p + "/" + s);
                }
              }
            }
          } catch (QueueClosedException e) {
            // drained
          }
        }));
      }
      List<Subprocess> producers = new ArrayList<>();
      for (int p = 0; p < 2; p++) {
        long id = p;
        producers.add(Subprocess.start(() -> {
          ByteBuffer b = ByteBuffer.allocate(41 * 8).order(ByteOrder.LITTLE_ENDIAN);
          int[] lens = new int[41];
          Arrays.fill(lens, 8);
          for (int s = 0; s < per; ) {
            int n = Math.min(1 + s % 41, per - s); // batches of 1 to 41
            for (int i = 0; i < n; i++) {
              b.putLong(i * 8, id << 32 | (s + i));
            }
            q.putBytes(b.array(), lens, n);
            s += n;
          }
        }));
      }
      for (Subprocess p : producers) {
        assertTrue(p.join(Duration.ofMinutes(3)));
        assertEquals(0, p.exitCode(), p.failure().map(Throwable::toString).orElse(""));
      }
      q.shutdown();
      for (Subprocess c : consumers) {
        assertTrue(c.join(Duration.ofMinutes(3)));
        assertEquals(0, c.exitCode(), c.failure().map(Throwable::toString).orElse(""));
      }
      byte[] all = seen.toArray();
      for (int i = 0; i < all.length; i++) {
        assertEquals(1, all[i], "message " + i / per + "/" + i % per);
      }
    }
  }

  /**
   * A producer killed in the middle of its batches has put exactly the messages committed before
   * (a gapless prefix: no hole, nothing twice), and a killed batch consumer costs only the
   * messages it had taken; the survivors go on.
   */
  @Test
  void aKilledBatchProducerLeavesAGaplessPrefixAndTheQueueWorks() throws Exception {
    for (int round = 0; round < 3; round++) {
      try (SharedQueue<Object> q = SharedQueue.builder().capacityBytes(1 << 14).create();
          SharedLongArray progress = SharedLongArray.create(2)) {
        Subprocess producer = Subprocess.start(() -> {
          ByteBuffer b = ByteBuffer.allocate(64 * 8).order(ByteOrder.LITTLE_ENDIAN);
          int[] lens = new int[64];
          Arrays.fill(lens, 8);
          for (long s = 0; ; s += 64) {
            for (int i = 0; i < 64; i++) {
              b.putLong(i * 8, s + i);
            }
            q.putBytes(b.array(), lens, 64);
            progress.set(0, s + 64);
          }
        });
        Subprocess killedConsumer = Subprocess.start(() -> {
          byte[] buf = new byte[32 * 8];
          int[] lens = new int[32];
          while (true) {
            progress.getAndAdd(1, q.getBytesInto(buf, lens));
          }
        });
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (progress.get(1) < 5_000 * (round + 1) && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        killedConsumer.kill();
        killedConsumer.join();
        assertEquals(-9, killedConsumer.exitCode());
        long takenByVictim = progress.get(1);
        // The victim may die between committing a batch and counting it: up to one batch of
        // messages is taken but uncounted; they are its in-flight items.
        byte[] buf = new byte[64 * 8];
        int[] lens = new int[64];
        long first = -1;
        long expect = -1;
        while (progress.get(0) < takenByVictim + 20_000 && System.nanoTime() < deadline) {
          int n = q.getBytesInto(buf, lens);
          for (int i = 0; i < n; i++) {
            long s = seqOf(buf, i * 8);
            if (first < 0) {
              first = expect = s;
            }
            assertEquals(expect, s, "a gap or a repeat after the consumer was killed");
            expect++;
          }
        }
        assertTrue(first >= takenByVictim && first <= takenByVictim + 32,
            "the survivor resumed at " + first + ", the victim took " + takenByVictim);
        producer.kill();
        producer.join();
        assertEquals(-9, producer.exitCode());
        // What is queued now is a gapless continuation: the dead producer's half-written
        // message, if any, was never published.
        int n;
        while ((n = q.pollBytesInto(buf, lens)) > 0) {
          for (int i = 0; i < n; i++) {
            assertEquals(expect++, seqOf(buf, i * 8), "a gap or a repeat after the kill");
          }
        }
        assertTrue(expect >= progress.get(0), "every batch the producer finished was delivered");
        // Both locks work (taken over if the victims held them).
        q.putBytes(new byte[] {7});
        assertEquals(1, q.getBytesInto(buf, lens));
        assertEquals(7, buf[0]);
        assertEquals(0, q.size());
      }
    }
  }
}
