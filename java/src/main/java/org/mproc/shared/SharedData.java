package org.mproc.shared;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.mproc.ErrorCode;
import org.mproc.MprocException;
import org.mproc.internal.CallsInFlight;
import org.mproc.internal.Detach;
import org.mproc.internal.Handoff;
import org.mproc.internal.HeaderLock;
import org.mproc.internal.Memory;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;

/**
 * What every shared Value and Array has: a segment of shared memory, an optional name, a
 * crash-robust lock for compound updates, and a life cycle.
 *
 * <p>Elements are read and written directly in the mapped memory with volatile semantics and
 * atomic updates, so single operations need no lock. The lock ({@link #lock()}) is Python's
 * {@code get_lock()}: it serialises compound updates across every process and thread using the
 * object, and reports when it was taken over from a process that died holding it.
 *
 * <p>Objects are thread-safe. {@link #close()} detaches this process; a named object stays in
 * the system until {@link #unlink()} (or {@code mproc rm}), an anonymous one disappears with its
 * last handle.
 */
public abstract class SharedData implements AutoCloseable, Handoff.Source {
  /** Header offset of the segment's data offset (see docs/layout.md). */
  static final int HDR_DATA_OFFSET = 120;

  /** Header offset of the element type's struct code. */
  static final int HDR_ELEM_CODE = 104;

  /** Header offset of the element count. */
  static final int HDR_ELEM_COUNT = 112;

  private static final long CLOSE_WAIT_MS = 500;
  private static final int KIND_VALUE = 2;
  private static final int KIND_ARRAY = 3;

  /** The native API of this JVM. */
  final NativeApi api;

  /** The view of the whole segment. */
  final Memory mem;

  /** The segment offset of element 0. */
  final long data;

  private final long handle;
  private final long segment;
  private final String name;
  private final ElementType type;
  private final int length;
  /* The lock word's JVM side: which thread of this JVM holds it (see HeaderLock). */
  private final HeaderLock header;
  /* Native calls on the handle in flight; close() detaches only when there are none. */
  private final CallsInFlight calls = new CallsInFlight(this::isClosed);
  private volatile boolean closed;

  SharedData(long handle, String name, ElementType type) {
    this.api = Native.api();
    this.handle = handle;
    this.segment = api.arraySegment(handle);
    try {
      this.mem = api.map(segment);
    } catch (RuntimeException | Error e) {
      api.arrayClose(handle);
      throw e;
    }
    this.name = name;
    this.type = type;
    char actual = (char) (mem.getByte(HDR_ELEM_CODE) & 0xFF);
    if (actual != type.code()) { // reachable through a handed descriptor of another type
      mem.close();
      api.arrayClose(handle);
      throw Native.exception(
          ErrorCode.ETYPE.code(), "open " + type + " (found '" + actual + "')", name);
    }
    this.data = mem.getLong(HDR_DATA_OFFSET);
    this.header = new HeaderLock(api, segment, mem, -1, calls, this::describe);
    this.length = (int) Math.min(Integer.MAX_VALUE, mem.getLong(HDR_ELEM_COUNT));
  }

  /**
   * Creates the native object and returns its handle.
   *
   * @param name a name or {@code null}
   * @param type the element type
   * @param value whether it is a Value (else an Array)
   * @param count elements
   * @param init little-endian initial contents or {@code null}
   * @return the handle
   */
  static long createHandle(String name, ElementType type, boolean value, long count, byte[] init) {
    if (count < 1) {
      throw new IllegalArgumentException("length must be at least 1: length=" + count);
    }
    long[] out = new long[1];
    Native.check(
        Native.api().arrayCreate(name, value, type.code(), count, init, out),
        value ? "create value" : "create array",
        name != null ? name : "(anonymous)");
    return out[0];
  }

  /**
   * Opens a named object of the given element type.
   *
   * @param name the name
   * @param type the element type
   * @param value whether a Value (else an Array) is expected
   * @return the handle
   */
  static long openHandle(String name, ElementType type, boolean value) {
    Objects.requireNonNull(name, "name");
    long[] out = new long[1];
    Native.check(
        Native.api().arrayOpen(name, value ? KIND_VALUE : KIND_ARRAY, type.code(), out),
        value ? "open value" : "open array",
        name);
    return out[0];
  }

  /**
   * A little-endian buffer for initial contents.
   *
   * @param bytes its size
   * @return the buffer
   */
  static ByteBuffer initBuffer(long bytes) {
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("initial contents too large: bytes=" + bytes);
    }
    return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * The object's name.
   *
   * @return the name, or empty for an anonymous object
   */
  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  /**
   * The element type, as recorded in the segment header.
   *
   * @return the element type
   */
  public ElementType elementType() {
    return type;
  }

  /**
   * The number of elements (1 for a Value).
   *
   * @return the length
   */
  int elements() {
    return length;
  }

  /**
   * Whether {@link #close()} was called.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * The segment offset of element {@code index}, bounds-checked.
   *
   * @param index the element index
   * @return the offset
   */
  final long offset(int index) {
    if (index < 0 || index >= length) {
      throw new IndexOutOfBoundsException("index " + index + " out of bounds for length " + length);
    }
    return data + (long) index * type.size();
  }

  /**
   * Checks a range for bulk copies.
   *
   * @param from the first element
   * @param count the number of elements
   * @param arrayIndex the first index in the Java array
   * @param arrayLength the Java array's length
   */
  final void checkRange(int from, int count, int arrayIndex, int arrayLength) {
    Objects.checkFromIndexSize(from, count, length);
    Objects.checkFromIndexSize(arrayIndex, count, arrayLength);
  }

  /* Byte and short atomics through their enclosing aligned int (little-endian lanes). */

  final int casLane(long offset, int width, int expected, int value, boolean add) {
    long word = offset & ~3L;
    int shift = (int) (offset & 3) * 8;
    int mask = (width == 1 ? 0xFF : 0xFFFF) << shift;
    for (;;) {
      int old = mem.getInt(word);
      int lane = (old & mask) >>> shift;
      int laneSigned = width == 1 ? (byte) lane : (short) lane;
      int next;
      if (add) {
        next = laneSigned + value;
      } else if (laneSigned == expected) {
        next = value;
      } else {
        return laneSigned; // not swapped: the caller compares
      }
      int merged = (old & ~mask) | ((next << shift) & mask);
      if (mem.compareAndSetInt(word, old, merged)) {
        return laneSigned;
      }
    }
  }

  /**
   * Acquires the object's lock, waiting as long as it takes; interruption is remembered and
   * re-asserted, as {@link java.util.concurrent.locks.Lock#lock()} does. If the holder dies, the
   * lock passes to a waiter within the liveness check (about 10 ms) and the hold says so.
   *
   * <p>The lock is shared by every process and thread using the object (Python's
   * {@code get_lock()}). It is not reentrant: a thread that already holds it gets an
   * {@link IllegalStateException} instead of a deadlock. Waiters are not served in FIFO order.
   *
   * @return the hold; close it to release
   * @throws IllegalStateException if the calling thread already holds the lock
   */
  public LockHold lock() {
    boolean interrupted = false;
    try {
      for (;; ) {
        try {
          return acquire(-1, false);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Acquires the lock unless the thread is interrupted.
   *
   * @return the hold; close it to release
   * @throws InterruptedException if interrupted while waiting (checked at least every 100 ms)
   * @throws IllegalStateException if the calling thread already holds the lock
   */
  public LockHold lockInterruptibly() throws InterruptedException {
    return acquire(-1, true);
  }

  /**
   * Acquires the lock if it becomes free within the timeout.
   *
   * @param timeout how long to wait; zero tries once
   * @return the hold, or {@code null} if the timeout passed
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if the timeout is negative
   */
  public LockHold tryLock(Duration timeout) throws InterruptedException {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: timeout=" + timeout);
    }
    return acquire(saturatedNanos(timeout), true);
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private LockHold acquire(long timeoutNs, boolean interruptible) throws InterruptedException {
    if (header.isHeldByCurrentThread()) {
      throw new IllegalStateException(
          "the lock of " + this + " is held by this thread already; it is not reentrant");
    }
    // Uncontended, one CAS on the mapped word and no native call (see HeaderLock).
    return header.acquire(timeoutNs, interruptible) ? new LockHold(this, header.ownerDied()) : null;
  }

  /**
   * Releases the lock held by the current thread (called by {@link LockHold#close()}).
   *
   * @throws IllegalMonitorStateException if the current thread does not hold it
   */
  final void release() {
    int rc = header.release();
    if (rc == HeaderLock.NOT_HELD_HERE) {
      throw new IllegalMonitorStateException(
          "the lock of " + this + " is not held by " + Thread.currentThread());
    }
    Native.check(rc, "unlock", describe());
  }

  /**
   * Removes the object's name from the system, so that no other process can open it; processes
   * that have it open keep using it. Does nothing for an anonymous object.
   *
   * @throws org.mproc.NoSuchObjectException if the name was already removed
   */
  public void unlink() {
    if (name != null) {
      Native.check(api.unlink(name), "unlink", name);
    }
  }

  /**
   * Detaches this process from the object. Later use of this handle throws
   * {@link org.mproc.ObjectClosedException}. A lock still held through this handle is then
   * treated as abandoned: its next acquirer is told the owner died. Threads waiting for the lock
   * through this handle get {@link org.mproc.ObjectClosedException}. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    mem.close();
    Detach detach = new Detach(api::arrayClose, handle);
    boolean free = false;
    try {
      // Waiters notice `closed` within one slice and leave; a holder touches only the mapped
      // word, which is safe after close, so the handle waits for native calls alone.
      free = calls.awaitNone(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (free) {
      detach.run();
    } else {
      // A native call on the handle is still running: freeing the handle under it could crash
      // the JVM, so the handle is detached once this object is unreachable instead.
      detach.whenUnreachable(this);
    }
  }

  /**
   * Opens a handle on a handed descriptor (in a child process); called by {@link Handoff}.
   *
   * @param cls the concrete class, e.g. {@code SharedIntArray}
   * @param fd the descriptor, consumed
   * @param name the object's name or label
   * @param extra unused: Values and Arrays need nothing else
   * @return the new handle's object
   * @throws ReflectiveOperationException if {@code cls} has no {@code (long, String)} constructor
   */
  static SharedData adopt(Class<?> cls, int fd, String name, java.io.Serializable extra)
      throws ReflectiveOperationException {
    long[] out = new long[1];
    Native.check(Native.api().arrayOpenFd(fd, 0, 0, out), "adopt handed", name);
    String own = name != null && name.startsWith("/") ? name : null;
    var ctor = cls.getDeclaredConstructor(long.class, String.class);
    try {
      return (SharedData) ctor.newInstance(out[0], own);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException
          ? (RuntimeException) e.getCause()
          : new IllegalStateException(e.getCause());
    }
  }

  /** {@inheritDoc} */
  @Override
  public final int handoffFd() {
    if (closed) {
      throw Native.closed();
    }
    return api.segmentFd(segment);
  }

  /** {@inheritDoc} */
  @Override
  public final int handoffKind() {
    return mem.getShort(12);
  }

  /** {@inheritDoc} */
  @Override
  public final char handoffCode() {
    return type.code();
  }

  /** {@inheritDoc} */
  @Override
  public final String handoffName() {
    return name;
  }

  /**
   * Names the object for messages: its name, or its element type when anonymous.
   *
   * @return a short description
   */
  final String describe() {
    return name != null ? name : "anonymous " + type.name().toLowerCase() + " object";
  }

  static MprocException wrongLength(String what, long got) {
    return new MprocException(
        ErrorCode.EBOUNDS.code(), what, "length=" + got, ErrorCode.EBOUNDS.message());
  }
}
