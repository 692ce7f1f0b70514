package org.mproc.bench;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.mproc.queue.SharedQueue;

/**
 * Diagnostic, not part of bench/run: a one-to-one queue between two threads of one process,
 * 64-byte messages, 2,000,000 per repetition, the consumer timing from its first message to its
 * last; repetitions of three scenarios interleaved, one discarded round first:
 * <ul>
 *   <li>{@code one_handle}: the producer and the consumer thread share one {@link SharedQueue}
 *       (the usual way to use a queue between threads);
 *   <li>{@code two_handles}: each thread has a handle of its own onto the same queue;
 *   <li>{@code agrona}: Agrona's {@link OneToOneRingBuffer} over a direct buffer, the same
 *       shape.
 * </ul>
 * Both threads use the blocking calls ({@code putBytes}, {@code getBytesInto}); Agrona's spin
 * on {@code write}/{@code read} with {@code Thread.onSpinWait()}. Prints medians in msgs/s and,
 * for the two mproc scenarios, the median per-round ratio to Agrona. A producer that fails
 * ends the process (the consumer would wait for ever). Run with {@code java
 * --enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -cp
 * ... org.mproc.bench.QueueThreadsBench [REPS]}.
 */
public final class QueueThreadsBench {
  private static final int N = 2_000_000;
  private static final int SIZE = 64;

  private QueueThreadsBench() {}

  /**
   * Entry point.
   *
   * @param args {@code [REPS]}, default 7
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    String[] names = {"one_handle", "two_handles", "agrona"};
    double[][] v = new double[names.length][reps];
    String name = "/mproc-bench-" + ProcessHandle.current().pid() + "-threads";
    OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(
        ByteBuffer.allocateDirect((1 << 20) + RingBufferDescriptor.TRAILER_LENGTH)));
    try (SharedQueue<Object> q =
        SharedQueue.builder().name(name).capacityBytes(1 << 20).oneToOne().create()) {
      try {
        for (int r = -1; r < reps; r++) {
          for (int k = 0; k < names.length; k++) {
            int i = Math.floorMod(r + k, names.length);
            double rate = switch (i) {
              case 0 -> stream(q, q);
              case 1 -> twoHandles(name, q);
              default -> agrona(ring);
            };
            if (r >= 0) {
              v[i][r] = rate;
            }
          }
        }
      } finally {
        q.unlink(); // (bench/run also removes a crashed run's /dev/shm/mproc-bench-<pid>-*)
      }
    }
    for (int i = 0; i < names.length; i++) {
      System.out.printf("RESULT queue.threads.%s %.6g msgs/s%n", names[i], median(v[i]));
    }
    for (int i = 0; i < 2; i++) {
      double[] q = new double[reps];
      for (int r = 0; r < reps; r++) {
        q[r] = v[i][r] / v[2][r];
      }
      System.out.printf("RESULT queue.threads.%s.vs_agrona %.4g x%n", names[i], median(q));
    }
  }

  private static double twoHandles(String name, SharedQueue<Object> q) throws Exception {
    try (SharedQueue<Object> p = SharedQueue.open(name)) {
      return stream(p, q);
    }
  }

  /* The producer thread puts on `in`, this thread takes from `out`; both give their roles back
     after, so that the next scenario's threads may take them. */
  private static double stream(SharedQueue<Object> in, SharedQueue<Object> out) throws Exception {
    Thread producer = new Thread(() -> {
      byte[] m = new byte[SIZE];
      try {
        for (int i = 0; i < N; i++) {
          in.putBytes(m);
        }
        in.releaseRoles();
      } catch (Throwable e) {
        e.printStackTrace();
        Runtime.getRuntime().halt(1);
      }
    });
    producer.start();
    byte[] buf = new byte[SIZE];
    out.getBytesInto(buf);
    long t0 = System.nanoTime();
    for (int i = 1; i < N; i++) {
      out.getBytesInto(buf);
    }
    long t1 = System.nanoTime();
    out.releaseRoles();
    producer.join();
    return (N - 1) / ((t1 - t0) / 1e9);
  }

  private static double agrona(OneToOneRingBuffer ring) throws Exception {
    Thread producer = new Thread(() -> {
      UnsafeBuffer m = new UnsafeBuffer(new byte[SIZE]);
      for (int i = 0; i < N; i++) {
        while (!ring.write(1, m, 0, SIZE)) {
          Thread.onSpinWait();
        }
      }
    });
    producer.start();
    byte[] dst = new byte[SIZE];
    int[] got = new int[1];
    long[] t0 = new long[1];
    org.agrona.concurrent.MessageHandler h = (type, b, index, length) -> {
      b.getBytes(index, dst, 0, length);
      if (got[0]++ == 0) {
        t0[0] = System.nanoTime();
      }
    };
    while (got[0] < N) {
      if (ring.read(h) == 0) {
        Thread.onSpinWait();
      }
    }
    long t1 = System.nanoTime();
    producer.join();
    return (N - 1) / ((t1 - t0[0]) / 1e9);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
