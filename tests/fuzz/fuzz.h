/*
 * Shared by the fuzz targets: the libFuzzer entry point every target defines, and the helpers
 * that turn fuzz bytes into what another process could have left behind (a segment file, a
 * stream). Each target checks the library's contract on hostile bytes: a clean error code or
 * valid data, never a crash, a hang or an out-of-bounds access.
 */
#ifndef MPROC_FUZZ_H
#define MPROC_FUZZ_H

#define _GNU_SOURCE
#include "mproc.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A contract violation: abort so that libFuzzer (or the replaying ctest) reports the input. */
#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: fuzz contract violated: %s\n", __FILE__, __LINE__, #cond);           \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* An mproc result must be 0, a value >= 0 where a length is returned, or a known code. */
static inline int fuzz_known(int rc) {
  return rc >= 0 || mproc_err_name(rc)[0] != 'U'; /* "UNKNOWN" */
}

/* An anonymous file holding exactly `size` bytes of `data`, or -1. */
static inline int fuzz_memfd(const void *data, size_t size) {
  int fd = memfd_create("mproc-fuzz", MFD_CLOEXEC);
  if (fd < 0)
    return -1;
  const char *p = data;
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n <= 0) {
      close(fd);
      return -1;
    }
    p += n;
    size -= (size_t)n;
  }
  return fd;
}

#endif
