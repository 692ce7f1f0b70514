/*
 * bench_value: single-process cost of one operation on a 64-bit word in shared memory.
 *
 * The word is element 0 of a named mproc Value of type 'q' (int64), i.e. the same memory a Java
 * SharedLong or a Python Value('q') uses. Two families are timed:
 *   c.raw.*  GCC __atomic builtins on mproc_array_data() directly (what the JIT should match):
 *            fetch_add (seq_cst, "lock xadd"), load (seq_cst), store (seq_cst, what a Java
 *            volatile write is), and a load+store pair (a Java get() then set()).
 *   c.api.*  the library calls mproc_array_load / _store / _fetch_add (one call per op).
 * Each is a loop of ITERS operations, repeated REPS times ($MPROC_BENCH_REPS); the median ns/op
 * is printed. Loop overhead (a counter and a compare) is included, as it is in JMH.
 */
#include "bench_common.h"

#include <inttypes.h>

#define ITERS 20000000L

typedef void (*op_fn)(mproc_array_t *a, int64_t *w, long iters, int64_t *sink);

static void raw_fetch_add(mproc_array_t *a, int64_t *w, long iters, int64_t *sink) {
  (void)a;
  int64_t s = 0;
  for (long i = 0; i < iters; i++)
    s += __atomic_fetch_add(w, 1, __ATOMIC_SEQ_CST);
  *sink += s;
}

static void raw_load(mproc_array_t *a, int64_t *w, long iters, int64_t *sink) {
  (void)a;
  int64_t s = 0;
  for (long i = 0; i < iters; i++)
    s += __atomic_load_n(w, __ATOMIC_SEQ_CST);
  *sink += s;
}

static void raw_store(mproc_array_t *a, int64_t *w, long iters, int64_t *sink) {
  (void)a;
  (void)sink;
  for (long i = 0; i < iters; i++)
    __atomic_store_n(w, (int64_t)i, __ATOMIC_SEQ_CST);
}

static void raw_load_store(mproc_array_t *a, int64_t *w, long iters, int64_t *sink) {
  (void)a;
  (void)sink;
  for (long i = 0; i < iters; i++)
    __atomic_store_n(w, __atomic_load_n(w, __ATOMIC_SEQ_CST) + 1, __ATOMIC_SEQ_CST);
}

static void api_load(mproc_array_t *a, int64_t *w, long iters, int64_t *sink) {
  (void)w;
  int64_t s = 0, v;
  for (long i = 0; i < iters; i++) {
    mproc_array_load(a, 0, &v);
    s += v;
  }
  *sink += s;
}

static void api_store(mproc_array_t *a, int64_t *w, long iters, int64_t *sink) {
  (void)w;
  (void)sink;
  for (long i = 0; i < iters; i++) {
    int64_t v = i;
    mproc_array_store(a, 0, &v);
  }
}

static void api_fetch_add(mproc_array_t *a, int64_t *w, long iters, int64_t *sink) {
  (void)w;
  int64_t s = 0, prev;
  for (long i = 0; i < iters; i++) {
    mproc_array_fetch_add(a, 0, 1, &prev);
    s += prev;
  }
  *sink += s;
}

static void api_lock_unlock(mproc_array_t *a, int64_t *w, long iters, int64_t *sink) {
  (void)sink;
  for (long i = 0; i < iters; i++) {
    mproc_array_lock(a, MPROC_FOREVER);
    (*(volatile int64_t *)w)++;
    mproc_array_unlock(a);
  }
}

static void run(const char *name, op_fn fn, mproc_array_t *a, int reps) {
  int64_t *w = mproc_array_data(a);
  int64_t sink = 0;
  double ns[64];
  fn(a, w, ITERS / 10, &sink); /* warm the caches and the branch predictors */
  for (int r = 0; r < reps && r < 64; r++) {
    int64_t t0 = mproc_now_ns();
    fn(a, w, ITERS, &sink);
    ns[r] = (double)(mproc_now_ns() - t0) / ITERS;
  }
  if (sink == 42) /* keep the sums observable */
    fprintf(stderr, "%" PRId64 "\n", sink);
  bench_result(name, bench_median(ns, reps < 64 ? reps : 64), "ns/op");
}

int main(void) {
  char name[MPROC_NAME_MAX + 1];
  mproc_array_t *v;
  int reps = bench_reps(5);
  bench_name(name, "value");
  int64_t zero = 0;
  bench_check(mproc_value_create(name, MPROC_INT64, &zero, &v), "create value");

  run("c.raw.fetch_add", raw_fetch_add, v, reps);
  run("c.raw.load", raw_load, v, reps);
  run("c.raw.store", raw_store, v, reps);
  run("c.raw.load_store", raw_load_store, v, reps);
  run("c.api.load", api_load, v, reps);
  run("c.api.store", api_store, v, reps);
  run("c.api.fetch_add", api_fetch_add, v, reps);
  run("c.api.lock_unlock", api_lock_unlock, v, reps);

  mproc_array_close(v);
  return 0;
}
