/*
 * Stress: many producers and consumers in separate processes for a bounded time, and churn of
 * named objects.
 *
 *   stress [mpmc|churn|all] [--seed N] [--seconds S] [--churn N]
 *
 *  - mpmc: for each shape (1x1, 4x4, 8x2 producers x consumers) producers put numbered
 *    messages of random sizes until time is up; then the queue is shut down and consumers drain
 *    it. Every message committed (put returned 0) arrives exactly once, intact, and each consumer
 *    sees each producer's messages in increasing order.
 *  - churn: creates, opens by name, closes and unlinks N named objects of every kind in turn;
 *    afterwards this process has exactly the descriptors and mappings it had before, and
 *    /dev/shm has no entry left with this run's prefix. Checked half-way as well.
 * Every failure names the seed.
 */
#include "harness.h"

#include <dirent.h>
#include <stddef.h>

/* ------------------------------------------------------------------------------------------ */
/* mpmc                                                                                       */

/* A bit per message and producer: 2^26 messages each (8 MiB per producer, touched as used). */
enum { MAX_P = 8, MAX_SEQ = 1 << 26, MAX_PAYLOAD = 512 };

typedef struct {
  _Atomic int stop;
  _Atomic uint32_t committed[MAX_P];
  _Atomic uint32_t violations;
  _Atomic uint64_t received;
  _Atomic uint64_t seen[MAX_P][MAX_SEQ / 64];
} mshared_t;

typedef struct {
  uint32_t producer, seq, len, check;
} smsg_t;

static uint32_t payload_byte(const smsg_t *m, uint32_t i) {
  return (m->seq * 2654435761u + m->producer * 40503u + i) >> 7;
}

static void producer(const char *name, mshared_t *sh, int p, rng_t r) {
  mproc_queue_t *q;
  unsigned char buf[sizeof(smsg_t) + MAX_PAYLOAD];
  if (mproc_queue_open(name, &q) != 0)
    _exit(1);
  for (uint32_t seq = 0; seq < MAX_SEQ && !sh->stop; seq++) {
    smsg_t m = {(uint32_t)p, seq, rng_below(&r, MAX_PAYLOAD + 1), 0};
    m.check = m.producer ^ m.seq ^ m.len;
    memcpy(buf, &m, sizeof m);
    for (uint32_t i = 0; i < m.len; i++)
      buf[sizeof m + i] = (unsigned char)payload_byte(&m, i);
    int rc;
    while ((rc = mproc_queue_put(q, buf, (uint32_t)(sizeof m + m.len), 20000000)) ==
               MPROC_ETIMEDOUT &&
           !sh->stop) {
    }
    if (rc == MPROC_ETIMEDOUT)
      break;
    if (rc != 0) {
      fprintf(stderr, "producer %d: put: %s\n", p, mproc_err_name(rc));
      _exit(2);
    }
    sh->committed[p] = seq + 1;
  }
  mproc_queue_close(q);
  _exit(0);
}

static void consumer(const char *name, mshared_t *sh, int c, int producers) {
  mproc_queue_t *q;
  unsigned char buf[sizeof(smsg_t) + MAX_PAYLOAD];
  int64_t last[MAX_P];
  for (int p = 0; p < MAX_P; p++)
    last[p] = -1;
  if (mproc_queue_open(name, &q) != 0)
    _exit(1);
  for (;;) {
    uint32_t len;
    int rc = mproc_queue_get(q, buf, sizeof buf, &len, MPROC_FOREVER);
    if (rc == MPROC_ECLOSED)
      break;
    if (rc != 0) {
      fprintf(stderr, "consumer %d: get: %s\n", c, mproc_err_name(rc));
      _exit(2);
    }
    smsg_t m;
    memcpy(&m, buf, sizeof m);
    int bad = len < sizeof m || m.check != (m.producer ^ m.seq ^ m.len) ||
              m.producer >= (uint32_t)producers || m.seq >= MAX_SEQ || len != sizeof m + m.len;
    for (uint32_t i = 0; !bad && i < m.len; i++)
      bad = buf[sizeof m + i] != (unsigned char)payload_byte(&m, i);
    if (bad) {
      fprintf(stderr, "consumer %d: damaged message (%u bytes)\n", c, len);
      sh->violations++;
      continue;
    }
    if ((int64_t)m.seq <= last[m.producer]) {
      fprintf(stderr, "consumer %d: producer %u's %u after %lld\n", c, m.producer, m.seq,
              (long long)last[m.producer]);
      sh->violations++;
    }
    last[m.producer] = m.seq;
    uint64_t bit = (uint64_t)1 << (m.seq % 64);
    if (atomic_fetch_or(&sh->seen[m.producer][m.seq / 64], bit) & bit) {
      fprintf(stderr, "consumer %d: producer %u's %u twice\n", c, m.producer, m.seq);
      sh->violations++;
    }
    sh->received++;
  }
  mproc_queue_close(q);
  _exit(0);
}

static void mpmc_shape(const char *name, mshared_t *sh, int producers, int consumers,
                       int64_t ns) {
  /* The bitmaps are clean: fresh pages, or cleared by the previous shape as far as it used them. */
  memset(sh, 0, offsetof(mshared_t, seen));
  mproc_queue_spec_t spec = {.capacity = 1 << 16, .max_message = sizeof(smsg_t) + MAX_PAYLOAD};
  mproc_queue_t *q;
  CHECK_RC(0, mproc_queue_create(name, &spec, &q));
  pid_t pids[MAX_P * 2];
  int n = producers + consumers;
  for (int i = 0; i < n; i++) {
    rng_t r = rng_make(harness_seed, (uint64_t)(producers * 100 + i));
    if ((pids[i] = fork_child()) == 0) {
      if (i < producers)
        producer(name, sh, i, r);
      consumer(name, sh, i - producers, producers);
    }
  }
  int64_t t0 = mproc_now_ns();
  sleep_us((uint32_t)(ns / 1000));
  sh->stop = 1;
  reap_all(pids, producers, 10000000000LL, "producer", NULL);
  CHECK_RC(0, mproc_queue_shutdown(q));
  int status[MAX_P * 2];
  reap_all(pids + producers, consumers, 10000000000LL, "consumer", status);
  double secs = (mproc_now_ns() - t0) / 1e9;
  for (int i = 0; i < consumers; i++)
    if (status[i] != 0)
      FAIL("%dx%d: consumer %d exited with %d", producers, consumers, i, status[i]);
  if (sh->violations != 0)
    FAIL("%dx%d: %u violations (above)", producers, consumers, sh->violations);
  unsigned long long committed = 0;
  for (int p = 0; p < producers; p++) {
    uint32_t done = sh->committed[p];
    committed += done;
    for (uint32_t w = 0; w < MAX_SEQ / 64; w++) {
      uint64_t want = (uint64_t)w * 64 + 64 <= done ? ~(uint64_t)0
                      : (uint64_t)w * 64 >= done  ? 0
                                                  : ((uint64_t)1 << (done % 64)) - 1;
      if (sh->seen[p][w] != want)
        FAIL("%dx%d: producer %d committed %u messages; seqs %u..%u arrived as %#llx", producers,
             consumers, p, done, w * 64, w * 64 + 63, (unsigned long long)sh->seen[p][w]);
    }
    memset(sh->seen[p], 0, ((size_t)done / 64 + 1) * 8);
  }
  if (mproc_queue_size(q) != 0)
    FAIL("%dx%d: size %llu after the drain", producers, consumers,
         (unsigned long long)mproc_queue_size(q));
  mproc_queue_close(q);
  CHECK_RC(0, mproc_unlink(name));
  printf("stress mpmc %dx%d: %llu messages committed and delivered exactly once in order "
         "in %.1f s (%.0f/s)\n",
         producers, consumers, committed, secs, committed / secs);
}

static void mpmc(int64_t ns) {
  char name[32];
  snprintf(name, sizeof name, "/mpt-sq-%d", (int)getpid());
  mshared_t *sh = shared_alloc(sizeof *sh);
  static const int shapes[][2] = {{1, 1}, {4, 4}, {8, 2}};
  for (int i = 0; i < 3; i++)
    mpmc_shape(name, sh, shapes[i][0], shapes[i][1], ns / 3);
  munmap(sh, sizeof *sh);
}

/* ------------------------------------------------------------------------------------------ */
/* churn                                                                                      */

static int count_lines(const char *path) {
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  int n = 0, c;
  while ((c = fgetc(f)) != EOF)
    n += c == '\n';
  fclose(f);
  return n;
}

static int count_dir(const char *path, const char *prefix) {
  DIR *d = opendir(path);
  CHECK(d != NULL);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    n += e->d_name[0] != '.' && strncmp(e->d_name, prefix, strlen(prefix)) == 0;
  closedir(d);
  return n;
}

typedef struct {
  int fds, maps, shm;
} usage_t;

static usage_t usage(const char *prefix) {
  usage_t u;
  u.fds = count_dir("/proc/self/fd", "") - 1; /* less the directory stream's own */
  u.maps = count_lines("/proc/self/maps");
  u.shm = count_dir("/dev/shm", prefix);
  return u;
}

/* Creates, reopens, uses, closes and unlinks one named object of kind i % 9. */
static void churn_one(const char *name, int i) {
  switch (i % 9) {
  case 0: {
    mproc_queue_spec_t spec = {.capacity = 4096};
    mproc_queue_t *a, *b;
    char buf[8];
    uint32_t len;
    CHECK_RC(0, mproc_queue_create(name, &spec, &a));
    CHECK_RC(0, mproc_queue_open(name, &b));
    CHECK_RC(0, mproc_queue_put(a, "x", 1, 0));
    CHECK_RC(0, mproc_queue_get(b, buf, sizeof buf, &len, 0));
    mproc_queue_close(b);
    mproc_queue_close(a);
    break;
  }
  case 1:
  case 2: {
    mproc_array_t *a, *b;
    int64_t v = i;
    CHECK_RC(0, i % 9 == 1 ? mproc_value_create(name, MPROC_INT64, &v, &a)
                           : mproc_array_create(name, MPROC_INT64, 100, NULL, &a));
    CHECK_RC(0, mproc_array_open(name, MPROC_KIND_ANY, MPROC_INT64, &b));
    CHECK_RC(0, mproc_array_store(b, 0, &v));
    mproc_array_close(b);
    mproc_array_close(a);
    break;
  }
  default: {
    static const uint16_t kinds[] = {MPROC_KIND_LOCK,      MPROC_KIND_RLOCK,
                                     MPROC_KIND_SEMAPHORE, MPROC_KIND_CONDITION,
                                     MPROC_KIND_EVENT,     MPROC_KIND_BARRIER};
    uint16_t kind = kinds[i % 9 - 3];
    mproc_sync_t *a, *b;
    CHECK_RC(0, mproc_sync_create(name, kind, kind == MPROC_KIND_BARRIER ? 2 : 1, 0, &a));
    CHECK_RC(0, mproc_sync_open(name, kind, &b));
    if (kind == MPROC_KIND_LOCK || kind == MPROC_KIND_SEMAPHORE) {
      CHECK_RC(0, mproc_sync_acquire(b, 0));
      CHECK_RC(0, mproc_sync_release(b));
    }
    mproc_sync_close(b);
    mproc_sync_close(a);
    break;
  }
  }
  CHECK_RC(0, mproc_unlink(name));
}

static void churn(int n) {
  char prefix[20], name[40];
  snprintf(prefix, sizeof prefix, "mpt-sc%d-", (int)getpid());
  snprintf(name, sizeof name, "/%sw", prefix);
  for (int i = 0; i < 9; i++) /* warm up: the allocator's own mappings settle */
    churn_one(name, i);
  usage_t before = usage(prefix);
  int64_t t0 = mproc_now_ns();
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof name, "/%s%d", prefix, i);
    churn_one(name, i);
    if (i == n / 2 || i == n - 1) {
      usage_t now = usage(prefix);
      if (now.fds != before.fds || now.maps != before.maps || now.shm != 0)
        FAIL("churn after %d objects: %d descriptors (were %d), %d mappings (were %d), %d "
             "/dev/shm entries left",
             i + 1, now.fds, before.fds, now.maps, before.maps, now.shm);
    }
  }
  printf("stress churn: %d named objects of 9 kinds created, reopened, closed and unlinked in "
         "%.1f s; descriptors %d, mappings %d, /dev/shm entries 0, as before\n",
         n, (mproc_now_ns() - t0) / 1e9, before.fds, before.maps);
}

int main(int argc, char **argv) {
  long long seed = -1, seconds = 6, churn_n = 10000;
  const char *which = "all";
  harness_prog = "stress";
  const opt_t opts[] = {{"--seed", &seed}, {"--seconds", &seconds}, {"--churn", &churn_n}};
  parse_opts(argc, argv, opts, 3, &which);
  harness_seed = seed >= 0 ? (uint64_t)seed : default_seed();
  alarm((unsigned)(seconds + 120));
  printf("stress: seed %llu, %lld s, churn %lld, scenario %s\n", (unsigned long long)harness_seed,
         seconds, churn_n, which);
  fflush(stdout);
  int all = strcmp(which, "all") == 0, ran = 0;
  if (all || strcmp(which, "mpmc") == 0) {
    mpmc(seconds * 1000000000LL);
    ran++;
  }
  if (all || strcmp(which, "churn") == 0) {
    churn((int)churn_n);
    ran++;
  }
  if (ran == 0) {
    fprintf(stderr, "stress: unknown scenario %s (mpmc, churn, all)\n", which);
    return 2;
  }
  printf("stress: seed %llu: %d scenarios passed\n", (unsigned long long)harness_seed, ran);
  return 0;
}
