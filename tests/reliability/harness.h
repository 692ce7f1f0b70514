/*
 * Shared by the reliability programs (fault_matrix, stress): a seeded random generator whose seed
 * every failure message prints, option parsing, bounded waiting for children, bookkeeping memory
 * that survives fork, and the check that named objects were collected.
 */
#ifndef MPROC_HARNESS_H
#define MPROC_HARNESS_H

#include "../native/check.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

/* The run's seed, printed at start and by every failure, so that a run can be repeated. */
static uint64_t harness_seed;
static const char *harness_prog = "harness";

/* A failure: what broke, with the seed; the process (and its children, via PDEATHSIG) ends. */
#define FAIL(...)                                                                                  \
  do {                                                                                             \
    fprintf(stderr, "%s: FAILED (seed %llu) %s:%d: ", harness_prog,                                \
            (unsigned long long)harness_seed, __FILE__, __LINE__);                                 \
    fprintf(stderr, __VA_ARGS__);                                                                  \
    fputc('\n', stderr);                                                                           \
    abort();                                                                                       \
  } while (0)

/* xorshift64*: each process derives its own stream from the seed and a distinct salt. */
typedef struct {
  uint64_t s;
} rng_t;

static inline rng_t rng_make(uint64_t seed, uint64_t salt) {
  rng_t r = {seed ^ (salt * 0x9E3779B97F4A7C15ull) ^ 0xD1B54A32D192ED03ull};
  if (r.s == 0)
    r.s = 1;
  return r;
}

static inline uint64_t rng_next(rng_t *r) {
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n). */
static inline uint32_t rng_below(rng_t *r, uint32_t n) {
  return n == 0 ? 0 : (uint32_t)(rng_next(r) % n);
}

static inline void sleep_us(uint32_t us) {
  struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Zeroed memory shared with every child forked after it. */
static inline void *shared_alloc(size_t size) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED);
  return p;
}

/* Waits for a child up to timeout_ns: its exit status or -signal, or INT32_MIN if still running. */
static inline int wait_child_for(pid_t pid, int64_t timeout_ns) {
  int64_t deadline = mproc_now_ns() + timeout_ns;
  for (;;) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    if (r < 0 && errno != EINTR)
      return INT32_MIN;
    if (mproc_now_ns() >= deadline)
      return INT32_MIN;
    sleep_us(1000);
  }
}

/* Waits for every child within timeout_ns; a child still running then is a hang. */
static inline void reap_all(const pid_t *pids, int n, int64_t timeout_ns, const char *what,
                            int *status) {
  int64_t deadline = mproc_now_ns() + timeout_ns;
  for (int i = 0; i < n; i++) {
    int64_t left = deadline - mproc_now_ns();
    int st = wait_child_for(pids[i], left > 0 ? left : 0);
    if (st == INT32_MIN)
      FAIL("%s %d (pid %d) still running %.1f s after it was told to stop: a hang", what, i,
           (int)pids[i], timeout_ns / 1e9);
    if (status != NULL)
      status[i] = st;
  }
}

/* 1 if a named object still has a file in /dev/shm. */
static inline int shm_exists(const char *name) {
  char path[64];
  struct stat st;
  snprintf(path, sizeof path, "/dev/shm%s", name);
  return stat(path, &st) == 0;
}

/*
 * After every process that used `name` is gone, mproc_gc must find it stale and remove it:
 * nothing a killed participant left behind may keep a name alive.
 */
static inline void check_collected(const char *name) {
  int removed = 0;
  CHECK_RC(0, mproc_gc(&removed));
  if (shm_exists(name))
    FAIL("%s was not collected by mproc_gc after its users died", name);
}

/* Parses "--name value" options given as integers; unknown options are an error. */
typedef struct {
  const char *name;
  long long *value;
} opt_t;

static inline void parse_opts(int argc, char **argv, const opt_t *opts, int n,
                              const char **scenario) {
  for (int i = 1; i < argc; i++) {
    int known = 0;
    for (int k = 0; k < n && !known; k++) {
      if (strcmp(argv[i], opts[k].name) == 0 && i + 1 < argc) {
        *opts[k].value = strtoll(argv[++i], NULL, 0);
        known = 1;
      }
    }
    if (!known && scenario != NULL && argv[i][0] != '-') {
      *scenario = argv[i];
      known = 1;
    }
    if (!known) {
      fprintf(stderr, "%s: unknown argument %s\n", argv[0], argv[i]);
      exit(2);
    }
  }
}

/* A seed from the clock when none is given. */
static inline uint64_t default_seed(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid()) & 0xFFFFFFFFFFull;
}

#endif
