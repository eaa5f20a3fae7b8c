/* Sieve of Eratosthenes up to `n` (at most 100000); returns the number of primes below n. */
#include "jarkit_guest.h"

static u8 composite[100000];

u64 run(u64 n) {
    if (n > 100000) n = 100000;
    for (u64 i = 0; i < n; i++) composite[i] = 0;
    u64 count = 0;
    for (u64 i = 2; i < n; i++) {
        if (composite[i]) continue;
        count++;
        for (u64 j = i * i; j < n; j += i) composite[j] = 1;
    }
    return count;
}
JARKIT_EXPORT(run, 1, 1);
