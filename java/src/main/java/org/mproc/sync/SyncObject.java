package org.mproc.sync;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.mproc.ErrorCode;
import org.mproc.MprocException;
import org.mproc.ObjectKind;
import org.mproc.internal.CallsInFlight;
import org.mproc.internal.Detach;
import org.mproc.internal.Handoff;
import org.mproc.internal.Memory;
import org.mproc.internal.Native;
import org.mproc.internal.NativeApi;

/**
 * What every synchronization primitive has: a native handle on its own segment, an optional
 * name, a view of the segment for reading counters, and a life cycle that never unmaps memory
 * under a thread that is inside a native call.
 *
 * <p>Every native call that touches the segment runs between {@link #enter()} and
 * {@link #exit()}; {@link #close()} marks the object closed, waits (at most half a second; a
 * sleeping waiter notices within one 100 ms slice) until no call is in flight, and only then
 * detaches. If calls are still in flight the handle is detached once the object is unreachable.
 */
public abstract class SyncObject implements AutoCloseable, Handoff.Source {
  /** Slices of blocking native calls, so that interruption and close() are noticed. */
  static final long SLICE_NS = TimeUnit.MILLISECONDS.toNanos(100);

  /** Header offset of the kind (u16). */
  private static final int HDR_KIND = 12;

  /** Header offset of the data offset (u64). */
  private static final int HDR_DATA_OFFSET = 120;

  private static final long CLOSE_WAIT_MS = 500;

  /** The native API of this JVM. */
  final NativeApi api;

  /** The {@code mproc_sync_t*}. */
  final long handle;

  /** The view of the whole segment. */
  final Memory mem;

  /** The segment offset of the body. */
  final long body;

  /** The {@code mproc_segment_t*} of the object. */
  final long segment;

  /** The header lock word's value meaning "held through this handle" (see mproc.h). */
  final int ownerWord;
  private final String name;
  private final ObjectKind kind;
  /** Native calls on the handle in flight; {@link #close()} detaches only when there are none. */
  final CallsInFlight calls = new CallsInFlight(this::isClosed);
  private volatile boolean closed;

  SyncObject(long handle, String name, ObjectKind kind) {
    this.api = Native.api();
    this.handle = handle;
    this.segment = api.syncSegment(handle);
    this.ownerWord = api.lockOwnerWord(segment);
    try {
      this.mem = api.map(segment);
    } catch (RuntimeException | Error e) {
      api.syncClose(handle);
      throw e;
    }
    this.name = name;
    int actual = mem.getShort(HDR_KIND);
    if (actual != kind.code()) { // reachable through a handed descriptor of another kind
      mem.close();
      api.syncClose(handle);
      throw Native.exception(
          ErrorCode.EKIND.code(), "open " + kind.name().toLowerCase() + " (found kind " + actual
              + ")", name);
    }
    this.kind = kind;
    this.body = mem.getLong(HDR_DATA_OFFSET);
  }

  /**
   * Creates a primitive and returns its handle.
   *
   * @param name a name or {@code null}
   * @param kind the kind
   * @param value a semaphore's permits or a barrier's parties
   * @param flags 1 for a bounded semaphore
   * @return the handle
   */
  static long createHandle(String name, ObjectKind kind, int value, int flags) {
    long[] out = new long[1];
    Native.check(
        Native.api().syncCreate(name, kind.code(), value, flags, out),
        "create " + kind.name().toLowerCase(),
        name != null ? name : "(anonymous)");
    return out[0];
  }

  /**
   * Opens a named primitive of the given kind.
   *
   * @param name the name
   * @param kind the kind expected
   * @return the handle
   */
  static long openHandle(String name, ObjectKind kind) {
    Objects.requireNonNull(name, "name");
    long[] out = new long[1];
    Native.check(
        Native.api().syncOpen(name, kind.code(), out), "open " + kind.name().toLowerCase(), name);
    return out[0];
  }

  /**
   * Opens a handle on a handed descriptor (in a child process); called by {@link Handoff}.
   *
   * @param cls the concrete class
   * @param fd the descriptor, consumed
   * @param name the object's name or label
   * @param extra unused: these objects need nothing else
   * @return the new object
   * @throws ReflectiveOperationException if {@code cls} has no {@code (long, String)} constructor
   */
  static SyncObject adopt(Class<?> cls, int fd, String name, java.io.Serializable extra)
      throws ReflectiveOperationException {
    long[] out = new long[1];
    Native.check(Native.api().syncOpenFd(fd, 0, out), "adopt handed", name);
    String own = name != null && name.startsWith("/") ? name : null;
    var ctor = cls.getDeclaredConstructor(long.class, String.class);
    try {
      return (SyncObject) ctor.newInstance(out[0], own);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException
          ? (RuntimeException) e.getCause()
          : new IllegalStateException(e.getCause());
    }
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
   * Whether {@link #close()} was called.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Marks a native call in flight; throws if the object is closed.
   *
   * @throws org.mproc.ObjectClosedException if closed
   */
  final void enter() {
    calls.enter();
  }

  /** Ends a native call begun by {@link #enter()}. */
  final void exit() {
    calls.exit();
  }

  /**
   * Reads a 32-bit word of the body.
   *
   * @param offset the offset in the body
   * @return the word (volatile read)
   */
  final int bodyInt(int offset) {
    return mem.getInt(body + offset);
  }

  /**
   * The time left of a timeout, as a slice for one native call.
   *
   * @param deadline a {@link System#nanoTime()} deadline, or {@code Long.MAX_VALUE} for none
   * @return at most {@link #SLICE_NS}; zero or less when the deadline has passed
   */
  static long slice(long deadline) {
    if (deadline == Long.MAX_VALUE) {
      return SLICE_NS;
    }
    return Math.min(SLICE_NS, deadline - System.nanoTime());
  }

  /**
   * A deadline for a timeout.
   *
   * @param timeout the timeout, not negative
   * @return the {@link System#nanoTime()} deadline, saturated
   */
  static long deadline(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: timeout=" + timeout);
    }
    long ns;
    try {
      ns = timeout.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE - 1;
    }
    long d = System.nanoTime() + ns;
    return d < 0 || d == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : d;
  }

  /**
   * The typed exception for an unexpected native code.
   *
   * @param rc the code
   * @param operation what was being done
   * @return the exception to throw
   */
  final MprocException failure(int rc, String operation) {
    return Native.exception(rc, operation, describe());
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
   * Detaches this process from the object. Later use throws
   * {@link org.mproc.ObjectClosedException}; threads waiting on it through this object give up
   * with that exception within 100 ms. A Lock or RLock still held through this object is then
   * treated as abandoned: its next acquirer is told the owner died. Idempotent.
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
    Detach detach = new Detach(api::syncClose, handle);
    boolean quiet = false;
    try {
      quiet = calls.awaitNone(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (quiet) {
      detach.run();
    } else {
      // Another thread is inside a native call or holds the lock: unmapping under it could
      // crash the JVM, so the handle is detached once this object is unreachable instead.
      detach.whenUnreachable(this);
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
    return kind.code();
  }

  /** {@inheritDoc} */
  @Override
  public final char handoffCode() {
    return 0;
  }

  /** {@inheritDoc} */
  @Override
  public final String handoffName() {
    return name;
  }

  /**
   * Names the object for messages: its name, or its kind when anonymous.
   *
   * @return a short description
   */
  final String describe() {
    return name != null ? name : "anonymous " + kind.name().toLowerCase();
  }

  /**
   * The object's kind and name.
   *
   * @return e.g. {@code SharedLock[/jobs]}
   */
  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + describe() + "]";
  }
}
