/* The inner half of the frame-feeding benchmark: "renders" one 320x200 8-bit frame by folding
 * every 64th pixel into a hash. The same source runs on PolkaVM, where the host copies each
 * frame into `frame_buffer` first, and on jar1, where the frame arrives as a DATA capability
 * mapped at an address of its own, without a copy (see src/kernel/feed.rs). */
#include "jarkit_guest.h"

#define FRAME_BYTES 64000

static u8 frame_buffer[FRAME_BYTES];

/* Where a host that copies frames puts them. */
u64 buffer(u64 unused) {
    (void)unused;
    return (u64)(usize)frame_buffer;
}
JARKIT_EXPORT(buffer, 1, 1);

u64 render(u64 frame, u64 len) {
    const volatile u8 *p = (const volatile u8 *)(usize)frame;
    u64 h = len;
    for (u64 i = 0; i < len; i += 64) h = h * 31 + (u64)p[i] * 3 + 1;
    return h;
}
JARKIT_EXPORT(render, 2, 1);
