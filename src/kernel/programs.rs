//! jar1 programs that use the capability kernel, written with [`super::build`]: the shapes the
//! kernel is for, each run by tests and by `jarkit bench --kernel`.

use super::build::*;
use crate::crosscheck::asm::Inst;

/// The slot the programs keep their child's CODE in (inherited by CREATE through mask bit 32).
pub const CHILD_CODE: u8 = 32;
/// Where a parent keeps the HANDLE of its (first) child.
pub const CHILD: u8 = 70;

/// CREATE a VM running the CODE in slot 32 with its HANDLE in `slot`, passing on slot 32.
fn create_child(slot: u8) -> Vec<Inst> {
    vec![li(7, 1 << CHILD_CODE), li(12, slot.into()), ecalli(CHILD_CODE.into())]
}

/// A root that creates one child of `child` and returns what `body` leaves in φ7 (branch
/// targets in `body` count from its first instruction). The manifest has `pages` pages in its
/// pool.
pub fn with_child(body: Vec<Inst>, child: Vec<Inst>, pages: u32) -> Vec<u8> {
    let mut root = create_child(CHILD);
    let shift = root.len();
    root.extend(body.into_iter().map(|i| Inst { target: i.target + shift, ..i }));
    root.push(ecalli(0));
    manifest(pages, 64, &[Entry::Code { slot: 64, program: root }, Entry::Code { slot: CHILD_CODE, program: child }])
}

/// A server: answers every CALL with φ7 + 1, continuing after its REPLY each time.
pub fn server() -> Vec<Inst> {
    vec![add_imm(7, 7, 1), ecalli(0), jump(0)]
}

/// `calls` CALL + REPLY round trips to a [`server`]; halts with the number of calls.
pub fn round_trips(calls: u64) -> Vec<u8> {
    // The loop head follows a `fallthrough`, so it starts a basic block.
    let body = vec![li(3, calls), li(7, 0), fallthrough(), li(12, 0), ecalli(CHILD.into()), add_imm(3, 3, -1), branch_ne_imm(3, 0, 3)];
    with_child(body, server(), 0)
}

/// fib(n) with one VM per call, as upstream's sub-VM benchmark: each VM creates two children
/// (from the CODE it inherited) for n − 1 and n − 2 and adds their replies; 2·fib(n+1) − 1 VMs
/// in all, every one still alive at the end (its parent holds its HANDLE).
pub fn fib_vms(n: u64) -> Vec<u8> {
    let mut fib = vec![branch_lt_u_imm(7, 2, 0), mov(5, 7)];
    // Index 0 is patched below: the base case is at the end.
    fib.extend(create_child(70));
    fib.extend([add_imm(7, 5, -1), li(12, 0), ecalli(70), mov(6, 7)]);
    fib.extend(create_child(71));
    fib.extend([add_imm(7, 5, -2), li(12, 0), ecalli(71), add(7, 7, 6), ecalli(0), trap()]);
    let base = fib.len();
    fib[0] = branch_lt_u_imm(7, 2, base);
    fib.extend([ecalli(0), trap()]);
    let body = vec![li(7, n), li(12, 0), ecalli(CHILD.into())];
    with_child(body, fib, 0)
}

/// A parent that runs an untrusted child under a gas ceiling: the child loops forever, runs out
/// of its `ceiling`, and the parent gets status 3 back with the rest of its gas. Halts with the
/// status.
pub fn gas_ceiling(ceiling: u64) -> Vec<u8> {
    let mut body = vec![li(7, ceiling)];
    body.extend(op(11, CHILD.into(), 0));
    body.extend([li(12, 0), ecalli(CHILD.into()), mov(7, 8)]);
    with_child(body, vec![fallthrough(), jump(0)], 0)
}

/// A child that keeps a counter in the page it finds mapped at page 16 and replies with it
/// after adding one; its whole state is that page.
pub fn counter() -> Vec<Inst> {
    vec![li(2, 16 * 4096), load64(3, 2, 0), add_imm(3, 3, 1), store64(3, 2, 0), mov(7, 3), ecalli(0), jump(0)]
}

/// Copies 4096 bytes from `src` to `dst` (page addresses) with a loop appended to `body`.
fn copy_page(body: &mut Vec<Inst>, src: u32, dst: u32) {
    body.extend([li(4, src.into()), li(5, dst.into()), li(6, 512), fallthrough()]);
    let head = body.len();
    body.extend([load64(3, 4, 0), store64(3, 5, 0), add_imm(4, 4, 8), add_imm(5, 5, 8), add_imm(6, 6, -1), branch_ne_imm(6, 0, head)]);
}

/// `MAP` of the DATA capability at `reference`: page `base`, its first page, writable.
fn map_one(body: &mut Vec<Inst>, reference: u32, base: u64) {
    body.extend([li(7, base), li(8, 0), li(9, 1), li(10, 1)]);
    body.extend(op(2, reference, 0));
}

/// Checkpoint and roll back written in JAVM code, on the kernel's primitives only. The parent
/// gives a [`counter`] child a state page (RETYPE, MOVE into the child's table, MAP there),
/// calls it once (1), checkpoints (takes the page back with MOVE, maps it, copies it into a
/// snapshot page, returns it), calls twice more (3), rolls back (copies the snapshot over the
/// state page the same way) and calls once more: the child, none the wiser, answers 2.
pub fn checkpoint() -> Vec<u8> {
    let state = |hop: bool| if hop { u32::from(CHILD) << 8 | 90 } else { 80 };
    let mut body = Vec::new();
    // State page in 80, snapshot page in 81, both from the pool (a dynamic CALL of slot 254).
    for slot in [80u64, 81] {
        body.extend([li(7, 1), li(11, 0), li(12, 254 << 32 | slot), ecall()]);
    }
    body.extend(op(6, state(false), state(true)));
    map_one(&mut body, state(true), 16);
    body.extend([li(12, 0), ecalli(CHILD.into())]);
    // Take the state page back, snapshot it, give it back.
    let round = |body: &mut Vec<Inst>, src: u32, dst: u32| {
        body.extend(op(6, state(true), state(false)));
        map_one(body, state(false), 16);
        copy_page(body, src, dst);
        body.extend([li(7, 0), li(8, 1)]);
        body.extend(op(3, state(false), 0));
        body.extend(op(6, state(false), state(true)));
        map_one(body, state(true), 16);
    };
    map_one(&mut body, 81, 17);
    round(&mut body, 16 * 4096, 17 * 4096);
    body.extend([li(12, 0), ecalli(CHILD.into()), li(12, 0), ecalli(CHILD.into())]);
    round(&mut body, 17 * 4096, 16 * 4096);
    body.extend([li(12, 0), ecalli(CHILD.into())]);
    with_child(body, counter(), 2)
}

/// A program that asks the host for something through protocol capability 2 with φ7 = `x`
/// and halts with φ7 + φ8 of the answer.
pub fn asks_the_host(x: u64) -> Vec<Inst> {
    vec![li(7, x), ecalli(2), add(7, 7, 8), ecalli(0), jump(0)]
}

/// A policy wrapper: forwards a call to the protocol capability it holds in slot 2 when φ7 is
/// at most 100, and otherwise answers φ7 = 1 itself. (A REPLY carries φ7; the caller's φ8 is
/// the status, 0.)
pub fn policy_wrapper() -> Vec<Inst> {
    // 0: φ7 ≤ 100 → forward (index 2); else deny (index 4).
    vec![branch_lt_u_imm(7, 101, 2), jump(4), ecalli(2), ecalli(0), li(7, 1), ecalli(0), jump(0)]
}

/// The same [`asks_the_host`] code run as a child whose slot 2 is not the protocol capability
/// but a CALLABLE of a [`policy_wrapper`] VM: the child is unchanged, the policy applies.
pub fn wrapped(x: u64) -> Vec<u8> {
    const WRAPPER: u8 = 71;
    let mut root = create_child(CHILD);
    // The wrapper, from CODE in slot 33, inheriting protocol capability 2.
    root.extend([li(7, 1 << 2), li(12, WRAPPER.into()), ecalli(33)]);
    // The child inherited no protocol capability (mask bit 32 only); its slot 2 becomes a
    // CALLABLE of the wrapper.
    root.extend(op(10, WRAPPER.into(), 72));
    root.extend(op(6, 72, u32::from(CHILD) << 8 | 2));
    root.extend([li(12, 0), ecalli(CHILD.into()), ecalli(0)]);
    manifest(
        0,
        64,
        &[
            Entry::Code { slot: 64, program: root },
            Entry::Code { slot: CHILD_CODE, program: asks_the_host(x) },
            Entry::Code { slot: 33, program: policy_wrapper() },
        ],
    )
}
