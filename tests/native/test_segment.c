/* Segments: names, create/attach, validation failures, liveness, stat, stale reclamation, gc. */
#include "check.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

uint32_t mproc__header_crc(const mproc_header_t *h); /* internal */

static const mproc_segment_spec_t spec = {.kind = MPROC_KIND_VALUE, .body_size = 64};

static mproc_segment_t *create_published(const char *name) {
  mproc_segment_t *seg;
  CHECK_RC(0, mproc_segment_create(name, &spec, &seg));
  mproc_segment_publish(seg);
  return seg;
}

/* Maps a named segment's header writable without attaching, to damage it. */
static mproc_header_t *raw_header(const char *name) {
  int fd = shm_open(name, O_RDWR, 0);
  CHECK(fd >= 0);
  void *p = mmap(NULL, MPROC_HEADER_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED);
  close(fd);
  return p;
}

static void names_are_validated(void) {
  CHECK_RC(0, mproc_name_check("/jobs"));
  CHECK_RC(0, mproc_name_check("/A-z_0.9"));
  CHECK_RC(0, mproc_name_check("/123456789012345678901234567890")); /* 31 bytes */
  CHECK_RC(MPROC_ENAMETOOLONG, mproc_name_check("/1234567890123456789012345678901"));
  CHECK_RC(MPROC_EBADNAME, mproc_name_check("jobs"));
  CHECK_RC(MPROC_EBADNAME, mproc_name_check("/"));
  CHECK_RC(MPROC_EBADNAME, mproc_name_check("/a/b"));
  CHECK_RC(MPROC_EBADNAME, mproc_name_check("/.."));
  CHECK_RC(MPROC_EBADNAME, mproc_name_check("/."));
  CHECK_RC(MPROC_EBADNAME, mproc_name_check("/a b"));
  CHECK_RC(MPROC_EINVAL, mproc_name_check(NULL));
  mproc_segment_t *seg;
  CHECK_RC(MPROC_EBADNAME, mproc_segment_create("/x/y", &spec, &seg));
  CHECK(seg == NULL);
  CHECK_RC(MPROC_EBADNAME, mproc_segment_attach("nope", MPROC_KIND_ANY, 0, &seg));
}

static void a_created_segment_is_attached_by_name(void) {
  const char *name = test_name("seg");
  mproc_segment_t *a = create_published(name), *b;
  const mproc_header_t *h = mproc_segment_base(a);
  CHECK(memcmp(h->magic, MPROC_MAGIC, 8) == 0);
  CHECK(h->state == MPROC_STATE_READY);
  CHECK(strcmp(h->name, name) == 0);
  CHECK(h->creator_pid == (uint32_t)getpid());
  CHECK(h->data_offset % 128 == 0);
  CHECK(h->total_size == h->data_offset + 64);
  CHECK_RC(0, mproc_segment_attach(name, MPROC_KIND_VALUE, 0, &b));
  CHECK(mproc_segment_slot(a) != mproc_segment_slot(b));
  /* Two handles in one process: each sees the other alive, and itself. */
  CHECK(mproc_segment_slot_alive(a, mproc_segment_slot(b)) == 1);
  CHECK(mproc_segment_slot_alive(b, mproc_segment_slot(a)) == 1);
  CHECK(mproc_segment_slot_alive(a, mproc_segment_slot(a)) == 1);
  *(uint64_t *)mproc_segment_data(a) = 42;
  CHECK(*(uint64_t *)mproc_segment_data(b) == 42);
  uint32_t bslot = mproc_segment_slot(b);
  mproc_segment_detach(b);
  CHECK(mproc_segment_slot_alive(a, bslot) == 0);
  mproc_segment_t *c;
  CHECK_RC(MPROC_EEXIST, mproc_segment_create(name, &spec, &c));
  mproc_segment_detach(a);
  CHECK_RC(0, mproc_unlink(name));
  CHECK_RC(MPROC_ENOENT, mproc_unlink(name));
  CHECK_RC(MPROC_ENOENT, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &c));
}

static void bad_specs_are_rejected(void) {
  mproc_segment_t *seg;
  mproc_segment_spec_t s = spec;
  CHECK_RC(MPROC_EINVAL, mproc_segment_create(NULL, NULL, &seg));
  s.kind = 0;
  CHECK_RC(MPROC_EINVAL, mproc_segment_create(NULL, &s, &seg));
  s = spec;
  s.max_participants = MPROC_MAX_PARTICIPANTS + 1;
  CHECK_RC(MPROC_EBOUNDS, mproc_segment_create(NULL, &s, &seg));
  s = spec;
  s.elem_size = 8;
  s.elem_count = 100;
  CHECK_RC(MPROC_EBOUNDS, mproc_segment_create(NULL, &s, &seg)); /* body smaller than elements */
}

static void attach_reports_each_kind_of_damage(void) {
  const char *name = test_name("dmg");
  mproc_segment_t *a = create_published(name), *b;
  CHECK_RC(MPROC_EKIND, mproc_segment_attach(name, MPROC_KIND_QUEUE, 0, &b));
  mproc_header_t *h = raw_header(name);

  h->name[5] ^= 1; /* a fixed field changed behind the CRC's back */
  CHECK_RC(MPROC_ECORRUPT, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &b));
  h->name[5] ^= 1;
  h->layout_major = MPROC_LAYOUT_MAJOR + 1;
  h->header_crc = mproc__header_crc(h);
  CHECK_RC(MPROC_EVERSION, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &b));
  h->layout_major = MPROC_LAYOUT_MAJOR - 1; /* an older layout is refused too */
  h->header_crc = mproc__header_crc(h);
  CHECK_RC(MPROC_EVERSION, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &b));
  h->layout_major = MPROC_LAYOUT_MAJOR;
  h->header_crc = mproc__header_crc(h);
  h->magic[0] = 'X';
  CHECK_RC(MPROC_EBADMAGIC, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &b));
  h->magic[0] = 'M';
  CHECK_RC(0, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &b));
  mproc_segment_detach(b);

  int fd = shm_open(name, O_RDWR, 0);
  CHECK(ftruncate(fd, (off_t)h->total_size - 8) == 0);
  close(fd);
  CHECK_RC(MPROC_ETRUNCATED, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &b));
  munmap(h, MPROC_HEADER_BYTES);
  mproc_segment_detach(a);
  mproc_unlink(name);
}

static void foreign_and_unpublished_files_are_refused(void) {
  const char *name = test_name("foreign");
  int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  CHECK(fd >= 0);
  CHECK(write(fd, "not an mproc object, just bytes that happen to be long enough to look at..",
              75) == 75);
  CHECK(ftruncate(fd, 4096) == 0);
  close(fd);
  mproc_segment_t *seg;
  mproc_object_info_t info;
  CHECK_RC(MPROC_EBADMAGIC, mproc_segment_attach(name, MPROC_KIND_ANY, 1000000000, &seg));
  CHECK_RC(MPROC_EBADMAGIC, mproc_stat(name, &info));
  CHECK_RC(MPROC_EEXIST, mproc_segment_create(name, &spec, &seg)); /* never replaced */
  CHECK_RC(0, mproc_unlink(name));

  /* Too short to hold a header. */
  fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  CHECK(ftruncate(fd, 100) == 0);
  close(fd);
  CHECK_RC(MPROC_ETRUNCATED, mproc_segment_attach(name, MPROC_KIND_ANY, 20000000, &seg));
  CHECK_RC(0, mproc_unlink(name));

  /* Created but never published: an attacher gives up instead of reading a half-made body. */
  mproc_segment_t *creator;
  CHECK_RC(0, mproc_segment_create(name, &spec, &creator));
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_ENOTREADY, mproc_segment_attach(name, MPROC_KIND_ANY, 30000000, &seg));
  CHECK(mproc_now_ns() - t0 >= 29000000);
  mproc_segment_detach(creator);
  CHECK_RC(0, mproc_unlink(name));
}

static void a_waiting_attacher_sees_the_segment_once_published(void) {
  const char *name = test_name("late");
  mproc_segment_t *creator, *seg;
  CHECK_RC(0, mproc_segment_create(name, &spec, &creator));
  pid_t pid = fork_child();
  if (pid == 0) {
    int rc = mproc_segment_attach(name, MPROC_KIND_VALUE, 5000000000LL, &seg);
    _exit(rc == 0 && *(uint64_t *)mproc_segment_data(seg) == 99 ? 0 : 1);
  }
  usleep(50000);
  *(uint64_t *)mproc_segment_data(creator) = 99;
  mproc_segment_publish(creator);
  CHECK(wait_child(pid) == 0);
  mproc_segment_detach(creator);
  mproc_unlink(name);
}

static void a_killed_participant_is_seen_dead(void) {
  const char *name = test_name("live");
  mproc_segment_t *a = create_published(name);
  int ready[2];
  CHECK(pipe(ready) == 0);
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_segment_t *b;
    if (mproc_segment_attach(name, MPROC_KIND_ANY, 0, &b) != 0)
      _exit(1);
    char slot = (char)mproc_segment_slot(b);
    CHECK(write(ready[1], &slot, 1) == 1);
    pause();
    _exit(0);
  }
  char slot;
  CHECK(read(ready[0], &slot, 1) == 1);
  CHECK(mproc_segment_slot_alive(a, (uint32_t)slot) == 1);
  mproc_object_info_t info;
  CHECK_RC(0, mproc_stat(name, &info));
  CHECK(info.live_participants == 2);
  CHECK(info.creator_alive == 1 && info.stale == 0);
  kill(pid, SIGKILL);
  CHECK(wait_child(pid) == -SIGKILL);
  CHECK(mproc_segment_slot_alive(a, (uint32_t)slot) == 0);
  CHECK_RC(0, mproc_stat(name, &info));
  CHECK(info.live_participants == 1);
  /* The dead slot is reused by the next attacher, with a new generation. */
  mproc_segment_t *c;
  CHECK_RC(0, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &c));
  CHECK(mproc_segment_slot(c) == (uint32_t)slot);
  mproc_segment_detach(c);
  mproc_segment_detach(a);
  mproc_unlink(name);
  close(ready[0]);
  close(ready[1]);
}

static void a_stale_object_is_replaced_and_collected(void) {
  const char *name = test_name("stale");
  pid_t pid = fork_child();
  if (pid == 0) {
    create_published(name);
    _exit(0); /* exits without detaching or unlinking */
  }
  CHECK(wait_child(pid) == 0);
  mproc_object_info_t info;
  CHECK_RC(0, mproc_stat(name, &info));
  CHECK(info.stale == 1 && info.live_participants == 0 && info.creator_alive == 0);
  CHECK(info.kind == MPROC_KIND_VALUE && info.state == MPROC_STATE_READY);

  int removed = -1;
  CHECK_RC(0, mproc_gc(&removed));
  CHECK(removed >= 1);
  CHECK_RC(MPROC_ENOENT, mproc_stat(name, &info));

  pid = fork_child();
  if (pid == 0) {
    create_published(name);
    _exit(0);
  }
  CHECK(wait_child(pid) == 0);
  mproc_segment_t *seg;
  CHECK_RC(0, mproc_segment_create(name, &spec, &seg)); /* replaces the stale one */
  mproc_segment_publish(seg);
  CHECK(((mproc_header_t *)mproc_segment_base(seg))->creator_pid == (uint32_t)getpid());
  CHECK_RC(0, mproc_gc(&removed));
  CHECK_RC(0, mproc_stat(name, &info)); /* live: gc left it */
  mproc_segment_detach(seg);
  mproc_unlink(name);
}

static void an_anonymous_segment_travels_as_a_descriptor(void) {
  mproc_segment_t *a, *b;
  CHECK_RC(0, mproc_segment_create(NULL, &spec, &a));
  mproc_segment_publish(a);
  const mproc_header_t *h = mproc_segment_base(a);
  CHECK(h->flags & MPROC_FLAG_ANONYMOUS);
  CHECK(h->name[0] == '\0');
  int fd = dup(mproc_segment_fd(a));
  CHECK_RC(0, mproc_segment_attach_fd(fd, MPROC_KIND_VALUE, &b));
  CHECK(fcntl(fd, F_GETFD) == -1); /* the handed descriptor was consumed */
  CHECK(mproc_segment_slot_alive(a, mproc_segment_slot(b)) == 1);
  *(uint32_t *)mproc_segment_data(b) = 5;
  CHECK(*(uint32_t *)mproc_segment_data(a) == 5);
  mproc_segment_detach(b);
  mproc_segment_detach(a);
  CHECK_RC(MPROC_EBADF, mproc_segment_attach_fd(-1, MPROC_KIND_ANY, &b));
}

static void participant_slots_run_out(void) {
  mproc_segment_spec_t s = spec;
  s.max_participants = 2;
  mproc_segment_t *a, *b, *c;
  const char *name = test_name("slots");
  CHECK_RC(0, mproc_segment_create(name, &s, &a));
  mproc_segment_publish(a);
  CHECK_RC(0, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &b));
  CHECK_RC(MPROC_ENOSLOT, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &c));
  mproc_segment_detach(b);
  CHECK_RC(0, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &c));
  mproc_segment_detach(c);
  mproc_segment_detach(a);
  mproc_unlink(name);
}

int main(void) {
  RUN(names_are_validated);
  RUN(a_created_segment_is_attached_by_name);
  RUN(bad_specs_are_rejected);
  RUN(attach_reports_each_kind_of_damage);
  RUN(foreign_and_unpublished_files_are_refused);
  RUN(a_waiting_attacher_sees_the_segment_once_published);
  RUN(a_killed_participant_is_seen_dead);
  RUN(a_stale_object_is_replaced_and_collected);
  RUN(an_anonymous_segment_travels_as_a_descriptor);
  RUN(participant_slots_run_out);
  return 0;
}
