/*
 * Fuzz target: attaching to a segment whose every byte another process wrote.
 *
 * Input: one option byte, then the segment file's contents (its length is the file's size).
 *   bit 0     recompute the header CRC over the fuzzed fields, so that the fuzzer gets past the
 *             CRC check to the field checks and the bodies behind them
 *   bits 1-2  how the file is opened: 0 mproc_segment_attach_fd, 1 mproc_array_open_fd,
 *             2 mproc_sync_open_fd, 3 mproc_queue_open_fd
 * Files shorter than a header are skipped and a state word left at INIT is set to READY: both
 * are waited for (two seconds), which test_segment covers; here that would only slow the fuzzer.
 *
 * After a successful open the target makes every non-blocking call of that object kind, which
 * must return a known code. AddressSanitizer cannot see accesses beyond the object in a mapping,
 * so a segment whose size is a multiple of the page size is what catches them: the page after it
 * is not mapped.
 */
#include "fuzz.h"

#include <stddef.h>
#include <string.h>

uint32_t mproc__header_crc(const mproc_header_t *h); /* internal */

#define MAX_FILE (1u << 20)

static void use_segment(mproc_segment_t *seg) {
  const mproc_header_t *h = mproc_segment_base(seg);
  FUZZ_CHECK(mproc_segment_size(seg) == h->total_size);
  for (uint32_t i = 0; i < h->max_participants; i++)
    FUZZ_CHECK(mproc_segment_slot_alive(seg, i) >= 0);
  int rc = mproc_lock_acquire(seg, 0);
  FUZZ_CHECK(fuzz_known(rc));
  if (rc == 0 || rc == MPROC_EOWNERDEAD)
    FUZZ_CHECK(mproc_lock_release(seg) == 0);
}

static void use_array(mproc_array_t *a) {
  uint64_t n = mproc_array_length(a), v = 0;
  int type = mproc_array_type(a);
  FUZZ_CHECK(n > 0 && mproc_type_size(type) > 0);
  uint64_t last = n - 1;
  FUZZ_CHECK(mproc_array_load(a, 0, &v) == 0 && mproc_array_load(a, last, &v) == 0);
  FUZZ_CHECK(mproc_array_store(a, last, &v) == 0);
  FUZZ_CHECK(mproc_array_load(a, n, &v) == MPROC_EBOUNDS);
  if (type != MPROC_FLOAT32 && type != MPROC_FLOAT64)
    FUZZ_CHECK(mproc_array_fetch_add(a, last, 1, NULL) == 0);
  unsigned char buf[16 * 8];
  uint64_t k = n < 16 ? n : 16;
  FUZZ_CHECK(mproc_array_read(a, n - k, buf, k) == 0);
  use_segment(mproc_array_segment(a));
}

static void use_sync(mproc_sync_t *s) {
  int rc;
  (void)mproc_sync_count(s);
  switch (mproc_sync_kind(s)) {
  case MPROC_KIND_LOCK:
  case MPROC_KIND_RLOCK:
  case MPROC_KIND_SEMAPHORE:
    rc = mproc_sync_acquire(s, 0);
    FUZZ_CHECK(fuzz_known(rc));
    if (rc == 0 || rc == MPROC_EOWNERDEAD)
      FUZZ_CHECK(fuzz_known(mproc_sync_release(s)));
    break;
  case MPROC_KIND_EVENT:
    FUZZ_CHECK(fuzz_known(mproc_event_wait(s, 0)));
    FUZZ_CHECK(mproc_event_set(s) == 0 && mproc_event_is_set(s) == 1);
    FUZZ_CHECK(mproc_event_clear(s) == 0);
    break;
  case MPROC_KIND_BARRIER: {
    /*
     * The barrier's calls wait for the header lock without a time limit, retrying while it is
     * held through this handle (another thread's turn). A lock word forged to name this very
     * handle would make that wait endless, which no other process can cause by crashing: skip.
     */
    const mproc_header_t *h = mproc_segment_base(mproc_sync_segment(s));
    uint32_t word = __atomic_load_n(&h->lock, __ATOMIC_RELAXED) & ~MPROC_LOCK_CONTENDED;
    if (word == mproc_lock_owner_word(mproc_sync_segment(s)))
      break;
    uint32_t cycle, index;
    (void)mproc_barrier_broken(s);
    rc = mproc_barrier_arrive(s, &cycle, &index);
    FUZZ_CHECK(fuzz_known(rc));
    if (rc == 0) {
      FUZZ_CHECK(index < mproc_barrier_parties(s));
      FUZZ_CHECK(fuzz_known(mproc_barrier_await(s, cycle, 0)));
      FUZZ_CHECK(fuzz_known(mproc_barrier_cancel(s, cycle, NULL)));
    }
    FUZZ_CHECK(fuzz_known(mproc_barrier_reset(s)));
    break;
  }
  default:
    break;
  }
}

static void use_queue(mproc_queue_t *q) {
  unsigned char buf[256];
  uint32_t len;
  (void)mproc_queue_size(q);
  (void)mproc_queue_is_full(q);
  for (int i = 0; i < 4; i++) {
    int rc = mproc_queue_get(q, buf, sizeof buf, &len, 0);
    FUZZ_CHECK(fuzz_known(rc));
    if (rc == 0)
      FUZZ_CHECK(len <= sizeof buf && len <= mproc_queue_max_message(q));
  }
  FUZZ_CHECK(fuzz_known(mproc_queue_put(q, "fuzz", 4, 0)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A file shorter than a header is waited for (its creator may not have sized it yet), which
     test_segment covers; here it would cost two seconds an input. */
  if (size < 1 + MPROC_HEADER_BYTES || size - 1 > MAX_FILE)
    return 0;
  uint8_t opt = data[0];
  size_t n = size - 1;
  uint8_t *file = calloc(1, n > 0 ? n : 1);
  if (file == NULL)
    return 0;
  memcpy(file, data + 1, n);
  mproc_header_t *h = (mproc_header_t *)(void *)file;
  if (h->state == MPROC_STATE_INIT)
    h->state = MPROC_STATE_READY;
  if (opt & 1)
    h->header_crc = mproc__header_crc(h);
  int fd = fuzz_memfd(file, n);
  free(file);
  if (fd < 0)
    return 0;
  int rc;
  switch ((opt >> 1) & 3) {
  case 0: {
    mproc_segment_t *seg;
    if ((rc = mproc_segment_attach_fd(fd, MPROC_KIND_ANY, &seg)) == 0) {
      use_segment(seg);
      mproc_segment_detach(seg);
    }
    break;
  }
  case 1: {
    mproc_array_t *a;
    if ((rc = mproc_array_open_fd(fd, MPROC_KIND_ANY, 0, &a)) == 0) {
      use_array(a);
      mproc_array_close(a);
    }
    break;
  }
  case 2: {
    mproc_sync_t *s;
    if ((rc = mproc_sync_open_fd(fd, MPROC_KIND_ANY, &s)) == 0) {
      use_sync(s);
      mproc_sync_close(s);
    }
    break;
  }
  default: {
    mproc_queue_t *q;
    if ((rc = mproc_queue_open_fd(fd, &q)) == 0) {
      use_queue(q);
      mproc_queue_close(q);
    }
    break;
  }
  }
  FUZZ_CHECK(fuzz_known(rc));
  return 0;
}
