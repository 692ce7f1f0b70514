package org.mproc.queue;

import java.io.Serializable;
import java.time.Duration;
import java.util.AbstractQueue;
import java.util.Collection;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.mproc.ErrorCode;
import org.mproc.internal.Handoff;
import org.mproc.internal.Memory;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;

/**
 * A queue shared by processes: Python's {@code multiprocessing.Queue}, as a Java {@link
 * BlockingQueue}. Messages live in one shared-memory ring, so a put is a copy into shared
 * memory and a get a copy out — no pipe, no feeder thread, no system call unless someone has to
 * sleep.
 *
 * <pre>{@code
 * try (SharedQueue<Object> q = SharedQueue.create()) {
 *   Subprocess p = Subprocess.start(() -> q.put(Arrays.asList(42, null, "hello")));
 *   System.out.println(q.take());        // [42, null, hello]
 *   p.join();
 * }
 * }</pre>
 *
 * <p>Objects go through a {@link Codec} ({@link ObjectCodec} by default) in the caller's thread:
 * a value that cannot be encoded fails in {@code put}, naming its class. Raw bytes bypass the
 * codec ({@link #putBytes}, {@link #getBytes}). The queue is bounded by its ring (bytes) and
 * optionally by a message count (Python's {@code maxsize}); a message may not exceed the maximum
 * fixed at creation.
 *
 * <p>Crash safety: a process killed at any point loses at most the message it was putting or
 * getting; nobody else is blocked beyond the liveness check (about 10 ms).
 *
 * <p>Threads: a queue object may be used by any number of threads at once. The common put and
 * get run in Java on the shared mapping, with no native call, whenever they need not wait; the
 * rest is done by the C library, with which they interoperate exactly (C and Java processes may
 * share a queue).
 *
 * <p>Closing: {@link #shutdown()} is Python's {@code close()}: no more puts, by anyone;
 * consumers drain what is queued and then get {@link QueueClosedException}. {@link #close()}
 * detaches this process's handle.
 *
 * <p>Python's {@code JoinableQueue} is a queue built {@linkplain Builder#joinable() joinable}
 * ({@link #taskDone()}, {@link #join()}); Python's {@code SimpleQueue} is this class used through
 * {@code put}, {@code get} and {@code isEmpty} only: it has no separate type, because the
 * shared-memory queue already encodes in the caller and needs no feeder thread.
 *
 * <p>A queue built {@linkplain Builder#oneToOne() one-to-one} serves one producer and one
 * consumer at a time (one thread of one process each) with no lock per message: the fastest way
 * to stream messages between two processes.
 *
 * <p>{@link BlockingQueue} methods that need to look inside the queue ({@code iterator},
 * {@code contains}, {@code remove(Object)}, {@code toArray}) throw {@link
 * UnsupportedOperationException}: other processes change the queue at any moment. Blocking
 * calls honour {@link Thread#interrupt()} (checked at least every 100 ms).
 *
 * @param <E> the message type
 */
public final class SharedQueue<E> extends AbstractQueue<E>
    implements BlockingQueue<E>, AutoCloseable, Handoff.Source {
  private static final long SLICE_NS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long CLOSE_WAIT_NS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final int KIND_QUEUE = 1;
  private static final int EAGAIN = ErrorCode.EAGAIN.code();
  private static final int ETIMEDOUT = ErrorCode.ETIMEDOUT.code();
  private static final int EDEADLK = ErrorCode.EDEADLK.code();
  private static final int ROLE_PRODUCER = 1;
  private static final int ROLE_CONSUMER = 2;
  /* A blocking get spins this long on the mapped tail before the native call (which may sleep),
     as the C library's own wait does, and backs off while spinning keeps failing. */
  private static final long SPIN_NS = 20_000;
  /* A blocking get that finds the queue empty after at least STREAM_STREAK messages were taken
     since a get of this handle last found it empty is in a stream: it first looks away for
     STREAM_QUIET_NS, then looks every STREAM_POLL_NS (see spinForMessage). */
  private static final long STREAM_STREAK = 8;
  private static final long STREAM_QUIET_NS = 4_000;
  private static final long STREAM_POLL_NS = 500;
  private static final boolean SPIN = Runtime.getRuntime().availableProcessors() > 1;
  /* Diagnostic switch: -Dmproc.queue.javaPath=false sends every put and get to C. */
  private static final boolean JAVA_PATH =
      !"false".equals(System.getProperty("mproc.queue.javaPath"));

  private final NativeApi api;
  private final long queue;
  private final String name;
  private final Codec<E> codec;
  private final int maxMessage;
  private final long maxCount;
  private final ThreadLocal<Rx> receive;
  private final AtomicInteger inflight = new AtomicInteger();
  /* The mapping and the put/get run in Java on it; both null when every call goes to C. */
  private final Memory mem;
  private final QueueRing ring;
  /* The blocking gets' spin state (spinSkip, spinBackoff, takenAtEmpty) is the ring's, among
     the consumer's fields (QueueRingFields): a consumer that keeps up writes it about once a
     message, and here it would share a line with what every put reads. */
  private volatile boolean closed;
  /* One-to-one queues: the thread holding each role in this process, null for none. */
  private final boolean oneToOne;
  private volatile Thread producer;
  private volatile Thread consumer;

  private SharedQueue(long queue, String name, Codec<E> codec) {
    this.api = Native.api();
    this.queue = queue;
    this.name = name;
    this.codec = codec;
    this.maxMessage = api.queueMaxMessage(queue);
    this.maxCount = api.queueMaxCount(queue);
    this.receive = ThreadLocal.withInitial(() -> new Rx(Math.min(maxMessage, 4096)));
    Memory m = null;
    QueueRing r = null;
    if (JAVA_PATH) {
      long segment = api.queueSegment(queue);
      try {
        m = api.map(segment);
        r = QueueRing.over(m, this::wake, api::processBarrier, api.lockOwnerWord(segment),
            api.queueCapacity(queue), maxMessage, maxCount);
      } catch (UnsupportedOperationException e) {
        // JNA cannot map 2 GiB or more: such a queue is used through C only
      } catch (RuntimeException | Error e) {
        if (m != null) {
          m.close();
        }
        api.queueClose(queue);
        throw e;
      }
      if (r == null && m != null) {
        m.close();
        m = null;
      }
    }
    this.mem = m;
    this.ring = r;
    if (r != null) {
      r.takenAtEmpty = r.takenCount();
    }
    this.oneToOne = api.queueIsOneToOne(queue);
  }

  /**
   * Creates an anonymous queue with the defaults (1 MiB ring, messages up to 256 KiB, no count
   * limit) and the {@link ObjectCodec}, for this process and the children it is handed to.
   *
   * @param <E> the message type
   * @return the queue
   */
  public static <E> SharedQueue<E> create() {
    return SharedQueue.<E>builder().create();
  }

  /**
   * Creates a named queue with the defaults that other processes (Java or C) can open.
   *
   * @param <E> the message type
   * @param name a name such as {@code "/jobs"}
   * @return the queue
   * @throws org.mproc.ObjectExistsException if a live object has that name
   */
  public static <E> SharedQueue<E> create(String name) {
    return SharedQueue.<E>builder().name(name).create();
  }

  /**
   * Opens a named queue with the {@link ObjectCodec}.
   *
   * @param <E> the message type
   * @param name the name
   * @return the queue
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a queue
   */
  public static <E> SharedQueue<E> open(String name) {
    return SharedQueue.<E>builder().open(name);
  }

  /**
   * Starts describing a queue.
   *
   * @param <E> the message type
   * @return a builder with the defaults
   */
  public static <E> Builder<E> builder() {
    return new Builder<>();
  }

  /**
   * Parameters of a new queue, or the codec of an opened one.
   *
   * @param <E> the message type
   */
  public static final class Builder<E> {
    private String name;
    private long capacityBytes;
    private int maxMessageBytes;
    private long maxSize;
    private boolean joinable;
    private boolean oneToOne;
    private Codec<E> codec;

    private Builder() {}

    /**
     * Names the queue.
     *
     * @param name a name such as {@code "/jobs"}, or {@code null} for anonymous
     * @return this
     */
    public Builder<E> name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Sets the ring's size.
     *
     * @param bytes a power of two, at least 4096 (default 1 MiB)
     * @return this
     */
    public Builder<E> capacityBytes(long bytes) {
      if (bytes < 4096 || Long.bitCount(bytes) != 1) {
        throw new IllegalArgumentException(
            "capacity must be a power of two of at least 4096: capacityBytes=" + bytes);
      }
      this.capacityBytes = bytes;
      return this;
    }

    /**
     * Sets the largest message.
     *
     * @param bytes at least 1, at most half the capacity minus 8 (default: a quarter)
     * @return this
     */
    public Builder<E> maxMessageBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxMessageBytes must be positive: " + bytes);
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /**
     * Bounds the number of queued messages (Python's {@code maxsize}).
     *
     * @param messages at least 1; 0 (the default) for no bound beyond the ring
     * @return this
     */
    public Builder<E> maxSize(long messages) {
      if (messages < 0) {
        throw new IllegalArgumentException("maxSize must not be negative: maxSize=" + messages);
      }
      this.maxSize = messages;
      return this;
    }

    /**
     * Makes the queue joinable (Python's {@code JoinableQueue}): every put counts as an
     * unfinished task until a consumer calls {@link SharedQueue#taskDone()}, and {@link
     * SharedQueue#join()} waits for none to be left.
     *
     * @return this
     */
    public Builder<E> joinable() {
      this.joinable = true;
      return this;
    }

    /**
     * Makes the queue one-to-one: one producer and one consumer at a time, for the fastest
     * stream of messages between two processes. No lock and no atomic instruction per message
     * (a put publishes its record with one ordinary store); everything else is as for any queue
     * (blocking, timeouts, batches, close, crash safety: a killed producer loses at most its
     * in-flight put, a killed consumer nothing). The producer is the first thread that puts
     * through a handle, the consumer the first that takes: until that thread ends, or gives
     * its role back ({@link SharedQueue#releaseRoles()}, {@link SharedQueue#close()}), a put
     * (take) from another thread or another process throws {@link IllegalStateException}
     * (respectively {@link org.mproc.MprocException} with {@code EROLE}). A role held by a
     * process that died is taken over by the next one that asks.
     *
     * @return this
     */
    public Builder<E> oneToOne() {
      this.oneToOne = true;
      return this;
    }

    /**
     * Sets the codec (default {@link ObjectCodec}).
     *
     * @param codec the codec
     * @return this
     */
    public Builder<E> codec(Codec<E> codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    @SuppressWarnings("unchecked")
    private Codec<E> codecOrDefault() {
      return codec != null ? codec : (Codec<E>) new ObjectCodec();
    }

    /**
     * Creates the queue.
     *
     * @return the queue
     * @throws org.mproc.ObjectExistsException if a live object has the name
     * @throws IllegalArgumentException if the message size does not fit the capacity
     */
    public SharedQueue<E> create() {
      long cap = capacityBytes != 0 ? capacityBytes : 1L << 20;
      if (maxMessageBytes != 0 && 2L * ((maxMessageBytes + 15L) & ~7L) > cap) {
        throw new IllegalArgumentException(
            "maxMessageBytes must be at most half the capacity minus 8: maxMessageBytes="
                + maxMessageBytes + ", capacityBytes=" + cap);
      }
      long[] out = new long[1];
      Native.check(
          Native.api().queueCreate(
              name, capacityBytes, maxMessageBytes, maxSize, joinable, oneToOne, out),
          "create queue",
          name != null ? name : "(anonymous)");
      return new SharedQueue<>(out[0], name, codecOrDefault());
    }

    /**
     * Opens the named queue given to {@link #name}, with this builder's codec.
     *
     * @param name the name
     * @return the queue
     */
    public SharedQueue<E> open(String name) {
      Objects.requireNonNull(name, "name");
      long[] out = new long[1];
      Native.check(Native.api().queueOpen(name, out), "open queue", name);
      return new SharedQueue<>(out[0], name, codecOrDefault());
    }
  }

  /* Adopted in a child process from a handed descriptor (see Handoff). */
  @SuppressWarnings({"unchecked", "unused"})
  static SharedQueue<?> adopt(Class<?> cls, int fd, String name, Serializable extra) {
    long[] out = new long[1];
    Native.check(Native.api().queueOpenFd(fd, out), "adopt handed queue", name);
    Codec<Object> codec = extra instanceof Codec ? (Codec<Object>) extra : new ObjectCodec();
    return new SharedQueue<>(out[0], name != null && name.startsWith("/") ? name : null, codec);
  }

  private String describe() {
    return name != null ? "queue " + name : "anonymous queue";
  }

  private void enter() {
    inflight.incrementAndGet();
    if (closed) {
      inflight.decrementAndGet();
      throw Native.closed();
    }
  }

  private void exit() {
    inflight.decrementAndGet();
  }

  /* The Java path's way to wake a sleeper: a native call, so guarded like one. Once closed,
     nobody here wakes anyone; sleepers look again within their slice (100 ms). */
  private void wake(long offset, int count) {
    inflight.incrementAndGet();
    try {
      if (!closed) {
        api.wake32(mem.address() + offset, count);
      }
    } finally {
      inflight.decrementAndGet();
    }
  }

  /* The Java path needs no in-flight count: it touches only the mapping, which is safe after
     close on both backends (accesses then throw), or, for one-to-one calls on the unguarded
     mapping, QueueRing's role guard, which close() retires first. This check makes use after
     close fail here even on a thread that has not seen the mapping closed. */
  private QueueRing ring() {
    if (closed) {
      throw Native.closed();
    }
    return ring;
  }

  /* One-to-one queues: only the role's thread may go on (see Builder.oneToOne). A volatile
     read when it is this thread; the first call of a thread claims the role. */
  private void asProducer() {
    if (oneToOne && producer != Thread.currentThread()) {
      claim(ROLE_PRODUCER);
    }
  }

  private void asConsumer() {
    if (oneToOne && consumer != Thread.currentThread()) {
      claim(ROLE_CONSUMER);
    }
  }

  private synchronized void claim(int role) {
    if (closed) {
      throw Native.closed();
    }
    Thread me = Thread.currentThread();
    Thread holder = role == ROLE_PRODUCER ? producer : consumer;
    String what = role == ROLE_PRODUCER ? "producer" : "consumer";
    if (holder == me) {
      return;
    }
    if (holder != null && holder.isAlive()) {
      throw new IllegalStateException("one-to-one " + describe() + ": thread '" + holder.getName()
          + "' is its " + what + ", so thread '" + me.getName() + "' may not "
          + (role == ROLE_PRODUCER ? "put" : "take") + " until it ends or calls releaseRoles()");
    }
    if (holder == null) { // this handle's role, from C: refused while another handle has it
      enter();
      try {
        Native.check(api.queueClaim(queue, role), "take the " + what + " role of", describe());
      } finally {
        exit();
      }
    }
    if (ring != null) {
      ring.forgetPositions(role == ROLE_PRODUCER);
    }
    if (role == ROLE_PRODUCER) {
      producer = me;
    } else {
      consumer = me;
    }
  }

  /**
   * One-to-one queues: gives back the roles (producer, consumer) that the calling thread holds,
   * so that another thread of this process, or another process, can take them. Does nothing on
   * other queues, or for roles that the thread does not hold.
   */
  public synchronized void releaseRoles() {
    Thread me = Thread.currentThread();
    if (!oneToOne || closed) {
      return;
    }
    if (producer == me) {
      producer = null;
      api.queueRelease(queue, ROLE_PRODUCER);
    }
    if (consumer == me) {
      consumer = null;
      api.queueRelease(queue, ROLE_CONSUMER);
    }
  }

  /**
   * Whether the queue was created one-to-one ({@link Builder#oneToOne()}).
   *
   * @return true for a one-to-one queue
   */
  public boolean isOneToOne() {
    return oneToOne;
  }

  /* A C call answered EDEADLK: another thread of this process holds the lock through the same
     handle, for a copy's time. That is a busy lock like any other. */
  private static int busy(int rc) {
    return rc == EDEADLK ? EAGAIN : rc;
  }

  /**
   * Spins on the mapping for a while before a blocking get goes to C, as C's own wait does
   * (adaptively: not while spinning keeps failing).
   *
   * <p>How it looks depends on what came before. After a single message or a few (a request,
   * a reply) it looks continuously, to meet the next one within a round trip. After a stream
   * (at least {@code STREAM_STREAK} messages taken since a blocking get last found the queue
   * empty), the producer is most likely writing the next record right now, into the very
   * cache line a consumer that looks would take from it: each look would cost the producer a
   * line transfer, and across the two CPUs of this machine in its slow placement such looks
   * made the whole stream slower than the consumer. So it first looks away for {@code
   * STREAM_QUIET_NS} (the producer writes on undisturbed, and the consumer then takes what
   * came as a run of records, lines the hardware prefetches), then looks every {@code
   * STREAM_POLL_NS}. A message that comes just after a stream may so wait up to 4 us longer;
   * between two JVMs in the slow placement a one-to-one 64-byte stream went from 13-15 to
   * mostly 19-21 M messages/s (docs/benchmarks.md). When this spin fails, the get asks C with
   * a zero timeout before it waits there, and that empty result tells C's own spin that this
   * is no stream.
   *
   * @param timeoutNs the get's timeout, -1 for none
   * @return true if a message (or a change of state) may be there
   */
  private boolean spinForMessage(long timeoutNs) {
    QueueRing r = ring;
    long taken = r.takenCount();
    boolean stream = taken - r.takenAtEmpty >= STREAM_STREAK;
    r.takenAtEmpty = taken;
    if (!SPIN) {
      return false;
    }
    if (r.spinSkip > 0) {
      r.spinSkip--;
      return false;
    }
    long now = System.nanoTime();
    long end = now + (timeoutNs < 0 ? SPIN_NS : Math.min(SPIN_NS, timeoutNs));
    if (stream) {
      for (long next = now + STREAM_QUIET_NS; ; next = now + STREAM_POLL_NS) {
        while ((now = System.nanoTime()) - next < 0 && now - end < 0) {
          Thread.onSpinWait();
        }
        if (r.maybeNonEmpty()) {
          r.spinBackoff = 0;
          return true;
        }
        if (now - end >= 0) {
          break;
        }
      }
    } else {
      for (int i = 0; ; i++) {
        if (r.maybeNonEmpty()) {
          r.spinBackoff = 0;
          return true;
        }
        Thread.onSpinWait();
        if ((i & 63) == 63 && System.nanoTime() - end >= 0) {
          break;
        }
      }
    }
    long b = r.spinBackoff;
    r.spinBackoff = b == 0 ? 1 : Math.min(b * 2, 1024);
    r.spinSkip = r.spinBackoff;
    return false;
  }

  /* ---------------------------------------------------------------- raw bytes */

  /**
   * Puts raw bytes, waiting for room as long as it takes.
   *
   * @param message the bytes
   * @throws InterruptedException if interrupted while waiting
   * @throws QueueClosedException if the queue was shut down
   * @throws IllegalArgumentException if the message exceeds the queue's maximum
   */
  public void putBytes(byte[] message) throws InterruptedException {
    putBytes(message, 0, message.length);
  }

  /**
   * Puts a range of bytes, waiting for room as long as it takes.
   *
   * @param buf the bytes
   * @param off the first byte
   * @param len how many
   * @throws InterruptedException if interrupted while waiting
   * @throws QueueClosedException if the queue was shut down
   */
  public void putBytes(byte[] buf, int off, int len) throws InterruptedException {
    Objects.checkFromIndexSize(off, len, buf.length);
    send(buf, off, len, -1);
  }

  /**
   * Puts raw bytes if there is room within the timeout.
   *
   * @param message the bytes
   * @param timeout how long to wait for room; zero does not wait
   * @return false if the queue stayed full
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean offerBytes(byte[] message, Duration timeout) throws InterruptedException {
    return send(message, 0, message.length, nanos(timeout));
  }

  /**
   * Puts a batch: {@code count} messages packed back to back in {@code buf} (message {@code i}
   * is {@code buf[o .. o + lengths[i])}, {@code o} the sum of the lengths before it), in order,
   * waiting for room as long as it takes. The layout {@link #getBytesInto(byte[], int[])}
   * fills, so a relay passes a batch on as it came.
   *
   * <p>One hold of the producers' lock and one commit cover as many of the messages as there
   * is room for, so putting {@code n} small messages costs about what putting one does plus
   * the copies. What one commit covers is published all at once: consumers see none of it or
   * all of it, and a producer killed before the commit has put none of it. When the queue has
   * no room for the whole batch, the part that fits is committed first and the rest after
   * waiting for room, so then another producer's messages may come in between.
   *
   * @param buf the messages' bytes, back to back from index 0
   * @param lengths their lengths
   * @param count how many of {@code lengths} to put
   * @throws IllegalArgumentException if a length is negative or exceeds the queue's maximum,
   *     or the lengths add up to more than {@code buf} holds
   * @throws IndexOutOfBoundsException if {@code count} is negative or above
   *     {@code lengths.length}
   * @throws InterruptedException if interrupted while waiting; the messages before the one it
   *     waited for have been put (use {@link #offerBytes(byte[], int[], int, Duration)} to
   *     learn how many)
   * @throws QueueClosedException if the queue was shut down; the messages before have been put
   */
  public void putBytes(byte[] buf, int[] lengths, int count) throws InterruptedException {
    sendBatch(buf, lengths, count, -1);
  }

  /**
   * Puts as much of a batch (as {@link #putBytes(byte[], int[], int)}) as there is room for
   * within the timeout, in order.
   *
   * @param buf the messages' bytes, back to back from index 0
   * @param lengths their lengths
   * @param count how many of {@code lengths} to put
   * @param timeout how long to wait for room in all; zero does not wait
   * @return how many messages were put, the first that many
   * @throws IllegalArgumentException if a length is negative or exceeds the queue's maximum,
   *     or the lengths add up to more than {@code buf} holds
   * @throws IndexOutOfBoundsException if {@code count} is negative or above
   *     {@code lengths.length}
   * @throws InterruptedException if interrupted while waiting
   * @throws QueueClosedException if the queue was shut down before the first was put
   */
  public int offerBytes(byte[] buf, int[] lengths, int count, Duration timeout)
      throws InterruptedException {
    return sendBatch(buf, lengths, count, nanos(timeout));
  }

  private int sendBatch(byte[] buf, int[] lengths, int count, long timeoutNs)
      throws InterruptedException {
    if (count < 0 || count > lengths.length) {
      throw new IndexOutOfBoundsException("count must be 0 to lengths.length ("
          + lengths.length + "): count=" + count);
    }
    asProducer();
    long total = 0;
    for (int i = 0; i < count; i++) {
      int len = lengths[i];
      if (len < 0 || len > maxMessage) {
        throw new IllegalArgumentException("message " + i + " of the batch has " + len
            + " bytes; " + describe() + " takes 0 to " + maxMessage + ": lengths[" + i + "]="
            + len);
      }
      total += len;
    }
    if (total > buf.length) {
      throw new IllegalArgumentException("the batch's lengths add up to " + total
          + " bytes but buf holds " + buf.length + ": buf.length=" + buf.length);
    }
    long deadline = timeoutNs > 0 ? System.nanoTime() + timeoutNs : 0;
    int off = 0;
    int i = 0;
    while (i < count) {
      if (ring != null) {
        int r = ring().tryPutBatch(buf, off, lengths, i, count);
        if (r > 0) {
          for (int end = i + r; i < end; i++) {
            off += lengths[i];
          }
          continue;
        }
      }
      long wait = timeoutNs <= 0 ? timeoutNs : Math.max(0, deadline - System.nanoTime());
      try {
        if (!send(buf, off, lengths[i], wait)) {
          return i; // the time is up
        }
      } catch (QueueClosedException e) {
        if (timeoutNs >= 0 && i > 0) {
          return i; // an offer reports what it put
        }
        throw e;
      }
      off += lengths[i];
      i++;
    }
    return count;
  }

  /**
   * Takes the oldest message as raw bytes, waiting as long as it takes.
   *
   * @return the bytes
   * @throws InterruptedException if interrupted while waiting
   * @throws QueueClosedException if the queue was shut down and is drained
   */
  public byte[] getBytes() throws InterruptedException {
    Rx rx = receive(-1, true);
    return java.util.Arrays.copyOf(rx.buf, rx.len[0]);
  }

  /**
   * Takes the oldest message as raw bytes if one arrives within the timeout.
   *
   * @param timeout how long to wait; zero does not wait
   * @return the bytes, or empty if none arrived
   * @throws InterruptedException if interrupted while waiting
   */
  public Optional<byte[]> getBytes(Duration timeout) throws InterruptedException {
    Rx rx = receive(nanos(timeout), true);
    return rx == null ? Optional.empty() : Optional.of(java.util.Arrays.copyOf(rx.buf, rx.len[0]));
  }

  /**
   * Takes the oldest message into the caller's buffer (no allocation), waiting as long as it
   * takes. If it does not fit, it stays queued.
   *
   * @param buf where to copy the message
   * @return the message's length
   * @throws BufferTooShortException if the message is longer than {@code buf}
   * @throws InterruptedException if interrupted while waiting
   */
  public int getBytesInto(byte[] buf) throws InterruptedException {
    asConsumer();
    if (ring != null) {
      int r = ring().tryGet(buf, true);
      if (r == QueueRing.EMPTY && spinForMessage(-1)) {
        r = ring.tryGet(buf, true);
      }
      if (r >= 0) {
        return r;
      }
    }
    return getNative(buf);
  }

  /* getBytesInto through C: waits, takes over, reports what the Java path left to it. */
  private int getNative(byte[] buf) throws InterruptedException {
    int rc;
    enter();
    try {
      rc = busy(api.queueRecv(queue, buf, 0, true));
    } finally {
      exit();
    }
    if (rc == ETIMEDOUT || rc == EAGAIN) {
      rc = loop(() -> busy(api.queueRecv(queue, buf, 0, true)),
          slice -> busy(api.queueRecv(queue, buf, slice, true)), -1);
    }
    return intoResult(rc, buf);
  }

  /**
   * Takes the oldest message into the caller's buffer if there is one now: no allocation, no
   * waiting (a spinning consumer's call).
   *
   * @param buf where to copy the message
   * @return the message's length, or -1 when the queue is empty
   * @throws BufferTooShortException if the message is longer than {@code buf}
   * @throws QueueClosedException if the queue was shut down and is drained
   */
  public int pollBytesInto(byte[] buf) {
    asConsumer();
    if (ring != null) {
      int r = ring().tryGet(buf, true);
      if (r >= 0 || r == QueueRing.EMPTY) {
        return r;
      }
    }
    return pollNative(buf);
  }

  /* pollBytesInto through C. */
  private int pollNative(byte[] buf) {
    int rc;
    enter();
    try {
      rc = busy(api.queueRecv(queue, buf, 0, true));
      if (rc == EAGAIN) { // another consumer holds the lock for a copy's time
        for (int i = 0; i < 64 && rc == EAGAIN; i++) {
          Thread.onSpinWait();
          rc = busy(api.queueRecv(queue, buf, 0, true));
        }
      }
    } finally {
      exit();
    }
    return rc == ETIMEDOUT || rc == EAGAIN ? -1 : intoResult(rc, buf);
  }

  /**
   * Takes a batch: waits as long as it takes for one message, then takes as many of the queued
   * messages as fit, packing them back to back into {@code buf} and their lengths into
   * {@code lengths}. Message {@code i} is then {@code buf[o .. o + lengths[i])} where {@code o}
   * is the sum of the lengths before it.
   *
   * <p>One hold of the consumers' lock and one commit cover the batch, so taking {@code n}
   * messages costs about what taking one does plus the copies: the way to consume small
   * messages at full speed. The batch is the same as {@code n} consecutive
   * {@link #getBytesInto(byte[])} calls that no other consumer interleaved with, and it is
   * taken all at once: a consumer killed before its commit leaves the whole batch queued for
   * the others, one killed after it has taken the whole batch (its in-flight items). A message
   * that does not fit in what is left of {@code buf} ends the batch and stays queued for the
   * next call. (When the first message has to come through the native wait, it is taken on
   * its own and the rest, if any, in a second batch.)
   *
   * @param buf where to copy the messages
   * @param lengths receives their lengths; its length is the most messages taken
   * @return how many messages were taken, at least 1
   * @throws BufferTooShortException if the oldest message is longer than {@code buf}
   * @throws IllegalArgumentException if {@code lengths} is empty
   * @throws InterruptedException if interrupted while waiting
   * @throws QueueClosedException if the queue was shut down and is drained
   */
  public int getBytesInto(byte[] buf, int[] lengths) throws InterruptedException {
    checkBatch(buf, lengths);
    if (ring != null) {
      int r = ring().tryGetBatch(buf, 0, lengths, 0, lengths.length);
      if (r == QueueRing.EMPTY && spinForMessage(-1)) {
        r = ring.tryGetBatch(buf, 0, lengths, 0, lengths.length);
      }
      if (r > 0) {
        return r;
      }
    }
    lengths[0] = getNative(buf);
    return 1 + moreInto(buf, lengths);
  }

  /**
   * Takes a batch if there is one now: as {@link #getBytesInto(byte[], int[])} without the
   * waiting. No allocation; the spinning consumer's call for small messages.
   *
   * @param buf where to copy the messages
   * @param lengths receives their lengths; its length is the most messages taken
   * @return how many messages were taken, 0 when the queue is empty
   * @throws BufferTooShortException if the oldest message is longer than {@code buf}
   * @throws IllegalArgumentException if {@code lengths} is empty
   * @throws QueueClosedException if the queue was shut down and is drained
   */
  public int pollBytesInto(byte[] buf, int[] lengths) {
    checkBatch(buf, lengths);
    if (ring != null) {
      int r = ring().tryGetBatch(buf, 0, lengths, 0, lengths.length);
      if (r > 0) {
        return r;
      }
      if (r == QueueRing.EMPTY) {
        return 0;
      }
    }
    int len = pollNative(buf);
    if (len < 0) {
      return 0;
    }
    lengths[0] = len;
    return 1 + moreInto(buf, lengths);
  }

  private void checkBatch(byte[] buf, int[] lengths) {
    asConsumer();
    Objects.requireNonNull(buf, "buf");
    if (lengths.length == 0) {
      throw new IllegalArgumentException(
          "lengths must have room for at least one message: lengths.length=0");
    }
  }

  /* After C took message 0 of a batch into buf: what else the Java path can add now. */
  private int moreInto(byte[] buf, int[] lengths) {
    if (ring == null || lengths.length == 1) {
      return 0;
    }
    int r = ring().tryGetBatch(buf, lengths[0], lengths, 1, lengths.length);
    return Math.max(r, 0);
  }

  private int intoResult(int rc, byte[] buf) {
    if (rc >= 0) {
      return rc;
    }
    if (rc == ErrorCode.ETOOSMALL.code()) {
      int[] len = new int[1];
      peekLength(len);
      throw new BufferTooShortException(describe(), len[0], buf.length);
    }
    finish(rc, "get from");
    return rc;
  }

  /* Learns the length of the oldest message (a peek into no buffer), retrying while the get
     lock is busy for a copy's time. Leaves len as it was if there is none by then. */
  private void peekLength(int[] len) {
    enter();
    try {
      for (int i = 0; i < 1000; i++) {
        int rc = busy(api.queueGet(queue, new byte[0], len, 0, false));
        if (rc != EAGAIN) {
          return;
        }
        Thread.onSpinWait();
      }
    } finally {
      exit();
    }
  }

  /** A consumer thread's receive buffer (grown to the largest message seen) and last length. */
  private static final class Rx {
    byte[] buf;
    final int[] len = new int[1];
    private int[] lens;

    Rx(int size) {
      buf = new byte[size];
    }

    /** Lengths of a batch (drainTo), made on first use. */
    int[] lens() {
      if (lens == null) {
        lens = new int[64];
      }
      return lens;
    }
  }

  /* ---------------------------------------------------------------- objects */

  /**
   * Puts a message, waiting for room as long as it takes (Python's {@code put}).
   *
   * @param e the message (may be {@code null} with the default codec)
   * @throws InterruptedException if interrupted while waiting
   * @throws QueueClosedException if the queue was shut down
   * @throws IllegalArgumentException if the codec cannot encode it or it is too large
   */
  @Override
  public void put(E e) throws InterruptedException {
    sendValue(e, -1);
  }

  /*
   * Encodes in the caller's thread, then sends. The default codec encodes into the thread's
   * reusable buffer, which send copies into the ring before it returns: a put then allocates
   * nothing but what the value's own encoding needs.
   */
  private boolean sendValue(E e, long timeoutNs) throws InterruptedException {
    if (codec instanceof ObjectCodec c) {
      ObjectCodec.Out o = c.encodeReused(e);
      try {
        return send(o.buf, 0, o.count, timeoutNs);
      } finally {
        ObjectCodec.release(o);
      }
    }
    byte[] b = codec.encode(e);
    return send(b, 0, b.length, timeoutNs);
  }

  /**
   * Puts a message if there is room now (Python's {@code put_nowait}, returning false instead
   * of raising {@code Full}).
   *
   * @param e the message
   * @return false if the queue is full
   * @throws QueueClosedException if the queue was shut down
   */
  @Override
  public boolean offer(E e) {
    try {
      return sendValue(e, 0);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Puts a message if there is room within the timeout.
   *
   * @param e the message
   * @param timeout how long to wait
   * @param unit its unit
   * @return false if the queue stayed full
   * @throws InterruptedException if interrupted while waiting
   */
  @Override
  public boolean offer(E e, long timeout, TimeUnit unit) throws InterruptedException {
    return sendValue(e, Math.max(0, unit.toNanos(timeout)));
  }

  /**
   * Puts a message if there is room within the timeout.
   *
   * @param e the message
   * @param timeout how long to wait; zero does not wait
   * @return false if the queue stayed full
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean offer(E e, Duration timeout) throws InterruptedException {
    return sendValue(e, nanos(timeout));
  }

  /**
   * Takes the oldest message, waiting as long as it takes (Python's {@code get()}).
   *
   * @return the message
   * @throws InterruptedException if interrupted while waiting
   * @throws QueueClosedException if the queue was shut down and is drained
   */
  @Override
  public E take() throws InterruptedException {
    Rx rx = receive(-1, true);
    return codec.decode(rx.buf, 0, rx.len[0]);
  }

  /**
   * Python's {@code get()}: the same as {@link #take()}.
   *
   * @return the message
   * @throws InterruptedException if interrupted while waiting
   */
  public E get() throws InterruptedException {
    return take();
  }

  /**
   * Takes the oldest message if there is one now (Python's {@code get_nowait}).
   *
   * @return the message, or {@code null} when the queue is empty
   * @throws QueueClosedException if the queue was shut down and is drained
   */
  @Override
  public E poll() {
    try {
      Rx rx = receive(0, true);
      return rx == null ? null : codec.decode(rx.buf, 0, rx.len[0]);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * Takes the oldest message if one arrives within the timeout.
   *
   * @param timeout how long to wait
   * @param unit its unit
   * @return the message, or {@code null} on timeout
   * @throws InterruptedException if interrupted while waiting
   */
  @Override
  public E poll(long timeout, TimeUnit unit) throws InterruptedException {
    Rx rx = receive(Math.max(0, unit.toNanos(timeout)), true);
    return rx == null ? null : codec.decode(rx.buf, 0, rx.len[0]);
  }

  /**
   * Takes the oldest message if one arrives within the timeout.
   *
   * @param timeout how long to wait; zero does not wait
   * @return the message, or empty on timeout; a {@code null} message also reads as empty, so
   *     queues that carry {@code null} should use {@link #poll(long, TimeUnit)} or {@link #take}
   * @throws InterruptedException if interrupted while waiting
   */
  public Optional<E> poll(Duration timeout) throws InterruptedException {
    Rx rx = receive(nanos(timeout), true);
    return rx == null ? Optional.empty() : Optional.ofNullable(codec.decode(rx.buf, 0, rx.len[0]));
  }

  /**
   * The oldest message without removing it.
   *
   * @return the message, or {@code null} when the queue is empty
   */
  @Override
  public E peek() {
    try {
      Rx rx = receive(0, false);
      return rx == null ? null : codec.decode(rx.buf, 0, rx.len[0]);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /* ---------------------------------------------------------------- machinery */

  private static long nanos(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: timeout=" + timeout);
    }
    try {
      return timeout.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  @FunctionalInterface
  private interface Attempt {
    int run();
  }

  @FunctionalInterface
  private interface TimedAttempt {
    int run(long timeoutNs);
  }

  /**
   * Tries without blocking, then sleeps in native slices. A busy lock (EAGAIN) is retried: it
   * is held for a copy's time, or by a dead process until the slice that takes it over.
   *
   * @param timeoutNs -1 forever, 0 no wait
   * @return the last result: 0, ETIMEDOUT or an error
   */
  private int loop(Attempt now, TimedAttempt timed, long timeoutNs) throws InterruptedException {
    enter();
    try {
      int rc = now.run();
      if (rc != ETIMEDOUT && rc != EAGAIN) {
        return rc;
      }
      if (timeoutNs == 0 && rc == ETIMEDOUT) {
        return rc;
      }
      long deadline = timeoutNs > 0 ? System.nanoTime() + timeoutNs : 0;
      for (int spins = 0; rc == EAGAIN && spins < 64; spins++) {
        Thread.onSpinWait();
        rc = now.run();
      }
      while (rc == ETIMEDOUT || rc == EAGAIN) {
        if (Thread.interrupted()) {
          throw new InterruptedException("interrupted while waiting on " + describe());
        }
        if (closed) { // close() waits for this call to leave C: the slice's end is the moment
          throw Native.closed();
        }
        long slice = SLICE_NS;
        if (timeoutNs >= 0) {
          long left = timeoutNs == 0 ? SLICE_NS / 10 : deadline - System.nanoTime();
          if (left <= 0) {
            return ETIMEDOUT;
          }
          slice = Math.min(left, SLICE_NS);
        }
        rc = timed.run(slice);
        if (timeoutNs == 0 && rc == ETIMEDOUT) {
          return rc; // no wait asked: a full or empty queue is the answer
        }
      }
      return rc;
    } finally {
      exit();
    }
  }

  private boolean send(byte[] b, int off, int len, long timeoutNs) throws InterruptedException {
    if (len > maxMessage) {
      throw new IllegalArgumentException(
          "message of " + len + " bytes exceeds the maximum of " + describe() + ": maxMessage="
              + maxMessage);
    }
    asProducer();
    if (ring != null && ring().tryPut(b, off, len) == QueueRing.DONE) {
      return true; // the common case: in Java, no native call
    }
    int rc;
    enter();
    try { // without the slow path's lambdas
      rc = busy(api.queuePut(queue, b, off, len, 0));
    } finally {
      exit();
    }
    if (rc == EAGAIN || (rc == ETIMEDOUT && timeoutNs != 0)) {
      rc = loop(() -> busy(api.queuePut(queue, b, off, len, 0)),
          slice -> busy(api.queuePut(queue, b, off, len, slice)), timeoutNs);
    }
    if (rc == ETIMEDOUT) {
      return false;
    }
    finish(rc, "put on");
    return true;
  }

  /** Returns the thread's receive state holding the message, or null on timeout. */
  private Rx receive(long timeoutNs, boolean remove) throws InterruptedException {
    asConsumer();
    Rx rx = receive.get();
    boolean spun = false;
    for (;;) {
      byte[] b = rx.buf;
      if (ring != null) { // the common case: in Java, no native call, nothing allocated
        int r = ring().tryGet(b, remove);
        if (r == QueueRing.EMPTY && timeoutNs == 0) {
          return null;
        }
        if (r == QueueRing.EMPTY && !spun) {
          spun = true;
          if (spinForMessage(timeoutNs)) {
            continue;
          }
        }
        if (r >= 0) {
          rx.len[0] = r;
          return rx;
        }
      }
      int rc;
      enter();
      try { // one critical downcall, nothing allocated
        rc = busy(api.queueRecv(queue, b, 0, remove));
      } finally {
        exit();
      }
      if (rc == ETIMEDOUT && timeoutNs == 0) {
        return null;
      }
      if (rc == ETIMEDOUT || rc == EAGAIN) {
        rc = loop(() -> busy(api.queueRecv(queue, b, 0, remove)),
            slice -> busy(api.queueRecv(queue, b, slice, remove)), timeoutNs);
      }
      if (rc >= 0) {
        rx.len[0] = rc;
        return rx;
      }
      if (rc == ErrorCode.ETOOSMALL.code()) {
        peekLength(rx.len); // the message stays queued
        rx.buf = new byte[Math.max(rx.len[0], b.length * 2)]; // grow, and keep for later
        continue;
      }
      if (rc == ETIMEDOUT) {
        return null;
      }
      finish(rc, remove ? "get from" : "peek at");
      return rx;
    }
  }

  private void finish(int rc, String operation) {
    if (rc == 0) {
      return;
    }
    if (rc == ErrorCode.ECLOSED.code()) {
      throw new QueueClosedException(operation, describe());
    }
    Native.check(rc, operation, describe());
  }

  /* ---------------------------------------------------------------- state */

  /**
   * The number of messages queued, exact at the moment of the call (unlike Python's, it works
   * on every platform).
   *
   * @return the count, saturated at {@link Integer#MAX_VALUE}
   */
  @Override
  public int size() {
    return (int) Math.min(Integer.MAX_VALUE, sizeLong());
  }

  private long sizeLong() {
    enter();
    try {
      return api.queueSize(queue);
    } finally {
      exit();
    }
  }

  /**
   * Whether no message is queued.
   *
   * @return true when empty
   */
  @Override
  public boolean isEmpty() {
    return sizeLong() == 0;
  }

  /**
   * Whether a put of the largest message would have to wait (Python's {@code full()}).
   *
   * @return true when full
   */
  public boolean isFull() {
    enter();
    try {
      return api.queueIsFull(queue) != 0;
    } finally {
      exit();
    }
  }

  /**
   * Room left under the message-count bound.
   *
   * @return {@code maxSize - size()}, or {@link Integer#MAX_VALUE} without a bound
   */
  @Override
  public int remainingCapacity() {
    return maxCount == 0
        ? Integer.MAX_VALUE
        : (int) Math.min(Integer.MAX_VALUE, Math.max(0, maxCount - sizeLong()));
  }

  /**
   * The largest message this queue accepts.
   *
   * @return bytes
   */
  public int maxMessageBytes() {
    return maxMessage;
  }

  /**
   * Marks one item taken earlier as fully processed (Python's {@code task_done()}).
   *
   * <p>Unfinished tasks are the committed puts minus the {@code taskDone} calls, so a producer
   * killed inside a put leaves nothing behind for {@link #join()}; a consumer killed between
   * taking an item and marking it done leaves that task unfinished for good, as in Python
   * ({@link #join(Duration)} then times out).
   *
   * @throws IllegalStateException if the queue was not created {@linkplain Builder#joinable()
   *     joinable}
   * @throws org.mproc.MprocException with {@code ENOTASK} if called more times than items were
   *     put
   */
  public void taskDone() {
    enter();
    try {
      int rc = api.queueTaskDone(queue);
      if (rc == ErrorCode.EINVAL.code()) {
        throw new IllegalStateException(describe() + " is not joinable (see Builder.joinable)");
      }
      Native.check(rc, "task_done on", describe());
    } finally {
      exit();
    }
  }

  /**
   * Waits until every item ever put has been marked done (Python's {@code join()}).
   *
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if the queue was not created joinable
   */
  public void join() throws InterruptedException {
    join(-1);
  }

  /**
   * Waits at most {@code timeout} until every item put has been marked done.
   *
   * @param timeout how long to wait
   * @return true if no unfinished task is left
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if the queue was not created joinable
   */
  public boolean join(Duration timeout) throws InterruptedException {
    return join(nanos(timeout));
  }

  private boolean join(long timeoutNs) throws InterruptedException {
    enter();
    try {
      long deadline = System.nanoTime() + timeoutNs;
      for (;;) {
        if (closed) { // as in loop: close() waits for this call
          throw Native.closed();
        }
        long slice = SLICE_NS;
        if (timeoutNs >= 0) {
          slice = Math.min(slice, Math.max(0, deadline - System.nanoTime()));
        }
        int rc = api.queueJoin(queue, slice);
        if (rc == 0) {
          return true;
        }
        if (rc == ErrorCode.EINVAL.code()) {
          throw new IllegalStateException(describe() + " is not joinable (see Builder.joinable)");
        }
        if (rc != ETIMEDOUT) {
          Native.check(rc, "join", describe());
        }
        if (timeoutNs >= 0 && System.nanoTime() - deadline >= 0) {
          return false;
        }
        if (Thread.interrupted()) {
          throw new InterruptedException("interrupted while joining " + describe());
        }
      }
    } finally {
      exit();
    }
  }

  /**
   * Stops all puts, by every process (Python's {@code close()}); queued messages can still be
   * taken, after which gets throw {@link QueueClosedException}. Idempotent.
   */
  public void shutdown() {
    enter();
    try {
      api.queueShutdown(queue);
    } finally {
      exit();
    }
  }

  /**
   * Whether {@link #shutdown()} was called by any process.
   *
   * @return true once shut down
   */
  public boolean isShutdown() {
    enter();
    try {
      return api.queueIsShutdown(queue) != 0;
    } finally {
      exit();
    }
  }

  /**
   * Moves every queued message into {@code c}.
   *
   * @param c the destination
   * @return how many were moved
   */
  @Override
  public int drainTo(Collection<? super E> c) {
    return drainTo(c, Integer.MAX_VALUE);
  }

  /**
   * Moves at most {@code maxElements} queued messages into {@code c}, without waiting. Messages
   * are taken in batches under one hold of the consumers' lock (as
   * {@link #getBytesInto(byte[], int[])}), then decoded in this thread. A message that fails to
   * decode, or that {@code c} refuses, is lost as with {@link #poll()}, but does not stop the
   * rest of its batch from reaching {@code c}: the first such failure is thrown afterwards.
   *
   * @param c the destination
   * @param maxElements the most to move
   * @return how many were moved
   */
  @Override
  public int drainTo(Collection<? super E> c, int maxElements) {
    Objects.requireNonNull(c, "c");
    if (c == this) {
      throw new IllegalArgumentException("cannot drain a queue into itself");
    }
    asConsumer();
    int n = 0;
    while (n < maxElements) {
      if (ring != null) { // batches under one hold of the lock
        Rx rx = receive.get();
        int[] lens = rx.lens();
        int r = ring().tryGetBatch(rx.buf, 0, lens, 0, Math.min(lens.length, maxElements - n));
        if (r > 0) {
          addDecoded(c, rx.buf, lens, r);
          n += r;
          continue;
        }
        if (r == QueueRing.EMPTY) {
          break;
        }
      }
      Rx rx;
      try {
        rx = receive(0, true);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (QueueClosedException e) {
        break;
      }
      if (rx == null) {
        break;
      }
      c.add(codec.decode(rx.buf, 0, rx.len[0]));
      n++;
    }
    return n;
  }

  /* Decodes a taken batch into c. The messages are out of the queue already, so one that fails
     to decode (or that c refuses) does not stop the others: the first failure is thrown after
     all were tried, the later ones attached to it as suppressed. */
  private void addDecoded(Collection<? super E> c, byte[] buf, int[] lens, int count) {
    RuntimeException failure = null;
    int off = 0;
    for (int i = 0; i < count; i++) {
      try {
        c.add(codec.decode(buf, off, lens[i]));
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
      off += lens[i];
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Not supported: other processes change the queue at any moment.
   *
   * @return never
   * @throws UnsupportedOperationException always
   */
  @Override
  public Iterator<E> iterator() {
    throw new UnsupportedOperationException(
        "a SharedQueue cannot be iterated: other processes change it at any moment");
  }

  /**
   * The queue's name and size.
   *
   * @return e.g. {@code SharedQueue[/jobs, size=3]}
   */
  @Override
  public String toString() {
    return "SharedQueue[" + (name != null ? name : "anonymous")
        + (closed ? ", closed]" : ", size=" + sizeLong() + "]");
  }

  /**
   * Detaches this process from the queue (the queue lives on for the others). Idempotent.
   * Calls of other threads on this handle end with {@link org.mproc.ObjectClosedException}:
   * one blocked in a put, get or join within a wait slice (100 ms), and this method returns
   * once they have. (Should a one-to-one call never leave, because its thread died of an error
   * thrown where the call could not clean up, this method waits 10 s for it and then leaves the
   * handle attached, its mapping in place, rather than unmap memory under it.)
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    boolean unmap = true;
    if (ring != null) {
      // New calls fail now; one in progress on another thread holds a lock for a copy's time:
      // let it finish rather than leave the lock to a takeover (~10 ms for everyone else).
      ring.awaitUnlocked(CLOSE_WAIT_NS);
      // One-to-one calls on the unguarded mapping have left, later ones throw; if one never
      // leaves (its thread died of an error thrown inside the guard), the handle, and with it
      // the mapping, is left open rather than unmapped under it.
      unmap = ring.retire();
      mem.close(); // from now on every access of the checked view throws
    }
    while (inflight.get() != 0) { // blocking calls return within one slice
      Thread.onSpinWait();
      Thread.yield();
    }
    if (unmap) {
      api.queueClose(queue);
    }
  }

  /**
   * Removes the queue's name from the system; processes that have it open keep using it.
   *
   * @throws org.mproc.NoSuchObjectException if the name was already removed
   */
  public void unlink() {
    if (name != null) {
      Native.check(api.unlink(name), "unlink", name);
    }
  }

  /** {@inheritDoc} */
  @Override
  public int handoffFd() {
    enter();
    try {
      return api.segmentFd(api.queueSegment(queue));
    } finally {
      exit();
    }
  }

  /** {@inheritDoc} */
  @Override
  public int handoffKind() {
    return KIND_QUEUE;
  }

  /** {@inheritDoc} */
  @Override
  public char handoffCode() {
    return 0;
  }

  /** {@inheritDoc} */
  @Override
  public String handoffName() {
    return name;
  }

  /** {@inheritDoc} */
  @Override
  public Serializable handoffExtra() {
    return codec instanceof ObjectCodec ? null : (Serializable) codec;
  }
}
