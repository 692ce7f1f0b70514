package org.mproc;

import java.util.HashMap;
import java.util.Map;

/**
 * The error codes of libmproc, mirroring the {@code MPROC_ERRNO_MAP} table of {@code mproc.h}
 * name for name and value for value (a test checks that the two agree). Codes that mirror an
 * errno carry the Linux errno value, negated; the library's own codes are -3000 and below.
 */
public enum ErrorCode {
  /** Operation not permitted. */
  EPERM(-1, "operation not permitted"),
  /** No such object. */
  ENOENT(-2, "no such object"),
  /** Interrupted system call. */
  EINTR(-4, "interrupted system call"),
  /** I/O error. */
  EIO(-5, "i/o error"),
  /** Bad file descriptor. */
  EBADF(-9, "bad file descriptor"),
  /** Resource temporarily unavailable. */
  EAGAIN(-11, "resource temporarily unavailable"),
  /** Out of memory. */
  ENOMEM(-12, "out of memory"),
  /** Permission denied. */
  EACCES(-13, "permission denied"),
  /** Object already exists. */
  EEXIST(-17, "object already exists"),
  /** Invalid argument. */
  EINVAL(-22, "invalid argument"),
  /** Too many open files. */
  EMFILE(-24, "too many open files"),
  /** No space left on device. */
  ENOSPC(-28, "no space left on device"),
  /** Name too long. */
  ENAMETOOLONG(-36, "name too long"),
  /** Function not implemented. */
  ENOSYS(-38, "function not implemented"),
  /** Timed out. */
  ETIMEDOUT(-110, "timed out"),
  /** Lock already held through this handle. */
  EDEADLK(-35, "lock already held through this handle"),
  /** Previous owner died. */
  EOWNERDEAD(-130, "previous owner died"),
  /** Invalid object name. */
  EBADNAME(-3001, "invalid object name"),
  /** Not an mproc object (bad magic). */
  EBADMAGIC(-3002, "not an mproc object (bad magic)"),
  /** Unsupported layout version. */
  EVERSION(-3003, "unsupported layout version"),
  /** Object is of another kind. */
  EKIND(-3004, "object is of another kind"),
  /** Object has another element type. */
  ETYPE(-3005, "object has another element type"),
  /** Object is truncated. */
  ETRUNCATED(-3006, "object is truncated"),
  /** Object header is corrupted. */
  ECORRUPT(-3007, "object header is corrupted"),
  /** Object was never initialised by its creator. */
  ENOTREADY(-3008, "object was never initialised by its creator"),
  /** Object is closed. */
  ECLOSED(-3009, "object is closed"),
  /** Index or size out of bounds. */
  EBOUNDS(-3010, "index or size out of bounds"),
  /** No free participant slot. */
  ENOSLOT(-3011, "no free participant slot"),
  /** Lock is not held by the caller. */
  ENOTOWNER(-3012, "lock is not held by the caller");

  private static final Map<Integer, ErrorCode> BY_CODE = new HashMap<>();

  static {
    for (ErrorCode e : values()) {
      BY_CODE.put(e.code, e);
    }
  }

  private final int code;
  private final String message;

  ErrorCode(int code, String message) {
    this.code = code;
    this.message = message;
  }

  /**
   * The negative code libmproc returns.
   *
   * @return the code, always negative
   */
  public int code() {
    return code;
  }

  /**
   * The library's English description of the code, as {@code mproc_strerror} gives it.
   *
   * @return the description
   */
  public String message() {
    return message;
  }

  /**
   * Looks a code up.
   *
   * @param code a negative code returned by libmproc
   * @return the matching constant, or {@code null} for a code outside the table (an errno the
   *     table does not name)
   */
  public static ErrorCode of(int code) {
    return BY_CODE.get(code);
  }
}
