package org.mproc.internal;

/**
 * The binding to libmproc, one method per C function, with C's names and return conventions:
 * every {@code int} result is 0 or a negative {@code MPROC_E*} code, and results come back
 * through single-element arrays. Handles are native addresses carried as {@code long}.
 *
 * <p>Two implementations exist: {@code FfmNativeApi} (Panama FFM, JDK 22+, in the multi-release
 * part of the jar) and {@link JnaNativeApi} (JNA direct mapping, JDK 17+). {@link Native} picks
 * one once per JVM. Nothing here throws for a native failure; {@link Native} turns codes into
 * exceptions.
 */
public interface NativeApi {
  /** Size in bytes of {@code mproc_object_info_t}. */
  int OBJECT_INFO_BYTES = 96;

  /**
   * The backend's short name.
   *
   * @return {@code "ffm"} or {@code "jna"}
   */
  String name();

  /**
   * {@code mproc_strerror}.
   *
   * @param code an error code
   * @return its description
   */
  String strerror(int code);

  /**
   * {@code mproc_err_name}.
   *
   * @param code an error code
   * @return its symbolic name without the {@code MPROC_} prefix
   */
  String errName(int code);

  /**
   * {@code mproc_name_check}.
   *
   * @param name an object name
   * @return 0 or an error code
   */
  int nameCheck(String name);

  /**
   * {@code mproc_array_create}, or {@code mproc_value_create} when {@code value} is true.
   *
   * @param name the name, or {@code null} for an anonymous object
   * @param value true for a Value (one element, kind VALUE), false for an Array
   * @param type the element type's Python struct code
   * @param count the number of elements (1 for a Value)
   * @param init the initial contents in little-endian order, or {@code null} for zeros
   * @param handle receives the {@code mproc_array_t*}
   * @return 0 or an error code
   */
  int arrayCreate(String name, boolean value, int type, long count, byte[] init, long[] handle);

  /**
   * {@code mproc_array_open}.
   *
   * @param name the name
   * @param kind the expected kind, 0 for Value or Array
   * @param type the expected element type, 0 for any
   * @param handle receives the {@code mproc_array_t*}
   * @return 0 or an error code
   */
  int arrayOpen(String name, int kind, int type, long[] handle);

  /**
   * {@code mproc_array_open_fd}.
   *
   * @param fd a descriptor of the segment, always consumed
   * @param kind the expected kind, 0 for Value or Array
   * @param type the expected element type, 0 for any
   * @param handle receives the {@code mproc_array_t*}
   * @return 0 or an error code
   */
  int arrayOpenFd(int fd, int kind, int type, long[] handle);

  /**
   * {@code mproc_array_close}.
   *
   * @param array the handle
   * @return 0
   */
  int arrayClose(long array);

  /**
   * {@code mproc_array_segment}.
   *
   * @param array the handle
   * @return the {@code mproc_segment_t*}
   */
  long arraySegment(long array);

  /**
   * {@code mproc_segment_base}.
   *
   * @param segment the segment
   * @return the address of its mapping
   */
  long segmentBase(long segment);

  /**
   * {@code mproc_segment_size}.
   *
   * @param segment the segment
   * @return the size of its mapping in bytes
   */
  long segmentSize(long segment);

  /**
   * {@code mproc_segment_fd}.
   *
   * @param segment the segment
   * @return its file descriptor
   */
  int segmentFd(long segment);

  /**
   * {@code mproc_lock_acquire} with a timeout: may block, so never a critical downcall.
   *
   * @param segment the segment
   * @param timeoutNs the timeout in nanoseconds, at least 1
   * @return 0, {@code EOWNERDEAD} (acquired), {@code ETIMEDOUT} or another error code
   */
  int lockAcquire(long segment, long timeoutNs);

  /**
   * {@code mproc_lock_acquire} with {@code MPROC_NO_WAIT}: never blocks.
   *
   * @param segment the segment
   * @return 0, {@code EOWNERDEAD} (acquired), {@code ETIMEDOUT} (held) or another error code
   */
  int lockTry(long segment);

  /**
   * {@code mproc_lock_release}.
   *
   * @param segment the segment
   * @return 0 or {@code ENOTOWNER}
   */
  int lockRelease(long segment);

  /**
   * {@code mproc_lock_owner_word}.
   *
   * @param segment the segment
   * @return the lock word meaning "held through this handle"
   */
  int lockOwnerWord(long segment);

  /**
   * {@code mproc_wait32}: may block.
   *
   * @param address the address of a 4-byte aligned word in a shared mapping
   * @param expected the value to sleep on
   * @param timeoutNs the timeout, or -1 for none
   * @return 0, {@code ETIMEDOUT}, {@code EINTR} or another error code
   */
  int wait32(long address, int expected, long timeoutNs);

  /**
   * {@code mproc_wake32}.
   *
   * @param address the address of the word
   * @param count how many sleepers to wake at most, at least 1
   * @return 0 or an error code
   */
  int wake32(long address, int count);

  /**
   * {@code mproc_process_barrier}: a full memory barrier on every running thread of this
   * process, for asymmetric protocols whose hot side orders its accesses for the compiler only.
   *
   * @return 0; {@code ENOSYS} where the kernel lacks it; another error code if the call
   *     failed otherwise
   */
  int processBarrier();

  /**
   * {@code mproc_unlink}.
   *
   * @param name the name
   * @return 0 or an error code
   */
  int unlink(String name);

  /**
   * {@code mproc_stat}.
   *
   * @param name the name
   * @param info receives the {@code mproc_object_info_t}, {@link #OBJECT_INFO_BYTES} bytes
   * @return 0 or an error code
   */
  int stat(String name, byte[] info);

  /**
   * {@code mproc_gc}.
   *
   * @param removed receives the number of objects removed
   * @return 0 or an error code
   */
  int gc(int[] removed);

  /** Size in bytes of {@code mproc_handed_t}. */
  int HANDED_BYTES = 40;

  /**
   * {@code mproc_spawnv}.
   *
   * @param path the program
   * @param argv its arguments, argv[0] included
   * @param envp the environment as {@code NAME=value}, or {@code null} to inherit
   * @param fds descriptors handed to the child at 4, 5, ...
   * @param stdin the child's fd 0, or -1 to inherit
   * @param stdout the child's fd 1, or -1 to inherit
   * @param stderr the child's fd 2, or -1 to inherit
   * @param child receives the {@code mproc_child_t*}
   * @return 0 or an error code
   */
  int spawn(
      String path,
      String[] argv,
      String[] envp,
      int[] fds,
      int stdin,
      int stdout,
      int stderr,
      long[] child);

  /**
   * {@code mproc_fd_open}.
   *
   * @param path the file
   * @param mode 0 read, 1 write (truncate), 2 append
   * @param fd receives the descriptor, owned by the caller
   * @return 0 or an error code
   */
  int fdOpen(String path, int mode, int[] fd);

  /**
   * {@code mproc_conn_pair}.
   *
   * @param duplex a socketpair (true) or a pipe (false: fds[0] reads, fds[1] writes)
   * @param fds receives the two descriptors
   * @return 0 or an error code
   */
  int connPair(boolean duplex, int[] fds);

  /**
   * {@code mproc_conn_send}: may block.
   *
   * @param fd the connection
   * @param buf the bytes
   * @param off the first byte
   * @param len how many
   * @return 0 or an error code
   */
  int connSend(int fd, byte[] buf, int off, int len);

  /**
   * {@code mproc_conn_recv}: may block.
   *
   * @param fd the connection
   * @param maxLength the longest message accepted
   * @param timeoutNs how long to wait for a message to begin, or -1
   * @param into where to put the message if it fits, or {@code null}
   * @param message receives at index 0 the array holding the message: {@code into} when it
   *     fits, else a new array of exactly the message's length
   * @return the message's length, or an error code
   */
  int connRecv(int fd, long maxLength, long timeoutNs, byte[] into, byte[][] message);

  /**
   * {@code mproc_conn_poll}: may block.
   *
   * @param fd the connection
   * @param timeoutNs how long to wait, or -1
   * @return 0 when readable (or at end of stream), {@code ETIMEDOUT} otherwise
   */
  int connPoll(int fd, long timeoutNs);

  /**
   * {@code mproc_conn_send_handle}.
   *
   * @param fd the connection (a Unix socket)
   * @param handle the descriptor to pass; stays open here
   * @return 0 or an error code
   */
  int connSendHandle(int fd, int handle);

  /**
   * {@code mproc_conn_recv_handle}: may block.
   *
   * @param fd the connection
   * @param timeoutNs how long to wait, or -1
   * @param handle receives the new descriptor, owned by the caller
   * @return 0 or an error code
   */
  int connRecvHandle(int fd, long timeoutNs, int[] handle);

  /**
   * {@code mproc_wait_any}: may block.
   *
   * @param fds the descriptors
   * @param timeoutNs how long to wait, or -1
   * @param ready receives 1 for each ready descriptor
   * @return how many are ready, or an error code
   */
  int waitAny(int[] fds, long timeoutNs, byte[] ready);

  /**
   * {@code mproc_listen}.
   *
   * @param address {@code "unix:PATH"} or {@code "tcp:HOST:PORT"}
   * @param backlog the listen backlog
   * @param fd receives the listening descriptor
   * @return 0 or an error code
   */
  int listen(String address, int backlog, int[] fd);

  /**
   * {@code mproc_listener_address}.
   *
   * @param fd the listener
   * @param address receives the address at index 0
   * @return 0 or an error code
   */
  int listenerAddress(int fd, String[] address);

  /**
   * {@code mproc_listener_close}.
   *
   * @param fd the listener
   * @return 0 or an error code
   */
  int listenerClose(int fd);

  /**
   * {@code mproc_accept}: may block.
   *
   * @param listenFd the listener
   * @param timeoutNs how long to wait, or -1
   * @param fd receives the connection
   * @return 0 or an error code
   */
  int accept(int listenFd, long timeoutNs, int[] fd);

  /**
   * {@code mproc_connect}: may block.
   *
   * @param address {@code "unix:PATH"} or {@code "tcp:HOST:PORT"}
   * @param timeoutNs how long to wait, or -1
   * @param fd receives the connection
   * @return 0 or an error code
   */
  int connect(String address, long timeoutNs, int[] fd);

  /**
   * {@code mproc_auth_server} or {@code mproc_auth_client}: may block.
   *
   * @param fd the connection
   * @param key the authkey
   * @param timeoutNs the deadline for the whole handshake, or -1
   * @param server true for the listener's side
   * @return 0 or an error code
   */
  int auth(int fd, byte[] key, long timeoutNs, boolean server);

  /**
   * {@code mproc_fd_close}.
   *
   * @param fd a descriptor
   * @return 0 or an error code
   */
  int fdClose(int fd);

  /**
   * {@code mproc_child_pid}.
   *
   * @param child the child
   * @return its process id
   */
  int childPid(long child);

  /**
   * {@code mproc_child_channel}.
   *
   * @param child the child
   * @return the parent's end of the bootstrap channel
   */
  int childChannel(long child);

  /**
   * {@code mproc_child_sentinel}.
   *
   * @param child the child
   * @return a descriptor readable once the child exits, or an error code
   */
  int childSentinel(long child);

  /**
   * {@code mproc_child_send_manifest}.
   *
   * @param child the child
   * @param flags manifest flags
   * @param kinds the handed objects' kinds
   * @param codes their element codes
   * @param names their names or labels
   * @param payload the opaque payload
   * @return 0 or an error code
   */
  int childSendManifest(
      long child, int flags, short[] kinds, byte[] codes, String[] names, byte[] payload);

  /**
   * {@code mproc_manifest_file}.
   *
   * @param firstFd the descriptor number of the first handed object in the child
   * @param flags manifest flags
   * @param kinds the handed objects' kinds
   * @param codes their element codes
   * @param names their names or labels
   * @param payload the opaque payload
   * @param fd receives the new file's descriptor, owned by the caller
   * @return 0 or an error code
   */
  int manifestFile(
      int firstFd,
      int flags,
      short[] kinds,
      byte[] codes,
      String[] names,
      byte[] payload,
      int[] fd);

  /**
   * {@code mproc_child_wait}: may block.
   *
   * @param child the child
   * @param timeoutNs the timeout, or -1
   * @param exitCode receives Python's exit code
   * @return 0, {@code ETIMEDOUT} or an error code
   */
  int childWait(long child, long timeoutNs, int[] exitCode);

  /**
   * {@code mproc_child_signal}.
   *
   * @param child the child
   * @param signal the signal number
   * @return 0 or an error code
   */
  int childSignal(long child, int signal);

  /**
   * {@code mproc_child_free}.
   *
   * @param child the child
   * @return 0
   */
  int childFree(long child);

  /**
   * {@code mproc_channel_send}: may block while the socket is full.
   *
   * @param fd the channel
   * @param message the bytes
   * @param fds descriptors to attach, possibly empty
   * @return 0 or an error code
   */
  int channelSend(int fd, byte[] message, int[] fds);

  /**
   * {@code mproc_channel_recv}: may block.
   *
   * @param fd the channel
   * @param timeoutNs the timeout, or -1
   * @param message receives the message at index 0
   * @param fds receives descriptors (its length is the most taken)
   * @param nfds receives the number of descriptors
   * @return 0, {@code ETIMEDOUT}, {@code EEOF} or an error code
   */
  int channelRecv(int fd, long timeoutNs, byte[][] message, int[] fds, int[] nfds);

  /**
   * {@code mproc_lifeline_wait}: may block.
   *
   * @param fd the channel
   * @param timeoutNs the timeout, or -1
   * @return 0 when the peer closed, {@code ETIMEDOUT} otherwise
   */
  int lifelineWait(int fd, long timeoutNs);

  /**
   * {@code mproc_child_init}: may block.
   *
   * @param timeoutNs how long to wait for the manifest
   * @param handoff receives the {@code mproc_handoff_t*}
   * @return 0 or an error code
   */
  int childInit(long timeoutNs, long[] handoff);

  /**
   * {@code mproc_child_read_manifest}: may block. One call and one native signature for all of
   * a child JVM's start-up, which parses the manifest (documented in mproc.h) itself.
   *
   * @param timeoutNs how long to wait for the manifest
   * @param manifest receives the raw manifest at index 0
   * @return 0 or an error code
   */
  int childReadManifest(long timeoutNs, byte[][] manifest);

  /**
   * {@code mproc_handoff_count}.
   *
   * @param handoff the handoff
   * @return the number of handed objects
   */
  int handoffCount(long handoff);

  /**
   * {@code mproc_handoff_get}.
   *
   * @param handoff the handoff
   * @param index the entry
   * @param entry receives the {@code mproc_handed_t}, {@link #HANDED_BYTES} bytes
   * @return 0 or an error code
   */
  int handoffGet(long handoff, int index, byte[] entry);

  /**
   * {@code mproc_handoff_flags}.
   *
   * @param handoff the handoff
   * @return the manifest's flags
   */
  int handoffFlags(long handoff);

  /**
   * {@code mproc_handoff_payload}, copied.
   *
   * @param handoff the handoff
   * @return the payload
   */
  byte[] handoffPayload(long handoff);

  /**
   * {@code mproc_handoff_free}.
   *
   * @param handoff the handoff
   */
  void handoffFree(long handoff);

  // ---- synchronization primitives (sync.c) ----

  /**
   * {@code mproc_sync_create}.
   *
   * @param name the name, or {@code null} for an anonymous object
   * @param kind the kind code (5 lock, 6 semaphore, 7 rlock, 8 condition, 9 event, 10 barrier)
   * @param value a semaphore's initial value or a barrier's parties, else 0
   * @param flags {@code MPROC_SEM_BOUNDED} (1) or 0
   * @param handle receives the {@code mproc_sync_t*}
   * @return 0 or an error code
   */
  int syncCreate(String name, int kind, int value, int flags, long[] handle);

  /**
   * {@code mproc_sync_open}.
   *
   * @param name the name
   * @param kind the expected kind, 0 for any synchronization kind
   * @param handle receives the {@code mproc_sync_t*}
   * @return 0 or an error code
   */
  int syncOpen(String name, int kind, long[] handle);

  /**
   * {@code mproc_sync_open_fd}.
   *
   * @param fd a descriptor of the segment, always consumed
   * @param kind the expected kind, 0 for any
   * @param handle receives the {@code mproc_sync_t*}
   * @return 0 or an error code
   */
  int syncOpenFd(int fd, int kind, long[] handle);

  /**
   * {@code mproc_sync_close}.
   *
   * @param sync the handle
   * @return 0
   */
  int syncClose(long sync);

  /**
   * {@code mproc_sync_segment}.
   *
   * @param sync the handle
   * @return the {@code mproc_segment_t*}
   */
  long syncSegment(long sync);

  /**
   * {@code mproc_sync_acquire} with a timeout: may block.
   *
   * @param sync a Lock, RLock or Semaphore
   * @param timeoutNs the timeout, at least 1
   * @return 0, {@code EOWNERDEAD}, {@code ETIMEDOUT} or another error code
   */
  int syncAcquire(long sync, long timeoutNs);

  /**
   * {@code mproc_sync_acquire} with {@code MPROC_NO_WAIT}: never blocks.
   *
   * @param sync a Lock, RLock or Semaphore
   * @return 0, {@code EOWNERDEAD}, {@code ETIMEDOUT} or another error code
   */
  int syncTry(long sync);

  /**
   * {@code mproc_sync_release}: never blocks.
   *
   * @param sync a Lock, RLock or Semaphore
   * @return 0, {@code ENOTHELD}, {@code ENOTOWNER} or another error code
   */
  int syncRelease(long sync);

  /**
   * {@code mproc_condition_wait_begin}.
   *
   * @param cond the condition
   * @param lock its lock
   * @param ticketAndSaved receives the ticket at 0 and the saved recursion count at 1
   * @return 0 or an error code
   */
  int conditionWaitBegin(long cond, long lock, int[] ticketAndSaved);

  /**
   * {@code mproc_condition_wait_sleep}: may block.
   *
   * @param cond the condition
   * @param ticket from {@link #conditionWaitBegin}
   * @param timeoutNs the timeout
   * @return 0 (notified) or {@code ETIMEDOUT}
   */
  int conditionWaitSleep(long cond, int ticket, long timeoutNs);

  /**
   * {@code mproc_condition_wait_end}: may block.
   *
   * @param cond the condition
   * @param lock its lock
   * @param saved the saved recursion count
   * @param timeoutNs the timeout
   * @return 0, {@code EOWNERDEAD} or {@code ETIMEDOUT}
   */
  int conditionWaitEnd(long cond, long lock, int saved, long timeoutNs);

  /**
   * {@code mproc_condition_notify}: never blocks.
   *
   * @param cond the condition
   * @param lock its lock, held
   * @param n how many to wake
   * @return 0 or an error code
   */
  int conditionNotify(long cond, long lock, int n);

  /**
   * {@code mproc_event_set}: never blocks.
   *
   * @param event the event
   * @return 0 or an error code
   */
  int eventSet(long event);

  /**
   * {@code mproc_event_clear}: never blocks.
   *
   * @param event the event
   * @return 0 or an error code
   */
  int eventClear(long event);

  /**
   * {@code mproc_event_wait}: may block.
   *
   * @param event the event
   * @param timeoutNs the timeout
   * @return 0 (set) or {@code ETIMEDOUT}
   */
  int eventWait(long event, long timeoutNs);

  /**
   * {@code mproc_barrier_arrive}.
   *
   * @param barrier the barrier
   * @param cycleAndIndex receives the cycle at 0 and the arrival index at 1
   * @return 0, {@code EBROKEN} or an error code
   */
  int barrierArrive(long barrier, int[] cycleAndIndex);

  /**
   * {@code mproc_barrier_await}: may block.
   *
   * @param barrier the barrier
   * @param cycle from {@link #barrierArrive}
   * @param timeoutNs the timeout
   * @return 0, {@code EBROKEN} or {@code ETIMEDOUT}
   */
  int barrierAwait(long barrier, int cycle, long timeoutNs);

  /**
   * {@code mproc_barrier_cancel}.
   *
   * @param barrier the barrier
   * @param cycle the cycle given up
   * @param tripped receives 1 if the cycle had tripped meanwhile
   * @return 0 or {@code EBROKEN}
   */
  int barrierCancel(long barrier, int cycle, int[] tripped);

  /**
   * {@code mproc_barrier_abort}.
   *
   * @param barrier the barrier
   * @return 0 or an error code
   */
  int barrierAbort(long barrier);

  /**
   * {@code mproc_barrier_reset}.
   *
   * @param barrier the barrier
   * @return 0 or an error code
   */
  int barrierReset(long barrier);

  /**
   * {@code mproc_queue_create}.
   *
   * @param name the name, or {@code null}
   * @param capacity ring bytes, 0 for the default
   * @param maxMessage largest message, 0 for the default
   * @param maxCount most queued messages, 0 for no limit
   * @param joinable whether to count unfinished tasks
   * @param oneToOne whether the queue is one-to-one (one producer and one consumer handle)
   * @param queue receives the {@code mproc_queue_t*}
   * @return 0 or an error code
   */
  int queueCreate(String name, long capacity, int maxMessage, long maxCount, boolean joinable,
      boolean oneToOne, long[] queue);

  /**
   * {@code mproc_queue_claim}: takes a role of a one-to-one queue for the handle.
   *
   * @param queue the handle
   * @param role 1 producer, 2 consumer
   * @return 0, {@code EROLE} when another live handle holds it, or another error code
   */
  int queueClaim(long queue, int role);

  /**
   * {@code mproc_queue_is_one_to_one}.
   *
   * @param queue the handle
   * @return true when the queue was created one-to-one
   */
  boolean queueIsOneToOne(long queue);

  /**
   * {@code mproc_queue_release}: gives a role of a one-to-one queue back.
   *
   * @param queue the handle
   * @param role 1 producer, 2 consumer
   * @return 0 or an error code ({@code ENOTOWNER} when the handle does not hold it)
   */
  int queueRelease(long queue, int role);

  /**
   * {@code mproc_queue_task_done}.
   *
   * @param queue the handle
   * @return 0 or an error code
   */
  int queueTaskDone(long queue);

  /**
   * {@code mproc_queue_join}: may block.
   *
   * @param queue the handle
   * @param timeoutNs the timeout, or -1
   * @return 0, {@code ETIMEDOUT} or an error code
   */
  int queueJoin(long queue, long timeoutNs);

  /**
   * {@code mproc_queue_unfinished}.
   *
   * @param queue the handle
   * @return items not yet marked done
   */
  long queueUnfinished(long queue);

  /**
   * {@code mproc_queue_open}.
   *
   * @param name the name
   * @param queue receives the handle
   * @return 0 or an error code
   */
  int queueOpen(String name, long[] queue);

  /**
   * {@code mproc_queue_open_fd}.
   *
   * @param fd a handed descriptor, consumed
   * @param queue receives the handle
   * @return 0 or an error code
   */
  int queueOpenFd(int fd, long[] queue);

  /**
   * {@code mproc_queue_close}.
   *
   * @param queue the handle
   * @return 0
   */
  int queueClose(long queue);

  /**
   * {@code mproc_queue_segment}.
   *
   * @param queue the handle
   * @return the {@code mproc_segment_t*}
   */
  long queueSegment(long queue);

  /**
   * {@code mproc_queue_put} with a timeout: 0 never blocks (a critical downcall on FFM, the array
   * passed in place), otherwise it may block.
   *
   * @param queue the handle
   * @param buf the message bytes
   * @param off where the message starts in {@code buf}
   * @param len its length
   * @param timeoutNs 0, a timeout, or -1
   * @return 0 or an error code
   */
  int queuePut(long queue, byte[] buf, int off, int len, long timeoutNs);

  /**
   * {@code mproc_queue_get} (or {@code mproc_queue_peek}) with a timeout, as {@link #queuePut}.
   *
   * @param queue the handle
   * @param buf receives the message; its length is the capacity passed
   * @param len receives the message's length (also on {@code ETOOSMALL})
   * @param timeoutNs 0, a timeout, or -1
   * @param remove false to peek
   * @return 0 or an error code
   */
  int queueGet(long queue, byte[] buf, int[] len, long timeoutNs, boolean remove);

  /**
   * {@code mproc_queue_recv}: like {@link #queueGet}, but the length is the result.
   *
   * @param queue the handle
   * @param buf receives the message; its length is the capacity passed
   * @param timeoutNs 0 (never blocks; a critical downcall on FFM), a timeout, or -1
   * @param remove false to peek
   * @return the message's length, or a negative error code
   */
  int queueRecv(long queue, byte[] buf, long timeoutNs, boolean remove);

  /**
   * {@code mproc_queue_shutdown}.
   *
   * @param queue the handle
   * @return 0
   */
  int queueShutdown(long queue);

  /**
   * {@code mproc_queue_size}.
   *
   * @param queue the handle
   * @return messages queued
   */
  long queueSize(long queue);

  /**
   * {@code mproc_queue_is_shutdown}.
   *
   * @param queue the handle
   * @return 1 if shut down
   */
  int queueIsShutdown(long queue);

  /**
   * {@code mproc_queue_is_full}.
   *
   * @param queue the handle
   * @return 1 if full
   */
  int queueIsFull(long queue);

  /**
   * {@code mproc_queue_max_message}.
   *
   * @param queue the handle
   * @return the largest message
   */
  int queueMaxMessage(long queue);

  /**
   * {@code mproc_queue_capacity}.
   *
   * @param queue the handle
   * @return ring bytes
   */
  long queueCapacity(long queue);

  /**
   * {@code mproc_queue_max_count}.
   *
   * @param queue the handle
   * @return the count limit, 0 for none
   */
  long queueMaxCount(long queue);

  /**
   * A Java view of a segment's whole mapping, for reading and writing plain data without
   * native calls. The view fails cleanly (never crashes the JVM) once closed.
   *
   * @param segment the segment
   * @return a new view; close it before {@link #arrayClose(long)}
   */
  Memory map(long segment);
}
