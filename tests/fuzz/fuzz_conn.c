/*
 * Fuzz target: connection framing (conn.c) reading whatever a peer wrote.
 *
 * Input: one option byte, then the bytes the peer sent before closing its end.
 *   bit 0     a pipe instead of a socketpair (a pipe is read without MSG_DONTWAIT's recv)
 *   bits 1-7  the receiver's maximum message length: 2^(bits % 24) bytes
 * The receiver calls mproc_conn_recv until it fails: each message must be at most the maximum,
 * and the end must be a clean MPROC_EEOF, MPROC_EPROTO (a cut frame, a negative length) or
 * MPROC_EMSGSIZE, never a crash, a hang or an allocation beyond the maximum.
 *
 * Future target: the Listener/Client handshake (Python's HMAC challenge on an authkey) reads
 * peer bytes the same way; when it lands in conn.c, add fuzz_handshake.c feeding a socketpair
 * to the server and client sides (see tests/fuzz/README.md).
 */
#include "fuzz.h"

#include <fcntl.h>

#define MAX_INPUT (1 << 16) /* below a socket's and a pipe's default buffer: one write, no peer */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size - 1 > MAX_INPUT)
    return 0;
  int duplex = !(data[0] & 1);
  uint64_t max_len = (uint64_t)1 << ((data[0] >> 1) % 24);
  int r, w;
  if (mproc_conn_pair(duplex, &r, &w) != 0)
    abort();
  if (!duplex)
    fcntl(w, F_SETPIPE_SZ, MAX_INPUT * 2);
  const uint8_t *p = data + 1;
  size_t left = size - 1;
  while (left > 0) {
    ssize_t n = write(w, p, left);
    if (n <= 0)
      abort();
    p += n;
    left -= (size_t)n;
  }
  close(w);
  for (int i = 0; i <= MAX_INPUT / 4 + 1; i++) {
    void *buf;
    uint64_t len;
    int rc = mproc_conn_recv(r, max_len, 0, &buf, &len);
    if (rc != 0) {
      FUZZ_CHECK(rc == MPROC_EEOF || rc == MPROC_EPROTO || rc == MPROC_EMSGSIZE);
      FUZZ_CHECK(buf == NULL);
      break;
    }
    FUZZ_CHECK(len <= max_len && buf != NULL);
    mproc_free(buf);
    FUZZ_CHECK(i < MAX_INPUT / 4 + 1); /* every message takes at least 4 bytes */
  }
  close(r);
  return 0;
}
