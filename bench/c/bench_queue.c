/*
 * bench_queue: the mproc queue between two forked processes, the raw limit of the ring that the
 * Java SharedQueue wraps, plus the references a queue round trip is judged against.
 *
 * Each repetition forks a fresh child (fork and attach are not timed: the child opens the named
 * queues, then both sides meet at a start barrier in an anonymous MAP_SHARED control block).
 *   c.queue.tput64         msgs/s  child puts N 64-byte messages (mproc_queue_put, FOREVER), the
 *                                  parent gets them (mproc_queue_get, FOREVER) into a 64-byte
 *                                  buffer; N / (consumer's end - producer's start), 1 MiB ring
 *   c.queue.tput64_batch   msgs/s  the same, in batches both ways: the child puts 64 messages per
 *                                  mproc_queue_put_batch, the parent takes up to 256 per
 *                                  mproc_queue_get_batch (Java's tput64_batch, Agrona's shape)
 *   c.queue.tput64k        GB/s    the same with 65536-byte messages, 4 MiB ring
 *   c.queue.pingpong_spin  ns      round trip over two queues (one each way) of an 8-byte message,
 *                                  both sides polling with mproc_queue_get(..., 0) and a pause
 *   c.queue.pingpong_block ns      the same, both sides blocking in mproc_queue_get(FOREVER) as
 *                                  shipped: the get spins briefly before it sleeps, so at this
 *                                  rate the reply usually arrives while the peer still spins
 *   c.queue.pingpong_park  ns      the same blocking gets, but each side puts only once the peer
 *                                  has registered as a sleeping consumer (the queue's "consumers
 *                                  waiting" word, body offset 260, is non-zero): every message
 *                                  wakes a parked process
 *   c.queue.futex_pingpong ns      reference for pingpong_park: a shared 32-bit word each way,
 *                                  mproc_wait32 / mproc_wake32 (FUTEX_WAIT/FUTEX_WAKE, not
 *                                  PRIVATE), no spinning; each side also stores only once the peer
 *                                  has announced that it is about to sleep
 *   c.queue.raw_pingpong   ns      reference: a shared word each way, both sides spinning on plain
 *                                  loads (the cache-line transfer limit of this machine)
 *   c.machine.first_touch_4k ns    reference: the first write to each 4 KiB page of a fresh
 *                                  64 MiB anonymous mapping, per page (the kernel's page fault
 *                                  and zeroing, and on a virtual machine whatever the host adds);
 *                                  a JVM pays it for every page its heap first allocates into
 *   c.queue.one.*                  tput64, tput64_batch, pingpong_spin again on one-to-one
 *                                  queues (spec.one_to_one: no lock per message). No parked
 *                                  variant: a one-to-one sleeper looks for 5 us after raising its
 *                                  count, so a put that waits for the count is met before the
 *                                  sleep, and the row would not measure a wake-up.
 * Round trips are total time / iterations, timed by the parent. Medians of $MPROC_BENCH_REPS (7).
 */
#include "bench_common.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

struct control {
  int ready;
  int go;
  int failed;
  char pad0[52];
  int64_t start;
  int64_t end;
  char pad1[48];
  uint32_t ping; /* futex / raw variants: parent -> child */
  char pad2[60];
  uint32_t pong; /* child -> parent */
  char pad3[60];
  uint32_t child_sleeping; /* futex variant: about to wait on ping */
  char pad4[60];
  uint32_t parent_sleeping; /* about to wait on pong */
  char pad5[60];
};

static struct control *ctl;
static char q1_name[MPROC_NAME_MAX + 1], q2_name[MPROC_NAME_MAX + 1];

enum mode { TPUT, TPUT_BATCH, PING_SPIN, PING_BLOCK, PING_PARK, FUTEX, RAW };

/* The queue's "consumers waiting" count (body offset 260, see mproc.h). */
static uint32_t *consumers_waiting(mproc_queue_t *q) {
  return (uint32_t *)((char *)mproc_segment_data(mproc_queue_segment(q)) + 260);
}

/* Puts once the peer is asleep (or about to be) in a get of q. */
static int put_to_parked(mproc_queue_t *q, const void *buf, uint32_t len) {
  uint32_t *w = consumers_waiting(q);
  while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == 0)
    __builtin_ia32_pause();
  return mproc_queue_put(q, buf, len, MPROC_FOREVER);
}

/* Futex reference: announce, then sleep until the word moves past `old`. */
static void futex_wait_for(uint32_t *word, uint32_t *sleeping, uint32_t want) {
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != want) {
    __atomic_store_n(sleeping, 1, __ATOMIC_SEQ_CST);
    mproc_wait32(word, want - 1, MPROC_FOREVER);
  }
  __atomic_store_n(sleeping, 0, __ATOMIC_RELAXED);
}

static void futex_post(uint32_t *word, uint32_t *sleeping, uint32_t v) {
  while (__atomic_load_n(sleeping, __ATOMIC_ACQUIRE) == 0)
    __builtin_ia32_pause();
  __atomic_store_n(word, v, __ATOMIC_RELEASE);
  mproc_wake32(word, 1, NULL);
}

static void child_ready(void) {
  __atomic_fetch_add(&ctl->ready, 1, __ATOMIC_ACQ_REL);
  while (!__atomic_load_n(&ctl->go, __ATOMIC_ACQUIRE))
    __builtin_ia32_pause();
}

static void child_fail(const char *what, int rc) {
  fprintf(stderr, "child: %s: %s\n", what, mproc_strerror(rc));
  ctl->failed = 1;
  _exit(1);
}

static int get_spin(mproc_queue_t *q, void *buf, uint32_t cap, uint32_t *len) {
  int rc;
  while ((rc = mproc_queue_get(q, buf, cap, len, 0)) == MPROC_ETIMEDOUT || rc == MPROC_EAGAIN)
    __builtin_ia32_pause();
  return rc;
}

static void child(enum mode m, long n, uint32_t size) {
  mproc_queue_t *q1 = NULL, *q2 = NULL;
  int rc;
  if (m != FUTEX && m != RAW) {
    if ((rc = mproc_queue_open(q1_name, &q1)) < 0)
      child_fail("open q1", rc);
    if (m != TPUT && (rc = mproc_queue_open(q2_name, &q2)) < 0)
      child_fail("open q2", rc);
  }
  char *buf = calloc(m == TPUT_BATCH ? 64 : 1, size);
  uint32_t len, lens[64], done;
  for (int i = 0; i < 64; i++)
    lens[i] = size;
  child_ready();
  switch (m) {
  case TPUT:
    ctl->start = mproc_now_ns();
    for (long i = 0; i < n; i++)
      if ((rc = mproc_queue_put(q1, buf, size, MPROC_FOREVER)) < 0)
        child_fail("put", rc);
    break;
  case TPUT_BATCH:
    ctl->start = mproc_now_ns();
    for (long i = 0; i < n; i += done) {
      uint32_t want = n - i < 64 ? (uint32_t)(n - i) : 64;
      if ((rc = mproc_queue_put_batch(q1, buf, lens, want, &done, MPROC_FOREVER)) < 0)
        child_fail("put batch", rc);
    }
    break;
  case PING_SPIN:
  case PING_BLOCK:
  case PING_PARK:
    for (long i = 0; i < n; i++) {
      rc = m == PING_SPIN ? get_spin(q1, buf, size, &len)
                          : mproc_queue_get(q1, buf, size, &len, MPROC_FOREVER);
      if (rc == 0)
        rc = m == PING_PARK ? put_to_parked(q2, buf, len)
                            : mproc_queue_put(q2, buf, len, MPROC_FOREVER);
      if (rc < 0)
        child_fail("ping-pong", rc);
    }
    break;
  case FUTEX:
    for (uint32_t i = 1; i <= (uint32_t)n; i++) {
      futex_wait_for(&ctl->ping, &ctl->child_sleeping, i);
      futex_post(&ctl->pong, &ctl->parent_sleeping, i);
    }
    break;
  case RAW:
    for (uint32_t i = 1; i <= (uint32_t)n; i++) {
      while (__atomic_load_n(&ctl->ping, __ATOMIC_ACQUIRE) != i)
        __builtin_ia32_pause();
      __atomic_store_n(&ctl->pong, i, __ATOMIC_RELEASE);
    }
    break;
  }
  mproc_queue_close(q1);
  mproc_queue_close(q2);
  _exit(0);
}

/* One repetition; returns msgs/s (TPUT) or ns per round trip. */
static double run_once(enum mode m, long n, uint32_t size, mproc_queue_t *q1, mproc_queue_t *q2) {
  ctl->ready = ctl->go = ctl->failed = 0;
  ctl->ping = ctl->pong = 0;
  ctl->child_sleeping = ctl->parent_sleeping = 0;
  pid_t pid = fork();
  if (pid < 0)
    bench_die("fork: %s", strerror(errno));
  if (pid == 0)
    child(m, n, size);
  char *buf = calloc(m == TPUT_BATCH ? 256 : 1, size);
  uint32_t len, lens[256], got;
  int rc = 0;
  while (__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) < 1 && !ctl->failed)
    usleep(100);
  double result = 0;
  __atomic_store_n(&ctl->go, 1, __ATOMIC_RELEASE);
  if (m == TPUT) {
    for (long i = 0; i < n && rc == 0; i++)
      if ((rc = mproc_queue_get(q1, buf, size, &len, MPROC_FOREVER)) == 0 && len != size)
        bench_die("got %u bytes, expected %u", len, size);
    result = n / ((double)(mproc_now_ns() - ctl->start) / 1e9);
  } else if (m == TPUT_BATCH) {
    for (long i = 0; i < n && rc == 0; i += got) {
      rc = mproc_queue_get_batch(q1, buf, (size_t)256 * size, lens, 256, &got, MPROC_FOREVER);
      for (uint32_t k = 0; rc == 0 && k < got; k++)
        if (lens[k] != size)
          bench_die("got %u bytes, expected %u", lens[k], size);
    }
    result = n / ((double)(mproc_now_ns() - ctl->start) / 1e9);
  } else {
    int64_t t0 = mproc_now_ns();
    for (long i = 0; i < n && rc == 0; i++) {
      uint32_t seq = (uint32_t)i + 1;
      switch (m) {
      case PING_SPIN:
      case PING_BLOCK:
      case PING_PARK:
        memcpy(buf, &i, sizeof i);
        rc = m == PING_PARK ? put_to_parked(q1, buf, size)
                            : mproc_queue_put(q1, buf, size, MPROC_FOREVER);
        if (rc == 0)
          rc = m == PING_SPIN ? get_spin(q2, buf, size, &len)
                              : mproc_queue_get(q2, buf, size, &len, MPROC_FOREVER);
        break;
      case FUTEX:
        futex_post(&ctl->ping, &ctl->child_sleeping, seq);
        futex_wait_for(&ctl->pong, &ctl->parent_sleeping, seq);
        break;
      case RAW:
        __atomic_store_n(&ctl->ping, seq, __ATOMIC_RELEASE);
        while (__atomic_load_n(&ctl->pong, __ATOMIC_ACQUIRE) != seq)
          __builtin_ia32_pause();
        break;
      default:
        break;
      }
    }
    result = (double)(mproc_now_ns() - t0) / n;
  }
  bench_check(rc, "parent get/put");
  int st;
  if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || ctl->failed)
    bench_die("the child failed");
  free(buf);
  /* One-to-one queues: the next repetition's child may need the roles this one took. */
  for (int role = MPROC_QUEUE_PRODUCER; role <= MPROC_QUEUE_CONSUMER; role++) {
    if (mproc_queue_is_one_to_one(q1))
      mproc_queue_release(q1, role);
    if (q2 != NULL && mproc_queue_is_one_to_one(q2))
      mproc_queue_release(q2, role);
  }
  return result;
}

static void bench(const char *name, const char *unit, double scale, enum mode m, long n,
                  uint32_t size, mproc_queue_t *q1, mproc_queue_t *q2, int reps) {
  double v[64];
  run_once(m, n / 4 > 0 ? n / 4 : 1, size, q1, q2); /* warm-up */
  if (reps > 64)
    reps = 64;
  for (int r = 0; r < reps; r++)
    v[r] = run_once(m, n, size, q1, q2) * scale;
  bench_result(name, bench_median(v, reps), unit);
}

/* ns per 4 KiB page of the first write to each page of a fresh private anonymous mapping. */
static double first_touch_ns(void) {
  const size_t len = (size_t)64 << 20, page = 4096;
  char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    bench_die("mmap: %s", strerror(errno));
  madvise(p, len, MADV_NOHUGEPAGE); /* 4 KiB faults, as a JVM heap without large pages */
  int64_t t0 = mproc_now_ns();
  for (size_t i = 0; i < len; i += page)
    ((volatile char *)p)[i] = 1;
  int64_t t1 = mproc_now_ns();
  munmap(p, len);
  return (double)(t1 - t0) / (double)(len / page);
}

int main(void) {
  int reps = bench_reps(7);
  ctl = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (ctl == MAP_FAILED)
    bench_die("mmap: %s", strerror(errno));
  mproc_queue_t *q1, *q2;
  bench_name(q1_name, "cq1");
  bench_name(q2_name, "cq2");
  mproc_queue_spec_t small = {.capacity = (uint64_t)1 << 20};
  bench_check(mproc_queue_create(q1_name, &small, &q1), "create q1");
  bench_check(mproc_queue_create(q2_name, &small, &q2), "create q2");
  bench("c.queue.tput64", "msgs/s", 1, TPUT, 2000000, 64, q1, NULL, reps);
  bench("c.queue.tput64_batch", "msgs/s", 1, TPUT_BATCH, 2000000, 64, q1, NULL, reps);
  bench("c.queue.pingpong_spin", "ns", 1, PING_SPIN, 200000, 8, q1, q2, reps);
  bench("c.queue.pingpong_block", "ns", 1, PING_BLOCK, 200000, 8, q1, q2, reps);
  bench("c.queue.pingpong_park", "ns", 1, PING_PARK, 10000, 8, q1, q2, reps);
  bench("c.queue.futex_pingpong", "ns", 1, FUTEX, 10000, 0, NULL, NULL, reps);
  bench("c.queue.raw_pingpong", "ns", 1, RAW, 200000, 0, NULL, NULL, reps);
  mproc_queue_close(q1);
  mproc_queue_close(q2);
  mproc_unlink(q1_name);
  mproc_unlink(q2_name);

  mproc_queue_spec_t one = {.capacity = (uint64_t)1 << 20, .one_to_one = 1};
  bench_check(mproc_queue_create(q1_name, &one, &q1), "create one-to-one q1");
  bench_check(mproc_queue_create(q2_name, &one, &q2), "create one-to-one q2");
  bench("c.queue.one.tput64", "msgs/s", 1, TPUT, 2000000, 64, q1, NULL, reps);
  bench("c.queue.one.tput64_batch", "msgs/s", 1, TPUT_BATCH, 2000000, 64, q1, NULL, reps);
  bench("c.queue.one.pingpong_spin", "ns", 1, PING_SPIN, 200000, 8, q1, q2, reps);
  mproc_queue_close(q1);
  mproc_queue_close(q2);
  mproc_unlink(q1_name);
  mproc_unlink(q2_name);

  static char big_name[MPROC_NAME_MAX + 1];
  bench_name(big_name, "cq64k");
  mproc_queue_spec_t big = {.capacity = (uint64_t)4 << 20, .max_message = 65536};
  bench_check(mproc_queue_create(big_name, &big, &q1), "create 64k queue");
  memcpy(q1_name, big_name, sizeof big_name);
  bench("c.queue.tput64k", "GB/s", 65536 / 1e9, TPUT, 20000, 65536, q1, NULL, reps);
  mproc_queue_close(q1);
  double touch[3];
  for (int i = 0; i < 3; i++)
    touch[i] = first_touch_ns();
  bench_result("c.machine.first_touch_4k", bench_median(touch, 3), "ns");
  munmap(ctl, sizeof *ctl);
  return 0;
}
