package org.mproc.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The Panama FFM backend (JDK 22+), loaded by {@link Native} by name from the multi-release part
 * of the jar. Short calls that never block are critical downcalls (no thread-state transition,
 * about 3 ns); calls that may block (lock acquisition with a timeout, wait) are ordinary ones, so
 * that the JVM can reach a safepoint while they sleep.
 */
final class FfmNativeApi implements NativeApi {
  // The handles on hot paths (lock, wait, wake) are made eagerly, the others on first use.
  private static final Linker LINKER = Linker.nativeLinker();
  private static final Linker.Option CRITICAL = Linker.Option.critical(false);

  private final SymbolLookup lib;
  private final Downcall strerror;
  private final Downcall errName;
  private final Downcall nameCheck;
  private final Downcall arrayCreate;
  private final Downcall valueCreate;
  private final Downcall arrayOpen;
  private final Downcall arrayOpenFd;
  private final Downcall arrayClose;
  private final Downcall arraySegment;
  private final Downcall segmentBase;
  private final Downcall segmentSize;
  private final Downcall segmentFd;
  private final MethodHandle lockAcquire;
  private final MethodHandle lockTry;
  private final MethodHandle lockRelease;
  private final MethodHandle wait32;
  private final MethodHandle wake32;
  private final Downcall unlink;
  private final Downcall stat;
  private final Downcall gc;
  private final Downcall spawnv;
  private final Downcall fdClose;
  private final Downcall childPid;
  private final Downcall childChannel;
  private final Downcall childSendManifest;
  private final Downcall childWait;
  private final Downcall childSignal;
  private final Downcall childFree;
  private final Downcall channelSend;
  private final Downcall channelRecv;
  private final Downcall free;
  private final Downcall lifelineWait;
  private final Downcall childInit;
  private final Downcall handoffCount;
  private final Downcall handoffGet;
  private final Downcall handoffFlags;
  private final Downcall handoffPayload;
  private final Downcall handoffFree;
  private final Downcall syncCreate;
  private final Downcall syncOpen;
  private final Downcall syncOpenFd;
  private final Downcall syncClose;
  private final Downcall syncSegment;
  private final MethodHandle syncAcquire;
  private final MethodHandle syncTry;
  private final MethodHandle syncRelease;
  private final Downcall conditionWaitBegin;
  private final Downcall conditionWaitSleep;
  private final Downcall conditionWaitEnd;
  private final Downcall conditionNotify;
  private final MethodHandle eventSet;
  private final Downcall eventClear;
  private final MethodHandle eventWait;
  private final Downcall barrierArrive;
  private final Downcall barrierAwait;
  private final Downcall barrierCancel;
  private final Downcall barrierAbort;
  private final Downcall barrierReset;

  FfmNativeApi(Path library) {
    // Without --enable-native-access the JVM itself warns here (naming the flag) or, with
    // --illegal-native-access=deny, throws IllegalCallerException, which Native explains.
    lib = SymbolLookup.libraryLookup(library, Arena.global());
    strerror = lazy("mproc_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    errName = lazy("mproc_err_name", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    nameCheck = lazy("mproc_name_check", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    arrayCreate =
        lazy(
            "mproc_array_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    valueCreate =
        lazy(
            "mproc_value_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    arrayOpen =
        lazy(
            "mproc_array_open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT, JAVA_INT, ADDRESS));
    arrayOpenFd =
        lazy(
            "mproc_array_open_fd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_SHORT, JAVA_INT, ADDRESS));
    arrayClose = lazy("mproc_array_close", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    arraySegment =
        lazy("mproc_array_segment", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
    segmentBase =
        lazy("mproc_segment_base", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
    segmentSize =
        lazy("mproc_segment_size", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
    segmentFd = lazy("mproc_segment_fd", FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    lockAcquire =
        handle("mproc_lock_acquire", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    lockTry =
        handle(
            "mproc_lock_acquire", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), CRITICAL);
    lockRelease =
        handle("mproc_lock_release", FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    wait32 =
        handle("mproc_wait32", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
    wake32 =
        handle(
            "mproc_wake32",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG),
            CRITICAL);
    unlink = lazy("mproc_unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    stat = lazy("mproc_stat", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    gc = lazy("mproc_gc", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    spawnv =
        lazy(
            "mproc_spawnv",
            FunctionDescriptor.of(
                JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS));
    fdClose = lazy("mproc_fd_close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    childPid = lazy("mproc_child_pid", FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    childChannel =
        lazy("mproc_child_channel", FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    childSendManifest =
        lazy(
            "mproc_child_send_manifest",
            FunctionDescriptor.of(
                JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                JAVA_INT));
    childWait =
        lazy(
            "mproc_child_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS));
    childSignal =
        lazy("mproc_child_signal", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    childFree = lazy("mproc_child_free", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    channelSend =
        lazy(
            "mproc_channel_send",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    channelRecv =
        lazy(
            "mproc_channel_recv",
            FunctionDescriptor.of(
                JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
    free = lazy("mproc_free", FunctionDescriptor.ofVoid(ADDRESS));
    lifelineWait =
        lazy("mproc_lifeline_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    childInit = lazy("mproc_child_init", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
    handoffCount = lazy("mproc_handoff_count", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    handoffGet =
        lazy(
            "mproc_handoff_get", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
    handoffFlags = lazy("mproc_handoff_flags", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    handoffPayload =
        lazy("mproc_handoff_payload", FunctionDescriptor.of(ADDRESS, JAVA_LONG, ADDRESS));
    handoffFree = lazy("mproc_handoff_free", FunctionDescriptor.ofVoid(JAVA_LONG));
    // Synchronization primitives: acquire/release and the event's set/wait are hot paths and
    // made eagerly; release, set and the try never block, so they are critical downcalls.
    syncCreate =
        lazy(
            "mproc_sync_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT, JAVA_INT, JAVA_INT, ADDRESS));
    syncOpen =
        lazy("mproc_sync_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT, ADDRESS));
    syncOpenFd =
        lazy("mproc_sync_open_fd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_SHORT, ADDRESS));
    syncClose = lazy("mproc_sync_close", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    syncSegment =
        lazy("mproc_sync_segment", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
    syncAcquire =
        handle("mproc_sync_acquire", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    syncTry =
        handle(
            "mproc_sync_acquire", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), CRITICAL);
    syncRelease =
        handle("mproc_sync_release", FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    conditionWaitBegin =
        lazy(
            "mproc_condition_wait_begin",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
    conditionWaitSleep =
        lazy(
            "mproc_condition_wait_sleep",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
    conditionWaitEnd =
        lazy(
            "mproc_condition_wait_end",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
    conditionNotify =
        lazy(
            "mproc_condition_notify",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT),
            CRITICAL);
    eventSet = handle("mproc_event_set", FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    eventClear = lazy("mproc_event_clear", FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    eventWait = handle("mproc_event_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    barrierArrive =
        lazy(
            "mproc_barrier_arrive", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    barrierAwait =
        lazy(
            "mproc_barrier_await", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
    barrierCancel =
        lazy(
            "mproc_barrier_cancel", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
    barrierAbort = lazy("mproc_barrier_abort", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    barrierReset = lazy("mproc_barrier_reset", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  /**
   * A downcall handle made on first use. Making one costs milliseconds (the JVM spins a stub),
   * so a child JVM that calls a few functions should not pay for all of them at start-up.
   */
  private final class Downcall {
    private final String symbol;
    private final FunctionDescriptor fd;
    private final Linker.Option[] options;
    private volatile MethodHandle mh;

    Downcall(String symbol, FunctionDescriptor fd, Linker.Option[] options) {
      this.symbol = symbol;
      this.fd = fd;
      this.options = options;
    }

    MethodHandle get() {
      MethodHandle h = mh;
      if (h == null) {
        h = handle(symbol, fd, options);
        mh = h;
      }
      return h;
    }
  }

  private Downcall lazy(String symbol, FunctionDescriptor fd, Linker.Option... options) {
    return new Downcall(symbol, fd, options);
  }

  private MethodHandle handle(String symbol, FunctionDescriptor fd, Linker.Option... options) {
    MemorySegment address =
        lib.find(symbol)
            .orElseThrow(() -> new UnsatisfiedLinkError("libmproc lacks " + symbol));
    return LINKER.downcallHandle(address, fd, options);
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }

  private static MemorySegment cString(Arena arena, String s) {
    return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
  }

  private static String string(MemorySegment p) {
    return p.equals(MemorySegment.NULL) ? null : p.reinterpret(4096).getString(0);
  }

  @Override
  public String name() {
    return "ffm";
  }

  @Override
  public String strerror(int code) {
    try {
      return string((MemorySegment) strerror.get().invokeExact(code));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public String errName(int code) {
    try {
      return string((MemorySegment) errName.get().invokeExact(code));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int nameCheck(String name) {
    try (Arena arena = Arena.ofConfined()) {
      return (int) nameCheck.get().invokeExact(cString(arena, name));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int arrayCreate(
      String name, boolean value, int type, long count, byte[] init, long[] handle) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      MemorySegment initSeg = MemorySegment.NULL;
      if (init != null) {
        initSeg = arena.allocate(init.length, 8);
        MemorySegment.copy(init, 0, initSeg, JAVA_BYTE, 0, init.length);
      }
      int rc =
          value
              ? (int) valueCreate.get().invokeExact(cString(arena, name), type, initSeg, out)
              : (int) arrayCreate.get().invokeExact(cString(arena, name), type, count, initSeg, out);
      handle[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int arrayOpen(String name, int kind, int type, long[] handle) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int rc = (int) arrayOpen.get().invokeExact(cString(arena, name), (short) kind, type, out);
      handle[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int arrayOpenFd(int fd, int kind, int type, long[] handle) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int rc = (int) arrayOpenFd.get().invokeExact(fd, (short) kind, type, out);
      handle[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int arrayClose(long array) {
    try {
      return (int) arrayClose.get().invokeExact(array);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long arraySegment(long array) {
    try {
      return (long) arraySegment.get().invokeExact(array);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long segmentBase(long segment) {
    try {
      return (long) segmentBase.get().invokeExact(segment);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long segmentSize(long segment) {
    try {
      return (long) segmentSize.get().invokeExact(segment);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int segmentFd(long segment) {
    try {
      return (int) segmentFd.get().invokeExact(segment);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int lockAcquire(long segment, long timeoutNs) {
    try {
      return (int) lockAcquire.invokeExact(segment, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int lockTry(long segment) {
    try {
      return (int) lockTry.invokeExact(segment, 0L);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int lockRelease(long segment) {
    try {
      return (int) lockRelease.invokeExact(segment);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int wait32(long address, int expected, long timeoutNs) {
    try {
      return (int) wait32.invokeExact(address, expected, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int wake32(long address, int count) {
    try {
      return (int) wake32.invokeExact(address, count, 0L);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int unlink(String name) {
    try (Arena arena = Arena.ofConfined()) {
      return (int) unlink.get().invokeExact(cString(arena, name));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int stat(String name, byte[] info) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(OBJECT_INFO_BYTES, 8);
      int rc = (int) stat.get().invokeExact(cString(arena, name), out);
      MemorySegment.copy(out, JAVA_BYTE, 0, info, 0, OBJECT_INFO_BYTES);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int gc(int[] removed) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) gc.get().invokeExact(out);
      removed[0] = out.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A NULL-terminated {@code char*[]}, or NULL for a null array. */
  private static MemorySegment strings(Arena arena, String[] a) {
    if (a == null) {
      return MemorySegment.NULL;
    }
    MemorySegment p = arena.allocate(ADDRESS, a.length + 1L);
    for (int i = 0; i < a.length; i++) {
      p.setAtIndex(ADDRESS, i, cString(arena, a[i]));
    }
    p.setAtIndex(ADDRESS, a.length, MemorySegment.NULL);
    return p;
  }

  private static MemorySegment ints(Arena arena, int[] a) {
    return a.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_INT, a);
  }

  private static MemorySegment bytes(Arena arena, byte[] a) {
    return a.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_BYTE, a);
  }

  @Override
  public int spawn(
      String path,
      String[] argv,
      String[] envp,
      int[] fds,
      int stdin,
      int stdout,
      int stderr,
      long[] child) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int rc =
          (int)
              spawnv.get().invokeExact(
                  cString(arena, path),
                  strings(arena, argv),
                  strings(arena, envp),
                  ints(arena, fds),
                  fds.length,
                  stdin,
                  stdout,
                  stderr,
                  out);
      child[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int fdClose(int fd) {
    try {
      return (int) fdClose.get().invokeExact(fd);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childPid(long child) {
    try {
      return (int) childPid.get().invokeExact(child);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childChannel(long child) {
    try {
      return (int) childChannel.get().invokeExact(child);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childSendManifest(
      long child, int flags, short[] kinds, byte[] codes, String[] names, byte[] payload) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment k =
          kinds.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_SHORT, kinds);
      return (int)
          childSendManifest.get().invokeExact(
              child,
              flags,
              kinds.length,
              k,
              bytes(arena, codes),
              strings(arena, names),
              bytes(arena, payload),
              payload.length);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childWait(long child, long timeoutNs, int[] exitCode) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) childWait.get().invokeExact(child, timeoutNs, out);
      exitCode[0] = out.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childSignal(long child, int signal) {
    try {
      return (int) childSignal.get().invokeExact(child, signal);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childFree(long child) {
    try {
      return (int) childFree.get().invokeExact(child);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int channelSend(int fd, byte[] message, int[] fds) {
    try (Arena arena = Arena.ofConfined()) {
      return (int)
          channelSend.get().invokeExact(
              fd, bytes(arena, message), message.length, ints(arena, fds), fds.length);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int channelRecv(int fd, long timeoutNs, byte[][] message, int[] fds, int[] nfds) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(ADDRESS);
      MemorySegment len = arena.allocate(JAVA_INT);
      MemorySegment fdOut = arena.allocate(JAVA_INT, Math.max(1, fds.length));
      MemorySegment n = arena.allocate(JAVA_INT);
      int rc = (int) channelRecv.get().invokeExact(fd, timeoutNs, buf, len, fdOut, fds.length, n);
      if (rc == 0) {
        MemorySegment p = buf.get(ADDRESS, 0);
        int size = len.get(JAVA_INT, 0);
        message[0] = p.reinterpret(size).toArray(JAVA_BYTE);
        free.get().invokeExact(p);
        nfds[0] = n.get(JAVA_INT, 0);
        MemorySegment.copy(fdOut, JAVA_INT, 0, fds, 0, nfds[0]);
      }
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int lifelineWait(int fd, long timeoutNs) {
    try {
      return (int) lifelineWait.get().invokeExact(fd, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childInit(long timeoutNs, long[] handoff) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int rc = (int) childInit.get().invokeExact(timeoutNs, out);
      handoff[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int handoffCount(long handoff) {
    try {
      return (int) handoffCount.get().invokeExact(handoff);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int handoffGet(long handoff, int index, byte[] entry) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(HANDED_BYTES, 8);
      int rc = (int) handoffGet.get().invokeExact(handoff, index, out);
      MemorySegment.copy(out, JAVA_BYTE, 0, entry, 0, HANDED_BYTES);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int handoffFlags(long handoff) {
    try {
      return (int) handoffFlags.get().invokeExact(handoff);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public byte[] handoffPayload(long handoff) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment len = arena.allocate(JAVA_INT);
      MemorySegment p = (MemorySegment) handoffPayload.get().invokeExact(handoff, len);
      return p.reinterpret(len.get(JAVA_INT, 0)).toArray(JAVA_BYTE);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public void handoffFree(long handoff) {
    try {
      handoffFree.get().invokeExact(handoff);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int syncCreate(String name, int kind, int value, int flags, long[] handle) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int rc =
          (int)
              syncCreate.get().invokeExact(cString(arena, name), (short) kind, value, flags, out);
      handle[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int syncOpen(String name, int kind, long[] handle) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int rc = (int) syncOpen.get().invokeExact(cString(arena, name), (short) kind, out);
      handle[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int syncOpenFd(int fd, int kind, long[] handle) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int rc = (int) syncOpenFd.get().invokeExact(fd, (short) kind, out);
      handle[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int syncClose(long sync) {
    try {
      return (int) syncClose.get().invokeExact(sync);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long syncSegment(long sync) {
    try {
      return (long) syncSegment.get().invokeExact(sync);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int syncAcquire(long sync, long timeoutNs) {
    try {
      return (int) syncAcquire.invokeExact(sync, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int syncTry(long sync) {
    try {
      return (int) syncTry.invokeExact(sync, 0L);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int syncRelease(long sync) {
    try {
      return (int) syncRelease.invokeExact(sync);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int conditionWaitBegin(long cond, long lock, int[] ticketAndSaved) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT, 2);
      int rc =
          (int)
              conditionWaitBegin.get().invokeExact(cond, lock, out, out.asSlice(4));
      ticketAndSaved[0] = out.getAtIndex(JAVA_INT, 0);
      ticketAndSaved[1] = out.getAtIndex(JAVA_INT, 1);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int conditionWaitSleep(long cond, int ticket, long timeoutNs) {
    try {
      return (int) conditionWaitSleep.get().invokeExact(cond, ticket, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int conditionWaitEnd(long cond, long lock, int saved, long timeoutNs) {
    try {
      return (int) conditionWaitEnd.get().invokeExact(cond, lock, saved, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int conditionNotify(long cond, long lock, int n) {
    try {
      return (int) conditionNotify.get().invokeExact(cond, lock, n);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int eventSet(long event) {
    try {
      return (int) eventSet.invokeExact(event);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int eventClear(long event) {
    try {
      return (int) eventClear.get().invokeExact(event);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int eventWait(long event, long timeoutNs) {
    try {
      return (int) eventWait.invokeExact(event, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int barrierArrive(long barrier, int[] cycleAndIndex) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT, 2);
      int rc = (int) barrierArrive.get().invokeExact(barrier, out, out.asSlice(4));
      cycleAndIndex[0] = out.getAtIndex(JAVA_INT, 0);
      cycleAndIndex[1] = out.getAtIndex(JAVA_INT, 1);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int barrierAwait(long barrier, int cycle, long timeoutNs) {
    try {
      return (int) barrierAwait.get().invokeExact(barrier, cycle, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int barrierCancel(long barrier, int cycle, int[] tripped) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) barrierCancel.get().invokeExact(barrier, cycle, out);
      tripped[0] = out.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int barrierAbort(long barrier) {
    try {
      return (int) barrierAbort.get().invokeExact(barrier);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int barrierReset(long barrier) {
    try {
      return (int) barrierReset.get().invokeExact(barrier);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public Memory map(long segment) {
    Arena arena = Arena.ofShared();
    MemorySegment seg =
        MemorySegment.ofAddress(segmentBase(segment)).reinterpret(segmentSize(segment), arena, null);
    return new SegmentMemory(seg, arena);
  }
}
