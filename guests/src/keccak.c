/* keccak-256 (original Keccak padding 0x01, rate 136) of a 1 KiB buffer, `n` times: after each
 * round the digest overwrites the first 32 bytes of the buffer. Returns the first 8 digest bytes
 * as a little-endian number. */
#include "jarkit_guest.h"

static const u64 RC[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

/* Rotation offsets and the lane permutation of rho and pi, in the order pi visits the lanes. */
static const int ROTC[24] = {1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44};
static const int PILN[24] = {10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1};

static u64 rotl(u64 x, int k) { return (x << k) | (x >> (64 - k)); }

static void keccak_f(u64 st[25]) {
    u64 bc[5];
    for (int round = 0; round < 24; round++) {
        for (int i = 0; i < 5; i++) bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^ st[i + 20];
        for (int i = 0; i < 5; i++) {
            u64 t = bc[(i + 4) % 5] ^ rotl(bc[(i + 1) % 5], 1);
            for (int j = 0; j < 25; j += 5) st[j + i] ^= t;
        }
        u64 t = st[1];
        for (int i = 0; i < 24; i++) {
            int j = PILN[i];
            u64 next = st[j];
            st[j] = rotl(t, ROTC[i]);
            t = next;
        }
        for (int j = 0; j < 25; j += 5) {
            for (int i = 0; i < 5; i++) bc[i] = st[j + i];
            for (int i = 0; i < 5; i++) st[j + i] ^= (~bc[(i + 1) % 5]) & bc[(i + 2) % 5];
        }
        st[0] ^= RC[round];
    }
}

static void absorb(u64 st[25], const u8 *block) {
    for (int i = 0; i < 17; i++) {
        u64 v = 0;
        for (int b = 7; b >= 0; b--) v = (v << 8) | block[8 * i + b];
        st[i] ^= v;
    }
    keccak_f(st);
}

static void keccak256(const u8 *data, usize len, u8 out[32]) {
    u64 st[25] = {0};
    usize off = 0;
    for (; off + 136 <= len; off += 136) absorb(st, data + off);
    u8 last[136] = {0};
    usize rest = len - off;
    for (usize i = 0; i < rest; i++) last[i] = data[off + i];
    last[rest] ^= 0x01;
    last[135] ^= 0x80;
    absorb(st, last);
    for (int i = 0; i < 32; i++) out[i] = (u8)(st[i / 8] >> (8 * (i % 8)));
}

static u8 buffer[1024];

u64 run(u64 n) {
    for (int i = 0; i < 1024; i++) buffer[i] = (u8)(i * 7 + 3);
    u8 digest[32] = {0};
    for (u64 k = 0; k < n; k++) {
        keccak256(buffer, sizeof buffer, digest);
        for (int i = 0; i < 32; i++) buffer[i] = digest[i];
    }
    u64 v = 0;
    for (int b = 7; b >= 0; b--) v = (v << 8) | digest[b];
    return v;
}
JARKIT_EXPORT(run, 1, 1);
