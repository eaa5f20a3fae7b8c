/* blake2b-256 (RFC 7693, unkeyed, 32-byte digest) of a 1 KiB buffer, `n` times: after each
 * round the digest overwrites the first 32 bytes of the buffer. Returns the first 8 digest
 * bytes as a little-endian number. */
#include "jarkit_guest.h"

static const u64 IV[8] = {
    0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
    0x510e527fade682d1ull, 0x9b05688c2b3e6c1full, 0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull,
};

static const u8 SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static u64 rotr(u64 x, int k) { return (x >> k) | (x << (64 - k)); }

static u64 load64(const u8 *p) {
    u64 v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

#define G(a, b, c, d, x, y)      \
    a = a + b + x;               \
    d = rotr(d ^ a, 32);         \
    c = c + d;                   \
    b = rotr(b ^ c, 24);         \
    a = a + b + y;               \
    d = rotr(d ^ a, 16);         \
    c = c + d;                   \
    b = rotr(b ^ c, 63);

static void compress(u64 h[8], const u8 block[128], u64 counter, int last) {
    u64 m[16], v[16];
    for (int i = 0; i < 16; i++) m[i] = load64(block + 8 * i);
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = IV[i];
    }
    v[12] ^= counter;
    if (last) v[14] = ~v[14];
    for (int r = 0; r < 12; r++) {
        const u8 *s = SIGMA[r];
        G(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
        G(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
        G(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
        G(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
        G(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
        G(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
        G(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
        G(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

/* The input length is a multiple of 128 (1024 here), so every block is full. */
static void blake2b256(const u8 *data, usize len, u8 out[32]) {
    u64 h[8];
    for (int i = 0; i < 8; i++) h[i] = IV[i];
    h[0] ^= 0x01010000ull ^ 32;
    for (usize off = 0; off < len; off += 128) compress(h, data + off, off + 128, off + 128 == len);
    for (int i = 0; i < 32; i++) out[i] = (u8)(h[i / 8] >> (8 * (i % 8)));
}

static u8 buffer[1024];

u64 run(u64 n) {
    for (int i = 0; i < 1024; i++) buffer[i] = (u8)(i * 7 + 3);
    u8 digest[32] = {0};
    for (u64 k = 0; k < n; k++) {
        blake2b256(buffer, sizeof buffer, digest);
        for (int i = 0; i < 32; i++) buffer[i] = digest[i];
    }
    return load64(digest);
}
JARKIT_EXPORT(run, 1, 1);
