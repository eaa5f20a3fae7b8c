/* Iterative Fibonacci modulo 2^64: a tight register-only loop. */
#include "jarkit_guest.h"

u64 run(u64 n) {
    u64 a = 0, b = 1;
    for (u64 i = 0; i < n; i++) {
        u64 t = a + b;
        a = b;
        b = t;
    }
    return a;
}
JARKIT_EXPORT(run, 1, 1);
