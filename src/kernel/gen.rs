//! Random multi-VM programs for the kernel cross-check: a root and two child programs made of
//! random kernel calls (every `ecall` operation, CALLs of every kind of capability, references
//! through HANDLE hops), register setups biased to the slots, pages and sizes the manifest uses,
//! and loads and stores into mapped, read-only and unmapped pages. Children end in a REPLY and
//! loop back, so they serve repeated CALLs; faults, RESUME and page moves happen by chance.

use proptest::prelude::*;

use super::build::{ecall, ecalli, jump, li, load64, manifest, store64, Entry};
use crate::crosscheck::asm::Inst;

/// One step of a generated program.
#[derive(Clone, Debug)]
pub enum Action {
    /// `load_imm_64 r, v`.
    Set(u8, u64),
    /// Stores register `r` at `address` (through r2).
    Store(u8, u32),
    /// Loads register `r` from `address` (through r2).
    Load(u8, u32),
    /// `ecalli slot`.
    Ecalli(u8),
    /// `ecall` of `op` with φ12 = subject << 32 | object.
    Ecall(u64, u32, u32),
    /// CREATE from CODE slot `code` into slot `dest`, inheriting the slots in `mask`.
    Create(u8, u8, u64),
    /// CALL of slot `handle`, passing the capability in slot `ipc`, with φ7 = `arg`.
    Call(u8, u8, u64),
    /// RETYPE `pages` into `dest` (a dynamic CALL of slot 254).
    Retype(u64, u32),
    /// MAP (base, first page, count, access) of the DATA capability at a reference.
    Map(u32, u64, u64, u64, u64),
}

/// A generated invocation.
#[derive(Clone, Debug)]
pub struct KernelCase {
    pub root: Vec<Action>,
    pub children: [Vec<Action>; 2],
    pub init: Vec<u8>,
    pub args: Vec<u8>,
    pub gas: u64,
}

/// Slots the programs use: 0 REPLY, 1–3 protocol, 40–41 the children's CODE (inside CREATE's
/// mask, so children can create too), 64 the root's CODE, 67–68 DATA, 70–73 and 80–83 free
/// destinations, 254 UNTYPED.
fn slot() -> impl Strategy<Value = u8> {
    prop_oneof![
        1 => Just(0u8),
        1 => 1u8..4,
        2 => 40u8..42,
        2 => 64u8..69,
        4 => 70u8..74,
        3 => 80u8..84,
        1 => Just(254u8),
        1 => any::<u8>(),
    ]
}

/// A capability reference: a slot, sometimes through one or two HANDLE hops.
fn reference() -> impl Strategy<Value = u32> {
    prop_oneof![
        6 => slot().prop_map(u32::from),
        3 => (70u32..74, slot()).prop_map(|(h, s)| h << 8 | u32::from(s)),
        1 => (70u32..74, 70u32..74, slot()).prop_map(|(a, b, s)| b << 16 | a << 8 | u32::from(s)),
        1 => any::<u32>(),
    ]
}

/// Addresses in the manifest's pages (16–17 RW, 20 RO, 24 IPC), the pages RETYPE and MAP tend
/// to use (30–33), and anywhere.
fn address() -> impl Strategy<Value = u32> {
    let page = prop_oneof![6 => 16u32..18, 1 => Just(20u32), 2 => Just(24u32), 2 => 16u32..40, 1 => any::<u32>().prop_map(|p| p % (1 << 20))];
    (page, 0u32..512).prop_map(|(p, w)| p * 4096 + w * 8)
}

/// Values for φ7 … φ10: small counts, page numbers, slots, masks, anything.
fn value() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0u64..4,
        3 => 16u64..34,
        2 => slot().prop_map(u64::from),
        1 => (0u32..64).prop_map(|b| 1u64 << b),
        1 => Just(u64::MAX),
        1 => 0u64..100_000,
        1 => any::<u64>(),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let map = (reference(), 16u64..40, 0u64..3, 1u64..3, prop_oneof![4 => 0u64..2, 1 => any::<u64>()]);
    prop_oneof![
        5 => (40u8..42, 70u8..74, prop_oneof![1 => Just(0u64), 3 => Just(3u64 << 40), 1 => Just(3u64 << 40 | 0b1110), 1 => any::<u64>()]).prop_map(|(c, d, m)| Action::Create(c, d, m)),
        5 => (70u8..74, prop_oneof![3 => Just(0u8), 1 => slot()], value()).prop_map(|(h, i, a)| Action::Call(h, i, a)),
        2 => (prop_oneof![4 => 1u64..3, 1 => value()], reference()).prop_map(|(n, d)| Action::Retype(n, d)),
        3 => map.prop_map(|(r, b, f, c, a)| Action::Map(r, b, f, c, a)),
        6 => (prop_oneof![7u8..11, Just(12u8), 3u8..7], value()).prop_map(|(r, v)| Action::Set(r, v)),
        3 => (3u8..11, address()).prop_map(|(r, a)| Action::Store(r, a)),
        2 => (3u8..11, address()).prop_map(|(r, a)| Action::Load(r, a)),
        3 => slot().prop_map(Action::Ecalli),
        4 => (prop_oneof![8 => 0u64..14, 1 => any::<u64>()], reference(), reference()).prop_map(|(op, s, o)| Action::Ecall(op, s, o)),
    ]
}

pub fn case() -> impl Strategy<Value = KernelCase> {
    (
        prop::collection::vec(action(), 1..40),
        prop::collection::vec(action(), 0..16),
        prop::collection::vec(action(), 0..16),
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(any::<u8>(), 0..16),
        // Recursive CREATE + CALL nests about one VM per 40 gas; the spec kernel copies its VM
        // array on every update, so deep nests cost it quadratic time: keep them in the hundreds.
        // The manifest's four DATA pages take 6000 at the start.
        prop_oneof![1 => 0u64..7000, 9 => 7000u64..46_000],
    )
        .prop_map(|(root, a, b, init, args, gas)| KernelCase { root, children: [a, b], init, args, gas })
}

fn lower(actions: &[Action]) -> Vec<Inst> {
    let mut out = Vec::new();
    for a in actions {
        match *a {
            Action::Set(r, v) => out.push(li(r, v)),
            Action::Store(r, addr) => out.extend([li(2, addr.into()), store64(r, 2, 0)]),
            Action::Load(r, addr) => out.extend([li(2, addr.into()), load64(r, 2, 0)]),
            Action::Ecalli(s) => out.push(ecalli(s.into())),
            Action::Ecall(op, s, o) => out.extend([li(11, op), li(12, u64::from(s) << 32 | u64::from(o)), ecall()]),
            Action::Create(code, dest, mask) => out.extend([li(7, mask), li(12, dest.into()), ecalli(code.into())]),
            Action::Call(handle, ipc, arg) => out.extend([li(7, arg), li(12, ipc.into()), ecalli(handle.into())]),
            Action::Retype(pages, dest) => out.extend([li(7, pages), li(11, 0), li(12, 254 << 32 | u64::from(dest)), ecall()]),
            Action::Map(subject, base, first, count, access) => {
                out.extend([li(7, base), li(8, first), li(9, count), li(10, access), li(11, 2), li(12, u64::from(subject) << 32), ecall()])
            }
        }
    }
    out
}

/// The manifest of `case`: the root in slot 64, the children's CODE in 40 and 41, DATA of two
/// RW pages at page 16 (slot 67, holding `init`), one RO page at 20 (slot 68) and the IPC page
/// at 24 (slot 0), 16 pages in the pool.
pub fn blob(case: &KernelCase) -> Vec<u8> {
    let mut root = lower(&case.root);
    root.push(ecalli(0));
    let child = |actions: &[Action]| {
        let mut p = lower(actions);
        p.extend([ecalli(0), jump(0)]);
        p
    };
    manifest(
        16,
        64,
        &[
            Entry::Code { slot: 64, program: root },
            Entry::Code { slot: 40, program: child(&case.children[0]) },
            Entry::Code { slot: 41, program: child(&case.children[1]) },
            Entry::Data { slot: 67, base_page: 16, pages: 2, writable: true, init: case.init.clone() },
            Entry::Data { slot: 68, base_page: 20, pages: 1, writable: false, init: vec![0x5A; 16] },
            Entry::Data { slot: 0, base_page: 24, pages: 1, writable: true, init: vec![] },
        ],
    )
}
