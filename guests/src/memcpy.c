/* Copies a 64 KiB buffer back and forth `n` times, 8 bytes at a time; returns a checksum of
 * the final buffer. Memory-bound. */
#include "jarkit_guest.h"

#define WORDS (65536 / 8)
static u64 a[WORDS];
static u64 b[WORDS];

u64 run(u64 n) {
    for (u64 i = 0; i < WORDS; i++) a[i] = i * 0x9e3779b97f4a7c15ull;
    for (u64 k = 0; k < n; k++) {
        volatile u64 *src = (k & 1) ? b : a;
        volatile u64 *dst = (k & 1) ? a : b;
        for (u64 i = 0; i < WORDS; i++) dst[i] = src[i] + 1;
    }
    u64 sum = 0;
    const u64 *last = (n & 1) ? b : a;
    for (u64 i = 0; i < WORDS; i++) sum ^= last[i] + i;
    return sum;
}
JARKIT_EXPORT(run, 1, 1);
