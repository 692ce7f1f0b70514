/*
 * bench_sync: the synchronization primitives of issue 6 against their C references.
 *
 *   c.sync.lock_uncontended     ns per mproc_sync_acquire + mproc_sync_release of a Lock that
 *                               nobody else wants (one process, 5,000,000 pairs)
 *   c.sync.pthread_uncontended  ns per pthread_mutex_lock + unlock of a PTHREAD_PROCESS_SHARED
 *                               mutex in a MAP_SHARED mapping (the reference)
 *   c.sync.cas_floor            ns per one compare-and-swap 0 -> 1 (acquire) and one plain
 *                               release store of 0 on a word of that mapping: the least any
 *                               lock a crash-surviving peer can take over must execute per
 *                               acquire+release (one atomic read-modify-write)
 *   c.sync.lock_2proc           ops/s: 2 forked workers each do N x {acquire; counter++ (plain,
 *                               not atomic); release} on a named mproc Lock; 2N / (last end -
 *                               first start), timed by the workers after a start barrier; the
 *                               counter is checked to be exactly 2N
 *   c.sync.pthread_2proc        the same with the process-shared pthread mutex
 *   c.sync.event_rtt            ns per round trip between 2 processes over two mproc Events:
 *                               A: ping.set(); pong.wait(); pong.clear()  B: ping.wait();
 *                               ping.clear(); pong.set() (50,000 round trips)
 *   c.sync.futex_rtt            the same round trip on two raw futex words (FUTEX_WAIT/WAKE,
 *                               no spinning, a wake on every set): the reference
 * N is $MPROC_BENCH_LOCK_N (default 1000000); every result is the median of $MPROC_BENCH_REPS
 * (default 5) repetitions.
 */
#define _GNU_SOURCE
#include "bench_common.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define WORKERS 2
#define UNCONTENDED_N 5000000L
#define RTT_N 50000L

/* Harness state in an anonymous MAP_SHARED mapping inherited by the workers. */
struct control {
  int ready;
  int go;
  int failed;
  int64_t start[WORKERS];
  int64_t end[WORKERS];
  char pad1[64];
  pthread_mutex_t mutex;
  char pad2[64];
  int64_t counter;
  char pad3[64];
  uint32_t ping; /* raw futex words */
  char pad4[64];
  uint32_t pong;
  char pad5[64];
  uint32_t cas_word;
};

static struct control *ctl;
static long n_iters;

static void start_barrier(int w) {
  __atomic_fetch_add(&ctl->ready, 1, __ATOMIC_ACQ_REL);
  while (!__atomic_load_n(&ctl->go, __ATOMIC_ACQUIRE))
    __builtin_ia32_pause();
  ctl->start[w] = mproc_now_ns();
}

static void reset_control(void) {
  ctl->ready = ctl->go = ctl->failed = 0;
  ctl->counter = 0;
}

/* ---------------------------------------------------------------------------------------- */

static double uncontended_mproc(mproc_sync_t *lock) {
  int64_t t0 = mproc_now_ns();
  for (long i = 0; i < UNCONTENDED_N; i++) {
    mproc_sync_acquire(lock, MPROC_FOREVER);
    mproc_sync_release(lock);
  }
  return (double)(mproc_now_ns() - t0) / UNCONTENDED_N;
}

static double uncontended_pthread(void) {
  int64_t t0 = mproc_now_ns();
  for (long i = 0; i < UNCONTENDED_N; i++) {
    pthread_mutex_lock(&ctl->mutex);
    pthread_mutex_unlock(&ctl->mutex);
  }
  return (double)(mproc_now_ns() - t0) / UNCONTENDED_N;
}

static double cas_floor(void) {
  int64_t t0 = mproc_now_ns();
  for (long i = 0; i < UNCONTENDED_N; i++) {
    uint32_t expected = 0;
    __atomic_compare_exchange_n(&ctl->cas_word, &expected, 1, 0, __ATOMIC_ACQUIRE,
                                __ATOMIC_RELAXED);
    __atomic_store_n(&ctl->cas_word, 0, __ATOMIC_RELEASE);
  }
  return (double)(mproc_now_ns() - t0) / UNCONTENDED_N;
}

/* ---------------------------------------------------------------------------------------- */

static void contended_worker(int w, const char *lock_name) {
  mproc_sync_t *lock = NULL;
  if (lock_name != NULL && mproc_sync_open(lock_name, MPROC_KIND_LOCK, &lock) != 0)
    ctl->failed = 1;
  start_barrier(w);
  volatile int64_t *counter = &ctl->counter;
  for (long i = 0; i < n_iters; i++) {
    if (lock != NULL) {
      if (mproc_sync_acquire(lock, MPROC_FOREVER) != 0)
        ctl->failed = 1;
      (*counter)++;
      mproc_sync_release(lock);
    } else {
      pthread_mutex_lock(&ctl->mutex);
      (*counter)++;
      pthread_mutex_unlock(&ctl->mutex);
    }
  }
  ctl->end[w] = mproc_now_ns();
  mproc_sync_close(lock);
}

/* One repetition of the 2-process increment; lock_name NULL uses the pthread mutex. */
static double contended(const char *lock_name) {
  reset_control();
  pid_t pids[WORKERS];
  for (int w = 0; w < WORKERS; w++) {
    if ((pids[w] = fork()) == 0) {
      contended_worker(w, lock_name);
      _exit(0);
    }
  }
  while (__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) < WORKERS)
    usleep(100);
  __atomic_store_n(&ctl->go, 1, __ATOMIC_RELEASE);
  for (int w = 0; w < WORKERS; w++)
    waitpid(pids[w], NULL, 0);
  if (ctl->failed || ctl->counter != 2 * n_iters)
    bench_die("2-process increment failed: counter %lld, expected %ld", (long long)ctl->counter,
              2 * n_iters);
  int64_t t0 = ctl->start[0] < ctl->start[1] ? ctl->start[0] : ctl->start[1];
  int64_t t1 = ctl->end[0] > ctl->end[1] ? ctl->end[0] : ctl->end[1];
  return 2.0 * n_iters / ((double)(t1 - t0) / 1e9);
}

/* ---------------------------------------------------------------------------------------- */

static long futex(uint32_t *word, int op, uint32_t val) {
  return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static void futex_set(uint32_t *word) {
  __atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
  futex(word, FUTEX_WAKE, 1);
}

static void futex_wait_set(uint32_t *word) {
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 0)
    futex(word, FUTEX_WAIT, 0);
}

/* One repetition of the ping-pong; events NULL uses the raw futex words. */
static double round_trips(const char *ping_name, const char *pong_name) {
  mproc_sync_t *ping = NULL, *pong = NULL;
  reset_control();
  ctl->ping = ctl->pong = 0;
  if (ping_name != NULL) {
    bench_check(mproc_sync_open(ping_name, MPROC_KIND_EVENT, &ping), "open ping");
    bench_check(mproc_sync_open(pong_name, MPROC_KIND_EVENT, &pong), "open pong");
    mproc_event_clear(ping);
    mproc_event_clear(pong);
  }
  pid_t pid = fork();
  if (pid == 0) {
    for (long i = 0; i < RTT_N; i++) {
      if (ping != NULL) {
        mproc_event_wait(ping, MPROC_FOREVER);
        mproc_event_clear(ping);
        mproc_event_set(pong);
      } else {
        futex_wait_set(&ctl->ping);
        __atomic_store_n(&ctl->ping, 0, __ATOMIC_SEQ_CST);
        futex_set(&ctl->pong);
      }
    }
    _exit(0);
  }
  int64_t t0 = mproc_now_ns();
  for (long i = 0; i < RTT_N; i++) {
    if (ping != NULL) {
      mproc_event_set(ping);
      mproc_event_wait(pong, MPROC_FOREVER);
      mproc_event_clear(pong);
    } else {
      futex_set(&ctl->ping);
      futex_wait_set(&ctl->pong);
      __atomic_store_n(&ctl->pong, 0, __ATOMIC_SEQ_CST);
    }
  }
  double rtt = (double)(mproc_now_ns() - t0) / RTT_N;
  waitpid(pid, NULL, 0);
  mproc_sync_close(ping);
  mproc_sync_close(pong);
  return rtt;
}

/* ---------------------------------------------------------------------------------------- */

int main(void) {
  const char *s = getenv("MPROC_BENCH_LOCK_N");
  n_iters = s != NULL && atol(s) > 0 ? atol(s) : 1000000L;
  int reps = bench_reps(5);
  ctl = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (ctl == MAP_FAILED)
    bench_die("mmap failed");
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&ctl->mutex, &attr);

  char lock_name[MPROC_NAME_MAX + 1], ping_name[MPROC_NAME_MAX + 1], pong_name[MPROC_NAME_MAX + 1];
  bench_name(lock_name, "slock");
  bench_name(ping_name, "sping");
  bench_name(pong_name, "spong");
  mproc_sync_t *lock, *ping, *pong;
  bench_check(mproc_lock_create(lock_name, &lock), "create lock");
  bench_check(mproc_event_create(ping_name, &ping), "create ping");
  bench_check(mproc_event_create(pong_name, &pong), "create pong");

  double *a = calloc((size_t)reps, sizeof *a), *b = calloc((size_t)reps, sizeof *b);
  uncontended_mproc(lock); /* warm-up */
  uncontended_pthread();
  for (int r = 0; r < reps; r++) {
    a[r] = uncontended_mproc(lock);
    b[r] = uncontended_pthread();
  }
  bench_result("c.sync.lock_uncontended", bench_median(a, reps), "ns/op");
  bench_result("c.sync.pthread_uncontended", bench_median(b, reps), "ns/op");
  cas_floor(); /* warm-up */
  for (int r = 0; r < reps; r++)
    a[r] = cas_floor();
  bench_result("c.sync.cas_floor", bench_median(a, reps), "ns/op");
  for (int r = 0; r < reps; r++) {
    a[r] = contended(lock_name);
    b[r] = contended(NULL);
  }
  bench_result("c.sync.lock_2proc", bench_median(a, reps), "ops/s");
  bench_result("c.sync.pthread_2proc", bench_median(b, reps), "ops/s");
  for (int r = 0; r < reps; r++) {
    a[r] = round_trips(ping_name, pong_name);
    b[r] = round_trips(NULL, NULL);
  }
  bench_result("c.sync.event_rtt", bench_median(a, reps), "ns");
  bench_result("c.sync.futex_rtt", bench_median(b, reps), "ns");
  mproc_sync_close(lock);
  mproc_sync_close(ping);
  mproc_sync_close(pong);
  free(a);
  free(b);
  return 0;
}
