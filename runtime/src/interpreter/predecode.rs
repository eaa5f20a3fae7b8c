//! Turning a [`Code`] into the interpreter's compact form: one fixed-size record per instruction,
//! branch targets resolved to record indices, and the gas charge of each block attached to its
//! first record. Done once per program; the hot loop never decodes bytes.

use crate::gas::GasCosts;
use super::fusion::{destination, Field, Kind, FUSIONS};
use crate::isa::{Opcode, OpcodeInfo, OperandClass};
use crate::program::{Code, Instruction};

/// Index meaning "no valid instruction here"; jumping to it panics.
pub const NO_INDEX: u32 = u32::MAX;

#[derive(Copy, Clone, Debug)]
pub struct Op {
    /// What the record executes: its own instruction, or a fused run starting with it.
    pub kind: Kind,
    pub ra: u8,
    pub rb: u8,
    pub rd: u8,
    /// Gas charged when control reaches this record (a block start, or every record under the
    /// per-instruction model).
    pub charge: u32,
    pub imm1: u64,
    pub imm2: u64,
    /// Static branch target as a record index (or [`NO_INDEX`]).
    pub target: u32,
    pub pc: u32,
}

/// A program ready to run: shared by every VM instance that runs it. Immutable once built: the
/// interpreter's unchecked accesses rely on what `new` established (registers at most 12,
/// targets valid or [`NO_INDEX`], fused runs that match their records), so the fields are not
/// public.
pub struct Predecoded {
    pub(crate) ops: Vec<Op>,
    /// pc → record index ([`NO_INDEX`] if not an instruction start).
    pub(crate) pc_to_index: Vec<u32>,
    /// Jump-table entry → record index ([`NO_INDEX`] if not a block start).
    pub(crate) jump_targets: Vec<u32>,
    /// Whether each record starts a basic block.
    pub(crate) block_start: Vec<bool>,
    /// Whether gas is charged only at block starts: then only control transfers can reach a
    /// record that charges, and the interpreter checks gas only there.
    pub(crate) per_block: bool,
    pub(crate) code: Code,
}

impl Op {
    /// The record's own instruction (`None` for an invalid opcode byte).
    pub fn opcode(&self) -> Option<Opcode> {
        self.kind.opcode()
    }
}

/// For each opcode (by its number), the [`FUSIONS`] whose run begins with it, as a bit set in
/// the table's order (so the first match is still the longest listed).
fn runs_starting_with() -> &'static [u64; 256] {
    static TABLE: std::sync::OnceLock<[u64; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        const _: () = assert!(FUSIONS.len() <= 64, "the fusion sets are u64");
        let mut table = [0u64; 256];
        for (k, f) in FUSIONS.iter().enumerate() {
            table[f.run[0] as usize] |= 1 << k;
        }
        table
    })
}

/// A branch that may or may not be taken (`load_imm_jump` and `jump` always are, so their
/// invalid targets already panic when reached).
fn is_conditional_branch(op: Opcode) -> bool {
    match op.class() {
        OperandClass::TwoRegOneOffset => true,
        OperandClass::OneRegImmOffset => op != Opcode::LoadImmJump,
        _ => false,
    }
}

/// Marks each record that starts a run of [`FUSIONS`] with that run's kind (the first that
/// matches). A run must lie inside one block, so that the records it skips charge nothing (only
/// block starts charge under block metering), and must end before the last record (the implicit
/// trap), so that the record after it exists. Runs may overlap: a record's kind says only what
/// executing from that record does. The kind is the run's `via_a` or `via_b` form when each
/// later record's `ra` (`rb`) names the register its predecessor writes — the interpreter
/// assumes that equality without checking it.
fn fuse(ops: &mut [Op], block_start: &[bool]) {
    // Only records before `i` have been changed when `i` is examined.
    for i in 0..ops.len() {
        // Most records start no run: only the runs that begin with this instruction are tried.
        let Some(first) = ops[i].opcode() else { continue };
        let mut candidates = runs_starting_with()[first as usize];
        let mut found = None;
        while candidates != 0 {
            let f = &FUSIONS[candidates.trailing_zeros() as usize];
            candidates &= candidates - 1;
            let end = i + f.run.len();
            if end < ops.len() && !block_start[i + 1..end].iter().any(|&b| b) && f.run.iter().zip(&ops[i..end]).all(|(want, op)| op.kind == Kind::of(*want)) {
                found = Some(f);
                break;
            }
        }
        let Some(fusion) = found else { continue };
        let records = &ops[i..i + fusion.run.len()];
        let chained = |operand: fn(&Op) -> u8| {
            records.windows(2).zip(fusion.run).all(|(pair, &before)| match destination(before) {
                Some(Field::Ra) => operand(&pair[1]) == pair[0].ra,
                Some(Field::Rd) => operand(&pair[1]) == pair[0].rd,
                None => false,
            })
        };
        ops[i].kind = if chained(|op| op.ra) {
            fusion.via_a
        } else if chained(|op| op.rb) {
            fusion.via_b
        } else {
            fusion.plain
        };
    }
}

impl Predecoded {
    pub fn new(code: Code, gas: &GasCosts) -> Predecoded {
        let table = code.numbering.decode_table();
        let starts = code.block_starts();
        let mut pc_to_index = vec![NO_INDEX; code.code.len() + 1];
        // Record indices first (branches may go forward), then the records, decoded once each.
        let instruction_pcs = || (0..code.code.len() as u32).filter(|&pc| code.is_start(pc));
        let mut count = 0;
        let mut last_pc = None;
        for pc in instruction_pcs() {
            pc_to_index[pc as usize] = count;
            count += 1;
            last_pc = Some(pc);
        }
        // Running off the end of the code executes zero bytes: a trap at pc = len.
        let end = code.code.len() as u32;
        pc_to_index[end as usize] = count;
        let implicit_trap = Instruction { op: Opcode::Trap, ra: 0, rb: 0, rd: 0, imm1: 0, imm2: 0, target: 0 };
        let decoded = instruction_pcs().map(|pc| (pc, code.opcode_at(pc, &table).map(|op| code.decode(pc, op)))).chain(std::iter::once((end, Some(implicit_trap))));

        // The implicit trap at pc = len starts a block when the last instruction ends one (or is
        // invalid), so a branch may target it (GP: ϖ includes the pc after every terminator).
        // PolkaVM accepts only targets inside the code (the spec's `Program.isJumpTarget`).
        let end_is_target = code.numbering != crate::isa::Numbering::PolkaVm;
        let end_is_block = match last_pc.map(|pc| code.opcode_at(pc, &table)) {
            None | Some(None) => true,
            Some(Some(op)) => code.ends_block(op),
        };
        let block_index = |t: u32| -> u32 {
            match starts.get(t as usize) {
                Some(true) => pc_to_index[t as usize],
                None if t == end && end_is_block && end_is_target => pc_to_index[end as usize],
                _ => NO_INDEX,
            }
        };
        let mut block_start = Vec::with_capacity(count as usize + 1);
        let mut ops = Vec::with_capacity(count as usize + 1);
        let mut prev_ends = true;
        for (pc, ins) in decoded {
            let is_block = starts.get(pc as usize).copied().unwrap_or(prev_ends);
            block_start.push(is_block);
            let charge = gas.charge_at(pc, is_block);
            #[cfg(feature = "planted-bugs")]
            let charge = if is_block && crate::planted::active(crate::planted::Bug::BlockCostOffByOne) { charge + 1 } else { charge };
            let op = match ins {
                // A static branch to a pc that starts no block, under eager target checks: the
                // branch itself panics when reached (as an invalid instruction does).
                Some(i) if code.eager_targets() && is_conditional_branch(i.op) && block_index(i.target) == NO_INDEX => {
                    prev_ends = code.ends_block(i.op);
                    Op { kind: Kind::Invalid, ra: 0, rb: 0, rd: 0, charge, imm1: 0, imm2: 0, target: NO_INDEX, pc }
                }
                Some(i) => {
                    prev_ends = code.ends_block(i.op);
                    // Registers are clamped to 12 by decoding already; the interpreter indexes
                    // its register file without bounds checks relying on it, so it is enforced
                    // here, next to the records it reads.
                    Op {
                        kind: Kind::of(i.op),
                        ra: i.ra.min(12),
                        rb: i.rb.min(12),
                        rd: i.rd.min(12),
                        charge,
                        imm1: i.imm1,
                        imm2: i.imm2,
                        target: block_index(i.target),
                        pc,
                    }
                }
                None => {
                    prev_ends = true;
                    Op { kind: Kind::Invalid, ra: 0, rb: 0, rd: 0, charge, imm1: 0, imm2: 0, target: NO_INDEX, pc }
                }
            };
            ops.push(op);
        }
        let jump_targets = code.jump_table.iter().map(|&t| block_index(t)).collect();
        let per_block = matches!(gas, GasCosts::PerBlock(_));
        if per_block {
            fuse(&mut ops, &block_start);
        }
        Predecoded { ops, pc_to_index, jump_targets, block_start, per_block, code }
    }

    /// The records, one per instruction (plus the implicit trap at the end).
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The code the records were made from.
    pub fn code(&self) -> &Code {
        &self.code
    }

    /// The record index of `pc`, if an instruction starts there.
    pub fn index_of(&self, pc: u32) -> Option<u32> {
        self.pc_to_index.get(pc as usize).copied().filter(|&i| i != NO_INDEX)
    }

    /// The gas to charge when execution starts at record `idx` without having come through a block
    /// boundary: the charge of the enclosing block.
    pub fn entry_charge(&self, idx: u32) -> u32 {
        let mut i = idx as usize;
        while i > 0 && !self.block_start[i] {
            i -= 1;
        }
        self.ops[i].charge
    }
}
