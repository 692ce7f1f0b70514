/*
 * Synchronization primitives on shared 32-bit words: Lock, RLock, Semaphore (bounded or not),
 * Condition, Event and Barrier. See "Synchronization primitives" in mproc.h for the contract and
 * docs/layout.md for the bodies.
 *
 * Lock and RLock reuse the header's robust lock word (lock.c), so owner death is handled in one
 * place. The others keep a futex word plus a waiter count in their body: the count lets a waker
 * skip the wake-up system call when nobody sleeps, and it is updated with sequentially consistent
 * atomics on both sides (waiter: count then check; waker: change then read count), so that a
 * waker never reads zero while a waiter is about to sleep on the old value.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <limits.h>
#include <sched.h>
#include <stdlib.h>

#define SPINS 100
#define BODY_BYTES 64

struct mproc_sync {
  mproc_segment_t *seg;
  char *body;
  uint16_t kind;
};

#define WORD(s, field_offset) MPROC__A32((s)->body + (field_offset))
#define SEM(s) ((mproc_semaphore_body_t *)(void *)(s)->body)
#define RLOCK(s) ((mproc_rlock_body_t *)(void *)(s)->body)
#define COND(s) ((mproc_condition_body_t *)(void *)(s)->body)
#define EVENT(s) ((mproc_event_body_t *)(void *)(s)->body)
#define BARRIER(s) ((mproc_barrier_body_t *)(void *)(s)->body)

static bool is_sync_kind(uint16_t kind) {
  return kind == MPROC_KIND_LOCK || kind == MPROC_KIND_SEMAPHORE || kind == MPROC_KIND_RLOCK ||
         kind == MPROC_KIND_CONDITION || kind == MPROC_KIND_EVENT || kind == MPROC_KIND_BARRIER;
}

/* The time left before `deadline` for a sleep, capped at one liveness slice. */
static int64_t slice_left(int64_t deadline) {
  int64_t left = deadline - mproc_now_ns();
  return left < MPROC_LIVENESS_SLICE_NS ? left : MPROC_LIVENESS_SLICE_NS;
}

static int64_t deadline_of(int64_t timeout_ns) {
  return timeout_ns >= 0 ? mproc_now_ns() + timeout_ns : INT64_MAX;
}

/* ------------------------------------------------------------------------------------------ */
/* Handles                                                                                    */

static int wrap(mproc_segment_t *seg, mproc_sync_t **out) {
  mproc_sync_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    mproc_segment_detach(seg);
    return MPROC_ENOMEM;
  }
  s->seg = seg;
  s->body = mproc_segment_data(seg);
  s->kind = ((const mproc_header_t *)mproc_segment_base(seg))->kind;
  *out = s;
  return 0;
}

int mproc_sync_create(const char *name, uint16_t kind, uint32_t value, uint32_t flags,
                      mproc_sync_t **out) {
  if (out == NULL)
    return MPROC_EINVAL;
  *out = NULL;
  if (!is_sync_kind(kind) || (flags != 0 && kind != MPROC_KIND_SEMAPHORE) ||
      (flags & ~MPROC_SEM_BOUNDED) != 0)
    return MPROC_EINVAL;
  if (kind == MPROC_KIND_SEMAPHORE && value > MPROC_SEM_VALUE_MAX)
    return MPROC_EBOUNDS;
  if (kind == MPROC_KIND_BARRIER && (value == 0 || value > MPROC_BARRIER_MAX_PARTIES))
    return MPROC_EBOUNDS;
  uint64_t body = BODY_BYTES;
  if (kind == MPROC_KIND_BARRIER)
    body += ((uint64_t)value * 4 + 7) / 8 * 8;
  mproc_segment_spec_t spec = {.kind = kind, .body_size = body};
  mproc_segment_t *seg;
  int err = mproc_segment_create(name, &spec, &seg);
  if (err != 0)
    return err;
  /* The body is zero-filled by ftruncate; only the fixed fields need writing before READY. */
  char *b = mproc_segment_data(seg);
  if (kind == MPROC_KIND_SEMAPHORE) {
    mproc_semaphore_body_t *sem = (mproc_semaphore_body_t *)(void *)b;
    sem->value = value;
    sem->bound = value;
    sem->flags = flags;
  } else if (kind == MPROC_KIND_BARRIER) {
    ((mproc_barrier_body_t *)(void *)b)->parties = value;
  }
  mproc_segment_publish(seg);
  return wrap(seg, out);
}

int mproc_lock_create(const char *name, mproc_sync_t **out) {
  return mproc_sync_create(name, MPROC_KIND_LOCK, 0, 0, out);
}

int mproc_rlock_create(const char *name, mproc_sync_t **out) {
  return mproc_sync_create(name, MPROC_KIND_RLOCK, 0, 0, out);
}

int mproc_semaphore_create(const char *name, uint32_t value, int bounded, mproc_sync_t **out) {
  return mproc_sync_create(name, MPROC_KIND_SEMAPHORE, value, bounded ? MPROC_SEM_BOUNDED : 0,
                           out);
}

int mproc_condition_create(const char *name, mproc_sync_t **out) {
  return mproc_sync_create(name, MPROC_KIND_CONDITION, 0, 0, out);
}

int mproc_event_create(const char *name, mproc_sync_t **out) {
  return mproc_sync_create(name, MPROC_KIND_EVENT, 0, 0, out);
}

int mproc_barrier_create(const char *name, uint32_t parties, mproc_sync_t **out) {
  return mproc_sync_create(name, MPROC_KIND_BARRIER, parties, 0, out);
}

/* Checks that an attached segment is a primitive of the expected kind with a sane body. */
static int check_opened(mproc_segment_t *seg, uint16_t kind, mproc_sync_t **out) {
  const mproc_header_t *h = mproc_segment_base(seg);
  const char *b = mproc_segment_data(seg);
  uint64_t body = h->total_size - h->data_offset;
  int err = 0;
  if (!is_sync_kind(h->kind))
    err = MPROC_EKIND;
  else if (kind != MPROC_KIND_ANY && h->kind != kind)
    err = MPROC_EKIND;
  else if (body < BODY_BYTES)
    err = MPROC_ECORRUPT;
  else if (h->kind == MPROC_KIND_SEMAPHORE &&
           (((const mproc_semaphore_body_t *)(const void *)b)->flags & ~MPROC_SEM_BOUNDED) != 0)
    err = MPROC_ECORRUPT;
  else if (h->kind == MPROC_KIND_BARRIER) {
    uint32_t parties = ((const mproc_barrier_body_t *)(const void *)b)->parties;
    if (parties == 0 || parties > MPROC_BARRIER_MAX_PARTIES ||
        body < BODY_BYTES + (uint64_t)parties * 4)
      err = MPROC_ECORRUPT;
  }
  if (err != 0) {
    mproc_segment_detach(seg);
    return err;
  }
  return wrap(seg, out);
}

int mproc_sync_open(const char *name, uint16_t kind, mproc_sync_t **out) {
  mproc_segment_t *seg;
  if (out == NULL)
    return MPROC_EINVAL;
  *out = NULL;
  int err = mproc_segment_attach(name, kind, MPROC_FOREVER, &seg);
  return err != 0 ? err : check_opened(seg, kind, out);
}

int mproc_sync_open_fd(int fd, uint16_t kind, mproc_sync_t **out) {
  mproc_segment_t *seg;
  int err = mproc_segment_attach_fd(fd, kind, &seg);
  if (out != NULL)
    *out = NULL;
  return err != 0 ? err : check_opened(seg, kind, out);
}

int mproc_sync_close(mproc_sync_t *s) {
  if (s == NULL)
    return 0;
  mproc_segment_detach(s->seg);
  free(s);
  return 0;
}

mproc_segment_t *mproc_sync_segment(mproc_sync_t *s) { return s->seg; }

int mproc_sync_kind(const mproc_sync_t *s) { return s->kind; }

/* ------------------------------------------------------------------------------------------ */
/* Lock and RLock                                                                             */

/*
 * Releases the header lock whoever holds it (Python lets any process release a Lock). The
 * OWNER_DIED report belongs to the hold being ended, so it is cleared first.
 */
static int lock_release_any(mproc_segment_t *seg) {
  if (mproc_lock_held(seg))
    return mproc_lock_release(seg);
  mproc_header_t *h = mproc_segment_base(seg);
  _Atomic uint32_t *word = MPROC__A32(&h->lock);
  uint32_t v = atomic_load_explicit(word, memory_order_relaxed);
  do {
    if ((v & ~MPROC_LOCK_CONTENDED) == 0)
      return MPROC_ENOTHELD;
    atomic_fetch_and_explicit(MPROC__A32(&h->lock_flags), ~MPROC_LOCK_OWNER_DIED,
                              memory_order_relaxed);
  } while (!atomic_compare_exchange_weak_explicit(word, &v, 0, memory_order_release,
                                                  memory_order_relaxed));
  if (v & MPROC_LOCK_CONTENDED)
    mproc_wake32(&h->lock, 1, NULL);
  return 0;
}

static int rlock_acquire(mproc_sync_t *s, int64_t timeout_ns) {
  _Atomic uint32_t *count = WORD(s, offsetof(mproc_rlock_body_t, count));
  if (mproc_lock_held(s->seg)) {
    uint32_t c = atomic_load_explicit(count, memory_order_relaxed);
    if (c == UINT32_MAX)
      return MPROC_EBOUNDS;
    atomic_store_explicit(count, c + 1, memory_order_relaxed);
    return 0;
  }
  int r = mproc_lock_acquire(s->seg, timeout_ns);
  if (r == 0 || r == MPROC_EOWNERDEAD) /* a dead owner's depth means nothing to us */
    atomic_store_explicit(count, 1, memory_order_relaxed);
  return r;
}

static int rlock_release(mproc_sync_t *s) {
  _Atomic uint32_t *count = WORD(s, offsetof(mproc_rlock_body_t, count));
  if (!mproc_lock_held(s->seg))
    return MPROC_ENOTOWNER;
  uint32_t c = atomic_load_explicit(count, memory_order_relaxed);
  if (c > 1) {
    atomic_store_explicit(count, c - 1, memory_order_relaxed);
    return 0;
  }
  atomic_store_explicit(count, 0, memory_order_relaxed);
  return mproc_lock_release(s->seg);
}

/* ------------------------------------------------------------------------------------------ */
/* Semaphore                                                                                  */

static bool sem_try(_Atomic uint32_t *value) {
  uint32_t v = atomic_load_explicit(value, memory_order_relaxed);
  while (v > 0) {
    if (atomic_compare_exchange_weak_explicit(value, &v, v - 1, memory_order_seq_cst,
                                              memory_order_relaxed))
      return true;
  }
  return false;
}

static int sem_acquire(mproc_sync_t *s, int64_t timeout_ns) {
  _Atomic uint32_t *value = WORD(s, offsetof(mproc_semaphore_body_t, value));
  _Atomic uint32_t *waiters = WORD(s, offsetof(mproc_semaphore_body_t, waiters));
  if (sem_try(value))
    return 0;
  for (int i = 0; i < SPINS; i++) {
    MPROC__PAUSE();
    if (atomic_load_explicit(value, memory_order_relaxed) > 0 && sem_try(value))
      return 0;
  }
  if (timeout_ns == MPROC_NO_WAIT)
    return MPROC_ETIMEDOUT;
  const int64_t deadline = deadline_of(timeout_ns);
  int r;
  atomic_fetch_add_explicit(waiters, 1, memory_order_seq_cst);
  for (;;) {
    if (sem_try(value)) {
      r = 0;
      break;
    }
    int64_t left = slice_left(deadline);
    if (left <= 0) {
      r = MPROC_ETIMEDOUT;
      break;
    }
    mproc_wait32(&SEM(s)->value, 0, left);
  }
  atomic_fetch_sub_explicit(waiters, 1, memory_order_seq_cst);
  /* A wake-up meant for us may have been spent on our timing out: pass it on. */
  if (r != 0 && atomic_load_explicit(value, memory_order_seq_cst) > 0 &&
      atomic_load_explicit(waiters, memory_order_seq_cst) > 0)
    mproc_wake32(&SEM(s)->value, 1, NULL);
  return r;
}

static int sem_release(mproc_sync_t *s) {
  _Atomic uint32_t *value = WORD(s, offsetof(mproc_semaphore_body_t, value));
  const mproc_semaphore_body_t *b = SEM(s);
  uint32_t limit = (b->flags & MPROC_SEM_BOUNDED) ? b->bound : MPROC_SEM_VALUE_MAX;
  uint32_t v = atomic_load_explicit(value, memory_order_relaxed);
  do {
    if (v >= limit)
      return (b->flags & MPROC_SEM_BOUNDED) ? MPROC_ENOTHELD : MPROC_EBOUNDS;
  } while (!atomic_compare_exchange_weak_explicit(value, &v, v + 1, memory_order_seq_cst,
                                                  memory_order_relaxed));
  if (atomic_load_explicit(WORD(s, offsetof(mproc_semaphore_body_t, waiters)),
                           memory_order_seq_cst) > 0)
    mproc_wake32(&SEM(s)->value, 1, NULL);
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Acquire and release, by kind                                                               */

int mproc_sync_acquire(mproc_sync_t *s, int64_t timeout_ns) {
  if (s == NULL || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  switch (s->kind) {
  case MPROC_KIND_LOCK:
    return mproc_lock_acquire(s->seg, timeout_ns);
  case MPROC_KIND_RLOCK:
    return rlock_acquire(s, timeout_ns);
  case MPROC_KIND_SEMAPHORE:
    return sem_acquire(s, timeout_ns);
  default:
    return MPROC_EKIND;
  }
}

int mproc_sync_release(mproc_sync_t *s) {
  if (s == NULL)
    return MPROC_EINVAL;
  switch (s->kind) {
  case MPROC_KIND_LOCK:
    return lock_release_any(s->seg);
  case MPROC_KIND_RLOCK:
    return rlock_release(s);
  case MPROC_KIND_SEMAPHORE:
    return sem_release(s);
  default:
    return MPROC_EKIND;
  }
}

uint32_t mproc_sync_count(const mproc_sync_t *s) {
  const mproc_header_t *h = mproc_segment_base(s->seg);
  switch (s->kind) {
  case MPROC_KIND_LOCK:
    return (atomic_load(MPROC__A32(&h->lock)) & ~MPROC_LOCK_CONTENDED) != 0;
  case MPROC_KIND_RLOCK:
    return atomic_load(WORD(s, offsetof(mproc_rlock_body_t, count)));
  case MPROC_KIND_SEMAPHORE:
    return atomic_load(WORD(s, offsetof(mproc_semaphore_body_t, value)));
  case MPROC_KIND_CONDITION:
    return atomic_load(WORD(s, offsetof(mproc_condition_body_t, waiters)));
  case MPROC_KIND_EVENT:
    return atomic_load(WORD(s, offsetof(mproc_event_body_t, flag)));
  case MPROC_KIND_BARRIER:
    return atomic_load(WORD(s, offsetof(mproc_barrier_body_t, count)));
  default:
    return 0;
  }
}

int mproc_sync_owned(const mproc_sync_t *s) {
  return s != NULL && (s->kind == MPROC_KIND_LOCK || s->kind == MPROC_KIND_RLOCK) &&
         mproc_lock_held(s->seg);
}

/* ------------------------------------------------------------------------------------------ */
/* Condition                                                                                  */

static int check_condition(const mproc_sync_t *cond, const mproc_sync_t *lock) {
  if (cond == NULL || lock == NULL)
    return MPROC_EINVAL;
  if (cond->kind != MPROC_KIND_CONDITION ||
      (lock->kind != MPROC_KIND_LOCK && lock->kind != MPROC_KIND_RLOCK))
    return MPROC_EKIND;
  return mproc_lock_held(lock->seg) ? 0 : MPROC_ENOTOWNER;
}

int mproc_condition_wait_begin(mproc_sync_t *cond, mproc_sync_t *lock, uint32_t *ticket,
                               uint32_t *saved) {
  int err = check_condition(cond, lock);
  if (err != 0)
    return err;
  if (ticket == NULL || saved == NULL)
    return MPROC_EINVAL;
  /* Registered and ticketed while the lock is held: a notifier, who must hold it too, either
     comes before (and we never wait for it) or sees us and moves the sequence past the ticket. */
  atomic_fetch_add_explicit(WORD(cond, offsetof(mproc_condition_body_t, waiters)), 1,
                            memory_order_seq_cst);
  *ticket = atomic_load_explicit(WORD(cond, offsetof(mproc_condition_body_t, seq)),
                                 memory_order_seq_cst);
  *saved = 1;
  if (lock->kind == MPROC_KIND_RLOCK) {
    _Atomic uint32_t *count = WORD(lock, offsetof(mproc_rlock_body_t, count));
    *saved = atomic_load_explicit(count, memory_order_relaxed);
    atomic_store_explicit(count, 0, memory_order_relaxed);
  }
  return mproc_lock_release(lock->seg);
}

int mproc_condition_wait_sleep(mproc_sync_t *cond, uint32_t ticket, int64_t timeout_ns) {
  if (cond == NULL || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  if (cond->kind != MPROC_KIND_CONDITION)
    return MPROC_EKIND;
  _Atomic uint32_t *seq = WORD(cond, offsetof(mproc_condition_body_t, seq));
  const int64_t deadline = deadline_of(timeout_ns);
  for (;;) {
    if (atomic_load_explicit(seq, memory_order_acquire) != ticket)
      return 0;
    int64_t left = timeout_ns >= 0 ? deadline - mproc_now_ns() : MPROC_FOREVER;
    if (timeout_ns >= 0 && left <= 0)
      return MPROC_ETIMEDOUT;
    mproc_wait32(&COND(cond)->seq, ticket, left);
  }
}

int mproc_condition_wait_end(mproc_sync_t *cond, mproc_sync_t *lock, uint32_t saved,
                             int64_t timeout_ns) {
  if (cond == NULL || lock == NULL || saved == 0)
    return MPROC_EINVAL;
  if (cond->kind != MPROC_KIND_CONDITION ||
      (lock->kind != MPROC_KIND_LOCK && lock->kind != MPROC_KIND_RLOCK))
    return MPROC_EKIND;
  int r = mproc_lock_acquire(lock->seg, timeout_ns);
  if (r != 0 && r != MPROC_EOWNERDEAD)
    return r;
  if (lock->kind == MPROC_KIND_RLOCK)
    atomic_store_explicit(WORD(lock, offsetof(mproc_rlock_body_t, count)), saved,
                          memory_order_relaxed);
  atomic_fetch_sub_explicit(WORD(cond, offsetof(mproc_condition_body_t, waiters)), 1,
                            memory_order_seq_cst);
  return r;
}

int mproc_condition_wait(mproc_sync_t *cond, mproc_sync_t *lock, int64_t timeout_ns) {
  uint32_t ticket, saved;
  if (timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  int r = mproc_condition_wait_begin(cond, lock, &ticket, &saved);
  if (r != 0)
    return r;
  int slept = mproc_condition_wait_sleep(cond, ticket, timeout_ns);
  r = mproc_condition_wait_end(cond, lock, saved, MPROC_FOREVER);
  return r != 0 ? r : slept;
}

int mproc_condition_notify(mproc_sync_t *cond, mproc_sync_t *lock, int n) {
  int err = check_condition(cond, lock);
  if (err != 0)
    return err;
  if (n <= 0)
    return MPROC_EINVAL;
  atomic_fetch_add_explicit(WORD(cond, offsetof(mproc_condition_body_t, seq)), 1,
                            memory_order_seq_cst);
  if (atomic_load_explicit(WORD(cond, offsetof(mproc_condition_body_t, waiters)),
                           memory_order_seq_cst) > 0)
    mproc_wake32(&COND(cond)->seq, n, NULL);
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Event                                                                                      */

int mproc_event_set(mproc_sync_t *ev) {
  if (ev == NULL)
    return MPROC_EINVAL;
  if (ev->kind != MPROC_KIND_EVENT)
    return MPROC_EKIND;
  atomic_store_explicit(WORD(ev, offsetof(mproc_event_body_t, flag)), 1, memory_order_seq_cst);
  if (atomic_load_explicit(WORD(ev, offsetof(mproc_event_body_t, waiters)),
                           memory_order_seq_cst) > 0)
    mproc_wake32(&EVENT(ev)->flag, INT_MAX, NULL);
  return 0;
}

int mproc_event_clear(mproc_sync_t *ev) {
  if (ev == NULL)
    return MPROC_EINVAL;
  if (ev->kind != MPROC_KIND_EVENT)
    return MPROC_EKIND;
  atomic_store_explicit(WORD(ev, offsetof(mproc_event_body_t, flag)), 0, memory_order_release);
  return 0;
}

int mproc_event_is_set(const mproc_sync_t *ev) {
  return ev != NULL && ev->kind == MPROC_KIND_EVENT &&
         atomic_load_explicit(WORD(ev, offsetof(mproc_event_body_t, flag)),
                              memory_order_acquire) != 0;
}

int mproc_event_wait(mproc_sync_t *ev, int64_t timeout_ns) {
  if (ev == NULL || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  if (ev->kind != MPROC_KIND_EVENT)
    return MPROC_EKIND;
  _Atomic uint32_t *flag = WORD(ev, offsetof(mproc_event_body_t, flag));
  _Atomic uint32_t *waiters = WORD(ev, offsetof(mproc_event_body_t, waiters));
  for (int i = 0; i < SPINS; i++) {
    if (atomic_load_explicit(flag, memory_order_acquire) != 0)
      return 0;
    MPROC__PAUSE();
  }
  if (timeout_ns == MPROC_NO_WAIT)
    return MPROC_ETIMEDOUT;
  const int64_t deadline = deadline_of(timeout_ns);
  int r;
  atomic_fetch_add_explicit(waiters, 1, memory_order_seq_cst);
  for (;;) {
    if (atomic_load_explicit(flag, memory_order_seq_cst) != 0) {
      r = 0;
      break;
    }
    int64_t left = timeout_ns >= 0 ? deadline - mproc_now_ns() : MPROC_FOREVER;
    if (timeout_ns >= 0 && left <= 0) {
      r = MPROC_ETIMEDOUT;
      break;
    }
    mproc_wait32(&EVENT(ev)->flag, 0, left);
  }
  atomic_fetch_sub_explicit(waiters, 1, memory_order_seq_cst);
  return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Barrier                                                                                    */

/*
 * Takes the header lock that guards the barrier's state. A process that died inside that short
 * critical section may have left the state half-updated, so the barrier is broken then.
 */
static int barrier_lock(mproc_sync_t *b, bool *died) {
  int r;
  /* Threads sharing one handle (a Java object) share its owner identity: they take turns. */
  while ((r = mproc_lock_acquire(b->seg, MPROC_FOREVER)) == MPROC_EDEADLK)
    sched_yield();
  *died = r == MPROC_EOWNERDEAD;
  return r == MPROC_EOWNERDEAD ? 0 : r;
}

/* Ends the current cycle (lock held): records its outcome, empties it, moves `cycle` on. */
static void end_cycle_locked(mproc_sync_t *b, bool tripped) {
  _Atomic uint32_t *cycle = WORD(b, offsetof(mproc_barrier_body_t, cycle));
  _Atomic uint32_t *outcomes = WORD(b, offsetof(mproc_barrier_body_t, outcomes));
  uint32_t c = atomic_load_explicit(cycle, memory_order_relaxed);
  uint32_t bit = 1u << (c % 32);
  if (tripped)
    atomic_fetch_or_explicit(outcomes, bit, memory_order_relaxed);
  else
    atomic_fetch_and_explicit(outcomes, ~bit, memory_order_relaxed);
  atomic_store_explicit(WORD(b, offsetof(mproc_barrier_body_t, count)), 0, memory_order_relaxed);
  /* Release: a waiter that sees the new cycle also sees the outcome bit. */
  atomic_store_explicit(cycle, c + 1, memory_order_release);
}

/* Breaks the barrier (lock held); returns whether waiters must be woken. */
static bool break_locked(mproc_sync_t *b) {
  atomic_store_explicit(WORD(b, offsetof(mproc_barrier_body_t, broken)), 1, memory_order_relaxed);
  if (atomic_load_explicit(WORD(b, offsetof(mproc_barrier_body_t, count)),
                           memory_order_relaxed) == 0)
    return false;
  end_cycle_locked(b, false);
  return true;
}

static void barrier_unlock(mproc_sync_t *b, bool wake) {
  mproc_lock_release(b->seg);
  if (wake)
    mproc_wake32(&BARRIER(b)->cycle, INT_MAX, NULL);
}

/*
 * How cycle `c`, which has ended, ended: 0 tripped, MPROC_EBROKEN broken. Outcomes are kept for
 * 32 cycles; a party that slept through more than that (possible only when more processes than
 * parties use the barrier) cannot know, and is told it broke rather than that it passed.
 */
static int outcome(mproc_sync_t *b, uint32_t c) {
  uint32_t bits = atomic_load_explicit(WORD(b, offsetof(mproc_barrier_body_t, outcomes)),
                                       memory_order_acquire);
  uint32_t now = atomic_load_explicit(WORD(b, offsetof(mproc_barrier_body_t, cycle)),
                                      memory_order_acquire);
  if (now - c > 32)
    return MPROC_EBROKEN;
  return (bits >> (c % 32)) & 1u ? 0 : MPROC_EBROKEN;
}

int mproc_barrier_arrive(mproc_sync_t *b, uint32_t *cycle, uint32_t *index) {
  bool died, wake = false;
  if (b == NULL || cycle == NULL || index == NULL)
    return MPROC_EINVAL;
  if (b->kind != MPROC_KIND_BARRIER)
    return MPROC_EKIND;
  int r = barrier_lock(b, &died);
  if (r != 0)
    return r;
  mproc_barrier_body_t *body = BARRIER(b);
  if (died)
    wake = break_locked(b);
  if (atomic_load_explicit(WORD(b, offsetof(mproc_barrier_body_t, broken)),
                           memory_order_relaxed)) {
    barrier_unlock(b, wake);
    return MPROC_EBROKEN;
  }
  uint32_t c = atomic_load_explicit(WORD(b, offsetof(mproc_barrier_body_t, cycle)),
                                    memory_order_relaxed);
  uint32_t i = atomic_load_explicit(WORD(b, offsetof(mproc_barrier_body_t, count)),
                                    memory_order_relaxed);
  if (i >= body->parties) { /* only a scribbled count gets here: never write past arrivals */
    barrier_unlock(b, wake);
    return MPROC_ECORRUPT;
  }
  atomic_store_explicit(MPROC__A32(&body->arrivals[i]), b->seg->owner_word, memory_order_relaxed);
  if (i + 1 == body->parties) {
    end_cycle_locked(b, true);
    wake = true;
  } else {
    atomic_store_explicit(WORD(b, offsetof(mproc_barrier_body_t, count)), i + 1,
                          memory_order_relaxed);
  }
  barrier_unlock(b, wake);
  *cycle = c;
  *index = i;
  return 0;
}

/* After a quiet slice: breaks cycle `c` if one of its waiting parties has died. */
static void probe_parties(mproc_sync_t *b, uint32_t c) {
  bool died, wake = false;
  if (barrier_lock(b, &died) != 0)
    return;
  mproc_barrier_body_t *body = BARRIER(b);
  if (died) {
    wake = break_locked(b);
  } else if (atomic_load_explicit(WORD(b, offsetof(mproc_barrier_body_t, cycle)),
                                  memory_order_relaxed) == c) {
    uint32_t n = atomic_load_explicit(WORD(b, offsetof(mproc_barrier_body_t, count)),
                                      memory_order_relaxed);
    for (uint32_t k = 0; k < n && k < body->parties; k++) {
      uint32_t who = atomic_load_explicit(MPROC__A32(&body->arrivals[k]), memory_order_relaxed);
      if (mproc__owner_dead(b->seg, who)) {
        wake = break_locked(b);
        break;
      }
    }
  }
  barrier_unlock(b, wake);
}

int mproc_barrier_await(mproc_sync_t *b, uint32_t cycle, int64_t timeout_ns) {
  if (b == NULL || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  if (b->kind != MPROC_KIND_BARRIER)
    return MPROC_EKIND;
  _Atomic uint32_t *word = WORD(b, offsetof(mproc_barrier_body_t, cycle));
  for (int i = 0; i < SPINS; i++) {
    if (atomic_load_explicit(word, memory_order_acquire) != cycle)
      return outcome(b, cycle);
    MPROC__PAUSE();
  }
  const int64_t deadline = deadline_of(timeout_ns);
  for (;;) {
    if (atomic_load_explicit(word, memory_order_acquire) != cycle)
      return outcome(b, cycle);
    int64_t left = slice_left(deadline);
    if (left <= 0)
      return MPROC_ETIMEDOUT;
    if (mproc_wait32(&BARRIER(b)->cycle, cycle, left) == MPROC_ETIMEDOUT &&
        atomic_load_explicit(word, memory_order_acquire) == cycle)
      probe_parties(b, cycle);
  }
}

int mproc_barrier_cancel(mproc_sync_t *b, uint32_t cycle, int *tripped) {
  bool died, wake = false;
  if (tripped != NULL)
    *tripped = 0;
  if (b == NULL)
    return MPROC_EINVAL;
  if (b->kind != MPROC_KIND_BARRIER)
    return MPROC_EKIND;
  int r = barrier_lock(b, &died);
  if (r != 0)
    return r;
  if (died)
    wake = break_locked(b);
  if (atomic_load_explicit(WORD(b, offsetof(mproc_barrier_body_t, cycle)),
                           memory_order_relaxed) == cycle) {
    wake = break_locked(b) || wake;
    barrier_unlock(b, wake);
    return 0;
  }
  barrier_unlock(b, wake);
  r = outcome(b, cycle);
  if (r == 0 && tripped != NULL)
    *tripped = 1;
  return r;
}

int mproc_barrier_wait(mproc_sync_t *b, int64_t timeout_ns, uint32_t *index) {
  uint32_t cycle, i;
  if (timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  int r = mproc_barrier_arrive(b, &cycle, &i);
  if (r != 0)
    return r;
  r = mproc_barrier_await(b, cycle, timeout_ns);
  if (r == MPROC_ETIMEDOUT) {
    int tripped;
    int c = mproc_barrier_cancel(b, cycle, &tripped);
    r = c != 0 ? c : tripped ? 0 : MPROC_ETIMEDOUT;
  }
  if (r == 0 && index != NULL)
    *index = i;
  return r;
}

int mproc_barrier_abort(mproc_sync_t *b) {
  bool died;
  if (b == NULL)
    return MPROC_EINVAL;
  if (b->kind != MPROC_KIND_BARRIER)
    return MPROC_EKIND;
  int r = barrier_lock(b, &died);
  if (r != 0)
    return r;
  barrier_unlock(b, break_locked(b));
  return 0;
}

int mproc_barrier_reset(mproc_sync_t *b) {
  bool died, wake = false;
  if (b == NULL)
    return MPROC_EINVAL;
  if (b->kind != MPROC_KIND_BARRIER)
    return MPROC_EKIND;
  int r = barrier_lock(b, &died);
  if (r != 0)
    return r;
  if (atomic_load_explicit(WORD(b, offsetof(mproc_barrier_body_t, count)),
                           memory_order_relaxed) > 0) {
    end_cycle_locked(b, false);
    wake = true;
  }
  atomic_store_explicit(WORD(b, offsetof(mproc_barrier_body_t, broken)), 0, memory_order_relaxed);
  barrier_unlock(b, wake);
  return 0;
}

uint32_t mproc_barrier_parties(const mproc_sync_t *b) {
  return b != NULL && b->kind == MPROC_KIND_BARRIER ? BARRIER(b)->parties : 0;
}

int mproc_barrier_broken(const mproc_sync_t *b) {
  return b != NULL && b->kind == MPROC_KIND_BARRIER &&
         atomic_load_explicit(WORD(b, offsetof(mproc_barrier_body_t, broken)),
                              memory_order_acquire) != 0;
}
