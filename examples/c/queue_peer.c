/*
 * A C program on a queue a Java program (or any other) created:
 *
 *   queue_peer consume NAME      print each message as a line until the queue is shut down
 *   queue_peer produce NAME A B  put each argument as a message, then shut the queue down
 *   queue_peer count NAME N      consume N messages of 8 bytes (producer, sequence) and print
 *                                how many arrived and the sum of the sequences
 *
 * Messages are raw bytes: a Java producer uses SharedQueue.putBytes, or the ObjectCodec's
 * encoding of a String (tag 10, length, UTF-8), which this program prints as text too.
 */
#include "mproc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, int rc) {
  fprintf(stderr, "queue_peer: %s: %s (MPROC_%s)\n", what, mproc_strerror(rc),
          mproc_err_name(rc));
  return 1;
}

/* Prints a message: an ObjectCodec string (tag 10, LEB128 length, UTF-8) as its text. */
static void print_message(const unsigned char *m, uint32_t len) {
  if (len >= 2 && m[0] == 10) {
    uint32_t n = 0, shift = 0, i = 1;
    while (i < len && (m[i] & 0x80)) {
      n |= (uint32_t)(m[i++] & 0x7f) << shift;
      shift += 7;
    }
    if (i < len) {
      n |= (uint32_t)m[i++] << shift;
      if (i + n == len) {
        printf("%.*s\n", (int)n, (const char *)m + i);
        return;
      }
    }
  }
  printf("%.*s\n", (int)len, (const char *)m);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: queue_peer consume NAME | produce NAME MSG... | count NAME N\n");
    return 2;
  }
  mproc_queue_t *q;
  int rc = mproc_queue_open(argv[2], &q);
  if (rc != 0)
    return fail(argv[2], rc);
  uint32_t cap = mproc_queue_max_message(q), len;
  unsigned char *buf = malloc(cap);
  if (strcmp(argv[1], "consume") == 0) {
    while ((rc = mproc_queue_get(q, buf, cap, &len, MPROC_FOREVER)) == 0) {
      print_message(buf, len);
      fflush(stdout);
    }
    if (rc != MPROC_ECLOSED)
      return fail("get", rc);
  } else if (strcmp(argv[1], "produce") == 0) {
    for (int i = 3; i < argc; i++)
      if ((rc = mproc_queue_put(q, argv[i], (uint32_t)strlen(argv[i]), MPROC_FOREVER)) != 0)
        return fail("put", rc);
    mproc_queue_shutdown(q);
  } else if (strcmp(argv[1], "count") == 0 && argc == 4) {
    long n = atol(argv[3]);
    unsigned long long sum = 0;
    for (long i = 0; i < n; i++) {
      if ((rc = mproc_queue_get(q, buf, cap, &len, MPROC_FOREVER)) != 0)
        return fail("get", rc);
      uint32_t seq;
      memcpy(&seq, buf + 4, 4);
      sum += seq;
    }
    printf("%ld %llu\n", n, sum);
  } else {
    return fail(argv[1], MPROC_EINVAL);
  }
  free(buf);
  mproc_queue_close(q);
  return 0;
}
