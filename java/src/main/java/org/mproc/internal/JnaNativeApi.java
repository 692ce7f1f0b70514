package org.mproc.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The JNA backend (JDK 17+): direct mapping ({@code Native.register}), the fastest JNA mode.
 *
 * <p>Views of segments are {@link MappedByteBuffer}s of the segment's file, opened through
 * {@code /proc/self/fd}: the JDK unmaps such a buffer only when it becomes unreachable, so a
 * thread that races {@code close()} reads stale memory instead of crashing the JVM.
 */
final class JnaNativeApi implements NativeApi {
  /** The C functions, bound by direct mapping. */
  static final class C {
    static native String mproc_strerror(int err);

    static native String mproc_err_name(int err);

    static native int mproc_name_check(String name);

    static native int mproc_array_create(
        String name, int type, long count, byte[] init, long[] out);

    static native int mproc_value_create(String name, int type, byte[] init, long[] out);

    static native int mproc_array_open(String name, short kind, int type, long[] out);

    static native int mproc_array_open_fd(int fd, short kind, int type, long[] out);

    static native int mproc_array_close(long array);

    static native long mproc_array_segment(long array);

    static native long mproc_segment_base(long segment);

    static native long mproc_segment_size(long segment);

    static native int mproc_segment_fd(long segment);

    static native int mproc_lock_acquire(long segment, long timeoutNs);

    static native int mproc_lock_release(long segment);

    static native int mproc_lock_owner_word(long segment);

    static native int mproc_wait32(long address, int expected, long timeoutNs);

    static native int mproc_wake32(long address, int n, long woken);

    static native int mproc_process_barrier();

    static native int mproc_unlink(String name);

    static native int mproc_stat(String name, byte[] info);

    static native int mproc_gc(int[] removed);

    static native int mproc_spawnv(
        String path,
        Pointer argv,
        Pointer envp,
        int[] fds,
        int nfds,
        int stdin,
        int stdout,
        int stderr,
        long[] out);

    static native int mproc_fd_close(int fd);

    static native int mproc_conn_pair(int duplex, int[] a, int[] b);

    static native int mproc_conn_send(int fd, byte[] buf, long len);

    static native int mproc_conn_recv(int fd, long max, long timeoutNs, long[] buf, long[] len);

    static native int mproc_conn_poll(int fd, long timeoutNs);

    static native int mproc_fd_open(String path, int mode, int[] fd);

    static native int mproc_conn_send_handle(int fd, int handle);

    static native int mproc_conn_recv_handle(int fd, long timeoutNs, int[] handle);

    static native int mproc_wait_any(int[] fds, int n, long timeoutNs, byte[] ready);

    static native int mproc_listen(byte[] address, int backlog, int[] fd);

    static native int mproc_listener_address(int fd, byte[] buf, long len);

    static native int mproc_listener_close(int fd);

    static native int mproc_accept(int listenFd, long timeoutNs, int[] fd);

    static native int mproc_connect(byte[] address, long timeoutNs, int[] fd);

    static native int mproc_auth_server(int fd, byte[] key, long keylen, long timeoutNs);

    static native int mproc_auth_client(int fd, byte[] key, long keylen, long timeoutNs);

    static native int mproc_child_sentinel(long child);

    static native int mproc_child_pid(long child);

    static native int mproc_child_channel(long child);

    static native int mproc_child_send_manifest(
        long child,
        int flags,
        int count,
        short[] kinds,
        byte[] codes,
        Pointer names,
        byte[] payload,
        int payloadLen);

    static native int mproc_child_wait(long child, long timeoutNs, int[] exitCode);

    static native int mproc_manifest_file(
        int firstFd,
        int flags,
        int count,
        short[] kinds,
        byte[] codes,
        Pointer names,
        byte[] payload,
        int payloadLen,
        int[] fd);

    static native int mproc_child_signal(long child, int sig);

    static native int mproc_child_free(long child);

    static native int mproc_channel_send(int fd, byte[] buf, int len, int[] fds, int nfds);

    static native int mproc_channel_recv(
        int fd, long timeoutNs, long[] buf, int[] len, int[] fds, int maxfds, int[] nfds);

    static native void mproc_free(long p);

    static native int mproc_lifeline_wait(int fd, long timeoutNs);

    static native int mproc_child_init(long timeoutNs, long[] out);

    static native int mproc_child_read_manifest(long timeoutNs, long[] buf, int[] len);

    static native int mproc_handoff_count(long h);

    static native int mproc_handoff_get(long h, int index, byte[] out);

    static native int mproc_handoff_flags(long h);

    static native long mproc_handoff_payload(long h, int[] len);

    static native void mproc_handoff_free(long h);

    static native int mproc_queue_create(String name, long[] spec, long[] out);

    static native int mproc_queue_open(String name, long[] out);

    static native int mproc_queue_open_fd(int fd, long[] out);

    static native int mproc_queue_close(long q);

    static native long mproc_queue_segment(long q);

    static native int mproc_queue_put(long q, Pointer buf, int len, long timeoutNs);

    static native int mproc_queue_get(long q, Pointer buf, int cap, int[] len, long timeoutNs);

    static native int mproc_queue_peek(long q, Pointer buf, int cap, int[] len, long timeoutNs);

    static native int mproc_queue_recv(long q, Pointer buf, int cap, long timeoutNs, int remove);

    static native int mproc_queue_shutdown(long q);

    static native long mproc_queue_size(long q);

    static native int mproc_queue_is_shutdown(long q);

    static native int mproc_queue_is_full(long q);

    static native int mproc_queue_claim(long q, int role);

    static native int mproc_queue_release(long q, int role);

    static native int mproc_queue_is_one_to_one(long q);

    static native int mproc_queue_max_message(long q);

    static native long mproc_queue_capacity(long q);

    static native long mproc_queue_max_count(long q);

    static native int mproc_queue_task_done(long q);

    static native int mproc_queue_join(long q, long timeoutNs);

    static native long mproc_queue_unfinished(long q);
    static native int mproc_sync_create(String name, short kind, int value, int flags, long[] out);

    static native int mproc_sync_open(String name, short kind, long[] out);

    static native int mproc_sync_open_fd(int fd, short kind, long[] out);

    static native int mproc_sync_close(long s);

    static native long mproc_sync_segment(long s);

    static native int mproc_sync_acquire(long s, long timeoutNs);

    static native int mproc_sync_release(long s);

    static native int mproc_condition_wait_begin(long c, long l, int[] ticket, int[] saved);

    static native int mproc_condition_wait_sleep(long c, int ticket, long timeoutNs);

    static native int mproc_condition_wait_end(long c, long l, int saved, long timeoutNs);

    static native int mproc_condition_notify(long c, long l, int n);

    static native int mproc_event_set(long e);

    static native int mproc_event_clear(long e);

    static native int mproc_event_wait(long e, long timeoutNs);

    static native int mproc_barrier_arrive(long b, int[] cycle, int[] index);

    static native int mproc_barrier_await(long b, int cycle, long timeoutNs);

    static native int mproc_barrier_cancel(long b, int cycle, int[] tripped);

    static native int mproc_barrier_abort(long b);

    static native int mproc_barrier_reset(long b);

    private C() {}
  }

  JnaNativeApi(Path library) {
    Native.register(C.class, NativeLibrary.getInstance(library.toString()));
  }

  @Override
  public String name() {
    return "jna";
  }

  @Override
  public String strerror(int code) {
    return C.mproc_strerror(code);
  }

  @Override
  public String errName(int code) {
    return C.mproc_err_name(code);
  }

  @Override
  public int nameCheck(String name) {
    org.mproc.internal.Native.cstr(name);
    return C.mproc_name_check(name);
  }

  @Override
  public int arrayCreate(
      String name, boolean value, int type, long count, byte[] init, long[] handle) {
    org.mproc.internal.Native.cstr(name);
    return value
        ? C.mproc_value_create(name, type, init, handle)
        : C.mproc_array_create(name, type, count, init, handle);
  }

  @Override
  public int arrayOpen(String name, int kind, int type, long[] handle) {
    org.mproc.internal.Native.cstr(name);
    return C.mproc_array_open(name, (short) kind, type, handle);
  }

  @Override
  public int arrayOpenFd(int fd, int kind, int type, long[] handle) {
    return C.mproc_array_open_fd(fd, (short) kind, type, handle);
  }

  @Override
  public int arrayClose(long array) {
    return C.mproc_array_close(array);
  }

  @Override
  public long arraySegment(long array) {
    return C.mproc_array_segment(array);
  }

  @Override
  public long segmentBase(long segment) {
    return C.mproc_segment_base(segment);
  }

  @Override
  public long segmentSize(long segment) {
    return C.mproc_segment_size(segment);
  }

  @Override
  public int segmentFd(long segment) {
    return C.mproc_segment_fd(segment);
  }

  @Override
  public int lockAcquire(long segment, long timeoutNs) {
    return C.mproc_lock_acquire(segment, timeoutNs);
  }

  @Override
  public int lockTry(long segment) {
    return C.mproc_lock_acquire(segment, 0);
  }

  @Override
  public int lockRelease(long segment) {
    return C.mproc_lock_release(segment);
  }

  @Override
  public int lockOwnerWord(long segment) {
    return C.mproc_lock_owner_word(segment);
  }

  @Override
  public int wait32(long address, int expected, long timeoutNs) {
    return C.mproc_wait32(address, expected, timeoutNs);
  }

  @Override
  public int wake32(long address, int count) {
    return C.mproc_wake32(address, count, 0L);
  }

  @Override
  public int processBarrier() {
    return C.mproc_process_barrier();
  }

  @Override
  public int unlink(String name) {
    org.mproc.internal.Native.cstr(name);
    return C.mproc_unlink(name);
  }

  @Override
  public int stat(String name, byte[] info) {
    org.mproc.internal.Native.cstr(name);
    return C.mproc_stat(name, info);
  }

  @Override
  public int gc(int[] removed) {
    return C.mproc_gc(removed);
  }

  private static StringArray strings(String[] a) {
    return a == null ? null : new StringArray(a, "UTF-8");
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
    org.mproc.internal.Native.cstr(path);
    org.mproc.internal.Native.cstrs(argv);
    org.mproc.internal.Native.cstrs(envp);
    return C.mproc_spawnv(
        path, strings(argv), strings(envp), fds, fds.length, stdin, stdout, stderr, child);
  }

  @Override
  public int fdOpen(String path, int mode, int[] fd) {
    org.mproc.internal.Native.cstr(path);
    return C.mproc_fd_open(path, mode, fd);
  }

  @Override
  public int connPair(boolean duplex, int[] fds) {
    int[] a = new int[1];
    int[] b = new int[1];
    int rc = C.mproc_conn_pair(duplex ? 1 : 0, a, b);
    fds[0] = a[0];
    fds[1] = b[0];
    return rc;
  }

  @Override
  public int connSend(int fd, byte[] buf, int off, int len) {
    byte[] msg = off == 0 && len == buf.length ? buf : java.util.Arrays.copyOfRange(buf, off, off + len);
    return C.mproc_conn_send(fd, msg, len);
  }

  @Override
  public int connRecv(int fd, long maxLength, long timeoutNs, byte[] into, byte[][] message) {
    long[] buf = new long[1];
    long[] len = new long[1];
    int rc = C.mproc_conn_recv(fd, maxLength, timeoutNs, buf, len);
    if (rc != 0) {
      return rc;
    }
    int n = (int) len[0];
    Pointer p = new Pointer(buf[0]);
    if (into != null && n <= into.length) {
      p.read(0, into, 0, n);
      message[0] = into;
    } else {
      message[0] = p.getByteArray(0, n);
    }
    C.mproc_free(buf[0]);
    return n;
  }

  @Override
  public int connPoll(int fd, long timeoutNs) {
    return C.mproc_conn_poll(fd, timeoutNs);
  }

  @Override
  public int connSendHandle(int fd, int handle) {
    return C.mproc_conn_send_handle(fd, handle);
  }

  @Override
  public int connRecvHandle(int fd, long timeoutNs, int[] handle) {
    return C.mproc_conn_recv_handle(fd, timeoutNs, handle);
  }

  @Override
  public int waitAny(int[] fds, long timeoutNs, byte[] ready) {
    return C.mproc_wait_any(fds, fds.length, timeoutNs, ready);
  }

  @Override
  public int listen(String address, int backlog, int[] fd) {
    org.mproc.internal.Native.cstr(address);
    return C.mproc_listen(utf8z(address), backlog, fd);
  }

  @Override
  public int listenerAddress(int fd, String[] address) {
    byte[] buf = new byte[256];
    int rc = C.mproc_listener_address(fd, buf, buf.length);
    if (rc == 0) {
      int n = 0;
      while (n < buf.length && buf[n] != 0) {
        n++;
      }
      address[0] = new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
    return rc;
  }

  @Override
  public int listenerClose(int fd) {
    return C.mproc_listener_close(fd);
  }

  @Override
  public int accept(int listenFd, long timeoutNs, int[] fd) {
    return C.mproc_accept(listenFd, timeoutNs, fd);
  }

  @Override
  public int connect(String address, long timeoutNs, int[] fd) {
    org.mproc.internal.Native.cstr(address);
    return C.mproc_connect(utf8z(address), timeoutNs, fd);
  }

  @Override
  public int auth(int fd, byte[] key, long timeoutNs, boolean server) {
    return server
        ? C.mproc_auth_server(fd, key, key.length, timeoutNs)
        : C.mproc_auth_client(fd, key, key.length, timeoutNs);
  }

  /* A NUL-terminated UTF-8 copy: JNA's String mapping uses the platform charset, not UTF-8. */
  private static byte[] utf8z(String s) {
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return java.util.Arrays.copyOf(b, b.length + 1);
  }

  @Override
  public int childSentinel(long child) {
    return C.mproc_child_sentinel(child);
  }

  @Override
  public int fdClose(int fd) {
    return C.mproc_fd_close(fd);
  }

  @Override
  public int childPid(long child) {
    return C.mproc_child_pid(child);
  }

  @Override
  public int childChannel(long child) {
    return C.mproc_child_channel(child);
  }

  @Override
  public int childSendManifest(
      long child, int flags, short[] kinds, byte[] codes, String[] names, byte[] payload) {
    org.mproc.internal.Native.cstrs(names);
    return C.mproc_child_send_manifest(
        child, flags, kinds.length, kinds, codes, strings(names), payload, payload.length);
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
    org.mproc.internal.Native.cstrs(names);
    return C.mproc_manifest_file(
        firstFd, flags, kinds.length, kinds, codes, strings(names), payload, payload.length, fd);
  }

  @Override
  public int childWait(long child, long timeoutNs, int[] exitCode) {
    return C.mproc_child_wait(child, timeoutNs, exitCode);
  }

  @Override
  public int childSignal(long child, int signal) {
    return C.mproc_child_signal(child, signal);
  }

  @Override
  public int childFree(long child) {
    return C.mproc_child_free(child);
  }

  @Override
  public int channelSend(int fd, byte[] message, int[] fds) {
    return C.mproc_channel_send(fd, message, message.length, fds, fds.length);
  }

  @Override
  public int channelRecv(int fd, long timeoutNs, byte[][] message, int[] fds, int[] nfds) {
    long[] buf = new long[1];
    int[] len = new int[1];
    int rc = C.mproc_channel_recv(fd, timeoutNs, buf, len, fds, fds.length, nfds);
    if (rc == 0) {
      message[0] = new Pointer(buf[0]).getByteArray(0, len[0]);
      C.mproc_free(buf[0]);
    }
    return rc;
  }

  @Override
  public int lifelineWait(int fd, long timeoutNs) {
    return C.mproc_lifeline_wait(fd, timeoutNs);
  }

  @Override
  public int childInit(long timeoutNs, long[] handoff) {
    return C.mproc_child_init(timeoutNs, handoff);
  }

  @Override
  public int childReadManifest(long timeoutNs, byte[][] manifest) {
    long[] buf = new long[1];
    int[] len = new int[1];
    int rc = C.mproc_child_read_manifest(timeoutNs, buf, len);
    if (rc == 0) {
      manifest[0] = new Pointer(buf[0]).getByteArray(0, len[0]);
      C.mproc_free(buf[0]);
    }
    return rc;
  }

  @Override
  public int handoffCount(long handoff) {
    return C.mproc_handoff_count(handoff);
  }

  @Override
  public int handoffGet(long handoff, int index, byte[] entry) {
    return C.mproc_handoff_get(handoff, index, entry);
  }

  @Override
  public int handoffFlags(long handoff) {
    return C.mproc_handoff_flags(handoff);
  }

  @Override
  public byte[] handoffPayload(long handoff) {
    int[] len = new int[1];
    long p = C.mproc_handoff_payload(handoff, len);
    return len[0] == 0 ? new byte[0] : new Pointer(p).getByteArray(0, len[0]);
  }

  @Override
  public void handoffFree(long handoff) {
    C.mproc_handoff_free(handoff);
  }

  /*
   * Messages pass through one native buffer per thread: handing JNA a large byte[] would copy
   * the whole array in and out on every call, whatever the message's length.
   */
  private static final ThreadLocal<com.sun.jna.Memory> BUFFERS = new ThreadLocal<>();

  private static com.sun.jna.Memory buffer(int size) {
    com.sun.jna.Memory m = BUFFERS.get();
    if (m == null || m.size() < size) {
      m = new com.sun.jna.Memory(Math.max(size, 256));
      BUFFERS.set(m);
    }
    return m;
  }

  @Override
  public int queueCreate(String name, long capacity, int maxMessage, long maxCount,
      boolean joinable, boolean oneToOne, long[] queue) {
    org.mproc.internal.Native.cstr(name);
    // mproc_queue_spec_t: u64 capacity, u32 max_message (+4 padding), u64 max_count,
    // u32 max_participants, u32 joinable, u32 one_to_one (+4): five 8-byte words, little-endian.
    long[] spec = {capacity, Integer.toUnsignedLong(maxMessage), maxCount,
        joinable ? 1L << 32 : 0, oneToOne ? 1 : 0};
    return C.mproc_queue_create(name, spec, queue);
  }

  @Override
  public int queueTaskDone(long queue) {
    return C.mproc_queue_task_done(queue);
  }

  @Override
  public int queueJoin(long queue, long timeoutNs) {
    return C.mproc_queue_join(queue, timeoutNs);
  }

  @Override
  public long queueUnfinished(long queue) {
    return C.mproc_queue_unfinished(queue);
  }

  @Override
  public int queueOpen(String name, long[] queue) {
    org.mproc.internal.Native.cstr(name);
    return C.mproc_queue_open(name, queue);
  }

  @Override
  public int queueOpenFd(int fd, long[] queue) {
    return C.mproc_queue_open_fd(fd, queue);
  }

  @Override
  public int queueClose(long queue) {
    return C.mproc_queue_close(queue);
  }

  @Override
  public long queueSegment(long queue) {
    return C.mproc_queue_segment(queue);
  }

  @Override
  public int queuePut(long queue, byte[] buf, int off, int len, long timeoutNs) {
    com.sun.jna.Memory m = buffer(len);
    m.write(0, buf, off, len);
    return C.mproc_queue_put(queue, m, len, timeoutNs);
  }

  @Override
  public int queueGet(long queue, byte[] buf, int[] len, long timeoutNs, boolean remove) {
    com.sun.jna.Memory m = buffer(buf.length);
    int rc =
        remove
            ? C.mproc_queue_get(queue, m, buf.length, len, timeoutNs)
            : C.mproc_queue_peek(queue, m, buf.length, len, timeoutNs);
    if (rc == 0) {
      m.read(0, buf, 0, len[0]);
    }
    return rc;
  }

  @Override
  public int queueRecv(long queue, byte[] buf, long timeoutNs, boolean remove) {
    com.sun.jna.Memory m = buffer(buf.length);
    int rc = C.mproc_queue_recv(queue, m, buf.length, timeoutNs, remove ? 1 : 0);
    if (rc > 0) {
      m.read(0, buf, 0, rc);
    }
    return rc;
  }

  @Override
  public int queueShutdown(long queue) {
    return C.mproc_queue_shutdown(queue);
  }

  @Override
  public long queueSize(long queue) {
    return C.mproc_queue_size(queue);
  }

  @Override
  public int queueIsShutdown(long queue) {
    return C.mproc_queue_is_shutdown(queue);
  }

  @Override
  public int queueClaim(long queue, int role) {
    return C.mproc_queue_claim(queue, role);
  }

  @Override
  public boolean queueIsOneToOne(long queue) {
    return C.mproc_queue_is_one_to_one(queue) != 0;
  }

  @Override
  public int queueRelease(long queue, int role) {
    return C.mproc_queue_release(queue, role);
  }

  @Override
  public int queueIsFull(long queue) {
    return C.mproc_queue_is_full(queue);
  }

  @Override
  public int queueMaxMessage(long queue) {
    return C.mproc_queue_max_message(queue);
  }

  @Override
  public long queueCapacity(long queue) {
    return C.mproc_queue_capacity(queue);
  }

  @Override
  public long queueMaxCount(long queue) {
    return C.mproc_queue_max_count(queue);
  }

  @Override
  public int syncCreate(String name, int kind, int value, int flags, long[] handle) {
    org.mproc.internal.Native.cstr(name);
    return C.mproc_sync_create(name, (short) kind, value, flags, handle);
  }

  @Override
  public int syncOpen(String name, int kind, long[] handle) {
    org.mproc.internal.Native.cstr(name);
    return C.mproc_sync_open(name, (short) kind, handle);
  }

  @Override
  public int syncOpenFd(int fd, int kind, long[] handle) {
    return C.mproc_sync_open_fd(fd, (short) kind, handle);
  }

  @Override
  public int syncClose(long sync) {
    return C.mproc_sync_close(sync);
  }

  @Override
  public long syncSegment(long sync) {
    return C.mproc_sync_segment(sync);
  }

  @Override
  public int syncAcquire(long sync, long timeoutNs) {
    return C.mproc_sync_acquire(sync, timeoutNs);
  }

  @Override
  public int syncTry(long sync) {
    return C.mproc_sync_acquire(sync, 0);
  }

  @Override
  public int syncRelease(long sync) {
    return C.mproc_sync_release(sync);
  }

  @Override
  public int conditionWaitBegin(long cond, long lock, int[] ticketAndSaved) {
    int[] ticket = new int[1];
    int[] saved = new int[1];
    int rc = C.mproc_condition_wait_begin(cond, lock, ticket, saved);
    ticketAndSaved[0] = ticket[0];
    ticketAndSaved[1] = saved[0];
    return rc;
  }

  @Override
  public int conditionWaitSleep(long cond, int ticket, long timeoutNs) {
    return C.mproc_condition_wait_sleep(cond, ticket, timeoutNs);
  }

  @Override
  public int conditionWaitEnd(long cond, long lock, int saved, long timeoutNs) {
    return C.mproc_condition_wait_end(cond, lock, saved, timeoutNs);
  }

  @Override
  public int conditionNotify(long cond, long lock, int n) {
    return C.mproc_condition_notify(cond, lock, n);
  }

  @Override
  public int eventSet(long event) {
    return C.mproc_event_set(event);
  }

  @Override
  public int eventClear(long event) {
    return C.mproc_event_clear(event);
  }

  @Override
  public int eventWait(long event, long timeoutNs) {
    return C.mproc_event_wait(event, timeoutNs);
  }

  @Override
  public int barrierArrive(long barrier, int[] cycleAndIndex) {
    int[] cycle = new int[1];
    int[] index = new int[1];
    int rc = C.mproc_barrier_arrive(barrier, cycle, index);
    cycleAndIndex[0] = cycle[0];
    cycleAndIndex[1] = index[0];
    return rc;
  }

  @Override
  public int barrierAwait(long barrier, int cycle, long timeoutNs) {
    return C.mproc_barrier_await(barrier, cycle, timeoutNs);
  }

  @Override
  public int barrierCancel(long barrier, int cycle, int[] tripped) {
    return C.mproc_barrier_cancel(barrier, cycle, tripped);
  }

  @Override
  public int barrierAbort(long barrier) {
    return C.mproc_barrier_abort(barrier);
  }

  @Override
  public int barrierReset(long barrier) {
    return C.mproc_barrier_reset(barrier);
  }

  @Override
  public Memory map(long segment) {
    long size = segmentSize(segment);
    if (size > Integer.MAX_VALUE) {
      throw new UnsupportedOperationException(
          "segments over 2 GiB need the FFM backend (JDK 22+): size=" + size);
    }
    Path fd = Path.of("/proc/self/fd/" + segmentFd(segment));
    try (FileChannel ch =
        FileChannel.open(fd, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
      return new ByteBufferMemory(buf, segmentBase(segment));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot map " + fd, e);
    }
  }
}
