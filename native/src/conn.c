/*
 * Connections: Python's multiprocessing.connection framing on a stream descriptor. A reader
 * never trusts the peer's length: it is checked against the caller's maximum before anything is
 * allocated, so a hostile or broken peer cannot make us allocate gigabytes.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

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

int mproc_conn_send(int fd, const void *buf, uint64_t len) {
  unsigned char hdr[12];
  size_t hlen;
  if (fd < 0 || (buf == NULL && len > 0))
    return MPROC_EINVAL;
  if (len < 0x7fffffffULL) {
    for (int i = 0; i < 4; i++)
      hdr[i] = (unsigned char)(len >> (24 - 8 * i));
    hlen = 4;
  } else {
    memset(hdr, 0xff, 4); /* -1 */
    for (int i = 0; i < 8; i++)
      hdr[4 + i] = (unsigned char)(len >> (56 - 8 * i));
    hlen = 12;
  }
  /* One system call for a message that fits the socket buffer, as Python's send_bytes. */
  struct iovec iov[2] = {{hdr, hlen}, {(void *)buf, (size_t)len}};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len > 0 ? 2 : 1};
  return mproc__send_all(fd, &msg);
}

int mproc_conn_poll(int fd, int64_t timeout_ns) {
  if (fd < 0 || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  return mproc__poll_for(fd, POLLIN, timeout_ns);
}

int mproc_conn_recv(int fd, uint64_t max_len, int64_t timeout_ns, void **buf, uint64_t *len) {
  unsigned char hdr[8];
  if (fd < 0 || buf == NULL || len == NULL || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  *buf = NULL;
  *len = 0;
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
    if ((err = mproc_conn_poll(fd, timeout_ns)) != 0)
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
  if (size > max_len || size > SIZE_MAX / 2)
    return MPROC_EMSGSIZE;
  unsigned char *p = malloc(size > 0 ? (size_t)size : 1);
  if (p == NULL)
    return MPROC_ENOMEM;
  if ((err = mproc__read_full(fd, p, (size_t)size)) != 0) {
    free(p);
    return err == MPROC_EEOF ? MPROC_EPROTO : err;
  }
  *buf = p;
  *len = size;
  return 0;
}
