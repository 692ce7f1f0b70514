/*
 * bench_array: a child process fills a 1M-double shared Array, the parent reads it back.
 *
 * Each repetition creates a fresh named Array /mproc-bench-<pid>-array of 1,000,000 float64
 * ('d'), forks a child that opens it by name and writes a[i] = i for every i, and exits. Printed
 * (medians of $MPROC_BENCH_REPS repetitions, in ms):
 *   c.array.fork_to_wait     parent clock from fork() to waitpid() returning (process creation,
 *                            open by name, first-touch page faults, the fill, exit)
 *   c.array.child_fill       the child's own clock around its fill loop (plain stores through
 *                            mproc_array_data(); the mapping is touched for the first time)
 *   c.array.child_fill_warm  the same loop in a second child that has filled once already
 *                            (pages mapped); the best of 5 rounds
 *   c.array.child_fill_api_warm  the warm fill through mproc_array_store() (one call and one
 *                            seq_cst store per element, like a Java volatile set per element);
 *                            the best of 5 rounds
 *   c.array.read             the parent summing all elements through mproc_array_data()
 *   c.array.read_api         the parent copying all out with mproc_array_read()
 * The parent checks the sum (n(n-1)/2) so the data really crossed over.
 */
#include "bench_common.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define N 1000000L
#define WARM_ROUNDS 5

struct times {
  int64_t fill_ns, warm_ns, api_ns;
};

static void fill_plain(double *d) {
  for (long i = 0; i < N; i++)
    d[i] = (double)i;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

static void child(const char *name, struct times *t) {
  mproc_array_t *a;
  if (mproc_array_open(name, MPROC_KIND_ARRAY, MPROC_FLOAT64, &a) != 0)
    _exit(1);
  double *d = mproc_array_data(a);
  int64_t t0 = mproc_now_ns();
  fill_plain(d);
  t->fill_ns = mproc_now_ns() - t0;
  mproc_array_close(a);
  _exit(0);
}

/* A second child for the warm loops, so that they stay out of the fork-to-wait time. */
static void warm_child(const char *name, struct times *t) {
  mproc_array_t *a;
  if (mproc_array_open(name, MPROC_KIND_ARRAY, MPROC_FLOAT64, &a) != 0)
    _exit(1);
  double *d = mproc_array_data(a);
  fill_plain(d);
  int64_t best_plain = INT64_MAX, best_api = INT64_MAX;
  for (int r = 0; r < WARM_ROUNDS; r++) {
    int64_t t0 = mproc_now_ns();
    fill_plain(d);
    int64_t t1 = mproc_now_ns();
    for (long i = 0; i < N; i++) {
      double v = (double)i;
      mproc_array_store(a, (uint64_t)i, &v);
    }
    int64_t t2 = mproc_now_ns();
    best_plain = min64(best_plain, t1 - t0);
    best_api = min64(best_api, t2 - t1);
  }
  t->warm_ns = best_plain;
  t->api_ns = best_api;
  mproc_array_close(a);
  _exit(0);
}

static void wait_ok(pid_t pid) {
  int st;
  if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
    bench_die("the child failed");
}

static void check_sum(double sum) {
  if (sum != (double)N * (N - 1) / 2)
    bench_die("wrong contents: sum %.17g", sum);
}

int main(void) {
  char name[MPROC_NAME_MAX + 1];
  int reps = bench_reps(5);
  if (reps > 32)
    reps = 32;
  double fork_wait[32], fill[32], warm[32], api[32], rd[32], rd_api[32];
  bench_name(name, "array");
  struct times *t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                         -1, 0);
  double *copy = malloc(N * sizeof(double));
  if (t == MAP_FAILED || copy == NULL)
    bench_die("out of memory");

  for (int r = 0; r < reps; r++) {
    mproc_array_t *a;
    bench_check(mproc_array_create(name, MPROC_FLOAT64, N, NULL, &a), "create array");
    int64_t t0 = mproc_now_ns();
    pid_t pid = fork();
    if (pid < 0)
      bench_die("fork: %s", strerror(errno));
    if (pid == 0)
      child(name, t);
    wait_ok(pid);
    fork_wait[r] = (double)(mproc_now_ns() - t0) / 1e6;
    fill[r] = (double)t->fill_ns / 1e6;

    const double *d = mproc_array_data(a);
    t0 = mproc_now_ns();
    double sum = 0;
    for (long i = 0; i < N; i++)
      sum += d[i];
    rd[r] = (double)(mproc_now_ns() - t0) / 1e6;
    check_sum(sum);

    t0 = mproc_now_ns();
    bench_check(mproc_array_read(a, 0, copy, N), "read");
    rd_api[r] = (double)(mproc_now_ns() - t0) / 1e6;
    check_sum(copy[N - 1] * N / 2); /* last element is N-1 */

    pid = fork();
    if (pid < 0)
      bench_die("fork: %s", strerror(errno));
    if (pid == 0)
      warm_child(name, t);
    wait_ok(pid);
    warm[r] = (double)t->warm_ns / 1e6;
    api[r] = (double)t->api_ns / 1e6;

    mproc_array_close(a);
    bench_check(mproc_unlink(name), "unlink");
  }
  bench_result("c.array.fork_to_wait", bench_median(fork_wait, reps), "ms");
  bench_result("c.array.child_fill", bench_median(fill, reps), "ms");
  bench_result("c.array.child_fill_warm", bench_median(warm, reps), "ms");
  bench_result("c.array.child_fill_api_warm", bench_median(api, reps), "ms");
  bench_result("c.array.read", bench_median(rd, reps), "ms");
  bench_result("c.array.read_api", bench_median(rd_api, reps), "ms");
  free(copy);
  return 0;
}
