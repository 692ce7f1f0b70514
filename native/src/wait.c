/*
 * Wait and wake on a shared 32-bit word, and the clocks.
 *
 * Linux uses futex(2) WITHOUT FUTEX_PRIVATE_FLAG: private futexes are keyed by (mm, address) and
 * never wake another process, while shared ones are keyed by (inode, offset) and so work across
 * processes even when each maps the segment at a different address. macOS (__ulock_wait2 with
 * UL_COMPARE_AND_WAIT_SHARED) and FreeBSD (_umtx_op UMTX_OP_WAIT_UINT) slot in behind the same
 * two static functions below.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <time.h>

#if defined(__linux__)
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#error "mproc: wait/wake is implemented for Linux only so far"
#endif

int64_t mproc_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t mproc__realtime_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int os_wait(const uint32_t *addr, uint32_t expected, int64_t timeout_ns) {
  struct timespec ts, *tsp = NULL;
  if (timeout_ns >= 0) {
    ts.tv_sec = (time_t)(timeout_ns / 1000000000);
    ts.tv_nsec = (long)(timeout_ns % 1000000000);
    tsp = &ts;
  }
  /* A relative timeout on CLOCK_MONOTONIC: FUTEX_WAIT measures it that way. */
  if (syscall(SYS_futex, addr, FUTEX_WAIT, expected, tsp, NULL, 0) == 0)
    return 0;
  switch (errno) {
  case EAGAIN: /* the word already differed */
    return 0;
  case ETIMEDOUT:
    return MPROC_ETIMEDOUT;
  case EINTR:
    return MPROC_EINTR;
  default:
    return MPROC__ERR(errno);
  }
}

static int os_wake(const uint32_t *addr, int n) {
  long r = syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
  return r < 0 ? MPROC__ERR(errno) : (int)r;
}

int mproc_wait32(const uint32_t *addr, uint32_t expected, int64_t timeout_ns) {
  if (addr == NULL || ((uintptr_t)addr & 3) != 0)
    return MPROC_EINVAL;
  if (timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  if (timeout_ns == 0)
    return atomic_load_explicit(MPROC__A32(addr), memory_order_acquire) == expected
               ? MPROC_ETIMEDOUT
               : 0;
  return os_wait(addr, expected, timeout_ns);
}

int mproc_wake32(const uint32_t *addr, int n, int *woken) {
  if (addr == NULL || ((uintptr_t)addr & 3) != 0 || n <= 0)
    return MPROC_EINVAL;
  int r = os_wake(addr, n);
  if (r < 0)
    return r;
  if (woken != NULL)
    *woken = r;
  return 0;
}

/*
 * Adaptive spinning (see internal.h): a spin that ends without what it waited for makes the
 * state's next 1, 2, 4, ... up to 1024 spins be skipped; one that succeeds resets that. The
 * state is a handle's, or with NULL the calling thread's.
 */
static __thread mproc__spin_t thread_spin;
static _Atomic int spin_cpus; /* 0 until the first call (threads may race to set it) */

bool mproc__spin_allowed(mproc__spin_t *s) {
  int cpus = atomic_load_explicit(&spin_cpus, memory_order_relaxed);
  if (cpus == 0) {
    cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    atomic_store_explicit(&spin_cpus, cpus, memory_order_relaxed);
  }
  if (cpus < 2)
    return false;
  if (s == NULL)
    s = &thread_spin;
  uint32_t skip = atomic_load_explicit(&s->skip, memory_order_relaxed);
  if (skip > 0) {
    atomic_store_explicit(&s->skip, skip - 1, memory_order_relaxed);
    return false;
  }
  return true;
}

void mproc__spin_result(mproc__spin_t *s, bool found) {
  if (s == NULL)
    s = &thread_spin;
  if (found) {
    atomic_store_explicit(&s->backoff, 0, memory_order_relaxed);
    return;
  }
  uint32_t b = atomic_load_explicit(&s->backoff, memory_order_relaxed);
  b = b == 0 ? 1 : b < 1024 ? b * 2 : 1024;
  atomic_store_explicit(&s->backoff, b, memory_order_relaxed);
  atomic_store_explicit(&s->skip, b, memory_order_relaxed);
}

int mproc_wait32_spin(const uint32_t *addr, uint32_t expected, int spins, int64_t timeout_ns) {
  if (addr == NULL || ((uintptr_t)addr & 3) != 0 || spins < 0 || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  for (int i = 0; i < spins; i++) {
    if (atomic_load_explicit(MPROC__A32(addr), memory_order_acquire) != expected)
      return 0;
    MPROC__PAUSE();
  }
  int64_t deadline = timeout_ns >= 0 ? mproc_now_ns() + timeout_ns : INT64_MAX;
  for (;;) {
    if (atomic_load_explicit(MPROC__A32(addr), memory_order_acquire) != expected)
      return 0;
    int64_t left = timeout_ns >= 0 ? deadline - mproc_now_ns() : MPROC_FOREVER;
    if (timeout_ns >= 0 && left <= 0)
      return MPROC_ETIMEDOUT;
    int r = os_wait(addr, expected, left);
    if (r != 0 && r != MPROC_EINTR && r != MPROC_ETIMEDOUT)
      return r;
  }
}

/* mproc_process_barrier: registration once per process (MEMBARRIER_CMD_PRIVATE_EXPEDITED is
   refused with EPERM until the process registered), its result kept for every later call. */
static pthread_once_t barrier_once = PTHREAD_ONCE_INIT;
static int barrier_rc;

static void barrier_register(void) {
  long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  if (cmds < 0 || (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0 ||
      syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0)
    barrier_rc = MPROC_ENOSYS;
}

int mproc_process_barrier(void) {
  pthread_once(&barrier_once, barrier_register);
  if (barrier_rc != 0)
    return barrier_rc;
  if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
    return errno == EINVAL || errno == EPERM || errno == ENOSYS ? MPROC_ENOSYS
                                                                 : MPROC__ERR(errno);
  return 0;
}
