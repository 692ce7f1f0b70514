/*
 * Spawning: exit codes Python's way, signals, timeouts, missing programs, handed descriptors,
 * the manifest, SCM_RIGHTS messages and the lifeline. Children are this binary run again with a
 * helper name as argv[1] (libuv's pattern).
 */
#include "check.h"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>

static const char *self;

static mproc_child_t *spawn_self(const char *mode, const int *fds, int nfds) {
  char *argv[] = {(char *)self, (char *)mode, NULL};
  mproc_spawn_opts_t o;
  mproc_spawn_opts_init(&o);
  o.path = self;
  o.argv = argv;
  o.fds = fds;
  o.nfds = nfds;
  mproc_child_t *c;
  CHECK_RC(0, mproc_spawn(&o, &c));
  return c;
}

static mproc_child_t *spawn_sh(const char *script) {
  char *argv[] = {"sh", "-c", (char *)script, NULL};
  mproc_spawn_opts_t o;
  mproc_spawn_opts_init(&o);
  o.path = "sh"; /* found on PATH */
  o.argv = argv;
  mproc_child_t *c;
  CHECK_RC(0, mproc_spawn(&o, &c));
  return c;
}

static int wait_code(mproc_child_t *c) {
  int code = 12345;
  CHECK_RC(0, mproc_child_wait(c, 10000000000LL, &code));
  return code;
}

/* Spawns a shell script, waits for it and frees the handle: its exit code. */
static int run_sh(const char *script) {
  mproc_child_t *c = spawn_sh(script);
  int code = wait_code(c);
  mproc_child_free(c);
  return code;
}

/* ---- children ---- */

static int child_negate(void) {
  mproc_handoff_t *h;
  if (mproc_child_init(5000000000LL, &h) != 0 || mproc_handoff_count(h) != 1)
    return 10;
  mproc_handed_t e;
  if (mproc_handoff_get(h, 0, &e) != 0 || e.kind != MPROC_KIND_ARRAY || e.elem_code != 'i' ||
      e.fd != MPROC_FIRST_HANDED_FD || mproc_handoff_find(h, "numbers") != 0 ||
      (mproc_handoff_flags(h) & MPROC_MANIFEST_DAEMON) == 0)
    return 11;
  uint32_t plen;
  const char *payload = mproc_handoff_payload(h, &plen);
  if (plen != 5 || memcmp(payload, "hello", 5) != 0)
    return 12;
  mproc_array_t *a;
  if (mproc_array_open_fd(e.fd, MPROC_KIND_ARRAY, MPROC_INT32, &a) != 0)
    return 13;
  for (uint64_t i = 0; i < mproc_array_length(a); i++) {
    int32_t v;
    mproc_array_load(a, i, &v);
    v = -v;
    mproc_array_store(a, i, &v);
  }
  /* Reply with a message carrying a descriptor: a pipe's read end with "ok" in it. */
  int p[2];
  if (pipe(p) != 0 || write(p[1], "ok", 2) != 2)
    return 14;
  if (mproc_channel_send(MPROC_BOOTSTRAP_FD, "done", 4, &p[0], 1) != 0)
    return 15;
  mproc_array_close(a);
  mproc_handoff_free(h);
  return 0;
}

static int child_count_fds(void) {
  /* Only 0, 1, 2, the channel and the one handed descriptor may be open (plus the dir's own). */
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n - 1; /* the directory's descriptor */
}

static int child_lifeline(void) {
  return mproc_lifeline_wait(MPROC_BOOTSTRAP_FD, 10000000000LL) == 0 ? 0 : 1;
}

/* ---- tests ---- */

static void exit_codes_follow_python(void) {
  CHECK(run_sh("exit 0") == 0);
  CHECK(run_sh("exit 3") == 3);
  CHECK(run_sh("kill -TERM $$") == -SIGTERM);
  mproc_child_t *c = spawn_sh("exec sleep 30");
  int code;
  CHECK_RC(MPROC_ETIMEDOUT, mproc_child_wait(c, 50000000, &code));
  CHECK_RC(0, mproc_child_signal(c, SIGKILL));
  CHECK(wait_code(c) == -SIGKILL);
  CHECK(wait_code(c) == -SIGKILL); /* reaped: the code stays */
  CHECK_RC(0, mproc_child_signal(c, SIGTERM)); /* no effect once reaped */
  mproc_child_free(c);
  c = spawn_sh("exec sleep 30");
  CHECK_RC(0, mproc_child_signal(c, SIGTERM));
  CHECK(wait_code(c) == -SIGTERM);
  mproc_child_free(c);
}

static void bad_spawns_are_reported(void) {
  char *argv[] = {"nope", NULL};
  mproc_spawn_opts_t o;
  mproc_spawn_opts_init(&o);
  mproc_child_t *c;
  CHECK_RC(MPROC_EINVAL, mproc_spawn(&o, &c));
  o.path = "/nonexistent/program";
  o.argv = argv;
  CHECK_RC(MPROC_ENOENT, mproc_spawn(&o, &c));
  o.path = "no-such-program-on-path";
  CHECK_RC(MPROC_ENOENT, mproc_spawn(&o, &c));
  char path[64];
  snprintf(path, sizeof path, "/tmp/mpt-spawn-%d", (int)getpid());
  FILE *f = fopen(path, "w");
  fputs("\x7f" "garbage, not a program\n", f);
  fclose(f);
  chmod(path, 0644);
  o.path = path; /* not executable */
  CHECK_RC(MPROC_EACCES, mproc_spawn(&o, &c));
  chmod(path, 0755);
  CHECK_RC(MPROC_ENOEXEC, mproc_spawn(&o, &c)); /* executable, but no known format */
  unlink(path);
  int bad = 1000;
  o.path = "/bin/true";
  o.fds = &bad;
  o.nfds = 1;
  CHECK_RC(MPROC_EBADF, mproc_spawn(&o, &c));
  o.nfds = MPROC_MAX_HANDED + 1;
  CHECK_RC(MPROC_EBOUNDS, mproc_spawn(&o, &c));
}

static void a_child_gets_an_array_a_manifest_and_answers_with_a_descriptor(void) {
  int32_t init[5] = {0, 1, 2, 3, 4};
  mproc_array_t *a;
  CHECK_RC(0, mproc_array_create(NULL, MPROC_INT32, 5, init, &a));
  int fd = mproc_segment_fd(mproc_array_segment(a));
  mproc_child_t *c = spawn_self("negate", &fd, 1);
  uint16_t kinds[] = {MPROC_KIND_ARRAY};
  char codes[] = {'i'};
  const char *names[] = {"numbers"};
  CHECK_RC(0, mproc_child_send_manifest(c, MPROC_MANIFEST_DAEMON, 1, kinds, codes, names,
                                        "hello", 5));
  void *msg;
  uint32_t len;
  int fds[2], nfds;
  CHECK_RC(0, mproc_channel_recv(mproc_child_channel(c), 10000000000LL, &msg, &len, fds, 2, &nfds));
  CHECK(len == 4 && memcmp(msg, "done", 4) == 0 && nfds == 1);
  mproc_free(msg);
  char ok[2];
  CHECK(read(fds[0], ok, 2) == 2 && memcmp(ok, "ok", 2) == 0);
  close(fds[0]);
  CHECK(wait_code(c) == 0);
  CHECK_RC(MPROC_EEOF, mproc_channel_recv(mproc_child_channel(c), 1000000000, &msg, &len, NULL, 0, NULL));
  int32_t out[5];
  CHECK_RC(0, mproc_array_read(a, 0, out, 5));
  for (int i = 0; i < 5; i++)
    CHECK(out[i] == -i);
  mproc_child_free(c);
  mproc_array_close(a);
}

static void only_the_handed_descriptors_reach_the_child(void) {
  int leak = dup(2); /* an inheritable descriptor the child must not get */
  CHECK(leak >= 0);
  int handed = dup(2);
  mproc_child_t *c = spawn_self("count-fds", &handed, 1);
  CHECK(wait_code(c) == 5); /* 0, 1, 2, 3, 4 */
  mproc_child_free(c);
  close(leak);
  close(handed);
}

static void the_lifeline_breaks_when_the_parent_lets_go(void) {
  mproc_child_t *c = spawn_self("lifeline", NULL, 0);
  pid_t pid = mproc_child_pid(c);
  int code;
  CHECK_RC(MPROC_ETIMEDOUT, mproc_child_wait(c, 100000000, &code));
  /* Freeing closes our end: exactly what the kernel does when a parent dies. */
  int pidfd_wait = 0;
  mproc_child_free(c);
  int status;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  (void)pidfd_wait;
}

static void messages_are_framed_and_bounded(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK_RC(0, mproc_channel_send(sv[0], "abc", 3, NULL, 0));
  CHECK_RC(0, mproc_channel_send(sv[0], NULL, 0, NULL, 0));
  void *m;
  uint32_t len;
  CHECK_RC(0, mproc_channel_recv(sv[1], 0, &m, &len, NULL, 0, NULL));
  CHECK(len == 3 && memcmp(m, "abc", 3) == 0);
  mproc_free(m);
  CHECK_RC(0, mproc_channel_recv(sv[1], 0, &m, &len, NULL, 0, NULL));
  CHECK(len == 0);
  mproc_free(m);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_channel_recv(sv[1], 1000000, &m, &len, NULL, 0, NULL));
  unsigned char huge[4] = {0xff, 0xff, 0xff, 0x7f}; /* a length far above the limit */
  CHECK(write(sv[0], huge, 4) == 4);
  CHECK_RC(MPROC_EPROTO, mproc_channel_recv(sv[1], 0, &m, &len, NULL, 0, NULL));
  unsigned char cut[6] = {10, 0, 0, 0, 'x', 'y'}; /* promises 10 bytes, delivers 2 */
  CHECK(write(sv[0], cut, 6) == 6);
  close(sv[0]);
  CHECK_RC(MPROC_EPROTO, mproc_channel_recv(sv[1], 0, &m, &len, NULL, 0, NULL));
  CHECK_RC(MPROC_EEOF, mproc_channel_recv(sv[1], 0, &m, &len, NULL, 0, NULL));
  CHECK_RC(MPROC_EPIPE, mproc_channel_send(sv[1], "x", 1, NULL, 0));
  close(sv[1]);
  mproc_handoff_t *h;
  CHECK_RC(MPROC_EBADF, mproc_child_init(0, &h)); /* this process has no bootstrap channel */
}

int main(int argc, char **argv) {
  self = argv[0];
  if (argc == 2 && strcmp(argv[1], "negate") == 0)
    return child_negate();
  if (argc == 2 && strcmp(argv[1], "count-fds") == 0)
    return child_count_fds();
  if (argc == 2 && strcmp(argv[1], "lifeline") == 0)
    return child_lifeline();
  RUN(exit_codes_follow_python);
  RUN(bad_spawns_are_reported);
  RUN(a_child_gets_an_array_a_manifest_and_answers_with_a_descriptor);
  RUN(only_the_handed_descriptors_reach_the_child);
  RUN(the_lifeline_breaks_when_the_parent_lets_go);
  RUN(messages_are_framed_and_bounded);
  return 0;
}
