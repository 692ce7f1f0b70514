/*
 * MD5, SHA-256 and HMAC over them, for the authkey handshake of listeners and clients
 * (listen.c). They are here so that libmproc needs no crypto library: the handshake only proves
 * that both ends know a shared key, exactly as Python's multiprocessing.connection does, and
 * must compute the same HMACs Python computes (HMAC-MD5 for Python up to 3.11, HMAC-SHA256 from
 * 3.12). Checked against RFC 1321, FIPS 180-4, RFC 2202 and RFC 4231 vectors in test_listen.c.
 */
#include "internal.h"

#include <string.h>

static inline uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* ---- MD5 (RFC 1321) ---------------------------------------------------------------------- */

static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
    0xeb86d391};

static const uint8_t md5_s[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

static void md5_block(uint32_t h[4], const unsigned char *p) {
  uint32_t m[16];
  for (int i = 0; i < 16; i++)
    m[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
           (uint32_t)p[4 * i + 3] << 24;
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  for (int i = 0; i < 64; i++) {
    uint32_t f;
    int g;
    switch (i >> 4) {
    case 0:
      f = (b & c) | (~b & d);
      g = i;
      break;
    case 1:
      f = (d & b) | (~d & c);
      g = (5 * i + 1) & 15;
      break;
    case 2:
      f = b ^ c ^ d;
      g = (3 * i + 5) & 15;
      break;
    default:
      f = c ^ (b | ~d);
      g = (7 * i) & 15;
      break;
    }
    f += a + md5_k[i] + m[g];
    a = d;
    d = c;
    c = b;
    b += rotl(f, md5_s[(i >> 4) * 4 + (i & 3)]);
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

/* ---- SHA-256 (FIPS 180-4) ---------------------------------------------------------------- */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static void sha256_block(uint32_t h[8], const unsigned char *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                  sha256_k[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += k;
}

/* ---- One streaming interface over both --------------------------------------------------- */

typedef struct {
  int alg;
  uint32_t h[8];
  unsigned char buf[64];
  size_t used;
  uint64_t total;
} hash_ctx;

static void hash_init(hash_ctx *c, int alg) {
  static const uint32_t md5_iv[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  static const uint32_t sha256_iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memset(c, 0, sizeof *c);
  c->alg = alg;
  if (alg == MPROC__MD5)
    memcpy(c->h, md5_iv, sizeof md5_iv);
  else
    memcpy(c->h, sha256_iv, sizeof sha256_iv);
}

static void hash_block(hash_ctx *c, const unsigned char *p) {
  if (c->alg == MPROC__MD5)
    md5_block(c->h, p);
  else
    sha256_block(c->h, p);
}

static void hash_update(hash_ctx *c, const void *data, size_t len) {
  const unsigned char *p = data;
  c->total += len;
  while (len > 0) {
    size_t n = 64 - c->used < len ? 64 - c->used : len;
    memcpy(c->buf + c->used, p, n);
    c->used += n;
    p += n;
    len -= n;
    if (c->used == 64) {
      hash_block(c, c->buf);
      c->used = 0;
    }
  }
}

static size_t hash_final(hash_ctx *c, unsigned char *out) {
  uint64_t bits = c->total * 8;
  unsigned char pad[72] = {0x80};
  size_t padlen = (c->used < 56 ? 56 : 120) - c->used;
  unsigned char len[8];
  for (int i = 0; i < 8; i++) /* MD5 counts little-endian, SHA-256 big-endian */
    len[i] = (unsigned char)(bits >> (c->alg == MPROC__MD5 ? 8 * i : 56 - 8 * i));
  hash_update(c, pad, padlen);
  hash_update(c, len, 8);
  size_t words = c->alg == MPROC__MD5 ? 4 : 8;
  for (size_t i = 0; i < words; i++)
    for (int j = 0; j < 4; j++)
      out[4 * i + j] =
          (unsigned char)(c->h[i] >> (c->alg == MPROC__MD5 ? 8 * j : 24 - 8 * j));
  return words * 4;
}

size_t mproc__digest_size(int alg) { return alg == MPROC__MD5 ? 16 : 32; }

size_t mproc__hmac(int alg, const void *key, size_t keylen, const void *msg, size_t msglen,
                   unsigned char out[32]) {
  unsigned char k[64] = {0}, pad[64], inner[32];
  hash_ctx c;
  if (keylen > 64) { /* a long key is hashed first (RFC 2104) */
    hash_init(&c, alg);
    hash_update(&c, key, keylen);
    hash_final(&c, k);
  } else if (keylen > 0) {
    memcpy(k, key, keylen);
  }
  for (int i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x36;
  hash_init(&c, alg);
  hash_update(&c, pad, 64);
  hash_update(&c, msg, msglen);
  size_t n = hash_final(&c, inner);
  for (int i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x5c;
  hash_init(&c, alg);
  hash_update(&c, pad, 64);
  hash_update(&c, inner, n);
  return hash_final(&c, out);
}

int mproc__equal_ct(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  unsigned char d = 0;
  for (size_t i = 0; i < n; i++)
    d |= x[i] ^ y[i];
  return d == 0;
}
