//! The idioms of compiled guest code that the recompiler lowers to fewer instructions, found
//! here and emitted by the lowering (`lower.rs`): an add and its carry (and the carry added on),
//! a rotate written as two shifts and an `or` (also with a load inside), and a `not` with an
//! `and` of it. Each finder looks only at the records and says which registers play which part;
//! what every finder requires in common is that the records after the first charge nothing (no
//! block starts there, so no jump lands inside) and that a record follows the last (a host may
//! enter at any record, and the fused-away records' own code continues to the next).

use super::lower::RegisterMap;
use crate::interpreter::predecode::Op;
use crate::isa::Opcode;

/// A rotate written as two shifts and an `or` ([`rotation_at`]).
pub struct Rotation {
    /// The register both shifts read.
    pub x: u8,
    /// How far the result is `x` rotated right.
    pub right: u8,
    /// The `or`'s destination, one of the shifts' destinations.
    pub d: u8,
    /// The record of the other shift, whose destination keeps its shifted value.
    pub other: u32,
    /// The record of a load between the second shift and the `or`, if there is one.
    pub gap: Option<u32>,
}

/// When record `i` (an `add d, a, b`) is followed in its block by `set_lt_u c, d, y` with `y`
/// one of the addends and not `d` (so `y` still holds its value from before the add), `c`:
/// that comparison is the add's carry. The next record must charge nothing (it is inside the
/// block, so no branch lands on it) and must not be the last record.
pub fn carry_of(ops: &[Op], i: u32) -> Option<u8> {
    let (add, next) = (ops.get(i as usize)?, ops.get(i as usize + 1)?);
    let fits = add.opcode() == Some(Opcode::Add64)
        && next.opcode() == Some(Opcode::SetLtU)
        && next.charge == 0
        && (i as usize + 2) < ops.len()
        && next.ra == add.rd
        && (next.rb == add.ra || next.rb == add.rb)
        && next.rb != add.rd;
    fits.then_some(next.rd)
}

/// After an add and its carry `c` at records `i` and `i + 1` ([`carry_of`]): when
/// record `i + 2` adds `c` to another register (`add_64 f, x, c`, either order) and `c` is
/// dead after it, returns `(f, x)`, so that the carry flag goes into `f` with an `adc` and
/// `c` is never written. Dead: a later record writes `c` before any reads it, and every
/// record up to there is register arithmetic, which cannot stop the machine (a stop would
/// show `c`) and does not end the block.
pub fn carry_sink(ops: &[Op], i: u32, c: u8) -> Option<(u8, u8)> {
    use crate::isa::{OpcodeInfo, OperandClass as C};
    use Opcode::*;
    let i = i as usize;
    let sink = ops.get(i + 2)?;
    if sink.opcode() != Some(Add64) || sink.charge != 0 || i + 3 >= ops.len() {
        return None;
    }
    let x = match (sink.ra == c, sink.rb == c) {
        (true, false) => sink.rb,
        (false, true) => sink.ra,
        _ => return None,
    };
    for op in ops.iter().skip(i + 3).take(16) {
        let opcode = op.opcode()?;
        let pure = matches!(
            opcode,
            Add64 | Sub64 | And | Xor | Or | Mul64 | MulUpperUU | MulUpperSS | MulUpperSU | SetLtU | SetLtS | ShloL64 | ShloR64 | SharR64
                | AddImm64 | AndImm | XorImm | OrImm | MulImm64 | ShloLImm64 | ShloRImm64 | SharRImm64 | MoveReg | LoadImm | LoadImm64
        );
        if !pure || op.charge != 0 {
            return None;
        }
        // Which registers it reads, and the one it writes (the interpreter's `destination`).
        let reads: &[u8] = match opcode.class() {
            C::ThreeReg => &[op.ra, op.rb],
            C::TwoRegOneImm => &[op.rb],
            C::TwoReg => &[op.ra],
            _ => &[],
        };
        let writes = match crate::interpreter::fusion::destination(opcode)? {
            crate::interpreter::fusion::Field::Ra => op.ra,
            crate::interpreter::fusion::Field::Rd => op.rd,
        };
        if reads.contains(&c) {
            return None;
        }
        if writes == c {
            return Some((sink.rd, x));
        }
    }
    None
}

/// When records `i`, `i + 1` and `i + 2` are a rotate written as two shifts and an `or`
/// (`shlo_r_imm_64 t, x, k; shlo_l_imm_64 u, x, 64 - k; or d, t, u`, the shifts in either
/// order, the `or`'s operands in either order) and `d` is `t` or `u`: the rotation. The `or`
/// leaves `d` the rotated value and the other temporary its shift of `x`, so the three are
/// one rotate and one shift. The records after the first must charge nothing (no block
/// starts there) and the last must not end the program (their code on their own continues
/// to the next record).
///
/// A load may sit between the second shift and the `or` (blake2b's shape) when it touches
/// none of `x`, `t` and `u` and all three have host registers: the load goes first, and its
/// slow path does the two shifts before it calls the memory (a fault then shows them done
/// and the `or` not) and the `or` after (see the lowering's `SlowAccess::rotation`).
pub fn rotation_at(ops: &[Op], pinned: &RegisterMap, i: u32) -> Option<Rotation> {
    use Opcode::*;
    let i = i as usize;
    let (first, second) = (ops.get(i)?, ops.get(i + 1)?);
    let (f, s) = (first.opcode()?, second.opcode()?);
    if !matches!((f, s), (ShloRImm64, ShloLImm64) | (ShloLImm64, ShloRImm64)) || second.charge != 0 {
        return None;
    }
    let (x, t, u) = (first.rb, first.ra, second.ra);
    let is_or = |op: &Op| {
        op.opcode() == Some(Or) && op.charge == 0 && ((op.ra == t && op.rb == u) || (op.ra == u && op.rb == t)) && (op.rd == t || op.rd == u)
    };
    // Each shift: `ra = rb shifted by imm1` (mod 64).
    let (n1, n2) = (first.imm1 & 63, second.imm1 & 63);
    if second.rb != x || t == x || t == u || n1 == 0 || n1 + n2 != 64 {
        return None;
    }
    let (or, gap) = match (ops.get(i + 2), ops.get(i + 3), ops.get(i + 4)) {
        (Some(or), Some(_), _) if is_or(or) => (or, None),
        (Some(load), Some(or), Some(_)) if is_or(or) && load_beside(load, [x, t, u], pinned) => (or, Some(i as u32 + 2)),
        _ => return None,
    };
    let right = if f == ShloRImm64 { n1 } else { n2 };
    // The temporary the `or` does not overwrite keeps its shift: that record's own code.
    let other = if or.rd == t { i + 1 } else { i };
    Some(Rotation { x, right: right as u8, d: or.rd, other: other as u32, gap })
}

/// Whether `op` is a load inside the block that names none of `regs`, all of which have host
/// registers (its slow path then shifts them without the scratch registers, which hold the
/// address).
fn load_beside(op: &Op, regs: [u8; 3], pinned: &RegisterMap) -> bool {
    use Opcode::*;
    let named = match op.opcode() {
        Some(LoadIndU8 | LoadIndI8 | LoadIndU16 | LoadIndI16 | LoadIndU32 | LoadIndI32 | LoadIndU64) => [op.ra, op.rb],
        Some(LoadU8 | LoadI8 | LoadU16 | LoadI16 | LoadU32 | LoadI32 | LoadU64) => [op.ra, op.ra],
        _ => return false,
    };
    op.charge == 0 && regs.iter().all(|&g| !named.contains(&g) && pinned.get(g).is_some())
}

/// When record `i` is `xor_imm t, x, -1` (a `not`) and the next `and t, t, y` (either
/// order, `y` not `t`): `(t, x, y)`, for one `andn` (keccak's chi step). The `not`'s value
/// is overwritten at once, so nothing can see it; the `and` must charge nothing (no block
/// starts there) and must not end the program.
pub fn and_not_at(ops: &[Op], i: u32) -> Option<(u8, u8, u8)> {
    let i = i as usize;
    let (not, and) = (ops.get(i)?, ops.get(i + 1).and(ops.get(i + 2)).and(ops.get(i + 1))?);
    let (t, x) = (not.ra, not.rb);
    let fits = not.opcode() == Some(Opcode::XorImm) && not.imm1 == u64::MAX && and.opcode() == Some(Opcode::And) && and.charge == 0 && and.rd == t;
    match (and.ra == t, and.rb == t) {
        (true, false) if fits => Some((t, x, and.rb)),
        (false, true) if fits => Some((t, x, and.ra)),
        _ => None,
    }
}
