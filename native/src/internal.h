/* Internal declarations shared by the library's source files. Not installed. */
#ifndef MPROC_INTERNAL_H
#define MPROC_INTERNAL_H

#include "mproc.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

/* Negated errno of the last failed system call, as an mproc code. */
#define MPROC__ERR(e) (-(e))

/* A handle on one attached segment. */
struct mproc_segment {
  mproc_header_t *hdr; /* the mapping, hdr->total_size bytes */
  uint64_t map_size;
  int fd;
  uint32_t slot;       /* this handle's participant slot */
  uint32_t generation; /* generation of the slot when claimed */
  uint32_t owner_word; /* lock word value meaning "this handle owns the lock" */
};

/* Atomic access to a 32/64-bit field of shared memory. */
#define MPROC__A32(p) ((_Atomic uint32_t *)(void *)(p))
#define MPROC__A64(p) ((_Atomic uint64_t *)(void *)(p))

static inline mproc_participant_t *mproc__slots(const mproc_header_t *h) {
  return (mproc_participant_t *)(void *)((char *)h + h->participants_offset);
}

/* Start time of a process in clock ticks since boot (/proc/<pid>/stat field 22); 0 if unknown. */
uint64_t mproc__proc_start_time(pid_t pid);

/* 1 if `pid` runs and started at `start` (0 start = do not compare). */
int mproc__process_alive(pid_t pid, uint64_t start);

/* CLOCK_REALTIME in nanoseconds. */
int64_t mproc__realtime_ns(void);

/* CRC-32 (IEEE 802.3) of the fixed header fields. */
uint32_t mproc__header_crc(const mproc_header_t *h);

/* Liveness probe of `slot` through any fd of the segment's file: 1 held (alive), 0 free, <0 error. */
int mproc__probe_slot(int fd, uint32_t slot);

/*
 * 1 if the owner recorded in lock-word identity `v` (slot + 1 | generation, the contended bit
 * ignored) is dead, its slot recycled, or the word corrupt; else 0. Costs one fcntl.
 */
int mproc__owner_dead(const mproc_segment_t *seg, uint32_t v);

#if defined(__x86_64__) || defined(__i386__)
#define MPROC__PAUSE() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define MPROC__PAUSE() __asm__ __volatile__("yield")
#else
#define MPROC__PAUSE() ((void)0)
#endif

/*
 * A robust lock word with its flags and takeover count: 16 bytes, the layout of the header's
 * lock fields at offset 128, and of every other lock an object's body holds (see mproc.h).
 */
typedef struct mproc_lockword {
  uint32_t word;
  uint32_t flags;
  uint32_t epoch;
  uint32_t reserved;
} mproc_lockword_t;

/* The robust lock on any lock word of the segment (mproc_lock_acquire documents the result). */
int mproc__lock_acquire(mproc_segment_t *seg, mproc_lockword_t *lw, int64_t timeout_ns);
int mproc__lock_release(mproc_segment_t *seg, mproc_lockword_t *lw);
int mproc__lock_held(const mproc_segment_t *seg, const mproc_lockword_t *lw);

struct msghdr;

struct pollfd;

/* poll() until the deadline, retrying EINTR: how many are ready (0 when the time passed), or an
   error code. */
int mproc__poll_many(struct pollfd *p, size_t n, int64_t timeout_ns);

/* Waits up to timeout_ns (MPROC_FOREVER: no limit) for `events` on fd: 0, MPROC_ETIMEDOUT. */
int mproc__poll_for(int fd, short events, int64_t timeout_ns);

/* Reads exactly len bytes, blocking. MPROC_EEOF if the stream ends first. */
int mproc__read_full(int fd, unsigned char *p, size_t len);

struct iovec;

/* writev that never raises SIGPIPE (a pipe without reader gives -1/EPIPE, as sockets do). */
ssize_t mproc__writev_nosignal(int fd, const struct iovec *iov, int count);

/* Sends every byte of msg's iovecs (control data with the first bytes); pipes get writev. */
int mproc__send_all(int fd, struct msghdr *msg);

/*
 * Adaptive spinning before sleeping (wait.c). Spinning skips the scheduler's wake-up when the
 * awaited event comes within microseconds, but on an oversubscribed machine the spinner takes
 * the CPU its peer needs to produce the event. So a waiter asks mproc__spin_allowed() before
 * spinning and reports with mproc__spin_result(s, found) after: spins that find nothing make the
 * next 1, 2, 4, ... up to 1024 spins be skipped, a successful one resets that. Never on a
 * single CPU.
 *
 * The state belongs to what is waited on: a queue handle keeps its own, so that one whose
 * waits keep failing (a queue fed once a second) does not stop the same thread from spinning
 * on another whose peer answers within microseconds, as a thread-wide state did. NULL is the
 * calling thread's own state, for connections, whose API has no handle to keep one in.
 * Threads sharing a handle race on its state, which only blurs the backoff.
 */
typedef struct {
  _Atomic uint32_t skip;    /* spins still to skip */
  _Atomic uint32_t backoff; /* how many the next failure makes skip: 0, or 1 to 1024 */
} mproc__spin_t;

bool mproc__spin_allowed(mproc__spin_t *s);
void mproc__spin_result(mproc__spin_t *s, bool found);

/* Digests for the authkey handshake (digest.c). */
enum { MPROC__MD5 = 1, MPROC__SHA256 = 2 };

/* The digest's length in bytes: 16 for MD5, 32 for SHA-256. */
size_t mproc__digest_size(int alg);

/* HMAC (RFC 2104) of msg under key with the given digest into out; returns its length. */
size_t mproc__hmac(int alg, const void *key, size_t keylen, const void *msg, size_t msglen,
                   unsigned char out[32]);

/* Compares n bytes in a time that does not depend on where they differ: 1 if equal. */
int mproc__equal_ct(const void *a, const void *b, size_t n);

/* Retries a system call returning -1/errno while it fails with EINTR. */
#define MPROC__RETRY(expr)                                                                         \
  ({                                                                                               \
    long mproc__r_;                                                                                \
    do {                                                                                           \
      mproc__r_ = (long)(expr);                                                                    \
    } while (mproc__r_ == -1 && errno == EINTR);                                                   \
    mproc__r_;                                                                                     \
  })

#endif
