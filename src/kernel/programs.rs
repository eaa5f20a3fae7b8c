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
