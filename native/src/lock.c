/*
 * The robust lock on a segment's header word. See "Robust lock" in mproc.h for the word's
 * format. The protocol is Drepper's three-state futex mutex ("Futexes Are Tricky", mutex #2),
 * with the owner's identity in the word so that a dead owner can be detected and replaced.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <limits.h>

int mproc__owner_dead(const mproc_segment_t *seg, uint32_t v) {
  uint32_t slot1 = v & MPROC_LOCK_SLOT_MASK;
  uint32_t gen = (v >> MPROC_LOCK_GEN_SHIFT) & MPROC_LOCK_GEN_MASK;
  if (slot1 == 0 || slot1 > seg->hdr->max_participants)
    return 1;
  const mproc_participant_t *p = &mproc__slots(seg->hdr)[slot1 - 1];
  if (atomic_load_explicit(MPROC__A32(&p->generation), memory_order_acquire) != gen)
    return 1; /* the slot was recycled: its old owner is gone */
  return !mproc_segment_slot_alive(seg, slot1 - 1);
}

int mproc__lock_acquire(mproc_segment_t *seg, mproc_lockword_t *lw, int64_t timeout_ns) {
  if (seg == NULL || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  _Atomic uint32_t *word = MPROC__A32(&lw->word);
  const uint32_t me = seg->owner_word;
  uint32_t v = 0;
  if (atomic_compare_exchange_strong_explicit(word, &v, me, memory_order_acquire,
                                              memory_order_relaxed))
    return 0;
  if ((v & ~MPROC_LOCK_CONTENDED) == me)
    return MPROC_EDEADLK;
  /* No spinning before sleeping, as glibc's default mutex: a waiter that spins takes the lock at
     the holder's next release and the word's line then bounces between cores on every
     acquisition, while a sleeping waiter lets the holder run its next critical sections at
     uncontended speed. Two processes incrementing under the lock: ~22 M/s without the spin,
     ~18 M/s with 100 pauses, a process-shared pthread mutex ~23-26 M/s (bench_sync, 26 Nov). */

  const int64_t deadline = timeout_ns >= 0 ? mproc_now_ns() + timeout_ns : INT64_MAX;
  for (;;) {
    v = atomic_load_explicit(word, memory_order_relaxed);
    if (v == 0) {
      /* Having slept, we may not be the last waiter: keep the word contended (Drepper). */
      if (atomic_compare_exchange_strong_explicit(word, &v, me | MPROC_LOCK_CONTENDED,
                                                  memory_order_acquire, memory_order_relaxed))
        return 0;
      continue;
    }
    /* Give up before marking the word contended: a caller that will not sleep must not make
       the owner's release pay for a wake-up nobody waits for. */
    int64_t left = timeout_ns >= 0 ? deadline - mproc_now_ns() : MPROC_LIVENESS_SLICE_NS;
    if (left <= 0)
      return MPROC_ETIMEDOUT;
    if (!(v & MPROC_LOCK_CONTENDED)) {
      if (!atomic_compare_exchange_strong_explicit(word, &v, v | MPROC_LOCK_CONTENDED,
                                                   memory_order_relaxed, memory_order_relaxed))
        continue;
      v |= MPROC_LOCK_CONTENDED;
    }
    int r = mproc_wait32(&lw->word, v, left < MPROC_LIVENESS_SLICE_NS ? left
                                                                       : MPROC_LIVENESS_SLICE_NS);
    if (r != MPROC_ETIMEDOUT || atomic_load_explicit(word, memory_order_relaxed) != v ||
        !mproc__owner_dead(seg, v))
      continue;
    /* The owner is dead: take the lock over from exactly the word we judged. */
    if (atomic_compare_exchange_strong_explicit(word, &v, me | MPROC_LOCK_CONTENDED,
                                                memory_order_acquire, memory_order_relaxed)) {
      atomic_fetch_or_explicit(MPROC__A32(&lw->flags), MPROC_LOCK_OWNER_DIED,
                               memory_order_relaxed);
      atomic_fetch_add_explicit(MPROC__A32(&lw->epoch), 1, memory_order_relaxed);
      return MPROC_EOWNERDEAD;
    }
  }
}

int mproc__lock_release(mproc_segment_t *seg, mproc_lockword_t *lw) {
  if (seg == NULL)
    return MPROC_EINVAL;
  _Atomic uint32_t *word = MPROC__A32(&lw->word);
  uint32_t v = atomic_load_explicit(word, memory_order_relaxed);
  if ((v & ~MPROC_LOCK_CONTENDED) != seg->owner_word)
    return MPROC_ENOTOWNER;
  /* Only the holder writes the flags, so a plain check spares every other release an RMW. */
  if (atomic_load_explicit(MPROC__A32(&lw->flags), memory_order_relaxed) &
      MPROC_LOCK_OWNER_DIED)
    atomic_fetch_and_explicit(MPROC__A32(&lw->flags), ~MPROC_LOCK_OWNER_DIED,
                              memory_order_relaxed);
  v = atomic_exchange_explicit(word, 0, memory_order_release);
  if (v & MPROC_LOCK_CONTENDED)
    mproc_wake32(&lw->word, 1, NULL);
  return 0;
}

/* The header's lock word (offset 128) is the object's own lock, Python's get_lock(). */
static mproc_lockword_t *header_lock(mproc_segment_t *seg) {
  return (mproc_lockword_t *)(void *)&seg->hdr->lock;
}

int mproc_lock_acquire(mproc_segment_t *seg, int64_t timeout_ns) {
  return seg == NULL ? MPROC_EINVAL : mproc__lock_acquire(seg, header_lock(seg), timeout_ns);
}

int mproc_lock_release(mproc_segment_t *seg) {
  return seg == NULL ? MPROC_EINVAL : mproc__lock_release(seg, header_lock(seg));
}

int mproc_lock_held(const mproc_segment_t *seg) {
  return seg != NULL && mproc__lock_held(seg, (const mproc_lockword_t *)(const void *)&seg->hdr->lock);
}

int mproc__lock_held(const mproc_segment_t *seg, const mproc_lockword_t *lw) {
  uint32_t v = atomic_load_explicit(MPROC__A32(&lw->word), memory_order_relaxed);
  return (v & ~MPROC_LOCK_CONTENDED) == seg->owner_word;
}

uint32_t mproc_lock_owner_word(const mproc_segment_t *seg) { return seg->owner_word; }
