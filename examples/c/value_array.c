/*
 * Seed example 5 (Python's Value and Array) in C: the parent creates a named float64 Value and
 * an int32 Array of 0..9, a child process opens both by name, sets the value to 3.1415927 and
 * negates every element, and the parent prints
 *
 *   3.1415927
 *   [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]
 *
 * A Java program could play either side: the objects are the same bytes whoever made them.
 * Build: part of the CMake build (target/native/examples/value_array).
 */
#include "mproc.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int check(int rc, const char *what) {
  if (rc != 0)
    fprintf(stderr, "value_array: %s: %s (MPROC_%s)\n", what, mproc_strerror(rc),
            mproc_err_name(rc));
  return rc;
}

/* The child's work: Python's f(n, a). */
static int child(const char *num_name, const char *arr_name) {
  mproc_array_t *num, *arr;
  if (check(mproc_array_open(num_name, MPROC_KIND_VALUE, MPROC_FLOAT64, &num), num_name) ||
      check(mproc_array_open(arr_name, MPROC_KIND_ARRAY, MPROC_INT32, &arr), arr_name))
    return 1;
  double pi = 3.1415927;
  mproc_array_store(num, 0, &pi);
  for (uint64_t i = 0; i < mproc_array_length(arr); i++) {
    int32_t v;
    mproc_array_load(arr, i, &v);
    v = -v;
    mproc_array_store(arr, i, &v);
  }
  mproc_array_close(arr);
  mproc_array_close(num);
  return 0;
}

int main(void) {
  char num_name[32], arr_name[32];
  snprintf(num_name, sizeof num_name, "/mproc-cex5-num-%d", (int)getpid());
  snprintf(arr_name, sizeof arr_name, "/mproc-cex5-arr-%d", (int)getpid());
  int32_t init[10];
  for (int i = 0; i < 10; i++)
    init[i] = i;
  double zero = 0.0;
  mproc_array_t *num, *arr;
  if (check(mproc_value_create(num_name, MPROC_FLOAT64, &zero, &num), num_name))
    return 1;
  if (check(mproc_array_create(arr_name, MPROC_INT32, 10, init, &arr), arr_name)) {
    mproc_unlink(num_name);
    return 1;
  }
  int status = 1;
  pid_t pid = fork();
  if (pid == 0)
    _exit(child(num_name, arr_name));
  if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
      WEXITSTATUS(status) == 0) {
    double v;
    mproc_array_load(num, 0, &v);
    printf("%.8g\n[", v);
    for (uint64_t i = 0; i < mproc_array_length(arr); i++) {
      int32_t e;
      mproc_array_load(arr, i, &e);
      printf("%s%d", i ? ", " : "", (int)e);
    }
    printf("]\n");
    status = 0;
  }
  mproc_array_close(num);
  mproc_array_close(arr);
  mproc_unlink(num_name);
  mproc_unlink(arr_name);
  return status == 0 ? 0 : 1;
}
