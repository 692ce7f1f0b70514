/*
 * Fault injection: workers in separate processes use one object while the parent SIGKILLs a
 * random subset of them at random moments; then the survivors and the parent check what the
 * object's contract promises after a crash.
 *
 *   fault_matrix [queue|queue1|value|sync|conn|all] [--seed N] [--seconds S]
 *
 * Each scenario runs rounds until its share of the time is used (at least one round), and prints
 * one summary line. Every failure names the seed; the same seed replays the same decisions
 * (the kills land on different instructions, timing being what it is).
 *
 * What "committed" means, per scenario:
 *  - queue: a put is committed when mproc_queue_put returned 0 (its tail store happened); a get
 *    is committed when its head store happened. A producer killed inside a put may lose only that
 *    message; a consumer killed after its get committed and before it recorded the message loses
 *    that one. So for each producer: no message twice, none from beyond its in-flight put, every
 *    message it committed delivered, except at most one per killed consumer in the whole round;
 *    each consumer sees a producer's messages in order; every payload intact. queue1 is the
 *    same on a one-to-one queue (one producer, one consumer; the parent's drain takes the dead
 *    processes' roles over).
 *  - value: an increment of two 64-bit halves under the array's lock is committed when
 *    mproc_array_unlock returned. A clean acquisition (0) must find the halves equal; only an
 *    acquisition that reports MPROC_EOWNERDEAD may find them torn (and repairs them). At the end
 *    committed <= value <= committed + kills.
 *  - sync: a semaphore never has more holders than permits; permits held by the killed are lost
 *    (as in Python): 0 <= lost <= kills. Event waiters that survive wake within a second of
 *    set(). Barrier parties that survive a killed party end with MPROC_EBROKEN (or
 *    MPROC_ETIMEDOUT when the victim died before arriving) within their timeout, and the barrier
 *    works again after reset.
 *  - conn: a message is committed when mproc_conn_send returned 0. The receiver gets every
 *    committed message intact and in order, at most one more (the one in flight, if whole), then
 *    a clean MPROC_EEOF or MPROC_EPROTO (cut frame). A sender whose receiver was killed gets
 *    MPROC_EPIPE, never SIGPIPE.
 * For every scenario: no process hangs (each is reaped within a bound after being told to stop),
 * and once every user is gone mproc_gc removes the named objects (created by a process that has
 * exited, as after a crash).
 */
#include "harness.h"

#include <stdint.h>

/* ------------------------------------------------------------------------------------------ */
/* Named objects made by a process that then exits, so they become stale once their users die. */

typedef void (*maker_t)(const char *name);

/*
 * The object is stale from the moment its creator exits until someone joins it, and a
 * concurrent mproc_gc (another test) could remove it then: the parent joins it with a keeper
 * handle before the creator exits, and closes that handle at the end of the scenario.
 */
static mproc_segment_t *create_in_child(const char *name, maker_t make) {
  int made[2], joined[2];
  CHECK(pipe(made) == 0 && pipe(joined) == 0);
  pid_t pid = fork_child();
  if (pid == 0) {
    char c;
    make(name);
    if (write(made[1], "m", 1) != 1 || read(joined[0], &c, 1) != 1)
      _exit(1);
    _exit(0);
  }
  char c;
  mproc_segment_t *keeper = NULL;
  if (read(made[0], &c, 1) != 1 || mproc_segment_attach(name, MPROC_KIND_ANY, 0, &keeper) != 0)
    FAIL("could not create %s", name);
  CHECK(write(joined[1], "j", 1) == 1);
  if (wait_child(pid) != 0)
    FAIL("the creator of %s failed", name);
  for (int i = 0; i < 2; i++) {
    close(made[i]);
    close(joined[i]);
  }
  return keeper;
}

/* Kills each of n workers with probability 1/2 (at least one), at random moments. */
static int kill_some(rng_t *r, const pid_t *pids, int n, int *killed, uint32_t max_delay_us) {
  int count = 0;
  for (int i = 0; i < n; i++)
    killed[i] = rng_below(r, 2);
  killed[rng_below(r, (uint32_t)n)] = 1;
  for (int i = 0; i < n; i++) {
    if (!killed[i])
      continue;
    sleep_us(rng_below(r, max_delay_us));
    kill(pids[i], SIGKILL);
    count++;
  }
  return count;
}

/* ------------------------------------------------------------------------------------------ */
/* queue                                                                                      */

enum { QP = 3, QC = 2, QMAX_SEQ = 1 << 15, QMAX_PAYLOAD = 300 };

typedef struct {
  uint32_t round, producer, seq, len;
} qmsg_t;

typedef struct {
  _Atomic int stop;
  _Atomic uint32_t committed[QP]; /* puts that returned 0 */
  _Atomic uint8_t seen[QP][QMAX_SEQ];
  _Atomic uint32_t violations;
} qshared_t;

/* queue1: the same scenario on a one-to-one queue, one producer and one consumer. */
static int qone;

static void make_queue(const char *name) {
  mproc_queue_spec_t spec = {.capacity = 8192,
                             .max_message = QMAX_PAYLOAD + sizeof(qmsg_t),
                             .one_to_one = (uint32_t)qone};
  mproc_queue_t *q;
  CHECK_RC(0, mproc_queue_create(name, &spec, &q));
  mproc_queue_close(q);
}

static void qfill(unsigned char *p, const qmsg_t *m) {
  memcpy(p, m, sizeof *m);
  for (uint32_t i = 0; i < m->len; i++)
    p[sizeof *m + i] = (unsigned char)(m->seq * 31 + m->producer * 7 + i);
}

/* Checks one received message and records it; a violation is reported and counted. */
static void qrecord(qshared_t *sh, const unsigned char *p, uint32_t len, uint32_t round,
                    int64_t *last, const char *who) {
  qmsg_t m;
  if (len < sizeof m) {
    fprintf(stderr, "%s: message of %u bytes\n", who, len);
    sh->violations++;
    return;
  }
  memcpy(&m, p, sizeof m);
  int bad = m.round != round || m.producer >= QP || m.seq >= QMAX_SEQ ||
            len != sizeof m + m.len;
  for (uint32_t i = 0; !bad && i < m.len; i++)
    bad = p[sizeof m + i] != (unsigned char)(m.seq * 31 + m.producer * 7 + i);
  if (bad) {
    fprintf(stderr, "%s: torn or stray message (round %u producer %u seq %u len %u)\n", who,
            m.round, m.producer, m.seq, len);
    sh->violations++;
    return;
  }
  if (last != NULL) {
    if ((int64_t)m.seq <= last[m.producer]) {
      fprintf(stderr, "%s: producer %u's seq %u after %lld: out of order\n", who, m.producer,
              m.seq, (long long)last[m.producer]);
      sh->violations++;
    }
    last[m.producer] = m.seq;
  }
  if (atomic_fetch_add(&sh->seen[m.producer][m.seq], 1) != 0) {
    fprintf(stderr, "%s: producer %u's seq %u delivered twice\n", who, m.producer, m.seq);
    sh->violations++;
  }
}

static void queue_producer(const char *name, qshared_t *sh, uint32_t round, int p, rng_t r) {
  mproc_queue_t *q;
  unsigned char buf[sizeof(qmsg_t) + QMAX_PAYLOAD];
  if (mproc_queue_open(name, &q) != 0)
    _exit(1);
  for (uint32_t seq = 0; seq < QMAX_SEQ && !sh->stop; seq++) {
    qmsg_t m = {round, (uint32_t)p, seq, rng_below(&r, QMAX_PAYLOAD + 1)};
    qfill(buf, &m);
    int rc;
    while ((rc = mproc_queue_put(q, buf, (uint32_t)(sizeof m + m.len), 20000000)) ==
               MPROC_ETIMEDOUT &&
           !sh->stop) {
    }
    if (rc == MPROC_ETIMEDOUT)
      break; /* told to stop while the queue was full: this put did not happen */
    if (rc != 0)
      _exit(2);
    sh->committed[p] = seq + 1;
  }
  _exit(0);
}

static void queue_consumer(const char *name, qshared_t *sh, uint32_t round, int c) {
  mproc_queue_t *q;
  unsigned char buf[sizeof(qmsg_t) + QMAX_PAYLOAD];
  int64_t last[QP] = {-1, -1, -1};
  char who[32];
  snprintf(who, sizeof who, "consumer %d", c);
  if (mproc_queue_open(name, &q) != 0)
    _exit(1);
  for (;;) {
    uint32_t len;
    int rc = mproc_queue_get(q, buf, sizeof buf, &len, 20000000);
    if (rc == MPROC_ETIMEDOUT && sh->stop)
      _exit(0);
    if (rc == MPROC_ETIMEDOUT)
      continue;
    if (rc != 0)
      _exit(2);
    qrecord(sh, buf, len, round, last, who);
  }
}

static void scenario_queue(rng_t *r, const char *name, int64_t until) {
  mproc_segment_t *keeper = create_in_child(name, make_queue);
  mproc_queue_t *q;
  CHECK_RC(0, mproc_queue_open(name, &q));
  qshared_t *sh = shared_alloc(sizeof *sh);
  unsigned long long rounds = 0, kills = 0, committed = 0, lost = 0, inflight = 0;
  const int np = qone ? 1 : QP, nc = qone ? 1 : QC;
  do {
    memset(sh, 0, sizeof *sh);
    uint32_t round = (uint32_t)rounds;
    pid_t pids[QP + QC];
    int killed[QP + QC], status[QP + QC];
    for (int i = 0; i < np + nc; i++) {
      rng_t wr = rng_make(harness_seed, rounds * 16 + (uint64_t)i + 1);
      if ((pids[i] = fork_child()) == 0) {
        if (i < np)
          queue_producer(name, sh, round, i, wr);
        queue_consumer(name, sh, round, i - np);
      }
    }
    sleep_us(1000 + rng_below(r, 20000));
    int k = kill_some(r, pids, np + nc, killed, 5000);
    kills += (unsigned long long)k;
    sleep_us(rng_below(r, 5000));
    sh->stop = 1;
    reap_all(pids, np + nc, 10000000000LL, "queue worker", status);
    for (int i = 0; i < np + nc; i++)
      if (!killed[i] && status[i] != 0)
        FAIL("queue round %u: worker %d exited with %d", round, i, status[i]);
    /* The parent takes what is left; a dead process's lock is taken over on the way. */
    unsigned char buf[sizeof(qmsg_t) + QMAX_PAYLOAD];
    uint32_t len;
    int rc;
    while ((rc = mproc_queue_get(q, buf, sizeof buf, &len, 100000000)) == 0)
      qrecord(sh, buf, len, round, NULL, "parent");
    if (rc != MPROC_ETIMEDOUT)
      FAIL("queue round %u: draining ended with %s", round, mproc_err_name(rc));
    if (mproc_queue_size(q) != 0)
      FAIL("queue round %u: size %llu after draining", round,
           (unsigned long long)mproc_queue_size(q));
    if (sh->violations != 0)
      FAIL("queue round %u: %u violations (above)", round, sh->violations);
    int killed_consumers = 0;
    for (int c = 0; c < nc; c++)
      killed_consumers += killed[np + c];
    uint32_t missing = 0;
    for (int p = 0; p < np; p++) {
      uint32_t done = sh->committed[p];
      committed += done;
      for (uint32_t s = 0; s < done; s++)
        missing += sh->seen[p][s] == 0;
      /* Only a killed producer can have a message in flight, and only one. */
      uint32_t beyond = killed[p] ? done + 1 : done;
      if (killed[p] && done < QMAX_SEQ && sh->seen[p][done])
        inflight++;
      for (uint32_t s = beyond; s < QMAX_SEQ; s++)
        if (sh->seen[p][s])
          FAIL("queue round %u: producer %d committed %u, yet seq %u arrived", round, p, done,
               s);
    }
    if (missing > (uint32_t)killed_consumers)
      FAIL("queue round %u: %u committed messages lost, %d consumers killed", round, missing,
           killed_consumers);
    lost += missing;
    rounds++;
    if (qone) { /* the next round's children need the roles the drain took over */
      mproc_queue_release(q, MPROC_QUEUE_PRODUCER);
      mproc_queue_release(q, MPROC_QUEUE_CONSUMER);
    }
  } while (mproc_now_ns() < until);
  /* Not a no-wait put: a producer killed in the last round may still hold the put lock, which
     only a waiting put takes over (a no-wait one answers EAGAIN; seed 617125455770 did that). */
  CHECK_RC(0, mproc_queue_put(q, "alive", 5, 5000000000LL));
  mproc_queue_close(q);
  mproc_segment_detach(keeper);
  munmap(sh, sizeof *sh);
  check_collected(name);
  printf("fault %s: %llu rounds, %llu kills, %llu messages committed, %llu delivered from "
         "killed producers' in-flight puts, %llu lost with killed consumers, 0 violations\n",
         qone ? "queue1" : "queue", rounds, kills, committed, inflight, lost);
}

/* ------------------------------------------------------------------------------------------ */
/* value: two halves updated under the lock                                                   */

enum { VW = 4 };

typedef struct {
  _Atomic int stop;
  _Atomic uint64_t committed;
  _Atomic uint64_t repairs;
  _Atomic uint32_t torn;
} vshared_t;

static void make_value(const char *name) {
  mproc_array_t *a;
  CHECK_RC(0, mproc_array_create(name, MPROC_INT64, 2, NULL, &a));
  mproc_array_close(a);
}

/* Takes the lock; a clean acquisition must find the halves equal, a takeover repairs them. */
static int vlock(mproc_array_t *a, vshared_t *sh, int64_t *x) {
  int rc = mproc_array_lock(a, MPROC_FOREVER);
  if (rc != 0 && rc != MPROC_EOWNERDEAD)
    return rc;
  int64_t y;
  mproc_array_load(a, 0, x);
  mproc_array_load(a, 1, &y);
  if (*x != y && rc == 0) {
    fprintf(stderr, "value: halves %lld and %lld under a clean lock: torn\n", (long long)*x,
            (long long)y);
    sh->torn++;
  }
  if (*x != y) {
    *x = *x > y ? *x : y;
    mproc_array_store(a, 0, x);
    mproc_array_store(a, 1, x);
    sh->repairs++;
  }
  return 0;
}

static void value_worker(const char *name, vshared_t *sh, rng_t r) {
  mproc_array_t *a;
  if (mproc_array_open(name, MPROC_KIND_ARRAY, MPROC_INT64, &a) != 0)
    _exit(1);
  while (!sh->stop) {
    int64_t x;
    if (vlock(a, sh, &x) != 0)
      _exit(2);
    x++;
    mproc_array_store(a, 0, &x);
    for (uint32_t spin = rng_below(&r, 2000); spin > 0; spin--) /* widen the torn window */
      __asm__ __volatile__("" ::: "memory");
    mproc_array_store(a, 1, &x);
    if (mproc_array_unlock(a) != 0)
      _exit(3);
    sh->committed++;
  }
  _exit(0);
}

static void scenario_value(rng_t *r, const char *name, int64_t until) {
  mproc_segment_t *keeper = create_in_child(name, make_value);
  mproc_array_t *a;
  CHECK_RC(0, mproc_array_open(name, MPROC_KIND_ARRAY, MPROC_INT64, &a));
  vshared_t *sh = shared_alloc(sizeof *sh);
  unsigned long long rounds = 0, kills = 0;
  do {
    sh->stop = 0;
    pid_t pids[VW];
    int killed[VW], status[VW];
    for (int i = 0; i < VW; i++) {
      rng_t wr = rng_make(harness_seed, 1000 + rounds * 16 + (uint64_t)i);
      if ((pids[i] = fork_child()) == 0)
        value_worker(name, sh, wr);
    }
    sleep_us(500 + rng_below(r, 10000));
    kills += (unsigned long long)kill_some(r, pids, VW, killed, 3000);
    sleep_us(rng_below(r, 3000));
    sh->stop = 1;
    reap_all(pids, VW, 10000000000LL, "value worker", status);
    for (int i = 0; i < VW; i++)
      if (!killed[i] && status[i] != 0)
        FAIL("value round %llu: worker %d exited with %d", rounds, i, status[i]);
    int64_t x;
    CHECK_RC(0, vlock(a, sh, &x));
    CHECK_RC(0, mproc_array_unlock(a));
    if (sh->torn != 0)
      FAIL("value round %llu: torn halves seen under a clean lock", rounds);
    if ((uint64_t)x < sh->committed || (uint64_t)x > sh->committed + kills)
      FAIL("value round %llu: value %lld, committed increments %llu, kills so far %llu", rounds,
           (long long)x, (unsigned long long)sh->committed, kills);
    rounds++;
  } while (mproc_now_ns() < until);
  unsigned long long committed = sh->committed, repairs = sh->repairs;
  mproc_array_close(a);
  mproc_segment_detach(keeper);
  munmap(sh, sizeof *sh);
  check_collected(name);
  printf("fault value: %llu rounds, %llu kills, %llu increments committed, %llu torn pairs "
         "repaired after EOWNERDEAD, 0 torn under a clean lock\n",
         rounds, kills, committed, repairs);
}

/* ------------------------------------------------------------------------------------------ */
/* sync: semaphore, event, barrier                                                            */

enum { SW = 4, PERMITS = 2, EW = 3, PARTIES = 3 };

typedef struct {
  _Atomic int stop;
  _Atomic int holders;
  _Atomic int holding[SW];
  _Atomic uint32_t over;
  _Atomic uint64_t acquisitions;
  _Atomic int64_t woke_ns[EW];
} sshared_t;

static void make_semaphore(const char *name) {
  mproc_sync_t *s;
  CHECK_RC(0, mproc_semaphore_create(name, PERMITS, 1, &s));
  mproc_sync_close(s);
}

static void make_event(const char *name) {
  mproc_sync_t *s;
  CHECK_RC(0, mproc_event_create(name, &s));
  mproc_sync_close(s);
}

static void make_barrier(const char *name) {
  mproc_sync_t *s;
  CHECK_RC(0, mproc_barrier_create(name, PARTIES, &s));
  mproc_sync_close(s);
}

static void semaphore_worker(const char *name, sshared_t *sh, int w, rng_t r) {
  mproc_sync_t *s;
  if (mproc_sync_open(name, MPROC_KIND_SEMAPHORE, &s) != 0)
    _exit(1);
  while (!sh->stop) {
    int rc = mproc_sync_acquire(s, 20000000);
    if (rc == MPROC_ETIMEDOUT)
      continue;
    if (rc != 0)
      _exit(2);
    /* holding before holders, and the reverse on the way out: a killed worker can only make
       the parent's correction too large, which hides an excess but never invents one. */
    sh->holding[w] = 1;
    if (atomic_fetch_add(&sh->holders, 1) + 1 > PERMITS) {
      fprintf(stderr, "semaphore: %d holders of %d permits\n", sh->holders, PERMITS);
      sh->over++;
    }
    sh->acquisitions++;
    sleep_us(rng_below(&r, 300));
    atomic_fetch_sub(&sh->holders, 1);
    sh->holding[w] = 0;
    if (mproc_sync_release(s) != 0)
      _exit(3);
  }
  _exit(0);
}

static void event_waiter(const char *name, sshared_t *sh, int w) {
  mproc_sync_t *s;
  if (mproc_sync_open(name, MPROC_KIND_EVENT, &s) != 0)
    _exit(1);
  int rc = mproc_event_wait(s, 5000000000LL);
  sh->woke_ns[w] = mproc_now_ns();
  _exit(rc == 0 ? 0 : 2);
}

/* A party cycles until the barrier breaks: exit 0 broken, 3 timed out, else an error. */
static void barrier_party(const char *name) {
  mproc_sync_t *s;
  if (mproc_sync_open(name, MPROC_KIND_BARRIER, &s) != 0)
    _exit(1);
  for (;;) {
    int rc = mproc_barrier_wait(s, 300000000LL, NULL);
    if (rc == MPROC_EBROKEN)
      _exit(0);
    if (rc == MPROC_ETIMEDOUT)
      _exit(3);
    if (rc != 0)
      _exit(2);
  }
}

static unsigned long long sync_semaphore_round(rng_t *r, const char *name, mproc_sync_t *sem,
                                               sshared_t *sh, unsigned long long round) {
  memset(sh, 0, sizeof *sh);
  pid_t pids[SW];
  int killed[SW];
  for (int i = 0; i < SW; i++) {
    rng_t wr = rng_make(harness_seed, 2000 + round * 16 + (uint64_t)i);
    if ((pids[i] = fork_child()) == 0)
      semaphore_worker(name, sh, i, wr);
  }
  sleep_us(500 + rng_below(r, 10000));
  int k = kill_some(r, pids, SW, killed, 3000);
  for (int i = 0; i < SW; i++) {
    if (killed[i]) {
      CHECK(wait_child(pids[i]) == -SIGKILL);
      if (sh->holding[i])
        atomic_fetch_sub(&sh->holders, 1);
    }
  }
  sleep_us(rng_below(r, 3000));
  sh->stop = 1;
  for (int i = 0; i < SW; i++) {
    if (killed[i])
      continue;
    int st = wait_child_for(pids[i], 10000000000LL);
    if (st != 0)
      FAIL("semaphore round %llu: survivor %d ended with %d", round, i, st);
  }
  if (sh->over != 0)
    FAIL("semaphore round %llu: more holders than permits", round);
  uint32_t value = mproc_sync_count(sem);
  if (value > PERMITS || PERMITS - value > (uint32_t)k)
    FAIL("semaphore round %llu: value %u after %d kills (%d permits)", round, value, k, PERMITS);
  for (uint32_t v = value; v < PERMITS; v++) /* give the lost permits back */
    CHECK_RC(0, mproc_sync_release(sem));
  return (unsigned long long)k;
}

static unsigned long long sync_event_round(rng_t *r, const char *name, mproc_sync_t *ev,
                                           sshared_t *sh) {
  memset(sh, 0, sizeof *sh);
  pid_t pids[EW];
  int killed[EW];
  for (int i = 0; i < EW; i++)
    if ((pids[i] = fork_child()) == 0)
      event_waiter(name, sh, i);
  sleep_us(rng_below(r, 5000));
  int k = kill_some(r, pids, EW, killed, 2000);
  sleep_us(rng_below(r, 5000));
  int64_t set_at = mproc_now_ns();
  CHECK_RC(0, mproc_event_set(ev));
  for (int i = 0; i < EW; i++) {
    int st = wait_child_for(pids[i], 2000000000LL);
    if (st == INT32_MIN)
      FAIL("event: waiter %d did not wake within 2 s of set()", i);
    if (killed[i])
      continue;
    if (st != 0)
      FAIL("event: surviving waiter %d ended with %d", i, st);
    if (sh->woke_ns[i] - set_at > 1000000000LL)
      FAIL("event: waiter %d woke %.3f s after set()", i, (sh->woke_ns[i] - set_at) / 1e9);
  }
  CHECK_RC(0, mproc_event_clear(ev));
  return (unsigned long long)k;
}

static void sync_barrier_round(rng_t *r, const char *name, mproc_sync_t *b,
                               unsigned long long *broken, unsigned long long *timed_out) {
  pid_t pids[PARTIES];
  int killed[PARTIES];
  for (int i = 0; i < PARTIES; i++)
    if ((pids[i] = fork_child()) == 0)
      barrier_party(name);
  sleep_us(2000 + rng_below(r, 20000)); /* the parties are cycling by then */
  /* One party dies; the others must not wait for it for ever. */
  memset(killed, 0, sizeof killed);
  int victim = (int)rng_below(r, PARTIES);
  killed[victim] = 1;
  kill(pids[victim], SIGKILL);
  for (int i = 0; i < PARTIES; i++) {
    int st = wait_child_for(pids[i], 2000000000LL);
    if (st == INT32_MIN)
      FAIL("barrier: party %d still waiting 2 s after party %d was killed", i, victim);
    if (killed[i])
      continue;
    if (st == 0)
      (*broken)++;
    else if (st == 3)
      (*timed_out)++;
    else
      FAIL("barrier: surviving party %d ended with %d", i, st);
  }
  /* After reset, three fresh parties trip it. */
  CHECK_RC(0, mproc_barrier_reset(b));
  pid_t fresh[PARTIES];
  for (int i = 0; i < PARTIES; i++) {
    if ((fresh[i] = fork_child()) == 0) {
      mproc_sync_t *mine;
      if (mproc_sync_open(name, MPROC_KIND_BARRIER, &mine) != 0)
        _exit(1);
      _exit(mproc_barrier_wait(mine, 5000000000LL, NULL) == 0 ? 0 : 2);
    }
  }
  for (int i = 0; i < PARTIES; i++)
    if (wait_child_for(fresh[i], 6000000000LL) != 0)
      FAIL("barrier: a fresh party %d did not pass the reset barrier", i);
}

static void scenario_sync(rng_t *r, const char *base, int64_t until) {
  char sname[40], ename[40], bname[40];
  snprintf(sname, sizeof sname, "%s-s", base);
  snprintf(ename, sizeof ename, "%s-e", base);
  snprintf(bname, sizeof bname, "%s-b", base);
  mproc_segment_t *keepers[3] = {create_in_child(sname, make_semaphore),
                                 create_in_child(ename, make_event),
                                 create_in_child(bname, make_barrier)};
  mproc_sync_t *sem, *ev, *bar;
  CHECK_RC(0, mproc_sync_open(sname, MPROC_KIND_SEMAPHORE, &sem));
  CHECK_RC(0, mproc_sync_open(ename, MPROC_KIND_EVENT, &ev));
  CHECK_RC(0, mproc_sync_open(bname, MPROC_KIND_BARRIER, &bar));
  sshared_t *sh = shared_alloc(sizeof *sh);
  unsigned long long rounds = 0, skills = 0, ekills = 0, acquisitions = 0, broken = 0,
                     timed_out = 0;
  do {
    skills += sync_semaphore_round(r, sname, sem, sh, rounds);
    acquisitions += sh->acquisitions;
    ekills += sync_event_round(r, ename, ev, sh);
    sync_barrier_round(r, bname, bar, &broken, &timed_out);
    rounds++;
  } while (mproc_now_ns() < until);
  mproc_sync_close(sem);
  mproc_sync_close(ev);
  mproc_sync_close(bar);
  for (int i = 0; i < 3; i++)
    mproc_segment_detach(keepers[i]);
  munmap(sh, sizeof *sh);
  check_collected(sname);
  check_collected(ename);
  check_collected(bname);
  printf("fault sync: %llu rounds; semaphore %llu kills, %llu acquisitions, never over its "
         "permits; event %llu waiters killed, survivors woke; barrier %llu parties killed, "
         "survivors broken %llu, timed out %llu, reset barrier passed every time\n",
         rounds, skills, acquisitions, ekills, rounds, broken, timed_out);
}

/* ------------------------------------------------------------------------------------------ */
/* conn: sender or receiver killed mid-stream                                                 */

enum { CMAX = 300000 };

typedef struct {
  _Atomic uint32_t committed;
} cshared_t;

static void cfill(unsigned char *p, uint32_t seq, uint32_t len) {
  memcpy(p, &seq, 4);
  for (uint32_t i = 4; i < len; i++)
    p[i] = (unsigned char)(seq + i * 13);
}

static int cvalid(const unsigned char *p, uint64_t len, uint32_t seq) {
  uint32_t s;
  if (len < 4)
    return 0;
  memcpy(&s, p, 4);
  if (s != seq)
    return 0;
  for (uint64_t i = 4; i < len; i++)
    if (p[i] != (unsigned char)(seq + i * 13))
      return 0;
  return 1;
}

static void scenario_conn(rng_t *r, int64_t until) {
  cshared_t *sh = shared_alloc(sizeof *sh);
  unsigned char *buf = malloc(CMAX);
  CHECK(buf != NULL);
  unsigned long long rounds = 0, received = 0, cut = 0, epipe = 0;
  do {
    /* The sender dies: the receiver gets every committed message, then a clean end. */
    int a, b;
    CHECK_RC(0, mproc_conn_pair((int)(rounds & 1) == 0, &a, &b));
    sh->committed = 0;
    rng_t wr = rng_make(harness_seed, 3000 + rounds);
    pid_t pid = fork_child();
    if (pid == 0) {
      close(a);
      for (uint32_t seq = 0;; seq++) {
        uint32_t len = 4 + rng_below(&wr, CMAX - 4);
        cfill(buf, seq, len);
        if (mproc_conn_send(b, buf, len) != 0)
          _exit(2);
        sh->committed = seq + 1;
      }
    }
    close(b);
    sleep_us(rng_below(r, 3000));
    uint32_t seq = 0, kill_at = rng_below(r, 4);
    int rc;
    for (;;) {
      void *msg;
      uint64_t len;
      if (seq == kill_at)
        kill(pid, SIGKILL); /* while it may be blocked half-way through a message */
      rc = mproc_conn_recv(a, CMAX, 2000000000LL, &msg, &len);
      if (rc != 0)
        break;
      if (!cvalid(msg, len, seq))
        FAIL("conn round %llu: message %u damaged (%llu bytes)", rounds, seq,
             (unsigned long long)len);
      mproc_free(msg);
      seq++;
    }
    kill(pid, SIGKILL);
    CHECK(wait_child(pid) == -SIGKILL);
    if (rc != MPROC_EEOF && rc != MPROC_EPROTO)
      FAIL("conn round %llu: the stream ended with %s", rounds, mproc_err_name(rc));
    if (seq < sh->committed || seq > sh->committed + 1)
      FAIL("conn round %llu: %u messages received, %u committed", rounds, seq, sh->committed);
    received += seq;
    cut += rc == MPROC_EPROTO;
    close(a);

    /* The receiver dies: the sender gets MPROC_EPIPE (not SIGPIPE) and no hang. */
    CHECK_RC(0, mproc_conn_pair((int)(rounds & 2) == 0, &a, &b));
    pid = fork_child();
    if (pid == 0) {
      close(b);
      for (;;) {
        void *msg;
        uint64_t len;
        if (mproc_conn_recv(a, CMAX, MPROC_FOREVER, &msg, &len) != 0)
          _exit(2);
        mproc_free(msg);
      }
    }
    close(a);
    sleep_us(rng_below(r, 3000));
    kill(pid, SIGKILL);
    CHECK(wait_child(pid) == -SIGKILL);
    for (uint32_t i = 0;; i++) {
      cfill(buf, i, CMAX);
      rc = mproc_conn_send(b, buf, CMAX);
      if (rc != 0)
        break;
    }
    if (rc != MPROC_EPIPE)
      FAIL("conn round %llu: send to a killed receiver gave %s", rounds, mproc_err_name(rc));
    epipe++;
    close(b);
    rounds++;
  } while (mproc_now_ns() < until);
  free(buf);
  munmap(sh, sizeof *sh);
  printf("fault conn: %llu rounds, %llu senders killed (%llu mid-message), %llu messages "
         "received intact, %llu receivers killed, every sender got EPIPE\n",
         rounds, rounds, cut, received, epipe);
}

/* ------------------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
  long long seed = -1, seconds = 8;
  const char *which = "all";
  harness_prog = "fault_matrix";
  const opt_t opts[] = {{"--seed", &seed}, {"--seconds", &seconds}};
  parse_opts(argc, argv, opts, 2, &which);
  harness_seed = seed >= 0 ? (uint64_t)seed : default_seed();
  int all = strcmp(which, "all") == 0;
  int n = all ? 5 : 1;
  /* Every round ends within a few seconds of its scenario's share: the alarm catches hangs. */
  alarm((unsigned)(seconds + 60));
  printf("fault_matrix: seed %llu, %lld s, scenario %s\n", (unsigned long long)harness_seed,
         seconds, which);
  fflush(stdout);
  rng_t r = rng_make(harness_seed, 0);
  int64_t share = seconds * 1000000000LL / n, start = mproc_now_ns();
  int ran = 0;
  char name[32];
  if (all || strcmp(which, "queue") == 0) {
    snprintf(name, sizeof name, "/mpt-fq-%d", (int)getpid());
    scenario_queue(&r, name, start + share * ++ran);
  }
  if (all || strcmp(which, "queue1") == 0) {
    snprintf(name, sizeof name, "/mpt-fq1-%d", (int)getpid());
    qone = 1;
    scenario_queue(&r, name, start + share * ++ran);
    qone = 0;
  }
  if (all || strcmp(which, "value") == 0) {
    snprintf(name, sizeof name, "/mpt-fv-%d", (int)getpid());
    scenario_value(&r, name, start + share * ++ran);
  }
  if (all || strcmp(which, "sync") == 0) {
    snprintf(name, sizeof name, "/mpt-fs-%d", (int)getpid());
    scenario_sync(&r, name, start + share * ++ran);
  }
  if (all || strcmp(which, "conn") == 0)
    scenario_conn(&r, start + share * ++ran);
  if (ran == 0) {
    fprintf(stderr, "fault_matrix: unknown scenario %s (queue, queue1, value, sync, conn, all)\n", which);
    return 2;
  }
  printf("fault_matrix: seed %llu: %d scenarios passed in %.1f s\n",
         (unsigned long long)harness_seed, ran, (mproc_now_ns() - start) / 1e9);
  return 0;
}
