/*
 * Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/): real objects of
 * every kind as this library lays them out, and well-formed connection frames. Run it after a
 * layout change:  make_seeds tests/fuzz/corpus
 */
#include "fuzz.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static const char *root;

static void put_file(const char *target, const char *name, const void *prefix, size_t plen,
                     const void *data, size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", root, target);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) {
    perror(path);
    exit(1);
  }
  snprintf(path, sizeof path, "%s/%s/%s", root, target, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(prefix, 1, plen, f) != plen || fwrite(data, 1, len, f) != len ||
      fclose(f) != 0) {
    perror(path);
    exit(1);
  }
}

/* fuzz_segment inputs: option byte (opener << 1, CRC kept or recomputed), then the file. */
static void segment_seeds(const char *name, mproc_segment_t *seg, int opener) {
  char file[64];
  const void *bytes = mproc_segment_base(seg);
  size_t len = (size_t)mproc_segment_size(seg);
  for (int fix = 0; fix < 2; fix++) {
    unsigned char opt = (unsigned char)(opener << 1 | fix);
    snprintf(file, sizeof file, "%s%s", name, fix ? "-crc" : "");
    put_file("fuzz_segment", file, &opt, 1, bytes, len);
  }
}

static mproc_segment_t *small_segment(uint16_t kind, char code, uint16_t size, uint64_t count,
                                      uint64_t body) {
  mproc_segment_spec_t spec = {.kind = kind, .elem_code = code, .elem_size = size,
                               .elem_count = count, .body_size = body, .max_participants = 2};
  mproc_segment_t *seg;
  if (mproc_segment_create(NULL, &spec, &seg) != 0)
    abort();
  return seg;
}

static void segments(void) {
  mproc_segment_t *s = small_segment(MPROC_KIND_VALUE, 'd', 8, 1, 8);
  double pi = 3.25;
  memcpy(mproc_segment_data(s), &pi, 8);
  mproc_segment_publish(s);
  segment_seeds("value-d", s, 0);
  segment_seeds("value-d-array", s, 1);
  mproc_segment_detach(s);

  s = small_segment(MPROC_KIND_ARRAY, 'i', 4, 5, 24);
  mproc_segment_publish(s);
  segment_seeds("array-i5", s, 1);
  mproc_segment_detach(s);

  static const uint16_t kinds[] = {MPROC_KIND_LOCK, MPROC_KIND_RLOCK, MPROC_KIND_SEMAPHORE,
                                   MPROC_KIND_CONDITION, MPROC_KIND_EVENT, MPROC_KIND_BARRIER};
  static const char *names[] = {"lock", "rlock", "semaphore", "condition", "event", "barrier"};
  for (int i = 0; i < 6; i++) {
    s = small_segment(kinds[i], 0, 0, 0, kinds[i] == MPROC_KIND_BARRIER ? 64 + 16 : 64);
    uint32_t *body = mproc_segment_data(s);
    if (kinds[i] == MPROC_KIND_SEMAPHORE) {
      body[0] = body[2] = 3; /* value, bound */
      body[3] = MPROC_SEM_BOUNDED;
    } else if (kinds[i] == MPROC_KIND_BARRIER) {
      body[0] = 3; /* parties */
    }
    mproc_segment_publish(s);
    segment_seeds(names[i], s, 2);
    mproc_segment_detach(s);
  }

  mproc_queue_spec_t qs = {.capacity = 4096, .max_participants = 2};
  mproc_queue_t *q;
  if (mproc_queue_create(NULL, &qs, &q) != 0)
    abort();
  mproc_queue_put(q, "seed", 4, 0);
  segment_seeds("queue", mproc_queue_segment(q), 3);
  mproc_queue_close(q);
}

/* fuzz_queue inputs: the body of a queue in some state. */
static void queue_seed(const char *name, mproc_queue_t *q) {
  put_file("fuzz_queue", name, "", 0, mproc_segment_data(mproc_queue_segment(q)),
           MPROC_QUEUE_RING_OFFSET + 4096);
}

static void queues(void) {
  mproc_queue_spec_t spec = {.capacity = 4096, .max_participants = 88};
  mproc_queue_t *q;
  unsigned char buf[1024] = {0};
  uint32_t len;
  if (mproc_queue_create(NULL, &spec, &q) != 0)
    abort();
  queue_seed("empty", q);
  mproc_queue_put(q, "one", 3, 0);
  mproc_queue_put(q, "", 0, 0);
  mproc_queue_put(q, "three", 5, 0);
  queue_seed("three-messages", q);
  for (int i = 0; i < 40; i++) { /* drift, so that a padding record covers the ring's end */
    mproc_queue_put(q, buf, 100 + (uint32_t)i * 7, 0);
    mproc_queue_get(q, buf, sizeof buf, &len, 0);
  }
  queue_seed("wrapped", q);
  while (mproc_queue_put(q, buf, 1000, 0) == 0) {
  }
  queue_seed("full", q);
  mproc_queue_close(q);
  spec.joinable = 1;
  spec.max_count = 2;
  if (mproc_queue_create(NULL, &spec, &q) != 0)
    abort();
  mproc_queue_put(q, "a", 1, 0);
  mproc_queue_put(q, "b", 1, 0);
  queue_seed("joinable-bounded", q);
  mproc_queue_close(q);
  /* One-to-one: lap-stamped headers, a zero slot at tail; roles held, then given back. */
  mproc_queue_spec_t one = {.capacity = 4096, .max_participants = 88, .one_to_one = 1};
  if (mproc_queue_create(NULL, &one, &q) != 0)
    abort();
  for (int i = 0; i < 60; i++) { /* past the first lap, with a padding record */
    mproc_queue_put(q, buf, 100 + (uint32_t)i * 7, 0);
    mproc_queue_get(q, buf, sizeof buf, &len, 0);
  }
  mproc_queue_put(q, "one", 3, 0);
  uint32_t lens[3] = {1, 2, 3}, done;
  mproc_queue_put_batch(q, "abbccc", lens, 3, &done, 0);
  queue_seed("one-to-one-held", q);
  mproc_queue_release(q, MPROC_QUEUE_PRODUCER);
  mproc_queue_release(q, MPROC_QUEUE_CONSUMER);
  queue_seed("one-to-one", q);
  mproc_queue_close(q);
}

/* fuzz_conn inputs: option byte (pipe bit, max length 2^(k % 24) as k << 1), then frames. */
static void conn_seed(const char *name, unsigned char opt, const void *bytes, size_t len) {
  put_file("fuzz_conn", name, &opt, 1, bytes, len);
}

static void conns(void) {
  static const unsigned char hello[] = {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
  static const unsigned char two[] = {0, 0, 0, 0, 0, 0, 0, 2, 'h', 'i'};
  static const unsigned char long_form[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 3,
                                            'a', 'b', 'c'};
  static const unsigned char cut[] = {0, 0, 0, 9, 'c', 'u', 't'};
  static const unsigned char negative[] = {0x80, 0, 0, 0};
  static const unsigned char huge[] = {0x7f, 0xff, 0xff, 0xff, 'x'};
  conn_seed("hello", 12 << 1, hello, sizeof hello);
  conn_seed("hello-pipe", 12 << 1 | 1, hello, sizeof hello);
  conn_seed("empty-then-two", 12 << 1, two, sizeof two);
  conn_seed("long-form", 12 << 1, long_form, sizeof long_form);
  conn_seed("long-form-pipe", 12 << 1 | 1, long_form, sizeof long_form);
  conn_seed("cut", 12 << 1, cut, sizeof cut);
  conn_seed("negative", 12 << 1, negative, sizeof negative);
  conn_seed("over-max", 2 << 1, huge, sizeof huge);
}

/* fuzz_handshake inputs: option byte (bit 0: play the client), then framed peer messages. */
static void handshake_seed(const char *name, unsigned char opt, const char *const *msgs,
                           const size_t *lens, int n) {
  unsigned char buf[1024];
  size_t len = 0;
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < 4; k++)
      buf[len++] = (unsigned char)(lens[i] >> (24 - 8 * k));
    memcpy(buf + len, msgs[i], lens[i]);
    len += lens[i];
  }
  put_file("fuzz_handshake", name, &opt, 1, buf, len);
}

static void handshakes(void) {
  static const char challenge[] = "#CHALLENGE#{sha256}0123456789012345678901234567890123456789";
  static const char legacy[] = "#CHALLENGE#01234567890123456789";
  static const char answer[] = "{sha256}01234567890123456789012345678901";
  static const char md5[] = "0123456789012345";
  const char *msgs[] = {challenge, "#WELCOME#", challenge};
  size_t lens[] = {sizeof challenge - 1, 9, sizeof challenge - 1};
  handshake_seed("client-modern", 1, msgs, lens, 3);
  msgs[0] = legacy;
  lens[0] = sizeof legacy - 1;
  handshake_seed("client-legacy", 1, msgs, lens, 3);
  msgs[0] = answer;
  lens[0] = sizeof answer - 1;
  handshake_seed("server-sha256-answer", 0, msgs, lens, 1);
  msgs[0] = md5;
  lens[0] = sizeof md5 - 1;
  handshake_seed("server-md5-answer", 0, msgs, lens, 1);
  msgs[0] = "#FAILURE#";
  lens[0] = 9;
  handshake_seed("client-failure", 1, msgs, lens, 1);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_seeds CORPUS_DIR\n");
    return 2;
  }
  root = argv[1];
  segments();
  queues();
  conns();
  handshakes();
  return 0;
}
