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

  /**
   * A Java view of a segment's whole mapping, for reading and writing plain data without
   * native calls. The view fails cleanly (never crashes the JVM) once closed.
   *
   * @param segment the segment
   * @return a new view; close it before {@link #arrayClose(long)}
   */
  Memory map(long segment);
}
