/*
 * Connections: Python's multiprocessing.connection framing on a stream descriptor. A reader
 * never trusts the peer's length: it is checked against the caller's maximum before anything is
 * allocated, so a hostile or broken peer cannot make us allocate gigabytes.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define SPIN_NS 20000 /* as the queue's */

int mproc_conn_pair(int duplex, int *a, int *b) {
  int fds[2];
  if (a == NULL || b == NULL)
    return MPROC_EINVAL;
  int r = duplex ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) : pipe2(fds, O_CLOEXEC);
  if (r != 0)
    return MPROC__ERR(errno);
  *a = fds[0];
  *b = fds[1];
  return 0;
}

static size_t frame_header(uint64_t len, unsigned char hdr[12]) {
  if (len < 0x7fffffffULL) {
    for (int i = 0; i < 4; i++)
      hdr[i] = (unsigned char)(len >> (24 - 8 * i));
    return 4;
  }
  memset(hdr, 0xff, 4); /* -1 */
  for (int i = 0; i < 8; i++)
    hdr[4 + i] = (unsigned char)(len >> (56 - 8 * i));
  return 12;
}

int64_t mproc_conn_send_from(int fd, const void *buf, uint64_t len, uint64_t from, int nonblock) {
  unsigned char hdr[12];
  if (fd < 0 || (buf == NULL && len > 0) || len > INT64_MAX - 12)
    return MPROC_EINVAL;
  size_t hlen = frame_header(len, hdr);
  uint64_t total = hlen + len;
  if (from > total)
    return MPROC_EINVAL;
  int flags = MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0); /* EPIPE instead of SIGPIPE */
  while (from < total) {
    /* Header and payload in one system call when the socket has room, as Python's send_bytes. */
    struct iovec iov[2];
    int n = 0;
    if (from < hlen)
      iov[n++] = (struct iovec){hdr + from, hlen - from};
    if (len > 0) {
      uint64_t skip = from > hlen ? from - hlen : 0;
      iov[n++] = (struct iovec){(char *)buf + skip, (size_t)(len - skip)};
    }
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
    ssize_t sent = sendmsg(fd, &msg, flags);
    if (sent < 0 && errno == ENOTSOCK && !nonblock)
      sent = mproc__writev_nosignal(fd, iov, n); /* a pipe: no MSG_NOSIGNAL there */
    if (sent < 0) {
      if (errno == EINTR)
        continue;
      if (nonblock && (errno == EAGAIN || errno == EWOULDBLOCK))
        return (int64_t)from;
      return MPROC__ERR(errno);
    }
    from += (uint64_t)sent;
  }
  return (int64_t)from;
}

int mproc_conn_send(int fd, const void *buf, uint64_t len) {
  int64_t r = mproc_conn_send_from(fd, buf, len, 0, 0);
  return r < 0 ? (int)r : 0;
}

int mproc_conn_poll(int fd, int64_t timeout_ns) {
  if (fd < 0 || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  return mproc__poll_for(fd, POLLIN, timeout_ns);
}

int mproc_conn_wait_writable(int fd, int64_t timeout_ns) {
  if (fd < 0 || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  return mproc__poll_for(fd, POLLOUT, timeout_ns);
}

/*
 * Waits for a message to begin: first by polling without sleeping for up to SPIN_NS, then by
 * sleeping in poll. In a conversation the answer usually comes within microseconds, and a
 * process woken from sleep pays the scheduler's wake-up latency (8 us here when the machine is
 * quiet); spinning skips it. Whether to spin adapts per thread (mproc__spin_allowed; the API
 * has no handle to keep a state per connection): on an
 * oversubscribed machine a spinner takes the CPU its peer needs, and a round trip would cost
 * two spin windows (45 us measured here) instead of two wake-ups (8 us).
 */
static int spin_then_poll(int fd, int64_t timeout_ns) {
  if (timeout_ns != 0 && mproc__spin_allowed(NULL)) {
    int64_t start = mproc_now_ns();
    int64_t spin = timeout_ns >= 0 && timeout_ns < SPIN_NS ? timeout_ns : SPIN_NS;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    bool found = false;
    do {
      found = poll(&p, 1, 0) > 0;
    } while (!found && mproc_now_ns() - start < spin);
    mproc__spin_result(NULL, found);
    if (found)
      return 0;
    if (timeout_ns > 0)
      timeout_ns = timeout_ns > spin ? timeout_ns - spin : 0;
  }
  return mproc_conn_poll(fd, timeout_ns);
}

int64_t mproc_conn_recv_header(int fd, uint64_t max_len, int64_t timeout_ns) {
  unsigned char hdr[8];
  if (fd < 0 || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  /* Try the header without waiting first: when a message is already there (the common case in
     a busy conversation) this saves the poll system call. */
  int err;
  ssize_t got = recv(fd, hdr, 4, MSG_DONTWAIT);
  if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTSOCK && errno != EINTR)
    return MPROC__ERR(errno);
  if (got == 0)
    return MPROC_EEOF;
  if (got < 0) {
    got = 0;
    if ((err = spin_then_poll(fd, timeout_ns)) != 0)
      return err;
  }
  if ((err = mproc__read_full(fd, hdr + got, 4 - (size_t)got)) != 0)
    return got == 0 ? err : (err == MPROC_EEOF ? MPROC_EPROTO : err);
  int32_t n = (int32_t)((uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 |
                        hdr[3]);
  uint64_t size;
  if (n == -1) {
    if ((err = mproc__read_full(fd, hdr, 8)) != 0)
      return err == MPROC_EEOF ? MPROC_EPROTO : err;
    size = 0;
    for (int i = 0; i < 8; i++)
      size = size << 8 | hdr[i];
  } else if (n < 0) {
    return MPROC_EPROTO;
  } else {
    size = (uint64_t)n;
  }
  if (size > max_len || size > INT64_MAX)
    return MPROC_EMSGSIZE;
  return (int64_t)size;
}

int64_t mproc_conn_read_some(int fd, void *buf, uint64_t len) {
  if (fd < 0 || (buf == NULL && len > 0))
    return MPROC_EINVAL;
  if (len == 0)
    return 0;
  for (;;) {
    ssize_t n = recv(fd, buf, len > SSIZE_MAX ? SSIZE_MAX : (size_t)len, MSG_DONTWAIT);
    if (n > 0)
      return n;
    if (n == 0)
      return MPROC_EPROTO; /* the peer closed in the middle of a message */
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return 0;
    if (errno != EINTR)
      return MPROC__ERR(errno);
  }
}

int mproc_conn_read(int fd, void *buf, uint64_t len) {
  if (fd < 0 || (buf == NULL && len > 0) || len > SIZE_MAX)
    return MPROC_EINVAL;
  int err = mproc__read_full(fd, buf, (size_t)len);
  return err == MPROC_EEOF ? MPROC_EPROTO : err;
}

int mproc_conn_recv(int fd, uint64_t max_len, int64_t timeout_ns, void **buf, uint64_t *len) {
  if (fd < 0 || buf == NULL || len == NULL || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  *buf = NULL;
  *len = 0;
  int64_t size = mproc_conn_recv_header(fd, max_len, timeout_ns);
  if (size < 0)
    return (int)size;
  if ((uint64_t)size > SIZE_MAX / 2)
    return MPROC_EMSGSIZE;
  unsigned char *p = malloc(size > 0 ? (size_t)size : 1);
  if (p == NULL)
    return MPROC_ENOMEM;
  int err = mproc_conn_read(fd, p, (uint64_t)size);
  if (err != 0) {
    free(p);
    return err;
  }
  *buf = p;
  *len = (uint64_t)size;
  return 0;
}
