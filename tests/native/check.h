/* A minimal test harness: CHECK aborts the test with the failing expression and location. */
#ifndef MPROC_CHECK_H
#define MPROC_CHECK_H

#define _GNU_SOURCE
#include "mproc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                     \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* Checks that an mproc call returns `want`, printing both codes' names when it does not. */
#define CHECK_RC(want, expr)                                                                       \
  do {                                                                                             \
    int rc_ = (expr);                                                                              \
    if (rc_ != (want)) {                                                                           \
      fprintf(stderr, "%s:%d: %s returned %d (%s), want %d (%s)\n", __FILE__, __LINE__, #expr,     \
              rc_, mproc_err_name(rc_), (int)(want), mproc_err_name(want));                        \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* A name no other test run uses: "/mpt-<tag>-<pid>". */
static inline const char *test_name(const char *tag) {
  static char buf[8][32];
  static int next;
  char *b = buf[next++ % 8];
  snprintf(b, 32, "/mpt-%s-%d", tag, (int)getpid());
  return b;
}

/* Waits for a child and returns its exit status, or -signal. */
static inline int wait_child(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) { /* ECHILD: reaped already; retrying would spin for ever */
      fprintf(stderr, "waitpid(%d): %s\n", (int)pid, strerror(errno));
      abort();
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

/* fork() for tests: the child dies with the test process, so a failed test leaves no orphan. */
static inline pid_t fork_child(void) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(99);
  }
  return pid;
}

#define RUN(test)                                                                                  \
  do {                                                                                             \
    fprintf(stderr, "  %s\n", #test);                                                              \
    test();                                                                                        \
  } while (0)

#endif
