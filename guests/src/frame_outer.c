/* The outer half of the frame-feeding benchmark as the GP way runs it on PolkaVM: the host
 * copies each frame into `frame_buffer` (`next_frame`), and copies it again into the inner VM
 * to render it (`render_frame`). Returns the sum of the inner VM's results. (On jar1 the outer
 * is a few JAVM instructions that pass the frame's DATA capability instead; see
 * src/kernel/feed.rs.) */
#include "jarkit_guest.h"

#define FRAME_BYTES 64000

static u8 frame_buffer[FRAME_BYTES];

/* The host writes the next frame at the address given and returns its length (0: no more). */
JARKIT_IMPORT(next_frame, 1)
/* The host renders the frame of the given length in the inner VM and returns its result. */
JARKIT_IMPORT(render_frame, 2)

u64 run(u64 unused) {
    (void)unused;
    u64 acc = 0;
    for (;;) {
        u64 len = next_frame((u64)(usize)frame_buffer);
        if (len == 0) break;
        acc += render_frame(len);
    }
    return acc;
}
JARKIT_EXPORT(run, 1, 1);
