/*
 * Synchronization primitives across forked processes: exclusion, timeouts, misuse, and what
 * happens when a holder, a waiter or a party is killed with SIGKILL.
 */
#include "check.h"

#include <sched.h>
#include <sys/mman.h>

#define MS ((int64_t)1000000)
#define SEC ((int64_t)1000000000)

/* A zeroed shared page for counters and flags, inherited by forked children. */
static volatile uint64_t *shared_page(void) {
  void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED);
  return p;
}

static mproc_sync_t *open_or_die(const char *name, uint16_t kind) {
  mproc_sync_t *s;
  if (mproc_sync_open(name, kind, &s) != 0)
    _exit(90);
  return s;
}

/* A pipe the child writes one byte to once it reached the point the parent waits for. */
typedef struct {
  int fd[2];
} signal_pipe_t;

static void pipe_open(signal_pipe_t *p) { CHECK(pipe(p->fd) == 0); }
static void pipe_notify(signal_pipe_t *p) { CHECK(write(p->fd[1], "x", 1) == 1); }
static void pipe_await(signal_pipe_t *p) {
  char c;
  CHECK(read(p->fd[0], &c, 1) == 1);
}
static void pipe_close(signal_pipe_t *p) {
  close(p->fd[0]);
  close(p->fd[1]);
}

/* ---------------------------------------------------------------------------------------- */

static void lock_four_processes_increment_exactly(void) {
  const char *name = test_name("slock");
  volatile uint64_t *counter = shared_page();
  mproc_sync_t *lock;
  CHECK_RC(0, mproc_lock_create(name, &lock));
  enum { PROCS = 4, ITERS = 20000 };
  pid_t pids[PROCS];
  for (int p = 0; p < PROCS; p++) {
    if ((pids[p] = fork_child()) == 0) {
      mproc_sync_t *mine = open_or_die(name, MPROC_KIND_LOCK);
      for (int i = 0; i < ITERS; i++) {
        if (mproc_sync_acquire(mine, MPROC_FOREVER) != 0)
          _exit(2);
        uint64_t v = *counter; /* deliberately not atomic */
        if ((i & 63) == 0)
          sched_yield();
        *counter = v + 1;
        if (mproc_sync_release(mine) != 0)
          _exit(3);
      }
      _exit(0);
    }
  }
  for (int p = 0; p < PROCS; p++)
    CHECK(wait_child(pids[p]) == 0);
  CHECK(*counter == (uint64_t)PROCS * ITERS);
  mproc_sync_close(lock);
  mproc_unlink(name);
}

static void lock_misuse_timeout_and_release_by_another_process(void) {
  const char *name = test_name("slock2");
  mproc_sync_t *lock;
  CHECK_RC(0, mproc_lock_create(name, &lock));
  CHECK_RC(MPROC_ENOTHELD, mproc_sync_release(lock));
  CHECK_RC(0, mproc_sync_acquire(lock, MPROC_NO_WAIT));
  CHECK(mproc_sync_owned(lock) == 1 && mproc_sync_count(lock) == 1);
  CHECK_RC(MPROC_EDEADLK, mproc_sync_acquire(lock, MPROC_FOREVER));
  CHECK_RC(MPROC_EINVAL, mproc_sync_acquire(lock, -2));
  /* Another process times out, then releases it for us: Python allows that. */
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_sync_t *mine = open_or_die(name, MPROC_KIND_LOCK);
    int64_t t0 = mproc_now_ns();
    if (mproc_sync_acquire(mine, 50 * MS) != MPROC_ETIMEDOUT || mproc_now_ns() - t0 < 49 * MS)
      _exit(1);
    if (mproc_sync_release(mine) != 0)
      _exit(2);
    _exit(mproc_sync_release(mine) == MPROC_ENOTHELD ? 0 : 3);
  }
  CHECK(wait_child(pid) == 0);
  CHECK(mproc_sync_owned(lock) == 0 && mproc_sync_count(lock) == 0);
  CHECK_RC(0, mproc_sync_acquire(lock, MPROC_NO_WAIT));
  CHECK_RC(0, mproc_sync_release(lock));
  /* Wrong kinds are refused. */
  mproc_sync_t *other;
  CHECK_RC(MPROC_EKIND, mproc_sync_open(name, MPROC_KIND_RLOCK, &other));
  CHECK_RC(0, mproc_sync_open(name, MPROC_KIND_ANY, &other));
  CHECK_RC(MPROC_EKIND, mproc_event_set(other));
  mproc_sync_close(other);
  mproc_sync_close(lock);
  mproc_unlink(name);
}

/* A child that opens `name`, acquires it (Lock, RLock or Semaphore) and sleeps until killed. */
static pid_t child_acquiring(const char *name, uint16_t kind, int times) {
  signal_pipe_t ready;
  pipe_open(&ready);
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_sync_t *mine = open_or_die(name, kind);
    for (int i = 0; i < times; i++)
      if (mproc_sync_acquire(mine, MPROC_FOREVER) != 0)
        _exit(1);
    pipe_notify(&ready);
    pause();
    _exit(0);
  }
  pipe_await(&ready);
  pipe_close(&ready);
  return pid;
}

static void kill_child(pid_t pid) {
  kill(pid, SIGKILL);
  CHECK(wait_child(pid) == -SIGKILL);
}

static void lock_and_rlock_killed_holders_are_taken_over(void) {
  const char *names[2] = {test_name("dlock"), test_name("drlock")};
  uint16_t kinds[2] = {MPROC_KIND_LOCK, MPROC_KIND_RLOCK};
  for (int k = 0; k < 2; k++) {
    mproc_sync_t *s;
    CHECK_RC(0, mproc_sync_create(names[k], kinds[k], 0, 0, &s));
    pid_t pid = child_acquiring(names[k], kinds[k], kinds[k] == MPROC_KIND_RLOCK ? 3 : 1);
    CHECK_RC(MPROC_ETIMEDOUT, mproc_sync_acquire(s, 20 * MS));
    if (kinds[k] == MPROC_KIND_RLOCK) {
      CHECK(mproc_sync_count(s) == 3);
      CHECK_RC(MPROC_ENOTOWNER, mproc_sync_release(s));
    }
    kill_child(pid);
    int64_t t0 = mproc_now_ns();
    CHECK_RC(MPROC_EOWNERDEAD, mproc_sync_acquire(s, 5 * SEC));
    CHECK(mproc_now_ns() - t0 < 2 * SEC);
    CHECK(mproc_sync_owned(s) == 1 && mproc_sync_count(s) == 1);
    CHECK_RC(0, mproc_sync_release(s));
    CHECK_RC(0, mproc_sync_acquire(s, MPROC_NO_WAIT));
    CHECK_RC(0, mproc_sync_release(s));
    mproc_sync_close(s);
    mproc_unlink(names[k]);
  }
}

static void lock_waiter_killed_blocks_nobody(void) {
  const char *name = test_name("wlock");
  mproc_sync_t *lock;
  CHECK_RC(0, mproc_lock_create(name, &lock));
  CHECK_RC(0, mproc_sync_acquire(lock, MPROC_FOREVER));
  pid_t doomed = fork_child();
  if (doomed == 0) {
    mproc_sync_t *mine = open_or_die(name, MPROC_KIND_LOCK);
    mproc_sync_acquire(mine, MPROC_FOREVER);
    _exit(0);
  }
  const mproc_header_t *h = mproc_segment_base(mproc_sync_segment(lock));
  while ((__atomic_load_n(&h->lock, __ATOMIC_SEQ_CST) & MPROC_LOCK_CONTENDED) == 0)
    usleep(1000); /* the doomed waiter is asleep on the word */
  kill_child(doomed);
  pid_t next = fork_child();
  if (next == 0) {
    mproc_sync_t *mine = open_or_die(name, MPROC_KIND_LOCK);
    int rc = mproc_sync_acquire(mine, 10 * SEC);
    _exit(rc == 0 && mproc_sync_release(mine) == 0 ? 0 : 1);
  }
  usleep(20000);
  CHECK_RC(0, mproc_sync_release(lock));
  CHECK(wait_child(next) == 0);
  mproc_sync_close(lock);
  mproc_unlink(name);
}

static void rlock_recursion_and_ownership(void) {
  const char *name = test_name("rlock");
  mproc_sync_t *r, *other;
  CHECK_RC(0, mproc_rlock_create(name, &r));
  CHECK_RC(0, mproc_sync_open(name, MPROC_KIND_RLOCK, &other)); /* a second handle */
  CHECK_RC(MPROC_ENOTOWNER, mproc_sync_release(r));
  for (int i = 1; i <= 5; i++) {
    CHECK_RC(0, mproc_sync_acquire(r, MPROC_NO_WAIT));
    CHECK(mproc_sync_count(r) == (uint32_t)i);
  }
  CHECK_RC(MPROC_ETIMEDOUT, mproc_sync_acquire(other, 10 * MS));
  CHECK_RC(MPROC_ENOTOWNER, mproc_sync_release(other));
  for (int i = 4; i >= 0; i--) {
    CHECK_RC(0, mproc_sync_release(r));
    CHECK(mproc_sync_count(r) == (uint32_t)i);
  }
  CHECK_RC(MPROC_ENOTOWNER, mproc_sync_release(r));
  CHECK_RC(0, mproc_sync_acquire(other, MPROC_NO_WAIT));
  CHECK_RC(0, mproc_sync_release(other));
  mproc_sync_close(other);
  mproc_sync_close(r);
  mproc_unlink(name);
}

/* ---------------------------------------------------------------------------------------- */

static void semaphore_counts_times_out_and_bounds(void) {
  mproc_sync_t *s;
  CHECK_RC(MPROC_EBOUNDS, mproc_semaphore_create(NULL, MPROC_SEM_VALUE_MAX + 1u, 0, &s));
  CHECK_RC(MPROC_EINVAL, mproc_sync_create(NULL, MPROC_KIND_LOCK, 0, MPROC_SEM_BOUNDED, &s));
  CHECK_RC(0, mproc_semaphore_create(NULL, 2, 1, &s));
  CHECK_RC(MPROC_ENOTHELD, mproc_sync_release(s)); /* bounded: already at its initial value */
  CHECK_RC(0, mproc_sync_acquire(s, MPROC_NO_WAIT));
  CHECK_RC(0, mproc_sync_acquire(s, MPROC_NO_WAIT));
  CHECK(mproc_sync_count(s) == 0);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_sync_acquire(s, MPROC_NO_WAIT));
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_ETIMEDOUT, mproc_sync_acquire(s, 30 * MS));
  CHECK(mproc_now_ns() - t0 >= 29 * MS);
  CHECK_RC(0, mproc_sync_release(s));
  CHECK_RC(0, mproc_sync_release(s));
  CHECK_RC(MPROC_ENOTHELD, mproc_sync_release(s));
  CHECK(mproc_sync_count(s) == 2);
  mproc_sync_close(s);
  /* Unbounded: releases beyond the initial value are fine. */
  CHECK_RC(0, mproc_semaphore_create(NULL, 0, 0, &s));
  CHECK_RC(0, mproc_sync_release(s));
  CHECK_RC(0, mproc_sync_release(s));
  CHECK(mproc_sync_count(s) == 2);
  mproc_sync_close(s);
}

static void semaphore_killed_holder_loses_its_permit_and_killed_waiter_blocks_nobody(void) {
  const char *name = test_name("sem");
  mproc_sync_t *s;
  CHECK_RC(0, mproc_semaphore_create(name, 1, 0, &s));
  pid_t holder = child_acquiring(name, MPROC_KIND_SEMAPHORE, 1);
  kill_child(holder);
  /* Python's semantics: a permit has no owner, so the dead holder's permit is gone. */
  CHECK(mproc_sync_count(s) == 0);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_sync_acquire(s, 30 * MS));
  /* A waiter killed while asleep leaves a stale waiter count; a later waiter is still woken. */
  pid_t waiter = fork_child();
  if (waiter == 0) {
    mproc_sync_t *mine = open_or_die(name, MPROC_KIND_SEMAPHORE);
    mproc_sync_acquire(mine, MPROC_FOREVER);
    _exit(0);
  }
  usleep(50000);
  kill_child(waiter);
  signal_pipe_t ready;
  pipe_open(&ready);
  pid_t second = fork_child();
  if (second == 0) {
    mproc_sync_t *mine = open_or_die(name, MPROC_KIND_SEMAPHORE);
    pipe_notify(&ready);
    _exit(mproc_sync_acquire(mine, 10 * SEC) == 0 ? 0 : 1);
  }
  pipe_await(&ready);
  usleep(20000);
  CHECK_RC(0, mproc_sync_release(s));
  CHECK(wait_child(second) == 0);
  pipe_close(&ready);
  mproc_sync_close(s);
  mproc_unlink(name);
}

/* ---------------------------------------------------------------------------------------- */

/*
 * `n` children wait on the condition (each increments `woken` after its wait returns 0);
 * returns once all of them are registered as waiters.
 */
static void start_condition_waiters(const char *cname, const char *lname, int n, pid_t *pids,
                                    volatile uint64_t *woken, mproc_sync_t *cond) {
  for (int i = 0; i < n; i++) {
    if ((pids[i] = fork_child()) == 0) {
      mproc_sync_t *c = open_or_die(cname, MPROC_KIND_CONDITION);
      mproc_sync_t *l = open_or_die(lname, MPROC_KIND_ANY);
      if (mproc_sync_acquire(l, MPROC_FOREVER) != 0)
        _exit(1);
      int r = mproc_condition_wait(c, l, 20 * SEC);
      if (r != 0)
        _exit(2);
      if (!mproc_sync_owned(l))
        _exit(3);
      __atomic_fetch_add(woken, 1, __ATOMIC_SEQ_CST);
      mproc_sync_release(l);
      _exit(0);
    }
  }
  while (mproc_sync_count(cond) < (uint32_t)n)
    usleep(1000);
}

static void condition_notify_and_notify_all_across_processes(void) {
  const char *cname = test_name("cond"), *lname = test_name("condlock");
  volatile uint64_t *woken = shared_page();
  mproc_sync_t *cond, *lock;
  CHECK_RC(0, mproc_condition_create(cname, &cond));
  CHECK_RC(0, mproc_rlock_create(lname, &lock));
  /* Misuse and a timeout first. */
  CHECK_RC(MPROC_ENOTOWNER, mproc_condition_wait(cond, lock, 10 * MS));
  CHECK_RC(MPROC_ENOTOWNER, mproc_condition_notify(cond, lock, 1));
  CHECK_RC(MPROC_EKIND, mproc_condition_wait(lock, cond, 10 * MS));
  CHECK_RC(0, mproc_sync_acquire(lock, MPROC_FOREVER));
  CHECK_RC(0, mproc_sync_acquire(lock, MPROC_FOREVER)); /* depth 2, restored after the wait */
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_ETIMEDOUT, mproc_condition_wait(cond, lock, 30 * MS));
  CHECK(mproc_now_ns() - t0 >= 29 * MS);
  CHECK(mproc_sync_count(lock) == 2 && mproc_sync_owned(lock));
  CHECK_RC(0, mproc_sync_release(lock));
  CHECK_RC(0, mproc_sync_release(lock));
  CHECK(mproc_sync_count(cond) == 0);

  enum { N = 3 };
  pid_t pids[N];
  start_condition_waiters(cname, lname, N, pids, woken, cond);
  /* A waiter killed while waiting must not stop the others being notified. */
  pid_t doomed;
  start_condition_waiters(cname, lname, 1, &doomed, woken, cond);
  kill_child(doomed);
  CHECK_RC(0, mproc_sync_acquire(lock, MPROC_FOREVER));
  CHECK_RC(0, mproc_condition_notify(cond, lock, 1));
  CHECK_RC(0, mproc_sync_release(lock));
  while (*woken < 1) /* notify(1) wakes at least one (more only spuriously) */
    usleep(1000);
  CHECK_RC(0, mproc_sync_acquire(lock, MPROC_FOREVER));
  CHECK_RC(0, mproc_condition_notify(cond, lock, INT32_MAX));
  CHECK_RC(0, mproc_sync_release(lock));
  for (int i = 0; i < N; i++)
    CHECK(wait_child(pids[i]) == 0);
  CHECK(*woken == N);
  mproc_sync_close(cond);
  mproc_sync_close(lock);
  mproc_unlink(cname);
  mproc_unlink(lname);
}

static void condition_waiter_reacquires_from_a_killed_holder(void) {
  const char *cname = test_name("cond2"), *lname = test_name("cond2lock");
  mproc_sync_t *cond, *lock;
  CHECK_RC(0, mproc_condition_create(cname, &cond));
  CHECK_RC(0, mproc_lock_create(lname, &lock));
  CHECK_RC(0, mproc_sync_acquire(lock, MPROC_FOREVER));
  uint32_t ticket, saved;
  CHECK_RC(0, mproc_condition_wait_begin(cond, lock, &ticket, &saved));
  /* A child takes the lock, notifies, and dies holding it. */
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_sync_t *c = open_or_die(cname, MPROC_KIND_CONDITION);
    mproc_sync_t *l = open_or_die(lname, MPROC_KIND_LOCK);
    if (mproc_sync_acquire(l, MPROC_FOREVER) != 0 || mproc_condition_notify(c, l, 1) != 0)
      _exit(1);
    raise(SIGKILL);
  }
  CHECK(wait_child(pid) == -SIGKILL);
  CHECK_RC(0, mproc_condition_wait_sleep(cond, ticket, 10 * SEC));
  CHECK_RC(MPROC_EOWNERDEAD, mproc_condition_wait_end(cond, lock, saved, 5 * SEC));
  CHECK(mproc_sync_owned(lock));
  CHECK_RC(0, mproc_sync_release(lock));
  mproc_sync_close(cond);
  mproc_sync_close(lock);
  mproc_unlink(cname);
  mproc_unlink(lname);
}

/* ---------------------------------------------------------------------------------------- */

static void event_set_wakes_every_process_and_times_out(void) {
  const char *name = test_name("event");
  mproc_sync_t *ev;
  CHECK_RC(0, mproc_event_create(name, &ev));
  CHECK(mproc_event_is_set(ev) == 0);
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_ETIMEDOUT, mproc_event_wait(ev, 30 * MS));
  CHECK(mproc_now_ns() - t0 >= 29 * MS);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_event_wait(ev, MPROC_NO_WAIT));
  enum { N = 3 };
  pid_t pids[N];
  for (int i = 0; i < N; i++) {
    if ((pids[i] = fork_child()) == 0) {
      mproc_sync_t *mine = open_or_die(name, MPROC_KIND_EVENT);
      _exit(mproc_event_wait(mine, 20 * SEC) == 0 ? 0 : 1);
    }
  }
  /* One more waiter is killed while it waits: it must not matter. */
  pid_t doomed = fork_child();
  if (doomed == 0) {
    mproc_sync_t *mine = open_or_die(name, MPROC_KIND_EVENT);
    mproc_event_wait(mine, MPROC_FOREVER);
    _exit(0);
  }
  const mproc_event_body_t *body = mproc_segment_data(mproc_sync_segment(ev));
  while (__atomic_load_n(&body->waiters, __ATOMIC_SEQ_CST) < N + 1)
    usleep(1000);
  kill_child(doomed);
  CHECK_RC(0, mproc_event_set(ev));
  for (int i = 0; i < N; i++)
    CHECK(wait_child(pids[i]) == 0);
  CHECK(mproc_event_is_set(ev) == 1);
  CHECK_RC(0, mproc_event_wait(ev, MPROC_NO_WAIT));
  CHECK_RC(0, mproc_event_clear(ev));
  CHECK_RC(MPROC_ETIMEDOUT, mproc_event_wait(ev, MPROC_NO_WAIT));
  mproc_sync_close(ev);
  mproc_unlink(name);
}

/* ---------------------------------------------------------------------------------------- */

static void barrier_trips_with_distinct_indices_for_several_cycles(void) {
  const char *name = test_name("barrier");
  volatile uint64_t *seen = shared_page();
  mproc_sync_t *b;
  CHECK_RC(MPROC_EBOUNDS, mproc_barrier_create(NULL, 0, &b));
  CHECK_RC(MPROC_EBOUNDS, mproc_barrier_create(NULL, MPROC_BARRIER_MAX_PARTIES + 1, &b));
  CHECK_RC(0, mproc_barrier_create(name, 3, &b));
  CHECK(mproc_barrier_parties(b) == 3);
  enum { CYCLES = 50 };
  pid_t pids[2];
  for (int p = 0; p < 2; p++) {
    if ((pids[p] = fork_child()) == 0) {
      mproc_sync_t *mine = open_or_die(name, MPROC_KIND_BARRIER);
      for (int c = 0; c < CYCLES; c++) {
        uint32_t index;
        if (mproc_barrier_wait(mine, 20 * SEC, &index) != 0 || index > 2)
          _exit(1);
        __atomic_fetch_or(&seen[c], 1u << index, __ATOMIC_SEQ_CST);
      }
      _exit(0);
    }
  }
  for (int c = 0; c < CYCLES; c++) {
    uint32_t index;
    CHECK_RC(0, mproc_barrier_wait(b, 20 * SEC, &index));
    CHECK(index <= 2);
    __atomic_fetch_or(&seen[c], 1u << index, __ATOMIC_SEQ_CST);
  }
  for (int p = 0; p < 2; p++)
    CHECK(wait_child(pids[p]) == 0);
  for (int c = 0; c < CYCLES; c++)
    CHECK(seen[c] == 7); /* indices 0, 1 and 2, each once */
  mproc_sync_close(b);
  mproc_unlink(name);
}

static void barrier_timeout_breaks_it_until_reset(void) {
  const char *name = test_name("barrier2");
  mproc_sync_t *b;
  CHECK_RC(0, mproc_barrier_create(name, 2, &b));
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_sync_t *mine = open_or_die(name, MPROC_KIND_BARRIER);
    uint32_t index;
    _exit(mproc_barrier_wait(mine, 20 * SEC, &index) == MPROC_EBROKEN ? 0 : 1);
  }
  while (mproc_sync_count(b) == 0)
    usleep(1000);
  /* One of two parties waits in the child: abort breaks it. */
  CHECK_RC(0, mproc_barrier_abort(b));
  CHECK(wait_child(pid) == 0);
  CHECK(mproc_barrier_broken(b) == 1);
  uint32_t index;
  CHECK_RC(MPROC_EBROKEN, mproc_barrier_wait(b, MPROC_FOREVER, &index));
  CHECK_RC(0, mproc_barrier_reset(b));
  CHECK(mproc_barrier_broken(b) == 0);
  /* Alone at a barrier of 2: the wait times out and breaks it. */
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_ETIMEDOUT, mproc_barrier_wait(b, 30 * MS, &index));
  CHECK(mproc_now_ns() - t0 >= 29 * MS);
  CHECK(mproc_barrier_broken(b) == 1);
  CHECK(mproc_sync_count(b) == 0);
  CHECK_RC(0, mproc_barrier_reset(b));
  mproc_sync_close(b);
  mproc_unlink(name);
}

static void barrier_party_killed_while_waiting_breaks_it(void) {
  const char *name = test_name("barrier3");
  mproc_sync_t *b;
  CHECK_RC(0, mproc_barrier_create(name, 3, &b));
  pid_t doomed = fork_child();
  if (doomed == 0) {
    mproc_sync_t *mine = open_or_die(name, MPROC_KIND_BARRIER);
    uint32_t index;
    mproc_barrier_wait(mine, MPROC_FOREVER, &index);
    _exit(0);
  }
  pid_t survivor = fork_child();
  if (survivor == 0) {
    mproc_sync_t *mine = open_or_die(name, MPROC_KIND_BARRIER);
    uint32_t index;
    int64_t t0 = mproc_now_ns();
    int r = mproc_barrier_wait(mine, 20 * SEC, &index);
    _exit(r == MPROC_EBROKEN && mproc_now_ns() - t0 < 10 * SEC ? 0 : 1);
  }
  while (mproc_sync_count(b) < 2)
    usleep(1000);
  kill_child(doomed);
  CHECK(wait_child(survivor) == 0);
  CHECK(mproc_barrier_broken(b) == 1);
  mproc_sync_close(b);
  mproc_unlink(name);
}

int main(void) {
  RUN(lock_four_processes_increment_exactly);
  RUN(lock_misuse_timeout_and_release_by_another_process);
  RUN(lock_and_rlock_killed_holders_are_taken_over);
  RUN(lock_waiter_killed_blocks_nobody);
  RUN(rlock_recursion_and_ownership);
  RUN(semaphore_counts_times_out_and_bounds);
  RUN(semaphore_killed_holder_loses_its_permit_and_killed_waiter_blocks_nobody);
  RUN(condition_notify_and_notify_all_across_processes);
  RUN(condition_waiter_reacquires_from_a_killed_holder);
  RUN(event_set_wakes_every_process_and_times_out);
  RUN(barrier_trips_with_distinct_indices_for_several_cycles);
  RUN(barrier_timeout_breaks_it_until_reset);
  RUN(barrier_party_killed_while_waiting_breaks_it);
  return 0;
}
