/* Connections: Python's framing, bounds on hostile lengths, EOF, EPIPE, one-way pipes. */
#include "check.h"

static void messages_round_trip_with_python_framing(void) {
  int a, b;
  CHECK_RC(0, mproc_conn_pair(1, &a, &b));
  CHECK_RC(0, mproc_conn_send(a, "hello", 5));
  CHECK_RC(0, mproc_conn_send(a, NULL, 0));
  unsigned char raw[9];
  CHECK(read(b, raw, 9) == 9); /* 00 00 00 05 'hello' */
  CHECK(raw[0] == 0 && raw[3] == 5 && memcmp(raw + 4, "hello", 5) == 0);
  void *m;
  uint64_t len;
  CHECK_RC(0, mproc_conn_recv(b, 100, 0, &m, &len));
  CHECK(len == 0);
  mproc_free(m);
  CHECK_RC(MPROC_ETIMEDOUT, mproc_conn_recv(b, 100, 1000000, &m, &len));
  CHECK_RC(MPROC_ETIMEDOUT, mproc_conn_poll(b, 0));
  CHECK_RC(0, mproc_conn_send(b, "back", 4)); /* duplex */
  CHECK_RC(0, mproc_conn_poll(a, 0));
  CHECK_RC(0, mproc_conn_recv(a, 100, MPROC_FOREVER, &m, &len));
  CHECK(len == 4 && memcmp(m, "back", 4) == 0);
  mproc_free(m);
  close(a);
  CHECK_RC(MPROC_EEOF, mproc_conn_recv(b, 100, 0, &m, &len));
  CHECK_RC(MPROC_EPIPE, mproc_conn_send(b, "x", 1));
  close(b);
}

static void hostile_lengths_and_truncation_are_refused(void) {
  int a, b;
  void *m;
  uint64_t len;
  CHECK_RC(0, mproc_conn_pair(1, &a, &b));
  unsigned char neg[4] = {0x80, 0, 0, 0}; /* a negative length other than -1 */
  CHECK(write(a, neg, 4) == 4);
  CHECK_RC(MPROC_EPROTO, mproc_conn_recv(b, 100, 0, &m, &len));
  unsigned char big[4] = {0x7f, 0xff, 0xff, 0xf0}; /* ~2 GiB: above our maximum */
  CHECK(write(a, big, 4) == 4);
  CHECK_RC(MPROC_EMSGSIZE, mproc_conn_recv(b, 1 << 20, 0, &m, &len));
  close(a);
  close(b);
  CHECK_RC(0, mproc_conn_pair(1, &a, &b));
  unsigned char cut[6] = {0, 0, 0, 10, 'a', 'b'}; /* promises 10 bytes, then EOF */
  CHECK(write(a, cut, 6) == 6);
  close(a);
  CHECK_RC(MPROC_EPROTO, mproc_conn_recv(b, 100, 0, &m, &len));
  close(b);
  CHECK_RC(0, mproc_conn_pair(1, &a, &b));
  unsigned char huge[12] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 0}; /* -1, 4 GiB */
  CHECK(write(a, huge, 12) == 12);
  CHECK_RC(MPROC_EMSGSIZE, mproc_conn_recv(b, 1 << 20, 0, &m, &len));
  close(a);
  close(b);
}

static void a_pipe_is_one_way(void) {
  int r, w;
  void *m;
  uint64_t len;
  CHECK_RC(0, mproc_conn_pair(0, &r, &w));
  CHECK_RC(0, mproc_conn_send(w, "one-way", 7));
  CHECK_RC(0, mproc_conn_recv(r, 100, 0, &m, &len));
  CHECK(len == 7 && memcmp(m, "one-way", 7) == 0);
  mproc_free(m);
  CHECK(mproc_conn_send(r, "x", 1) < 0); /* the read end cannot write */
  close(r);
  close(w);
}

/* The non-blocking pieces: a send that stops when the socket is full and resumes from its offset,
   and a receive in pieces; the peer sees whole messages. */
static void sends_and_receives_in_pieces(void) {
  int a, b;
  CHECK_RC(0, mproc_conn_pair(1, &a, &b));
  enum { BIG = 4 << 20 };
  unsigned char *big = malloc(BIG), *back = malloc(BIG);
  for (int i = 0; i < BIG; i++)
    big[i] = (unsigned char)(i * 31);
  int64_t off = mproc_conn_send_from(a, big, BIG, 0, 1);
  CHECK(off > 0 && off < BIG + 4); /* the socket filled up */
  CHECK(mproc_conn_send_from(a, big, BIG, (uint64_t)off, 1) == off); /* still full: no progress */
  pid_t pid = fork_child();
  if (pid == 0) { /* finishes the frame, blocking, while the parent reads */
    _exit(mproc_conn_send_from(a, big, BIG, (uint64_t)off, 0) == BIG + 4 ? 0 : 1);
  }
  CHECK(mproc_conn_recv_header(b, BIG, 1000000000LL) == BIG);
  uint64_t got = 0;
  while (got < BIG) {
    int64_t n = mproc_conn_read_some(b, back + got, BIG - got);
    CHECK(n >= 0);
    if (n == 0)
      CHECK_RC(0, mproc_conn_poll(b, 1000000000LL));
    got += (uint64_t)n;
  }
  CHECK(memcmp(big, back, BIG) == 0);
  CHECK(wait_child(pid) == 0);
  CHECK(mproc_conn_send_from(a, "tiny", 4, 0, 1) == 8);
  CHECK(mproc_conn_recv_header(b, 100, 0) == 4);
  CHECK_RC(0, mproc_conn_read(b, back, 4));
  CHECK(memcmp(back, "tiny", 4) == 0);
  CHECK(mproc_conn_read_some(b, back, 4) == 0); /* nothing there */
  CHECK(mproc_conn_send_from(a, "x", 1, 6, 0) == MPROC_EINVAL); /* past the frame */
  CHECK_RC(0, mproc_conn_send(a, "cut", 3));
  CHECK(mproc_conn_recv_header(b, 100, 0) == 3);
  close(a);
  CHECK_RC(3, mproc_conn_read_some(b, back, 3)); /* what was sent before the peer closed */
  close(b);
  CHECK_RC(0, mproc_conn_pair(1, &a, &b));
  CHECK_RC(0, mproc_conn_send(a, "cut", 3));
  CHECK(mproc_conn_recv_header(b, 100, 0) == 3);
  CHECK(mproc_conn_read_some(b, back, 2) == 2);
  close(a);
  CHECK(mproc_conn_read_some(b, back, 1) == 1);
  CHECK(mproc_conn_read_some(b, back, 1) == MPROC_EPROTO); /* the peer closed mid-message */
  close(b);
  int r, w; /* a pipe cannot be written without blocking: ENOTSOCK, nothing sent */
  CHECK_RC(0, mproc_conn_pair(0, &r, &w));
  CHECK(mproc_conn_send_from(w, "x", 1, 0, 1) == MPROC_ENOTSOCK);
  CHECK(mproc_conn_send_from(w, "x", 1, 0, 0) == 5);
  CHECK(mproc_conn_recv_header(r, 100, 0) == 1);
  CHECK(mproc_conn_read_some(r, back, 1) == MPROC_ENOTSOCK);
  CHECK_RC(0, mproc_conn_read(r, back, 1));
  close(r);
  close(w);
  free(big);
  free(back);
}

/* A pipe's writer whose reader is gone gets MPROC_EPIPE; SIGPIPE (default: death) never comes. */
static void a_pipe_without_reader_gives_epipe_not_sigpipe(void) {
  pid_t pid = fork_child();
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);
    int r, w;
    if (mproc_conn_pair(0, &r, &w) != 0)
      _exit(1);
    close(r);
    int rc = mproc_conn_send(w, "nobody", 6);
    sigset_t pending;
    sigpending(&pending);
    _exit(rc == MPROC_EPIPE && !sigismember(&pending, SIGPIPE) ? 0 : 2);
  }
  CHECK(wait_child(pid) == 0); /* -SIGPIPE before the fix in io.c */
}

int main(void) {
  RUN(messages_round_trip_with_python_framing);
  RUN(hostile_lengths_and_truncation_are_refused);
  RUN(a_pipe_is_one_way);
  RUN(sends_and_receives_in_pieces);
  RUN(a_pipe_without_reader_gives_epipe_not_sigpipe);
  return 0;
}
