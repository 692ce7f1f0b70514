/*
 * Hostile inputs: bad names, objects owned by another user or with other permissions, and
 * segments truncated before and after attach. docs/reliability.md states what is protected and
 * what is not; each case here pins one line of it.
 */
#include "../native/check.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define NOBODY 65534

/* Every kind's create function, so that each refuses the same names. */
static int create_any(int which, const char *name) {
  int rc = MPROC_EINVAL;
  if (which == 0) {
    mproc_segment_spec_t spec = {.kind = MPROC_KIND_VALUE, .body_size = 8};
    mproc_segment_t *s;
    if ((rc = mproc_segment_create(name, &spec, &s)) == 0) {
      mproc_segment_publish(s);
      mproc_segment_detach(s);
    }
  } else if (which == 1) {
    mproc_array_t *a;
    if ((rc = mproc_array_create(name, MPROC_INT32, 4, NULL, &a)) == 0)
      mproc_array_close(a);
  } else if (which == 2) {
    mproc_queue_t *q;
    if ((rc = mproc_queue_create(name, NULL, &q)) == 0)
      mproc_queue_close(q);
  } else {
    mproc_sync_t *s;
    if ((rc = mproc_lock_create(name, &s)) == 0)
      mproc_sync_close(s);
  }
  return rc;
}

static int shm_exists_named(const char *name) {
  char path[64];
  struct stat st;
  snprintf(path, sizeof path, "/dev/shm%s", name);
  return stat(path, &st) == 0;
}

static int shm_entries(void) {
  int n = 0;
  FILE *p = popen("ls -A /dev/shm | wc -l", "r");
  CHECK(p != NULL && fscanf(p, "%d", &n) == 1);
  pclose(p);
  return n;
}

static void bad_names_are_refused_and_create_nothing(void) {
  char longest[MPROC_NAME_MAX + 1], too_long[MPROC_NAME_MAX + 2], huge[4096];
  memset(longest, 'a', sizeof longest);
  longest[0] = '/';
  longest[MPROC_NAME_MAX] = '\0';
  memcpy(too_long, longest, MPROC_NAME_MAX);
  too_long[MPROC_NAME_MAX] = 'a';
  too_long[MPROC_NAME_MAX + 1] = '\0';
  memset(huge, 'x', sizeof huge);
  huge[0] = '/';
  huge[sizeof huge - 1] = '\0';
  static const char *const bad[] = {"/a/b", "/..", "/.", "/../mpt-x", "mpt-noslash", "/", "",
                                    "//mpt", "/mpt x", "/mpt\n", "/mpt\xc3\xa9", "/mpt:1",
                                    "/mpt\\x", "/mpt*"};
  int before = shm_entries();
  for (int which = 0; which < 4; which++) {
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
      CHECK_RC(MPROC_EBADNAME, create_any(which, bad[i]));
    CHECK_RC(MPROC_ENAMETOOLONG, create_any(which, too_long));
    CHECK_RC(MPROC_ENAMETOOLONG, create_any(which, huge));
    CHECK_RC(MPROC_EINVAL, mproc_name_check(NULL));
  }
  mproc_segment_t *s;
  mproc_object_info_t info;
  CHECK_RC(MPROC_EBADNAME, mproc_segment_attach("/../etc/passwd", MPROC_KIND_ANY, 0, &s));
  CHECK_RC(MPROC_EBADNAME, mproc_stat("/a/b", &info));
  CHECK_RC(MPROC_EBADNAME, mproc_unlink("/.."));
  CHECK(shm_entries() == before);
  /* 31 bytes is the longest name, and it works. */
  CHECK_RC(0, mproc_name_check(longest));
  int n = snprintf(longest, sizeof longest, "/mpt-%d-", (int)getpid());
  memset(longest + n, 'a', MPROC_NAME_MAX - (size_t)n);
  longest[MPROC_NAME_MAX] = '\0';
  CHECK_RC(0, create_any(1, longest));
  CHECK_RC(0, mproc_unlink(longest));
}

/*
 * C sees a name up to its first NUL: "/mpt-a\0b" is "/mpt-a". A caller holding a length (a
 * binding) must refuse a name with a NUL in it itself. What C guarantees is that it never reads
 * past MPROC_NAME_MAX + 1 bytes looking for the end: here the name ends a page whose successor
 * is unmapped.
 */
static void an_unterminated_name_is_not_read_past_its_limit(void) {
  long page = sysconf(_SC_PAGESIZE);
  char *p = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  CHECK(p != MAP_FAILED);
  CHECK(mprotect(p + page, (size_t)page, PROT_NONE) == 0);
  char *name = p + page - (MPROC_NAME_MAX + 1); /* 32 bytes, no NUL, then the guard page */
  memset(name, 'a', MPROC_NAME_MAX + 1);
  name[0] = '/';
  mproc_segment_t *s;
  CHECK_RC(MPROC_ENAMETOOLONG, mproc_name_check(name));
  CHECK_RC(MPROC_ENAMETOOLONG, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &s));
  CHECK_RC(MPROC_ENAMETOOLONG, create_any(2, name));
  munmap(p, (size_t)page * 2);
}

/* Runs fn in a child that has become user nobody; returns the child's exit status. */
static int as_nobody(int (*fn)(const char *), const char *name) {
  pid_t pid = fork_child();
  if (pid == 0) {
    if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
      _exit(99);
    _exit(fn(name));
  }
  return wait_child(pid);
}

static int nobody_attach(const char *name) {
  mproc_segment_t *s;
  int rc = mproc_segment_attach(name, MPROC_KIND_ANY, 0, &s);
  if (rc == 0)
    mproc_segment_detach(s);
  return rc == 0 ? 0 : rc == MPROC_EACCES ? 10 : 20;
}

static int nobody_stat(const char *name) {
  mproc_object_info_t info;
  int rc = mproc_stat(name, &info);
  return rc == 0 ? 0 : rc == MPROC_EACCES ? 10 : 20;
}

static int nobody_gc_and_unlink(const char *name) {
  int removed = -1;
  if (mproc_gc(&removed) != 0)
    return 30;
  int rc = mproc_unlink(name);
  return rc == MPROC_EACCES || rc == MPROC_EPERM ? 10 : 20;
}

static int nobody_create(const char *name) {
  mproc_array_t *a;
  int rc = mproc_array_create(name, MPROC_INT64, 2, NULL, &a);
  if (rc != 0)
    return 20;
  mproc_array_close(a); /* and exits: the object is stale from now on */
  return 0;
}

/*
 * Objects are created with mode 0600: another user can neither join (MPROC_EACCES), nor read
 * its header, nor remove it, not even with mproc_gc. Granting others read (0604) lets them stat
 * it but still not join, since joining writes. root, as always, can do anything.
 */
static void another_user_cannot_join_read_or_remove(void) {
  if (geteuid() != 0) {
    fprintf(stderr, "    (skipped: needs root to switch users)\n");
    return;
  }
  const char *name = test_name("perm");
  mproc_array_t *a;
  CHECK_RC(0, mproc_array_create(name, MPROC_INT64, 2, NULL, &a));
  CHECK(as_nobody(nobody_attach, name) == 10);
  CHECK(as_nobody(nobody_stat, name) == 10);
  mproc_array_close(a); /* no participant left, but its creator (this process) runs */
  CHECK(as_nobody(nobody_gc_and_unlink, name) == 10);
  CHECK(shm_exists_named(name));

  char path[64];
  snprintf(path, sizeof path, "/dev/shm%s", name);
  CHECK(chmod(path, 0604) == 0);
  CHECK(as_nobody(nobody_stat, name) == 0);
  CHECK(as_nobody(nobody_attach, name) == 10);
  CHECK_RC(0, mproc_unlink(name));

  /* Made by nobody (and stale once nobody exits): root joins it, and may collect it. */
  CHECK(as_nobody(nobody_create, name) == 0);
  struct stat st;
  CHECK(stat(path, &st) == 0 && st.st_uid == NOBODY && (st.st_mode & 0777) == 0600);
  CHECK_RC(0, mproc_array_open(name, MPROC_KIND_ARRAY, MPROC_INT64, &a));
  mproc_array_close(a);
  int removed = 0;
  CHECK_RC(0, mproc_gc(&removed));
  CHECK(!shm_exists_named(name) && removed >= 1);
}

/* An anonymous segment's size is sealed: nobody it is handed to can shrink or grow it. */
static void an_anonymous_segment_cannot_be_truncated(void) {
  mproc_array_t *a;
  CHECK_RC(0, mproc_array_create(NULL, MPROC_INT64, 1000, NULL, &a));
  int fd = mproc_segment_fd(mproc_array_segment(a));
  int seals = fcntl(fd, F_GET_SEALS);
  CHECK(seals >= 0 && (seals & F_SEAL_SHRINK) && (seals & F_SEAL_GROW) && (seals & F_SEAL_SEAL));
  off_t size = (off_t)mproc_segment_size(mproc_array_segment(a));
  CHECK(ftruncate(fd, size / 2) != 0 && errno == EPERM);
  CHECK(ftruncate(fd, size * 2) != 0 && errno == EPERM);
  /* The same through a descriptor of its own, as a child given the segment would have. */
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int other = open(path, O_RDWR);
  CHECK(other >= 0);
  CHECK(ftruncate(other, 0) != 0 && errno == EPERM);
  CHECK(fcntl(other, F_ADD_SEALS, 0) != 0); /* and the seals cannot be changed (F_SEAL_SEAL) */
  close(other);
  int64_t last = 7;
  CHECK_RC(0, mproc_array_store(a, 999, &last));
  mproc_array_close(a);
}

static void truncate_named(const char *name, off_t size) {
  int fd = shm_open(name, O_RDWR, 0);
  CHECK(fd >= 0);
  CHECK(ftruncate(fd, size) == 0);
  close(fd);
}

/*
 * A named segment truncated before an attach is refused (MPROC_ETRUNCATED), for every kind.
 * Truncated after an attach it is NOT protected: the reader's next touch beyond the new end
 * raises SIGBUS. Only a process that can open it for writing can do that: its owner (0600).
 */
static void a_truncated_named_segment(void) {
  const char *name = test_name("trunc");
  for (int which = 0; which < 4; which++) {
    CHECK_RC(0, create_any(which, name));
    mproc_object_info_t info;
    CHECK_RC(0, mproc_stat(name, &info));
    truncate_named(name, (off_t)info.total_size - 8);
    mproc_segment_t *s;
    CHECK_RC(MPROC_ETRUNCATED, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &s));
    CHECK_RC(MPROC_ETRUNCATED, mproc_stat(name, &info));
    truncate_named(name, 100); /* shorter than a header */
    CHECK_RC(MPROC_ETRUNCATED, mproc_segment_attach(name, MPROC_KIND_ANY, 0, &s));
    CHECK_RC(0, mproc_unlink(name));
  }

  mproc_array_t *a;
  CHECK_RC(0, mproc_array_create(name, MPROC_INT64, 4096, NULL, &a));
  int attached[2], truncated[2];
  CHECK(pipe(attached) == 0 && pipe(truncated) == 0);
  pid_t pid = fork_child();
  if (pid == 0) {
    mproc_array_t *mine;
    int64_t v;
    if (mproc_array_open(name, MPROC_KIND_ARRAY, MPROC_INT64, &mine) != 0)
      _exit(1);
    char c;
    if (write(attached[1], "a", 1) != 1 || read(truncated[0], &c, 1) != 1)
      _exit(2);
    signal(SIGBUS, SIG_DFL); /* sanitizers catch it to report it: let it kill, as without */
    mproc_array_load(mine, 4095, &v); /* past the new end of the file */
    _exit(0);
  }
  char c;
  CHECK(read(attached[0], &c, 1) == 1);
  truncate_named(name, 4096);
  CHECK(write(truncated[1], "t", 1) == 1);
  CHECK(wait_child(pid) == -SIGBUS);
  for (int i = 0; i < 2; i++) {
    close(attached[i]);
    close(truncated[i]);
  }
  mproc_array_close(a);
  CHECK_RC(0, mproc_unlink(name));
}

int main(void) {
  alarm(60);
  RUN(bad_names_are_refused_and_create_nothing);
  RUN(an_unterminated_name_is_not_read_past_its_limit);
  RUN(another_user_cannot_join_read_or_remove);
  RUN(an_anonymous_segment_cannot_be_truncated);
  RUN(a_truncated_named_segment);
  return 0;
}
