/*
 * Fuzz target: a queue whose body (cursors, counts, commit intents, lock words, fixed fields
 * and ring) another process wrote.
 *
 * Input: the body's bytes from data_offset on, in the layout of docs/layout.md (control words
 * 0..1023, then the ring); a shorter input leaves the rest as a freshly created queue has it.
 * The queue is created with a 4096-byte ring and 88 participant slots, which makes the segment
 * exactly two pages, so that reading or writing past the ring faults (AddressSanitizer does not
 * watch shared mappings). A second handle then opens it, as another process would, and every
 * call must return data or a known code: get, peek, put, size, is_full, never a crash or a hang.
 * Calls do not wait, except once per side for a lock a dead owner holds (a takeover, which runs
 * the commit repair on fuzzed intents).
 */
#include "fuzz.h"

#include <string.h>

#define CAPACITY 4096u
#define BODY (MPROC_QUEUE_RING_OFFSET + CAPACITY)

static void drain(mproc_queue_t *q, int64_t timeout_ns) {
  unsigned char buf[CAPACITY];
  uint32_t len;
  /* Each successful get moves head by at least 8 bytes within a ring of CAPACITY bytes. */
  for (int i = 0; i < (int)(CAPACITY / 8) + 2; i++) {
    int rc = mproc_queue_get(q, buf, sizeof buf, &len, timeout_ns);
    FUZZ_CHECK(fuzz_known(rc));
    if (rc != 0)
      return;
    FUZZ_CHECK(len <= mproc_queue_max_message(q));
  }
  FUZZ_CHECK(!"more messages came out than the ring can hold");
}

/* 1 if a lock word names an owner other than the two live handles: taking it is a takeover. */
static int dead_owner(const uint32_t *word, const mproc_queue_t *a, const mproc_queue_t *b) {
  uint32_t v = __atomic_load_n(word, __ATOMIC_RELAXED) & ~MPROC_LOCK_CONTENDED;
  return v != 0 && v != mproc_lock_owner_word(mproc_queue_segment((mproc_queue_t *)a)) &&
         v != mproc_lock_owner_word(mproc_queue_segment((mproc_queue_t *)b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mproc_queue_spec_t spec = {.capacity = CAPACITY, .max_participants = 88};
  mproc_queue_t *creator, *q;
  if (mproc_queue_create(NULL, &spec, &creator) != 0)
    abort();
  mproc_segment_t *seg = mproc_queue_segment(creator);
  FUZZ_CHECK(mproc_segment_size(seg) % 4096 == 0); /* the layout this target relies on */
  unsigned char *body = mproc_segment_data(seg);
  memcpy(body, data, size < BODY ? size : BODY);

  int rc = mproc_queue_open_fd(dup(mproc_segment_fd(seg)), &q);
  FUZZ_CHECK(fuzz_known(rc));
  if (rc == 0) {
    unsigned char small[4];
    uint32_t len;
    (void)mproc_queue_size(q);
    (void)mproc_queue_is_full(q);
    (void)mproc_queue_is_shutdown(q);
    rc = mproc_queue_peek(q, small, sizeof small, &len, 0);
    FUZZ_CHECK(fuzz_known(rc));
    if (rc == 0 || rc == MPROC_ETOOSMALL)
      FUZZ_CHECK(len <= mproc_queue_max_message(q));
    drain(q, 0);
    static const unsigned char msg[CAPACITY];
    uint32_t sizes[] = {0, 1, 13, mproc_queue_max_message(q)};
    for (int i = 0; i < 4; i++)
      FUZZ_CHECK(fuzz_known(mproc_queue_put(q, msg, sizes[i], 0)));
    drain(q, 0);
    /* Batches: several records under one lock hold and one commit, on the same hostile body. */
    uint32_t done, got, lens[8];
    rc = mproc_queue_put_batch(q, msg, sizes, 3, &done, 0);
    FUZZ_CHECK(fuzz_known(rc) && (rc != 0 || (done >= 1 && done <= 3)));
    unsigned char some[64];
    rc = mproc_queue_get_batch(q, some, sizeof some, lens, 8, &got, 0);
    FUZZ_CHECK(fuzz_known(rc));
    if (rc == 0) {
      uint64_t total = 0;
      FUZZ_CHECK(got >= 1 && got <= 8);
      for (uint32_t i = 0; i < got; i++)
        total += lens[i];
      FUZZ_CHECK(total <= sizeof some);
    }
    drain(q, 0);
    if (dead_owner((const uint32_t *)(const void *)body, creator, q))
      FUZZ_CHECK(fuzz_known(mproc_queue_put(q, msg, 8, 15000000)));
    if (dead_owner((const uint32_t *)(const void *)(body + 128), creator, q))
      drain(q, 15000000);
    (void)mproc_queue_size(q);
    if (mproc_queue_unfinished(q) > 0)
      FUZZ_CHECK(fuzz_known(mproc_queue_task_done(q)));
    FUZZ_CHECK(mproc_queue_shutdown(q) == 0);
    drain(q, 0);
    mproc_queue_close(q);
  }
  mproc_queue_close(creator);
  return 0;
}
