/*
 * The queue: FIFO, sizes, bounds, wrap-around, blocking, shutdown, corruption, many producers
 * and consumers across processes with exactly-once delivery, and SIGKILLed participants.
 */
#include "check.h"

#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

static mproc_queue_t *small_queue(const char *name, uint64_t cap, uint32_t max, uint64_t count) {
  mproc_queue_spec_t spec = {.capacity = cap, .max_message = max, .max_count = count};
  mproc_queue_t *q;
  CHECK_RC(0, mproc_queue_create(name, &spec, &q));
  return q;
}

static void messages_come_out_in_order(void) {
  mproc_queue_t *q = small_queue(NULL, 4096, 100, 0);
  char buf[128];
  uint32_t len;
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK_RC(0, mproc_queue_put(q, "one", 3, 0));
  CHECK_RC(0, mproc_queue_put(q, "", 0, 0));
  CHECK_RC(0, mproc_queue_put(q, "three", 5, 0));
  CHECK(mproc_queue_size(q) == 3);
  CHECK_RC(0, mproc_queue_peek(q, buf, sizeof buf, &len, 0));
  CHECK(len == 3 && memcmp(buf, "one", 3) == 0 && mproc_queue_size(q) == 3);
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(len == 3 && memcmp(buf, "one", 3) == 0);
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(len == 0);
  CHECK_RC(MPROC_ETOOSMALL, mproc_queue_get(q, buf, 4, &len, 0));
  CHECK(len == 5 && mproc_queue_size(q) == 1); /* kept */
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(len == 5 && memcmp(buf, "three", 5) == 0 && mproc_queue_size(q) == 0);
  CHECK_RC(MPROC_EMSGSIZE, mproc_queue_put(q, buf, 101, 0));
  mproc_queue_close(q);
}

static void bad_specs_are_rejected(void) {
  mproc_queue_t *q;
  mproc_queue_spec_t spec = {.capacity = 5000};
  CHECK_RC(MPROC_EINVAL, mproc_queue_create(NULL, &spec, &q));
  spec.capacity = 1024;
  CHECK_RC(MPROC_EINVAL, mproc_queue_create(NULL, &spec, &q));
  spec.capacity = 4096;
  spec.max_message = 2048;
  CHECK_RC(MPROC_EINVAL, mproc_queue_create(NULL, &spec, &q));
  CHECK_RC(0, mproc_queue_create(NULL, NULL, &q));
  CHECK(mproc_queue_capacity(q) == MPROC_QUEUE_DEFAULT_CAPACITY);
  CHECK(mproc_queue_max_message(q) == MPROC_QUEUE_DEFAULT_CAPACITY / 4 - 8);
  mproc_queue_close(q);
}

static void the_ring_wraps_with_padding_for_any_sizes(void) {
  mproc_queue_t *q = small_queue(NULL, 4096, 1000, 0);
  unsigned char in[1000], out[1000];
  uint32_t len, seed = 1;
  for (int i = 0; i < 20000; i++) {
    uint32_t n = (seed = seed * 1103515245 + 12345) % 1001;
    for (uint32_t k = 0; k < n; k++)
      in[k] = (unsigned char)(i + k);
    CHECK_RC(0, mproc_queue_put(q, in, n, 0));
    if (i % 3 == 2) { /* keep a couple queued so positions drift */
      CHECK_RC(0, mproc_queue_get(q, out, sizeof out, &len, 0));
      CHECK_RC(0, mproc_queue_get(q, out, sizeof out, &len, 0));
      CHECK_RC(0, mproc_queue_get(q, out, sizeof out, &len, 0));
      CHECK(len == n && memcmp(in, out, n) == 0);
    }
  }
  mproc_queue_close(q);
}

static void full_queues_time_out_and_count_limits_apply(void) {
  mproc_queue_t *q = small_queue(NULL, 4096, 1000, 0);
  char buf[1000] = {0};
  int puts = 0;
  while (mproc_queue_put(q, buf, 1000, 0) == 0)
    puts++;
  CHECK(puts == 4); /* 4 x 1008 bytes in 4096 */
  CHECK(mproc_queue_is_full(q) == 1);
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_put(q, buf, 1000, 30000000));
  CHECK(mproc_now_ns() - t0 >= 29000000);
  mproc_queue_close(q);

  q = small_queue(NULL, 4096, 100, 2);
  CHECK_RC(0, mproc_queue_put(q, "a", 1, 0));
  CHECK_RC(0, mproc_queue_put(q, "b", 1, 0));
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_put(q, "c", 1, 0));
  CHECK(mproc_queue_is_full(q) == 1 && mproc_queue_max_count(q) == 2);
  uint32_t len;
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK_RC(0, mproc_queue_put(q, "c", 1, 0));
  mproc_queue_close(q);
}

static void shutdown_lets_consumers_drain_then_reports_closed(void) {
  mproc_queue_t *q = small_queue(NULL, 4096, 100, 0);
  char buf[100];
  uint32_t len;
  CHECK_RC(0, mproc_queue_put(q, "last", 4, 0));
  CHECK_RC(0, mproc_queue_shutdown(q));
  CHECK(mproc_queue_is_shutdown(q) == 1);
  CHECK_RC(MPROC_ECLOSED, mproc_queue_put(q, "more", 4, 0));
  CHECK_RC(MPROC_ECLOSED, mproc_queue_put(q, "more", 4, MPROC_FOREVER));
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, MPROC_FOREVER));
  CHECK_RC(MPROC_ECLOSED, mproc_queue_get(q, buf, sizeof buf, &len, MPROC_FOREVER));
  mproc_queue_close(q);
}

static void a_joinable_queue_counts_unfinished_tasks(void) {
  const char *name = test_name("qjoin");
  mproc_queue_spec_t spec = {.capacity = 4096, .joinable = 1};
  mproc_queue_t *q;
  CHECK_RC(0, mproc_queue_create(name, &spec, &q));
  CHECK_RC(0, mproc_queue_join(q, 0)); /* nothing put yet */
  CHECK_RC(0, mproc_queue_put(q, "a", 1, 0));
  CHECK_RC(0, mproc_queue_put(q, "b", 1, 0));
  CHECK(mproc_queue_unfinished(q) == 2);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_join(q, 20000000));
  pid_t pid = fork_child();
  if (pid == 0) { /* a worker: takes both, marks them done */
    mproc_queue_t *mine;
    char buf[16];
    uint32_t len;
    if (mproc_queue_open(name, &mine) != 0)
      _exit(1);
    for (int i = 0; i < 2; i++) {
      if (mproc_queue_get(mine, buf, sizeof buf, &len, MPROC_FOREVER) != 0)
        _exit(2);
      usleep(20000);
      if (mproc_queue_task_done(mine) != 0)
        _exit(3);
    }
    _exit(0);
  }
  CHECK_RC(0, mproc_queue_join(q, 10000000000LL));
  CHECK(mproc_queue_unfinished(q) == 0);
  CHECK(wait_child(pid) == 0);
  CHECK_RC(MPROC_ENOTASK, mproc_queue_task_done(q));
  mproc_queue_close(q);
  mproc_unlink(name);
  CHECK_RC(0, mproc_queue_create(NULL, NULL, &q));
  CHECK_RC(MPROC_EINVAL, mproc_queue_task_done(q));
  CHECK_RC(MPROC_EINVAL, mproc_queue_join(q, 0));
  mproc_queue_close(q);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * A producer killed at a random instruction of its puts, over and over, while this process
 * takes and marks done everything that comes out: after each kill, once drained, join has
 * nothing to wait for and unfinished is 0, before anyone repaired the dead producer's side. In
 * layout 3.0 a put counted its task before its commit, and a kill between the two left join
 * waiting for ever (this test failed on the one-to-one kind in about one run in four; the
 * deterministic kill-at-a-store tests below check each stop point). Both kinds of queue, with
 * single puts and batches of varied sizes, so that the ring wraps with padding.
 */
static void a_producer_killed_inside_a_put_leaves_join_nothing_to_wait_for(void) {
  for (int one = 0; one <= 1; one++) {
    const char *name = test_name(one ? "qjkill1" : "qjkill");
    mproc_queue_spec_t spec = {
        .capacity = 1 << 14, .max_message = 64, .joinable = 1, .one_to_one = (uint32_t)one};
    mproc_queue_t *q;
    CHECK_RC(0, mproc_queue_create(name, &spec, &q));
    uint64_t taken = 0;
    for (int r = 0; r < 150; r++) {
      pid_t prod = fork_child();
      if (prod == 0) { /* sizes 4 to 60 bytes (so the ring wraps with padding), every third
                          put a batch of up to 5 */
        mproc_queue_t *mine;
        if (mproc_queue_open(name, &mine) != 0)
          _exit(1);
        unsigned char msgs[5 * 60] = {0};
        for (uint32_t i = 0;; i++) {
          uint32_t lens[5], n = i % 3 == 2 ? 1 + i % 5 : 1, done;
          for (uint32_t k = 0; k < n; k++)
            lens[k] = 4 + (i * 7 + k * 13) % 57;
          mproc_queue_put_batch(mine, msgs, lens, n, &done, MPROC_FOREVER);
        }
      }
      /* Once it puts, keep it putting (a full ring would park it) for a while, then kill it. */
      uint32_t len;
      unsigned char v[64];
      const int64_t started = now_ns();
      while (mproc_queue_get(q, v, sizeof v, &len, 0) != 0)
        CHECK(now_ns() - started < 10000000000LL);
      CHECK_RC(0, mproc_queue_task_done(q));
      taken++;
      const int64_t until = now_ns() + 100000 + (int64_t)(r * 7919) % 1000000;
      while (now_ns() < until) {
        if (mproc_queue_get(q, v, sizeof v, &len, 0) == 0) {
          CHECK_RC(0, mproc_queue_task_done(q));
          taken++;
        }
      }
      kill(prod, SIGKILL);
      CHECK(wait_child(prod) == -SIGKILL);
      while (mproc_queue_get(q, v, sizeof v, &len, 0) == 0) {
        CHECK_RC(0, mproc_queue_task_done(q));
        taken++;
      }
      CHECK(mproc_queue_size(q) == 0);
      CHECK(mproc_queue_unfinished(q) == 0);
      CHECK_RC(0, mproc_queue_join(q, 0));
      CHECK_RC(MPROC_ENOTASK, mproc_queue_task_done(q));
    }
    CHECK(taken > 0);
    /* The next producer takes the dead one's side over and goes on; join waits for its task. */
    CHECK_RC(0, mproc_queue_put(q, "x", 1, 5000000000LL));
    CHECK(mproc_queue_unfinished(q) == 1);
    CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_join(q, 0));
    char buf[8];
    uint32_t len;
    CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
    CHECK_RC(0, mproc_queue_task_done(q));
    CHECK_RC(0, mproc_queue_join(q, 0));
    mproc_queue_close(q);
    mproc_unlink(name);
  }
}

/*
 * A consumer asleep in a get wakes for a put and for a shutdown. In the second round the
 * consumer has just taken a stream of messages, so its waits are those after a stream (they
 * look away first, then look less often: queue.c, wait_for).
 */
static void a_blocked_consumer_wakes_on_put_and_on_shutdown(void) {
  for (int round = 0; round < 2; round++) {
    const char *name = test_name("qwake");
    mproc_queue_t *q = small_queue(name, 4096, 100, 0);
    enum { STREAM = 40 };
    pid_t pid = fork_child();
    if (pid == 0) {
      mproc_queue_t *mine;
      if (mproc_queue_open(name, &mine) != 0)
        _exit(1);
      for (int i = 0; round == 1 && i < STREAM; i++)
        if (mproc_queue_put(mine, "s", 1, MPROC_FOREVER) != 0)
          _exit(2);
      usleep(50000);
      mproc_queue_put(mine, "wake", 4, 0);
      usleep(50000);
      mproc_queue_shutdown(mine);
      _exit(0);
    }
    char buf[100];
    uint32_t len;
    for (int i = 0; round == 1 && i < STREAM; i++) {
      CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 10000000000LL));
      CHECK(len == 1 && buf[0] == 's');
    }
    int64_t t0 = mproc_now_ns();
    CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 10000000000LL));
    CHECK(len == 4 && memcmp(buf, "wake", 4) == 0);
    CHECK_RC(MPROC_ECLOSED, mproc_queue_get(q, buf, sizeof buf, &len, 10000000000LL));
    CHECK(mproc_now_ns() - t0 < 5000000000LL);
    CHECK(wait_child(pid) == 0);
    mproc_queue_close(q);
    mproc_unlink(name);
  }
}

/*
 * A put skips the wake-up of a consumer it already woke that has not taken anything yet
 * (notify_consumers). Every other sleeper must still be woken: a consumer process that took
 * its messages and sleeps again, and each of two sleeping consumer processes. A missed wake-up
 * would show as a get that returns only when its 100 ms sleep slice ends.
 */
enum { WAKE_ROUNDS = 20 };

/* A consumer process: opens the queue, takes until it is shut down, counting in `got`. */
static pid_t wake_consumer(const char *name, _Atomic int *got) {
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_queue_t *q;
    if (mproc_queue_open(name, &q) != 0)
      _exit(1);
    char buf[16];
    uint32_t len;
    int rc;
    while ((rc = mproc_queue_get(q, buf, sizeof buf, &len, MPROC_FOREVER)) == 0)
      atomic_fetch_add(got, 1);
    _exit(rc == MPROC_ECLOSED ? 0 : 2);
  }
  return pid;
}

/* Waits until `n` consumers count as waiting and have had time to fall asleep. */
static void await_sleepers(mproc_queue_t *q, uint32_t n) {
  _Atomic uint32_t *waiting =
      (_Atomic uint32_t *)(void *)((char *)mproc_segment_data(mproc_queue_segment(q)) + 260);
  int64_t end = mproc_now_ns() + 10000000000LL;
  while (atomic_load(waiting) != n) {
    CHECK(mproc_now_ns() < end);
    usleep(100);
  }
  usleep(2000);
}

/* Waits until `count` messages were taken in all; returns when it saw that. */
static int64_t await_taken(_Atomic int *got, int count) {
  int64_t end = mproc_now_ns() + 10000000000LL;
  while (atomic_load(got) < count) {
    CHECK(mproc_now_ns() < end);
    usleep(50);
  }
  return mproc_now_ns();
}

static void every_sleeping_consumer_is_woken_for_a_message(void) {
  const char *name = test_name("qwoke");
  mproc_queue_t *p = small_queue(name, 1 << 16, 16, 0);
  _Atomic int *got = mmap(NULL, sizeof *got, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                          -1, 0); /* messages taken by all consumers */
  CHECK(got != MAP_FAILED);
  atomic_store(got, 0);
  /* One consumer: woken by the first of three quick puts (the other two skip the wake-up),
     asleep again after taking all three, woken again by the next round's first put. */
  pid_t c1 = wake_consumer(name, got);
  int slow = 0;
  for (int round = 0; round < WAKE_ROUNDS; round++) {
    await_sleepers(p, 1);
    int64_t t0 = mproc_now_ns();
    for (int k = 0; k < 3; k++)
      CHECK_RC(0, mproc_queue_put(p, "m", 1, 0));
    if (await_taken(got, 3 * (round + 1)) - t0 >= 50000000)
      slow++;
  }
  CHECK(slow <= 2);
  /* Two consumers asleep (no wake-up is skipped then), two messages. */
  pid_t c2 = wake_consumer(name, got);
  slow = 0;
  for (int round = 0; round < WAKE_ROUNDS; round++) {
    await_sleepers(p, 2);
    int64_t t0 = mproc_now_ns();
    CHECK_RC(0, mproc_queue_put(p, "a", 1, 0));
    CHECK_RC(0, mproc_queue_put(p, "b", 1, 0));
    if (await_taken(got, 3 * WAKE_ROUNDS + 2 * (round + 1)) - t0 >= 50000000)
      slow++;
  }
  CHECK(slow <= 2);
  CHECK_RC(0, mproc_queue_shutdown(p));
  CHECK(wait_child(c1) == 0);
  CHECK(wait_child(c2) == 0);
  munmap(got, sizeof *got);
  mproc_queue_close(p);
  mproc_unlink(name);
}

static void a_malformed_record_poisons_the_queue(void) {
  const char *name = test_name("qbad");
  mproc_queue_t *q = small_queue(name, 4096, 100, 0);
  CHECK_RC(0, mproc_queue_put(q, "ok", 2, 0));
  CHECK_RC(0, mproc_queue_put(q, "ok", 2, 0));
  /* Another process scribbles a huge length over the first record. */
  unsigned char *ring = (unsigned char *)mproc_segment_data(mproc_queue_segment(q)) +
                        MPROC_QUEUE_RING_OFFSET;
  uint32_t evil = 0x7fffffff;
  memcpy(ring, &evil, 4);
  char buf[100];
  uint32_t len;
  CHECK_RC(MPROC_ECORRUPT, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK_RC(MPROC_ECORRUPT, mproc_queue_get(q, buf, sizeof buf, &len, MPROC_FOREVER));
  CHECK_RC(MPROC_ECORRUPT, mproc_queue_put(q, "x", 1, 0));
  mproc_queue_close(q);
  mproc_unlink(name);
}

int mproc__lock_acquire(mproc_segment_t *seg, void *lw, int64_t timeout_ns); /* internal */

/* Body words by their offsets in docs/layout.md. */
static uint64_t *body_u64(mproc_queue_t *q, size_t off) {
  return (uint64_t *)(void *)((char *)mproc_segment_data(mproc_queue_segment(q)) + off);
}

/*
 * A child takes one side's lock and stops exactly between storing the count and storing the
 * position of a commit (the window a SIGKILL can hit), then is killed. Before the commit intent
 * fields, `size` stayed wrong for ever after this.
 */
static void kill_inside_commit(const char *name, size_t lock_off, size_t pos_off, size_t count_off,
                               size_t bytes, uint64_t records) {
  int ready[2];
  CHECK(pipe(ready) == 0);
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_queue_t *mine;
    if (mproc_queue_open(name, &mine) != 0 ||
        mproc__lock_acquire(mproc_queue_segment(mine), body_u64(mine, lock_off), 0) != 0)
      _exit(1);
    /* The intent (position, count) follows the count. */
    uint64_t *pos = body_u64(mine, pos_off), *count = body_u64(mine, count_off);
    uint64_t *intent = count + 1;
    intent[1] = *count; /* what commit() stores, in its order, up to the position */
    __atomic_store_n(&intent[0], *pos + bytes, __ATOMIC_RELEASE);
    __atomic_store_n(count, *count + records, __ATOMIC_RELEASE);
    CHECK(write(ready[1], "x", 1) == 1);
    pause();
    _exit(0);
  }
  char c;
  CHECK(read(ready[0], &c, 1) == 1);
  kill(pid, SIGKILL);
  CHECK(wait_child(pid) == -SIGKILL);
  close(ready[0]);
  close(ready[1]);
}

static void a_process_killed_inside_a_commit_leaves_exact_counts(void) {
  const char *name = test_name("qcommit");
  mproc_queue_spec_t spec = {.capacity = 4096, .max_message = 100, .joinable = 1};
  mproc_queue_t *q;
  CHECK_RC(0, mproc_queue_create(name, &spec, &q));
  char buf[100];
  uint32_t len;
  CHECK_RC(0, mproc_queue_put(q, "A", 1, 0));
  kill_inside_commit(name, 0, 16, 24, 16, 1); /* a producer dies publishing a second message */
  CHECK(mproc_queue_size(q) == 1);      /* counted exactly before anyone repairs */
  CHECK(mproc_queue_unfinished(q) == 1); /* and so is its task (joinable) */
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_join(q, 0));
  CHECK_RC(0, mproc_queue_put(q, "B", 1, 5000000000LL)); /* takes the put lock over */
  CHECK(mproc_queue_size(q) == 2 && *body_u64(q, 24) == 2 && mproc_queue_unfinished(q) == 2);
  kill_inside_commit(name, 128, 144, 152, 16, 1); /* a consumer dies taking "A" */
  CHECK(mproc_queue_size(q) == 2);
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 5000000000LL)); /* "A" stayed queued */
  CHECK(len == 1 && buf[0] == 'A' && *body_u64(q, 152) == 1);
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(len == 1 && buf[0] == 'B' && mproc_queue_size(q) == 0);
  /* The same with one commit for several records (Java's batches): a producer dies publishing
     three records, a consumer dies taking two. */
  CHECK_RC(0, mproc_queue_put(q, "C", 1, 0));
  CHECK_RC(0, mproc_queue_put(q, "D", 1, 0));
  kill_inside_commit(name, 0, 16, 24, 48, 3);
  CHECK(mproc_queue_size(q) == 2);
  CHECK(mproc_queue_unfinished(q) == 4); /* A, B not marked done; C, D queued; not the batch */
  CHECK_RC(0, mproc_queue_put(q, "E", 1, 5000000000LL)); /* takes the put lock over */
  CHECK(mproc_queue_size(q) == 3 && *body_u64(q, 24) == 5 && mproc_queue_unfinished(q) == 5);
  kill_inside_commit(name, 128, 144, 152, 32, 2);
  CHECK(mproc_queue_size(q) == 3);
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 5000000000LL)); /* takes it over */
  CHECK(len == 1 && buf[0] == 'C' && *body_u64(q, 152) == 3);
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(len == 1 && buf[0] == 'D');
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(len == 1 && buf[0] == 'E' && mproc_queue_size(q) == 0);
  for (int i = 0; i < 5; i++) {
    CHECK(mproc_queue_unfinished(q) == (uint64_t)(5 - i));
    CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_join(q, 0));
    CHECK_RC(0, mproc_queue_task_done(q));
  }
  CHECK_RC(0, mproc_queue_join(q, 0));
  CHECK_RC(MPROC_ENOTASK, mproc_queue_task_done(q));
  mproc_queue_close(q);
  mproc_unlink(name);
}

/* Producers send (producer, sequence) pairs; consumers record what they got. */
typedef struct {
  uint32_t producer;
  uint32_t seq;
} msg_t;

enum { PRODUCERS = 4, CONSUMERS = 4, PER_PRODUCER = 250000 };

static void many_producers_and_consumers_deliver_exactly_once(void) {
  const char *name = test_name("qmpmc");
  mproc_queue_t *q = small_queue(name, 1 << 16, 64, 0);
  /* A shared table where consumers mark every (producer, seq) they receive. */
  uint8_t *seen = mmap(NULL, PRODUCERS * PER_PRODUCER, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(seen != MAP_FAILED);
  pid_t pids[PRODUCERS + CONSUMERS];
  for (int p = 0; p < PRODUCERS; p++) {
    if ((pids[p] = fork_child()) == 0) {
      mproc_queue_t *mine;
      if (mproc_queue_open(name, &mine) != 0)
        _exit(1);
      for (uint32_t i = 0; i < PER_PRODUCER; i++) {
        msg_t m = {(uint32_t)p, i};
        int rc = mproc_queue_put(mine, &m, sizeof m, MPROC_FOREVER);
        if (rc != 0) {
          fprintf(stderr, "producer %d: put: %s\n", p, mproc_err_name(rc));
          _exit(2);
        }
      }
      _exit(0);
    }
  }
  for (int c = 0; c < CONSUMERS; c++) {
    if ((pids[PRODUCERS + c] = fork_child()) == 0) {
      mproc_queue_t *mine;
      if (mproc_queue_open(name, &mine) != 0)
        _exit(1);
      int64_t last[PRODUCERS];
      for (int p = 0; p < PRODUCERS; p++)
        last[p] = -1;
      for (;;) {
        msg_t m;
        uint32_t len;
        int rc = mproc_queue_get(mine, &m, sizeof m, &len, MPROC_FOREVER);
        if (rc == MPROC_ECLOSED)
          _exit(0);
        if (rc != 0 || len != sizeof m || m.producer >= PRODUCERS || m.seq >= PER_PRODUCER)
          _exit(3);
        if ((int64_t)m.seq <= last[m.producer])
          _exit(4); /* per-producer FIFO, as seen by one consumer */
        last[m.producer] = m.seq;
        if (__atomic_fetch_add(&seen[m.producer * PER_PRODUCER + m.seq], 1, __ATOMIC_RELAXED))
          _exit(5); /* delivered twice */
      }
    }
  }
  for (int p = 0; p < PRODUCERS; p++) {
    int st = wait_child(pids[p]);
    if (st != 0)
      fprintf(stderr, "producer %d exited with %d\n", p, st);
    CHECK(st == 0);
  }
  CHECK_RC(0, mproc_queue_shutdown(q));
  for (int c = 0; c < CONSUMERS; c++)
    CHECK(wait_child(pids[PRODUCERS + c]) == 0);
  for (int i = 0; i < PRODUCERS * PER_PRODUCER; i++)
    CHECK(seen[i] == 1);
  CHECK(mproc_queue_size(q) == 0);
  munmap(seen, PRODUCERS * PER_PRODUCER);
  mproc_queue_close(q);
  mproc_unlink(name);
}

static void killed_producers_and_consumers_do_not_stop_the_others(void) {
  const char *name = test_name("qkill");
  mproc_queue_t *q = small_queue(name, 1 << 14, 64, 0);
  enum { ROUNDS = 30 };
  uint32_t got = 0, value = 1u << 31;
  for (int r = 0; r < ROUNDS; r++) {
    /* A producer and a consumer hammer the queue; both are killed at a random moment. */
    pid_t prod = fork_child();
    if (prod == 0) {
      mproc_queue_t *mine;
      if (mproc_queue_open(name, &mine) != 0)
        _exit(1);
      for (uint32_t i = 0;; i++)
        mproc_queue_put(mine, &i, sizeof i, MPROC_FOREVER);
    }
    pid_t cons = fork_child();
    if (cons == 0) {
      mproc_queue_t *mine;
      if (mproc_queue_open(name, &mine) != 0)
        _exit(1);
      for (;;) {
        uint32_t v, len;
        mproc_queue_get(mine, &v, sizeof v, &len, MPROC_FOREVER);
      }
    }
    usleep(2000 + (unsigned)(r * 997) % 20000);
    if (r % 2 == 0) {
      kill(prod, SIGKILL);
      kill(cons, SIGKILL);
    } else {
      /* The consumer first, so that the producer leaves a backlog for the survivor: killed
         together, a consumer that keeps up often drains everything between the two kills, and
         the test then failed (about one run in six) for want of anything to drain. */
      kill(cons, SIGKILL);
      usleep(1000);
      kill(prod, SIGKILL);
    }
    wait_child(prod);
    wait_child(cons);
    /* The survivor drains what the dead left, in the producer's order, within a liveness
       slice or two (the dead may have held either lock), then puts and gets its own. */
    uint32_t v, len;
    int64_t prev = -1;
    int rc;
    while ((rc = mproc_queue_get(q, &v, sizeof v, &len, 200000000)) == 0) {
      CHECK(len == sizeof v && (int64_t)v > prev);
      prev = v;
      got++;
    }
    CHECK_RC(MPROC_ETIMEDOUT, rc);
    CHECK(mproc_queue_size(q) == 0);
    CHECK_RC(0, mproc_queue_put(q, &value, sizeof value, 5000000000LL));
    CHECK_RC(0, mproc_queue_get(q, &v, sizeof v, &len, 5000000000LL));
    CHECK(v == value);
    value++;
  }
  CHECK(got > 0);
  mproc_queue_close(q);
  mproc_unlink(name);
}

/* Batches: one lock hold and one commit for several messages, packed back to back. */
static void batches_put_and_get_many_messages_at_once(void) {
  mproc_queue_t *q = small_queue(NULL, 4096, 100, 0);
  unsigned char in[512], out[512];
  uint32_t lens[8], got, done;
  for (int i = 0; i < (int)sizeof in; i++)
    in[i] = (unsigned char)i;
  uint32_t five[5] = {0, 3, 100, 7, 1};
  CHECK_RC(0, mproc_queue_put_batch(q, in, five, 5, &done, 0));
  CHECK(done == 5 && mproc_queue_size(q) == 5);
  CHECK_RC(0, mproc_queue_get_batch(q, out, 50, lens, 8, &got, 0)); /* 100 does not fit after */
  CHECK(got == 2 && lens[0] == 0 && lens[1] == 3 && memcmp(out, in, 3) == 0);
  CHECK_RC(MPROC_ETOOSMALL, mproc_queue_get_batch(q, out, 50, lens, 8, &got, 0));
  CHECK(lens[0] == 100 && got == 0 && mproc_queue_size(q) == 3);
  CHECK_RC(0, mproc_queue_get_batch(q, out, sizeof out, lens, 2, &got, 0)); /* max bounds it */
  CHECK(got == 2 && lens[0] == 100 && lens[1] == 7 && memcmp(out, in + 3, 107) == 0);
  CHECK_RC(0, mproc_queue_get_batch(q, out, 1, lens, 8, &got, 0));
  CHECK(got == 1 && lens[0] == 1 && out[0] == in[110]);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_get_batch(q, out, sizeof out, lens, 8, &got, 0));
  CHECK(got == 0);
  /* bad input: nothing written */
  uint32_t big[2] = {3, 101};
  CHECK_RC(MPROC_EMSGSIZE, mproc_queue_put_batch(q, in, big, 2, &done, 0));
  CHECK(done == 0 && mproc_queue_size(q) == 0);
  CHECK_RC(MPROC_EINVAL, mproc_queue_put_batch(q, in, five, 0, &done, 0));
  CHECK_RC(MPROC_EINVAL, mproc_queue_put_batch(q, in, NULL, 1, &done, 0));
  CHECK_RC(MPROC_EINVAL, mproc_queue_put_batch(q, NULL, five, 5, &done, 0));
  CHECK_RC(MPROC_EINVAL, mproc_queue_get_batch(q, out, sizeof out, lens, 0, &got, 0));
  CHECK_RC(MPROC_EINVAL, mproc_queue_get_batch(q, out, sizeof out, NULL, 8, &got, 0));
  /* many wraps of a small ring, batch sizes and lengths varying: order and bytes kept */
  uint32_t seed = 7, sent = 0, recv = 0;
  for (int round = 0; round < 3000; round++) {
    uint32_t n = 1 + (seed = seed * 1103515245u + 12345u) % 8, pl[8];
    size_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
      pl[i] = (seed = seed * 1103515245u + 12345u) % 60;
      for (uint32_t k = 0; k < pl[i]; k++)
        in[off + k] = (unsigned char)(sent + k);
      off += pl[i];
      sent++;
    }
    uint32_t from = 0;
    off = 0;
    while (from < n) {
      CHECK_RC(0, mproc_queue_put_batch(q, in + off, pl + from, n - from, &done, 0));
      for (uint32_t i = 0; i < done; i++)
        off += pl[from + i];
      from += done;
      while (recv < sent - (n - from)) { /* drain what was put */
        CHECK_RC(0, mproc_queue_get_batch(q, out, sizeof out, lens, 8, &got, 0));
        size_t o = 0;
        for (uint32_t i = 0; i < got; i++, recv++) {
          for (uint32_t k = 0; k < lens[i]; k++)
            CHECK(out[o + k] == (unsigned char)(recv + k));
          o += lens[i];
        }
      }
    }
  }
  CHECK(mproc_queue_size(q) == 0);
  mproc_queue_close(q);
  /* a count bound: the part that fits is put; shutdown ends both sides */
  q = small_queue(NULL, 4096, 100, 3);
  CHECK_RC(0, mproc_queue_put_batch(q, in, five, 5, &done, 0));
  CHECK(done == 3 && mproc_queue_size(q) == 3);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_put_batch(q, in, five, 5, &done, 0));
  CHECK_RC(0, mproc_queue_shutdown(q));
  CHECK_RC(MPROC_ECLOSED, mproc_queue_put_batch(q, in, five, 5, &done, 0));
  CHECK_RC(0, mproc_queue_get_batch(q, out, sizeof out, lens, 8, &got, 0));
  CHECK(got == 3);
  CHECK_RC(MPROC_ECLOSED, mproc_queue_get_batch(q, out, sizeof out, lens, 8, &got, 0));
  mproc_queue_close(q);
}

int main(void) {
  RUN(messages_come_out_in_order);
  RUN(bad_specs_are_rejected);
  RUN(the_ring_wraps_with_padding_for_any_sizes);
  RUN(full_queues_time_out_and_count_limits_apply);
  RUN(shutdown_lets_consumers_drain_then_reports_closed);
  RUN(a_joinable_queue_counts_unfinished_tasks);
  RUN(a_producer_killed_inside_a_put_leaves_join_nothing_to_wait_for);
  RUN(a_blocked_consumer_wakes_on_put_and_on_shutdown);
  RUN(every_sleeping_consumer_is_woken_for_a_message);
  RUN(a_malformed_record_poisons_the_queue);
  RUN(a_process_killed_inside_a_commit_leaves_exact_counts);
  RUN(batches_put_and_get_many_messages_at_once);
  RUN(many_producers_and_consumers_deliver_exactly_once);
  RUN(killed_producers_and_consumers_do_not_stop_the_others);
  return 0;
}
