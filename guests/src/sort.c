/* Insertion sort of `n` (at most 1024) pseudo-random u32 values; returns a position-weighted
 * checksum of the sorted array, or all ones if the result is not sorted. */
#include "jarkit_guest.h"

static u32 values[1024];

u64 run(u64 n) {
    if (n > 1024) n = 1024;
    u32 x = 12345;
    for (u64 i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        values[i] = x;
    }
    for (u64 i = 1; i < n; i++) {
        u32 v = values[i];
        u64 j = i;
        while (j > 0 && values[j - 1] > v) {
            values[j] = values[j - 1];
            j--;
        }
        values[j] = v;
    }
    u64 sum = 0;
    for (u64 i = 0; i < n; i++) {
        if (i > 0 && values[i - 1] > values[i]) return ~0ull;
        sum += (i + 1) * (u64)values[i];
    }
    return sum;
}
JARKIT_EXPORT(run, 1, 1);
