/*
 * Fuzz target: the authkey handshake of listeners and clients (listen.c), reading what a peer
 * that does not know the key, or does not follow the protocol, sends before it is
 * authenticated.
 *
 * Input: one option byte, then the bytes the peer sends before it stops writing.
 *   bit 0  play the client (answer the fuzzer's challenge, then challenge it) instead of the
 *          server (challenge the fuzzer, then answer its challenge)
 * The peer never reads (our messages are at most 256 bytes: they fit the socket buffer) and
 * shuts its writing side down after the input, so the handshake must end — in success only if
 * the fuzzer forged the right HMAC, which it cannot for our fresh random challenge — with
 * MPROC_EAUTH, MPROC_EEOF or MPROC_EPROTO, and never by running into its deadline: waiting
 * for bytes that cannot come would be a hang.
 */
#include "fuzz.h"

#include <sys/socket.h>

#define MAX_INPUT (1 << 14)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size - 1 > MAX_INPUT)
    return 0;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    abort();
  const uint8_t *p = data + 1;
  size_t left = size - 1;
  while (left > 0) {
    ssize_t n = write(fds[1], p, left);
    if (n <= 0)
      abort();
    p += n;
    left -= (size_t)n;
  }
  shutdown(fds[1], SHUT_WR);
  static const char key[] = "fuzz-authkey";
  int rc = data[0] & 1 ? mproc_auth_client(fds[0], key, sizeof key - 1, 5000000000LL)
                       : mproc_auth_server(fds[0], key, sizeof key - 1, 5000000000LL);
  FUZZ_CHECK(fuzz_known(rc));
  FUZZ_CHECK(rc != MPROC_ETIMEDOUT);
  FUZZ_CHECK(rc != 0); /* our challenge is random: nobody without the key can answer it */
  close(fds[0]);
  close(fds[1]);
  return 0;
}
