/*
 * A C participant for the cross-language tests. Each command opens objects another process
 * (usually a JVM) created by name and works on them through the public API only:
 *
 *   mproc_peer layout                 print the header's field offsets, one "field offset" per line
 *   mproc_peer negate VALUE ARRAY     set the float64 Value to 3.1415927, negate the int32 Array
 *   mproc_peer add-locked VALUE N     N times: lock, non-atomic read-increment-write, unlock
 *   mproc_peer add-atomic VALUE N     N atomic increments of an int64 Value
 *   mproc_peer hold VALUE             take the lock, print "held", sleep until killed
 *   mproc_peer get VALUE              print an int64 or float64 Value
 *   mproc_peer sync-hold LOCK         acquire a Lock or RLock, print "held", sleep until killed
 *   mproc_peer sync-add LOCK VALUE N  N times: acquire the Lock, non-atomic increment, release
 *   mproc_peer barrier-wait BARRIER   wait at a Barrier (60 s), print "index I" or the error name
 *   mproc_peer event-set EVENT        set an Event
 *   mproc_peer negate-handed          as negate, on the Value and Array handed by a parent
 *                                     (handed objects 0 and 1, see mproc_child_init)
 *   mproc_peer queue-produce QUEUE ID FROM COUNT [BATCH]
 *                                     put the patterned messages FROM..FROM+COUNT-1 of producer
 *                                     ID (see pattern_len), waiting for room as long as it takes;
 *                                     with BATCH > 1, up to BATCH per mproc_queue_put_batch
 *   mproc_peer queue-consume QUEUE SEEN PRODUCERS PER [MAX [BATCH]]
 *                                     get messages until the queue is shut down and drained (or
 *                                     MAX were got; -1 for no limit), check each against the
 *                                     pattern and the order of its producer, add 1 to int8 Array
 *                                     SEEN at ID * PER + SEQ; print "got N"; with BATCH > 1, up
 *                                     to BATCH per mproc_queue_get_batch
 *
 * Exit status 0 on success; on failure the error's name and message go to stderr.
 */
#include "mproc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what, int rc) {
  fprintf(stderr, "mproc_peer: %s: %s (%s)\n", what, mproc_strerror(rc), mproc_err_name(rc));
  return 1;
}

static int layout(void) {
#define F(field) printf("%s %zu\n", #field, offsetof(mproc_header_t, field))
  F(magic); F(layout_major); F(layout_minor); F(kind); F(header_bytes); F(state); F(flags);
  F(total_size); F(creator_pid); F(creator_start); F(created_ns); F(endian_check);
  F(header_crc); F(name); F(max_participants); F(participants_offset); F(elem_code);
  F(elem_size); F(elem_count); F(data_offset); F(lock); F(lock_flags); F(lock_epoch);
#undef F
  return 0;
}

static int negate(const char *value, const char *array) {
  mproc_array_t *num, *arr;
  int rc = mproc_array_open(value, MPROC_KIND_VALUE, MPROC_FLOAT64, &num);
  if (rc != 0)
    return fail(value, rc);
  if ((rc = mproc_array_open(array, MPROC_KIND_ARRAY, MPROC_INT32, &arr)) != 0)
    return fail(array, rc);
  double pi = 3.1415927;
  mproc_array_store(num, 0, &pi);
  for (uint64_t i = 0; i < mproc_array_length(arr); i++) {
    int32_t v;
    mproc_array_load(arr, i, &v);
    v = -v;
    mproc_array_store(arr, i, &v);
  }
  mproc_array_close(arr);
  mproc_array_close(num);
  return 0;
}

static int negate_handed(void) {
  mproc_handoff_t *h;
  mproc_handed_t e0, e1;
  int rc = mproc_child_init(10000000000LL, &h);
  if (rc != 0)
    return fail("mproc_child_init", rc);
  if ((rc = mproc_handoff_get(h, 0, &e0)) != 0 || (rc = mproc_handoff_get(h, 1, &e1)) != 0)
    return fail("handoff", rc);
  mproc_array_t *num, *arr;
  if ((rc = mproc_array_open_fd(e0.fd, MPROC_KIND_VALUE, MPROC_FLOAT64, &num)) != 0)
    return fail(e0.name, rc);
  if ((rc = mproc_array_open_fd(e1.fd, MPROC_KIND_ARRAY, MPROC_INT32, &arr)) != 0)
    return fail(e1.name, rc);
  double pi = 3.1415927;
  mproc_array_store(num, 0, &pi);
  for (uint64_t i = 0; i < mproc_array_length(arr); i++) {
    int32_t v;
    mproc_array_load(arr, i, &v);
    v = -v;
    mproc_array_store(arr, i, &v);
  }
  mproc_array_close(arr);
  mproc_array_close(num);
  mproc_handoff_free(h);
  return 0;
}

static int add(const char *value, long n, int locked) {
  mproc_array_t *v;
  int rc = mproc_array_open(value, MPROC_KIND_VALUE, MPROC_INT64, &v);
  if (rc != 0)
    return fail(value, rc);
  for (long i = 0; i < n; i++) {
    if (!locked) {
      mproc_array_fetch_add(v, 0, 1, NULL);
      continue;
    }
    rc = mproc_array_lock(v, MPROC_FOREVER);
    if (rc != 0 && rc != MPROC_EOWNERDEAD)
      return fail("lock", rc);
    volatile int64_t *cell = mproc_array_data(v);
    *cell = *cell + 1;
    if ((rc = mproc_array_unlock(v)) != 0)
      return fail("unlock", rc);
  }
  mproc_array_close(v);
  return 0;
}

static int hold(const char *value) {
  mproc_array_t *v;
  int rc = mproc_array_open(value, MPROC_KIND_ANY, 0, &v);
  if (rc != 0)
    return fail(value, rc);
  rc = mproc_array_lock(v, MPROC_FOREVER);
  if (rc != 0 && rc != MPROC_EOWNERDEAD)
    return fail("lock", rc);
  printf("held\n");
  fflush(stdout);
  for (;;)
    pause();
}

static int get(const char *value) {
  mproc_array_t *v;
  int rc = mproc_array_open(value, MPROC_KIND_VALUE, 0, &v);
  if (rc != 0)
    return fail(value, rc);
  if (mproc_array_type(v) == MPROC_FLOAT64) {
    double d;
    mproc_array_load(v, 0, &d);
    printf("%.17g\n", d);
  } else if (mproc_array_type(v) == MPROC_INT64) {
    int64_t x;
    mproc_array_load(v, 0, &x);
    printf("%lld\n", (long long)x);
  } else {
    mproc_array_close(v);
    return fail(value, MPROC_ETYPE);
  }
  mproc_array_close(v);
  return 0;
}

/* ---- synchronization primitives (issue 6) ---- */

static int sync_open(const char *name, uint16_t kind, mproc_sync_t **s) {
  int rc = mproc_sync_open(name, kind, s);
  return rc != 0 ? fail(name, rc) : 0;
}

static int sync_hold(const char *lock) {
  mproc_sync_t *s;
  if (sync_open(lock, MPROC_KIND_ANY, &s) != 0)
    return 1;
  int rc = mproc_sync_acquire(s, MPROC_FOREVER);
  if (rc != 0 && rc != MPROC_EOWNERDEAD)
    return fail("acquire", rc);
  printf("held\n");
  fflush(stdout);
  for (;;)
    pause();
}

static int sync_add(const char *lock, const char *value, long n) {
  mproc_sync_t *s;
  mproc_array_t *v;
  if (sync_open(lock, MPROC_KIND_ANY, &s) != 0)
    return 1;
  int rc = mproc_array_open(value, MPROC_KIND_VALUE, MPROC_INT64, &v);
  if (rc != 0)
    return fail(value, rc);
  volatile int64_t *cell = mproc_array_data(v);
  for (long i = 0; i < n; i++) {
    rc = mproc_sync_acquire(s, MPROC_FOREVER);
    if (rc != 0 && rc != MPROC_EOWNERDEAD)
      return fail("acquire", rc);
    *cell = *cell + 1; /* deliberately not atomic: only the lock protects it */
    if ((rc = mproc_sync_release(s)) != 0)
      return fail("release", rc);
  }
  mproc_array_close(v);
  mproc_sync_close(s);
  return 0;
}

/* Prints an RLock's recursion depth as C reads it (mproc_sync_count). */
static int sync_count(const char *lock) {
  mproc_sync_t *s;
  if (sync_open(lock, MPROC_KIND_RLOCK, &s) != 0)
    return 1;
  printf("%u\n", mproc_sync_count(s));
  mproc_sync_close(s);
  return 0;
}

static int barrier_wait(const char *barrier) {
  mproc_sync_t *s;
  uint32_t index;
  if (sync_open(barrier, MPROC_KIND_BARRIER, &s) != 0)
    return 1;
  int rc = mproc_barrier_wait(s, 60000000000LL, &index);
  if (rc == 0)
    printf("index %u\n", index);
  else
    printf("%s\n", mproc_err_name(rc));
  fflush(stdout);
  mproc_sync_close(s);
  return 0;
}

static int event_set(const char *event) {
  mproc_sync_t *s;
  if (sync_open(event, MPROC_KIND_EVENT, &s) != 0)
    return 1;
  int rc = mproc_event_set(s);
  mproc_sync_close(s);
  return rc != 0 ? fail("set", rc) : 0;
}

/* ---- queue (the pattern is QueueInteropTest's: keep the two in step) ---- */

/* Payload length of message SEQ of producer ID: 8..300 bytes, so records of 16..312 bytes wrap a
   small ring at every position and need padding records. */
static uint32_t pattern_len(uint32_t id, uint32_t seq) {
  return 8 + (uint32_t)(((uint64_t)seq * 131 + (uint64_t)id * 17) % 293);
}

static unsigned char pattern_byte(uint32_t id, uint32_t seq, uint32_t k) {
  return (unsigned char)(id * 7 + seq * 13 + k);
}

static int queue_produce(const char *name, uint32_t id, uint32_t from, uint32_t count,
                         uint32_t batch) {
  mproc_queue_t *q;
  int rc = mproc_queue_open(name, &q);
  if (rc != 0)
    return fail(name, rc);
  if (batch < 1 || batch > 64)
    batch = 1;
  static unsigned char buf[64 * 300];
  uint32_t lens[64];
  for (uint32_t seq = from; seq < from + count;) {
    uint32_t n = from + count - seq < batch ? from + count - seq : batch, done;
    size_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t s = seq + i, len = pattern_len(id, s);
      memcpy(buf + off, &id, 4);
      memcpy(buf + off + 4, &s, 4);
      for (uint32_t k = 8; k < len; k++)
        buf[off + k] = pattern_byte(id, s, k);
      lens[i] = len;
      off += len;
    }
    if (batch == 1) {
      rc = mproc_queue_put(q, buf, lens[0], MPROC_FOREVER);
      done = 1;
    } else {
      rc = mproc_queue_put_batch(q, buf, lens, n, &done, MPROC_FOREVER);
    }
    if (rc != 0)
      return fail("put", rc);
    seq += done; /* a partial batch: the rest is rebuilt and put next round */
  }
  mproc_queue_close(q);
  return 0;
}

static int queue_consume(const char *name, const char *seen_name, uint32_t producers,
                         uint32_t per, long max, uint32_t batch) {
  mproc_queue_t *q;
  mproc_array_t *seen;
  int rc = mproc_queue_open(name, &q);
  if (rc != 0)
    return fail(name, rc);
  if ((rc = mproc_array_open(seen_name, MPROC_KIND_ARRAY, MPROC_INT8, &seen)) != 0)
    return fail(seen_name, rc);
  int64_t *last = malloc(producers * sizeof *last);
  if (last == NULL)
    return fail("malloc", MPROC_ENOMEM);
  for (uint32_t i = 0; i < producers; i++)
    last[i] = -1;
  if (batch < 1 || batch > 64)
    batch = 1;
  static unsigned char all[64 * 512];
  uint32_t lens[64], n = 0, next = 0;
  size_t off = 0;
  long got = 0;
  while (max < 0 || got < max) {
    uint32_t len, id, seq;
    if (next == n) { /* take more: one message, or a batch of at most what MAX still allows */
      uint32_t want = max >= 0 && max - got < (long)batch ? (uint32_t)(max - got) : batch;
      if (want == 1) {
        rc = mproc_queue_get(q, all, 512, &lens[0], MPROC_FOREVER);
        n = 1;
      } else {
        rc = mproc_queue_get_batch(q, all, sizeof all, lens, want, &n, MPROC_FOREVER);
      }
      if (rc == MPROC_ECLOSED)
        break;
      if (rc != 0)
        return fail("get", rc);
      next = 0;
      off = 0;
    }
    unsigned char *buf = all + off;
    len = lens[next++];
    off += len;
    if (len < 8) {
      fprintf(stderr, "mproc_peer: message %ld has %u bytes\n", got, len);
      return 1;
    }
    memcpy(&id, buf, 4);
    memcpy(&seq, buf + 4, 4);
    if (id >= producers || seq >= per || len != pattern_len(id, seq) || (int64_t)seq <= last[id]) {
      fprintf(stderr, "mproc_peer: bad message %u/%u of %u bytes (last of that producer %lld)\n",
              id, seq, len, (long long)last[id < producers ? id : 0]);
      return 1;
    }
    for (uint32_t k = 8; k < len; k++)
      if (buf[k] != pattern_byte(id, seq, k)) {
        fprintf(stderr, "mproc_peer: message %u/%u differs at byte %u\n", id, seq, k);
        return 1;
      }
    last[id] = seq;
    if ((rc = mproc_array_fetch_add(seen, (uint64_t)id * per + seq, 1, NULL)) != 0)
      return fail("seen", rc);
    got++;
  }
  printf("got %ld\n", got);
  fflush(stdout);
  free(last);
  mproc_array_close(seen);
  mproc_queue_close(q);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "layout") == 0)
    return layout();
  if (argc == 4 && strcmp(argv[1], "negate") == 0)
    return negate(argv[2], argv[3]);
  if (argc == 4 && strcmp(argv[1], "add-locked") == 0)
    return add(argv[2], atol(argv[3]), 1);
  if (argc == 4 && strcmp(argv[1], "add-atomic") == 0)
    return add(argv[2], atol(argv[3]), 0);
  if (argc == 3 && strcmp(argv[1], "hold") == 0)
    return hold(argv[2]);
  if (argc == 2 && strcmp(argv[1], "negate-handed") == 0)
    return negate_handed();
  if (argc == 3 && strcmp(argv[1], "get") == 0)
    return get(argv[2]);
  if (argc == 3 && strcmp(argv[1], "sync-hold") == 0)
    return sync_hold(argv[2]);
  if (argc == 5 && strcmp(argv[1], "sync-add") == 0)
    return sync_add(argv[2], argv[3], atol(argv[4]));
  if (argc == 3 && strcmp(argv[1], "sync-count") == 0)
    return sync_count(argv[2]);
  if (argc == 3 && strcmp(argv[1], "barrier-wait") == 0)
    return barrier_wait(argv[2]);
  if (argc == 3 && strcmp(argv[1], "event-set") == 0)
    return event_set(argv[2]);
  if ((argc == 6 || argc == 7) && strcmp(argv[1], "queue-produce") == 0)
    return queue_produce(argv[2], (uint32_t)atol(argv[3]), (uint32_t)atol(argv[4]),
                         (uint32_t)atol(argv[5]), argc == 7 ? (uint32_t)atol(argv[6]) : 1);
  if ((argc >= 6 && argc <= 8) && strcmp(argv[1], "queue-consume") == 0)
    return queue_consume(argv[2], argv[3], (uint32_t)atol(argv[4]), (uint32_t)atol(argv[5]),
                         argc >= 7 ? atol(argv[6]) : -1, argc == 8 ? (uint32_t)atol(argv[7]) : 1);
  fprintf(stderr, "usage: mproc_peer layout | negate V A | add-locked V N | add-atomic V N | "
                  "hold V | get V | sync-hold L | sync-add L V N | sync-count L | barrier-wait B | "
                  "event-set E | queue-produce Q ID FROM N [BATCH] | "
                  "queue-consume Q SEEN PRODUCERS PER [MAX [BATCH]]\n");
  return 2;
}
