/*
 * The queue: a ring of length-prefixed records with one producer-side and one consumer-side
 * robust lock. See the layout and the crash argument in mproc.h.
 *
 * Why locks rather than a lock-free claim (Agrona's ManyToOneRingBuffer): with a CAS on `tail`,
 * a producer killed between its claim and its commit leaves a hole that every consumer must
 * wait on until it decides the writer is dead, and a torn claim cannot even say whose it was.
 * Under the put lock, `tail` moves only once the record is complete, so a dead producer's bytes
 * are simply never published; its lock is taken over within one liveness slice. Uncontended,
 * the lock costs two atomic instructions on the producers' cache line (which consumers read too:
 * `tail` is on it; a line of its own for `tail` was measured: a few percent longer round
 * trips for 13% more batch throughput, see docs/benchmarks.md). Batches (put_batch, get_batch) pay the lock and the commit once for
 * many records.
 *
 * The uncontended put and get (take, the record, commit, release, notify) are implemented again
 * in Java, java/src/main/java/org/mproc/queue/QueueRing.java, on the binding's own mapping: a
 * change to the protocol here must be made there too (tests/java/.../QueueInteropTest.java runs
 * the two against each other).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define REC_HDR 8
#define REC_MSG 1u
#define REC_PAD 2u
#define SPIN_NS 20000
#define ONE_SETTLE_NS 5000         /* one-to-one sleepers: look this long after raising the count */
#define ONE_FIRST_SLEEP_NS 1000000 /* ... and then sleep at most this long at first */
/* A get that waits after a stream (see wait_for, found_empty): at least this many messages
   taken since a get of this handle last found the queue empty; it looks away this long, then
   looks this often. */
#define STREAM_STREAK 8
#define STREAM_QUIET_NS 4000
#define STREAM_POLL_NS 500

typedef struct queue_body {
  mproc_lockword_t put_lock; /*    0 */
  uint64_t tail;             /*   16 */
  uint64_t puts;             /*   24 */
  uint64_t put_intent_tail;  /*   32 commit intent: the tail a put in progress commits */
  uint64_t put_intent_puts;  /*   40 ... and its puts */
  char pad0[80];
  mproc_lockword_t get_lock; /*  128 */
  uint64_t head;             /*  144 */
  uint64_t gets;             /*  152 */
  uint64_t get_intent_head;  /*  160 commit intent: the head a get in progress commits */
  uint64_t get_intent_gets;  /*  168 ... and its gets */
  char pad1[80];
  uint32_t not_empty_seq;    /*  256 */
  uint32_t not_empty_waiters;
  char pad2[120];
  uint32_t not_full_seq;     /*  384 */
  uint32_t not_full_waiters;
  char pad3[120];
  uint64_t capacity;         /*  512 */
  uint32_t max_message;      /*  520 */
  uint32_t flags;            /*  524 */
  uint64_t max_count;        /*  528 */
  char pad4[104];
  uint64_t tasks_done;       /*  640 joinable queues: task_done calls (futex word: low half) */
  uint32_t joiners;          /*  648 */
  char pad5[372];
} queue_body_t;

#define FLAG_JOINABLE 1u
#define FLAG_ONE_TO_ONE 2u
#define FLAG_TASK_COUNT 4u /* joinable, unfinished = committed puts - tasks_done (layout 3.1) */
#define FLAG_ARMED_WAKE 8u /* one-to-one, a sleeper arms its sequence word (layout 3.2) */

_Static_assert(offsetof(queue_body_t, tail) == 16, "tail at 16");
_Static_assert(offsetof(queue_body_t, put_intent_tail) == 32, "put intent at 32");
_Static_assert(offsetof(queue_body_t, get_lock) == 128, "get lock at 128");
_Static_assert(offsetof(queue_body_t, get_intent_head) == 160, "get intent at 160");
_Static_assert(offsetof(queue_body_t, head) == 144, "head at 144");
_Static_assert(offsetof(queue_body_t, not_empty_seq) == 256, "not_empty at 256");
_Static_assert(offsetof(queue_body_t, not_full_seq) == 384, "not_full at 384");
_Static_assert(offsetof(queue_body_t, capacity) == 512, "capacity at 512");
_Static_assert(offsetof(queue_body_t, max_count) == 528, "max_count at 528");
_Static_assert(offsetof(queue_body_t, tasks_done) == 640, "tasks_done at 640");
_Static_assert(offsetof(queue_body_t, joiners) == 648, "joiners at 648");
_Static_assert(sizeof(queue_body_t) == MPROC_QUEUE_RING_OFFSET, "ring at 1024");

struct mproc_queue {
  mproc_segment_t *seg;
  queue_body_t *b;
  unsigned char *ring;
  uint64_t mask;
  uint32_t max_message;
  uint64_t max_count;
  bool joinable;
  bool one;            /* one-to-one: no locks per message (see the one-to-one section) */
  int roles;           /* one-to-one: MPROC_QUEUE_PRODUCER | MPROC_QUEUE_CONSUMER held */
  uint64_t head_cache; /* producers: a lower bound of head (it only grows) */
  uint64_t tail_cache; /* consumers: a lower bound of tail */
  uint64_t gets_cache; /* one-to-one producer: a lower bound of the committed gets */
  unsigned lap_shift;  /* log2(capacity): a position's lap is pos >> lap_shift */
  _Atomic uint64_t taken_at_empty; /* consumers: gets when a get of this handle last found
                                      the queue empty (see found_empty) */
  _Atomic uint64_t woke_at_head;   /* producers: head | 1 when this handle last woke the
                                      queue's only sleeping consumer with a message untaken,
                                      else 0 (see notify_consumers) */
  mproc__spin_t spin[2];           /* waits: this handle's adaptive spinning (internal.h), for
                                      data [0] and for room [1]: a put blocked on a full queue
                                      does not back off this handle's gets, nor they its puts */
};

static uint64_t rec_size(uint32_t len) { return ((uint64_t)len + REC_HDR + 7) & ~(uint64_t)7; }

/* A zero timeout never waits: its deadline is any past instant, so no clock read (a clock
   read is 20-30 ns here, more than a whole put; try-puts and polls are hot loops). */
static int64_t deadline_of(int64_t timeout_ns) {
  if (timeout_ns == 0)
    return 0;
  return timeout_ns > 0 ? mproc_now_ns() + timeout_ns : INT64_MAX;
}

static int64_t left_of(int64_t deadline) {
  if (deadline == INT64_MAX)
    return MPROC_FOREVER;
  int64_t left = deadline - mproc_now_ns();
  return left > 0 ? left : 0;
}

static uint32_t state(const mproc_queue_t *q) {
  return atomic_load_explicit(MPROC__A32(&((mproc_header_t *)mproc_segment_base(q->seg))->state),
                              memory_order_acquire);
}

static void set_state(mproc_queue_t *q, uint32_t s) {
  mproc_header_t *h = mproc_segment_base(q->seg);
  atomic_store_explicit(MPROC__A32(&h->state), s, memory_order_release);
  /* Everyone asleep must look at the new state. Adding 2 keeps a one-to-one sleeper's arming
     bit (see wait_for): whoever was armed stays so, and the next commit wakes it again, once. */
  atomic_fetch_add_explicit(MPROC__A32(&q->b->not_empty_seq), 2, memory_order_release);
  atomic_fetch_add_explicit(MPROC__A32(&q->b->not_full_seq), 2, memory_order_release);
  mproc_wake32(&q->b->not_empty_seq, INT_MAX, NULL);
  mproc_wake32(&q->b->not_full_seq, INT_MAX, NULL);
}

/*
 * Each side commits two words, a position (tail, head: the commit point) and a count (puts,
 * gets), which no single store can change together. So it first records its intent, the count
 * before the commit and then the new position, and then stores the new count and the new
 * position. A process killed between its intent and its position store leaves the intent ahead
 * of the position, and the next holder of the lock puts the count back to the intent's: the
 * position was not stored, so the put or the get did not happen (a killed producer's message is
 * not published; a killed consumer's message stays queued for the next one). Without this a
 * process killed between its two stores left `size` wrong for ever. The intent holds the count
 * from before rather than the new one (layout 2.0) so that one commit may cover several records
 * (Java's batches): the repair never needs to know how many.
 *
 * An intent behind the position is ignored: a queue written by a version without intents keeps
 * them at zero. A stale intent count (killed before its intent position) is never read: the
 * next commit overwrites it before it stores a new intent position.
 */
static void commit(uint64_t *intent_pos, uint64_t *intent_count, uint64_t *pos, uint64_t *count,
                   uint64_t new_pos, uint64_t new_count) {
  uint64_t old = atomic_load_explicit(MPROC__A64(count), memory_order_relaxed);
  atomic_store_explicit(MPROC__A64(intent_count), old, memory_order_relaxed);
  atomic_store_explicit(MPROC__A64(intent_pos), new_pos, memory_order_release);
  atomic_store_explicit(MPROC__A64(count), new_count, memory_order_release);
  atomic_store_explicit(MPROC__A64(pos), new_pos, memory_order_release);
}

/*
 * 1 if an intent position is that of a commit begun and not finished: ahead of the position by
 * at most the ring. Anything else (behind, or absurdly far ahead) is no intent at all, and the
 * locked and the unlocked readers must agree on that, or a put that sees room unlocked and none
 * locked would retry for ever.
 */
static bool pending(uint64_t intent_pos, uint64_t pos, uint64_t cap) {
  return intent_pos > pos && intent_pos - pos <= cap;
}

/* Undoes the count of a commit a dead lock holder began and did not finish (see commit). */
static void undo_commit(mproc_queue_t *q, uint64_t *intent_pos, uint64_t *intent_count,
                        uint64_t *pos, uint64_t *count) {
  uint64_t want = atomic_load_explicit(MPROC__A64(intent_pos), memory_order_acquire);
  uint64_t now = atomic_load_explicit(MPROC__A64(pos), memory_order_relaxed);
  if (!pending(want, now, q->mask + 1))
    return;
  /* Idempotent: a repairer killed half-way is repaired by the next one the same way. */
  atomic_store_explicit(MPROC__A64(count),
                        atomic_load_explicit(MPROC__A64(intent_count), memory_order_relaxed),
                        memory_order_release);
  atomic_store_explicit(MPROC__A64(intent_pos), now, memory_order_release);
}

/*
 * A side's committed count, read without its lock: the count, or the intent's count while a
 * commit is pending (in progress, or left by a process killed there and not yet undone), since
 * its new count may be stored already. Exact whenever the side is quiet, dead holders included.
 * The reads go count, position, intent position, intent count (each acquire), against the
 * writer's intent count, intent position, count, position: a count read new implies an intent
 * position read new, hence pending (until the position is stored) and an intent count read
 * from before.
 */
static uint64_t committed(const mproc_queue_t *q, const uint64_t *intent_pos,
                          const uint64_t *intent_count, const uint64_t *pos,
                          const uint64_t *count) {
  for (;;) {
    uint64_t c = atomic_load_explicit(MPROC__A64(count), memory_order_acquire);
    uint64_t p = atomic_load_explicit(MPROC__A64(pos), memory_order_acquire);
    uint64_t ip = atomic_load_explicit(MPROC__A64(intent_pos), memory_order_acquire);
    uint64_t ic = atomic_load_explicit(MPROC__A64(intent_count), memory_order_relaxed);
    if (pending(ip, p, q->mask + 1))
      return ic;
    /* Nothing pending now. A repairer may have undone a dead holder's count between our
       count and intent reads (count back, then the intent cleared): c is then the dead
       count. The count read again tells; if it moved, read it all again. */
    if (atomic_load_explicit(MPROC__A64(count), memory_order_acquire) == c)
      return c;
  }
}

static uint64_t load_header(const mproc_queue_t *q, uint64_t idx) {
  return atomic_load_explicit(MPROC__A64(q->ring + idx), memory_order_acquire);
}

/*
 * One-to-one queues: whether the put pending at tail `t` (its intent ahead of `t`) is published.
 * Its commit point is its first header, at `t`, stored after `puts`: nonzero there, or already
 * consumed (head beyond t), means it happened and only the tail store is missing.
 */
static bool one_put_published(const mproc_queue_t *q, uint64_t t) {
  if ((t & 7) != 0)
    return false;
  if (load_header(q, t & q->mask) != 0)
    return true;
  return atomic_load_explicit(MPROC__A64(&q->b->head), memory_order_acquire) > t;
}

/*
 * Committed puts. On a one-to-one queue the commit point of a put is its first header, not the
 * tail store after it: a pending put that is published counts (`puts` was stored before the
 * header, so reading it after the header reads it new).
 */
static uint64_t committed_puts(const mproc_queue_t *q) {
  const queue_body_t *b = q->b;
  if (!q->one)
    return committed(q, &b->put_intent_tail, &b->put_intent_puts, &b->tail, &b->puts);
  for (;;) {
    uint64_t c = atomic_load_explicit(MPROC__A64(&b->puts), memory_order_acquire);
    uint64_t t = atomic_load_explicit(MPROC__A64(&b->tail), memory_order_acquire);
    uint64_t it = atomic_load_explicit(MPROC__A64(&b->put_intent_tail), memory_order_acquire);
    uint64_t ic = atomic_load_explicit(MPROC__A64(&b->put_intent_puts), memory_order_relaxed);
    if (!pending(it, t, q->mask + 1)) {
      /* As in committed: a repair's undo may have come between our reads. */
      if (atomic_load_explicit(MPROC__A64(&b->puts), memory_order_acquire) == c)
        return c;
      continue;
    }
    if (!one_put_published(q, t))
      return ic;
    /* Published: puts read now is that put's count, unless the producer finished it and
       stored the next put's count as well; then tail has moved, and we read it all again. */
    c = atomic_load_explicit(MPROC__A64(&b->puts), memory_order_acquire);
    if (atomic_load_explicit(MPROC__A64(&b->tail), memory_order_acquire) == t)
      return c;
  }
}

static uint64_t committed_gets(const mproc_queue_t *q) {
  const queue_body_t *b = q->b;
  return committed(q, &b->get_intent_head, &b->get_intent_gets, &b->head, &b->gets);
}

/*
 * Takes one of the queue's locks. A takeover from a dead owner is a success here once the dead
 * owner's half-made commit, if any, is undone (see commit). With timeout 0 a busy lock is
 * MPROC_EAGAIN, which callers must not confuse with a full or empty queue.
 */
static int take(mproc_queue_t *q, mproc_lockword_t *lw, int64_t deadline, bool nowait) {
  int rc = mproc__lock_acquire(q->seg, lw, nowait ? MPROC_NO_WAIT : left_of(deadline));
  if (rc == MPROC_EOWNERDEAD) {
    queue_body_t *b = q->b;
    if (lw == &b->put_lock)
      undo_commit(q, &b->put_intent_tail, &b->put_intent_puts, &b->tail, &b->puts);
    else
      undo_commit(q, &b->get_intent_head, &b->get_intent_gets, &b->head, &b->gets);
    return 0;
  }
  if (rc == MPROC_ETIMEDOUT && nowait)
    return MPROC_EAGAIN;
  return rc;
}

/*
 * Wakes sleepers of a condition if anyone sleeps, one per message (or room for one) made
 * available, at most as many as sleep: one load when nobody does.
 */
static void notify(uint32_t *seq, uint32_t *waiters, uint32_t n) {
  uint32_t w = atomic_load_explicit(MPROC__A32(waiters), memory_order_seq_cst);
  if (w != 0) {
    atomic_fetch_add_explicit(MPROC__A32(seq), 1, memory_order_release);
    mproc_wake32(seq, (int)(n < w ? n : w), NULL);
  }
}

/*
 * notify() for the consumers of a locked queue after a put that committed up to `end`, without
 * the wake-ups that can only be redundant. A woken consumer takes a while to run (a few to tens
 * of microseconds here), and it counts as waiting until it does; a producer that streams
 * meanwhile would wake it again with every put, a system call each (1.1-1.4 us on this
 * project's VM, see docs/benchmarks.md), several per sleep in the measured streams.
 *
 * So a wake at a waiter count of 1 remembers `head` if it was then below `end`: the queue held
 * a message nobody had taken. A later put that finds the count still 1 and `head` still there
 * skips its wake: nothing has been taken since, so the queue has not been empty since, and no
 * consumer can have gone to sleep since (each re-checks after raising the count); the one
 * asleep then is the one woken, still on its way. `head` is a get's commit point and never
 * moves back, so a stale read only makes the test fail. Without the check against `end`
 * (review of 1ae5346) another consumer could have emptied the queue before `head` was read,
 * the woken one then slept again, and the next put skipped the wake it needed.
 *
 * Not for consumers woken for room (a producer woken for a large message may find the room
 * still short and sleep again with nothing committed), nor one-to-one queues (which arm their
 * sequence word instead; see notify_one).
 */
static void notify_consumers(mproc_queue_t *q, uint32_t n, uint64_t end) {
  queue_body_t *b = q->b;
  uint32_t w = atomic_load_explicit(MPROC__A32(&b->not_empty_waiters), memory_order_seq_cst);
  if (w == 0)
    return;
  uint64_t h = atomic_load_explicit(MPROC__A64(&b->head), memory_order_acquire);
  if (w == 1 && atomic_load_explicit(&q->woke_at_head, memory_order_relaxed) == (h | 1))
    return;
  atomic_store_explicit(&q->woke_at_head, w == 1 && (int64_t)(end - h) > 0 ? h | 1 : 0,
                        memory_order_relaxed);
  atomic_fetch_add_explicit(MPROC__A32(&b->not_empty_seq), 1, memory_order_release);
  mproc_wake32(&b->not_empty_seq, (int)(n < w ? n : w), NULL);
}

/*
 * A get of this handle found the queue empty: whether it comes after a stream, that is, at
 * least STREAM_STREAK messages were taken (by anyone) since a get of this handle last found it
 * empty. Every empty result counts, a zero timeout's too: a binding that spins on its own and
 * then asks with a zero timeout before it waits (Java's SharedQueue) has had its look, so its
 * wait is never taken for one after a stream. Threads sharing a handle race on the word, which
 * only blurs the test (hence the signed difference: another thread may store a newer count
 * between this one's two accesses).
 */
static bool found_empty(mproc_queue_t *q) {
  uint64_t g = atomic_load_explicit(MPROC__A64(&q->b->gets), memory_order_relaxed);
  uint64_t last = atomic_exchange_explicit(&q->taken_at_empty, g, memory_order_relaxed);
  return (int64_t)(g - last) >= STREAM_STREAK;
}

/*
 * Waits for a condition that `ready` re-checks, spinning first, then sleeping on the sequence
 * word. The waiter count is raised before the re-check, and the notifier reads it after its
 * commit and a full barrier (its lock release), so a notification is never missed.
 *
 * A get after a stream (`stream`, see found_empty) spins differently: the producer is most
 * likely writing the next record at that moment, into the cache line a consumer that looks
 * would take from it, so each look costs the producer a line transfer; between the two CPUs
 * of this machine in its slow placement such looks slowed a whole stream below what the
 * consumer could take. Such a get first looks away for STREAM_QUIET_NS, then looks every
 * STREAM_POLL_NS, and so takes what came as a run of records. A message that comes just after
 * a stream may wait up to STREAM_QUIET_NS longer; a request after a reply (few messages
 * between waits) is looked for continuously, as before.
 */
static int wait_for(mproc_queue_t *q, uint32_t *seq, uint32_t *waiters,
                    bool (*ready)(mproc_queue_t *, uint32_t), uint32_t arg, int64_t deadline,
                    bool stream) {
  /* Spin for a few microseconds first (no longer than the deadline): a peer that answers
     within a round trip (about 2 us from a JVM) is then met without a system call on either
     side. Adaptive (internal.h): not while spinning keeps failing, as it does when the CPUs
     are oversubscribed. */
  mproc__spin_t *sp = &q->spin[seq == &q->b->not_full_seq];
  if (mproc__spin_allowed(sp)) {
    int64_t now = mproc_now_ns(), spin_end = now + SPIN_NS;
    if (deadline < spin_end)
      spin_end = deadline;
    if (stream) {
      for (int64_t next = now + STREAM_QUIET_NS;; next = now + STREAM_POLL_NS) {
        while ((now = mproc_now_ns()) < next && now < spin_end)
          MPROC__PAUSE();
        if (ready(q, arg)) {
          mproc__spin_result(sp, true);
          return 0;
        }
        if (now >= spin_end)
          break;
      }
    } else {
      for (int i = 0;; i++) {
        if (ready(q, arg)) {
          mproc__spin_result(sp, true);
          return 0;
        }
        MPROC__PAUSE();
        if ((i & 63) == 63 && mproc_now_ns() >= spin_end)
          break;
      }
    }
    mproc__spin_result(sp, false);
  } else if (ready(q, arg)) {
    return 0;
  }
  atomic_fetch_add_explicit(MPROC__A32(waiters), 1, memory_order_seq_cst);
  int64_t slice_max = 100000000;
  int rc = 0;
  bool armed = false;
  for (;;) {
    uint32_t s = atomic_load_explicit(MPROC__A32(seq), memory_order_acquire);
    if (ready(q, arg))
      break;
    if (q->one && (s & 1) == 0) {
      /* One-to-one (layout 3.2): arm the word, which the other side's next commit disarms with
         its wake-up (notify_one); a CAS, so a full barrier. That side reads the word without a
         fence after its commit, so a commit whose read came before our arming may still sit in
         its CPU's store buffer, invisible to our check. Such a store drains within a few
         cache-line transfers: outlast it by looking for a few microseconds, and should one ever
         take longer, the sleep after an arming is short. */
      if (!atomic_compare_exchange_strong_explicit(MPROC__A32(seq), &s, s | 1,
                                                   memory_order_seq_cst, memory_order_acquire))
        continue;
      s |= 1;
      armed = true;
      int64_t end = mproc_now_ns() + ONE_SETTLE_NS;
      while (!ready(q, arg) && mproc_now_ns() < end)
        MPROC__PAUSE();
      slice_max = ONE_FIRST_SLEEP_NS;
      if (ready(q, arg))
        break;
    }
    int64_t left = left_of(deadline);
    if (left == 0) {
      rc = MPROC_ETIMEDOUT;
      break;
    }
    /* Sleep in slices: a peer that died between its commit and its notification must not
       leave us asleep for ever. */
    int64_t slice = left < 0 || left > slice_max ? slice_max : left;
    mproc_wait32(seq, s, slice);
    slice_max = 100000000;
  }
  /* Leaving armed with no wake-up taken (what we waited for came during the settling look, or
     the deadline): disarm, so that the next commit makes no wake-up call for nobody. The CAS
     fails if that commit's notify_one (or a state change) moved the word first. */
  if (armed) {
    uint32_t s = atomic_load_explicit(MPROC__A32(seq), memory_order_relaxed);
    if ((s & 1) != 0)
      atomic_compare_exchange_strong_explicit(MPROC__A32(seq), &s, s + 1, memory_order_relaxed,
                                              memory_order_relaxed);
  }
  atomic_fetch_sub_explicit(MPROC__A32(waiters), 1, memory_order_relaxed);
  return rc;
}

static bool has_room_one(mproc_queue_t *q, uint32_t need);
static bool has_message_one(mproc_queue_t *q, uint32_t unused);

static bool has_room(mproc_queue_t *q, uint32_t need) {
  if (q->one)
    return has_room_one(q, need);
  if (state(q) != MPROC_STATE_READY)
    return true; /* let the caller see the new state */
  uint64_t t = atomic_load_explicit(MPROC__A64(&q->b->tail), memory_order_acquire);
  uint64_t h = atomic_load_explicit(MPROC__A64(&q->b->head), memory_order_acquire);
  if (q->max_count != 0) {
    uint64_t g = committed_gets(q);
    uint64_t p = committed_puts(q);
    if (p - g >= q->max_count)
      return false;
  }
  uint64_t cap = q->mask + 1, idx = t & q->mask;
  uint64_t pad = idx + need > cap ? cap - idx : 0;
  return t + pad + need - h <= cap;
}

static bool has_message(mproc_queue_t *q, uint32_t unused) {
  (void)unused;
  if (state(q) != MPROC_STATE_READY)
    return true;
  return atomic_load_explicit(MPROC__A64(&q->b->tail), memory_order_acquire) !=
         atomic_load_explicit(MPROC__A64(&q->b->head), memory_order_acquire);
}

static void put_header(unsigned char *p, uint32_t len, uint32_t type) {
  memcpy(p, &len, 4);
  memcpy(p + 4, &type, 4);
}

/* ---- One-to-one queues ------------------------------------------------------------------
 *
 * One producer handle and one consumer handle at a time (their roles are the two lock words,
 * held from the first call until released), so no lock per message. The commit point of a put
 * is one release store of its first record's 8-byte header into the slot at `tail`, which is
 * zero until then (each put zeroes the slot after its last record first); a consumer polls the
 * header at `head` and never reads `tail`, so the two sides share only the ring lines and the
 * rare waiter counts. Neither side executes a fence or an atomic read-modify-write per message:
 * a locked instruction waits for the store buffer, and with it for the cache line the peer is
 * polling, which is what held the locked protocol to one line transfer per message (a C
 * prototype on this machine: 45-50 M msgs/s without, 8-9 M with one local CAS per message, the
 * locked queue 14 M). A sleeper pays instead (wait_for): a remote barrier (membarrier
 * MEMBARRIER_CMD_GLOBAL_EXPEDITED) would make that exact, but costs ~60 us on this virtual
 * machine when the peer runs, more than a whole futex round trip. The layout and the crash
 * argument are in mproc.h.
 */

/*
 * A one-to-one record header: u32 length, then u32 type | lap << 2, the lap being that of the
 * record's position (pos >> log2(capacity), 30 bits). A consumer accepts a header only with
 * the lap of its position, so a ring another process scribbled on yields at most one lap of
 * records, never an endless cycle of the same ones (the locked queue bounds that by `tail`).
 */
static uint64_t header_word(const mproc_queue_t *q, uint64_t pos, uint32_t len, uint32_t type) {
  uint32_t lap = (uint32_t)(pos >> q->lap_shift) & 0x3fffffffu;
  return (uint64_t)len | ((uint64_t)(type | lap << 2) << 32);
}

/* The type of a header read at pos, or 0 when its lap stamp is not pos's. */
static uint32_t header_type(const mproc_queue_t *q, uint64_t pos, uint64_t hw) {
  uint32_t w = (uint32_t)(hw >> 32);
  return (w >> 2) == ((uint32_t)(pos >> q->lap_shift) & 0x3fffffffu) ? (w & 3u) : 0;
}

/*
 * A one-to-one queue's wake-up after a commit: only if the other side's sequence word is armed
 * (odd: its one sleeper set bit 0 since the last wake-up, see wait_for), and then it disarms the
 * word (odd + 1 is even) and wakes that sleeper. So a sleeper costs one wake-up system call
 * however many commits come before it runs again, where a waiter count costs one per commit.
 * Without the full barrier notify has (the commit was a plain release store): only the compiler
 * is kept from reading the word before the commit; the sleeper's side of the bargain is in
 * wait_for. A failed CAS means the word moved (a state change added 2): the sleeper was woken.
 */
static void notify_one(uint32_t *seq) {
  atomic_signal_fence(memory_order_seq_cst);
  uint32_t s = atomic_load_explicit(MPROC__A32(seq), memory_order_relaxed);
  if ((s & 1) != 0 &&
      atomic_compare_exchange_strong_explicit(MPROC__A32(seq), &s, s + 1, memory_order_release,
                                              memory_order_relaxed))
    mproc_wake32(seq, INT_MAX, NULL); /* one sleeper: the side's role holder */
}

/* A producer taking the role over: did the dead holder's put happen (see mproc.h)? */
static void repair_put(mproc_queue_t *q) {
  queue_body_t *b = q->b;
  uint64_t t = atomic_load_explicit(MPROC__A64(&b->tail), memory_order_acquire);
  uint64_t it = atomic_load_explicit(MPROC__A64(&b->put_intent_tail), memory_order_acquire);
  if (!pending(it, t, q->mask + 1))
    return;
  if (one_put_published(q, t)) {
    /* Published (puts was stored before): finish it. */
    atomic_store_explicit(MPROC__A64(&b->tail), it, memory_order_release);
  } else {
    atomic_store_explicit(MPROC__A64(&b->puts),
                          atomic_load_explicit(MPROC__A64(&b->put_intent_puts),
                                               memory_order_relaxed),
                          memory_order_release);
    atomic_store_explicit(MPROC__A64(&b->put_intent_tail), t, memory_order_release);
  }
}

/* A consumer taking the role over: a get whose head store did not happen did not happen. */
static void repair_get(mproc_queue_t *q) {
  queue_body_t *b = q->b;
  undo_commit(q, &b->get_intent_head, &b->get_intent_gets, &b->head, &b->gets);
}

static int claim_role(mproc_queue_t *q, int role) {
  if (q->roles & role)
    return 0;
  queue_body_t *b = q->b;
  mproc_lockword_t *lw = role == MPROC_QUEUE_PRODUCER ? &b->put_lock : &b->get_lock;
  _Atomic uint32_t *w = MPROC__A32(&lw->word);
  const uint32_t me = q->seg->owner_word;
  uint32_t v = 0;
  if (!atomic_compare_exchange_strong_explicit(w, &v, me, memory_order_acquire,
                                               memory_order_relaxed) &&
      (v & ~MPROC_LOCK_CONTENDED) != me) {
    /* Held: by a live handle (another process, or another handle of this one), refuse; by a
       dead one, take it over from exactly the word judged dead. */
    if (!mproc__owner_dead(q->seg, v) ||
        !atomic_compare_exchange_strong_explicit(w, &v, me, memory_order_acquire,
                                                 memory_order_relaxed))
      return MPROC_EROLE;
    atomic_fetch_add_explicit(MPROC__A32(&lw->epoch), 1, memory_order_relaxed);
  }
  /* Repair whenever the role is taken: a clean release leaves nothing pending. */
  if (role == MPROC_QUEUE_PRODUCER) {
    repair_put(q);
    q->head_cache = atomic_load_explicit(MPROC__A64(&b->head), memory_order_acquire);
    q->gets_cache = committed_gets(q);
  } else {
    repair_get(q);
  }
  q->roles |= role;
  return 0;
}

int mproc_queue_claim(mproc_queue_t *q, int role) {
  if (q == NULL || !q->one || (role != MPROC_QUEUE_PRODUCER && role != MPROC_QUEUE_CONSUMER))
    return MPROC_EINVAL;
  return claim_role(q, role);
}

int mproc_queue_release(mproc_queue_t *q, int role) {
  if (q == NULL || !q->one || (role != MPROC_QUEUE_PRODUCER && role != MPROC_QUEUE_CONSUMER))
    return MPROC_EINVAL;
  if (!(q->roles & role))
    return MPROC_ENOTOWNER;
  q->roles &= ~role;
  return mproc__lock_release(q->seg, role == MPROC_QUEUE_PRODUCER ? &q->b->put_lock
                                                                  : &q->b->get_lock);
}

int mproc_queue_is_one_to_one(const mproc_queue_t *q) { return q != NULL && q->one; }

/* Room for a record of `need` bytes (and its padding) plus the zero slot after it. */
static bool has_room_one(mproc_queue_t *q, uint32_t need) {
  if (state(q) != MPROC_STATE_READY)
    return true;
  uint64_t t = atomic_load_explicit(MPROC__A64(&q->b->tail), memory_order_acquire);
  uint64_t h = atomic_load_explicit(MPROC__A64(&q->b->head), memory_order_acquire);
  if (q->max_count != 0 && committed_puts(q) - committed_gets(q) >= q->max_count)
    return false;
  uint64_t cap = q->mask + 1, idx = t & q->mask;
  uint64_t pad = idx + need > cap ? cap - idx : 0;
  return t + pad + need + REC_HDR - h <= cap;
}

static bool has_message_one(mproc_queue_t *q, uint32_t unused) {
  (void)unused;
  if (state(q) != MPROC_STATE_READY)
    return true;
  uint64_t h = atomic_load_explicit(MPROC__A64(&q->b->head), memory_order_relaxed);
  return load_header(q, h & q->mask) != 0;
}

static inline __attribute__((always_inline)) int
put_one(mproc_queue_t *q, const unsigned char *buf, const uint32_t *lens, uint32_t count,
        uint32_t *done, int64_t timeout_ns) {
  if (!(q->roles & MPROC_QUEUE_PRODUCER)) {
    int rc = claim_role(q, MPROC_QUEUE_PRODUCER);
    if (rc < 0)
      return rc;
  }
  queue_body_t *b = q->b;
  const uint64_t cap = q->mask + 1;
  const int64_t deadline = deadline_of(timeout_ns);
  for (;;) {
    uint32_t st = state(q);
    if (st != MPROC_STATE_READY)
      return st == MPROC_STATE_CLOSED ? MPROC_ECLOSED : MPROC_ECORRUPT;
    /* Only this handle writes tail and puts. */
    uint64_t t = atomic_load_explicit(MPROC__A64(&b->tail), memory_order_relaxed);
    uint64_t puts = atomic_load_explicit(MPROC__A64(&b->puts), memory_order_relaxed);
    if ((t & 7) != 0) {
      set_state(q, MPROC_STATE_POISONED);
      return MPROC_ECORRUPT;
    }
    uint64_t pos = t, first = 0;
    uint32_t n = 0;
    size_t off = 0;
    for (; n < count; n++) {
      uint32_t len = lens[n];
      uint64_t rec = rec_size(len), idx = pos & q->mask;
      uint64_t pad = idx + rec > cap ? cap - idx : 0;
      bool room = pos + pad + rec + REC_HDR - q->head_cache <= cap;
      if (!room) {
        q->head_cache = atomic_load_explicit(MPROC__A64(&b->head), memory_order_acquire);
        room = pos + pad + rec + REC_HDR - q->head_cache <= cap;
      }
      if (room && q->max_count != 0 && puts + n - q->gets_cache >= q->max_count) {
        q->gets_cache = committed_gets(q);
        room = puts + n - q->gets_cache < q->max_count;
      }
      if (!room)
        break;
      if (pad != 0) {
        uint64_t hw = header_word(q, pos, (uint32_t)(pad - REC_HDR), REC_PAD);
        if (pos == t)
          first = hw;
        else
          atomic_store_explicit(MPROC__A64(q->ring + idx), hw, memory_order_relaxed);
      }
      uint64_t at = (pos + pad) & q->mask;
      if (len > 0)
        memcpy(q->ring + at + REC_HDR, buf + off, len);
      uint64_t hw = header_word(q, pos + pad, len, REC_MSG);
      if (pos + pad == t)
        first = hw;
      else
        atomic_store_explicit(MPROC__A64(q->ring + at), hw, memory_order_relaxed);
      off += len;
      pos += pad + rec;
    }
    if (n > 0) {
      /* The slot after the last record stays zero until the next put publishes there. */
      atomic_store_explicit(MPROC__A64(q->ring + (pos & q->mask)), 0, memory_order_relaxed);
      atomic_store_explicit(MPROC__A64(&b->put_intent_puts), puts, memory_order_relaxed);
      atomic_store_explicit(MPROC__A64(&b->put_intent_tail), pos, memory_order_release);
      atomic_store_explicit(MPROC__A64(&b->puts), puts + n, memory_order_release);
      /* The commit point. */
      atomic_store_explicit(MPROC__A64(q->ring + (t & q->mask)), first, memory_order_release);
      atomic_store_explicit(MPROC__A64(&b->tail), pos, memory_order_release);
      notify_one(&b->not_empty_seq);
      *done = n;
      return 0;
    }
    if (timeout_ns == 0)
      return MPROC_ETIMEDOUT;
    if (left_of(deadline) == 0)
      return MPROC_ETIMEDOUT;
    int rc = wait_for(q, &b->not_full_seq, &b->not_full_waiters, has_room,
                      (uint32_t)rec_size(lens[0]), deadline, false);
    if (rc != 0)
      return rc;
  }
}

/*
 * The get, batch get and peek of a one-to-one queue: waits for a message, then takes up to
 * `max` that fit in out (one when peeking) and commits them with one store of head.
 */
static inline __attribute__((always_inline)) int
get_one(mproc_queue_t *q, unsigned char *out, size_t cap_buf, uint32_t *lens, uint32_t max,
        uint32_t *got, int64_t timeout_ns, bool remove) {
  if (!(q->roles & MPROC_QUEUE_CONSUMER)) {
    int rc = claim_role(q, MPROC_QUEUE_CONSUMER);
    if (rc < 0)
      return rc;
  }
  queue_body_t *b = q->b;
  const uint64_t cap = q->mask + 1;
  const int64_t deadline = deadline_of(timeout_ns);
  for (;;) {
    if (state(q) == MPROC_STATE_POISONED)
      return MPROC_ECORRUPT;
    uint64_t h = atomic_load_explicit(MPROC__A64(&b->head), memory_order_relaxed);
    uint64_t start = h;
    uint32_t n = 0;
    size_t off = 0;
    bool bad = (h & 7) != 0;
    while (!bad && n < max) {
      uint64_t idx = h & q->mask, at = h, hw = load_header(q, idx);
      if (hw == 0)
        break;
      uint32_t type = header_type(q, h, hw);
      if (type == REC_PAD) {
        /* The producer publishes the padding after the message at 0: it must be there. */
        if ((uint32_t)hw + REC_HDR != cap - idx) {
          bad = true;
          break;
        }
        at = h + cap - idx;
        idx = 0;
        hw = load_header(q, 0);
        type = header_type(q, at, hw);
      }
      uint32_t l = (uint32_t)hw;
      uint64_t rec = rec_size(l);
      if (type != REC_MSG || l > q->max_message || idx + rec > cap) {
        bad = true;
        break;
      }
      if (l > cap_buf - off) {
        if (n > 0)
          break; /* it stays queued for the next call */
        lens[0] = l;
        return MPROC_ETOOSMALL;
      }
      if (l > 0)
        memcpy(out + off, q->ring + idx + REC_HDR, l);
      lens[n++] = l;
      off += l;
      h = at + rec;
      if (!remove)
        break;
    }
    if (bad && n == 0) {
      set_state(q, MPROC_STATE_POISONED);
      return MPROC_ECORRUPT;
    }
    if (n > 0) {
      if (remove) {
        uint64_t gets = atomic_load_explicit(MPROC__A64(&b->gets), memory_order_relaxed);
        atomic_store_explicit(MPROC__A64(&b->get_intent_gets), gets, memory_order_relaxed);
        atomic_store_explicit(MPROC__A64(&b->get_intent_head), h, memory_order_release);
        atomic_store_explicit(MPROC__A64(&b->gets), gets + n, memory_order_release);
        /* The commit point. */
        atomic_store_explicit(MPROC__A64(&b->head), h, memory_order_release);
        notify_one(&b->not_full_seq);
      }
      *got = n;
      return 0;
    }
    if (state(q) == MPROC_STATE_CLOSED && load_header(q, start & q->mask) == 0)
      return MPROC_ECLOSED;
    bool stream = found_empty(q);
    if (timeout_ns == 0 || left_of(deadline) == 0)
      return MPROC_ETIMEDOUT;
    int rc = wait_for(q, &b->not_empty_seq, &b->not_empty_waiters, has_message_one, 0,
                      deadline, stream);
    if (rc != 0)
      return rc;
  }
}

/*
 * The put of one message or a batch: waits for room for the first, then writes as many of the
 * messages as fit under one hold of the put lock and publishes them with one commit. Always
 * inlined, so that the single put compiles to straight code for one record: as a call it made
 * the round trip ~10% longer and the single-message stream ~25% slower (bench_queue against
 * aa1117e, quiet mode).
 */
static inline __attribute__((always_inline)) int
put_many(mproc_queue_t *q, const unsigned char *buf, const uint32_t *lens, uint32_t count,
         uint32_t *done, int64_t timeout_ns) {
  if (q->one)
    return put_one(q, buf, lens, count, done, timeout_ns);
  const uint64_t cap = q->mask + 1;
  const int64_t deadline = deadline_of(timeout_ns);
  for (;;) {
    uint32_t st = state(q);
    if (st != MPROC_STATE_READY)
      return st == MPROC_STATE_CLOSED ? MPROC_ECLOSED : MPROC_ECORRUPT;
    int rc = take(q, &q->b->put_lock, deadline, timeout_ns == 0);
    if (rc != 0)
      return rc;
    uint64_t t = q->b->tail; /* only producers write it, under this lock */
    if ((t & 7) != 0) { /* records are 8-byte aligned: another process scribbled on tail */
      mproc__lock_release(q->seg, &q->b->put_lock);
      set_state(q, MPROC_STATE_POISONED);
      return MPROC_ECORRUPT;
    }
    uint64_t puts = q->b->puts, pos = t;
    uint32_t n = 0;
    size_t off = 0;
    if (state(q) == MPROC_STATE_READY) { /* read under the lock: a batch is one put */
      for (; n < count; n++) {
        uint32_t len = lens[n];
        uint64_t rec = rec_size(len), idx = pos & q->mask;
        uint64_t pad = idx + rec > cap ? cap - idx : 0;
        bool room = pos + pad + rec - q->head_cache <= cap;
        if (!room) {
          q->head_cache = atomic_load_explicit(MPROC__A64(&q->b->head), memory_order_acquire);
          room = pos + pad + rec - q->head_cache <= cap;
        }
        if (room && q->max_count != 0)
          room = puts + n - committed_gets(q) < q->max_count;
        if (!room)
          break;
        if (pad != 0)
          put_header(q->ring + idx, (uint32_t)(pad - REC_HDR), REC_PAD);
        unsigned char *r = q->ring + ((pos + pad) & q->mask);
        put_header(r, len, REC_MSG);
        if (len > 0)
          memcpy(r + REC_HDR, buf + off, len);
        off += len;
        pos += pad + rec;
      }
    }
    if (n > 0) {
      commit(&q->b->put_intent_tail, &q->b->put_intent_puts, &q->b->tail, &q->b->puts, pos,
             puts + n);
      mproc__lock_release(q->seg, &q->b->put_lock); /* an exchange: a full barrier */
      notify_consumers(q, n, pos);
      *done = n;
      return 0;
    }
    mproc__lock_release(q->seg, &q->b->put_lock);
    if (timeout_ns == 0)
      return state(q) == MPROC_STATE_READY ? MPROC_ETIMEDOUT : MPROC_ECLOSED;
    /* The room a waiter saw was taken first: retry only while there is time left. */
    if (left_of(deadline) == 0)
      return MPROC_ETIMEDOUT;
    if ((rc = wait_for(q, &q->b->not_full_seq, &q->b->not_full_waiters, has_room,
                       (uint32_t)rec_size(lens[0]), deadline, false)) != 0)
      return rc;
  }
}

int mproc_queue_put(mproc_queue_t *q, const void *buf, uint32_t len, int64_t timeout_ns) {
  if (q == NULL || (buf == NULL && len > 0) || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  if (len > q->max_message)
    return MPROC_EMSGSIZE;
  uint32_t done;
  return put_many(q, buf, &len, 1, &done, timeout_ns);
}

int mproc_queue_put_batch(mproc_queue_t *q, const void *buf, const uint32_t *lens,
                          uint32_t count, uint32_t *done, int64_t timeout_ns) {
  if (q == NULL || lens == NULL || done == NULL || count == 0 || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  *done = 0;
  uint64_t total = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (lens[i] > q->max_message)
      return MPROC_EMSGSIZE;
    total += lens[i];
  }
  if (buf == NULL && total > 0)
    return MPROC_EINVAL;
  return put_many(q, buf, lens, count, done, timeout_ns);
}

/* Marks the queue unusable after finding a malformed record. */
static int poison(mproc_queue_t *q) {
  mproc__lock_release(q->seg, &q->b->get_lock);
  set_state(q, MPROC_STATE_POISONED);
  return MPROC_ECORRUPT;
}

/*
 * Under the get lock: validates the record at position h (below the tail t; a padding record
 * there is skipped) and tells its length, where its payload starts in the ring, and the
 * position after it. -1 for a malformed record (the caller poisons the queue).
 */
static inline __attribute__((always_inline)) int
parse_record(const mproc_queue_t *q, uint64_t h, uint64_t t, uint32_t *len, uint64_t *at,
             uint64_t *next) {
  const uint64_t cap = q->mask + 1;
  /* Everything between head and tail was written by a producer that completed its put; still,
     the bytes are another process's, so check them before trusting them. */
  if (t - h > cap || (h & 7) != 0)
    return -1;
  uint32_t l, type;
  uint64_t idx = h & q->mask;
  memcpy(&l, q->ring + idx, 4);
  memcpy(&type, q->ring + idx + 4, 4);
  if (type == REC_PAD) {
    if ((uint64_t)l + REC_HDR != cap - idx || h + cap - idx > t)
      return -1;
    h += cap - idx;
    idx = 0;
    memcpy(&l, q->ring, 4);
    memcpy(&type, q->ring + 4, 4);
  }
  uint64_t rec = rec_size(l);
  if (type != REC_MSG || l > q->max_message || h + rec > t || idx + rec > cap)
    return -1;
  *len = l;
  *at = idx + REC_HDR;
  *next = h + rec;
  return 0;
}

/*
 * A get found nothing at head h and released its lock: MPROC_ECLOSED when the queue is closed
 * and drained (puts stopped before that state, so nothing can arrive any more), MPROC_ETIMEDOUT
 * when no waiting is left, else waits for a message; 0 means look again.
 */
static int await_message(mproc_queue_t *q, uint64_t h, int64_t timeout_ns, int64_t deadline) {
  if (state(q) == MPROC_STATE_CLOSED &&
      atomic_load_explicit(MPROC__A64(&q->b->tail), memory_order_acquire) == h)
    return MPROC_ECLOSED;
  bool stream = found_empty(q);
  if (timeout_ns == 0 || left_of(deadline) == 0)
    return MPROC_ETIMEDOUT;
  return wait_for(q, &q->b->not_empty_seq, &q->b->not_empty_waiters, has_message, 0, deadline,
                  stream);
}

static int receive(mproc_queue_t *q, void *buf, uint32_t cap_buf, uint32_t *len,
                   int64_t timeout_ns, bool remove) {
  if (q == NULL || len == NULL || (buf == NULL && cap_buf > 0) || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  if (q->one) {
    uint32_t got;
    return get_one(q, buf, cap_buf, len, 1, &got, timeout_ns, remove);
  }
  const int64_t deadline = deadline_of(timeout_ns);
  for (;;) {
    if (state(q) == MPROC_STATE_POISONED)
      return MPROC_ECORRUPT;
    int rc = take(q, &q->b->get_lock, deadline, timeout_ns == 0);
    if (rc != 0)
      return rc;
    uint64_t h = q->b->head; /* only consumers write it, under this lock */
    /* The cache may lag behind head when other consumers moved it: refresh it then too. */
    if (q->tail_cache <= h)
      q->tail_cache = atomic_load_explicit(MPROC__A64(&q->b->tail), memory_order_acquire);
    uint64_t t = q->tail_cache;
    if (h != t) {
      uint64_t at, next;
      uint32_t l;
      if (parse_record(q, h, t, &l, &at, &next) != 0)
        return poison(q);
      *len = l;
      if (l > cap_buf) {
        mproc__lock_release(q->seg, &q->b->get_lock);
        return MPROC_ETOOSMALL;
      }
      if (l > 0)
        memcpy(buf, q->ring + at, l);
      if (remove) {
        commit(&q->b->get_intent_head, &q->b->get_intent_gets, &q->b->head, &q->b->gets, next,
               q->b->gets + 1);
      }
      mproc__lock_release(q->seg, &q->b->get_lock);
      if (remove)
        notify(&q->b->not_full_seq, &q->b->not_full_waiters, 1);
      return 0;
    }
    mproc__lock_release(q->seg, &q->b->get_lock);
    if ((rc = await_message(q, h, timeout_ns, deadline)) != 0)
      return rc;
  }
}

int mproc_queue_get(mproc_queue_t *q, void *buf, uint32_t cap, uint32_t *len,
                    int64_t timeout_ns) {
  return receive(q, buf, cap, len, timeout_ns, true);
}

int mproc_queue_peek(mproc_queue_t *q, void *buf, uint32_t cap, uint32_t *len,
                     int64_t timeout_ns) {
  return receive(q, buf, cap, len, timeout_ns, false);
}

int mproc_queue_get_batch(mproc_queue_t *q, void *buf, size_t cap_buf, uint32_t *lens,
                          uint32_t max, uint32_t *got, int64_t timeout_ns) {
  if (q == NULL || lens == NULL || got == NULL || max == 0 || (buf == NULL && cap_buf > 0) ||
      timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  *got = 0;
  if (q->one)
    return get_one(q, buf, cap_buf, lens, max, got, timeout_ns, true);
  /* The first message as a get would take it (waiting, validating, reporting); then the rest
     of what is queued, under the same hold of the lock: so the wait stays in one place. */
  unsigned char *out = buf;
  const int64_t deadline = deadline_of(timeout_ns);
  for (;;) {
    if (state(q) == MPROC_STATE_POISONED)
      return MPROC_ECORRUPT;
    int rc = take(q, &q->b->get_lock, deadline, timeout_ns == 0);
    if (rc != 0)
      return rc;
    uint64_t h = q->b->head, start = h;
    if (q->tail_cache <= h)
      q->tail_cache = atomic_load_explicit(MPROC__A64(&q->b->tail), memory_order_acquire);
    uint32_t n = 0;
    size_t off = 0;
    while (n < max) {
      if (h == q->tail_cache) {
        /* Everything up to the cached tail is taken: more may have come since. */
        q->tail_cache = atomic_load_explicit(MPROC__A64(&q->b->tail), memory_order_acquire);
        if (h == q->tail_cache)
          break;
      }
      uint64_t at, next;
      uint32_t l;
      if (parse_record(q, h, q->tail_cache, &l, &at, &next) != 0) {
        if (n > 0)
          break; /* take what was good; the next get finds the bad record and poisons */
        return poison(q);
      }
      if (l > cap_buf - off) {
        if (n > 0)
          break; /* it stays queued for the next call */
        lens[0] = l;
        mproc__lock_release(q->seg, &q->b->get_lock);
        return MPROC_ETOOSMALL;
      }
      if (l > 0)
        memcpy(out + off, q->ring + at, l);
      lens[n++] = l;
      off += l;
      h = next;
    }
    if (n > 0) {
      commit(&q->b->get_intent_head, &q->b->get_intent_gets, &q->b->head, &q->b->gets, h,
             q->b->gets + n);
      mproc__lock_release(q->seg, &q->b->get_lock);
      notify(&q->b->not_full_seq, &q->b->not_full_waiters, n);
      *got = n;
      return 0;
    }
    mproc__lock_release(q->seg, &q->b->get_lock);
    if ((rc = await_message(q, start, timeout_ns, deadline)) != 0)
      return rc;
  }
}

int mproc_queue_recv(mproc_queue_t *q, void *buf, uint32_t cap, int64_t timeout_ns, int remove) {
  uint32_t len = 0;
  int rc = receive(q, buf, cap, &len, timeout_ns, remove != 0);
  if (rc != 0)
    return rc;
  return len > (uint32_t)INT32_MAX ? MPROC_EMSGSIZE : (int)len;
}

int mproc_queue_shutdown(mproc_queue_t *q) {
  if (q == NULL)
    return MPROC_EINVAL;
  if (state(q) == MPROC_STATE_READY)
    set_state(q, MPROC_STATE_CLOSED);
  return 0;
}

uint64_t mproc_queue_size(const mproc_queue_t *q) {
  /* gets first: a message is put before it is got, so puts read later is never behind. The
     corrections for commits in progress can still cross over by one while both sides move. */
  uint64_t g = committed_gets(q);
  uint64_t p = committed_puts(q);
  return p > g ? p - g : 0;
}

int mproc_queue_is_shutdown(const mproc_queue_t *q) {
  return state(q) != MPROC_STATE_READY;
}

int mproc_queue_is_full(const mproc_queue_t *q) {
  return !has_room((mproc_queue_t *)q, (uint32_t)rec_size(q->max_message));
}

/*
 * Joinable queues count tasks as committed puts minus task_done calls (tasks_done), never with a
 * counter of their own that a put would bump before it commits: a producer killed inside its
 * put then leaves nothing behind for join to wait on, since the crash repair that decides
 * whether the put happened decides the count too.
 */
static _Atomic uint64_t *tasks_done(const mproc_queue_t *q) {
  return MPROC__A64(&q->b->tasks_done);
}

/* The futex word join sleeps on: the low half of tasks_done (little-endian). */
static uint32_t *tasks_done_word(const mproc_queue_t *q) {
  return (uint32_t *)(void *)&q->b->tasks_done;
}

int mproc_queue_task_done(mproc_queue_t *q) {
  if (q == NULL || !q->joinable)
    return MPROC_EINVAL;
  uint64_t v = atomic_load_explicit(tasks_done(q), memory_order_relaxed);
  do {
    if (v >= committed_puts(q))
      return MPROC_ENOTASK;
  } while (!atomic_compare_exchange_weak_explicit(tasks_done(q), &v, v + 1, memory_order_seq_cst,
                                                  memory_order_relaxed));
  /* Against join's joiners increment then read of the counts (both sequentially consistent). */
  if (atomic_load_explicit(MPROC__A32(&q->b->joiners), memory_order_seq_cst) != 0 &&
      v + 1 >= committed_puts(q))
    mproc_wake32(tasks_done_word(q), INT_MAX, NULL);
  return 0;
}

int mproc_queue_join(mproc_queue_t *q, int64_t timeout_ns) {
  if (q == NULL || !q->joinable || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  const int64_t deadline = deadline_of(timeout_ns);
  atomic_fetch_add_explicit(MPROC__A32(&q->b->joiners), 1, memory_order_seq_cst);
  int rc = 0;
  for (;;) {
    uint64_t done = atomic_load_explicit(tasks_done(q), memory_order_seq_cst);
    if (done >= committed_puts(q))
      break;
    int64_t left = left_of(deadline);
    if (left == 0) {
      rc = MPROC_ETIMEDOUT;
      break;
    }
    /* At most 100 ms: a process killed inside task_done, between its increment and its
       wake-up, must not leave us asleep. */
    mproc_wait32(tasks_done_word(q), (uint32_t)done,
                 left < 0 || left > 100000000 ? 100000000 : left);
  }
  atomic_fetch_sub_explicit(MPROC__A32(&q->b->joiners), 1, memory_order_relaxed);
  return rc;
}

uint64_t mproc_queue_unfinished(const mproc_queue_t *q) {
  if (!q->joinable)
    return 0;
  /* tasks_done first: a task is put before it is done, so puts read later is never behind. */
  uint64_t done = atomic_load_explicit(tasks_done(q), memory_order_acquire);
  uint64_t puts = committed_puts(q);
  return puts > done ? puts - done : 0;
}

uint32_t mproc_queue_max_message(const mproc_queue_t *q) { return q->max_message; }

uint64_t mproc_queue_capacity(const mproc_queue_t *q) { return q->mask + 1; }

uint64_t mproc_queue_max_count(const mproc_queue_t *q) { return q->max_count; }

mproc_segment_t *mproc_queue_segment(mproc_queue_t *q) { return q->seg; }

/* Builds the handle over an attached segment, checking the body's fixed fields. */
static int wrap(mproc_segment_t *seg, mproc_queue_t **out) {
  const mproc_header_t *h = mproc_segment_base(seg);
  queue_body_t *b = mproc_segment_data(seg);
  uint64_t cap = b->capacity;
  int err = 0;
  if (cap < MPROC_QUEUE_MIN_CAPACITY || (cap & (cap - 1)) != 0 ||
      h->total_size - h->data_offset < MPROC_QUEUE_RING_OFFSET + cap ||
      2 * rec_size(b->max_message) > cap)
    err = MPROC_ECORRUPT;
  else if ((b->flags & ~(FLAG_JOINABLE | FLAG_ONE_TO_ONE | FLAG_TASK_COUNT | FLAG_ARMED_WAKE)) !=
               0 ||
           !(b->flags & FLAG_JOINABLE) != !(b->flags & FLAG_TASK_COUNT) ||
           !(b->flags & FLAG_ONE_TO_ONE) != !(b->flags & FLAG_ARMED_WAKE))
    err = MPROC_EVERSION; /* a protocol this version does not know (a 3.0 joinable queue, a
                             one-to-one queue of 3.0 or 3.1, too) */
  mproc_queue_t *q = err == 0 ? calloc(1, sizeof *q) : NULL;
  if (err == 0 && q == NULL)
    err = MPROC_ENOMEM;
  if (err != 0) {
    mproc_segment_detach(seg);
    return err;
  }
  q->seg = seg;
  q->b = b;
  q->ring = (unsigned char *)b + MPROC_QUEUE_RING_OFFSET;
  q->mask = cap - 1;
  q->max_message = b->max_message;
  q->max_count = b->max_count;
  q->joinable = (b->flags & FLAG_JOINABLE) != 0;
  q->one = (b->flags & FLAG_ONE_TO_ONE) != 0;
  q->lap_shift = (unsigned)__builtin_ctzll(cap);
  atomic_init(&q->taken_at_empty,
              atomic_load_explicit(MPROC__A64(&b->gets), memory_order_relaxed));
  *out = q;
  return 0;
}

int mproc_queue_create(const char *name, const mproc_queue_spec_t *spec, mproc_queue_t **out) {
  if (out == NULL)
    return MPROC_EINVAL;
  *out = NULL;
  mproc_queue_spec_t s = {0};
  if (spec != NULL)
    s = *spec;
  if (s.capacity == 0)
    s.capacity = MPROC_QUEUE_DEFAULT_CAPACITY;
  if (s.capacity < MPROC_QUEUE_MIN_CAPACITY || (s.capacity & (s.capacity - 1)) != 0 ||
      s.capacity > ((uint64_t)1 << 40))
    return MPROC_EINVAL;
  if (s.max_message == 0)
    s.max_message = (uint32_t)(s.capacity / 4 - REC_HDR);
  if (2 * rec_size(s.max_message) > s.capacity)
    return MPROC_EINVAL;
  mproc_segment_spec_t seg_spec = {.kind = MPROC_KIND_QUEUE,
                                   .body_size = MPROC_QUEUE_RING_OFFSET + s.capacity,
                                   .max_participants = s.max_participants};
  mproc_segment_t *seg;
  int err = mproc_segment_create(name, &seg_spec, &seg);
  if (err != 0)
    return err;
  queue_body_t *b = mproc_segment_data(seg);
  b->capacity = s.capacity;
  b->max_message = s.max_message;
  b->max_count = s.max_count;
  b->flags = (s.joinable ? FLAG_JOINABLE | FLAG_TASK_COUNT : 0) |
             (s.one_to_one ? FLAG_ONE_TO_ONE | FLAG_ARMED_WAKE : 0);
  mproc_segment_publish(seg);
  return wrap(seg, out);
}

int mproc_queue_open(const char *name, mproc_queue_t **out) {
  mproc_segment_t *seg;
  if (out == NULL)
    return MPROC_EINVAL;
  *out = NULL;
  int err = mproc_segment_attach(name, MPROC_KIND_QUEUE, MPROC_FOREVER, &seg);
  return err != 0 ? err : wrap(seg, out);
}

int mproc_queue_open_fd(int fd, mproc_queue_t **out) {
  mproc_segment_t *seg;
  if (out != NULL)
    *out = NULL;
  int err = mproc_segment_attach_fd(fd, MPROC_KIND_QUEUE, &seg);
  if (err != 0)
    return err;
  if (out == NULL) {
    mproc_segment_detach(seg);
    return MPROC_EINVAL;
  }
  return wrap(seg, out);
}

int mproc_queue_close(mproc_queue_t *q) {
  if (q == NULL)
    return 0;
  if (q->roles & MPROC_QUEUE_PRODUCER)
    mproc_queue_release(q, MPROC_QUEUE_PRODUCER);
  if (q->roles & MPROC_QUEUE_CONSUMER)
    mproc_queue_release(q, MPROC_QUEUE_CONSUMER);
  mproc_segment_detach(q->seg);
  free(q);
  return 0;
}
