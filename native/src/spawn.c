/*
 * Processes: posix_spawn with handed descriptors, the bootstrap channel (framed messages with
 * SCM_RIGHTS), the lifeline, reaping with timeouts through a pidfd, and the child's side.
 *
 * Why our own spawn: Java's ProcessBuilder closes every descriptor above 2 in the child, so it
 * cannot hand a segment or a pipe end to a child (OpenJDK childproc.c, closeDescriptors). This
 * is what CPython's spawn start method does with spawnv_passfds.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MANIFEST_HEADER 24
#define MANIFEST_ENTRY 48

struct mproc_child {
  pid_t pid;
  int channel; /* parent's end of the bootstrap socketpair */
  int pidfd;   /* -1 when the kernel has no pidfd_open */
  bool reaped;
  int exit_code;
};

struct mproc_handoff {
  uint32_t flags;
  int count;
  mproc_handed_t *entries;
  void *payload;
  uint32_t payload_len;
};

void mproc_spawn_opts_init(mproc_spawn_opts_t *opts) {
  memset(opts, 0, sizeof *opts);
  opts->stdin_fd = opts->stdout_fd = opts->stderr_fd = -1;
}

void mproc_free(void *p) { free(p); }

int mproc_fd_open(const char *path, int mode, int *fd) {
  static const int flags[] = {O_RDONLY, O_WRONLY | O_CREAT | O_TRUNC, O_WRONLY | O_CREAT | O_APPEND};
  if (path == NULL || fd == NULL || mode < MPROC_OPEN_READ || mode > MPROC_OPEN_APPEND)
    return MPROC_EINVAL;
  int f = (int)MPROC__RETRY(open(path, flags[mode] | O_CLOEXEC, 0644));
  if (f < 0)
    return MPROC__ERR(errno);
  *fd = f;
  return 0;
}

int mproc_fd_close(int fd) {
  /* Linux closes the descriptor even when close() fails with EINTR: never retry it. */
  return close(fd) == 0 || errno == EINTR ? 0 : MPROC__ERR(errno);
}

static void put16(unsigned char *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static uint16_t get16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Closes the high duplicates made for posix_spawn. */
static void close_all(int *fds, int n) {
  for (int i = 0; i < n; i++)
    if (fds[i] >= 0)
      close(fds[i]);
}

/*
 * Builds the file actions: every source is first duplicated (close-on-exec) above the highest
 * target number in this process, so that no dup2 in the child can overwrite a source that a
 * later dup2 still needs. dup2 onto the target clears close-on-exec there.
 */
static int file_actions(const mproc_spawn_opts_t *o, int child_end, posix_spawn_file_actions_t *fa,
                        int *high, int *nhigh) {
  const int first_free = MPROC_FIRST_HANDED_FD + o->nfds;
  int src[3 + 1 + MPROC_MAX_HANDED], dst[3 + 1 + MPROC_MAX_HANDED], n = 0;
  const int std[3] = {o->stdin_fd, o->stdout_fd, o->stderr_fd};
  for (int i = 0; i < 3; i++)
    if (std[i] >= 0) {
      src[n] = std[i];
      dst[n++] = i;
    }
  src[n] = child_end;
  dst[n++] = MPROC_BOOTSTRAP_FD;
  for (int i = 0; i < o->nfds; i++) {
    src[n] = o->fds[i];
    dst[n++] = MPROC_FIRST_HANDED_FD + i;
  }
  *nhigh = 0;
  for (int i = 0; i < n; i++) {
    int h = fcntl(src[i], F_DUPFD_CLOEXEC, first_free);
    if (h < 0)
      return MPROC__ERR(errno);
    high[(*nhigh)++] = h;
    int err = posix_spawn_file_actions_adddup2(fa, h, dst[i]);
    if (err != 0)
      return MPROC__ERR(err);
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  /* Nothing else of ours reaches the child, not even descriptors other threads open meanwhile
     without close-on-exec. */
  int err = posix_spawn_file_actions_addclosefrom_np(fa, first_free);
  if (err != 0)
    return MPROC__ERR(err);
#endif
  return 0;
}

static int spawn_attrs(posix_spawnattr_t *attr) {
  sigset_t none, defaults;
  sigemptyset(&none);
  /* A JVM blocks or handles these; the child starts from the defaults, as after a login. */
  sigemptyset(&defaults);
  const int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(&defaults, sigs[i]);
  int err = posix_spawnattr_setsigmask(attr, &none);
  if (err == 0)
    err = posix_spawnattr_setsigdefault(attr, &defaults);
  if (err == 0)
    err = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  return err == 0 ? 0 : MPROC__ERR(err);
}

int mproc_spawn(const mproc_spawn_opts_t *o, mproc_child_t **out) {
  if (o == NULL || out == NULL || o->path == NULL || o->argv == NULL || o->nfds < 0 ||
      (o->nfds > 0 && o->fds == NULL))
    return MPROC_EINVAL;
  *out = NULL;
  if (o->nfds > MPROC_MAX_HANDED)
    return MPROC_EBOUNDS;
  for (int i = 0; i < o->nfds; i++)
    if (o->fds[i] < 0 || fcntl(o->fds[i], F_GETFD) < 0)
      return MPROC_EBADF;

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return MPROC__ERR(errno);
  mproc_child_t *c = calloc(1, sizeof *c);
  if (c == NULL) {
    close(sv[0]);
    close(sv[1]);
    return MPROC_ENOMEM;
  }
  c->channel = sv[0];
  c->pidfd = -1;

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  int high[3 + 1 + MPROC_MAX_HANDED], nhigh = 0;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  int err = file_actions(o, sv[1], &fa, high, &nhigh);
  if (err == 0)
    err = spawn_attrs(&attr);
  if (err == 0) {
    char *const *env = o->envp != NULL ? o->envp : environ;
    int (*spawn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                 const posix_spawnattr_t *, char *const[], char *const[]) =
        strchr(o->path, '/') != NULL ? posix_spawn : posix_spawnp;
    /* glibc reports the child's exec failure (ENOENT, EACCES, ENOEXEC) as the result. */
    int rc = spawn(&c->pid, o->path, &fa, &attr, o->argv, env);
    err = rc == 0 ? 0 : MPROC__ERR(rc);
  }
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close_all(high, nhigh);
  close(sv[1]);
  if (err != 0) {
    close(sv[0]);
    free(c);
    return err;
  }
  c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
  if (c->pidfd >= 0)
    fcntl(c->pidfd, F_SETFD, FD_CLOEXEC);
  *out = c;
  return 0;
}

int mproc_spawnv(const char *path, char *const argv[], char *const envp[], const int *fds,
                 int nfds, int stdin_fd, int stdout_fd, int stderr_fd, mproc_child_t **out) {
  mproc_spawn_opts_t o;
  mproc_spawn_opts_init(&o);
  o.path = path;
  o.argv = argv;
  o.envp = envp;
  o.fds = fds;
  o.nfds = nfds;
  o.stdin_fd = stdin_fd;
  o.stdout_fd = stdout_fd;
  o.stderr_fd = stderr_fd;
  return mproc_spawn(&o, out);
}

int mproc_child_pid(const mproc_child_t *c) { return c->pid; }

int mproc_child_channel(const mproc_child_t *c) { return c->channel; }

int mproc_child_sentinel(const mproc_child_t *c) {
  if (c->pidfd < 0)
    return MPROC_ENOSYS;
  int fd = fcntl(c->pidfd, F_DUPFD_CLOEXEC, 0);
  return fd >= 0 ? fd : MPROC__ERR(errno);
}

/*
 * Builds a manifest (format in mproc.h) preceded by `prefix` zero bytes, describing handed
 * descriptors numbered from first_fd. Returns a malloc'd buffer and its size, or NULL.
 */
static unsigned char *build_manifest(size_t prefix, int first_fd, uint32_t flags, int count,
                                     const uint16_t *kinds, const char *codes,
                                     const char *const *names, const void *payload,
                                     uint32_t payload_len, int *err, uint64_t *size) {
  *err = 0;
  if (count < 0 || count > MPROC_MAX_HANDED || (count > 0 && kinds == NULL) ||
      (payload_len > 0 && payload == NULL)) {
    *err = MPROC_EINVAL;
    return NULL;
  }
  uint64_t total = MANIFEST_HEADER + (uint64_t)count * MANIFEST_ENTRY + payload_len;
  if (total > MPROC_MAX_MESSAGE) {
    *err = MPROC_EBOUNDS;
    return NULL;
  }
  unsigned char *buf = calloc(1, (size_t)(prefix + total));
  if (buf == NULL) {
    *err = MPROC_ENOMEM;
    return NULL;
  }
  unsigned char *m = buf + prefix;
  memcpy(m, MPROC_MANIFEST_MAGIC, 8);
  put16(m + 8, 1);
  put16(m + 10, 0);
  put32(m + 12, flags);
  put32(m + 16, (uint32_t)count);
  put32(m + 20, payload_len);
  for (int i = 0; i < count; i++) {
    unsigned char *e = m + MANIFEST_HEADER + i * MANIFEST_ENTRY;
    put16(e, kinds[i]);
    e[2] = codes != NULL ? (unsigned char)codes[i] : 0;
    put32(e + 4, (uint32_t)(first_fd + i));
    if (names != NULL && names[i] != NULL)
      strncpy((char *)e + 16, names[i], 31);
  }
  if (payload_len > 0)
    memcpy(m + MANIFEST_HEADER + count * MANIFEST_ENTRY, payload, payload_len);
  *size = prefix + total;
  return buf;
}

int mproc_child_send_manifest(mproc_child_t *c, uint32_t flags, int count,
                              const uint16_t *kinds, const char *codes, const char *const *names,
                              const void *payload, uint32_t payload_len) {
  int err;
  uint64_t total;
  if (c == NULL)
    return MPROC_EINVAL;
  unsigned char *m = build_manifest(0, MPROC_FIRST_HANDED_FD, flags, count, kinds, codes, names,
                                    payload, payload_len, &err, &total);
  if (m == NULL)
    return err;
  err = mproc_channel_send(c->channel, m, (uint32_t)total, NULL, 0);
  free(m);
  return err;
}

int mproc_manifest_file(int first_fd, uint32_t flags, int count, const uint16_t *kinds,
                        const char *codes, const char *const *names, const void *payload,
                        uint32_t payload_len, int *fd) {
  int err;
  uint64_t total;
  if (fd == NULL || first_fd < 0)
    return MPROC_EINVAL;
  *fd = -1;
  unsigned char *m = build_manifest(MPROC_MANIFEST_FILE_PREFIX, first_fd, flags, count, kinds,
                                    codes, names, payload, payload_len, &err, &total);
  if (m == NULL)
    return err;
  int f = memfd_create("mproc-manifest", MFD_CLOEXEC);
  if (f < 0) {
    free(m);
    return MPROC__ERR(errno);
  }
  for (uint64_t done = 0; done < total;) {
    ssize_t n = write(f, m + done, (size_t)(total - done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      err = MPROC__ERR(n < 0 ? errno : EIO);
      close(f);
      free(m);
      return err;
    }
    done += (uint64_t)n;
  }
  free(m);
  *fd = f;
  return 0;
}

static int python_exit_code(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return -WTERMSIG(status);
  return 255;
}

/* Waits for the child to become reapable: through its pidfd, or by polling without one. */
static int wait_exit(mproc_child_t *c, int64_t timeout_ns) {
  int64_t deadline = timeout_ns >= 0 ? mproc_now_ns() + timeout_ns : INT64_MAX;
  for (;;) {
    int64_t left = timeout_ns >= 0 ? deadline - mproc_now_ns() : 1000000000;
    if (left < 0)
      left = 0;
    if (c->pidfd >= 0) {
      struct pollfd p = {.fd = c->pidfd, .events = POLLIN};
      int r = poll(&p, 1, (int)((left + 999999) / 1000000));
      if (r > 0)
        return 0;
      if (r < 0 && errno != EINTR)
        return MPROC__ERR(errno);
    } else {
      siginfo_t si;
      memset(&si, 0, sizeof si);
      if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 && errno != EINTR)
        return MPROC__ERR(errno);
      if (si.si_pid == c->pid)
        return 0;
      usleep(left > 2000000 ? 2000 : (useconds_t)(left / 1000));
    }
    if (timeout_ns >= 0 && mproc_now_ns() >= deadline)
      return MPROC_ETIMEDOUT;
  }
}

int mproc_child_wait(mproc_child_t *c, int64_t timeout_ns, int *exit_code) {
  if (c == NULL || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  if (!c->reaped) {
    int err = wait_exit(c, timeout_ns);
    if (err != 0)
      return err;
    int status;
    if (MPROC__RETRY(waitpid(c->pid, &status, 0)) != c->pid)
      return MPROC__ERR(errno);
    c->exit_code = python_exit_code(status);
    c->reaped = true;
  }
  if (exit_code != NULL)
    *exit_code = c->exit_code;
  return 0;
}

int mproc_child_signal(mproc_child_t *c, int sig) {
  if (c == NULL || sig < 0 || sig >= NSIG)
    return MPROC_EINVAL;
  if (c->reaped)
    return 0;
  /*
   * Another thread may reap the child at any moment, freeing its pid for reuse: the pidfd names
   * exactly this process whatever happens to the number, and fails with ESRCH once it is gone.
   */
  int r = c->pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0)
                        : kill(c->pid, sig);
  if (r != 0 && errno == ESRCH)
    return 0;
  return r == 0 ? 0 : MPROC__ERR(errno);
}

int mproc_child_free(mproc_child_t *c) {
  if (c == NULL)
    return 0;
  close(c->channel);
  if (c->pidfd >= 0)
    close(c->pidfd);
  free(c);
  return 0;
}

int mproc_channel_send(int fd, const void *buf, uint32_t len, const int *fds, int nfds) {
  if (fd < 0 || (len > 0 && buf == NULL) || nfds < 0 || nfds > MPROC_MAX_HANDED ||
      (nfds > 0 && fds == NULL))
    return MPROC_EINVAL;
  if (len > MPROC_MAX_MESSAGE)
    return MPROC_EBOUNDS;
  unsigned char hdr[4];
  put32(hdr, len);
  struct iovec iov[2] = {{hdr, 4}, {(void *)buf, len}};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * MPROC_MAX_HANDED)];
  } ctl;
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
  if (nfds > 0) {
    memset(&ctl, 0, sizeof ctl);
    msg.msg_control = ctl.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
  }
  return mproc__send_all(fd, &msg);
}

int mproc_channel_recv(int fd, int64_t timeout_ns, void **buf, uint32_t *len, int *fds,
                       int maxfds, int *nfds) {
  if (fd < 0 || buf == NULL || len == NULL || maxfds < 0 || (maxfds > 0 && fds == NULL) ||
      timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  *buf = NULL;
  *len = 0;
  if (nfds != NULL)
    *nfds = 0;
  int err = mproc__poll_for(fd, POLLIN, timeout_ns);
  if (err != 0)
    return err;

  unsigned char hdr[4];
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * MPROC_MAX_HANDED)];
  } ctl;
  struct iovec iov = {hdr, 4};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                       .msg_controllen = sizeof ctl.buf};
  ssize_t n;
  do {
    n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0)
    return MPROC__ERR(errno);
  if (n == 0)
    return MPROC_EEOF;
  int got = 0;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
      continue;
    int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < k; i++) {
      int rfd;
      memcpy(&rfd, CMSG_DATA(cm) + i * sizeof(int), sizeof rfd);
      if (got < maxfds)
        fds[got++] = rfd;
      else
        close(rfd); /* more than the caller can take: never leak them */
    }
  }
  if (n < 4 && (err = mproc__read_full(fd, hdr + n, 4 - (size_t)n)) != 0)
    goto fail;
  uint32_t size = get32(hdr);
  if (size > MPROC_MAX_MESSAGE) {
    err = MPROC_EPROTO;
    goto fail;
  }
  unsigned char *body = malloc(size > 0 ? size : 1);
  if (body == NULL) {
    err = MPROC_ENOMEM;
    goto fail;
  }
  if ((err = mproc__read_full(fd, body, size)) != 0) {
    free(body);
    err = err == MPROC_EEOF ? MPROC_EPROTO : err;
    goto fail;
  }
  *buf = body;
  *len = size;
  if (nfds != NULL)
    *nfds = got;
  return 0;

fail:
  close_all(fds, got);
  return err;
}

int mproc_lifeline_wait(int fd, int64_t timeout_ns) {
  if (fd < 0 || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  /* POLLRDHUP: the peer closed its end. Asking only for it never consumes messages; poll
     reports POLLHUP and POLLERR whatever was asked. */
  return mproc__poll_for(fd, POLLRDHUP, timeout_ns);
}

int mproc_child_read_manifest(int64_t timeout_ns, void **out, uint32_t *out_len) {
  struct stat st;
  if (out == NULL || out_len == NULL)
    return MPROC_EINVAL;
  *out = NULL;
  if (fstat(MPROC_BOOTSTRAP_FD, &st) != 0 || !S_ISSOCK(st.st_mode))
    return MPROC_EBADF;
  void *buf;
  uint32_t len;
  int err = mproc_channel_recv(MPROC_BOOTSTRAP_FD, timeout_ns, &buf, &len, NULL, 0, NULL);
  if (err != 0)
    return err;
  const unsigned char *m = buf;
  if (len < MANIFEST_HEADER || memcmp(m, MPROC_MANIFEST_MAGIC, 8) != 0)
    err = MPROC_EPROTO;
  else if (get16(m + 8) != 1)
    err = MPROC_EVERSION;
  else if (get32(m + 16) > MPROC_MAX_HANDED ||
           (uint64_t)MANIFEST_HEADER + (uint64_t)get32(m + 16) * MANIFEST_ENTRY + get32(m + 20) !=
               len)
    err = MPROC_EPROTO;
  if (err != 0) {
    free(buf);
    return err;
  }
  *out = buf;
  *out_len = len;
  return 0;
}

int mproc_child_init(int64_t timeout_ns, mproc_handoff_t **out) {
  if (out == NULL)
    return MPROC_EINVAL;
  *out = NULL;
  void *buf;
  uint32_t len;
  int err = mproc_child_read_manifest(timeout_ns, &buf, &len);
  if (err != 0)
    return err;
  const unsigned char *m = buf;
  uint32_t count = get32(m + 16), plen = get32(m + 20);
  mproc_handoff_t *h = calloc(1, sizeof *h);
  if (h == NULL || (count > 0 && (h->entries = calloc(count, sizeof *h->entries)) == NULL) ||
      (h->payload = malloc(plen > 0 ? plen : 1)) == NULL) {
    mproc_handoff_free(h);
    free(buf);
    return MPROC_ENOMEM;
  }
  h->flags = get32(m + 12);
  h->count = (int)count;
  for (uint32_t i = 0; i < count; i++) {
    const unsigned char *e = m + MANIFEST_HEADER + i * MANIFEST_ENTRY;
    h->entries[i].kind = get16(e);
    h->entries[i].elem_code = (char)e[2];
    h->entries[i].fd = (int)get32(e + 4);
    memcpy(h->entries[i].name, e + 16, 31);
  }
  memcpy(h->payload, m + MANIFEST_HEADER + count * MANIFEST_ENTRY, plen);
  h->payload_len = plen;
  *out = h;
  free(buf);
  return 0;
}

int mproc_handoff_count(const mproc_handoff_t *h) { return h != NULL ? h->count : 0; }

int mproc_handoff_get(const mproc_handoff_t *h, int index, mproc_handed_t *out) {
  if (h == NULL || out == NULL)
    return MPROC_EINVAL;
  if (index < 0 || index >= h->count)
    return MPROC_EBOUNDS;
  *out = h->entries[index];
  return 0;
}

int mproc_handoff_find(const mproc_handoff_t *h, const char *name) {
  if (h == NULL || name == NULL)
    return MPROC_EINVAL;
  for (int i = 0; i < h->count; i++)
    if (strcmp(h->entries[i].name, name) == 0)
      return i;
  return MPROC_ENOENT;
}

uint32_t mproc_handoff_flags(const mproc_handoff_t *h) { return h != NULL ? h->flags : 0; }

const void *mproc_handoff_payload(const mproc_handoff_t *h, uint32_t *len) {
  if (len != NULL)
    *len = h != NULL ? h->payload_len : 0;
  return h != NULL ? h->payload : NULL;
}

void mproc_handoff_free(mproc_handoff_t *h) {
  if (h == NULL)
    return;
  free(h->entries);
  free(h->payload);
  free(h);
}

void mproc_die_by_signal(int sig) {
  sigset_t set;
  signal(sig, SIG_DFL);
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, NULL);
  raise(sig); /* delivered to this thread before raise returns, so this normally ends here */
  _exit(128 + sig);
}
