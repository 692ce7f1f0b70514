package org.mproc.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.mproc.process.Subprocess;
import org.mproc.shared.SharedByteArray;
import org.mproc.testing.Peers;

/**
 * Java's put and get (run in Java on the mapping) against C's on the same queue: a ring small
 * enough that messages of 8 to 300 bytes wrap it at every position and need padding records,
 * exact sizes, and a mix of Java and C producers and consumers contending for both locks. The
 * message pattern is {@code mproc_peer}'s ({@code tests/interop/mproc_peer.c}).
 */
class QueueInteropTest {
  private static final int RING = 4096;
  private static final int MAX_MESSAGE = 512;

  /* The pattern of tests/interop/mproc_peer.c: keep the two in step. */
  static int patternLength(int id, int seq) {
    return 8 + (int) (((long) seq * 131 + (long) id * 17) % 293);
  }

  static byte[] pattern(int id, int seq) {
    int len = patternLength(id, seq);
    byte[] b = new byte[len];
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(id).putInt(seq);
    for (int k = 8; k < len; k++) {
      b[k] = (byte) (id * 7 + seq * 13 + k);
    }
    return b;
  }

  /** Checks a message against the pattern; returns {id, seq}. */
  static int[] check(byte[] b, int len) {
    assertTrue(len >= 8, "message of " + len + " bytes");
    ByteBuffer m = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int id = m.getInt(0);
    int seq = m.getInt(4);
    byte[] want = pattern(id, seq);
    assertEquals(want.length, len, "length of " + id + "/" + seq);
    for (int k = 8; k < len; k++) {
      if (b[k] != want[k]) {
        throw new AssertionError("message " + id + "/" + seq + " differs at byte " + k);
      }
    }
    return new int[] {id, seq};
  }

  /** A test body on a fresh named small-ring queue and a named int8 "seen" array. */
  @FunctionalInterface
  private interface OnRing {
    void run(String name, String seenName, SharedQueue<Object> q, SharedByteArray seen)
        throws Exception;
  }

  /* Runs the body on a new queue with a ring of RING bytes, unlinking both names afterwards. */
  private static void onSmallRing(int seenLength, OnRing body) throws Exception {
    onSmallRing(seenLength, false, body);
  }

  private static void onSmallRing(int seenLength, boolean oneToOne, OnRing body)
      throws Exception {
    String name = Peers.uniqueName("qi");
    String seenName = Peers.uniqueName("qiseen");
    SharedQueue.Builder<Object> b = SharedQueue.builder().name(name).capacityBytes(RING)
        .maxMessageBytes(MAX_MESSAGE);
    try (SharedQueue<Object> q = (oneToOne ? b.oneToOne() : b).create();
        SharedByteArray seen = SharedByteArray.create(seenName, seenLength)) {
      try {
        body.run(name, seenName, q, seen);
      } finally {
        q.unlink();
        seen.unlink();
      }
    }
  }

  /* Every message counted in seen[from, to) was got exactly once. */
  private static void assertEachOnce(SharedByteArray seen, int from, int to, int per) {
    byte[] all = seen.toArray();
    for (int i = from; i < to; i++) {
      if (all[i] != 1) {
        throw new AssertionError("message " + (i / per) + "/" + (i % per) + " got " + all[i]
            + " times");
      }
    }
  }

  private static int cTake(String queue, String seen, int producers, int per, int max)
      throws Exception {
    Process c = Peers.c("queue-consume", queue, seen, "" + producers, "" + per, "" + max);
    assertEquals(0, Peers.await(c, 60));
    String out = Peers.output(c).trim();
    assertTrue(out.startsWith("got "), out);
    return Integer.parseInt(out.substring(4));
  }

  private static void cPut(String queue, int id, int from, int count) throws Exception {
    assertEquals(0, Peers.await(Peers.c("queue-produce", queue, "" + id, "" + from, "" + count),
        60));
  }

  @Test
  void sizesStayExactWhileJavaAndCTakeTurnsAroundAWrappingRing() throws Exception {
    final int per = 10_000;
    onSmallRing(3 * per, (name, seenName, q, seen) -> {
      int javaSeq = 0;
      int cSeq = 0;
      long expected = 0;
      int[] last = {-1, -1, -1}; // the last seq of each producer Java got: FIFO per producer
      for (int round = 0; round < 12; round++) {
        // Java fills the ring until a put would wait: the wrap moves on every round.
        while (q.offerBytes(pattern(0, javaSeq), Duration.ZERO)) {
          javaSeq++;
          expected++;
        }
        assertEquals(expected, q.size(), "after Java filled the ring, round " + round);
        // C takes two thirds of it.
        int take = (int) (expected * 2 / 3 + 1);
        assertEquals(take, cTake(name, seenName, 3, per, take));
        expected -= take;
        assertEquals(expected, q.size(), "after C took " + take + ", round " + round);
        // C puts three of its own (room enough for three records of at most 312 bytes).
        cPut(name, 2, cSeq, 3);
        cSeq += 3;
        expected += 3;
        assertEquals(expected, q.size(), "after C put 3, round " + round);
        // Java takes a third of what is there, checking content and FIFO order.
        byte[] buf = new byte[MAX_MESSAGE];
        for (long n = expected / 3; n > 0; n--) {
          int[] m = check(buf, q.getBytesInto(buf));
          assertTrue(m[1] > last[m[0]], "producer " + m[0] + " out of order");
          last[m[0]] = m[1];
          seen.getAndAdd(m[0] * per + m[1], (byte) 1);
          expected--;
          assertEquals(expected, q.size());
        }
      }
      // Drain with Java; C's takes were checked by C and marked in `seen`.
      byte[] buf = new byte[MAX_MESSAGE];
      int len;
      while ((len = q.pollBytesInto(buf)) >= 0) {
        int[] m = check(buf, len);
        seen.getAndAdd(m[0] * per + m[1], (byte) 1);
        expected--;
      }
      assertEquals(0, expected);
      assertEquals(0, q.size());
      assertEachOnce(seen, 0, javaSeq, per);
      assertEachOnce(seen, 2 * per, 2 * per + cSeq, per);
      assertTrue(javaSeq > 12 * 10, "the ring wrapped many times: " + javaSeq + " puts");
    });
  }

  @Test
  void javaAndCProducersAndConsumersShareOneSmallRingExactlyOnce() throws Exception {
    final int producers = 4;
    final int per = 40_000;
    onSmallRing(producers * per, (name, seenName, q, seen) -> {
      // Consumers: C, and a thread of this JVM.
      Process cConsumer = Peers.c("queue-consume", name, seenName, "" + producers, "" + per);
      AtomicReference<Throwable> failed = new AtomicReference<>();
      int[] javaGot = new int[1];
      Thread javaConsumer = new Thread(() -> {
        byte[] buf = new byte[MAX_MESSAGE];
        int[] last = {-1, -1, -1, -1};
        try {
          while (true) {
            int[] m = check(buf, q.getBytesInto(buf));
            assertTrue(m[1] > last[m[0]], "producer " + m[0] + " out of order");
            last[m[0]] = m[1];
            seen.getAndAdd(m[0] * per + m[1], (byte) 1);
            javaGot[0]++;
          }
        } catch (QueueClosedException e) {
          // drained
        } catch (Throwable e) {
          failed.set(e);
        }
      });
      javaConsumer.start();
      // Producers: 0 a thread of this JVM, 1 a child JVM, 2 and 3 C.
      Thread javaProducer = new Thread(() -> {
        try {
          for (int s = 0; s < per; s++) {
            q.putBytes(pattern(0, s));
          }
        } catch (Throwable e) {
          failed.set(e);
        }
      });
      javaProducer.start();
      Subprocess child = Subprocess.start(() -> {
        try (SharedQueue<Object> mine = SharedQueue.open(name)) {
          for (int s = 0; s < per; s++) {
            mine.putBytes(pattern(1, s));
          }
        }
      });
      List<Process> cProducers = new ArrayList<>();
      for (int id = 2; id < producers; id++) {
        cProducers.add(Peers.c("queue-produce", name, "" + id, "0", "" + per));
      }
      javaProducer.join();
      assertTrue(child.join(Duration.ofMinutes(2)));
      assertEquals(0, child.exitCode(), child.failure().map(Throwable::toString).orElse(""));
      for (Process p : cProducers) {
        assertEquals(0, Peers.await(p, 120));
      }
      q.shutdown();
      javaConsumer.join();
      assertEquals(0, Peers.await(cConsumer, 120));
      if (failed.get() != null) {
        throw new AssertionError("a Java participant failed", failed.get());
      }
      String out = Peers.output(cConsumer).trim();
      int cGot = Integer.parseInt(out.substring(out.indexOf(' ') + 1));
      assertEquals(producers * per, cGot + javaGot[0]);
      assertEachOnce(seen, 0, producers * per, per);
      assertEquals(0, q.size());
      assertTrue(q.isShutdown());
    });
  }

  /**
   * Batches (Java's {@code putBytes(byte[], int[], int)} and {@code getBytesInto(byte[], int[])},
   * C's {@code mproc_queue_put_batch} and {@code mproc_queue_get_batch}) mixed with single puts
   * and gets of both on one small ring: every commit of many records, from either side, is read
   * right by the other, exactly once and in each producer's order.
   */
  @Test
  void javaAndCBatchesAndSingleMessagesShareOneSmallRingExactlyOnce() throws Exception {
    final int producers = 4;
    final int per = 30_000;
    onSmallRing(producers * per, (name, seenName, q, seen) -> {
      Process cConsumer =
          Peers.c("queue-consume", name, seenName, "" + producers, "" + per, "-1", "9");
      AtomicReference<Throwable> failed = new AtomicReference<>();
      int[] javaGot = new int[1];
      Thread javaConsumer = new Thread(() -> {
        byte[] buf = new byte[8 * MAX_MESSAGE];
        int[] lens = new int[8];
        int[] last = {-1, -1, -1, -1};
        try {
          while (true) {
            int n = q.getBytesInto(buf, lens);
            for (int i = 0, off = 0; i < n; off += lens[i], i++) {
              int[] m = check(java.util.Arrays.copyOfRange(buf, off, off + lens[i]), lens[i]);
              assertTrue(m[1] > last[m[0]], "producer " + m[0] + " out of order");
              last[m[0]] = m[1];
              seen.getAndAdd(m[0] * per + m[1], (byte) 1);
              javaGot[0]++;
            }
          }
        } catch (QueueClosedException e) {
          // drained
        } catch (Throwable e) {
          failed.set(e);
        }
      });
      javaConsumer.start();
      // Producers: 0 Java batches of 1-5, 1 Java single puts, 2 C batches of 7, 3 C single puts.
      Thread javaBatches = new Thread(() -> {
        try {
          byte[] buf = new byte[5 * MAX_MESSAGE];
          int[] lens = new int[5];
          for (int s = 0; s < per; ) {
            int n = Math.min(1 + s % 5, per - s);
            int off = 0;
            for (int i = 0; i < n; i++) {
              byte[] m = pattern(0, s + i);
              System.arraycopy(m, 0, buf, off, m.length);
              lens[i] = m.length;
              off += m.length;
            }
            q.putBytes(buf, lens, n);
            s += n;
          }
        } catch (Throwable e) {
          failed.set(e);
        }
      });
      Thread javaSingles = new Thread(() -> {
        try {
          for (int s = 0; s < per; s++) {
            q.putBytes(pattern(1, s));
          }
        } catch (Throwable e) {
          failed.set(e);
        }
      });
      javaBatches.start();
      javaSingles.start();
      Process cBatches = Peers.c("queue-produce", name, "2", "0", "" + per, "7");
      Process cSingles = Peers.c("queue-produce", name, "3", "0", "" + per);
      javaBatches.join();
      javaSingles.join();
      assertEquals(0, Peers.await(cBatches, 120));
      assertEquals(0, Peers.await(cSingles, 120));
      q.shutdown();
      javaConsumer.join();
      assertEquals(0, Peers.await(cConsumer, 120));
      if (failed.get() != null) {
        throw new AssertionError("a Java participant failed", failed.get());
      }
      String out = Peers.output(cConsumer).trim();
      int cGot = Integer.parseInt(out.substring(out.indexOf(' ') + 1));
      assertEquals(producers * per, cGot + javaGot[0]);
      assertTrue(cGot > 0 && javaGot[0] > 0, "both consumers took some: C " + cGot);
      assertEachOnce(seen, 0, producers * per, per);
      assertEquals(0, q.size());
    });
  }

  @Test
  void oneJavaAndOneCPeerStreamEachWayThroughTheWrap() throws Exception {
    streamEachWay(false);
  }

  /**
   * The same on a one-to-one queue: Java's and C's lock-free protocols on one ring, and the
   * roles handed over (Java gives its producer role back; the dead C consumer's is taken over).
   */
  @Test
  void aOneToOneQueueStreamsEachWayBetweenJavaAndC() throws Exception {
    streamEachWay(true);
  }

  private static void streamEachWay(boolean oneToOne) throws Exception {
    final int per = 100_000;
    onSmallRing(2 * per, oneToOne, (name, seenName, q, seen) -> {
      // Java produces, C consumes (and checks order and content).
      Process c = Peers.c("queue-consume", name, seenName, "2", "" + per, "" + per);
      for (int s = 0; s < per; s++) {
        q.putBytes(pattern(0, s));
      }
      assertEquals(0, Peers.await(c, 120));
      assertEquals("got " + per, Peers.output(c).trim());
      q.releaseRoles(); // one-to-one: the C producer's turn
      // C produces, Java consumes.
      Process p = Peers.c("queue-produce", name, "1", "0", "" + per);
      byte[] buf = new byte[MAX_MESSAGE];
      for (int s = 0; s < per; s++) {
        int[] m = check(buf, q.getBytesInto(buf));
        assertArrayEquals(new int[] {1, s}, m);
        seen.getAndAdd(per + s, (byte) 1);
      }
      assertEquals(0, Peers.await(p, 120));
      assertEquals(0, q.size());
      assertEachOnce(seen, 0, 2 * per, per);
    });
  }
}
