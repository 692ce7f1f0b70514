/* The robust lock: exclusion across processes, timeouts, misuse, and takeover from the dead. */
#include "check.h"

#include <sched.h>

static mproc_segment_t *create_lockable(const char *name) {
  mproc_segment_spec_t spec = {.kind = MPROC_KIND_LOCK, .body_size = 128};
  mproc_segment_t *seg;
  CHECK_RC(0, mproc_segment_create(name, &spec, &seg));
  mproc_segment_publish(seg);
  return seg;
}

static void four_processes_increment_exactly(void) {
  const char *name = test_name("excl");
  mproc_segment_t *seg = create_lockable(name);
  enum { PROCS = 4, ITERS = 20000 };
  pid_t pids[PROCS];
  for (int p = 0; p < PROCS; p++) {
    if ((pids[p] = fork_child()) == 0) {
      mproc_segment_t *mine;
      if (mproc_segment_attach(name, MPROC_KIND_LOCK, 0, &mine) != 0)
        _exit(1);
      volatile uint64_t *counter = mproc_segment_data(mine);
      for (int i = 0; i < ITERS; i++) {
        if (mproc_lock_acquire(mine, MPROC_FOREVER) != 0)
          _exit(2);
        uint64_t v = *counter; /* a deliberately non-atomic read-modify-write */
        if ((i & 63) == 0)
          sched_yield();
        *counter = v + 1;
        if (mproc_lock_release(mine) != 0)
          _exit(3);
      }
      _exit(0);
    }
  }
  for (int p = 0; p < PROCS; p++)
    CHECK(wait_child(pids[p]) == 0);
  CHECK(*(uint64_t *)mproc_segment_data(seg) == (uint64_t)PROCS * ITERS);
  mproc_segment_detach(seg);
  mproc_unlink(name);
}

static void misuse_is_reported(void) {
  mproc_segment_t *seg = create_lockable(test_name("misuse"));
  CHECK_RC(MPROC_ENOTOWNER, mproc_lock_release(seg));
  CHECK_RC(0, mproc_lock_acquire(seg, MPROC_NO_WAIT));
  CHECK(mproc_lock_held(seg) == 1);
  CHECK_RC(MPROC_EDEADLK, mproc_lock_acquire(seg, MPROC_FOREVER));
  CHECK_RC(MPROC_EINVAL, mproc_lock_acquire(seg, -5));
  CHECK_RC(0, mproc_lock_release(seg));
  CHECK(mproc_lock_held(seg) == 0);
  CHECK_RC(MPROC_ENOTOWNER, mproc_lock_release(seg));
  mproc_segment_detach(seg);
  mproc_unlink(test_name("misuse"));
}

/* Forks a child that attaches, takes the lock, reports, and then sleeps until killed. */
static pid_t child_holding_lock(const char *name) {
  int ready[2];
  CHECK(pipe(ready) == 0);
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_segment_t *mine;
    if (mproc_segment_attach(name, MPROC_KIND_LOCK, 0, &mine) != 0 ||
        mproc_lock_acquire(mine, MPROC_FOREVER) != 0)
      _exit(1);
    CHECK(write(ready[1], "x", 1) == 1);
    pause();
    _exit(0);
  }
  char c;
  CHECK(read(ready[0], &c, 1) == 1);
  close(ready[0]);
  close(ready[1]);
  return pid;
}

static void a_live_holder_makes_others_time_out(void) {
  const char *name = test_name("live");
  mproc_segment_t *seg = create_lockable(name);
  pid_t pid = child_holding_lock(name);
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_ETIMEDOUT, mproc_lock_acquire(seg, 50000000));
  CHECK(mproc_now_ns() - t0 >= 49000000);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_lock_acquire(seg, MPROC_NO_WAIT));
  kill(pid, SIGKILL);
  wait_child(pid);
  mproc_segment_detach(seg);
  mproc_unlink(name);
}

static void a_killed_holder_is_replaced_and_reported(void) {
  const char *name = test_name("dead");
  mproc_segment_t *seg = create_lockable(name);
  const mproc_header_t *h = mproc_segment_base(seg);
  pid_t pid = child_holding_lock(name);
  kill(pid, SIGKILL);
  CHECK(wait_child(pid) == -SIGKILL);
  uint32_t epoch = h->lock_epoch;
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_EOWNERDEAD, mproc_lock_acquire(seg, 5000000000LL));
  CHECK(mproc_now_ns() - t0 < 1000000000); /* one liveness slice, not the timeout */
  CHECK(mproc_lock_held(seg) == 1);
  CHECK(h->lock_flags & MPROC_LOCK_OWNER_DIED);
  CHECK(h->lock_epoch == epoch + 1);
  CHECK_RC(0, mproc_lock_release(seg));
  CHECK((h->lock_flags & MPROC_LOCK_OWNER_DIED) == 0);
  CHECK_RC(0, mproc_lock_acquire(seg, MPROC_NO_WAIT));
  CHECK_RC(0, mproc_lock_release(seg));
  mproc_segment_detach(seg);
  mproc_unlink(name);
}

static void a_holder_killed_while_others_wait_unblocks_them(void) {
  const char *name = test_name("waiters");
  mproc_segment_t *seg = create_lockable(name);
  pid_t holder = child_holding_lock(name);
  enum { WAITERS = 3 };
  pid_t w[WAITERS];
  for (int i = 0; i < WAITERS; i++) {
    if ((w[i] = fork_child()) == 0) {
      mproc_segment_t *mine;
      if (mproc_segment_attach(name, MPROC_KIND_LOCK, 0, &mine) != 0)
        _exit(1);
      int rc = mproc_lock_acquire(mine, 10000000000LL);
      if (rc != 0 && rc != MPROC_EOWNERDEAD)
        _exit(2);
      (*(volatile uint64_t *)mproc_segment_data(mine))++;
      mproc_lock_release(mine);
      _exit(rc == MPROC_EOWNERDEAD ? 10 : 0);
    }
  }
  usleep(50000);
  kill(holder, SIGKILL);
  wait_child(holder);
  int died_reports = 0;
  for (int i = 0; i < WAITERS; i++) {
    int st = wait_child(w[i]);
    CHECK(st == 0 || st == 10);
    died_reports += st == 10;
  }
  CHECK(died_reports == 1); /* exactly one process took the lock over */
  CHECK(*(uint64_t *)mproc_segment_data(seg) == WAITERS);
  mproc_segment_detach(seg);
  mproc_unlink(name);
}

int main(void) {
  RUN(four_processes_increment_exactly);
  RUN(misuse_is_reported);
  RUN(a_live_holder_makes_others_time_out);
  RUN(a_killed_holder_is_replaced_and_reported);
  RUN(a_holder_killed_while_others_wait_unblocks_them);
  return 0;
}
