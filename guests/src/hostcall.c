/* Calls host function 0 (`ecalli 0`) `n` times, feeding each result into the next call. The
 * host adds 1 to its argument, so the result is n. */
#include "jarkit_guest.h"

JARKIT_IMPORT(host_increment, 0)

u64 run(u64 n) {
    u64 x = 0;
    for (u64 i = 0; i < n; i++) x = host_increment(x);
    return x;
}
JARKIT_EXPORT(run, 1, 1);
