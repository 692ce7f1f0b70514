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
import org.mproc.ErrorCode;

/**
 * The Panama FFM backend (JDK 22+), loaded by {@link Native} by name from the multi-release part
 * of the jar. Short calls that never block are critical downcalls (no thread-state transition,
 * about 3 ns); calls that may block (lock acquisition with a timeout, wait) are ordinary ones, so
 * that the JVM can reach a safepoint while they sleep.
 */
final class FfmNativeApi implements NativeApi {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final Linker.Option CRITICAL = Linker.Option.critical(false);
  /** Non-blocking queue calls take the caller's Java array in place. */
  private static final Linker.Option HEAP = Linker.Option.critical(true);
  private static final FunctionDescriptor PUT =
      FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG);
  private static final FunctionDescriptor GET =
      FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG);

  /*
   * One holder class per C function: its handle is made the first time it is called (making
   * one spins bytecode, milliseconds each, which a child JVM should not pay for functions it
   * never calls), and, being static final, it is a constant the JIT inlines through.
   */
  private static final class Strerror {
    static final MethodHandle MH =
        handle(
            "mproc_strerror",
            FunctionDescriptor.of(ADDRESS, JAVA_INT));
  }

  private static final class ErrName {
    static final MethodHandle MH =
        handle(
            "mproc_err_name",
            FunctionDescriptor.of(ADDRESS, JAVA_INT));
  }

  private static final class NameCheck {
    static final MethodHandle MH =
        handle(
            "mproc_name_check",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  private static final class ArrayCreate {
    static final MethodHandle MH =
        handle(
            "mproc_array_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
  }

  private static final class ValueCreate {
    static final MethodHandle MH =
        handle(
            "mproc_value_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
  }

  private static final class ArrayOpen {
    static final MethodHandle MH =
        handle(
            "mproc_array_open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT, JAVA_INT, ADDRESS));
  }

  private static final class ArrayOpenFd {
    static final MethodHandle MH =
        handle(
            "mproc_array_open_fd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_SHORT, JAVA_INT, ADDRESS));
  }

  private static final class ArrayClose {
    static final MethodHandle MH =
        handle(
            "mproc_array_close",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class ArraySegment {
    static final MethodHandle MH =
        handle(
            "mproc_array_segment",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
  }

  private static final class SegmentBase {
    static final MethodHandle MH =
        handle(
            "mproc_segment_base",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
  }

  private static final class SegmentSize {
    static final MethodHandle MH =
        handle(
            "mproc_segment_size",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
  }

  private static final class SegmentFd {
    static final MethodHandle MH =
        handle(
            "mproc_segment_fd",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class QueuePutNow {
    static final MethodHandle MH = handle("mproc_queue_put", PUT, HEAP);
  }

  private static final class QueueGetNow {
    static final MethodHandle MH = handle("mproc_queue_get", GET, HEAP);
  }

  private static final class QueueRecvNow {
    static final MethodHandle MH =
        handle(
            "mproc_queue_recv",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT),
            HEAP);
  }

  private static final class QueueRecvWait {
    static final MethodHandle MH =
        handle(
            "mproc_queue_recv",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
  }

  private static final class QueuePeekNow {
    static final MethodHandle MH = handle("mproc_queue_peek", GET, HEAP);
  }

  private static final class QueuePutWait {
    static final MethodHandle MH = handle("mproc_queue_put", PUT);
  }

  private static final class QueueGetWait {
    static final MethodHandle MH = handle("mproc_queue_get", GET);
  }

  private static final class QueuePeekWait {
    static final MethodHandle MH = handle("mproc_queue_peek", GET);
  }

  private static final class QueueCreate {
    static final MethodHandle MH =
        handle(
            "mproc_queue_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
  }

  private static final class QueueOpen {
    static final MethodHandle MH =
        handle(
            "mproc_queue_open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  }

  private static final class QueueOpenFd {
    static final MethodHandle MH =
        handle(
            "mproc_queue_open_fd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
  }

  private static final class QueueClose {
    static final MethodHandle MH =
        handle(
            "mproc_queue_close",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class QueueSegment {
    static final MethodHandle MH =
        handle(
            "mproc_queue_segment",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
  }

  private static final class QueueShutdown {
    static final MethodHandle MH =
        handle(
            "mproc_queue_shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class QueueSize {
    static final MethodHandle MH =
        handle(
            "mproc_queue_size",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
  }

  private static final class QueueIsShutdown {
    static final MethodHandle MH =
        handle(
            "mproc_queue_is_shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class QueueClaim {
    static final MethodHandle MH =
        handle("mproc_queue_claim", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
  }

  private static final class QueueIsOneToOne {
    static final MethodHandle MH =
        handle("mproc_queue_is_one_to_one", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class QueueRelease {
    static final MethodHandle MH =
        handle("mproc_queue_release", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
  }

  private static final class QueueIsFull {
    static final MethodHandle MH =
        handle(
            "mproc_queue_is_full",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class QueueMaxMessage {
    static final MethodHandle MH =
        handle(
            "mproc_queue_max_message",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class QueueCapacity {
    static final MethodHandle MH =
        handle(
            "mproc_queue_capacity",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
  }

  private static final class QueueMaxCount {
    static final MethodHandle MH =
        handle(
            "mproc_queue_max_count",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
  }

  private static final class QueueTaskDone {
    static final MethodHandle MH =
        handle(
            "mproc_queue_task_done",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class QueueJoin {
    static final MethodHandle MH =
        handle(
            "mproc_queue_join",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
  }

  private static final class QueueUnfinished {
    static final MethodHandle MH =
        handle(
            "mproc_queue_unfinished",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
  }

  private static final class LockAcquire {
    static final MethodHandle MH =
        handle(
            "mproc_lock_acquire",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
  }

  private static final class LockTry {
    static final MethodHandle MH =
        handle(
            "mproc_lock_acquire",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), CRITICAL);
  }

  private static final class LockOwnerWord {
    static final MethodHandle MH =
        handle("mproc_lock_owner_word", FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class LockRelease {
    static final MethodHandle MH =
        handle(
            "mproc_lock_release",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class Wait32 {
    static final MethodHandle MH =
        handle(
            "mproc_wait32",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
  }

  private static final class Wake32 {
    static final MethodHandle MH =
        handle(
            "mproc_wake32",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class ProcessBarrier {
    static final MethodHandle MH =
        handle("mproc_process_barrier", FunctionDescriptor.of(JAVA_INT));
  }

  private static final class Unlink {
    static final MethodHandle MH = handle("mproc_unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  private static final class Stat {
    static final MethodHandle MH =
        handle(
            "mproc_stat",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  }

  private static final class Gc {
    static final MethodHandle MH = handle("mproc_gc", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  private static final class Spawnv {
    static final MethodHandle MH =
        handle(
            "mproc_spawnv",
            FunctionDescriptor.of(
                 JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS));
  }

  private static final class FdOpen {
    static final MethodHandle MH =
        handle("mproc_fd_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
  }

  private static final class ConnPair {
    static final MethodHandle MH =
        handle("mproc_conn_pair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  }

  private static final class ConnPoll {
    static final MethodHandle MH =
        handle("mproc_conn_poll", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
  }

  /* Straight from a heap array, never blocking. */
  private static final class ConnSendNb {
    static final MethodHandle MH =
        handle(
            "mproc_conn_send_from",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT),
            HEAP);
  }

  /* From native memory, blocking. */
  private static final class ConnSendFrom {
    static final MethodHandle MH =
        handle(
            "mproc_conn_send_from",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT));
  }

  private static final class ConnRecvHeader {
    static final MethodHandle MH =
        handle(
            "mproc_conn_recv_header", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
  }

  /* Straight into a heap array, never blocking. */
  private static final class ConnReadSome {
    static final MethodHandle MH =
        handle(
            "mproc_conn_read_some", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            HEAP);
  }

  private static final class ConnWaitWritable {
    static final MethodHandle MH =
        handle("mproc_conn_wait_writable", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
  }

  private static final class ConnRead {
    static final MethodHandle MH =
        handle("mproc_conn_read", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
  }

  private static final class ConnSendHandle {
    static final MethodHandle MH =
        handle("mproc_conn_send_handle", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  }

  private static final class ConnRecvHandle {
    static final MethodHandle MH =
        handle(
            "mproc_conn_recv_handle",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
  }

  private static final class WaitAny {
    static final MethodHandle MH =
        handle(
            "mproc_wait_any",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
  }

  private static final class Listen {
    static final MethodHandle MH =
        handle("mproc_listen", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
  }

  private static final class ListenerAddress {
    static final MethodHandle MH =
        handle(
            "mproc_listener_address",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
  }

  private static final class ListenerClose {
    static final MethodHandle MH =
        handle("mproc_listener_close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }

  private static final class Accept {
    static final MethodHandle MH =
        handle("mproc_accept", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
  }

  private static final class Connect {
    static final MethodHandle MH =
        handle("mproc_connect", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
  }

  private static final class AuthServer {
    static final MethodHandle MH =
        handle(
            "mproc_auth_server",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
  }

  private static final class AuthClient {
    static final MethodHandle MH =
        handle(
            "mproc_auth_client",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
  }

  private static final class ChildSentinel {
    static final MethodHandle MH =
        handle("mproc_child_sentinel", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class FdClose {
    static final MethodHandle MH =
        handle(
            "mproc_fd_close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }

  private static final class ChildPid {
    static final MethodHandle MH =
        handle(
            "mproc_child_pid",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class ChildChannel {
    static final MethodHandle MH =
        handle(
            "mproc_child_channel",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class ChildSendManifest {
    static final MethodHandle MH =
        handle(
            "mproc_child_send_manifest",
            FunctionDescriptor.of(
                 JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                JAVA_INT));
  }

  private static final class ManifestFile {
    static final MethodHandle MH =
        handle(
            "mproc_manifest_file",
            FunctionDescriptor.of(
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                JAVA_INT, ADDRESS));
  }

  private static final class ChildWait {
    static final MethodHandle MH =
        handle(
            "mproc_child_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS));
  }

  private static final class ChildSignal {
    static final MethodHandle MH =
        handle(
            "mproc_child_signal",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
  }

  private static final class ChildFree {
    static final MethodHandle MH =
        handle(
            "mproc_child_free",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class ChannelSend {
    static final MethodHandle MH =
        handle(
            "mproc_channel_send",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
  }

  private static final class ChannelRecv {
    static final MethodHandle MH =
        handle(
            "mproc_channel_recv",
            FunctionDescriptor.of(
                 JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
  }

  private static final class Free {
    static final MethodHandle MH = handle("mproc_free", FunctionDescriptor.ofVoid(ADDRESS));
  }

  private static final class LifelineWait {
    static final MethodHandle MH =
        handle(
            "mproc_lifeline_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
  }

  private static final class ChildInit {
    static final MethodHandle MH =
        handle(
            "mproc_child_init",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
  }

  private static final class ChildReadManifest {
    static final MethodHandle MH =
        handle(
            "mproc_child_read_manifest", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
  }

  private static final class HandoffCount {
    static final MethodHandle MH =
        handle(
            "mproc_handoff_count",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class HandoffGet {
    static final MethodHandle MH =
        handle(
            "mproc_handoff_get",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
  }

  private static final class HandoffFlags {
    static final MethodHandle MH =
        handle(
            "mproc_handoff_flags",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class HandoffPayload {
    static final MethodHandle MH =
        handle(
            "mproc_handoff_payload",
            FunctionDescriptor.of(ADDRESS, JAVA_LONG, ADDRESS));
  }

  private static final class HandoffFree {
    static final MethodHandle MH =
        handle(
            "mproc_handoff_free",
            FunctionDescriptor.ofVoid(JAVA_LONG));
  }

  private static SymbolLookup lib; // set once, before any holder class initialises

  private static final class BarrierAbort {
    static final MethodHandle MH =
        handle(
            "mproc_barrier_abort",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class BarrierArrive {
    static final MethodHandle MH =
        handle(
            "mproc_barrier_arrive",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
  }

  private static final class BarrierAwait {
    static final MethodHandle MH =
        handle(
            "mproc_barrier_await",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
  }

  private static final class BarrierCancel {
    static final MethodHandle MH =
        handle(
            "mproc_barrier_cancel",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
  }

  private static final class BarrierReset {
    static final MethodHandle MH =
        handle(
            "mproc_barrier_reset",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class ConditionNotify {
    static final MethodHandle MH =
        handle(
            "mproc_condition_notify",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CRITICAL);
  }

  private static final class ConditionWaitBegin {
    static final MethodHandle MH =
        handle(
            "mproc_condition_wait_begin",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
  }

  private static final class ConditionWaitEnd {
    static final MethodHandle MH =
        handle(
            "mproc_condition_wait_end",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
  }

  private static final class ConditionWaitSleep {
    static final MethodHandle MH =
        handle(
            "mproc_condition_wait_sleep",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
  }

  private static final class EventClear {
    static final MethodHandle MH =
        handle(
            "mproc_event_clear",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class EventSet {
    static final MethodHandle MH =
        handle(
            "mproc_event_set",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class EventWait {
    static final MethodHandle MH =
        handle(
            "mproc_event_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
  }

  private static final class SyncAcquire {
    static final MethodHandle MH =
        handle(
            "mproc_sync_acquire",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
  }

  private static final class SyncClose {
    static final MethodHandle MH =
        handle(
            "mproc_sync_close",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
  }

  private static final class SyncCreate {
    static final MethodHandle MH =
        handle(
            "mproc_sync_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT, JAVA_INT, JAVA_INT, ADDRESS));
  }

  private static final class SyncOpen {
    static final MethodHandle MH =
        handle(
            "mproc_sync_open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT, ADDRESS));
  }

  private static final class SyncOpenFd {
    static final MethodHandle MH =
        handle(
            "mproc_sync_open_fd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_SHORT, ADDRESS));
  }

  private static final class SyncRelease {
    static final MethodHandle MH =
        handle(
            "mproc_sync_release",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
  }

  private static final class SyncSegment {
    static final MethodHandle MH =
        handle(
            "mproc_sync_segment",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
  }

  private static final class SyncTry {
    static final MethodHandle MH =
        handle(
            "mproc_sync_acquire",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), CRITICAL);
  }

  FfmNativeApi(Path library) {
    // Without --enable-native-access the JVM itself warns here (naming the flag) or, with
    // --illegal-native-access=deny, throws IllegalCallerException, which Native explains.
    lib = SymbolLookup.libraryLookup(library, Arena.global());
  }

  private static MethodHandle handle(
      String symbol, FunctionDescriptor fd, Linker.Option... options) {
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
    return s == null ? MemorySegment.NULL : arena.allocateFrom(Native.cstr(s));
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
      return string((MemorySegment) Strerror.MH.invokeExact(code));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public String errName(int code) {
    try {
      return string((MemorySegment) ErrName.MH.invokeExact(code));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int nameCheck(String name) {
    try (Arena arena = Arena.ofConfined()) {
      return (int) NameCheck.MH.invokeExact(cString(arena, name));
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
              ? (int) ValueCreate.MH.invokeExact(cString(arena, name), type, initSeg, out)
              : (int) ArrayCreate.MH.invokeExact(cString(arena, name), type, count, initSeg, out);
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
      int rc = (int) ArrayOpen.MH.invokeExact(cString(arena, name), (short) kind, type, out);
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
      int rc = (int) ArrayOpenFd.MH.invokeExact(fd, (short) kind, type, out);
      handle[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int arrayClose(long array) {
    try {
      return (int) ArrayClose.MH.invokeExact(array);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long arraySegment(long array) {
    try {
      return (long) ArraySegment.MH.invokeExact(array);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long segmentBase(long segment) {
    try {
      return (long) SegmentBase.MH.invokeExact(segment);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long segmentSize(long segment) {
    try {
      return (long) SegmentSize.MH.invokeExact(segment);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int segmentFd(long segment) {
    try {
      return (int) SegmentFd.MH.invokeExact(segment);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int lockAcquire(long segment, long timeoutNs) {
    try {
      return (int) LockAcquire.MH.invokeExact(segment, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int lockTry(long segment) {
    try {
      return (int) LockTry.MH.invokeExact(segment, 0L);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int lockRelease(long segment) {
    try {
      return (int) LockRelease.MH.invokeExact(segment);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int lockOwnerWord(long segment) {
    try {
      return (int) LockOwnerWord.MH.invokeExact(segment);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int wait32(long address, int expected, long timeoutNs) {
    try {
      return (int) Wait32.MH.invokeExact(address, expected, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int wake32(long address, int count) {
    try {
      return (int) Wake32.MH.invokeExact(address, count, 0L);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int processBarrier() {
    try {
      return (int) ProcessBarrier.MH.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int unlink(String name) {
    try (Arena arena = Arena.ofConfined()) {
      return (int) Unlink.MH.invokeExact(cString(arena, name));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int stat(String name, byte[] info) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(OBJECT_INFO_BYTES, 8);
      int rc = (int) Stat.MH.invokeExact(cString(arena, name), out);
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
      int rc = (int) Gc.MH.invokeExact(out);
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
              Spawnv.MH.invokeExact(
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
  public int fdOpen(String path, int mode, int[] fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) FdOpen.MH.invokeExact(cString(arena, path), mode, out);
      fd[0] = out.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int connPair(boolean duplex, int[] fds) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment a = arena.allocate(JAVA_INT);
      MemorySegment b = arena.allocate(JAVA_INT);
      int rc = (int) ConnPair.MH.invokeExact(duplex ? 1 : 0, a, b);
      fds[0] = a.get(JAVA_INT, 0);
      fds[1] = b.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /*
   * A message goes straight from the byte[] into the socket: critical calls with heap access,
   * which must not block, so they use MSG_DONTWAIT, and between them an ordinary call waits for
   * room. No copy is made. A pipe cannot be written without blocking (ENOTSOCK): it takes a
   * native copy and one blocking call.
   */
  @Override
  public int connSend(int fd, byte[] buf, int off, int len) {
    long frame = len + (len < 0x7fffffffL ? 4 : 12);
    try {
      MemorySegment heap = MemorySegment.ofArray(buf).asSlice(off, len);
      long sent = 0;
      for (;;) {
        sent = (long) ConnSendNb.MH.invokeExact(fd, heap, (long) len, sent, 1);
        if (sent == frame) {
          return 0;
        }
        if (sent < 0) {
          break;
        }
        int rc = (int) ConnWaitWritable.MH.invokeExact(fd, -1L);
        if (rc != 0) {
          return rc;
        }
      }
      if (sent != ErrorCode.ENOTSOCK.code()) {
        return (int) sent;
      }
      try (Arena arena = Arena.ofConfined()) { // a pipe: blocking, so not from the heap
        MemorySegment msg = arena.allocate(Math.max(1, len));
        MemorySegment.copy(buf, off, msg, JAVA_BYTE, 0, len);
        long r = (long) ConnSendFrom.MH.invokeExact(fd, msg, (long) len, 0L, 0);
        return r < 0 ? (int) r : 0;
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /*
   * The header is read (waiting, possibly blocking) by an ordinary call; the payload then goes
   * straight into the byte[] with critical non-blocking reads, waiting in ordinary polls while
   * the sender has not written all of it yet. A pipe takes a blocking read into native memory
   * and a copy.
   */
  @Override
  public int connRecv(int fd, long maxLength, long timeoutNs, byte[] into, byte[][] message) {
    try {
      long size = (long) ConnRecvHeader.MH.invokeExact(fd, maxLength, timeoutNs);
      if (size < 0) {
        return (int) size;
      }
      if (size > Integer.MAX_VALUE - 8) {
        return ErrorCode.EMSGSIZE.code();
      }
      byte[] m = into != null && size <= into.length ? into : new byte[(int) size];
      int end = (int) size;
      int got = 0;
      while (got < end) {
        MemorySegment heap = MemorySegment.ofArray(m).asSlice(got, end - got);
        long n = (long) ConnReadSome.MH.invokeExact(fd, heap, (long) (end - got));
        if (n > 0) {
          got += (int) n;
        } else if (n == 0) {
          int rc = (int) ConnPoll.MH.invokeExact(fd, -1L);
          if (rc != 0) {
            return rc;
          }
        } else if (n == ErrorCode.ENOTSOCK.code()) {
          try (Arena arena = Arena.ofConfined()) {
            MemorySegment rest = arena.allocate(end - got);
            int rc = (int) ConnRead.MH.invokeExact(fd, rest, (long) (end - got));
            if (rc != 0) {
              return rc;
            }
            MemorySegment.copy(rest, JAVA_BYTE, 0, m, got, end - got);
          }
          break;
        } else {
          return (int) n;
        }
      }
      message[0] = m;
      return end;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int connPoll(int fd, long timeoutNs) {
    try {
      return (int) ConnPoll.MH.invokeExact(fd, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int connSendHandle(int fd, int handle) {
    try {
      return (int) ConnSendHandle.MH.invokeExact(fd, handle);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int connRecvHandle(int fd, long timeoutNs, int[] handle) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) ConnRecvHandle.MH.invokeExact(fd, timeoutNs, out);
      handle[0] = out.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int waitAny(int[] fds, long timeoutNs, byte[] ready) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment in = arena.allocate(JAVA_INT, Math.max(1, fds.length));
      MemorySegment out = arena.allocate(JAVA_BYTE, Math.max(1, fds.length));
      MemorySegment.copy(fds, 0, in, JAVA_INT, 0, fds.length);
      int rc = (int) WaitAny.MH.invokeExact(in, fds.length, timeoutNs, out);
      MemorySegment.copy(out, JAVA_BYTE, 0, ready, 0, fds.length);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int listen(String address, int backlog, int[] fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) Listen.MH.invokeExact(cString(arena, address), backlog, out);
      fd[0] = out.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int listenerAddress(int fd, String[] address) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(256);
      int rc = (int) ListenerAddress.MH.invokeExact(fd, buf, 256L);
      if (rc == 0) {
        address[0] = buf.getString(0);
      }
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int listenerClose(int fd) {
    try {
      return (int) ListenerClose.MH.invokeExact(fd);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int accept(int listenFd, long timeoutNs, int[] fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) Accept.MH.invokeExact(listenFd, timeoutNs, out);
      fd[0] = out.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int connect(String address, long timeoutNs, int[] fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) Connect.MH.invokeExact(cString(arena, address), timeoutNs, out);
      fd[0] = out.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int auth(int fd, byte[] key, long timeoutNs, boolean server) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment k = arena.allocate(Math.max(1, key.length));
      MemorySegment.copy(key, 0, k, JAVA_BYTE, 0, key.length);
      long len = key.length;
      return server
          ? (int) AuthServer.MH.invokeExact(fd, k, len, timeoutNs)
          : (int) AuthClient.MH.invokeExact(fd, k, len, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childSentinel(long child) {
    try {
      return (int) ChildSentinel.MH.invokeExact(child);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int fdClose(int fd) {
    try {
      return (int) FdClose.MH.invokeExact(fd);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childPid(long child) {
    try {
      return (int) ChildPid.MH.invokeExact(child);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childChannel(long child) {
    try {
      return (int) ChildChannel.MH.invokeExact(child);
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
          ChildSendManifest.MH.invokeExact(
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
  public int manifestFile(
      int firstFd,
      int flags,
      short[] kinds,
      byte[] codes,
      String[] names,
      byte[] payload,
      int[] fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment k =
          kinds.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_SHORT, kinds);
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc =
          (int)
              ManifestFile.MH.invokeExact(
                  firstFd,
                  flags,
                  kinds.length,
                  k,
                  bytes(arena, codes),
                  strings(arena, names),
                  bytes(arena, payload),
                  payload.length,
                  out);
      fd[0] = out.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childWait(long child, long timeoutNs, int[] exitCode) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) ChildWait.MH.invokeExact(child, timeoutNs, out);
      exitCode[0] = out.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childSignal(long child, int signal) {
    try {
      return (int) ChildSignal.MH.invokeExact(child, signal);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childFree(long child) {
    try {
      return (int) ChildFree.MH.invokeExact(child);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int channelSend(int fd, byte[] message, int[] fds) {
    try (Arena arena = Arena.ofConfined()) {
      return (int)
          ChannelSend.MH.invokeExact(
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
      int rc = (int) ChannelRecv.MH.invokeExact(fd, timeoutNs, buf, len, fdOut, fds.length, n);
      if (rc == 0) {
        MemorySegment p = buf.get(ADDRESS, 0);
        int size = len.get(JAVA_INT, 0);
        message[0] = p.reinterpret(size).toArray(JAVA_BYTE);
        Free.MH.invokeExact(p);
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
      return (int) LifelineWait.MH.invokeExact(fd, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childInit(long timeoutNs, long[] handoff) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int rc = (int) ChildInit.MH.invokeExact(timeoutNs, out);
      handoff[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int childReadManifest(long timeoutNs, byte[][] manifest) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(ADDRESS);
      MemorySegment len = arena.allocate(JAVA_INT);
      int rc = (int) ChildReadManifest.MH.invokeExact(timeoutNs, buf, len);
      if (rc == 0) {
        MemorySegment p = buf.get(ADDRESS, 0);
        manifest[0] = p.reinterpret(len.get(JAVA_INT, 0)).toArray(JAVA_BYTE);
        Free.MH.invokeExact(p);
      }
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int handoffCount(long handoff) {
    try {
      return (int) HandoffCount.MH.invokeExact(handoff);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int handoffGet(long handoff, int index, byte[] entry) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(HANDED_BYTES, 8);
      int rc = (int) HandoffGet.MH.invokeExact(handoff, index, out);
      MemorySegment.copy(out, JAVA_BYTE, 0, entry, 0, HANDED_BYTES);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int handoffFlags(long handoff) {
    try {
      return (int) HandoffFlags.MH.invokeExact(handoff);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public byte[] handoffPayload(long handoff) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment len = arena.allocate(JAVA_INT);
      MemorySegment p = (MemorySegment) HandoffPayload.MH.invokeExact(handoff, len);
      return p.reinterpret(len.get(JAVA_INT, 0)).toArray(JAVA_BYTE);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public void handoffFree(long handoff) {
    try {
      HandoffFree.MH.invokeExact(handoff);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueCreate(String name, long capacity, int maxMessage, long maxCount,
      boolean joinable, boolean oneToOne, long[] queue) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment spec = arena.allocate(40, 8); // mproc_queue_spec_t
      spec.set(JAVA_LONG, 0, capacity);
      spec.set(JAVA_INT, 8, maxMessage);
      spec.set(JAVA_LONG, 16, maxCount);
      spec.set(JAVA_INT, 24, 0);
      spec.set(JAVA_INT, 28, joinable ? 1 : 0);
      spec.set(JAVA_INT, 32, oneToOne ? 1 : 0);
      MemorySegment out = arena.allocate(ADDRESS);
      int rc = (int) QueueCreate.MH.invokeExact(cString(arena, name), spec, out);
      queue[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueOpen(String name, long[] queue) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int rc = (int) QueueOpen.MH.invokeExact(cString(arena, name), out);
      queue[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueOpenFd(int fd, long[] queue) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int rc = (int) QueueOpenFd.MH.invokeExact(fd, out);
      queue[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueClose(long queue) {
    try {
      return (int) QueueClose.MH.invokeExact(queue);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long queueSegment(long queue) {
    try {
      return (long) QueueSegment.MH.invokeExact(queue);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queuePut(long queue, byte[] buf, int off, int len, long timeoutNs) {
    try {
      if (timeoutNs == 0) {
        // A local, not a conditional: as an argument of invokeExact a conditional is typed
        // Object, which does not match the handle.
        MemorySegment msg =
            off == 0 ? MemorySegment.ofArray(buf) : MemorySegment.ofArray(buf).asSlice(off, len);
        return (int) QueuePutNow.MH.invokeExact(queue, msg, len, 0L);
      }
      try (Arena arena = Arena.ofConfined()) { // a call that may sleep cannot hold the heap
        MemorySegment msg = arena.allocate(Math.max(1, len));
        MemorySegment.copy(buf, off, msg, JAVA_BYTE, 0, len);
        return (int) QueuePutWait.MH.invokeExact(queue, msg, len, timeoutNs);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueGet(long queue, byte[] buf, int[] len, long timeoutNs, boolean remove) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment lenOut = arena.allocate(JAVA_INT);
      int rc;
      if (timeoutNs == 0) {
        MemorySegment dst = MemorySegment.ofArray(buf);
        rc =
            remove
                ? (int) QueueGetNow.MH.invokeExact(queue, dst, buf.length, lenOut, 0L)
                : (int) QueuePeekNow.MH.invokeExact(queue, dst, buf.length, lenOut, 0L);
        len[0] = lenOut.get(JAVA_INT, 0);
        return rc;
      }
      MemorySegment dst = arena.allocate(Math.max(1, buf.length));
      rc =
          remove
              ? (int) QueueGetWait.MH.invokeExact(queue, dst, buf.length, lenOut, timeoutNs)
              : (int) QueuePeekWait.MH.invokeExact(queue, dst, buf.length, lenOut, timeoutNs);
      len[0] = lenOut.get(JAVA_INT, 0);
      if (rc == 0) {
        MemorySegment.copy(dst, JAVA_BYTE, 0, buf, 0, len[0]);
      }
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueTaskDone(long queue) {
    try {
      return (int) QueueTaskDone.MH.invokeExact(queue);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueJoin(long queue, long timeoutNs) {
    try {
      return (int) QueueJoin.MH.invokeExact(queue, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long queueUnfinished(long queue) {
    try {
      return (long) QueueUnfinished.MH.invokeExact(queue);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueRecv(long queue, byte[] buf, long timeoutNs, boolean remove) {
    try {
      if (timeoutNs == 0) { // no arena, no allocation: the array itself is the buffer
        return (int)
            QueueRecvNow.MH.invokeExact(
                queue, MemorySegment.ofArray(buf), buf.length, 0L, remove ? 1 : 0);
      }
      try (Arena arena = Arena.ofConfined()) { // a call that may sleep cannot hold the heap
        MemorySegment dst = arena.allocate(Math.max(1, buf.length));
        int rc =
            (int) QueueRecvWait.MH.invokeExact(queue, dst, buf.length, timeoutNs, remove ? 1 : 0);
        if (rc > 0) {
          MemorySegment.copy(dst, JAVA_BYTE, 0, buf, 0, rc);
        }
        return rc;
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueShutdown(long queue) {
    try {
      return (int) QueueShutdown.MH.invokeExact(queue);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long queueSize(long queue) {
    try {
      return (long) QueueSize.MH.invokeExact(queue);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueIsShutdown(long queue) {
    try {
      return (int) QueueIsShutdown.MH.invokeExact(queue);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueClaim(long queue, int role) {
    try {
      return (int) QueueClaim.MH.invokeExact(queue, role);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public boolean queueIsOneToOne(long queue) {
    try {
      return (int) QueueIsOneToOne.MH.invokeExact(queue) != 0;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueRelease(long queue, int role) {
    try {
      return (int) QueueRelease.MH.invokeExact(queue, role);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueIsFull(long queue) {
    try {
      return (int) QueueIsFull.MH.invokeExact(queue);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int queueMaxMessage(long queue) {
    try {
      return (int) QueueMaxMessage.MH.invokeExact(queue);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long queueCapacity(long queue) {
    try {
      return (long) QueueCapacity.MH.invokeExact(queue);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long queueMaxCount(long queue) {
    try {
      return (long) QueueMaxCount.MH.invokeExact(queue);
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
              SyncCreate.MH.invokeExact(cString(arena, name), (short) kind, value, flags, out);
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
      int rc = (int) SyncOpen.MH.invokeExact(cString(arena, name), (short) kind, out);
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
      int rc = (int) SyncOpenFd.MH.invokeExact(fd, (short) kind, out);
      handle[0] = out.get(ADDRESS, 0).address();
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int syncClose(long sync) {
    try {
      return (int) SyncClose.MH.invokeExact(sync);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public long syncSegment(long sync) {
    try {
      return (long) SyncSegment.MH.invokeExact(sync);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int syncAcquire(long sync, long timeoutNs) {
    try {
      return (int) SyncAcquire.MH.invokeExact(sync, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int syncTry(long sync) {
    try {
      return (int) SyncTry.MH.invokeExact(sync, 0L);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int syncRelease(long sync) {
    try {
      return (int) SyncRelease.MH.invokeExact(sync);
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
              ConditionWaitBegin.MH.invokeExact(cond, lock, out, out.asSlice(4));
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
      return (int) ConditionWaitSleep.MH.invokeExact(cond, ticket, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int conditionWaitEnd(long cond, long lock, int saved, long timeoutNs) {
    try {
      return (int) ConditionWaitEnd.MH.invokeExact(cond, lock, saved, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int conditionNotify(long cond, long lock, int n) {
    try {
      return (int) ConditionNotify.MH.invokeExact(cond, lock, n);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int eventSet(long event) {
    try {
      return (int) EventSet.MH.invokeExact(event);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int eventClear(long event) {
    try {
      return (int) EventClear.MH.invokeExact(event);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int eventWait(long event, long timeoutNs) {
    try {
      return (int) EventWait.MH.invokeExact(event, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int barrierArrive(long barrier, int[] cycleAndIndex) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT, 2);
      int rc = (int) BarrierArrive.MH.invokeExact(barrier, out, out.asSlice(4));
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
      return (int) BarrierAwait.MH.invokeExact(barrier, cycle, timeoutNs);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int barrierCancel(long barrier, int cycle, int[] tripped) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(JAVA_INT);
      int rc = (int) BarrierCancel.MH.invokeExact(barrier, cycle, out);
      tripped[0] = out.get(JAVA_INT, 0);
      return rc;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int barrierAbort(long barrier) {
    try {
      return (int) BarrierAbort.MH.invokeExact(barrier);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  @Override
  public int barrierReset(long barrier) {
    try {
      return (int) BarrierReset.MH.invokeExact(barrier);
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
