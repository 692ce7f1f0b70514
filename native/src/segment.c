/*
 * Segments: creation, validation on attach, participant slots with kernel-held liveness locks,
 * inspection without attaching, and reclamation of stale named objects.
 *
 * Liveness uses open-file-description locks (F_OFD_SETLK, Linux 3.15+), not classic POSIX
 * record locks. Classic locks belong to the process and vanish when ANY descriptor of the file
 * is closed, so a program that opened the same object twice and closed one handle would silently
 * look dead; they also never conflict within one process, so a prober could not see a second
 * handle of its own process. OFD locks belong to the open file description: each attach opens
 * the file anew and so gets its own lock, which the kernel drops only when that description
 * closes, which includes the process dying.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHM_DIR "/dev/shm"

/* How long an attacher waits for a creator between O_EXCL and READY, by default. */
#define DEFAULT_READY_TIMEOUT_NS ((int64_t)2000000000)

int mproc_name_check(const char *name) {
  if (name == NULL)
    return MPROC_EINVAL;
  size_t len = strnlen(name, MPROC_NAME_MAX + 1);
  if (len > MPROC_NAME_MAX)
    return MPROC_ENAMETOOLONG;
  if (len < 2 || name[0] != '/')
    return MPROC_EBADNAME;
  for (size_t i = 1; i < len; i++) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return MPROC_EBADNAME;
  }
  if (strcmp(name, "/.") == 0 || strcmp(name, "/..") == 0)
    return MPROC_EBADNAME;
  return 0;
}

uint64_t mproc__proc_start_time(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = (int)MPROC__RETRY(open(path, O_RDONLY | O_CLOEXEC));
  if (fd < 0)
    return 0;
  ssize_t n = MPROC__RETRY(read(fd, buf, sizeof buf - 1));
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* The command name (field 2) may contain spaces and parentheses: count from the last ')'. */
  char *p = strrchr(buf, ')');
  if (p == NULL)
    return 0;
  p++; /* now at the space before field 3 */
  for (int field = 3; field < 22 && p != NULL; field++)
    p = strchr(p + 1, ' ');
  return p != NULL ? strtoull(p + 1, NULL, 10) : 0;
}

int mproc__process_alive(pid_t pid, uint64_t start) {
  if (pid <= 0)
    return 0;
  if (kill(pid, 0) != 0 && errno != EPERM)
    return 0;
  /* A reused pid is another process: compare the start time when we know it. */
  if (start != 0) {
    uint64_t now = mproc__proc_start_time(pid);
    if (now != 0 && now != start)
      return 0;
  }
  return 1;
}

uint32_t mproc__header_crc(const mproc_header_t *h) {
  const unsigned char *p = (const unsigned char *)h;
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < offsetof(mproc_header_t, lock); i++) {
    /* The state word changes after creation and the CRC cannot cover itself: both count as 0. */
    bool mutable = (i >= 16 && i < 20) || (i >= 60 && i < 64);
    unsigned char b = mutable ? 0 : p[i];
    crc ^= b;
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

static int ofd_lock(int fd, uint32_t slot, short type, int cmd) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = (off_t)(MPROC_LIVENESS_BASE + slot);
  fl.l_len = 1;
  if (fcntl(fd, cmd, &fl) != 0)
    return MPROC__ERR(errno);
  return cmd == F_OFD_GETLK ? fl.l_type != F_UNLCK : 0;
}

int mproc__probe_slot(int fd, uint32_t slot) {
  return ofd_lock(fd, slot, F_WRLCK, F_OFD_GETLK);
}

static uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

/* Claims a participant slot for a fresh handle: a free slot, or one whose owner is dead. */
static int claim_slot(mproc_segment_t *seg) {
  mproc_header_t *h = seg->hdr;
  mproc_participant_t *slots = mproc__slots(h);
  pid_t pid = getpid();
  for (uint32_t i = 0; i < h->max_participants; i++) {
    _Atomic uint32_t *state = MPROC__A32(&slots[i].state);
    uint32_t s = atomic_load_explicit(state, memory_order_acquire);
    if (s == MPROC_SLOT_FREE) {
      if (!atomic_compare_exchange_strong(state, &s, MPROC_SLOT_CLAIMING))
        continue;
    } else if (mproc__probe_slot(seg->fd, i) != 0) {
      continue; /* alive, or the probe failed: leave it alone */
    }
    /* Whoever gets the byte lock owns the slot; a losing claimant simply moves on. */
    if (ofd_lock(seg->fd, i, F_WRLCK, F_OFD_SETLK) != 0)
      continue;
    uint32_t gen = (atomic_load_explicit(MPROC__A32(&slots[i].generation), memory_order_relaxed) +
                    1) & MPROC_LOCK_GEN_MASK;
    atomic_store_explicit(MPROC__A32(&slots[i].generation), gen, memory_order_relaxed);
    slots[i].pid = (uint32_t)pid;
    slots[i].start_time = mproc__proc_start_time(pid);
    slots[i].attach_ns = (uint64_t)mproc__realtime_ns();
    atomic_store_explicit(state, MPROC_SLOT_ALIVE, memory_order_release);
    seg->slot = i;
    seg->generation = gen;
    seg->owner_word = (i + 1) | (gen << MPROC_LOCK_GEN_SHIFT);
    return 0;
  }
  return MPROC_ENOSLOT;
}

static int map(int fd, uint64_t size, int prot, mproc_header_t **out) {
  void *p = mmap(NULL, (size_t)size, prot, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    return MPROC__ERR(errno);
  *out = p;
  return 0;
}

static int layout(const mproc_segment_spec_t *spec, uint32_t *parts, uint64_t *data_off,
                  uint64_t *total) {
  if (spec == NULL || spec->kind == MPROC_KIND_ANY || spec->kind > MPROC_KIND_MAX)
    return MPROC_EINVAL;
  uint32_t n = spec->max_participants ? spec->max_participants : MPROC_DEFAULT_PARTICIPANTS;
  if (n > MPROC_MAX_PARTICIPANTS)
    return MPROC_EBOUNDS;
  uint64_t min_body = (uint64_t)spec->elem_size * spec->elem_count;
  if (spec->elem_size != 0 && min_body / spec->elem_size != spec->elem_count)
    return MPROC_EBOUNDS;
  if (spec->body_size < min_body || spec->body_size > ((uint64_t)1 << 46))
    return MPROC_EBOUNDS;
  *parts = n;
  *data_off = round_up(MPROC_HEADER_BYTES + (uint64_t)n * MPROC_PARTICIPANT_BYTES, 128);
  *total = *data_off + spec->body_size;
  return 0;
}

static void fill_header(mproc_header_t *h, const char *name, const mproc_segment_spec_t *spec,
                        uint32_t parts, uint64_t data_off, uint64_t total) {
  pid_t pid = getpid();
  memcpy(h->magic, MPROC_MAGIC, 8);
  h->layout_major = MPROC_LAYOUT_MAJOR;
  h->layout_minor = MPROC_LAYOUT_MINOR;
  h->kind = spec->kind;
  h->header_bytes = MPROC_HEADER_BYTES;
  h->flags = name == NULL ? MPROC_FLAG_ANONYMOUS : 0;
  h->total_size = total;
  h->creator_pid = (uint32_t)pid;
  h->creator_start = mproc__proc_start_time(pid);
  h->created_ns = (uint64_t)mproc__realtime_ns();
  h->endian_check = MPROC_ENDIAN_CHECK;
  if (name != NULL)
    memcpy(h->name, name, strlen(name) + 1);
  h->max_participants = parts;
  h->participants_offset = MPROC_HEADER_BYTES;
  h->elem_code = spec->elem_code;
  h->elem_size = spec->elem_size;
  h->elem_count = spec->elem_count;
  h->data_offset = data_off;
  h->header_crc = mproc__header_crc(h);
}

static int open_new(const char *name, int *fd) {
  if (name == NULL) {
    *fd = memfd_create("mproc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    return *fd < 0 ? MPROC__ERR(errno) : 0;
  }
  for (int attempt = 0; attempt < 2; attempt++) {
    *fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (*fd >= 0)
      return 0;
    if (errno != EEXIST)
      return MPROC__ERR(errno);
    /* A stale object (everyone who used it is dead) may be replaced; a live one may not. */
    mproc_object_info_t info;
    if (attempt > 0 || mproc_stat(name, &info) != 0 || !info.stale)
      return MPROC_EEXIST;
    shm_unlink(name);
  }
  return MPROC_EEXIST;
}

int mproc_segment_create(const char *name, const mproc_segment_spec_t *spec,
                         mproc_segment_t **out) {
  uint32_t parts;
  uint64_t data_off, total;
  int err;
  if (out == NULL)
    return MPROC_EINVAL;
  *out = NULL;
  if (name != NULL && (err = mproc_name_check(name)) != 0)
    return err;
  if ((err = layout(spec, &parts, &data_off, &total)) != 0)
    return err;
  mproc_segment_t *seg = calloc(1, sizeof *seg);
  if (seg == NULL)
    return MPROC_ENOMEM;
  seg->fd = -1;
  if ((err = open_new(name, &seg->fd)) != 0)
    goto err_free;
  if (MPROC__RETRY(ftruncate(seg->fd, (off_t)total)) != 0) {
    err = MPROC__ERR(errno);
    goto err_unlink;
  }
  /*
   * An anonymous segment's size is sealed: whoever it is handed to can never shrink it under
   * the others' mappings (a touch past the end of a file is SIGBUS) or grow it. A named one
   * cannot be sealed; only its owner can open it for writing (mode 0600), see docs/reliability.md.
   */
  if (name == NULL &&
      fcntl(seg->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    err = MPROC__ERR(errno);
    goto err_unlink;
  }
  if ((err = map(seg->fd, total, PROT_READ | PROT_WRITE, &seg->hdr)) != 0)
    goto err_unlink;
  seg->map_size = total;
  fill_header(seg->hdr, name, spec, parts, data_off, total);
  if ((err = claim_slot(seg)) != 0)
    goto err_unmap;
  *out = seg;
  return 0;

err_unmap:
  munmap(seg->hdr, (size_t)total);
err_unlink:
  if (name != NULL)
    shm_unlink(name);
  close(seg->fd);
err_free:
  free(seg);
  return err;
}

void mproc_segment_publish(mproc_segment_t *seg) {
  atomic_store_explicit(MPROC__A32(&seg->hdr->state), MPROC_STATE_READY, memory_order_release);
  mproc_wake32(&seg->hdr->state, INT_MAX, NULL);
}

/* Checks a READY header against the file it came from. */
static int validate(const mproc_header_t *h, uint64_t file_size, uint16_t kind) {
  if (memcmp(h->magic, MPROC_MAGIC, 8) != 0)
    return MPROC_EBADMAGIC;
  if (h->endian_check != MPROC_ENDIAN_CHECK || h->header_crc != mproc__header_crc(h))
    return MPROC_ECORRUPT;
  if (h->layout_major != MPROC_LAYOUT_MAJOR)
    return MPROC_EVERSION;
  if (h->header_bytes != MPROC_HEADER_BYTES || h->participants_offset != MPROC_HEADER_BYTES ||
      h->max_participants == 0 || h->max_participants > MPROC_MAX_PARTICIPANTS ||
      h->data_offset < MPROC_HEADER_BYTES + (uint64_t)h->max_participants * MPROC_PARTICIPANT_BYTES ||
      h->data_offset > h->total_size || h->data_offset % 128 != 0 ||
      (h->elem_size != 0 && h->elem_count > (h->total_size - h->data_offset) / h->elem_size))
    return MPROC_ECORRUPT;
  if (h->total_size > file_size)
    return MPROC_ETRUNCATED;
  if (kind != MPROC_KIND_ANY && h->kind != kind)
    return MPROC_EKIND;
  return 0;
}

static bool magic_unset(const mproc_header_t *h) {
  static const char zero[8];
  return memcmp(h->magic, zero, 8) == 0;
}

/*
 * Maps the header of an open segment, waits (bounded) for its creator to publish it, validates
 * it, maps the whole segment and claims a slot. Takes ownership of fd.
 */
static int attach_fd(int fd, uint16_t kind, int64_t ready_timeout_ns, mproc_segment_t **out) {
  int64_t deadline = mproc_now_ns() + ready_timeout_ns;
  struct stat st;
  mproc_header_t *h = NULL;
  int err;

  /* The creator may be between O_EXCL and ftruncate: wait for the header to exist. */
  for (;;) {
    if (fstat(fd, &st) != 0) {
      err = MPROC__ERR(errno);
      goto err_close;
    }
    if (st.st_size >= MPROC_HEADER_BYTES)
      break;
    if (mproc_now_ns() >= deadline) {
      err = st.st_size == 0 ? MPROC_ENOTREADY : MPROC_ETRUNCATED;
      goto err_close;
    }
    usleep(1000);
  }
  if ((err = map(fd, MPROC_HEADER_BYTES, PROT_READ, &h)) != 0)
    goto err_close;
  for (;;) {
    uint32_t state = atomic_load_explicit(MPROC__A32(&h->state), memory_order_acquire);
    if (state != MPROC_STATE_INIT)
      break;
    if (!magic_unset(h) && memcmp(h->magic, MPROC_MAGIC, 8) != 0) {
      err = MPROC_EBADMAGIC; /* someone else's file: do not wait for it */
      goto err_unmap;
    }
    int64_t left = deadline - mproc_now_ns();
    if (left <= 0) {
      err = MPROC_ENOTREADY;
      goto err_unmap;
    }
    mproc_wait32(&h->state, MPROC_STATE_INIT, left < 10000000 ? left : 10000000);
  }
  if ((err = validate(h, (uint64_t)st.st_size, kind)) != 0)
    goto err_unmap;
  uint64_t total = h->total_size;
  munmap(h, MPROC_HEADER_BYTES);
  h = NULL;

  mproc_segment_t *seg = calloc(1, sizeof *seg);
  if (seg == NULL) {
    err = MPROC_ENOMEM;
    goto err_close;
  }
  seg->fd = fd;
  if ((err = map(fd, total, PROT_READ | PROT_WRITE, &seg->hdr)) != 0) {
    free(seg);
    goto err_close;
  }
  seg->map_size = total;
  /* Validate again on the full mapping: the header we checked was a separate read. */
  if ((err = validate(seg->hdr, total, kind)) != 0 || (err = claim_slot(seg)) != 0) {
    munmap(seg->hdr, (size_t)total);
    free(seg);
    goto err_close;
  }
  *out = seg;
  return 0;

err_unmap:
  munmap(h, MPROC_HEADER_BYTES);
err_close:
  close(fd);
  return err;
}

int mproc_segment_attach(const char *name, uint16_t kind, int64_t ready_timeout_ns,
                         mproc_segment_t **out) {
  int err;
  if (out == NULL)
    return MPROC_EINVAL;
  *out = NULL;
  if ((err = mproc_name_check(name)) != 0)
    return err;
  if (ready_timeout_ns < 0)
    ready_timeout_ns = DEFAULT_READY_TIMEOUT_NS;
  int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0)
    return MPROC__ERR(errno);
  return attach_fd(fd, kind, ready_timeout_ns, out);
}

int mproc_segment_attach_fd(int fd, uint16_t kind, mproc_segment_t **out) {
  char path[64];
  if (out == NULL) {
    if (fd >= 0)
      close(fd);
    return MPROC_EINVAL;
  }
  *out = NULL;
  if (fd < 0)
    return MPROC_EBADF;
  /* A fresh open file description: our own liveness lock, not a share of the sender's. */
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int own = (int)MPROC__RETRY(open(path, O_RDWR | O_CLOEXEC));
  int err = own < 0 ? MPROC__ERR(errno) : 0;
  close(fd);
  if (err != 0)
    return err;
  return attach_fd(own, kind, DEFAULT_READY_TIMEOUT_NS, out);
}

int mproc_segment_detach(mproc_segment_t *seg) {
  if (seg == NULL)
    return 0;
  /*
   * Freeing the slot makes a lock this handle still holds look abandoned, so the next acquirer
   * takes it over and is told the owner died: closing inside a critical section is a crash too.
   */
  atomic_store_explicit(MPROC__A32(&mproc__slots(seg->hdr)[seg->slot].state), MPROC_SLOT_FREE,
                        memory_order_release);
  munmap(seg->hdr, (size_t)seg->map_size);
  close(seg->fd); /* drops the liveness lock */
  free(seg);
  return 0;
}

int mproc_unlink(const char *name) {
  int err = mproc_name_check(name);
  if (err != 0)
    return err;
  return shm_unlink(name) == 0 ? 0 : MPROC__ERR(errno);
}

void *mproc_segment_base(const mproc_segment_t *seg) { return seg->hdr; }

void *mproc_segment_data(const mproc_segment_t *seg) {
  return (char *)seg->hdr + seg->hdr->data_offset;
}

uint64_t mproc_segment_size(const mproc_segment_t *seg) { return seg->map_size; }

int mproc_segment_fd(const mproc_segment_t *seg) { return seg->fd; }

uint32_t mproc_segment_slot(const mproc_segment_t *seg) { return seg->slot; }

int mproc_segment_slot_alive(const mproc_segment_t *seg, uint32_t slot) {
  if (slot == seg->slot)
    return 1;
  if (slot >= seg->hdr->max_participants)
    return 0;
  uint32_t s =
      atomic_load_explicit(MPROC__A32(&mproc__slots(seg->hdr)[slot].state), memory_order_acquire);
  if (s == MPROC_SLOT_FREE)
    return 0;
  return mproc__probe_slot(seg->fd, slot) == 1;
}

int mproc_stat(const char *name, mproc_object_info_t *info) {
  int err;
  struct stat st;
  mproc_header_t *h = NULL;
  if (info == NULL)
    return MPROC_EINVAL;
  memset(info, 0, sizeof *info);
  if ((err = mproc_name_check(name)) != 0)
    return err;
  int fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return MPROC__ERR(errno);
  if (fstat(fd, &st) != 0) {
    err = MPROC__ERR(errno);
    goto out;
  }
  if (st.st_size < MPROC_HEADER_BYTES) {
    err = MPROC_ETRUNCATED;
    goto out;
  }
  if ((err = map(fd, (uint64_t)st.st_size, PROT_READ, &h)) != 0) {
    h = NULL;
    goto out;
  }
  if (memcmp(h->magic, MPROC_MAGIC, 8) != 0) {
    err = MPROC_EBADMAGIC;
    goto out;
  }
  snprintf(info->name, sizeof info->name, "%s", name);
  info->kind = h->kind;
  info->layout_major = h->layout_major;
  info->layout_minor = h->layout_minor;
  info->elem_code = h->elem_code;
  info->state = atomic_load_explicit(MPROC__A32(&h->state), memory_order_acquire);
  info->total_size = h->total_size;
  info->elem_count = h->elem_count;
  info->creator_pid = h->creator_pid;
  info->creator_alive = mproc__process_alive((pid_t)h->creator_pid, h->creator_start);
  info->created_ns = h->created_ns;
  if (info->state != MPROC_STATE_INIT &&
      (err = validate(h, (uint64_t)st.st_size, MPROC_KIND_ANY)) != 0)
    goto out;
  info->max_participants = info->state == MPROC_STATE_INIT ? 0 : h->max_participants;
  for (uint32_t i = 0; i < info->max_participants; i++) {
    const mproc_participant_t *p = &mproc__slots(h)[i];
    if (atomic_load_explicit(MPROC__A32(&p->state), memory_order_acquire) != MPROC_SLOT_FREE &&
        mproc__probe_slot(fd, i) == 1)
      info->live_participants++;
  }
  info->stale = info->live_participants == 0 && !info->creator_alive;
out:
  if (h != NULL)
    munmap(h, (size_t)st.st_size);
  close(fd);
  return err;
}

int mproc_gc(int *removed) {
  int count = 0;
  DIR *dir = opendir(SHM_DIR);
  if (dir == NULL)
    return MPROC__ERR(errno);
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    char name[MPROC_NAME_MAX + 2];
    mproc_object_info_t info;
    if (strlen(e->d_name) >= MPROC_NAME_MAX)
      continue;
    snprintf(name, sizeof name, "/%s", e->d_name);
    if (mproc_name_check(name) != 0 || mproc_stat(name, &info) != 0 || !info.stale)
      continue;
    if (shm_unlink(name) == 0)
      count++;
  }
  closedir(dir);
  if (removed != NULL)
    *removed = count;
  return 0;
}
