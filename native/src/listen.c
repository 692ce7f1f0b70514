/*
 * Listeners and clients (Python's multiprocessing.connection.Listener and Client) over Unix
 * domain sockets and TCP, their authkey handshake, waiting on many descriptors at once, and
 * passing a descriptor over a connection (Python's multiprocessing.reduction.send_handle).
 *
 * The handshake is Python's, byte for byte, in both of its versions: up to 3.11 a 20-byte
 * challenge answered by a bare HMAC-MD5; from 3.12 a "{sha256}"-prefixed 40-byte challenge
 * answered by "{sha256}" and an HMAC-SHA256. We send the modern challenge (a 3.11 peer answers
 * it with HMAC-MD5 over the whole challenge, which we accept, as 3.12 does) and answer either.
 * Every handshake message is read with a 256-byte cap and under one deadline, so a silent or
 * hostile peer can neither hold an accept for ever nor make us allocate.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define HS_MAX 256 /* Python's cap on every handshake message */
#define CHALLENGE "#CHALLENGE#"
#define WELCOME "#WELCOME#"
#define FAILURE "#FAILURE#"
#define NONCE_LEN 40        /* Python 3.12's MESSAGE_LENGTH */
#define LEGACY_NONCE_LEN 20 /* Python <= 3.11's */

/* ---- Addresses ----------------------------------------------------------------------------- */

typedef struct {
  struct sockaddr_storage sa;
  socklen_t len;
} sockaddr_any;

static int unix_address(const char *path, sockaddr_any *out) {
  struct sockaddr_un *un = (struct sockaddr_un *)&out->sa;
  size_t n = strlen(path);
  if (n == 0)
    return MPROC_EBADADDR;
  if (n >= sizeof un->sun_path)
    return MPROC_ENAMETOOLONG;
  memset(out, 0, sizeof *out);
  un->sun_family = AF_UNIX;
  memcpy(un->sun_path, path, n + 1);
  out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
  return 0;
}

/* Splits "host:port" ("[v6]:port" too) and resolves it; the caller frees *res. */
static int tcp_resolve(const char *hostport, int passive, struct addrinfo **res) {
  char host[256];
  const char *colon = strrchr(hostport, ':');
  if (colon == NULL || colon == hostport || colon[1] == '\0')
    return MPROC_EBADADDR;
  const char *h = hostport;
  size_t hlen = (size_t)(colon - hostport);
  if (h[0] == '[') {
    if (hlen < 3 || h[hlen - 1] != ']')
      return MPROC_EBADADDR;
    h++;
    hlen -= 2;
  }
  if (hlen >= sizeof host)
    return MPROC_EBADADDR;
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535)
    return MPROC_EBADADDR;
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)};
  char service[8];
  snprintf(service, sizeof service, "%ld", port);
  int r = getaddrinfo(host, service, &hints, res);
  if (r == EAI_SYSTEM)
    return MPROC__ERR(errno);
  if (r == EAI_MEMORY)
    return MPROC_ENOMEM;
  return r == 0 ? 0 : MPROC_EBADADDR;
}

static void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* best effort: latency only */
}

/* ---- Listening ----------------------------------------------------------------------------- */

static int listen_unix(const char *path, int backlog, int *out) {
  sockaddr_any a;
  int err = unix_address(path, &a);
  if (err != 0)
    return err;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return MPROC__ERR(errno);
  /* Owner-only from the first instant: on Linux the socket file takes the socket inode's mode
     at bind, so the file never exists with wider permissions; chmod afterwards makes sure. */
  if (fchmod(fd, 0600) != 0 || bind(fd, (struct sockaddr *)&a.sa, a.len) != 0) {
    err = MPROC__ERR(errno);
    close(fd);
    return err;
  }
  if (chmod(path, 0600) != 0 || listen(fd, backlog) != 0) {
    err = MPROC__ERR(errno);
    unlink(path);
    close(fd);
    return err;
  }
  *out = fd;
  return 0;
}

static int listen_tcp(const char *hostport, int backlog, int *out) {
  struct addrinfo *res;
  int err = tcp_resolve(hostport, 1, &res);
  if (err != 0)
    return err;
  err = MPROC_EBADADDR;
  for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      err = MPROC__ERR(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* as Python does */
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0) {
      freeaddrinfo(res);
      *out = fd;
      return 0;
    }
    err = MPROC__ERR(errno);
    close(fd);
  }
  freeaddrinfo(res);
  return err;
}

int mproc_listen(const char *address, int backlog, int *fd) {
  if (address == NULL || fd == NULL || backlog < 0)
    return MPROC_EINVAL;
  *fd = -1;
  if (strncmp(address, "unix:", 5) == 0)
    return listen_unix(address + 5, backlog, fd);
  if (strncmp(address, "tcp:", 4) == 0)
    return listen_tcp(address + 4, backlog, fd);
  return MPROC_EBADADDR;
}

/* Formats a socket address as mproc_listen parses it. */
static int format_address(const struct sockaddr_storage *sa, socklen_t len, char *buf,
                          size_t cap) {
  char host[INET6_ADDRSTRLEN];
  int n;
  if (sa->ss_family == AF_UNIX) {
    const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
    size_t plen = len > offsetof(struct sockaddr_un, sun_path)
                      ? strnlen(un->sun_path, len - offsetof(struct sockaddr_un, sun_path))
                      : 0;
    n = snprintf(buf, cap, "unix:%.*s", (int)plen, un->sun_path);
  } else if (sa->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    n = snprintf(buf, cap, "tcp:%s:%u", host, ntohs(in->sin_port));
  } else if (sa->ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    n = snprintf(buf, cap, "tcp:[%s]:%u", host, ntohs(in6->sin6_port));
  } else {
    return MPROC_EBADADDR;
  }
  return n < 0 || (size_t)n >= cap ? MPROC_ETOOSMALL : 0;
}

int mproc_listener_address(int fd, char *buf, size_t len) {
  struct sockaddr_storage sa;
  socklen_t sl = sizeof sa;
  if (fd < 0 || buf == NULL)
    return MPROC_EINVAL;
  if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
    return MPROC__ERR(errno);
  return format_address(&sa, sl, buf, len);
}

int mproc_listener_close(int fd) {
  struct sockaddr_storage sa;
  socklen_t sl = sizeof sa;
  if (fd < 0)
    return MPROC_EINVAL;
  if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0 && sa.ss_family == AF_UNIX) {
    struct sockaddr_un *un = (struct sockaddr_un *)&sa;
    if (sl > offsetof(struct sockaddr_un, sun_path) && un->sun_path[0] != '\0') {
      ((char *)&sa)[sl < sizeof sa ? sl : sizeof sa - 1] = '\0';
      unlink(un->sun_path); /* as Python's Listener.close */
    }
  }
  return mproc_fd_close(fd);
}

int mproc_accept(int lfd, int64_t timeout_ns, int *fd) {
  if (lfd < 0 || fd == NULL || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  *fd = -1;
  int64_t deadline = timeout_ns >= 0 ? mproc_now_ns() + timeout_ns : INT64_MAX;
  for (;;) {
    /* The listening socket is non-blocking, so a connection another thread took first sends
       us back to waiting instead of blocking past the deadline. */
    int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0) {
      struct sockaddr_storage sa;
      socklen_t sl = sizeof sa;
      if (getsockname(c, (struct sockaddr *)&sa, &sl) == 0 && sa.ss_family != AF_UNIX)
        set_nodelay(c);
      *fd = c;
      return 0;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
      return MPROC__ERR(errno);
    int64_t left = timeout_ns >= 0 ? deadline - mproc_now_ns() : MPROC_FOREVER;
    if (timeout_ns >= 0 && left <= 0)
      return MPROC_ETIMEDOUT;
    int err = mproc__poll_for(lfd, POLLIN, left);
    if (err != 0)
      return err;
  }
}

/* ---- Connecting ---------------------------------------------------------------------------- */

/* Connects a Unix socket within the deadline. A blocking connect waits while the listener's
   backlog is full; SO_SNDTIMEO bounds that wait (a non-blocking one would only say EAGAIN). */
static int connect_unix(int fd, const struct sockaddr *sa, socklen_t len, int64_t deadline) {
  for (;;) {
    struct timeval tv = {0, 0}; /* no limit */
    if (deadline != INT64_MAX) {
      int64_t left = deadline - mproc_now_ns();
      if (left <= 0)
        return MPROC_ETIMEDOUT;
      tv.tv_sec = (time_t)(left / 1000000000);
      tv.tv_usec = (suseconds_t)((left % 1000000000 + 999) / 1000);
    }
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
      return MPROC__ERR(errno);
    int r = connect(fd, sa, len);
    int e = errno;
    struct timeval zero = {0, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &zero, sizeof zero);
    if (r == 0)
      return 0;
    if (e == EINTR)
      continue;
    return e == EAGAIN || e == EINPROGRESS ? MPROC_ETIMEDOUT : MPROC__ERR(e);
  }
}

/* Connects a TCP socket within the deadline; fd is blocking again on success. */
static int connect_tcp(int fd, const struct sockaddr *sa, socklen_t len, int64_t deadline) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
    return MPROC__ERR(errno);
  if (connect(fd, sa, len) != 0) {
    if (errno != EINPROGRESS && errno != EINTR)
      return MPROC__ERR(errno);
    int64_t left = deadline == INT64_MAX ? MPROC_FOREVER : deadline - mproc_now_ns();
    int err = mproc__poll_for(fd, POLLOUT, deadline != INT64_MAX && left < 0 ? 0 : left);
    if (err != 0)
      return err;
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
      return MPROC__ERR(errno);
    if (soerr != 0)
      return MPROC__ERR(soerr);
  }
  if (fcntl(fd, F_SETFL, flags) != 0)
    return MPROC__ERR(errno);
  return 0;
}

int mproc_connect(const char *address, int64_t timeout_ns, int *fd) {
  if (address == NULL || fd == NULL || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  *fd = -1;
  int64_t deadline = timeout_ns >= 0 ? mproc_now_ns() + timeout_ns : INT64_MAX;
  int err;
  if (strncmp(address, "unix:", 5) == 0) {
    sockaddr_any a;
    if ((err = unix_address(address + 5, &a)) != 0)
      return err;
    int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0)
      return MPROC__ERR(errno);
    if ((err = connect_unix(c, (struct sockaddr *)&a.sa, a.len, deadline)) != 0) {
      close(c);
      return err;
    }
    *fd = c;
    return 0;
  }
  if (strncmp(address, "tcp:", 4) != 0)
    return MPROC_EBADADDR;
  struct addrinfo *res;
  if ((err = tcp_resolve(address + 4, 0, &res)) != 0)
    return err;
  err = MPROC_EBADADDR;
  for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
    int c = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0) {
      err = MPROC__ERR(errno);
      continue;
    }
    if ((err = connect_tcp(c, ai->ai_addr, ai->ai_addrlen, deadline)) == 0) {
      set_nodelay(c);
      *fd = c;
      break;
    }
    close(c);
    if (err == MPROC_ETIMEDOUT)
      break;
  }
  freeaddrinfo(res);
  return err;
}

/* ---- The authkey handshake ----------------------------------------------------------------- */

/* Reads exactly len bytes before the deadline. */
static int hs_read(int fd, unsigned char *p, size_t len, int64_t deadline) {
  while (len > 0) {
    int64_t left = deadline == INT64_MAX ? MPROC_FOREVER : deadline - mproc_now_ns();
    if (deadline != INT64_MAX && left < 0)
      left = 0;
    int err = mproc__poll_for(fd, POLLIN, left);
    if (err != 0)
      return err;
    ssize_t n = read(fd, p, len);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN)
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

/* Reads one framed handshake message of at most HS_MAX bytes; anything else fails the
   handshake (Python: "bad message length"). */
static int hs_recv(int fd, unsigned char *buf, size_t *len, int64_t deadline) {
  unsigned char hdr[4];
  int err = hs_read(fd, hdr, 4, deadline);
  if (err != 0)
    return err;
  int32_t n = (int32_t)((uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 |
                        hdr[3]);
  if (n < 0 || n > HS_MAX)
    return MPROC_EAUTH;
  if ((err = hs_read(fd, buf, (size_t)n, deadline)) != 0)
    return err;
  *len = (size_t)n;
  return 0;
}

/* Which digest a challenge or a response names, and where its MAC (or nonce) starts. Python's
   rule: 16 or 20 bytes is the legacy unprefixed MD5 form, anything else must begin "{name}". */
static int hs_digest(const unsigned char *m, size_t len, size_t *body) {
  if (len == 16 || len == LEGACY_NONCE_LEN) {
    *body = 0;
    return MPROC__MD5;
  }
  if (len >= 8 && memcmp(m, "{sha256}", 8) == 0) {
    *body = 8;
    return MPROC__SHA256;
  }
  if (len >= 5 && memcmp(m, "{md5}", 5) == 0) {
    *body = 5;
    return MPROC__MD5;
  }
  return -1;
}

static int hs_deliver(int fd, const void *key, size_t keylen, int64_t deadline) {
  unsigned char msg[sizeof CHALLENGE - 1 + 8 + NONCE_LEN];
  memcpy(msg, CHALLENGE, sizeof CHALLENGE - 1);
  unsigned char *challenge = msg + sizeof CHALLENGE - 1;
  memcpy(challenge, "{sha256}", 8);
  for (size_t got = 0; got < NONCE_LEN;) {
    ssize_t n = getrandom(challenge + 8 + got, NONCE_LEN - got, 0);
    if (n < 0 && errno != EINTR)
      return MPROC__ERR(errno);
    got += n > 0 ? (size_t)n : 0;
  }
  int err = mproc_conn_send(fd, msg, sizeof msg);
  if (err != 0)
    return err;
  unsigned char resp[HS_MAX], want[32];
  size_t rlen, body;
  if ((err = hs_recv(fd, resp, &rlen, deadline)) != 0)
    return err;
  /* The MAC covers the whole challenge, "{sha256}" included, so no downgrade is possible. */
  int alg = hs_digest(resp, rlen, &body);
  int ok = alg > 0 &&
           rlen - body == mproc__hmac(alg, key, keylen, challenge, 8 + NONCE_LEN, want) &&
           mproc__equal_ct(resp + body, want, rlen - body);
  if (!ok) {
    mproc_conn_send(fd, FAILURE, sizeof FAILURE - 1);
    return MPROC_EAUTH;
  }
  return mproc_conn_send(fd, WELCOME, sizeof WELCOME - 1);
}

static int hs_answer(int fd, const void *key, size_t keylen, int64_t deadline) {
  unsigned char msg[HS_MAX], resp[8 + 32];
  size_t len, body;
  int err = hs_recv(fd, msg, &len, deadline);
  if (err != 0)
    return err;
  size_t pre = sizeof CHALLENGE - 1;
  if (len < pre + LEGACY_NONCE_LEN || memcmp(msg, CHALLENGE, pre) != 0)
    return MPROC_EAUTH; /* Python: "Protocol error, expected challenge" */
  int alg = hs_digest(msg + pre, len - pre, &body);
  size_t rlen;
  if (alg < 0) {
    return MPROC_EAUTH; /* a digest we do not know */
  } else if (body == 0) {
    rlen = mproc__hmac(alg, key, keylen, msg + pre, len - pre, resp); /* legacy: bare MD5 */
  } else {
    memcpy(resp, msg + pre, body);
    rlen = body + mproc__hmac(alg, key, keylen, msg + pre, len - pre, resp + body);
  }
  if ((err = mproc_conn_send(fd, resp, rlen)) != 0)
    return err;
  if ((err = hs_recv(fd, msg, &len, deadline)) != 0)
    return err;
  if (len != sizeof WELCOME - 1 || memcmp(msg, WELCOME, len) != 0)
    return MPROC_EAUTH;
  return 0;
}

static int handshake(int fd, const void *key, size_t keylen, int64_t timeout_ns, int server) {
  if (fd < 0 || key == NULL || keylen == 0 || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  int64_t deadline = timeout_ns >= 0 ? mproc_now_ns() + timeout_ns : INT64_MAX;
  int err = server ? hs_deliver(fd, key, keylen, deadline) : hs_answer(fd, key, keylen, deadline);
  if (err == 0)
    err = server ? hs_answer(fd, key, keylen, deadline) : hs_deliver(fd, key, keylen, deadline);
  return err;
}

int mproc_auth_server(int fd, const void *key, size_t keylen, int64_t timeout_ns) {
  return handshake(fd, key, keylen, timeout_ns, 1);
}

int mproc_auth_client(int fd, const void *key, size_t keylen, int64_t timeout_ns) {
  return handshake(fd, key, keylen, timeout_ns, 0);
}

/* ---- Waiting on many ----------------------------------------------------------------------- */

int mproc_wait_any(const int *fds, int n, int64_t timeout_ns, unsigned char *ready) {
  if (n < 0 || n > 65536 || (n > 0 && (fds == NULL || ready == NULL)) ||
      timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  struct pollfd small[16];
  struct pollfd *p = n <= 16 ? small : malloc(sizeof *p * (size_t)n);
  if (p == NULL)
    return MPROC_ENOMEM;
  for (int i = 0; i < n; i++) {
    p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    ready[i] = 0;
  }
  int r = mproc__poll_many(p, (size_t)n, timeout_ns);
  if (r >= 0) {
    r = 0;
    for (int i = 0; i < n; i++) {
      if (p[i].revents & POLLNVAL) { /* a descriptor that is not open */
        r = MPROC_EBADF;
        break;
      }
      ready[i] = p[i].revents != 0;
      r += ready[i];
    }
  }
  if (p != small)
    free(p);
  return r;
}

/* ---- Passing a descriptor ------------------------------------------------------------------ */

int mproc_conn_send_handle(int fd, int handle) {
  if (fd < 0 || handle < 0)
    return MPROC_EINVAL;
  /* TCP would silently drop the descriptor and send the byte: refuse anything but AF_UNIX. */
  int domain = 0;
  socklen_t dl = sizeof domain;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dl) != 0)
    return MPROC__ERR(errno); /* MPROC_ENOTSOCK for a pipe */
  if (domain != AF_UNIX)
    return MPROC_EINVAL;
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } ctl;
  memset(&ctl, 0, sizeof ctl);
  unsigned char count = 1; /* Python sends the number of descriptors modulo 256 */
  struct iovec iov = {&count, 1};
  struct msghdr msg = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl.buf,
                       .msg_controllen = sizeof ctl.buf};
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &handle, sizeof(int));
  for (;;) {
    ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n == 1)
      return 0;
    if (n < 0 && errno == EINTR)
      continue;
    return n < 0 ? MPROC__ERR(errno) : MPROC_EPROTO;
  }
}

int mproc_conn_recv_handle(int fd, int64_t timeout_ns, int *handle) {
  if (fd < 0 || handle == NULL || timeout_ns < MPROC_FOREVER)
    return MPROC_EINVAL;
  *handle = -1;
  int err = mproc__poll_for(fd, POLLIN, timeout_ns);
  if (err != 0)
    return err;
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * 4)];
  } ctl;
  unsigned char count;
  struct iovec iov = {&count, 1};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  ssize_t n;
  while ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0)
    return MPROC__ERR(errno);
  int got[4], ngot = 0;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
      int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      for (int i = 0; i < k && ngot < 4; i++)
        memcpy(&got[ngot++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
    }
  }
  if (n == 0 && ngot == 0)
    return MPROC_EEOF;
  if (ngot != 1 || count != 1 || (msg.msg_flags & MSG_CTRUNC)) {
    for (int i = 0; i < ngot; i++)
      close(got[i]);
    return MPROC_EPROTO;
  }
  *handle = got[0];
  return 0;
}
