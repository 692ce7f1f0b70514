package org.mproc.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mproc.process.Subprocess;
import org.mproc.shared.SharedByteArray;
import org.mproc.shared.SharedLongArray;
import org.mproc.testing.Peers;

/**
 * The queue across real processes: child JVMs as producers and consumers with exactly-once
 * delivery, a C program on either end, and SIGKILLed participants.
 */
class QueueCrossProcessTest {
  private static final int PRODUCERS = 4;
  private static final int CONSUMERS = 4;
  private static final int PER_PRODUCER = 250_000;

  private static byte[] message(int producer, int seq) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(producer).putInt(seq)
        .array();
  }

  @Test
  void aChildPutsWhatTheParentTakes() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.create()) {
      Subprocess p = Subprocess.start(() -> q.put(Arrays.asList(42, null, "hello")));
      assertEquals(Arrays.asList(42, null, "hello"), q.take());
      p.join();
      assertEquals(0, p.exitCode());
    }
  }

  @Test
  void aJoinableQueueWaitsForWorkersToMarkTasksDone() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.builder().joinable().create()) {
      for (int i = 0; i < 5; i++) {
        q.put(i);
      }
      assertTrue(!q.join(Duration.ofMillis(30)), "nothing is done yet");
      Subprocess worker = Subprocess.start(() -> {
        for (int i = 0; i < 5; i++) {
          q.take();
          Thread.sleep(10);
          q.taskDone();
        }
      });
      q.join();
      assertEquals(0, q.size());
      worker.join();
      assertEquals(0, worker.exitCode());
      org.mproc.MprocException e =
          org.junit.jupiter.api.Assertions.assertThrows(org.mproc.MprocException.class, q::taskDone);
      assertEquals(org.mproc.ErrorCode.ENOTASK, e.code());
    }
    try (SharedQueue<Object> plain = SharedQueue.create()) {
      org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, plain::taskDone);
      org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, plain::join);
    }
  }

  /**
   * A producer JVM SIGKILLed in the middle of its puts (the Java fast path, single puts and
   * batches) while this process takes and marks done everything: once drained, join has
   * nothing to wait for, on a locked and on a one-to-one joinable queue, before anyone repairs
   * the dead producer's side. (In layout 3.0 a put counted its task before committing, and a
   * kill between the two left join waiting for ever.)
   */
  @Test
  void aProducerKilledInsideItsPutsLeavesJoinNothingToWaitFor() throws Exception {
    for (boolean one : new boolean[] {false, true}) {
      SharedQueue.Builder<Object> b = SharedQueue.builder().capacityBytes(1 << 14).joinable();
      try (SharedQueue<Object> q = (one ? b.oneToOne() : b).create()) {
        byte[] buf = new byte[64 * 8];
        int[] lens = new int[64];
        for (int round = 0; round < 3; round++) {
          Subprocess producer = Subprocess.start(() -> {
            byte[] out = new byte[64 * 8];
            int[] outLens = new int[64];
            Arrays.fill(outLens, 8);
            for (int i = 0; ; i++) {
              if (i % 2 == 0) {
                q.putBytes(out, 0, 8);
              } else {
                q.putBytes(out, outLens, 1 + i % 64);
              }
            }
          });
          // Takes and marks done without pause (a full ring would park the producer) until
          // the producer is dead, then drains.
          java.util.concurrent.atomic.AtomicLong taken = new java.util.concurrent.atomic.AtomicLong();
          java.util.concurrent.atomic.AtomicBoolean dead =
              new java.util.concurrent.atomic.AtomicBoolean();
          java.util.concurrent.CompletableFuture<Void> consumer =
              java.util.concurrent.CompletableFuture.runAsync(() -> {
                boolean drained = false;
                while (!drained) {
                  boolean last = dead.get();
                  int n = q.pollBytesInto(buf, lens);
                  for (int i = 0; i < n; i++) {
                    q.taskDone();
                  }
                  taken.addAndGet(n);
                  drained = last && n == 0;
                }
                q.releaseRoles(); // one-to-one: the consumer role back to the handle
              });
          long deadline = System.nanoTime() + 30_000_000_000L;
          while (taken.get() < 100_000 * (round + 1) && System.nanoTime() < deadline) {
            Thread.sleep(1);
          }
          producer.kill();
          producer.join();
          assertEquals(-9, producer.exitCode());
          dead.set(true);
          consumer.get(1, java.util.concurrent.TimeUnit.MINUTES);
          assertTrue(taken.get() >= 100_000 * (round + 1), "the producer ran");
          assertEquals(0, q.size());
          assertTrue(q.join(Duration.ZERO), "join waits for a task the dead producer never put");
        }
      }
    }
  }

  /* Message i of largeMessagesCrossIntact: its length and bytes from its index alone. */
  static byte[] largeMessage(int i) {
    java.util.Random r = new java.util.Random(i);
    int[] edges = {4095, 4096, 4097, 65_536, 100_000};
    byte[] m = new byte[i < edges.length ? edges[i] : 1000 + r.nextInt(99_001)];
    r.nextBytes(m);
    return m;
  }

  @Test
  void largeMessagesCrossIntact() throws Exception {
    // From 4 KiB the Java path copies with the C library's memcpy (FFM) or JNA's Pointer copy;
    // a child process checks every byte, on both queue kinds, through a ring wrapped ~10 times.
    for (boolean one : new boolean[] {false, true}) {
      SharedQueue.Builder<Object> b =
          SharedQueue.builder().capacityBytes(1 << 18).maxMessageBytes(100_000);
      try (SharedQueue<Object> q = (one ? b.oneToOne() : b).create()) {
        int n = 50;
        Subprocess consumer = Subprocess.start(() -> {
          byte[] into = new byte[100_000];
          for (int i = 0; i < n; i++) {
            byte[] want = largeMessage(i);
            int len = q.getBytesInto(into);
            if (len != want.length || !Arrays.equals(want, 0, len, into, 0, len)) {
              throw new AssertionError("message " + i + " differs (" + len + " bytes)");
            }
          }
        });
        for (int i = 0; i < n; i++) { // bounded: a consumer that failed stops taking
          assertTrue(q.offerBytes(largeMessage(i), Duration.ofSeconds(30)),
              "message " + i + " not taken: " + consumer.failure().map(Throwable::toString));
        }
        assertTrue(consumer.join(Duration.ofMinutes(2)));
        assertEquals(0, consumer.exitCode(), consumer.failure().map(Throwable::toString).orElse(""));
        assertEquals(0, q.size());
      }
    }
  }

  @Test
  void fourProducersAndFourConsumersDeliverAMillionMessagesExactlyOnce() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.builder().capacityBytes(1 << 16).create();
        SharedByteArray seen = SharedByteArray.create(PRODUCERS * PER_PRODUCER)) {
      List<Subprocess> producers = new ArrayList<>();
      List<Subprocess> consumers = new ArrayList<>();
      for (int c = 0; c < CONSUMERS; c++) {
        consumers.add(Subprocess.start(() -> {
          int[] last = new int[PRODUCERS];
          Arrays.fill(last, -1);
          byte[] buf = new byte[8];
          while (true) {
            try {
              q.getBytesInto(buf);
            } catch (QueueClosedException e) {
              return;
            }
            ByteBuffer m = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            int p = m.getInt(0);
            int s = m.getInt(4);
            if (s <= last[p]) {
              throw new AssertionError("producer " + p + " out of order: " + s + " after " + last[p]);
            }
            last[p] = s;
            if (seen.getAndAdd(p * PER_PRODUCER + s, (byte) 1) != 0) {
              throw new AssertionError("delivered twice: " + p + "/" + s);
            }
          }
        }));
      }
      for (int p = 0; p < PRODUCERS; p++) {
        int producer = p;
        producers.add(Subprocess.start(() -> {
          for (int s = 0; s < PER_PRODUCER; s++) {
            q.putBytes(message(producer, s));
          }
        }));
      }
      for (Subprocess p : producers) {
        assertTrue(p.join(Duration.ofMinutes(5)));
        assertEquals(0, p.exitCode(), p.failure().map(Throwable::toString).orElse(""));
      }
      q.shutdown();
      for (Subprocess c : consumers) {
        assertTrue(c.join(Duration.ofMinutes(5)));
        assertEquals(0, c.exitCode(), c.failure().map(Throwable::toString).orElse(""));
      }
      byte[] all = seen.toArray();
      for (int i = 0; i < all.length; i++) {
        if (all[i] != 1) {
          throw new AssertionError("message " + i + " delivered " + all[i] + " times");
        }
      }
      assertEquals(0, q.size());
    }
  }

  private static Path cExample(String name) {
    return Peers.cPeerPath().getParent().getParent().getParent().resolve("examples").resolve(name);
  }

  @Test
  void aCProgramConsumesWhatJavaProducesAndTheReverse() throws Exception {
    String name = Peers.uniqueName("qc");
    try (SharedQueue<Object> q = SharedQueue.create(name)) {
      try {
        Process consumer =
            new ProcessBuilder(cExample("queue_peer").toString(), "consume", name)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        q.put("hello from java");
        q.putBytes("raw bytes".getBytes());
        q.shutdown();
        assertEquals(0, Peers.await(consumer, 60));
        assertEquals("hello from java\nraw bytes\n", Peers.output(consumer));
      } finally {
        q.unlink();
      }
    }
    String back = Peers.uniqueName("qc");
    try (SharedQueue<Object> q = SharedQueue.create(back)) {
      try {
        Process producer =
            new ProcessBuilder(cExample("queue_peer").toString(), "produce", back, "one", "two")
                .inheritIO()
                .start();
        assertEquals(0, Peers.await(producer, 60));
        assertEquals("one", new String(q.getBytes()));
        assertEquals("two", new String(q.getBytes()));
        assertTrue(q.isShutdown());
      } finally {
        q.unlink();
      }
    }
  }

  /*
   * Survivors lose nothing when a producer JVM and a consumer JVM are SIGKILLed mid-burst (most
   * likely inside the put or get that runs in Java on the mapping): every survivor's message is
   * delivered exactly once, the killed producer's messages up to the last put it saw return are
   * delivered exactly once and nothing after the one it was putting, at most one message (the
   * killed consumer's in-flight one) is missing overall, and the size comes back to exactly 0.
   */
  @Test
  void aKilledJavaProducerAndConsumerCostOnlyTheirInFlightMessages() throws Exception {
    final int survivors = 2;
    final int per = 150_000;
    final int victimMax = 4_000_000;
    final int victim = survivors; // the killed producer's id
    for (int round = 0; round < 3; round++) {
      try (SharedQueue<Object> q = SharedQueue.builder().capacityBytes(1 << 14).create();
          SharedByteArray seen = SharedByteArray.create(survivors * per + victimMax);
          SharedLongArray lastPut = SharedLongArray.create(1)) {
        lastPut.set(0, -1);
        Subprocess killedProducer = Subprocess.start(() -> {
          for (int s = 0; s < victimMax; s++) {
            q.putBytes(message(victim, s));
            lastPut.set(0, s);
          }
        });
        Subprocess killedConsumer = Subprocess.start(() -> {
          byte[] buf = new byte[8];
          while (true) {
            q.getBytesInto(buf);
            ByteBuffer m = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            seen.getAndAdd(m.getInt(0) * per + m.getInt(4), (byte) 1);
          }
        });
        Subprocess consumer = Subprocess.start(() -> {
          byte[] buf = new byte[8];
          try {
            while (true) {
              q.getBytesInto(buf);
              ByteBuffer m = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
              seen.getAndAdd(m.getInt(0) * per + m.getInt(4), (byte) 1);
            }
          } catch (QueueClosedException e) {
            // drained
          }
        });
        List<Subprocess> producers = new ArrayList<>();
        for (int p = 0; p < survivors; p++) {
          int id = p;
          producers.add(Subprocess.start(() -> {
            for (int s = 0; s < per; s++) {
              q.putBytes(message(id, s));
            }
          }));
        }
        // Kill the victims once they are busy (and at a different moment each round).
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (lastPut.get(0) < 20_000 * (round + 1) && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        killedProducer.kill();
        killedConsumer.kill();
        killedProducer.join();
        killedConsumer.join();
        assertEquals(-9, killedProducer.exitCode());
        assertEquals(-9, killedConsumer.exitCode());
        for (Subprocess p : producers) {
          assertTrue(p.join(Duration.ofMinutes(2)));
          assertEquals(0, p.exitCode(), p.failure().map(Throwable::toString).orElse(""));
        }
        q.shutdown();
        assertTrue(consumer.join(Duration.ofMinutes(2)));
        assertEquals(0, consumer.exitCode(), consumer.failure().map(Throwable::toString).orElse(""));
        assertEquals(0, q.size(), "the surviving consumer drained the queue");
        long last = lastPut.get(0);
        assertTrue(last >= 0, "the killed producer never put anything");
        byte[] all = seen.toArray();
        int missing = 0;
        for (int i = 0; i < all.length; i++) {
          int id = i < survivors * per ? i / per : victim;
          long s = i < survivors * per ? i % per : i - (long) survivors * per;
          if (all[i] > 1) {
            throw new AssertionError("message " + id + "/" + s + " delivered " + all[i] + " times");
          }
          if (id == victim && s > last + 1 && all[i] != 0) {
            throw new AssertionError("message " + id + "/" + s + " delivered, but its producer"
                + " was killed putting " + (last + 1));
          }
          boolean due = id != victim || s <= last;
          if (due && all[i] == 0) {
            missing++;
          }
        }
        assertTrue(missing <= 1, "round " + round + ": " + missing + " messages lost");
        // Not poisoned, and both locks are free or taken over: drained and closed, nothing else.
        org.junit.jupiter.api.Assertions.assertThrows(QueueClosedException.class, q::getBytes);
        assertEquals(0, q.size());
      }
    }
  }

  @Test
  void killedProducersAndConsumersLoseAtMostTheirOwnMessage() throws Exception {
    try (SharedQueue<Object> q = SharedQueue.builder().capacityBytes(1 << 14).create()) {
      for (int round = 0; round < 3; round++) {
        int r = round;
        Subprocess producer = Subprocess.start(() -> {
          for (int s = 0; ; s++) {
            q.putBytes(message(r, s));
          }
        });
        Subprocess consumer = Subprocess.start(() -> {
          byte[] buf = new byte[8];
          while (true) {
            q.getBytesInto(buf);
          }
        });
        Thread.sleep(700 + 200 * round); // both JVMs are up and hammering the queue
        producer.kill();
        consumer.kill();
        producer.join();
        consumer.join();
        assertEquals(-9, producer.exitCode());
        // What is left is a run of one producer's messages, in order, with no hole.
        int prev = -1;
        while (true) {
          var b = q.getBytes(Duration.ofMillis(300));
          if (b.isEmpty()) {
            break;
          }
          ByteBuffer m = ByteBuffer.wrap(b.get()).order(ByteOrder.LITTLE_ENDIAN);
          assertEquals(r, m.getInt(0));
          int s = m.getInt(4);
          assertTrue(prev < 0 || s == prev + 1, "hole after " + prev + ": " + s);
          prev = s;
        }
        q.put("still works");
        assertEquals("still works", q.poll(5, java.util.concurrent.TimeUnit.SECONDS));
      }
    }
  }
}
