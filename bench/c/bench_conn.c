/*
 * Connections (issue 5): round trip of an 8-byte message between two processes over a duplex
 * socketpair, framed (mproc_conn_send/recv) and raw (write/read of the same 12 bytes, the OS
 * limit), and one-way throughput of 64 KiB framed messages. The child is forked; medians of
 * MPROC_BENCH_REPS repetitions.
 *
 *   RESULT c.conn.rtt <ns> ns           framed round trip
 *   RESULT c.conn.raw_rtt <ns> ns       raw socketpair round trip
 *   RESULT c.conn.tput64k <GB/s> GB/s   framed 64 KiB messages, one way, read into one buffer
 */
#define _GNU_SOURCE
#include "mproc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { ROUNDS = 20000, BIG = 64 * 1024, BIG_N = 20000 };

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return v[n / 2];
}

static void raw_echo(int fd) {
  char b[12];
  for (;;) {
    ssize_t got = 0;
    while (got < 12) {
      ssize_t n = read(fd, b + got, (size_t)(12 - got));
      if (n <= 0)
        _exit(0);
      got += n;
    }
    if (write(fd, b, 12) != 12)
      _exit(1);
  }
}

static void framed_echo(int fd) {
  for (;;) {
    void *m;
    uint64_t len;
    if (mproc_conn_recv(fd, 1 << 20, MPROC_FOREVER, &m, &len) != 0)
      _exit(0);
    mproc_conn_send(fd, m, len);
    mproc_free(m);
  }
}

static double rtt(int framed) {
  int a, b;
  mproc_conn_pair(1, &a, &b);
  pid_t pid = fork();
  if (pid == 0) {
    close(a);
    framed ? framed_echo(b) : raw_echo(b);
  }
  close(b);
  char msg[12] = {0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
  int64_t t0 = mproc_now_ns();
  for (int i = 0; i < ROUNDS; i++) {
    if (framed) {
      void *m;
      uint64_t len;
      mproc_conn_send(a, msg + 4, 8);
      mproc_conn_recv(a, 1 << 20, MPROC_FOREVER, &m, &len);
      mproc_free(m);
    } else {
      char back[12];
      if (write(a, msg, 12) != 12)
        exit(1);
      ssize_t got = 0;
      while (got < 12)
        got += read(a, back + got, (size_t)(12 - got));
    }
  }
  double ns = (double)(mproc_now_ns() - t0) / ROUNDS;
  close(a);
  waitpid(pid, NULL, 0);
  return ns;
}

static double throughput(void) {
  int a, b;
  mproc_conn_pair(1, &a, &b);
  pid_t pid = fork();
  if (pid == 0) {
    close(a);
    static char into[BIG]; /* one buffer for every message, as Java's recvBytesInto */
    for (int i = 0; i < BIG_N; i++) {
      int64_t len = mproc_conn_recv_header(b, BIG, MPROC_FOREVER);
      if (len < 0 || mproc_conn_read(b, into, (uint64_t)len) != 0)
        _exit(1);
    }
    mproc_conn_send(b, "done", 4);
    _exit(0);
  }
  close(b);
  char *big = calloc(1, BIG);
  int64_t t0 = mproc_now_ns();
  for (int i = 0; i < BIG_N; i++)
    mproc_conn_send(a, big, BIG);
  void *m;
  uint64_t len;
  mproc_conn_recv(a, 100, MPROC_FOREVER, &m, &len);
  mproc_free(m);
  double gbs = (double)BIG * BIG_N / (double)(mproc_now_ns() - t0);
  free(big);
  close(a);
  waitpid(pid, NULL, 0);
  return gbs;
}

int main(void) {
  const char *r = getenv("MPROC_BENCH_REPS");
  int reps = r != NULL ? atoi(r) : 7;
  if (reps < 1 || reps > 100)
    reps = 7;
  double f[100], raw[100], t[100];
  for (int i = 0; i < reps; i++) {
    f[i] = rtt(1);
    raw[i] = rtt(0);
    t[i] = throughput();
  }
  printf("RESULT c.conn.rtt %.1f ns\n", median(f, reps));
  printf("RESULT c.conn.raw_rtt %.1f ns\n", median(raw, reps));
  printf("RESULT c.conn.tput64k %.2f GB/s\n", median(t, reps));
  return 0;
}
