/*
 * mproc: inter-process communication in the style of Python's multiprocessing, for C and Java.
 *
 * This is the one public header of libmproc. It states the whole C API and every shared-memory
 * layout the library writes, so that a C program, a Java program (through the mproc jar) and a
 * Python program (through multiprocessing.shared_memory) can open the same named object.
 *
 * Conventions
 *  - Every function that can fail returns 0 or a negative MPROC_E* code and writes results through
 *    out-parameters. mproc_strerror() and mproc_err_name() describe a code.
 *  - Handles are opaque; a handle is used by one thread at a time unless a function says otherwise.
 *  - Timeouts are in nanoseconds: MPROC_NO_WAIT (0) never blocks, MPROC_FOREVER (-1) never times out.
 *  - All multi-byte fields in shared memory are little-endian (the only byte order supported).
 */
#ifndef MPROC_H
#define MPROC_H

#include <stddef.h>
#include <stdint.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MPROC_EXTERN __attribute__((visibility("default")))
#else
#define MPROC_EXTERN
#endif

/* ---------------------------------------------------------------------------------------------
 * Errors
 *
 * One table. Codes that mirror an errno are that errno negated; the library's own failures use
 * -3000 and below so they never collide with an errno. The Java ErrorCode enum is generated from
 * the same names and values (a test checks that the two agree).
 * ------------------------------------------------------------------------------------------- */
#define MPROC_ERRNO_MAP(XX)                                                                        \
  XX(EPERM, -EPERM, "operation not permitted")                                                     \
  XX(ENOENT, -ENOENT, "no such object")                                                            \
  XX(EINTR, -EINTR, "interrupted system call")                                                     \
  XX(EIO, -EIO, "input/output error")                                                              \
  XX(EBADF, -EBADF, "bad file descriptor")                                                         \
  XX(EAGAIN, -EAGAIN, "resource temporarily unavailable")                                          \
  XX(ENOMEM, -ENOMEM, "out of memory")                                                             \
  XX(EACCES, -EACCES, "permission denied")                                                         \
  XX(EEXIST, -EEXIST, "object already exists")                                                     \
  XX(EINVAL, -EINVAL, "invalid argument")                                                          \
  XX(EMFILE, -EMFILE, "too many open files")                                                       \
  XX(ENOSPC, -ENOSPC, "no space left on device")                                                   \
  XX(ENAMETOOLONG, -ENAMETOOLONG, "name too long")                                                 \
  XX(ENOSYS, -ENOSYS, "function not implemented")                                                  \
  XX(ETIMEDOUT, -ETIMEDOUT, "timed out")                                                           \
  XX(ESRCH, -ESRCH, "no such process")                                                             \
  XX(ECHILD, -ECHILD, "no such child process")                                                     \
  XX(EPIPE, -EPIPE, "broken pipe: the peer closed the channel")                                    \
  XX(ENOEXEC, -ENOEXEC, "exec format error")                                                       \
  XX(EMSGSIZE, -EMSGSIZE, "message too long")                                                      \
  XX(EDEADLK, -EDEADLK, "lock already held through this handle")                                   \
  XX(EOWNERDEAD, -EOWNERDEAD, "previous owner died")                                               \
  XX(EADDRINUSE, -EADDRINUSE, "address already in use")                                            \
  XX(EADDRNOTAVAIL, -EADDRNOTAVAIL, "address not available on this host")                          \
  XX(ECONNREFUSED, -ECONNREFUSED, "connection refused: nothing listens at the address")            \
  XX(ECONNRESET, -ECONNRESET, "connection reset by the peer")                                      \
  XX(ENOTCONN, -ENOTCONN, "socket is not connected")                                               \
  XX(ENOTSOCK, -ENOTSOCK, "descriptor is not a socket")                                            \
  XX(EHOSTUNREACH, -EHOSTUNREACH, "host unreachable")                                              \
  XX(ENETUNREACH, -ENETUNREACH, "network unreachable")                                             \
  XX(EBADNAME, -3001, "invalid object name")                                                       \
  XX(EBADMAGIC, -3002, "not an mproc object (bad magic)")                                          \
  XX(EVERSION, -3003, "unsupported layout version")                                                \
  XX(EKIND, -3004, "object is of another kind")                                                    \
  XX(ETYPE, -3005, "object has another element type")                                              \
  XX(ETRUNCATED, -3006, "object is truncated")                                                     \
  XX(ECORRUPT, -3007, "object header is corrupted")                                                \
  XX(ENOTREADY, -3008, "object was never initialised by its creator")                              \
  XX(ECLOSED, -3009, "object is closed")                                                           \
  XX(EBOUNDS, -3010, "index or size out of bounds")                                                \
  XX(ENOSLOT, -3011, "no free participant slot")                                                   \
  XX(ENOTOWNER, -3012, "lock is not held by the caller")                                           \
  XX(EEOF, -3013, "end of stream: the peer closed the channel")                                    \
  XX(EPROTO, -3014, "malformed message: the peer broke the protocol")                              \
  XX(ETOOSMALL, -3015, "buffer too short for the message (the message is kept)")                   \
  XX(ENOTASK, -3016, "task_done() called more times than items were put")                          \
  XX(EBROKEN, -3017, "barrier is broken: a party timed out, died or aborted it")                   \
  XX(ENOTHELD, -3018, "released more times than acquired")                                         \
  XX(EAUTH, -3019, "authentication failed: the peer does not share the key")                       \
  XX(EBADADDR, -3020, "invalid or unresolvable address")                                        \
  XX(EROLE, -3021, "one-to-one queue: another handle is its producer (or consumer)")

/** Error codes: 0 is success, every failure is negative. */
typedef enum {
  MPROC_OK = 0,
#define MPROC__ERR_ENUM(name, value, msg) MPROC_##name = (value),
  MPROC_ERRNO_MAP(MPROC__ERR_ENUM)
#undef MPROC__ERR_ENUM
} mproc_errno_t;

/** A static English description of an error code; unknown negative codes are described as errnos. */
MPROC_EXTERN const char *mproc_strerror(int err);

/** The symbolic name of an error code without the MPROC_ prefix ("EINVAL"), or "UNKNOWN". */
MPROC_EXTERN const char *mproc_err_name(int err);

/* ---------------------------------------------------------------------------------------------
 * Time
 * ------------------------------------------------------------------------------------------- */
#define MPROC_NO_WAIT ((int64_t)0)
#define MPROC_FOREVER ((int64_t)-1)

/** CLOCK_MONOTONIC in nanoseconds. */
MPROC_EXTERN int64_t mproc_now_ns(void);

/* ---------------------------------------------------------------------------------------------
 * Segment layout (version 2.0)
 *
 * Every mproc object is one shared-memory segment:
 *
 *   +--------------------------+ 0
 *   | header (256 bytes)       |   mproc_header_t below
 *   +--------------------------+ 256
 *   | participant table        |   max_participants x 32 bytes, mproc_participant_t
 *   +--------------------------+ data_offset (multiple of 128)
 *   | body                     |   kind-specific; for Value/Array the elements
 *   +--------------------------+ total_size
 *
 * The creator writes every field with state INIT, then stores state READY with release ordering;
 * an attacher reads state with acquire ordering and refuses an object that never becomes READY.
 * Fields marked "fixed" never change after READY and are covered by header_crc.
 * ------------------------------------------------------------------------------------------- */
#define MPROC_MAGIC "MPROCSHM"        /* 8 bytes, no terminator */
#define MPROC_LAYOUT_MAJOR 3          /* an attacher refuses any other major */
#define MPROC_LAYOUT_MINOR 2          /* an attacher accepts any minor (new fields are appended) */
#define MPROC_HEADER_BYTES 256
#define MPROC_PARTICIPANT_BYTES 32
#define MPROC_ENDIAN_CHECK 0x01020304u
#define MPROC_NAME_MAX 31             /* bytes of a name including the leading '/' */
#define MPROC_MAX_PARTICIPANTS 1023   /* the lock word stores slot+1 in 10 bits */
#define MPROC_DEFAULT_PARTICIPANTS 64

/** Object kinds (header field `kind`). */
typedef enum {
  MPROC_KIND_ANY = 0, /* only as an argument: accept any kind */
  MPROC_KIND_QUEUE = 1,
  MPROC_KIND_VALUE = 2,
  MPROC_KIND_ARRAY = 3,
  MPROC_KIND_CHANNEL = 4,
  MPROC_KIND_LOCK = 5,
  MPROC_KIND_SEMAPHORE = 6, /* Semaphore and BoundedSemaphore */
  MPROC_KIND_RLOCK = 7,
  MPROC_KIND_CONDITION = 8,
  MPROC_KIND_EVENT = 9,
  MPROC_KIND_BARRIER = 10,
  MPROC_KIND_CONNECTION = 11, /* not a segment: a handed connection descriptor */
} mproc_kind_t;

/** The highest kind code this version creates and opens. */
#define MPROC_KIND_MAX MPROC_KIND_BARRIER

/** Segment states (header field `state`, a 32-bit word others may wait on). */
typedef enum {
  MPROC_STATE_INIT = 0,
  MPROC_STATE_READY = 1,
  MPROC_STATE_CLOSED = 2,
  MPROC_STATE_POISONED = 3,
} mproc_state_t;

/** Header flags (header field `flags`). */
#define MPROC_FLAG_ANONYMOUS 0x1u /* memfd, never had a name */

/** Lock flags (header field `lock_flags`). */
#define MPROC_LOCK_OWNER_DIED 0x1u /* the last takeover found the owner dead; cleared on release */

/**
 * The header at offset 0 of every segment. Offsets are part of the layout and fixed by the
 * _Static_asserts below; Python reads this with struct.unpack_from("<8sHHHHIIQ...").
 */
typedef struct mproc_header {
  char magic[8];              /*   0 fixed: MPROC_MAGIC */
  uint16_t layout_major;      /*   8 fixed */
  uint16_t layout_minor;      /*  10 fixed */
  uint16_t kind;              /*  12 fixed: mproc_kind_t */
  uint16_t header_bytes;      /*  14 fixed: 256 */
  uint32_t state;             /*  16 mproc_state_t, READY stored last with release */
  uint32_t flags;             /*  20 fixed: MPROC_FLAG_* */
  uint64_t total_size;        /*  24 fixed: bytes of the whole segment */
  uint32_t creator_pid;       /*  32 fixed */
  uint32_t reserved0;         /*  36 zero */
  uint64_t creator_start;     /*  40 fixed: creator start time, clock ticks since boot */
  uint64_t created_ns;        /*  48 fixed: CLOCK_REALTIME at creation, ns since the epoch */
  uint32_t endian_check;      /*  56 fixed: MPROC_ENDIAN_CHECK */
  uint32_t header_crc;        /*  60 CRC-32 (IEEE) of bytes 0..127, bytes 16..19, 60..63 as 0 */
  char name[32];              /*  64 fixed: "/name", NUL-terminated; empty when anonymous */
  uint32_t max_participants;  /*  96 fixed */
  uint32_t participants_offset; /* 100 fixed: 256 */
  char elem_code;             /* 104 fixed: Python struct code of an element ('d', 'i', ...) or 0 */
  uint8_t reserved1;          /* 105 zero */
  uint16_t elem_size;         /* 106 fixed: bytes per element */
  uint32_t reserved2;         /* 108 zero */
  uint64_t elem_count;        /* 112 fixed: number of elements (Value: 1) */
  uint64_t data_offset;       /* 120 fixed: offset of the body, a multiple of 128 */
  uint32_t lock;              /* 128 robust lock word, see "Robust lock" below */
  uint32_t lock_flags;        /* 132 MPROC_LOCK_* */
  uint32_t lock_epoch;        /* 136 incremented at each owner-died takeover */
  uint32_t reserved3;         /* 140 zero */
  uint8_t reserved4[112];     /* 144 zero, to 256 */
} mproc_header_t;

/** Participant slot states. */
typedef enum {
  MPROC_SLOT_FREE = 0,
  MPROC_SLOT_CLAIMING = 1,
  MPROC_SLOT_ALIVE = 2,
} mproc_slot_state_t;

/**
 * One participant slot (32 bytes) per attached handle. A process that claims slot i holds an
 * exclusive open-file-description lock (F_OFD_SETLK) on byte MPROC_LIVENESS_BASE + i of the
 * segment's file for as long as the handle is attached; the kernel drops that lock when the
 * process dies, however it dies. A slot whose byte can be locked by someone else is dead.
 * `generation` is incremented at every claim so that a recycled slot is never mistaken for the
 * previous holder of a lock.
 */
typedef struct mproc_participant {
  uint32_t state;      /*  0 mproc_slot_state_t */
  uint32_t generation; /*  4 incremented (mod 2^21) at each claim */
  uint32_t pid;        /*  8 */
  uint32_t reserved;   /* 12 */
  uint64_t start_time; /* 16 process start time, clock ticks since boot */
  uint64_t attach_ns;  /* 24 CLOCK_REALTIME at attach */
} mproc_participant_t;

#define MPROC_LIVENESS_BASE ((int64_t)1 << 40)

/*
 * Robust lock word (32 bits):
 *   bits  0..9   owner slot + 1 (0 = free)
 *   bits 10..30  owner slot generation (21 bits)
 *   bit  31      contended: some process may be parked on the word
 */
#define MPROC_LOCK_SLOT_MASK 0x3FFu
#define MPROC_LOCK_GEN_SHIFT 10
#define MPROC_LOCK_GEN_MASK 0x1FFFFFu
#define MPROC_LOCK_CONTENDED 0x80000000u

#if !defined(__cplusplus)
_Static_assert(sizeof(mproc_header_t) == MPROC_HEADER_BYTES, "header is 256 bytes");
_Static_assert(offsetof(mproc_header_t, state) == 16, "state at 16");
_Static_assert(offsetof(mproc_header_t, total_size) == 24, "total_size at 24");
_Static_assert(offsetof(mproc_header_t, creator_pid) == 32, "creator_pid at 32");
_Static_assert(offsetof(mproc_header_t, creator_start) == 40, "creator_start at 40");
_Static_assert(offsetof(mproc_header_t, created_ns) == 48, "created_ns at 48");
_Static_assert(offsetof(mproc_header_t, endian_check) == 56, "endian_check at 56");
_Static_assert(offsetof(mproc_header_t, header_crc) == 60, "header_crc at 60");
_Static_assert(offsetof(mproc_header_t, name) == 64, "name at 64");
_Static_assert(offsetof(mproc_header_t, max_participants) == 96, "max_participants at 96");
_Static_assert(offsetof(mproc_header_t, elem_code) == 104, "elem_code at 104");
_Static_assert(offsetof(mproc_header_t, elem_size) == 106, "elem_size at 106");
_Static_assert(offsetof(mproc_header_t, elem_count) == 112, "elem_count at 112");
_Static_assert(offsetof(mproc_header_t, data_offset) == 120, "data_offset at 120");
_Static_assert(offsetof(mproc_header_t, lock) == 128, "lock at 128");
_Static_assert(offsetof(mproc_header_t, lock_flags) == 132, "lock_flags at 132");
_Static_assert(offsetof(mproc_header_t, lock_epoch) == 136, "lock_epoch at 136");
_Static_assert(sizeof(mproc_participant_t) == MPROC_PARTICIPANT_BYTES, "slot is 32 bytes");
#endif

/* ---------------------------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------------------------- */

/**
 * Checks an object name: a leading '/', then 1 to 30 bytes of [A-Za-z0-9._-], not "/." or "/..".
 * Returns 0, MPROC_EINVAL for NULL, MPROC_ENAMETOOLONG or MPROC_EBADNAME.
 */
MPROC_EXTERN int mproc_name_check(const char *name);

/* ---------------------------------------------------------------------------------------------
 * Segments: the shared memory every object lives in
 * ------------------------------------------------------------------------------------------- */
typedef struct mproc_segment mproc_segment_t;

/** What a creator fixes in a new segment's header. Zero-initialise, then set what you need. */
typedef struct mproc_segment_spec {
  uint16_t kind;              /* mproc_kind_t, required */
  char elem_code;             /* Python struct code of the elements, 0 if none */
  uint16_t elem_size;         /* bytes per element, 0 if none */
  uint64_t elem_count;        /* number of elements */
  uint64_t body_size;         /* bytes of body; for element kinds at least elem_size*elem_count */
  uint32_t max_participants;  /* 0 = MPROC_DEFAULT_PARTICIPANTS, at most MPROC_MAX_PARTICIPANTS */
} mproc_segment_spec_t;

/**
 * Creates a segment. With a name, creates "/dev/shm/<name>" exclusively with mode 0600; if the
 * name exists and is a stale mproc object (every participant and its creator dead) it is
 * replaced, otherwise MPROC_EEXIST. With name NULL, creates an anonymous segment (memfd) that
 * disappears with its last handle; its size is sealed (F_SEAL_SHRINK | F_SEAL_GROW), so no
 * process it is handed to can truncate it under the others. The caller joins as participant
 * slot 0. The body is zeroed; the segment becomes READY only when mproc_segment_publish() is
 * called, so an attacher never sees a half-initialised body.
 */
MPROC_EXTERN int mproc_segment_create(const char *name, const mproc_segment_spec_t *spec,
                                      mproc_segment_t **out);

/** Marks a created segment READY (release store), after the creator has initialised the body. */
MPROC_EXTERN void mproc_segment_publish(mproc_segment_t *seg);

/**
 * Attaches to a named segment created by any process. Validates magic (MPROC_EBADMAGIC),
 * byte order and header CRC (MPROC_ECORRUPT), layout major (MPROC_EVERSION), kind unless
 * MPROC_KIND_ANY (MPROC_EKIND), and size (MPROC_ETRUNCATED); waits up to ready_timeout_ns for
 * a creator to publish (MPROC_ENOTREADY after). Claims a participant slot (MPROC_ENOSLOT).
 */
MPROC_EXTERN int mproc_segment_attach(const char *name, uint16_t kind, int64_t ready_timeout_ns,
                                      mproc_segment_t **out);

/**
 * Attaches to the segment behind a file descriptor handed over by another process (for example
 * an anonymous segment passed to a child). The segment is reopened through /proc/self/fd so this
 * process gets its own open file description (and so its own liveness lock); `fd` is always
 * closed, on success and on failure, so that the sender's liveness lock does not outlive it.
 */
MPROC_EXTERN int mproc_segment_attach_fd(int fd, uint16_t kind, mproc_segment_t **out);

/**
 * Releases the participant slot, unmaps and closes. Does not remove a named segment (see
 * mproc_segment_unlink). Returns 0; passing NULL is a no-op.
 */
MPROC_EXTERN int mproc_segment_detach(mproc_segment_t *seg);

/** Removes a name from the system; attached processes keep their mapping. MPROC_ENOENT if absent. */
MPROC_EXTERN int mproc_unlink(const char *name);

/** Base address of the mapping (the header). Valid until mproc_segment_detach. */
MPROC_EXTERN void *mproc_segment_base(const mproc_segment_t *seg);

/** Address of the body (base + data_offset). */
MPROC_EXTERN void *mproc_segment_data(const mproc_segment_t *seg);

/** Size in bytes of the whole mapping. */
MPROC_EXTERN uint64_t mproc_segment_size(const mproc_segment_t *seg);

/** The segment's file descriptor, for handing it to another process; owned by the segment. */
MPROC_EXTERN int mproc_segment_fd(const mproc_segment_t *seg);

/** This handle's participant slot. */
MPROC_EXTERN uint32_t mproc_segment_slot(const mproc_segment_t *seg);

/**
 * Liveness of a participant slot: 1 alive, 0 dead or free. The caller's own slot is alive.
 * Costs one fcntl system call.
 */
MPROC_EXTERN int mproc_segment_slot_alive(const mproc_segment_t *seg, uint32_t slot);

/** What mproc_stat reports about a named object, read without joining it. */
typedef struct mproc_object_info {
  char name[32];
  uint16_t kind;
  uint16_t layout_major;
  uint16_t layout_minor;
  char elem_code;
  uint32_t state;
  uint64_t total_size;
  uint64_t elem_count;
  uint32_t creator_pid;
  int creator_alive;         /* 1 if the creator process (same pid and start time) still runs */
  uint32_t max_participants;
  uint32_t live_participants;
  int stale;                 /* 1 when no participant is alive and the creator is dead */
  uint64_t created_ns;
} mproc_object_info_t;

#if !defined(__cplusplus)
/* The Java binding reads this struct by offset. */
_Static_assert(offsetof(mproc_object_info_t, kind) == 32, "info.kind at 32");
_Static_assert(offsetof(mproc_object_info_t, elem_code) == 38, "info.elem_code at 38");
_Static_assert(offsetof(mproc_object_info_t, state) == 40, "info.state at 40");
_Static_assert(offsetof(mproc_object_info_t, total_size) == 48, "info.total_size at 48");
_Static_assert(offsetof(mproc_object_info_t, elem_count) == 56, "info.elem_count at 56");
_Static_assert(offsetof(mproc_object_info_t, creator_pid) == 64, "info.creator_pid at 64");
_Static_assert(offsetof(mproc_object_info_t, creator_alive) == 68, "info.creator_alive at 68");
_Static_assert(offsetof(mproc_object_info_t, max_participants) == 72, "info.max at 72");
_Static_assert(offsetof(mproc_object_info_t, live_participants) == 76, "info.live at 76");
_Static_assert(offsetof(mproc_object_info_t, stale) == 80, "info.stale at 80");
_Static_assert(offsetof(mproc_object_info_t, created_ns) == 88, "info.created_ns at 88");
_Static_assert(sizeof(mproc_object_info_t) == 96, "info is 96 bytes");
#endif

/** Reads a named object's header and counts its live participants without attaching. */
MPROC_EXTERN int mproc_stat(const char *name, mproc_object_info_t *info);

/**
 * Removes every stale named mproc object (see mproc_stat) this user can see. Writes the number
 * removed to *removed (may be NULL). Objects that are not mproc objects are never touched.
 */
MPROC_EXTERN int mproc_gc(int *removed);

/* ---------------------------------------------------------------------------------------------
 * Wait and wake on a shared 32-bit word (futex on Linux; the same interface maps to __ulock on
 * macOS and _umtx_op on FreeBSD). Works across processes for any mapping of the same segment.
 * ------------------------------------------------------------------------------------------- */

/**
 * Sleeps while *addr == expected, for at most timeout_ns (MPROC_FOREVER: no limit). Returns 0
 * when woken or when *addr != expected (check the word again: wake-ups may be spurious),
 * MPROC_ETIMEDOUT, or MPROC_EINTR when a signal interrupted the sleep.
 */
MPROC_EXTERN int mproc_wait32(const uint32_t *addr, uint32_t expected, int64_t timeout_ns);

/** Wakes at most n (n > 0) sleepers of addr; writes how many were woken to *woken (may be NULL). */
MPROC_EXTERN int mproc_wake32(const uint32_t *addr, int n, int *woken);

/**
 * Spins up to `spins` times, then sleeps, until *addr != expected or the timeout passes.
 * Returns 0 when the word differs, MPROC_ETIMEDOUT otherwise. EINTR is retried.
 */
MPROC_EXTERN int mproc_wait32_spin(const uint32_t *addr, uint32_t expected, int spins,
                                   int64_t timeout_ns);

/**
 * A full memory barrier on every running thread of the calling process (membarrier(2),
 * MEMBARRIER_CMD_PRIVATE_EXPEDITED; the first call registers the process). For asymmetric
 * protocols: a hot path that orders its accesses only for the compiler (no fence) is made
 * safe against a rare path that calls this between its own accesses, as in
 * store(flag); mproc_process_barrier(); load(other). Costs a system call and an interrupt of
 * each CPU running a thread of the process (1-100 us). Returns 0, or MPROC_ENOSYS where the
 * kernel lacks it (before Linux 4.14, or a sandbox that filters the call): then the caller must
 * use fences instead.
 */
MPROC_EXTERN int mproc_process_barrier(void);

/* ---------------------------------------------------------------------------------------------
 * Robust lock: the header's lock word, owned by participant slots
 *
 * Acquire: CAS 0 -> owner; otherwise spin, then set the contended bit and sleep on the word in
 * slices of at most MPROC_LIVENESS_SLICE_NS, probing the owner's liveness after each slice. An
 * owner whose slot is dead (its liveness lock is free or its generation moved on) is replaced:
 * the lock passes to the caller, lock_epoch is incremented, MPROC_LOCK_OWNER_DIED is set and
 * MPROC_EOWNERDEAD is returned WITH THE LOCK HELD (like pthread's robust mutexes), so that the
 * caller can repair the data it guards. A lock is never taken from a live owner on a timeout.
 * ------------------------------------------------------------------------------------------- */
#define MPROC_LIVENESS_SLICE_NS ((int64_t)10000000) /* 10 ms */

/**
 * Acquires the segment's lock. Returns 0, MPROC_EOWNERDEAD (acquired; the previous owner died),
 * MPROC_ETIMEDOUT (timeout_ns passed, nothing acquired) or MPROC_EDEADLK (this handle already
 * holds it: the lock is not reentrant). Signals do not interrupt it. The lock belongs to the
 * handle, not to a thread: threads sharing a handle must serialise among themselves first.
 */
MPROC_EXTERN int mproc_lock_acquire(mproc_segment_t *seg, int64_t timeout_ns);

/** Releases the segment's lock. MPROC_ENOTOWNER if this handle does not hold it. */
MPROC_EXTERN int mproc_lock_release(mproc_segment_t *seg);

/**
 * The lock word value meaning "this handle holds the lock" (slot + 1 and the slot's generation,
 * without the contended bit). A binding may run the uncontended fast path itself with it: CAS
 * 0 -> owner to acquire, CAS owner -> 0 to release; anything else must go through
 * mproc_lock_acquire / mproc_lock_release (contention, a dead owner, the owner-died flag).
 */
MPROC_EXTERN uint32_t mproc_lock_owner_word(const mproc_segment_t *seg);

/** 1 if this handle holds the segment's lock, else 0. */
MPROC_EXTERN int mproc_lock_held(const mproc_segment_t *seg);

/* ---------------------------------------------------------------------------------------------
 * Value and Array: typed elements in shared memory (Python's Value, Array, RawValue, RawArray)
 *
 * The body holds elem_count elements of elem_size bytes at data_offset, naturally aligned, so
 * Python reads them with struct.unpack_from("<" + code * count, buf, data_offset). A Value is an
 * Array of one element with kind MPROC_KIND_VALUE. Aligned elements are read and written with
 * single atomic instructions; the header lock serves compound updates (Python's get_lock()).
 * ------------------------------------------------------------------------------------------- */

/** Element types; the value is the Python struct code. */
typedef enum {
  MPROC_INT8 = 'b',
  MPROC_UINT8 = 'B',
  MPROC_INT16 = 'h',
  MPROC_UINT16 = 'H',
  MPROC_INT32 = 'i',
  MPROC_UINT32 = 'I',
  MPROC_INT64 = 'q',
  MPROC_UINT64 = 'Q',
  MPROC_FLOAT32 = 'f',
  MPROC_FLOAT64 = 'd',
} mproc_type_t;

/** Size in bytes of an element type, or 0 when `type` is not an mproc_type_t. */
MPROC_EXTERN size_t mproc_type_size(int type);

typedef struct mproc_array mproc_array_t;

/**
 * Creates an array of `count` (>= 1) zeroed elements, named or anonymous (name NULL), and
 * copies `init` (count elements, may be NULL) into it before publishing. Errors: MPROC_EINVAL
 * (bad type), MPROC_EBOUNDS (count 0 or too large), and those of mproc_segment_create.
 */
MPROC_EXTERN int mproc_array_create(const char *name, int type, uint64_t count, const void *init,
                                    mproc_array_t **out);

/** Creates a Value: an array of one element with kind MPROC_KIND_VALUE. */
MPROC_EXTERN int mproc_value_create(const char *name, int type, const void *init,
                                    mproc_array_t **out);

/**
 * Opens a named Array (kind MPROC_KIND_ARRAY) or Value (kind MPROC_KIND_VALUE); kind
 * MPROC_KIND_ANY accepts both. `type` 0 accepts any element type, otherwise a mismatch gives
 * MPROC_ETYPE.
 */
MPROC_EXTERN int mproc_array_open(const char *name, uint16_t kind, int type, mproc_array_t **out);

/** Opens an Array or Value from a handed-over descriptor (see mproc_segment_attach_fd). */
MPROC_EXTERN int mproc_array_open_fd(int fd, uint16_t kind, int type, mproc_array_t **out);

/** Detaches and frees the handle (does not unlink). NULL is a no-op. */
MPROC_EXTERN int mproc_array_close(mproc_array_t *arr);

/** The underlying segment (for locking, fds and liveness). */
MPROC_EXTERN mproc_segment_t *mproc_array_segment(mproc_array_t *arr);

/** Address of element 0. */
MPROC_EXTERN void *mproc_array_data(mproc_array_t *arr);

/** Number of elements. */
MPROC_EXTERN uint64_t mproc_array_length(const mproc_array_t *arr);

/** Element type (its Python struct code). */
MPROC_EXTERN int mproc_array_type(const mproc_array_t *arr);

/** Atomically loads element `index` into *out (elem_size bytes). MPROC_EBOUNDS past the end. */
MPROC_EXTERN int mproc_array_load(mproc_array_t *arr, uint64_t index, void *out);

/** Atomically stores elem_size bytes from *in into element `index`. */
MPROC_EXTERN int mproc_array_store(mproc_array_t *arr, uint64_t index, const void *in);

/**
 * Atomic compare-and-set of element `index` on its bit pattern: if it equals *expected it
 * becomes *desired and *swapped is 1; otherwise *expected receives the current value and
 * *swapped is 0.
 */
MPROC_EXTERN int mproc_array_cas(mproc_array_t *arr, uint64_t index, void *expected,
                                 const void *desired, int *swapped);

/**
 * Atomically adds `delta` to integer element `index` (wrapping at the element width) and writes
 * the previous value, sign- or zero-extended, to *prev (may be NULL). MPROC_ETYPE for floats.
 */
MPROC_EXTERN int mproc_array_fetch_add(mproc_array_t *arr, uint64_t index, int64_t delta,
                                       int64_t *prev);

/** Atomically adds `delta` to a floating-point element (CAS loop); previous value to *prev. */
MPROC_EXTERN int mproc_array_fetch_add_double(mproc_array_t *arr, uint64_t index, double delta,
                                              double *prev);

/**
 * Copies `n` elements starting at `index` out to `dst`. Each element is read whole (never torn);
 * the copy as a whole is not atomic: hold the lock for a consistent snapshot.
 */
MPROC_EXTERN int mproc_array_read(mproc_array_t *arr, uint64_t index, void *dst, uint64_t n);

/** Copies `n` elements from `src` into the array starting at `index`, each element whole. */
MPROC_EXTERN int mproc_array_write(mproc_array_t *arr, uint64_t index, const void *src,
                                   uint64_t n);

/** Acquires the array's lock (see mproc_lock_acquire). */
MPROC_EXTERN int mproc_array_lock(mproc_array_t *arr, int64_t timeout_ns);

/** Releases the array's lock (see mproc_lock_release). */
MPROC_EXTERN int mproc_array_unlock(mproc_array_t *arr);

/* ---------------------------------------------------------------------------------------------
 * Synchronization primitives: Python's Lock, RLock, Semaphore, BoundedSemaphore, Condition,
 * Event and Barrier, across processes and crash-robust.
 *
 * Each primitive is one segment of its own kind, named or anonymous, with one handle type
 * (mproc_sync_t). Everything lives on 32-bit words in the segment body (layouts below and in
 * docs/layout.md), changed with C11 atomics and slept on with mproc_wait32; no pthread object is
 * ever placed in shared memory. Blocking calls spin briefly, then sleep in slices of at most
 * MPROC_LIVENESS_SLICE_NS so that dead processes are noticed. None is fair: a waiter may be
 * overtaken by a newcomer. Signals do not interrupt them.
 *
 * Crash semantics:
 *  - Lock and RLock: the owner is a participant slot (the header's robust lock word). A dead
 *    owner's lock is taken over by the next acquirer, which gets MPROC_EOWNERDEAD WITH THE LOCK
 *    HELD (an RLock's recursion count restarts at 1).
 *  - Semaphore: permits have no owner, as in Python: permits a dead process held are lost.
 *  - Condition, Event, Semaphore: a dead waiter only leaves a stale waiter count behind, which
 *    costs a spare wake-up system call and never blocks anyone.
 *  - Barrier: a party that dies while waiting breaks the barrier (MPROC_EBROKEN for everyone
 *    waiting and arriving, until mproc_barrier_reset); waiters probe each other's liveness after
 *    every slice. A party that dies before arriving is not detected (its peers time out).
 * ------------------------------------------------------------------------------------------- */
typedef struct mproc_sync mproc_sync_t;

/** Semaphore flags (body field `flags` and mproc_sync_create's `flags`). */
#define MPROC_SEM_BOUNDED 0x1u /* BoundedSemaphore: release beyond the initial value fails */

/** The largest semaphore value and the most parties of a barrier. */
#define MPROC_SEM_VALUE_MAX 0x7FFFFFFFu
#define MPROC_BARRIER_MAX_PARTIES 65535u

/** Body of a Semaphore (kind 6) at data_offset. */
typedef struct mproc_semaphore_body {
  uint32_t value;   /*  0 permits available; a futex word */
  uint32_t waiters; /*  4 processes that may be sleeping on `value` (may overcount after a crash) */
  uint32_t bound;   /*  8 fixed: the initial value; the maximum when BOUNDED */
  uint32_t flags;   /* 12 fixed: MPROC_SEM_* */
} mproc_semaphore_body_t;

/** Body of an RLock (kind 7); the owner is the header's robust lock word. */
typedef struct mproc_rlock_body {
  uint32_t count;    /* 0 recursion depth of the owner (0 when free) */
  uint32_t reserved; /* 4 zero */
} mproc_rlock_body_t;

/** Body of a Condition (kind 8). The lock it is used with is a separate Lock or RLock. */
typedef struct mproc_condition_body {
  uint32_t seq;     /* 0 incremented by every notify; a futex word */
  uint32_t waiters; /* 4 waiters between wait_begin and wait_end (may overcount after a crash) */
} mproc_condition_body_t;

/** Body of an Event (kind 9). */
typedef struct mproc_event_body {
  uint32_t flag;    /* 0 1 when set; a futex word */
  uint32_t waiters; /* 4 processes that may be sleeping on `flag` */
} mproc_event_body_t;

/**
 * Body of a Barrier (kind 10). State changes happen under the header's robust lock; waiters
 * sleep on `cycle` without it. `arrivals` holds the lock-word identity (slot + 1 | generation)
 * of each party waiting in the current cycle, in arrival order, so that waiters can probe them.
 */
typedef struct mproc_barrier_body {
  uint32_t parties;  /*  0 fixed: 1..MPROC_BARRIER_MAX_PARTIES */
  uint32_t count;    /*  4 parties waiting in the current cycle */
  uint32_t cycle;    /*  8 incremented when a cycle ends (trip, break, reset); a futex word */
  uint32_t broken;   /* 12 1 while broken */
  uint32_t outcomes; /* 16 bit (c % 32): 1 if cycle c ended by tripping, 0 if it was broken */
  uint32_t reserved[11]; /* 20 zero, to 64 */
  uint32_t arrivals[];   /* 64 `parties` words */
} mproc_barrier_body_t;

#if !defined(__cplusplus)
_Static_assert(offsetof(mproc_semaphore_body_t, waiters) == 4, "sem.waiters at 4");
_Static_assert(offsetof(mproc_semaphore_body_t, bound) == 8, "sem.bound at 8");
_Static_assert(offsetof(mproc_semaphore_body_t, flags) == 12, "sem.flags at 12");
_Static_assert(sizeof(mproc_semaphore_body_t) == 16, "semaphore body is 16 bytes");
_Static_assert(sizeof(mproc_rlock_body_t) == 8, "rlock body is 8 bytes");
_Static_assert(offsetof(mproc_condition_body_t, waiters) == 4, "cond.waiters at 4");
_Static_assert(offsetof(mproc_event_body_t, waiters) == 4, "event.waiters at 4");
_Static_assert(offsetof(mproc_barrier_body_t, count) == 4, "barrier.count at 4");
_Static_assert(offsetof(mproc_barrier_body_t, cycle) == 8, "barrier.cycle at 8");
_Static_assert(offsetof(mproc_barrier_body_t, broken) == 12, "barrier.broken at 12");
_Static_assert(offsetof(mproc_barrier_body_t, outcomes) == 16, "barrier.outcomes at 16");
_Static_assert(offsetof(mproc_barrier_body_t, arrivals) == 64, "barrier.arrivals at 64");
#endif

/**
 * Creates a primitive of `kind` (LOCK, RLOCK, SEMAPHORE, CONDITION, EVENT or BARRIER), named or
 * anonymous (name NULL). `value` is a semaphore's initial value (0..MPROC_SEM_VALUE_MAX) or a
 * barrier's parties (1..MPROC_BARRIER_MAX_PARTIES), else ignored; `flags` is MPROC_SEM_BOUNDED
 * or 0. Errors: MPROC_EINVAL (another kind, or flags for a kind without them), MPROC_EBOUNDS
 * (value out of range), and those of mproc_segment_create.
 */
MPROC_EXTERN int mproc_sync_create(const char *name, uint16_t kind, uint32_t value,
                                   uint32_t flags, mproc_sync_t **out);

/** Creates a Lock (mproc_sync_create with MPROC_KIND_LOCK). */
MPROC_EXTERN int mproc_lock_create(const char *name, mproc_sync_t **out);

/** Creates an RLock. */
MPROC_EXTERN int mproc_rlock_create(const char *name, mproc_sync_t **out);

/** Creates a Semaphore with `value` permits; `bounded` makes it a BoundedSemaphore. */
MPROC_EXTERN int mproc_semaphore_create(const char *name, uint32_t value, int bounded,
                                        mproc_sync_t **out);

/** Creates a Condition (use it with any Lock or RLock). */
MPROC_EXTERN int mproc_condition_create(const char *name, mproc_sync_t **out);

/** Creates an Event, initially clear. */
MPROC_EXTERN int mproc_event_create(const char *name, mproc_sync_t **out);

/** Creates a Barrier for `parties` parties. */
MPROC_EXTERN int mproc_barrier_create(const char *name, uint32_t parties, mproc_sync_t **out);

/**
 * Opens a named primitive. `kind` is the kind expected (MPROC_EKIND otherwise), or
 * MPROC_KIND_ANY for any synchronization kind. A body that contradicts its kind (a barrier with
 * 0 parties, a semaphore with unknown flags) is MPROC_ECORRUPT.
 */
MPROC_EXTERN int mproc_sync_open(const char *name, uint16_t kind, mproc_sync_t **out);

/** Opens a primitive from a handed-over descriptor (consumed; see mproc_segment_attach_fd). */
MPROC_EXTERN int mproc_sync_open_fd(int fd, uint16_t kind, mproc_sync_t **out);

/**
 * Detaches and frees the handle (does not unlink). A Lock or RLock still held through it counts
 * as abandoned: its next acquirer gets MPROC_EOWNERDEAD. NULL is a no-op.
 */
MPROC_EXTERN int mproc_sync_close(mproc_sync_t *s);

/** The underlying segment. */
MPROC_EXTERN mproc_segment_t *mproc_sync_segment(mproc_sync_t *s);

/** The primitive's kind (mproc_kind_t). */
MPROC_EXTERN int mproc_sync_kind(const mproc_sync_t *s);

/**
 * Acquires a Lock, an RLock or a permit of a Semaphore, waiting at most timeout_ns. Returns 0,
 * MPROC_ETIMEDOUT (nothing acquired), or MPROC_EOWNERDEAD (Lock or RLock acquired from a dead
 * owner: repair what it guards). A Lock already held through this handle gives MPROC_EDEADLK
 * (Python would block forever); an RLock held through this handle is re-entered (count + 1).
 * MPROC_EKIND for other kinds.
 */
MPROC_EXTERN int mproc_sync_acquire(mproc_sync_t *s, int64_t timeout_ns);

/**
 * Releases a Lock, an RLock or a Semaphore permit, waking one waiter if any sleeps.
 *  - Lock: any handle of any process may release it, as in Python; MPROC_ENOTHELD if it is free.
 *  - RLock: only the owning handle, one level per call; MPROC_ENOTOWNER otherwise.
 *  - Semaphore: always; a BoundedSemaphore at its initial value gives MPROC_ENOTHELD.
 */
MPROC_EXTERN int mproc_sync_release(mproc_sync_t *s);

/**
 * A snapshot count: a Semaphore's value, an RLock's recursion count (whoever owns it), 1 or 0
 * for a held or free Lock, 1 or 0 for a set or clear Event, the waiting parties of a Barrier,
 * the waiters of a Condition. Racy by nature: for monitoring and tests.
 */
MPROC_EXTERN uint32_t mproc_sync_count(const mproc_sync_t *s);

/** 1 if this handle owns the Lock or RLock, else 0. */
MPROC_EXTERN int mproc_sync_owned(const mproc_sync_t *s);

/**
 * Condition wait, in three steps so that a binding can sleep in slices without losing a notify:
 *
 *   mproc_condition_wait_begin(cond, lock, &ticket, &saved);  releases `lock` (fully for an RLock)
 *   while (mproc_condition_wait_sleep(cond, ticket, slice) == MPROC_ETIMEDOUT && !done) {}
 *   mproc_condition_wait_end(cond, lock, saved, timeout);      reacquires `lock`
 *
 * begin requires `lock` (a Lock or RLock) to be held through this handle (MPROC_ENOTOWNER
 * otherwise), registers the waiter, reads the notify sequence into *ticket, saves an RLock's
 * recursion count into *saved and releases the lock. A notify issued after begin is never
 * missed: sleep returns 0 as soon as the sequence differs from the ticket.
 */
MPROC_EXTERN int mproc_condition_wait_begin(mproc_sync_t *cond, mproc_sync_t *lock,
                                            uint32_t *ticket, uint32_t *saved);

/**
 * Sleeps until a notify after the ticket (0) or timeout_ns passes (MPROC_ETIMEDOUT). Wake-ups
 * may be spurious: a notify(n) can wake more than n waiters; callers re-check their predicate.
 */
MPROC_EXTERN int mproc_condition_wait_sleep(mproc_sync_t *cond, uint32_t ticket,
                                            int64_t timeout_ns);

/**
 * Unregisters the waiter and reacquires `lock` within timeout_ns, restoring an RLock's count to
 * `saved`. Returns 0, MPROC_EOWNERDEAD (reacquired from a dead owner) or MPROC_ETIMEDOUT (not
 * reacquired, still registered: call again).
 */
MPROC_EXTERN int mproc_condition_wait_end(mproc_sync_t *cond, mproc_sync_t *lock, uint32_t saved,
                                          int64_t timeout_ns);

/**
 * Python's Condition.wait(timeout): the three steps above, reacquiring without a time limit.
 * Returns 0 (notified, possibly spuriously), MPROC_ETIMEDOUT (not notified; the lock is held
 * again either way), MPROC_EOWNERDEAD (notified or not, reacquired from a dead owner) or
 * MPROC_ENOTOWNER (the lock was not held: nothing happened).
 */
MPROC_EXTERN int mproc_condition_wait(mproc_sync_t *cond, mproc_sync_t *lock, int64_t timeout_ns);

/**
 * Wakes up to n (n > 0) waiters of the condition; INT32_MAX wakes all (notify_all). `lock` must
 * be held through this handle, as Python requires (MPROC_ENOTOWNER otherwise).
 */
MPROC_EXTERN int mproc_condition_notify(mproc_sync_t *cond, mproc_sync_t *lock, int n);

/** Sets an Event and wakes every waiter. */
MPROC_EXTERN int mproc_event_set(mproc_sync_t *ev);

/** Clears an Event. */
MPROC_EXTERN int mproc_event_clear(mproc_sync_t *ev);

/** 1 if the Event is set, else 0. */
MPROC_EXTERN int mproc_event_is_set(const mproc_sync_t *ev);

/** Waits up to timeout_ns for the Event to be set: 0 when set, MPROC_ETIMEDOUT otherwise. */
MPROC_EXTERN int mproc_event_wait(mproc_sync_t *ev, int64_t timeout_ns);

/**
 * Barrier wait, in two steps for bindings that sleep in slices: arrive registers the caller in
 * the current cycle and writes its arrival index (0 for the first, parties - 1 for the one that
 * trips the barrier) and the cycle to wait on. MPROC_EBROKEN if the barrier is broken.
 */
MPROC_EXTERN int mproc_barrier_arrive(mproc_sync_t *b, uint32_t *cycle, uint32_t *index);

/**
 * Sleeps up to timeout_ns for `cycle` to end: 0 when it tripped, MPROC_EBROKEN when it was
 * broken (a party died, timed out or aborted, or reset was called), MPROC_ETIMEDOUT when it is
 * still going (nothing changed: sleep again, or give up with mproc_barrier_cancel). Probes the
 * liveness of the waiting parties after every slice and breaks the barrier if one died.
 */
MPROC_EXTERN int mproc_barrier_await(mproc_sync_t *b, uint32_t cycle, int64_t timeout_ns);

/**
 * Gives up waiting in `cycle`: breaks the barrier if that cycle is still going (Python breaks a
 * barrier whose wait timed out). Returns 0 if it broke it, MPROC_EBROKEN if the cycle had
 * already been broken, and 0 also if it had tripped meanwhile (*tripped = 1, may be NULL).
 */
MPROC_EXTERN int mproc_barrier_cancel(mproc_sync_t *b, uint32_t cycle, int *tripped);

/**
 * Python's Barrier.wait(timeout): arrive, then await. Returns 0 with the arrival index,
 * MPROC_EBROKEN, or MPROC_ETIMEDOUT (the barrier is now broken for everyone).
 */
MPROC_EXTERN int mproc_barrier_wait(mproc_sync_t *b, int64_t timeout_ns, uint32_t *index);

/*
 * Unlike the other primitives, a barrier handle may be used by several threads at once: its
 * functions serialise on the header lock and threads of one handle take turns at it.
 */

/** Breaks the barrier: current and later waiters get MPROC_EBROKEN until reset. */
MPROC_EXTERN int mproc_barrier_abort(mproc_sync_t *b);

/** Returns the barrier to its initial state; parties waiting now get MPROC_EBROKEN. */
MPROC_EXTERN int mproc_barrier_reset(mproc_sync_t *b);

/** A barrier's parties. */
MPROC_EXTERN uint32_t mproc_barrier_parties(const mproc_sync_t *b);

/** 1 if the barrier is broken. */
MPROC_EXTERN int mproc_barrier_broken(const mproc_sync_t *b);


/* ---------------------------------------------------------------------------------------------
 * Queue: a bounded multi-producer multi-consumer queue of variable-length messages (Python's
 * multiprocessing.Queue), in one segment of kind MPROC_KIND_QUEUE.
 *
 * Body (offsets from data_offset):
 *     0  16  put lock (robust lock word, flags, epoch, zero), taken by producers
 *    16   8  tail: bytes ever written (commit point of a put)
 *    24   8  puts: messages ever written
 *    32  16  put commit intent: the tail a put in progress commits, the puts before it
 *   128  16  get lock, taken by consumers
 *   144   8  head: bytes ever consumed (commit point of a get)
 *   152   8  gets: messages ever consumed
 *   160  16  get commit intent: the head a get in progress commits, the gets before it
 *   256   4  not_empty sequence, 260 4 consumers waiting
 *   384   4  not_full sequence,  388 4 producers waiting
 *   512   8  capacity in bytes (a power of two), 520 4 max message bytes, 524 4 flags (bit 0:
 *            joinable, bit 1: one-to-one, bit 2: task counts, set with bit 0 since layout 3.1;
 *            bit 3: armed wake-ups, set with bit 1 since layout 3.2; other bits, bit 0 without
 *            bit 2 and bit 1 without bit 3 are refused), 528 8 max count (0: none)
 *   640   8  tasks done (joinable queues: task_done calls; join sleeps on its low half),
 *            648 4 joiners waiting
 * A joinable queue's unfinished tasks are its committed puts minus its tasks done: nothing is
 * counted before a put commits, so a producer killed inside a put leaves join nothing to wait
 * for (layout 3.1; 3.0 counted them in a word of their own, bumped before the commit).
 *  1024      the ring: capacity bytes of records
 * A record is {u32 length, u32 type (1 message, 2 padding)} then the payload, padded to 8 bytes;
 * a message never wraps: a padding record fills the end of the ring instead. A producer writes
 * its record beyond `tail` and then publishes it with one release store of `tail`; a consumer
 * copies the record at `head` out and then releases it with one store of `head`. Each runs under
 * its robust lock, so a process killed at any instruction loses at most its own in-flight
 * message and never blocks the others: its lock is taken over, and nothing it half-wrote is
 * visible. The header's state word becomes CLOSED on mproc_queue_shutdown (no more puts) and
 * POISONED when a consumer finds a malformed record.
 *
 * One-to-one queues (flags bits 1 and 3, spec.one_to_one; layout 3.0, armed wake-ups 3.2): one
 * producer handle and one consumer handle at a time, and no lock per message. The put lock
 * word is the producer ROLE: the first put (or mproc_queue_claim) takes it and keeps it until
 * mproc_queue_release or mproc_queue_close; a put through any other handle fails with
 * MPROC_EROLE while the holder lives, and takes the role over once it is dead. The get lock is
 * the consumer role likewise.
 * The protocol:
 *  - A record header is u32 length, then u32 type | lap << 2, where lap is bits 0..29 of the
 *    record's position >> log2(capacity); a consumer takes a header only with its position's
 *    lap (a scribbled ring cannot cycle), anything else nonzero poisons the queue.
 *  - The slot at `tail` (8 bytes) is always zero. A put writes its records beyond `tail`, every
 *    header but the first, zeroes the slot after its last record, stores its intent (puts
 *    before at 40, then the new tail at 32), stores puts + n, and then publishes with ONE
 *    release store of the first record's 8-byte header (for a wrap, the padding record at
 *    `tail`), then stores `tail`. So a put needs 8 bytes of room beyond its records.
 *  - A consumer polls the header at `head`: zero is empty. It copies records out, stores its
 *    intent (gets before at 168, then the new head at 160), gets + n, and commits with a release
 *    store of `head`. It never writes the ring.
 *  - Neither side executes an atomic read-modify-write or a fence per message: after a commit
 *    each reads the other side's sequence word (not_empty for a put, not_full for a get)
 *    plainly, and wakes only if it is odd ("armed", flags bit 3, layout 3.2): then it CASes the
 *    word to the next (even) value and wakes the sleeper. A sleeper raises its waiter count,
 *    and before each sleep that follows a wake-up (or the first) arms the word by a CAS of even
 *    to odd, looks again for 5 us (a commit whose read of the word came before the arming may
 *    still sit in its CPU's store buffer, which drains in a few cache-line transfers), and
 *    then sleeps on the odd value, at most 1 ms the first time after an arming. A wake-up is
 *    therefore late by at most 1 ms in that (unobserved) case, never lost; and one sleep costs
 *    one wake-up call, however many commits come before the sleeper runs. A sleeper that
 *    leaves still armed (what it waited for came while it looked) disarms the word the same
 *    way. A state change (shutdown, poison) adds 2, keeping the bit, and wakes everyone.
 *  - A role taken over from a dead holder repairs its side: a put whose first header is nonzero
 *    or already consumed (head beyond tail) happened (tail := intent tail), otherwise it did not
 *    (puts := intent puts); a get whose head store did not happen did not (gets := intent gets).
 *    A killed producer loses at most its in-flight put (a batch wholly), a killed consumer
 *    loses nothing: its in-flight message stays queued.
 * ------------------------------------------------------------------------------------------- */
#define MPROC_QUEUE_DEFAULT_CAPACITY ((uint64_t)1 << 20)
#define MPROC_QUEUE_MIN_CAPACITY ((uint64_t)4096)
#define MPROC_QUEUE_RING_OFFSET 1024

typedef struct mproc_queue mproc_queue_t;

/** Queue parameters fixed at creation. Zero-initialise for the defaults. */
typedef struct mproc_queue_spec {
  uint64_t capacity;          /* ring bytes: a power of two >= 4096; 0 = 1 MiB */
  uint32_t max_message;       /* largest payload; 0 = capacity/4 - 8; at most capacity/2 - 8 */
  uint64_t max_count;         /* at most this many messages queued (Python's maxsize); 0 = no limit */
  uint32_t max_participants;  /* 0 = MPROC_DEFAULT_PARTICIPANTS */
  uint32_t joinable;          /* 1: count unfinished tasks (Python's JoinableQueue) */
  uint32_t one_to_one;        /* 1: one producer and one consumer handle at a time (see above) */
} mproc_queue_spec_t;

/**
 * Creates a queue, named or anonymous (name NULL); spec may be NULL for the defaults.
 * MPROC_EINVAL names a bad capacity or max_message (see mproc_queue_spec_t).
 */
MPROC_EXTERN int mproc_queue_create(const char *name, const mproc_queue_spec_t *spec,
                                    mproc_queue_t **out);

/** Opens a named queue created by any process. */
MPROC_EXTERN int mproc_queue_open(const char *name, mproc_queue_t **out);

/** Opens a queue from a handed-over descriptor (consumed, see mproc_segment_attach_fd). */
MPROC_EXTERN int mproc_queue_open_fd(int fd, mproc_queue_t **out);

/** Detaches and frees the handle (the queue lives on for the others). NULL is a no-op. */
MPROC_EXTERN int mproc_queue_close(mproc_queue_t *q);

/** The queue's segment (descriptor, liveness). */
MPROC_EXTERN mproc_segment_t *mproc_queue_segment(mproc_queue_t *q);

/** Roles of a one-to-one queue, for mproc_queue_claim and mproc_queue_release. */
#define MPROC_QUEUE_PRODUCER 1
#define MPROC_QUEUE_CONSUMER 2

/** 1 if the queue was created one-to-one (spec.one_to_one), else 0. */
MPROC_EXTERN int mproc_queue_is_one_to_one(const mproc_queue_t *q);

/**
 * Takes a role of a one-to-one queue for this handle (puts and gets take theirs themselves; a
 * binding that runs the protocol on its own mapping claims first). Returns 0 when the handle
 * holds the role, MPROC_EROLE when another live handle holds it, MPROC_EINVAL for a bad role or
 * a queue that is not one-to-one. A role held by a dead process is taken over and its side
 * repaired (see the layout above). The handle's calls for a role must not run concurrently:
 * serialise them (one thread at a time).
 */
MPROC_EXTERN int mproc_queue_claim(mproc_queue_t *q, int role);

/**
 * Gives a role back so that another handle can claim it (mproc_queue_close does it too).
 * MPROC_ENOTOWNER if this handle does not hold it.
 */
MPROC_EXTERN int mproc_queue_release(mproc_queue_t *q, int role);

/**
 * Appends a message of `len` bytes, waiting up to timeout_ns for room. Returns 0,
 * MPROC_ETIMEDOUT (full), MPROC_EAGAIN (timeout 0 only: another producer holds the put lock at
 * this instant; nothing was written), MPROC_ECLOSED (shut down), MPROC_EMSGSIZE (len above the
 * queue's max message), MPROC_ECORRUPT (the queue is poisoned). On a one-to-one queue also
 * MPROC_EROLE (another live handle is its producer), and never MPROC_EAGAIN.
 */
MPROC_EXTERN int mproc_queue_put(mproc_queue_t *q, const void *buf, uint32_t len,
                                 int64_t timeout_ns);

/**
 * Removes the oldest message into buf (capacity `cap` bytes), waiting up to timeout_ns for one;
 * its length goes to *len. A get, peek or batch get that waits spins for up to 20 us (not past
 * its timeout, and not while spinning keeps failing) before it sleeps; after a stream (8 or
 * more messages taken since a get of this handle last found the queue empty) it first looks
 * away for 4 us, then looks every 0.5 us, leaving the producer's cache lines alone: a message
 * that comes within 4 us of a stream's end may wait that much longer (docs/architecture.md). Returns 0, MPROC_ETIMEDOUT (empty), MPROC_EAGAIN (timeout 0 only:
 * another consumer holds the get lock), MPROC_ECLOSED (shut down and drained), MPROC_ETOOSMALL
 * (the message is longer than cap: *len is its length and it stays queued), MPROC_ECORRUPT (a
 * malformed record was found: the queue is poisoned and every later call fails so). On a
 * one-to-one queue also MPROC_EROLE (another live handle is its consumer), and never
 * MPROC_EAGAIN.
 */
MPROC_EXTERN int mproc_queue_get(mproc_queue_t *q, void *buf, uint32_t cap, uint32_t *len,
                                 int64_t timeout_ns);

/**
 * mproc_queue_get (remove 1) or mproc_queue_peek (remove 0) for bindings: the result is the
 * message's length (>= 0) or a negative code as for mproc_queue_get, so no out-parameter needs
 * memory. On MPROC_ETOOSMALL, mproc_queue_peek tells the length.
 */
MPROC_EXTERN int mproc_queue_recv(mproc_queue_t *q, void *buf, uint32_t cap, int64_t timeout_ns,
                                  int remove);

/**
 * Appends a batch: `count` (>= 1) messages whose lengths are lens[0..count), packed back to back
 * in buf. Waits up to timeout_ns for room for the first, then writes as many of them as fit now
 * under one hold of the put lock and publishes them with one commit: consumers see all of those
 * or none, and a producer killed before the commit has put none of them. *done tells how many
 * (>= 1 when the result is 0); put the rest with another call. Returns as mproc_queue_put, and
 * MPROC_EMSGSIZE (nothing written) if any length is above the queue's max message.
 */
MPROC_EXTERN int mproc_queue_put_batch(mproc_queue_t *q, const void *buf, const uint32_t *lens,
                                       uint32_t count, uint32_t *done, int64_t timeout_ns);

/**
 * Removes a batch: waits up to timeout_ns for a message, then takes, under one hold of the get
 * lock and with one commit, as many queued messages as fit in buf (capacity cap bytes), up to
 * `max` (>= 1): packed back to back, their lengths in lens[0..*got). A consumer killed before
 * the commit leaves them all queued. A message that does not fit after the first ends the batch
 * and stays queued. Returns as mproc_queue_get; on MPROC_ETOOSMALL (the first message is longer
 * than cap) lens[0] is its length and it stays queued.
 */
MPROC_EXTERN int mproc_queue_get_batch(mproc_queue_t *q, void *buf, size_t cap, uint32_t *lens,
                                       uint32_t max, uint32_t *got, int64_t timeout_ns);

/** As mproc_queue_get, but leaves the message queued. */
MPROC_EXTERN int mproc_queue_peek(mproc_queue_t *q, void *buf, uint32_t cap, uint32_t *len,
                                  int64_t timeout_ns);

/** No more puts (they fail with MPROC_ECLOSED); consumers drain what is queued, then see closed. */
MPROC_EXTERN int mproc_queue_shutdown(mproc_queue_t *q);

/** Messages queued now: every committed put minus every committed get. */
MPROC_EXTERN uint64_t mproc_queue_size(const mproc_queue_t *q);

/** 1 if mproc_queue_shutdown was called (by any process), else 0. */
MPROC_EXTERN int mproc_queue_is_shutdown(const mproc_queue_t *q);

/**
 * 1 when a put of the largest message would have to wait: max_count messages are queued, or
 * the ring cannot take a max-size record now.
 */
MPROC_EXTERN int mproc_queue_is_full(const mproc_queue_t *q);

/**
 * Python's JoinableQueue.task_done(): one item taken earlier is fully processed. MPROC_ENOTASK
 * when called more times than items were put; MPROC_EINVAL for a queue not created joinable.
 * A consumer killed between its get and its task_done leaves that task unfinished for ever
 * (as in Python): join then waits until its timeout.
 */
MPROC_EXTERN int mproc_queue_task_done(mproc_queue_t *q);

/**
 * Python's JoinableQueue.join(): waits up to timeout_ns until every item ever put has been
 * marked done. Returns 0 or MPROC_ETIMEDOUT; MPROC_EINVAL for a queue not created joinable.
 */
MPROC_EXTERN int mproc_queue_join(mproc_queue_t *q, int64_t timeout_ns);

/** Items put and not yet marked done (joinable queues; 0 otherwise). */
MPROC_EXTERN uint64_t mproc_queue_unfinished(const mproc_queue_t *q);

/** The largest message this queue accepts, in bytes. */
MPROC_EXTERN uint32_t mproc_queue_max_message(const mproc_queue_t *q);

/** The ring's capacity in bytes. */
MPROC_EXTERN uint64_t mproc_queue_capacity(const mproc_queue_t *q);

/** The maximum number of queued messages, 0 for none. */
MPROC_EXTERN uint64_t mproc_queue_max_count(const mproc_queue_t *q);

/* ---------------------------------------------------------------------------------------------
 * Connections: message framing over a byte stream, wire-compatible with Python's
 * multiprocessing.connection: a 4-byte big-endian signed length then the bytes; a message of
 * 2 GiB or more is sent as length -1 then an 8-byte big-endian length. Works on any stream
 * descriptor (socketpair, pipe, TCP or Unix socket). SIGPIPE is never raised.
 * ------------------------------------------------------------------------------------------- */

/**
 * Creates a connected pair: a socketpair (duplex, 1) or a pipe (0: *a reads, *b writes), both
 * close-on-exec.
 */
MPROC_EXTERN int mproc_conn_pair(int duplex, int *a, int *b);

/** Sends one framed message; MPROC_EPIPE when the peer has closed. Blocks while the pipe is full. */
MPROC_EXTERN int mproc_conn_send(int fd, const void *buf, uint64_t len);

/**
 * Receives one framed message, waiting up to timeout_ns for it to begin (polling without sleeping
 * for the first 20 us on a multi-processor while that keeps paying off for the calling thread,
 * then sleeping), into a malloc'd buffer
 * (free with mproc_free). MPROC_EEOF when the peer closed before a message began, MPROC_EPROTO
 * for a truncated frame or a negative length, MPROC_EMSGSIZE for a length above max_len (the
 * connection is then unusable: the rest of that message is still in the stream),
 * MPROC_ETIMEDOUT when none began.
 */
MPROC_EXTERN int mproc_conn_recv(int fd, uint64_t max_len, int64_t timeout_ns, void **buf,
                                 uint64_t *len);

/** Waits up to timeout_ns for data or end-of-stream: 0 when reading would not block. */
MPROC_EXTERN int mproc_conn_poll(int fd, int64_t timeout_ns);

/*
 * The pieces of mproc_conn_send and mproc_conn_recv, for bindings that can lend their own memory
 * to a call only while it cannot block (a JVM's heap arrays): a non-blocking attempt straight
 * from or into that memory, and a blocking fallback through a copy.
 */

/**
 * Sends the frame of a `len`-byte message from frame offset `from` (0: its start; the header
 * counts, 4 bytes, or 12 from 2 GiB). Returns the frame offset reached: header plus len when the
 * whole frame is out. With nonblock, stops instead of waiting when the socket is full, and
 * returns MPROC_ENOTSOCK at once for a pipe (which cannot be written without blocking); call
 * again, blocking, from the offset returned.
 */
MPROC_EXTERN int64_t mproc_conn_send_from(int fd, const void *buf, uint64_t len, uint64_t from,
                                          int nonblock);

/**
 * Waits up to timeout_ns for a message to begin and reads its header: the message's length
 * (>= 0), then read exactly that many bytes with mproc_conn_read_some / mproc_conn_read. Errors
 * as mproc_conn_recv.
 */
MPROC_EXTERN int64_t mproc_conn_recv_header(int fd, uint64_t max_len, int64_t timeout_ns);

/**
 * Reads up to len bytes of a message begun, without waiting: how many (0 when none is there
 * yet), MPROC_EPROTO if the peer closed mid-message, MPROC_ENOTSOCK for a pipe.
 */
MPROC_EXTERN int64_t mproc_conn_read_some(int fd, void *buf, uint64_t len);

/** Waits up to timeout_ns until a send would make progress: 0, or MPROC_ETIMEDOUT. */
MPROC_EXTERN int mproc_conn_wait_writable(int fd, int64_t timeout_ns);

/** Reads exactly len bytes of a message begun, blocking; MPROC_EPROTO if the stream ends first. */
MPROC_EXTERN int mproc_conn_read(int fd, void *buf, uint64_t len);

/**
 * Passes a descriptor over a Unix-socket connection, as Python's
 * multiprocessing.reduction.send_handle does on Linux: one byte (the count, 1) carrying the
 * descriptor as SCM_RIGHTS, outside the message framing. `handle` stays open here.
 * MPROC_EINVAL for a connection that is not a Unix socket (a pipe, TCP).
 */
MPROC_EXTERN int mproc_conn_send_handle(int fd, int handle);

/**
 * Receives a descriptor sent by mproc_conn_send_handle or Python's send_handle, waiting up to
 * timeout_ns; *handle is a new close-on-exec descriptor owned by the caller. MPROC_EEOF when the
 * peer closed, MPROC_EPROTO when what arrived is not exactly one descriptor.
 */
MPROC_EXTERN int mproc_conn_recv_handle(int fd, int64_t timeout_ns, int *handle);

/**
 * Waits up to timeout_ns for any of n descriptors to become readable (data, end-of-stream, a
 * pending connection on a listener, or an exited child's sentinel), as Python's
 * multiprocessing.connection.wait. Sets ready[i] to 1 for each ready descriptor, 0 otherwise,
 * and returns how many are ready: 0 when the timeout passed first. MPROC_EBADF if one is not open.
 */
MPROC_EXTERN int mproc_wait_any(const int *fds, int n, int64_t timeout_ns, unsigned char *ready);

/* ---------------------------------------------------------------------------------------------
 * Listeners and clients: Python's multiprocessing.connection.Listener and Client.
 *
 * Addresses are strings:
 *   "unix:/path/to/socket"  a Unix domain socket; the listener creates the file with mode 0600
 *                           (owner only) and mproc_listener_close removes it; at most 107 bytes
 *   "tcp:HOST:PORT"         TCP over IPv4 or IPv6 ("tcp:[::1]:6000"); HOST a name or a literal;
 *                           port 0 lets the kernel choose (read it back with
 *                           mproc_listener_address). Accepted and connected TCP sockets have
 *                           TCP_NODELAY.
 * Connected descriptors carry the framing of mproc_conn_send/recv.
 *
 * The optional authkey handshake is Python's, so either end may be a Python process:
 *   server: sends "#CHALLENGE#{sha256}" + 40 random bytes; the client answers "{sha256}" +
 *           HMAC-SHA256(key, "{sha256}" + nonce) (Python >= 3.12), or the bare 16-byte
 *           HMAC-MD5 of the same bytes (Python <= 3.11); the server replies "#WELCOME#" or
 *           "#FAILURE#"; then the roles swap. A 20-byte legacy challenge is answered with a
 *           bare HMAC-MD5. Every handshake message is at most 256 bytes.
 * MPROC_EAUTH when the keys differ or the peer does not follow the protocol.
 * ------------------------------------------------------------------------------------------- */

/**
 * Creates a listening socket at `address` with the given backlog. Errors: MPROC_EBADADDR (not
 * "unix:..." or "tcp:HOST:PORT", or a host that does not resolve), MPROC_ENAMETOOLONG,
 * MPROC_EADDRINUSE, MPROC_EACCES, MPROC_EADDRNOTAVAIL.
 */
MPROC_EXTERN int mproc_listen(const char *address, int backlog, int *fd);

/**
 * Writes the address a listener is bound to ("tcp:127.0.0.1:43127", "unix:/tmp/s") into buf.
 * MPROC_ETOOSMALL if it does not fit in len bytes (NUL included).
 */
MPROC_EXTERN int mproc_listener_address(int fd, char *buf, size_t len);

/** Closes a listener, removing its socket file if it is a Unix one (as Python does). */
MPROC_EXTERN int mproc_listener_close(int fd);

/**
 * Accepts one connection, waiting up to timeout_ns: *fd is a new close-on-exec descriptor. No
 * handshake: call mproc_auth_server next when a key is set. MPROC_ETIMEDOUT if none came.
 */
MPROC_EXTERN int mproc_accept(int listen_fd, int64_t timeout_ns, int *fd);

/**
 * Connects to a listener at `address`, waiting up to timeout_ns. Errors: MPROC_EBADADDR,
 * MPROC_ECONNREFUSED, MPROC_ENOENT (no Unix socket there), MPROC_ETIMEDOUT, ...
 */
MPROC_EXTERN int mproc_connect(const char *address, int64_t timeout_ns, int *fd);

/**
 * The listener's side of the handshake on an accepted connection (challenge, then answer),
 * finished within timeout_ns. key must not be empty. MPROC_EAUTH if the client does not know
 * the key (it has been told "#FAILURE#"); MPROC_EEOF if it hung up; MPROC_ETIMEDOUT.
 */
MPROC_EXTERN int mproc_auth_server(int fd, const void *key, size_t keylen, int64_t timeout_ns);

/** The client's side of the handshake (answer, then challenge); results as mproc_auth_server. */
MPROC_EXTERN int mproc_auth_client(int fd, const void *key, size_t keylen, int64_t timeout_ns);

/* ---------------------------------------------------------------------------------------------
 * Processes: spawning children and handing them objects
 *
 * mproc_spawn starts a program with posix_spawn. The child gets
 *   fd 0..2                  the parent's, or the descriptors given in the options
 *   fd MPROC_BOOTSTRAP_FD    one end of a socketpair, the bootstrap channel
 *   fd 4, 5, ...             the handed descriptors, in order
 * and no other descriptor of the parent. The parent first sends a manifest over the channel
 * (mproc_child_send_manifest) naming each handed object; later messages, possibly carrying
 * descriptors (SCM_RIGHTS), may follow in both directions. The channel is also a lifeline: it
 * reads end-of-stream once the parent has died, however it died.
 *
 * Manifest, version 1 (little-endian), the first message from the parent:
 *   0  8  "MPROCMAN"
 *   8  2  major (1)     10 2 minor (0)
 *   12 4  flags: bit 0 daemon (the child should exit when the parent dies)
 *   16 4  entry count n
 *   20 4  payload length p
 *   24    n entries of 48 bytes: u16 kind, char elem_code, u8 reserved, i32 fd (in the child),
 *         u64 reserved, char name[32] (the object's name or a label, NUL-terminated)
 *   24+48n  p bytes of payload, opaque to the library (the Java child's target)
 * Every message on the channel is a u32 little-endian length followed by that many bytes.
 * ------------------------------------------------------------------------------------------- */
#define MPROC_BOOTSTRAP_FD 3
#define MPROC_FIRST_HANDED_FD 4
#define MPROC_MAX_HANDED 64
#define MPROC_MAX_MESSAGE ((uint32_t)64 << 20) /* 64 MiB */
#define MPROC_MANIFEST_MAGIC "MPROCMAN"
#define MPROC_MANIFEST_DAEMON 0x1u

typedef struct mproc_child mproc_child_t;

/** How to start a child: zero-initialise, then set what you need. */
typedef struct mproc_spawn_opts {
  const char *path;         /* the program; searched on PATH when it contains no '/' */
  char *const *argv;        /* NULL-terminated; argv[0] is conventionally the program name */
  char *const *envp;        /* NULL-terminated environment, or NULL to inherit this one */
  const int *fds;           /* descriptors handed to the child at 4, 5, ... (not consumed) */
  int nfds;                 /* at most MPROC_MAX_HANDED */
  int stdin_fd;             /* -1 to inherit; otherwise becomes the child's fd 0 */
  int stdout_fd;            /* -1 to inherit */
  int stderr_fd;            /* -1 to inherit */
} mproc_spawn_opts_t;

/** Initialises options with nothing handed and standard streams inherited. */
MPROC_EXTERN void mproc_spawn_opts_init(mproc_spawn_opts_t *opts);

/**
 * Starts a child. Errors: MPROC_EINVAL, MPROC_EBOUNDS (too many fds), MPROC_EBADF (a handed
 * descriptor is not open), and the exec failure as an errno code (MPROC_ENOENT for a missing
 * program, MPROC_EACCES, MPROC_ENOEXEC, ...). The child is running when this returns 0.
 */
MPROC_EXTERN int mproc_spawn(const mproc_spawn_opts_t *opts, mproc_child_t **out);

/**
 * mproc_spawn with its options as arguments (for bindings): `envp` NULL inherits, `fds` may be
 * NULL when nfds is 0, and a standard stream of -1 is inherited.
 */
MPROC_EXTERN int mproc_spawnv(const char *path, char *const argv[], char *const envp[],
                              const int *fds, int nfds, int stdin_fd, int stdout_fd,
                              int stderr_fd, mproc_child_t **out);

/** The child's process id. */
MPROC_EXTERN int mproc_child_pid(const mproc_child_t *child);

/** The parent's end of the bootstrap channel (owned by the handle). */
MPROC_EXTERN int mproc_child_channel(const mproc_child_t *child);

/**
 * Sends the manifest (see above): `count` entries from kinds/codes/names describing the handed
 * descriptors in order, flags, and an opaque payload. names[i] may be NULL.
 */
MPROC_EXTERN int mproc_child_send_manifest(mproc_child_t *child, uint32_t flags, int count,
                                           const uint16_t *kinds, const char *codes,
                                           const char *const *names, const void *payload,
                                           uint32_t payload_len);

/** Bytes before the manifest in a manifest file: byte 0 is the child's status. */
#define MPROC_MANIFEST_FILE_PREFIX 8
/** Status byte a child writes into its manifest file once it has read what it needs. */
#define MPROC_MANIFEST_JOINED 'J'

/**
 * Writes a manifest into a new anonymous file (memfd) for handing to a child as a descriptor:
 * MPROC_MANIFEST_FILE_PREFIX zero bytes, then the manifest, whose entries are numbered from
 * first_fd. A child that cannot use the library yet (a JVM that has not loaded it) reads the
 * file through /proc/self/fd and reports it has joined by writing MPROC_MANIFEST_JOINED at
 * offset 0, which the parent reads back after the child exits. *fd is owned by the caller.
 */
MPROC_EXTERN int mproc_manifest_file(int first_fd, uint32_t flags, int count,
                                     const uint16_t *kinds, const char *codes,
                                     const char *const *names, const void *payload,
                                     uint32_t payload_len, int *fd);

/**
 * Waits up to timeout_ns for the child to exit and reaps it. On 0, *exit_code is Python's
 * exitcode: the exit status, or -N when killed by signal N. MPROC_ETIMEDOUT while it runs.
 * Once reaped, later calls return 0 with the same code at once.
 */
MPROC_EXTERN int mproc_child_wait(mproc_child_t *child, int64_t timeout_ns, int *exit_code);

/**
 * A new close-on-exec descriptor that becomes readable when the child exits (a duplicate of its
 * pidfd), for mproc_wait_any. The caller owns and closes it; it stays valid after the child is
 * reaped and after mproc_child_free. MPROC_ENOSYS on kernels without pidfd_open (before 5.3).
 */
MPROC_EXTERN int mproc_child_sentinel(const mproc_child_t *child);

/** Sends a signal to the child; 0 (no effect) once it has exited. Safe against pid reuse. */
MPROC_EXTERN int mproc_child_signal(mproc_child_t *child, int sig);

/** Closes the channel and frees the handle; does not wait for or kill the child. NULL is a no-op. */
MPROC_EXTERN int mproc_child_free(mproc_child_t *child);

/**
 * Sends one message on a channel: a u32 length then `len` bytes, with `nfds` descriptors
 * attached (SCM_RIGHTS; they stay open here). MPROC_EPIPE when the peer is gone (SIGPIPE is
 * never raised). Blocks while the socket buffer is full.
 */
MPROC_EXTERN int mproc_channel_send(int fd, const void *buf, uint32_t len, const int *fds,
                                    int nfds);

/**
 * Receives one message, waiting at most timeout_ns for it to begin. *buf receives a malloc'd
 * copy (free it with mproc_free), *len its length; received descriptors go to fds (up to
 * maxfds, the rest are closed) and their number to *nfds. MPROC_EEOF when the peer closed the
 * channel before a message began, MPROC_EPROTO for a length over MPROC_MAX_MESSAGE or a message
 * cut short, MPROC_ETIMEDOUT when none arrived.
 */
MPROC_EXTERN int mproc_channel_recv(int fd, int64_t timeout_ns, void **buf, uint32_t *len,
                                    int *fds, int maxfds, int *nfds);

/** Modes of mproc_fd_open. */
#define MPROC_OPEN_READ 0     /* an existing file, read-only */
#define MPROC_OPEN_WRITE 1    /* created (0644) or truncated, write-only */
#define MPROC_OPEN_APPEND 2   /* created (0644) or appended to, write-only */

/**
 * Opens a file as a close-on-exec descriptor, for a child's standard streams (bindings cannot
 * get a descriptor number from their own file objects). Errors are errno codes naming why
 * (MPROC_ENOENT, MPROC_EACCES, ...); MPROC_EINVAL for another mode.
 */
MPROC_EXTERN int mproc_fd_open(const char *path, int mode, int *fd);

/** Closes a descriptor (for bindings that cannot), retrying EINTR; MPROC_EBADF if not open. */
MPROC_EXTERN int mproc_fd_close(int fd);

/** Frees memory the library allocated for the caller (mproc_channel_recv's buffers). */
MPROC_EXTERN void mproc_free(void *p);

/**
 * Waits up to timeout_ns for the other end of a channel to close, without reading anything.
 * Returns 0 when it has closed (the parent died or let go), MPROC_ETIMEDOUT otherwise.
 */
MPROC_EXTERN int mproc_lifeline_wait(int fd, int64_t timeout_ns);

/** One object handed to this process, as the manifest describes it. */
typedef struct mproc_handed {
  uint16_t kind;   /* mproc_kind_t */
  char elem_code;  /* element type for Values and Arrays, else 0 */
  int fd;          /* the descriptor in this process; open it with mproc_array_open_fd etc. */
  char name[32];   /* the object's name or label */
} mproc_handed_t;

#if !defined(__cplusplus)
_Static_assert(offsetof(mproc_handed_t, fd) == 4, "handed.fd at 4");
_Static_assert(offsetof(mproc_handed_t, name) == 8, "handed.name at 8");
_Static_assert(sizeof(mproc_handed_t) == 40, "handed is 40 bytes");
#endif

typedef struct mproc_handoff mproc_handoff_t;

/**
 * In a child started by mproc_spawn: reads the manifest from MPROC_BOOTSTRAP_FD (waiting up to
 * timeout_ns). Errors: MPROC_EBADF when this process has no bootstrap channel, MPROC_EPROTO for a
 * malformed manifest, MPROC_EVERSION for another major version.
 */
MPROC_EXTERN int mproc_child_init(int64_t timeout_ns, mproc_handoff_t **out);

/**
 * As mproc_child_init, but returns the validated manifest's raw bytes (the format above) in a
 * malloc'd buffer (free it with mproc_free), for bindings that parse it themselves.
 */
MPROC_EXTERN int mproc_child_read_manifest(int64_t timeout_ns, void **buf, uint32_t *len);

/** Number of handed objects. */
MPROC_EXTERN int mproc_handoff_count(const mproc_handoff_t *h);

/** The handed object at `index` (MPROC_EBOUNDS past the end). */
MPROC_EXTERN int mproc_handoff_get(const mproc_handoff_t *h, int index, mproc_handed_t *out);

/** The index of the handed object with this name, or MPROC_ENOENT. */
MPROC_EXTERN int mproc_handoff_find(const mproc_handoff_t *h, const char *name);

/** The manifest's flags (MPROC_MANIFEST_DAEMON). */
MPROC_EXTERN uint32_t mproc_handoff_flags(const mproc_handoff_t *h);

/** The manifest's opaque payload and its length (valid until mproc_handoff_free). */
MPROC_EXTERN const void *mproc_handoff_payload(const mproc_handoff_t *h, uint32_t *len);

/** Frees the handoff (does not close the handed descriptors). NULL is a no-op. */
MPROC_EXTERN void mproc_handoff_free(mproc_handoff_t *h);

/**
 * Ends this process as if killed by `sig` (default disposition, then raise), so the parent sees
 * exitcode -sig. Used by children that intercept SIGTERM to clean up first. Does not return.
 */
MPROC_EXTERN void mproc_die_by_signal(int sig);

#ifdef __cplusplus
}
#endif
#endif /* MPROC_H */
