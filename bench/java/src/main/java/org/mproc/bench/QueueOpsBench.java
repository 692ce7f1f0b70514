package org.mproc.bench;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;
import org.mproc.queue.SharedQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Diagnostic, not part of bench/run: where a SharedQueue call spends its time, in one thread of
 * one process (no contention, the queue never full or empty when a get runs). Each benchmark is
 * one 64-byte put followed by one get:
 * <ul>
 *   <li>{@code sharedQueue}: {@code putBytes} + {@code getBytesInto} (the public path: since
 *       the Java path, the protocol run in Java on the mapping, no native call);
 *   <li>{@code nativeApi}: the same two calls on the internal {@link NativeApi} with timeout 0,
 *       i.e. the C functions through one downcall each (what {@code sharedQueue} cost before);
 *   <li>{@code nativeSize}: one {@code mproc_queue_size} downcall, the floor of a call;
 *   <li>{@code oneToOne}: {@code putBytes} + {@code pollBytesInto} on a one-to-one queue;
 *   <li>{@code agrona}: the same on Agrona's {@code OneToOneRingBuffer} over direct memory
 *       ({@code write}, then {@code read} of one message by a handler copying it into a
 *       {@code byte[]}), the instruction budget the one-to-one path competes with;
 *   <li>{@code objects}: {@code put} + {@code take} of the seed's {@code [42, null, "hello"]}
 *       on the locked queue (the codec's share of a call).
 * </ul>
 * With {@code -prof perfnorm} (Linux perf, on a machine that exposes hardware counters; the
 * project's VM does not) JMH also reports instructions and cycles per call, which vary far less
 * than times on a shared machine.
 * Run with {@code java -cp ... org.openjdk.jmh.Main QueueOpsBench -prof gc} plus
 * {@code -jvmArgsAppend "--enable-native-access=ALL-UNNAMED -Dmproc.backend=ffm|jna
 * --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"} (Agrona's Unsafe).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class QueueOpsBench {
  private SharedQueue<Object> queue;
  private SharedQueue<Object> one;
  private OneToOneRingBuffer agrona;
  private UnsafeBuffer agronaMsg;
  private MessageHandler copier;
  private NativeApi api;
  private long handle;
  private final byte[] msg = new byte[64];
  private final List<Object> value = Arrays.asList(42, null, "hello");
  private final byte[] buf = new byte[64];
  private final int[] len = new int[1];

  /** Creates the queues. */
  @Setup(Level.Trial)
  public void setUp() {
    queue = SharedQueue.builder().capacityBytes(1 << 20).create();
    one = SharedQueue.builder().capacityBytes(1 << 20).oneToOne().create();
    agrona = new OneToOneRingBuffer(new UnsafeBuffer(
        ByteBuffer.allocateDirect((1 << 20) + RingBufferDescriptor.TRAILER_LENGTH)));
    agronaMsg = new UnsafeBuffer(msg);
    copier = (type, b, index, length) -> b.getBytes(index, buf, 0, length);
    api = Native.api();
    long[] out = new long[1];
    Native.check(api.queueCreate(null, 1 << 20, 0, 0, false, false, out), "create", "queue");
    handle = out[0];
  }

  /** Closes them. */
  @TearDown(Level.Trial)
  public void tearDown() {
    queue.close();
    one.close();
    api.queueClose(handle);
  }

  /**
   * putBytes + getBytesInto.
   *
   * @return the length got
   * @throws InterruptedException never
   */
  @Benchmark
  public int sharedQueue() throws InterruptedException {
    queue.putBytes(msg);
    return queue.getBytesInto(buf);
  }

  /**
   * NativeApi queuePut + queueGet, timeout 0.
   *
   * @return the get's result
   */
  @Benchmark
  public int nativeApi() {
    api.queuePut(handle, msg, 0, 64, 0);
    return api.queueGet(handle, buf, len, 0, true);
  }

  /**
   * One trivial downcall.
   *
   * @return the size
   */
  @Benchmark
  public long nativeSize() {
    return api.queueSize(handle);
  }

  /**
   * One-to-one putBytes + pollBytesInto.
   *
   * @return the length got
   * @throws InterruptedException never
   */
  @Benchmark
  public int oneToOne() throws InterruptedException {
    one.putBytes(msg);
    return one.pollBytesInto(buf);
  }

  /**
   * Agrona OneToOneRingBuffer write + read of one message into a byte[].
   *
   * @return how many were read
   */
  @Benchmark
  public int agrona() {
    agrona.write(1, agronaMsg, 0, msg.length);
    return agrona.read(copier, 1);
  }

  /**
   * put + take of a small object through the codec, on the locked queue.
   *
   * @return the object taken
   * @throws InterruptedException never
   */
  @Benchmark
  public Object objects() throws InterruptedException {
    queue.put(value);
    return queue.take();
  }
}
