/*
 * One-to-one queues (spec.one_to_one): the same API as the locked queue with one producer and
 * one consumer handle at a time. Order, wrap-around, batches, bounds, roles and their takeover,
 * blocking on both sides across processes (the remote-barrier wake-up), exactly-once delivery,
 * and producers and consumers killed anywhere, including exactly inside a commit.
 */
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mman.h>

static mproc_queue_t *one_queue(const char *name, uint64_t cap, uint32_t max, uint64_t count) {
  mproc_queue_spec_t spec = {
      .capacity = cap, .max_message = max, .max_count = count, .one_to_one = 1};
  mproc_queue_t *q;
  CHECK_RC(0, mproc_queue_create(name, &spec, &q));
  CHECK(mproc_queue_is_one_to_one(q) == 1);
  return q;
}

static uint64_t *body_u64(mproc_queue_t *q, size_t off) {
  return (uint64_t *)(void *)((char *)mproc_segment_data(mproc_queue_segment(q)) + off);
}

static void messages_come_out_in_order(void) {
  mproc_queue_t *q = one_queue(NULL, 4096, 100, 0);
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
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_get(q, buf, sizeof buf, &len, 1000000));
  mproc_queue_close(q);
}

static void the_ring_wraps_for_any_sizes_and_batches(void) {
  mproc_queue_t *q = one_queue(NULL, 4096, 1000, 0);
  static unsigned char in[8 * 1000], out[8 * 1000];
  uint32_t lens[8], got_lens[8], seed = 7, next_in = 0, next_out = 0;
  for (int i = 0; i < 20000; i++) {
    /* A batch of 1-4 random-length messages, each byte telling its message's number. */
    uint32_t n = 1 + (seed = seed * 1103515245 + 12345) % 4, off = 0;
    for (uint32_t k = 0; k < n; k++) {
      lens[k] = (seed = seed * 1103515245 + 12345) % 301;
      memset(in + off, (int)(next_in + k), lens[k]);
      off += lens[k];
    }
    uint32_t done = 0;
    CHECK_RC(0, mproc_queue_put_batch(q, in, lens, n, &done, 0));
    CHECK(done == n); /* the consumer below keeps the ring under half full */
    next_in += n;
    while (next_out < next_in) {
      uint32_t got;
      if (i % 2 == 0) {
        CHECK_RC(0, mproc_queue_get_batch(q, out, sizeof out, got_lens, 8, &got, 0));
      } else {
        CHECK_RC(0, mproc_queue_get(q, out, sizeof out, &got_lens[0], 0));
        got = 1;
      }
      uint32_t at = 0;
      for (uint32_t k = 0; k < got; k++, next_out++) {
        for (uint32_t b = 0; b < got_lens[k]; b++)
          CHECK(out[at + b] == (unsigned char)next_out);
        at += got_lens[k];
      }
    }
    CHECK(mproc_queue_size(q) == 0);
  }
  CHECK(*body_u64(q, 24) == next_in && *body_u64(q, 152) == next_in);
  mproc_queue_close(q);
}

static void full_queues_time_out_and_count_limits_apply(void) {
  mproc_queue_t *q = one_queue(NULL, 4096, 1000, 0);
  char buf[1000] = {0};
  int puts = 0;
  while (mproc_queue_put(q, buf, 1000, 0) == 0)
    puts++;
  CHECK(puts == 4); /* 4 x 1008 bytes and the zero slot in 4096 */
  CHECK(mproc_queue_is_full(q) == 1);
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_put(q, buf, 1000, 30000000));
  CHECK(mproc_now_ns() - t0 >= 29000000);
  uint32_t len;
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(mproc_queue_is_full(q) == 1); /* the next record needs 64 bytes of padding too */
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(mproc_queue_is_full(q) == 0);
  CHECK_RC(0, mproc_queue_put(q, buf, 1000, 0));
  mproc_queue_close(q);

  q = one_queue(NULL, 4096, 100, 2);
  CHECK_RC(0, mproc_queue_put(q, "a", 1, 0));
  CHECK_RC(0, mproc_queue_put(q, "b", 1, 0));
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_put(q, "c", 1, 0));
  uint32_t lens[3] = {1, 1, 1}, done;
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_put_batch(q, "cde", lens, 3, &done, 0));
  CHECK(mproc_queue_is_full(q) == 1);
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK_RC(0, mproc_queue_put_batch(q, "cde", lens, 3, &done, 0));
  CHECK(done == 1 && mproc_queue_size(q) == 2);
  mproc_queue_close(q);
}

static void roles_belong_to_one_handle_at_a_time(void) {
  const char *name = test_name("q1roles");
  mproc_queue_t *q = one_queue(name, 4096, 100, 0), *other;
  CHECK_RC(0, mproc_queue_open(name, &other));
  CHECK(mproc_queue_is_one_to_one(other) == 1);
  char buf[100];
  uint32_t len;
  CHECK_RC(0, mproc_queue_put(q, "x", 1, 0)); /* q is the producer now */
  CHECK_RC(MPROC_EROLE, mproc_queue_put(other, "y", 1, 0));
  CHECK_RC(MPROC_EROLE, mproc_queue_put(other, "y", 1, MPROC_FOREVER)); /* does not wait */
  CHECK_RC(0, mproc_queue_get(other, buf, sizeof buf, &len, 0)); /* other, the consumer */
  CHECK_RC(MPROC_EROLE, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(mproc_queue_claim(q, MPROC_QUEUE_PRODUCER) >= 0);
  CHECK_RC(MPROC_EROLE, mproc_queue_claim(other, MPROC_QUEUE_PRODUCER));
  CHECK_RC(MPROC_EINVAL, mproc_queue_claim(q, 3));
  CHECK_RC(MPROC_ENOTOWNER, mproc_queue_release(other, MPROC_QUEUE_PRODUCER));
  CHECK_RC(0, mproc_queue_release(q, MPROC_QUEUE_PRODUCER));
  CHECK_RC(0, mproc_queue_put(other, "z", 1, 0)); /* released: other may produce */
  CHECK_RC(MPROC_EROLE, mproc_queue_put(q, "w", 1, 0));
  CHECK_RC(0, mproc_queue_close(other)); /* closing gives both its roles back */
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(len == 1 && buf[0] == 'z');
  CHECK_RC(0, mproc_queue_put(q, "v", 1, 0));

  /* A role held by another process: refused while it lives, taken over once it is dead. */
  int ready[2];
  CHECK(pipe(ready) == 0);
  CHECK_RC(0, mproc_queue_release(q, MPROC_QUEUE_PRODUCER));
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_queue_t *mine;
    if (mproc_queue_open(name, &mine) != 0 || mproc_queue_put(mine, "c", 1, 0) != 0)
      _exit(1);
    CHECK(write(ready[1], "x", 1) == 1);
    pause();
    _exit(0);
  }
  char c;
  CHECK(read(ready[0], &c, 1) == 1);
  CHECK_RC(MPROC_EROLE, mproc_queue_put(q, "p", 1, 0));
  kill(pid, SIGKILL);
  CHECK(wait_child(pid) == -SIGKILL);
  CHECK_RC(0, mproc_queue_put(q, "p", 1, 0));
  const char *want[] = {"v", "c", "p"};
  for (int i = 0; i < 3; i++) {
    CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
    CHECK(len == 1 && buf[0] == want[i][0]);
  }
  close(ready[0]);
  close(ready[1]);

  mproc_queue_t *locked;
  CHECK_RC(0, mproc_queue_create(NULL, NULL, &locked));
  CHECK(mproc_queue_is_one_to_one(locked) == 0);
  CHECK_RC(MPROC_EINVAL, mproc_queue_claim(locked, MPROC_QUEUE_PRODUCER));
  mproc_queue_close(locked);
  mproc_queue_close(q);
  mproc_unlink(name);
}

/* Producer child: `total` numbered messages of 4-68 bytes, in batches of 1-8, blocking. */
static void produce(const char *name, uint32_t total, uint32_t pause_every) {
  mproc_queue_t *q;
  if (mproc_queue_open(name, &q) != 0)
    _exit(1);
  unsigned char buf[8 * 68];
  uint32_t lens[8], seed = 3;
  for (uint32_t i = 0; i < total;) {
    uint32_t n = 1 + (seed = seed * 1103515245 + 12345) % 8, off = 0;
    if (n > total - i)
      n = total - i;
    for (uint32_t k = 0; k < n; k++) {
      lens[k] = 4 + (seed = seed * 1103515245 + 12345) % 65;
      uint32_t v = i + k;
      memcpy(buf + off, &v, 4);
      memset(buf + off + 4, (int)(v & 0xff), lens[k] - 4);
      off += lens[k];
    }
    uint32_t done;
    if (n == 1) {
      if (mproc_queue_put(q, buf, lens[0], MPROC_FOREVER) != 0)
        _exit(2);
      done = 1;
    } else if (mproc_queue_put_batch(q, buf, lens, n, &done, MPROC_FOREVER) != 0) {
      _exit(2);
    }
    i += done; /* the rest of the batch goes again, renumbered from i */
    if (pause_every != 0 && i % pause_every < done)
      usleep(200); /* let the consumer catch up and fall asleep */
  }
  _exit(0);
}

static void check_message(const unsigned char *m, uint32_t len, uint32_t want) {
  uint32_t v;
  CHECK(len >= 4 && len <= 68);
  memcpy(&v, m, 4);
  if (v != want)
    fprintf(stderr, "got %u, want %u\n", v, want);
  CHECK(v == want);
  for (uint32_t b = 4; b < len; b++)
    CHECK(m[b] == (unsigned char)(v & 0xff));
}

/*
 * A producer process and this consumer, through a small ring so that both sides keep sleeping
 * and waking each other (the waiter counts read without a fence, the remote barrier), in
 * order, exactly once.
 */
static void a_stream_between_processes_arrives_exactly_once(void) {
  const char *name = test_name("q1stream");
  mproc_queue_t *q = one_queue(name, 4096, 68, 0);
  enum { TOTAL = 400000 };
  for (int round = 0; round < 2; round++) {
    pid_t pid = fork_child();
    if (pid == 0)
      produce(name, TOTAL, round == 0 ? 0 : 997);
    unsigned char buf[16 * 68];
    uint32_t lens[16], next = 0;
    while (next < TOTAL) {
      uint32_t got = 1;
      if (next % 3 == 0) {
        CHECK_RC(0, mproc_queue_get_batch(q, buf, sizeof buf, lens, 16, &got, 10000000000LL));
      } else {
        CHECK_RC(0, mproc_queue_get(q, buf, 68, &lens[0], 10000000000LL));
      }
      uint32_t at = 0;
      for (uint32_t k = 0; k < got; k++, next++) {
        check_message(buf + at, lens[k], next);
        at += lens[k];
      }
      if (round == 1 && next % 5003 < got)
        usleep(300); /* and let the producer fill the ring and sleep */
    }
    CHECK(wait_child(pid) == 0);
    CHECK(mproc_queue_size(q) == 0);
    uint32_t len;
    CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  }
  mproc_queue_close(q);
  mproc_unlink(name);
}

/*
 * A consumer asleep in a get wakes for a put (round 0) and for a shutdown (round 1), across
 * processes. Before each wait the producer also sends a stream of messages and the consumer
 * takes it, so that the wait is one after a stream (it looks away first, then looks less
 * often: queue.c, wait_for) and wakes all the same.
 */
static void a_blocked_consumer_wakes_on_put_and_on_shutdown(void) {
  const char *name = test_name("q1wake");
  mproc_queue_t *q = one_queue(name, 4096, 100, 0);
  enum { STREAM = 40 };
  for (int round = 0; round < 2; round++) {
    pid_t pid = fork_child();
    if (pid == 0) {
      mproc_queue_t *mine;
      if (mproc_queue_open(name, &mine) != 0)
        _exit(1);
      for (int i = 0; i < STREAM; i++)
        if (mproc_queue_put(mine, "s", 1, MPROC_FOREVER) != 0)
          _exit(2);
      usleep(100000); /* the consumer is asleep by now */
      if (round == 0)
        _exit(mproc_queue_put(mine, "late", 4, 0) == 0 ? 0 : 2);
      _exit(mproc_queue_shutdown(mine) == 0 ? 0 : 2);
    }
    char buf[100];
    uint32_t len;
    for (int i = 0; i < STREAM; i++) {
      CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 10000000000LL));
      CHECK(len == 1 && buf[0] == 's');
    }
    int64_t t0 = mproc_now_ns();
    int rc = mproc_queue_get(q, buf, sizeof buf, &len, 10000000000LL);
    CHECK(mproc_now_ns() - t0 < 5000000000LL);
    CHECK(wait_child(pid) == 0);
    if (round == 0) {
      CHECK_RC(0, rc);
      CHECK(len == 4 && memcmp(buf, "late", 4) == 0);
    } else {
      CHECK_RC(MPROC_ECLOSED, rc);
    }
  }
  CHECK_RC(MPROC_ECLOSED, mproc_queue_put(q, "x", 1, 0));
  mproc_queue_close(q);
  mproc_unlink(name);
}

static _Atomic uint32_t *body_u32(mproc_queue_t *q, size_t off) {
  return (_Atomic uint32_t *)(void *)((char *)mproc_segment_data(mproc_queue_segment(q)) + off);
}

enum { NOT_EMPTY_SEQ = 256, CONSUMERS_WAITING = 260, NOT_FULL_SEQ = 384, PRODUCERS_WAITING = 388 };

/*
 * Armed wake-ups (layout 3.2): a commit wakes the other side only if its sequence word is odd
 * (armed by a sleeper), and disarms it; an even word, or one already disarmed, costs nothing
 * (the word is left alone, so no wake-up call was made). A state change adds 2 to both words.
 */
static void a_commit_wakes_only_an_armed_word(void) {
  mproc_queue_t *q = one_queue(NULL, 4096, 100, 0);
  _Atomic uint32_t *ne = body_u32(q, NOT_EMPTY_SEQ), *nf = body_u32(q, NOT_FULL_SEQ);
  char buf[100];
  uint32_t len;
  *ne = 6;
  CHECK_RC(0, mproc_queue_put(q, "a", 1, 0));
  CHECK(*ne == 6); /* not armed: left alone */
  *ne = 7;
  CHECK_RC(0, mproc_queue_put(q, "b", 1, 0));
  CHECK(*ne == 8); /* armed: disarmed (and woken) */
  CHECK_RC(0, mproc_queue_put(q, "c", 1, 0));
  CHECK(*ne == 8); /* woken already: no second call */
  *nf = 0xffffffffu; /* armed, about to wrap */
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(*nf == 0);
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(*nf == 0);
  *ne = 9;
  CHECK_RC(0, mproc_queue_shutdown(q));
  CHECK(*ne == 11 && *nf == 2); /* a state change keeps the bit, and wakes everyone */
  mproc_queue_close(q);
}

struct blocked {
  mproc_queue_t *q;
  int rc;
  uint32_t len;
  char buf[100];
};

static void *blocked_get(void *arg) {
  struct blocked *b = arg;
  b->rc = mproc_queue_get(b->q, b->buf, sizeof b->buf, &b->len, 10000000000LL);
  return NULL;
}

static void *blocked_put(void *arg) {
  struct blocked *b = arg;
  b->rc = mproc_queue_put(b->q, "room", 4, 10000000000LL);
  return NULL;
}

/* Waits (up to 10 s) until the word is armed with its side's waiter counted. */
static void await_armed(_Atomic uint32_t *seq, _Atomic uint32_t *waiting) {
  int64_t end = mproc_now_ns() + 10000000000LL;
  while (!((*seq & 1) != 0 && *waiting == 1) && mproc_now_ns() < end)
    usleep(100);
  CHECK((*seq & 1) != 0 && *waiting == 1);
}

/*
 * A consumer asleep on an empty queue has armed the not-empty word; the put wakes it and
 * leaves the word disarmed. Likewise a producer asleep on a full ring and the get that makes
 * room. A sleeper that times out leaves its word disarmed, and its count back at 0.
 */
static void sleepers_arm_and_a_commit_wakes_them(void) {
  mproc_queue_t *q = one_queue(NULL, 4096, 100, 0);
  _Atomic uint32_t *ne = body_u32(q, NOT_EMPTY_SEQ), *nf = body_u32(q, NOT_FULL_SEQ);
  struct blocked b = {.q = q, .rc = 1};
  pthread_t t;
  CHECK(pthread_create(&t, NULL, blocked_get, &b) == 0);
  await_armed(ne, body_u32(q, CONSUMERS_WAITING));
  CHECK_RC(0, mproc_queue_put(q, "hello", 5, 0));
  CHECK(pthread_join(t, NULL) == 0);
  CHECK_RC(0, b.rc);
  CHECK(b.len == 5 && memcmp(b.buf, "hello", 5) == 0);
  CHECK((*ne & 1) == 0 && *body_u32(q, CONSUMERS_WAITING) == 0);

  char buf[100];
  uint32_t len;
  while (mproc_queue_put(q, "fill", 4, 0) == 0) {
  }
  b.rc = 1;
  CHECK(pthread_create(&t, NULL, blocked_put, &b) == 0);
  await_armed(nf, body_u32(q, PRODUCERS_WAITING));
  CHECK_RC(0, mproc_queue_get(q, buf, sizeof buf, &len, 0));
  CHECK(pthread_join(t, NULL) == 0);
  CHECK_RC(0, b.rc);
  CHECK((*nf & 1) == 0 && *body_u32(q, PRODUCERS_WAITING) == 0);
  while (mproc_queue_get(q, buf, sizeof buf, &len, 0) == 0) {
  }
  CHECK(len == 4 && memcmp(buf, "room", 4) == 0); /* the last one */

  uint32_t before = *ne;
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_get(q, buf, sizeof buf, &len, 50000000));
  CHECK((*ne & 1) == 0 && *ne != before && *body_u32(q, CONSUMERS_WAITING) == 0);
  mproc_queue_close(q);
}

/*
 * A one-to-one queue without flags bit 3 (made by layout 3.0 or 3.1, whose sleepers do not arm)
 * is refused, and so is bit 3 without bit 1.
 */
static void a_one_to_one_queue_of_an_older_layout_is_refused(void) {
  const char *name = test_name("q1old");
  mproc_queue_t *q = one_queue(name, 4096, 100, 0), *o;
  _Atomic uint32_t *flags = body_u32(q, 524);
  CHECK(*flags == (2u | 8u));
  *flags = 2u;
  CHECK_RC(MPROC_EVERSION, mproc_queue_open(name, &o));
  *flags = 8u;
  CHECK_RC(MPROC_EVERSION, mproc_queue_open(name, &o));
  *flags = 2u | 8u;
  CHECK_RC(0, mproc_queue_open(name, &o));
  mproc_queue_close(o);
  mproc_queue_close(q);
  mproc_unlink(name);
}

/* The producer thread of the next test: after each stream, once the consumer has taken it all,
   waits delays_ns[round] (spinning), then puts "late". */
static const int64_t delays_ns[] = {0, 1000, 3000, 6000, 12000, 30000, 2000000};
enum { LATE_ROUNDS = sizeof delays_ns / sizeof delays_ns[0], STREAM_LEN = 40 };

static void *late_producer(void *arg) {
  mproc_queue_t *p = arg;
  for (int round = 0; round < LATE_ROUNDS; round++) {
    for (int i = 0; i < STREAM_LEN; i++)
      CHECK_RC(0, mproc_queue_put(p, "s", 1, MPROC_FOREVER));
    while (mproc_queue_size(p) != 0)
      sched_yield();
    int64_t until = mproc_now_ns() + delays_ns[round];
    while (mproc_now_ns() < until) {
    }
    CHECK_RC(0, mproc_queue_put(p, "late", 4, MPROC_FOREVER));
  }
  return NULL;
}

/*
 * A get right after a stream looks away first, then looks every 0.5 us, then sleeps (queue.c,
 * wait_for): a message put at any moment of that (before it, during the look-away, during the
 * slower looks, after the spin) arrives, in order. Then a get with a timeout shorter than the
 * look-away times out (it neither hangs nor returns a message that is not there).
 */
static void a_message_put_while_the_consumer_looks_away_arrives(void) {
  const char *name = test_name("q1away");
  mproc_queue_t *c = one_queue(name, 1 << 16, 64, 0), *p;
  CHECK_RC(0, mproc_queue_open(name, &p));
  pthread_t t;
  CHECK(pthread_create(&t, NULL, late_producer, p) == 0);
  char buf[64];
  uint32_t len;
  for (int round = 0; round < LATE_ROUNDS; round++) {
    for (int i = 0; i < STREAM_LEN; i++) {
      CHECK_RC(0, mproc_queue_get(c, buf, sizeof buf, &len, 10000000000LL));
      CHECK(len == 1 && buf[0] == 's');
    }
    CHECK_RC(0, mproc_queue_get(c, buf, sizeof buf, &len, 10000000000LL));
    CHECK(len == 4 && memcmp(buf, "late", 4) == 0);
  }
  CHECK(pthread_join(t, NULL) == 0);
  for (int i = 0; i < STREAM_LEN; i++)
    CHECK_RC(0, mproc_queue_put(p, "s", 1, 0));
  for (int i = 0; i < STREAM_LEN; i++)
    CHECK_RC(0, mproc_queue_get(c, buf, sizeof buf, &len, 0));
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_ETIMEDOUT, mproc_queue_get(c, buf, sizeof buf, &len, 1000));
  CHECK(mproc_now_ns() - t0 < 1000000000LL);
  mproc_queue_close(p);
  mproc_queue_close(c);
  mproc_unlink(name);
}

/*
 * A child claims a role and stops exactly at a point of its commit (the stores of put_one or
 * get_one up to there, made by hand), then is killed; `stores` says how far it got.
 */
enum { PUT_BEFORE_PUBLISH, PUT_BEFORE_TAIL, GET_BEFORE_HEAD, GET_BEFORE_NOTIFY };

static void die_inside_commit(const char *name, int where, uint32_t payload) {
  int ready[2];
  CHECK(pipe(ready) == 0);
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_queue_t *mine;
    bool producer = where == PUT_BEFORE_PUBLISH || where == PUT_BEFORE_TAIL;
    if (mproc_queue_open(name, &mine) != 0 ||
        mproc_queue_claim(mine, producer ? MPROC_QUEUE_PRODUCER : MPROC_QUEUE_CONSUMER) < 0)
      _exit(1);
    unsigned char *ring = (unsigned char *)mproc_segment_data(mproc_queue_segment(mine)) + 1024;
    uint64_t mask = mproc_queue_capacity(mine) - 1;
    if (producer) { /* one 4-byte message: a 16-byte record, no wrap in these tests */
      uint64_t t = *body_u64(mine, 16), puts = *body_u64(mine, 24);
      uint64_t lap = t >> 12; /* the header's lap stamp: 4096-byte ring */
      uint64_t hw = 4 | ((1 | lap << 2) << 32);
      memcpy(ring + ((t + 8) & mask), &payload, 4);
      memset(ring + ((t + 16) & mask), 0, 8);
      *body_u64(mine, 40) = puts;
      __atomic_store_n(body_u64(mine, 32), t + 16, __ATOMIC_RELEASE);
      __atomic_store_n(body_u64(mine, 24), puts + 1, __ATOMIC_RELEASE);
      if (where == PUT_BEFORE_TAIL)
        __atomic_store_n((uint64_t *)(void *)(ring + (t & mask)), hw, __ATOMIC_RELEASE);
    } else {
      uint64_t h = *body_u64(mine, 144), gets = *body_u64(mine, 152);
      *body_u64(mine, 168) = gets;
      __atomic_store_n(body_u64(mine, 160), h + 16, __ATOMIC_RELEASE);
      __atomic_store_n(body_u64(mine, 152), gets + 1, __ATOMIC_RELEASE);
      if (where == GET_BEFORE_NOTIFY)
        __atomic_store_n(body_u64(mine, 144), h + 16, __ATOMIC_RELEASE);
    }
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

static uint32_t get_u32(mproc_queue_t *q) {
  uint32_t v = 0, len;
  CHECK_RC(0, mproc_queue_get(q, &v, sizeof v, &len, 5000000000LL));
  CHECK(len == 4);
  return v;
}

/* size and unfinished (a joinable queue: tasks are committed puts minus task_done calls). */
static void check_counts(mproc_queue_t *q, uint64_t size, uint64_t unfinished) {
  CHECK(mproc_queue_size(q) == size);
  CHECK(mproc_queue_unfinished(q) == unfinished);
  CHECK_RC(unfinished == 0 ? 0 : MPROC_ETIMEDOUT, mproc_queue_join(q, 0));
}

static void a_process_killed_inside_a_commit_leaves_exact_counts(void) {
  const char *name = test_name("q1commit");
  mproc_queue_spec_t spec = {.capacity = 4096, .max_message = 100, .one_to_one = 1,
                             .joinable = 1};
  mproc_queue_t *q;
  CHECK_RC(0, mproc_queue_create(name, &spec, &q));
  uint32_t v = 1;
  CHECK_RC(0, mproc_queue_put(q, &v, 4, 0));
  CHECK_RC(0, mproc_queue_release(q, MPROC_QUEUE_PRODUCER));
  /* A producer dies with its count raised and its record written, not published: exact
     before anyone repairs (the intent counts), its task included. */
  die_inside_commit(name, PUT_BEFORE_PUBLISH, 2);
  check_counts(q, 1, 1);
  v = 3;
  CHECK_RC(0, mproc_queue_put(q, &v, 4, 0)); /* takes the role over: nothing happened */
  CHECK(*body_u64(q, 24) == 2);
  check_counts(q, 2, 2);
  CHECK_RC(0, mproc_queue_release(q, MPROC_QUEUE_PRODUCER));
  /* A producer dies after publishing, before storing tail: its message happened, and counts
     before the repair as after. */
  die_inside_commit(name, PUT_BEFORE_TAIL, 4);
  check_counts(q, 3, 3);
  v = 5;
  CHECK_RC(0, mproc_queue_put(q, &v, 4, 0));
  CHECK(*body_u64(q, 24) == 4);
  check_counts(q, 4, 4);
  /* A consumer dies before its head store: its message stays queued. */
  die_inside_commit(name, GET_BEFORE_HEAD, 0);
  check_counts(q, 4, 4);
  CHECK(get_u32(q) == 1);
  CHECK_RC(0, mproc_queue_task_done(q));
  CHECK(*body_u64(q, 152) == 1);
  check_counts(q, 3, 3);
  CHECK_RC(0, mproc_queue_release(q, MPROC_QUEUE_CONSUMER));
  /* A consumer dies after its head store: its get happened (it took 3), and its task stays
     unfinished, as in Python, until someone marks it done. */
  die_inside_commit(name, GET_BEFORE_NOTIFY, 0);
  check_counts(q, 2, 3);
  CHECK(get_u32(q) == 4);
  CHECK(get_u32(q) == 5);
  CHECK_RC(0, mproc_queue_task_done(q));
  CHECK_RC(0, mproc_queue_task_done(q));
  CHECK(*body_u64(q, 152) == 4 && *body_u64(q, 24) == 4);
  check_counts(q, 0, 1);
  CHECK_RC(0, mproc_queue_task_done(q)); /* the dead consumer's item */
  check_counts(q, 0, 0);
  CHECK_RC(MPROC_ENOTASK, mproc_queue_task_done(q));
  mproc_queue_close(q);
  mproc_unlink(name);
}

/*
 * Producers and consumers SIGKILLed at random moments of a stream: the survivor takes both roles
 * over and finds a gapless continuation of what the dead consumer committed, then the queue
 * works on.
 */
static void killed_producers_and_consumers_do_not_stop_the_others(void) {
  const char *name = test_name("q1kill");
  mproc_queue_t *q = one_queue(name, 1 << 14, 64, 0);
  uint32_t *last = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(last != MAP_FAILED);
  enum { ROUNDS = 30 };
  uint32_t base = 0, drained = 0;
  for (int r = 0; r < ROUNDS; r++) {
    mproc_queue_release(q, MPROC_QUEUE_PRODUCER); /* the children's turn; ENOTOWNER at first */
    mproc_queue_release(q, MPROC_QUEUE_CONSUMER);
    *last = base - 1;
    pid_t prod = fork_child();
    if (prod == 0) {
      mproc_queue_t *mine;
      if (mproc_queue_open(name, &mine) != 0)
        _exit(1);
      uint32_t lens[4] = {4, 4, 4, 4}, vs[4], done;
      for (uint32_t i = base;;) {
        for (int k = 0; k < 4; k++)
          vs[k] = i + (uint32_t)k;
        if (i % 2 == 0) {
          mproc_queue_put_batch(mine, vs, lens, 4, &done, MPROC_FOREVER);
          i += done;
        } else {
          mproc_queue_put(mine, &i, 4, MPROC_FOREVER);
          i++;
        }
      }
    }
    pid_t cons = fork_child();
    if (cons == 0) {
      mproc_queue_t *mine;
      if (mproc_queue_open(name, &mine) != 0)
        _exit(1);
      for (;;) {
        uint32_t v, len;
        if (mproc_queue_get(mine, &v, sizeof v, &len, MPROC_FOREVER) == 0)
          __atomic_store_n(last, v, __ATOMIC_RELEASE);
      }
    }
    usleep(2000 + (unsigned)(r * 997) % 20000);
    if (r % 2 == 0) {
      kill(prod, SIGKILL);
      kill(cons, SIGKILL);
    } else {
      kill(cons, SIGKILL);
      usleep(1000);
      kill(prod, SIGKILL);
    }
    wait_child(prod);
    wait_child(cons);
    /* The dead consumer may have committed one more than it recorded. */
    uint32_t v, len, seen = __atomic_load_n(last, __ATOMIC_ACQUIRE);
    int64_t prev = -1;
    int rc;
    while ((rc = mproc_queue_get(q, &v, sizeof v, &len, 0)) == 0) {
      if (prev < 0)
        CHECK(v == seen + 1 || v == seen + 2);
      else
        CHECK(v == (uint32_t)prev + 1);
      prev = v;
      drained++;
    }
    CHECK_RC(MPROC_ETIMEDOUT, rc);
    CHECK(mproc_queue_size(q) == 0);
    /* The next round's producer starts above anything this one could have put. */
    base = (prev >= 0 ? (uint32_t)prev : seen + 1) + 100;
    uint32_t mark = 0xfffffff0u - (uint32_t)r;
    CHECK_RC(0, mproc_queue_put(q, &mark, 4, 0));
    CHECK(get_u32(q) == mark);
  }
  CHECK(drained > 0);
  munmap(last, 4096);
  mproc_queue_close(q);
  mproc_unlink(name);
}

int main(void) {
  RUN(messages_come_out_in_order);
  RUN(the_ring_wraps_for_any_sizes_and_batches);
  RUN(full_queues_time_out_and_count_limits_apply);
  RUN(roles_belong_to_one_handle_at_a_time);
  RUN(a_stream_between_processes_arrives_exactly_once);
  RUN(a_blocked_consumer_wakes_on_put_and_on_shutdown);
  RUN(a_message_put_while_the_consumer_looks_away_arrives);
  RUN(a_commit_wakes_only_an_armed_word);
  RUN(sleepers_arm_and_a_commit_wakes_them);
  RUN(a_one_to_one_queue_of_an_older_layout_is_refused);
  RUN(a_process_killed_inside_a_commit_leaves_exact_counts);
  RUN(killed_producers_and_consumers_do_not_stop_the_others);
  return 0;
}
