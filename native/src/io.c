/*
 * Stream helpers shared by the bootstrap channel (spawn.c) and connections (conn.c): waiting for
 * readiness, reading exactly n bytes, and writing a message (header and payload, possibly with
 * descriptors) with as few system calls as the kernel allows. EINTR is always retried; SIGPIPE
 * is never raised, on a socket or on a pipe.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int mproc__poll_many(struct pollfd *p, size_t n, int64_t timeout_ns) {
  int64_t deadline = timeout_ns >= 0 ? mproc_now_ns() + timeout_ns : INT64_MAX;
  for (;;) {
    int ms = -1;
    if (timeout_ns >= 0) {
      int64_t left = deadline - mproc_now_ns();
      ms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
    }
    int r = poll(p, (nfds_t)n, ms);
    if (r >= 0)
      return r;
    if (errno != EINTR)
      return MPROC__ERR(errno);
  }
}

int mproc__poll_for(int fd, short events, int64_t timeout_ns) {
  struct pollfd p = {.fd = fd, .events = events};
  int r = mproc__poll_many(&p, 1, timeout_ns);
  return r > 0 ? 0 : r == 0 ? MPROC_ETIMEDOUT : r;
}

int mproc__read_full(int fd, unsigned char *p, size_t len) {
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return MPROC__ERR(errno);
    }
    if (n == 0)
      return MPROC_EEOF;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/*
 * writev on a pipe whose reader is gone raises SIGPIPE, and MSG_NOSIGNAL exists only for
 * sockets. So the signal is blocked in this thread for the call, and the one the call raised
 * (thread-directed, so it is ours) is taken back before the mask is restored; a SIGPIPE that was
 * already pending is left alone.
 */
ssize_t mproc__writev_nosignal(int fd, const struct iovec *iov, int count) {
  sigset_t pipe_only, old, pending;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t n = writev(fd, iov, count);
  int saved = errno;
  if (n < 0 && saved == EPIPE && !was_pending) {
    static const struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_only, NULL, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  errno = saved;
  return n;
}

int mproc__send_all(int fd, struct msghdr *msg) {
  while (msg->msg_iovlen > 0) {
    ssize_t n = sendmsg(fd, msg, MSG_NOSIGNAL); /* EPIPE instead of SIGPIPE */
    if (n < 0 && errno == ENOTSOCK && msg->msg_controllen == 0)
      n = mproc__writev_nosignal(fd, msg->msg_iov, (int)msg->msg_iovlen); /* a pipe */
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return MPROC__ERR(errno);
    }
    /* Descriptors travel with the first bytes only; move the iovecs past what was sent. */
    msg->msg_control = NULL;
    msg->msg_controllen = 0;
    /* Empty iovecs are skipped too, or a zero-length payload would be sent for ever. */
    while (msg->msg_iovlen > 0 && (n > 0 || msg->msg_iov->iov_len == 0)) {
      size_t step = (size_t)n < msg->msg_iov->iov_len ? (size_t)n : msg->msg_iov->iov_len;
      if (step > 0) /* an empty payload may have a NULL base, and NULL + 0 is undefined in C */
        msg->msg_iov->iov_base = (char *)msg->msg_iov->iov_base + step;
      msg->msg_iov->iov_len -= step;
      n -= (ssize_t)step;
      if (msg->msg_iov->iov_len == 0) {
        msg->msg_iov++;
        msg->msg_iovlen--;
      }
    }
  }
  return 0;
}
