/* Listeners and clients, the authkey handshake, waiting on many descriptors, descriptor passing. */
#include "check.h"

#include "../../native/src/internal.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

static const int64_t SEC = 1000000000LL;

static void hex(const unsigned char *p, size_t n, char *out) {
  for (size_t i = 0; i < n; i++)
    sprintf(out + 2 * i, "%02x", p[i]);
}

/* RFC 2202 / RFC 4231 vectors and a multi-block message; expected values from Python's hmac. */
static void test_hmac_vectors(void) {
  unsigned char k1[16], k3[131], big[1027], out[32];
  char h[65];
  memset(k1, 0x0b, sizeof k1);
  memset(k3, 0xaa, sizeof k3);
  for (int i = 0; i < 1024; i++)
    big[i] = (unsigned char)i;
  memcpy(big + 1024, "xyz", 3);
  static const char *lk = "Test Using Larger Than Block-Size Key - Hash Key First";
  struct {
    const void *key;
    size_t keylen;
    const void *msg;
    size_t msglen;
    const char *md5, *sha256;
  } cases[] = {
      {k1, 16, "Hi There", 8, "9294727a3638bb1c13f48ef8158bfc9d",
       "492ce020fe2534a5789dc3848806c78f4f6711397f08e7e7a12ca5a4483c8aa6"},
      {"Jefe", 4, "what do ya want for nothing?", 28, "750c783e6ab0b503eaa86e310a5db738",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {k3, 131, lk, strlen(lk), "bfecaf4efff90a3a668f3922fec3762d",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"k", 1, big, sizeof big, "da7b04dad1b1994a16ebc45d82e19fa0",
       "b5ed57b071278fee8f0c2bd1791d1bf0eac86df533adf08eac2c96f3044d8ac3"},
      {"key", 3, "", 0, "63530468a04e386459855da0063b6596",
       "5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK(mproc__hmac(MPROC__MD5, cases[i].key, cases[i].keylen, cases[i].msg, cases[i].msglen,
                      out) == 16);
    hex(out, 16, h);
    CHECK(strcmp(h, cases[i].md5) == 0);
    CHECK(mproc__hmac(MPROC__SHA256, cases[i].key, cases[i].keylen, cases[i].msg,
                      cases[i].msglen, out) == 32);
    hex(out, 32, h);
    CHECK(strcmp(h, cases[i].sha256) == 0);
  }
}

static const char *sock_path(const char *tag) {
  static char buf[4][64];
  static int next;
  char *b = buf[next++ % 4];
  snprintf(b, 64, "/tmp/mpt-%s-%d.sock", tag, (int)getpid());
  return b;
}

/* A child that connects to `address` with `key` (NULL: none), sends "ping", expects "pong",
   and exits with 0, or 10 + the handshake's failure code's distance from MPROC_EAUTH. */
static pid_t client_child(const char *address, const char *key) {
  pid_t pid = fork_child();
  if (pid == 0) {
    int fd;
    if (mproc_connect(address, 5 * SEC, &fd) != 0)
      _exit(2);
    if (key != NULL) {
      int rc = mproc_auth_client(fd, key, strlen(key), 5 * SEC);
      if (rc == MPROC_EAUTH)
        _exit(10);
      if (rc != 0)
        _exit(11);
    }
    if (mproc_conn_send(fd, "ping", 4) != 0)
      _exit(3);
    void *buf;
    uint64_t len;
    if (mproc_conn_recv(fd, 64, 5 * SEC, &buf, &len) != 0 || len != 4 || memcmp(buf, "pong", 4))
      _exit(4);
    mproc_free(buf);
    _exit(0);
  }
  return pid;
}

static void serve_one(int lfd, const char *key, int want_auth) {
  int fd;
  CHECK_RC(0, mproc_accept(lfd, 5 * SEC, &fd));
  if (key != NULL) {
    int rc = mproc_auth_server(fd, key, strlen(key), 5 * SEC);
    CHECK_RC(want_auth, rc);
    if (rc != 0) {
      close(fd);
      return;
    }
  }
  void *buf;
  uint64_t len;
  CHECK_RC(0, mproc_conn_recv(fd, 64, 5 * SEC, &buf, &len));
  CHECK(len == 4 && memcmp(buf, "ping", 4) == 0);
  mproc_free(buf);
  CHECK_RC(0, mproc_conn_send(fd, "pong", 4));
  close(fd);
}

static void test_unix_listener(void) {
  const char *path = sock_path("lu");
  char address[128], got[128];
  snprintf(address, sizeof address, "unix:%s", path);
  int lfd;
  CHECK_RC(0, mproc_listen(address, 4, &lfd));
  struct stat st;
  CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600); /* owner only */
  CHECK_RC(0, mproc_listener_address(lfd, got, sizeof got));
  CHECK(strcmp(got, address) == 0);
  CHECK_RC(MPROC_ETOOSMALL, mproc_listener_address(lfd, got, 8));
  int other;
  CHECK_RC(MPROC_EADDRINUSE, mproc_listen(address, 4, &other));

  pid_t c = client_child(address, "secret");
  serve_one(lfd, "secret", 0);
  CHECK(wait_child(c) == 0);
  c = client_child(address, NULL);
  serve_one(lfd, NULL, 0);
  CHECK(wait_child(c) == 0);

  CHECK_RC(0, mproc_listener_close(lfd));
  CHECK(stat(path, &st) != 0 && errno == ENOENT); /* removed, as Python does */
  int fd;
  CHECK_RC(MPROC_ENOENT, mproc_connect(address, SEC, &fd));
}

static void test_tcp_listener_and_wrong_key(void) {
  int lfd;
  char address[128];
  CHECK_RC(0, mproc_listen("tcp:127.0.0.1:0", 4, &lfd));
  CHECK_RC(0, mproc_listener_address(lfd, address, sizeof address));
  CHECK(strncmp(address, "tcp:127.0.0.1:", 14) == 0 && strcmp(address, "tcp:127.0.0.1:0") != 0);

  pid_t c = client_child(address, "right");
  serve_one(lfd, "right", 0);
  CHECK(wait_child(c) == 0);
  /* A wrong key is refused on both sides. */
  c = client_child(address, "wrong");
  serve_one(lfd, "right", MPROC_EAUTH);
  CHECK(wait_child(c) == 10);
  /* Nothing listens on the port once closed. */
  CHECK_RC(0, mproc_listener_close(lfd));
  int fd;
  CHECK_RC(MPROC_ECONNREFUSED, mproc_connect(address, SEC, &fd));
}

static void test_ipv6_loopback(void) {
  int lfd;
  char address[128];
  if (mproc_listen("tcp:[::1]:0", 1, &lfd) != 0)
    return; /* no IPv6 on this host */
  CHECK_RC(0, mproc_listener_address(lfd, address, sizeof address));
  CHECK(strncmp(address, "tcp:[::1]:", 10) == 0);
  pid_t c = client_child(address, "k6");
  serve_one(lfd, "k6", 0);
  CHECK(wait_child(c) == 0);
  CHECK_RC(0, mproc_listener_close(lfd));
}

/* A raw peer: connects, then sends `junk` (len bytes, unframed) and holds the line open. */
static pid_t junk_child(const char *address, const void *junk, size_t len) {
  pid_t pid = fork_child();
  if (pid == 0) {
    int fd;
    if (mproc_connect(address, 5 * SEC, &fd) != 0)
      _exit(2);
    if (len > 0 && write(fd, junk, len) != (ssize_t)len)
      _exit(3);
    sleep(3);
    _exit(0);
  }
  return pid;
}

static void test_hostile_handshakes(void) {
  int lfd, fd;
  char address[128];
  CHECK_RC(0, mproc_listen("tcp:127.0.0.1:0", 8, &lfd));
  CHECK_RC(0, mproc_listener_address(lfd, address, sizeof address));
  struct {
    const char *bytes;
    size_t len;
    int want;
  } cases[] = {
      {"\x7f\xff\xff\xff", 4, MPROC_EAUTH},            /* an absurd length: never allocated */
      {"\xff\xff\xff\xfe", 4, MPROC_EAUTH},            /* a negative length */
      {"\x00\x00\x00\x05hello", 9, MPROC_EAUTH},       /* a short, wrong response */
      {"\x00\x00\x00\x10", 4, MPROC_ETIMEDOUT},        /* a frame cut short, then silence */
      {"", 0, MPROC_ETIMEDOUT},                        /* silence */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pid_t c = junk_child(address, cases[i].bytes, cases[i].len);
    CHECK_RC(0, mproc_accept(lfd, 5 * SEC, &fd));
    int64_t t0 = mproc_now_ns();
    CHECK_RC(cases[i].want, mproc_auth_server(fd, "key", 3, SEC / 5));
    CHECK(mproc_now_ns() - t0 < 2 * SEC);
    close(fd);
    kill(c, SIGKILL);
    wait_child(c);
  }
  /* A peer that hangs up mid-handshake: end of stream, not a hang. */
  pid_t c = fork_child();
  if (c == 0) {
    int cfd;
    _exit(mproc_connect(address, 5 * SEC, &cfd) == 0 ? 0 : 2);
  }
  CHECK_RC(0, mproc_accept(lfd, 5 * SEC, &fd));
  CHECK(wait_child(c) == 0);
  int rc = mproc_auth_server(fd, "key", 3, SEC);
  CHECK(rc == MPROC_EEOF || rc == MPROC_EPIPE || rc == MPROC_ECONNRESET);
  close(fd);
  /* A client facing a server that speaks something else. */
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK_RC(0, mproc_conn_send(sv[1], "#NOT-A-CHALLENGE####################", 36));
  CHECK_RC(MPROC_EAUTH, mproc_auth_client(sv[0], "key", 3, SEC));
  close(sv[0]);
  close(sv[1]);
  CHECK_RC(MPROC_EINVAL, mproc_auth_server(0, "", 0, SEC)); /* an empty key */
  CHECK_RC(0, mproc_listener_close(lfd));
}

/* The answering side accepts Python 3.11's legacy 20-byte challenge with a bare HMAC-MD5. */
static void test_legacy_challenge(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  unsigned char msg[11 + 20], resp[64], want[32];
  memcpy(msg, "#CHALLENGE#", 11);
  for (int i = 0; i < 20; i++)
    msg[11 + i] = (unsigned char)(i * 7);
  CHECK_RC(0, mproc_conn_send(sv[1], msg, sizeof msg));
  CHECK_RC(0, mproc_conn_send(sv[1], "#WELCOME#", 9)); /* queued ahead of the answer */
  pid_t c = fork_child();
  if (c == 0) {
    close(sv[1]);
    int rc = mproc_auth_client(sv[0], "legacy", 6, 5 * SEC);
    _exit(rc == MPROC_EEOF || rc == MPROC_EPIPE || rc == MPROC_ECONNRESET ? 0 : 1);
  }
  void *buf;
  uint64_t len;
  CHECK_RC(0, mproc_conn_recv(sv[1], 256, 5 * SEC, &buf, &len));
  CHECK(len == 16);
  memcpy(resp, buf, 16);
  mproc_free(buf);
  mproc__hmac(MPROC__MD5, "legacy", 6, msg + 11, 20, want);
  CHECK(memcmp(resp, want, 16) == 0);
  close(sv[1]); /* the child now delivers its challenge and reads end-of-stream */
  CHECK(wait_child(c) == 0);
  close(sv[0]);
}

static void test_bad_addresses(void) {
  int fd;
  char longpath[200];
  memset(longpath, 'a', sizeof longpath);
  memcpy(longpath, "unix:/tmp/", 10);
  longpath[sizeof longpath - 1] = '\0';
  CHECK_RC(MPROC_EBADADDR, mproc_listen("localhost:80", 1, &fd));
  CHECK_RC(MPROC_EBADADDR, mproc_listen("unix:", 1, &fd));
  CHECK_RC(MPROC_ENAMETOOLONG, mproc_listen(longpath, 1, &fd));
  CHECK_RC(MPROC_EBADADDR, mproc_listen("tcp:127.0.0.1", 1, &fd));
  CHECK_RC(MPROC_EBADADDR, mproc_listen("tcp:127.0.0.1:99999", 1, &fd));
  CHECK_RC(MPROC_EBADADDR, mproc_listen("tcp:127.0.0.1:12x", 1, &fd));
  CHECK_RC(MPROC_EBADADDR, mproc_listen("tcp:[::1:80", 1, &fd));
  CHECK_RC(MPROC_EBADADDR, mproc_connect("tcp:no-such-host.invalid:80", SEC, &fd));
  CHECK_RC(MPROC_EINVAL, mproc_listen("tcp:127.0.0.1:0", -1, &fd));
  CHECK_RC(MPROC_EINVAL, mproc_listen(NULL, 1, &fd));
  CHECK_RC(MPROC_ENOENT, mproc_listen("unix:/nonexistent-dir/x.sock", 1, &fd));
}

static void test_accept_timeout(void) {
  int lfd, fd;
  CHECK_RC(0, mproc_listen("tcp:127.0.0.1:0", 1, &lfd));
  int64_t t0 = mproc_now_ns();
  CHECK_RC(MPROC_ETIMEDOUT, mproc_accept(lfd, SEC / 10, &fd));
  CHECK(mproc_now_ns() - t0 >= SEC / 10);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_accept(lfd, 0, &fd));
  CHECK_RC(0, mproc_listener_close(lfd));
}

/* A Unix listener whose backlog is full: connect waits, bounded by its timeout. */
static void test_unix_backlog_full(void) {
  char address[128];
  snprintf(address, sizeof address, "unix:%s", sock_path("bl"));
  int lfd, fds[8], n = 0, rc;
  CHECK_RC(0, mproc_listen(address, 0, &lfd));
  int64_t t0 = mproc_now_ns();
  while (n < 8 && (rc = mproc_connect(address, SEC / 10, &fds[n])) == 0)
    n++;
  CHECK(n >= 1 && n < 8);
  CHECK_RC(MPROC_ETIMEDOUT, rc);
  CHECK(mproc_now_ns() - t0 < 3 * SEC);
  int c;
  CHECK_RC(0, mproc_accept(lfd, SEC, &c)); /* room again */
  CHECK_RC(0, mproc_connect(address, SEC, &fds[n++]));
  close(c);
  for (int i = 0; i < n; i++)
    close(fds[i]);
  CHECK_RC(0, mproc_listener_close(lfd));
}

static void test_wait_any(void) {
  int a[2], b[2];
  CHECK_RC(0, mproc_conn_pair(1, &a[0], &a[1]));
  CHECK_RC(0, mproc_conn_pair(1, &b[0], &b[1]));
  int fds[2] = {a[0], b[0]};
  unsigned char ready[2];
  CHECK_RC(0, mproc_wait_any(fds, 2, SEC / 20, ready));
  CHECK(ready[0] == 0 && ready[1] == 0);
  CHECK_RC(0, mproc_conn_send(b[1], "x", 1));
  CHECK_RC(1, mproc_wait_any(fds, 2, SEC, ready));
  CHECK(ready[0] == 0 && ready[1] == 1);
  close(a[1]); /* end-of-stream counts as ready */
  CHECK_RC(2, mproc_wait_any(fds, 2, 0, ready));
  /* A child's sentinel becomes ready when it exits. */
  char *argv[] = {"/bin/sh", "-c", "sleep 0.2", NULL};
  mproc_child_t *child;
  CHECK_RC(0, mproc_spawnv("/bin/sh", argv, NULL, NULL, 0, -1, -1, -1, &child));
  int s = mproc_child_sentinel(child);
  CHECK(s >= 0);
  CHECK_RC(0, mproc_wait_any(&s, 1, 0, ready));
  CHECK_RC(1, mproc_wait_any(&s, 1, 5 * SEC, ready));
  int code;
  CHECK_RC(0, mproc_child_wait(child, SEC, &code));
  CHECK(code == 0);
  CHECK_RC(1, mproc_wait_any(&s, 1, 0, ready)); /* still ready once reaped */
  mproc_child_free(child);
  CHECK_RC(1, mproc_wait_any(&s, 1, 0, ready)); /* and once the handle is freed */
  close(s);
  int bad = 999;
  CHECK_RC(MPROC_EBADF, mproc_wait_any(&bad, 1, 0, ready));
  CHECK_RC(MPROC_EINVAL, mproc_wait_any(fds, -1, 0, ready));
  close(a[0]);
  close(b[0]);
  close(b[1]);
}

static void test_send_handle(void) {
  int a, b;
  CHECK_RC(0, mproc_conn_pair(1, &a, &b));
  int mfd = memfd_create("mpt-handle", MFD_CLOEXEC);
  CHECK(mfd >= 0 && write(mfd, "handed", 6) == 6);
  CHECK_RC(0, mproc_conn_send(a, "before", 6)); /* framed messages around it are untouched */
  CHECK_RC(0, mproc_conn_send_handle(a, mfd));
  CHECK_RC(0, mproc_conn_send(a, "after", 5));
  close(mfd);
  void *buf;
  uint64_t len;
  CHECK_RC(0, mproc_conn_recv(b, 64, SEC, &buf, &len));
  CHECK(len == 6 && memcmp(buf, "before", 6) == 0);
  mproc_free(buf);
  int got;
  CHECK_RC(0, mproc_conn_recv_handle(b, SEC, &got));
  char text[8] = {0};
  CHECK(pread(got, text, 6, 0) == 6 && strcmp(text, "handed") == 0);
  CHECK((fcntl(got, F_GETFD) & FD_CLOEXEC) != 0);
  close(got);
  CHECK_RC(0, mproc_conn_recv(b, 64, SEC, &buf, &len));
  CHECK(len == 5 && memcmp(buf, "after", 5) == 0);
  mproc_free(buf);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_conn_recv_handle(b, SEC / 50, &got));
  /* A framed message where a handle is expected is a protocol error, not a stray descriptor
     (the stream is out of step after it, as in Python). */
  CHECK_RC(0, mproc_conn_send(a, "x", 1));
  CHECK_RC(MPROC_EPROTO, mproc_conn_recv_handle(b, SEC, &got));
  close(a);
  close(b);
  CHECK_RC(0, mproc_conn_pair(1, &a, &b));
  close(a);
  CHECK_RC(MPROC_EEOF, mproc_conn_recv_handle(b, SEC, &got));
  close(b);
  /* Not over a pipe, nor TCP (where the kernel would drop the descriptor silently). */
  int r, w;
  CHECK_RC(0, mproc_conn_pair(0, &r, &w));
  CHECK_RC(MPROC_ENOTSOCK, mproc_conn_send_handle(w, r));
  int lfd, t;
  char address[64];
  CHECK_RC(0, mproc_listen("tcp:127.0.0.1:0", 1, &lfd));
  CHECK_RC(0, mproc_listener_address(lfd, address, sizeof address));
  CHECK_RC(0, mproc_connect(address, SEC, &t));
  CHECK_RC(MPROC_EINVAL, mproc_conn_send_handle(t, r));
  close(t);
  mproc_listener_close(lfd);
  close(r);
  close(w);
}

int main(void) {
  alarm(120);
  signal(SIGPIPE, SIG_IGN);
  fprintf(stderr, "test_listen\n");
  RUN(test_hmac_vectors);
  RUN(test_unix_listener);
  RUN(test_tcp_listener_and_wrong_key);
  RUN(test_ipv6_loopback);
  RUN(test_hostile_handshakes);
  RUN(test_legacy_challenge);
  RUN(test_bad_addresses);
  RUN(test_accept_timeout);
  RUN(test_unix_backlog_full);
  RUN(test_wait_any);
  RUN(test_send_handle);
  return 0;
}
