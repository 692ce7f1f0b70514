/*
 * bench_lock: a locked, non-atomic increment of one shared counter from 2 processes at once.
 *
 * The parent forks 2 workers. Each does N iterations of {lock; counter++ (plain, not atomic);
 * unlock}, then the parent checks that the counter is exactly 2N (so the lock really excluded).
 * Throughput is 2N / (last worker's end - first worker's start), both read from CLOCK_MONOTONIC
 * after a start barrier, so fork and attach costs are excluded. Three locks are compared:
 *   c.lock.mproc          the mproc robust lock: each worker opens the named Value
 *                         /mproc-bench-<pid>-lock (int64, the counter) by name and uses
 *                         mproc_lock_acquire/release on it, as a Java SharedLong.lock() does
 *   c.lock.mproc_try_then_wait  the same lock taken the way the Java binding takes it: a
 *                         try (mproc_lock_acquire with MPROC_NO_WAIT), then on ETIMEDOUT a wait
 *                         in 100 ms slices; isolates the protocol cost from the JVM's
 *   c.lock.pthread        a process-shared pthread_mutex_t in a MAP_SHARED mapping (reference)
 *   c.lock.pthread_robust the same mutex with PTHREAD_MUTEX_ROBUST (what a crash-safe lock costs
 *                         in glibc)
 * In each case the counter is on another cache line than the lock word, as in an mproc Value.
 * N is $MPROC_BENCH_LOCK_N (default 1000000) per worker; the median of $MPROC_BENCH_REPS (5)
 * repetitions is printed in ops/s.
 */
#include "bench_common.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define WORKERS 2

/* Harness state in an anonymous MAP_SHARED mapping inherited by the workers. */
struct control {
  int ready;
  int go;
  int failed;
  int64_t start[WORKERS];
  int64_t end[WORKERS];
  char pad1[64];
  pthread_mutex_t mutex; /* the pthread variants' lock ... */
  char pad2[64];
  int64_t counter; /* ... and their counter */
};

enum variant { V_MPROC, V_MPROC_TRY, V_PTHREAD, V_ROBUST };

static struct control *ctl;
static const char *value_name;
static long n_iters;

static void barrier(int w) {
  __atomic_fetch_add(&ctl->ready, 1, __ATOMIC_ACQ_REL);
  while (!__atomic_load_n(&ctl->go, __ATOMIC_ACQUIRE))
    __builtin_ia32_pause();
  ctl->start[w] = mproc_now_ns();
}

static void worker(int w, enum variant v) {
  if (v == V_MPROC || v == V_MPROC_TRY) {
    mproc_array_t *a;
    int rc = mproc_array_open(value_name, MPROC_KIND_VALUE, MPROC_INT64, &a);
    if (rc < 0) {
      fprintf(stderr, "worker: open %s: %s\n", value_name, mproc_strerror(rc));
      ctl->failed = 1;
      barrier(w);
      _exit(1);
    }
    volatile int64_t *counter = mproc_array_data(a);
    barrier(w);
    for (long i = 0; i < n_iters; i++) {
      int rc = mproc_array_lock(a, v == V_MPROC ? MPROC_FOREVER : MPROC_NO_WAIT);
      while (rc == MPROC_ETIMEDOUT)
        rc = mproc_array_lock(a, 100000000);
      if (rc != 0)
        ctl->failed = 1;
      (*counter)++;
      mproc_array_unlock(a);
    }
    ctl->end[w] = mproc_now_ns();
    mproc_array_close(a);
  } else {
    volatile int64_t *counter = &ctl->counter;
    barrier(w);
    for (long i = 0; i < n_iters; i++) {
      int rc = pthread_mutex_lock(&ctl->mutex);
      if (rc == EOWNERDEAD) {
        pthread_mutex_consistent(&ctl->mutex);
        ctl->failed = 1;
      }
      (*counter)++;
      pthread_mutex_unlock(&ctl->mutex);
    }
    ctl->end[w] = mproc_now_ns();
  }
  _exit(0);
}

/* One repetition; returns ops/s, or a negative value on failure. */
static double run_once(enum variant v, mproc_array_t *value) {
  volatile int64_t *counter =
      v == V_MPROC || v == V_MPROC_TRY ? mproc_array_data(value) : &ctl->counter;
  *counter = 0;
  ctl->ready = 0;
  ctl->go = 0;
  ctl->failed = 0;
  pid_t pids[WORKERS];
  for (int w = 0; w < WORKERS; w++) {
    pids[w] = fork();
    if (pids[w] < 0)
      bench_die("fork: %s", strerror(errno));
    if (pids[w] == 0)
      worker(w, v);
  }
  while (__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) < WORKERS)
    usleep(100);
  __atomic_store_n(&ctl->go, 1, __ATOMIC_RELEASE);
  int ok = !ctl->failed;
  for (int w = 0; w < WORKERS; w++) {
    int st;
    if (waitpid(pids[w], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
      ok = 0;
  }
  if (!ok || ctl->failed)
    bench_die("a worker failed");
  if (*counter != (int64_t)WORKERS * n_iters)
    bench_die("lost updates: counter %lld, expected %lld", (long long)*counter,
              (long long)WORKERS * n_iters);
  int64_t t0 = ctl->start[0], t1 = ctl->end[0];
  for (int w = 1; w < WORKERS; w++) {
    if (ctl->start[w] < t0)
      t0 = ctl->start[w];
    if (ctl->end[w] > t1)
      t1 = ctl->end[w];
  }
  return (double)WORKERS * n_iters / ((double)(t1 - t0) / 1e9);
}

static void init_mutex(int robust) {
  pthread_mutexattr_t at;
  pthread_mutexattr_init(&at);
  pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
  if (robust)
    pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&ctl->mutex, &at);
  pthread_mutexattr_destroy(&at);
}

static void bench(const char *result, enum variant v, mproc_array_t *value, int reps) {
  double ops[64];
  if (v == V_PTHREAD || v == V_ROBUST)
    init_mutex(v == V_ROBUST);
  run_once(v, value); /* warm-up */
  for (int r = 0; r < reps && r < 64; r++)
    ops[r] = run_once(v, value);
  if (v == V_PTHREAD || v == V_ROBUST)
    pthread_mutex_destroy(&ctl->mutex);
  bench_result(result, bench_median(ops, reps < 64 ? reps : 64), "ops/s");
}

int main(void) {
  static char name[MPROC_NAME_MAX + 1];
  const char *n = getenv("MPROC_BENCH_LOCK_N");
  n_iters = n != NULL && atol(n) > 0 ? atol(n) : 1000000L;
  int reps = bench_reps(5);

  ctl = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (ctl == MAP_FAILED)
    bench_die("mmap: %s", strerror(errno));
  bench_name(name, "lock");
  value_name = name;
  mproc_array_t *value;
  int64_t zero = 0;
  bench_check(mproc_value_create(name, MPROC_INT64, &zero, &value), "create value");

  bench("c.lock.mproc", V_MPROC, value, reps);
  bench("c.lock.mproc_try_then_wait", V_MPROC_TRY, value, reps);
  bench("c.lock.pthread", V_PTHREAD, value, reps);
  bench("c.lock.pthread_robust", V_ROBUST, value, reps);

  mproc_array_close(value);
  munmap(ctl, sizeof *ctl);
  return 0;
}
