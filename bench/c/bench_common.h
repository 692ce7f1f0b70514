/*
 * Helpers shared by the C benchmark programs: a monotonic clock, a median, the RESULT line
 * format that bench/run parses ("RESULT <name> <value> <unit>"), and a registry of named objects
 * to unlink at exit so that a failing benchmark does not leave segments in /dev/shm.
 */
#ifndef MPROC_BENCH_COMMON_H
#define MPROC_BENCH_COMMON_H

#include <mproc.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_MAX_NAMES 16

static char bench_names[BENCH_MAX_NAMES][MPROC_NAME_MAX + 1];
static int bench_name_count;
static pid_t bench_owner_pid;

/* Unlinks every registered name; runs only in the process that registered them. */
static void bench_unlink_all(void) {
  if (getpid() != bench_owner_pid)
    return;
  for (int i = 0; i < bench_name_count; i++)
    mproc_unlink(bench_names[i]);
  bench_name_count = 0;
}

/* Writes "/mproc-bench-<pid>-<tag>" into out and registers it for unlinking at exit. */
static void bench_name(char out[MPROC_NAME_MAX + 1], const char *tag) {
  snprintf(out, MPROC_NAME_MAX + 1, "/mproc-bench-%d-%s", (int)getpid(), tag);
  if (bench_name_count == 0) {
    bench_owner_pid = getpid();
    atexit(bench_unlink_all);
  }
  if (bench_name_count < BENCH_MAX_NAMES)
    memcpy(bench_names[bench_name_count++], out, MPROC_NAME_MAX + 1);
}

/* Prints a message and exits; atexit handlers unlink the registered names. */
static void bench_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

/* Exits with a message when an mproc call failed. */
static void bench_check(int rc, const char *what) {
  if (rc < 0)
    bench_die("%s: %s (%s)", what, mproc_strerror(rc), mproc_err_name(rc));
}

static int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median of n values (sorts them in place). */
static double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof v[0], bench_cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One machine-readable result line. */
static void bench_result(const char *name, double value, const char *unit) {
  printf("RESULT %s %.6g %s\n", name, value, unit);
  fflush(stdout);
}

/* Repetitions from $MPROC_BENCH_REPS (default `def`, at least 1). */
static int bench_reps(int def) {
  const char *s = getenv("MPROC_BENCH_REPS");
  int n = s != NULL ? atoi(s) : def;
  return n >= 1 ? n : def;
}

#endif
