//! The frame-feeding program on jar1: a resumable renderer fed frames through a DATA capability.
//!
//! The root VM (a few JAVM instructions, below) creates the renderer from `frame_inner.c`
//! (transpiled as a server: [`crate::transpile::polkavm_to_server`]) and hands it its memory,
//! then loops: a protocol call asks the host for the next frame, which the host writes into the
//! frame's DATA capability (the one copy there must be: the frame comes from outside); a CALL
//! passes that capability to the renderer, which maps it, renders, and REPLYs; the capability
//! comes back mapped as it was. No frame byte is copied between the VMs. The same workload on
//! PolkaVM copies each frame twice (`jarkit_bench::polkavm_frames`); `jarkit bench --kernel`
//! runs both.

use javm::kernel::{Kernel, KernelExit};
use javm::manifest::EntrySpec;

use super::build::{add, branch_eq_imm, ecalli, fallthrough, jump, li, mov, op};
use crate::crosscheck::asm::Inst;

/// A 320 × 200 frame of 8-bit pixels.
pub const FRAME_BYTES: usize = 64_000;
const FRAME_PAGES: u32 = 16;
/// Where the frame capability is mapped, in both VMs (clear of PolkaVM's memory map).
const FRAME_PAGE: u32 = 0x4_0000;
const FRAME_SLOT: u8 = 10;
/// The renderer's memory regions: slots 11, 12, … in the root, moved to the same slots of the
/// renderer.
const REGION_SLOT: u8 = 11;
const ROOT_CODE: u8 = 64;
const RENDERER_CODE: u8 = 65;
const RENDERER: u8 = 70;
/// The protocol capability the root calls for the next frame.
pub const NEXT_FRAME: u32 = 1;

/// `count` frames of pseudo-random pixels from `seed`.
pub fn frames(count: usize, seed: u64) -> Vec<Vec<u8>> {
    (0..count as u64).map(|i| crate::crosscheck::gen::pattern((seed << 16 | i) | 1, FRAME_BYTES)).collect()
}

/// What `frame_inner.c`'s `render` returns for `frame`.
pub fn render(frame: &[u8]) -> u64 {
    frame.iter().step_by(64).fold(frame.len() as u64, |h, &p| h.wrapping_mul(31).wrapping_add(u64::from(p) * 3 + 1))
}

/// What the whole program returns for `frames`: the sum of the renders.
pub fn expected(frames: &[Vec<u8>]) -> u64 {
    frames.iter().map(|f| render(f)).fold(0, u64::wrapping_add)
}

/// The root VM: create the renderer, move its memory to it, then feed it frames until the host
/// has none; halt with the sum of its results.
fn root_program(regions: usize) -> Vec<Inst> {
    let mut p = vec![li(7, 0), li(12, u64::from(RENDERER)), ecalli(i64::from(RENDERER_CODE))];
    for i in 0..regions as u8 {
        let slot = u32::from(REGION_SLOT + i);
        p.extend(op(javm::kernel::caps::OP_MOVE, slot, slot | u32::from(RENDERER) << 8));
    }
    p.extend([li(6, 0), fallthrough()]);
    let top = p.len();
    // top: ask for a frame; none left ends the loop.
    p.extend([ecalli(i64::from(NEXT_FRAME))]);
    let done = top + 9;
    p.extend([
        branch_eq_imm(7, 0, done),
        mov(8, 7),
        li(7, u64::from(FRAME_PAGE) * 4096),
        li(12, u64::from(FRAME_SLOT)),
        ecalli(i64::from(RENDERER)),
        add(6, 6, 7),
        jump(top),
        fallthrough(),
    ]);
    debug_assert_eq!(p.len(), done);
    p.extend([mov(7, 6), ecalli(0)]);
    p
}

/// The manifest of the frame-feeding program.
pub fn manifest() -> Result<Vec<u8>, String> {
    let renderer = crate::transpile::polkavm_to_server(jarkit_bench::polkavm_frames::INNER, "render", REGION_SLOT, FRAME_PAGE, FRAME_PAGES)?;
    let root = super::build::code_blob(&root_program(renderer.regions.len()));
    let mut entries = vec![
        EntrySpec { slot: ROOT_CODE, kind: 0, base_page: 0, page_count: 0, access: 0, bytes: &root },
        EntrySpec { slot: RENDERER_CODE, kind: 0, base_page: 0, page_count: 0, access: 0, bytes: &renderer.code },
        EntrySpec { slot: FRAME_SLOT, kind: 1, base_page: FRAME_PAGE, page_count: FRAME_PAGES, access: 1, bytes: &[] },
    ];
    for (i, r) in renderer.regions.iter().enumerate() {
        entries.push(EntrySpec { slot: REGION_SLOT + i as u8, kind: 1, base_page: r.base_page, page_count: r.pages, access: u8::from(r.writable), bytes: &r.init });
    }
    let pages = FRAME_PAGES + renderer.regions.iter().map(|r| r.pages).sum::<u32>();
    Ok(javm::manifest::encode(pages, ROOT_CODE, &entries))
}

/// Runs the program on javm's kernel, the host answering every request for a frame by writing
/// the next of `frames` into the frame capability; the root VM's result.
pub fn run(m: &javm::manifest::Manifest, frames: &[Vec<u8>], engine: javm::Engine) -> Result<u64, String> {
    let mut k = Kernel::new(m, &[], super::OP_REFINE, u64::MAX >> 2, engine).map_err(|e| e.to_string())?.map_err(|e| format!("init: {e:?}"))?;
    let mut exit = k.run().map_err(|e| e.to_string())?;
    let mut next = 0;
    loop {
        exit = match exit {
            KernelExit::ProtocolCall(NEXT_FRAME) => {
                let len = match frames.get(next) {
                    Some(f) => {
                        k.write_data(0, u32::from(FRAME_SLOT), f).ok_or("the frame capability is not in the root's slot")?;
                        next += 1;
                        f.len()
                    }
                    None => 0,
                };
                k.answer(len as u64, 0).map_err(|e| e.to_string())?
            }
            KernelExit::Halt(v) => return Ok(v),
            other => return Err(format!("the frame-feeding program stopped with {other:?} after {next} frames")),
        };
    }
}
