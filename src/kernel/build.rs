//! Building jar1 programs by hand: instruction helpers over the cross-check's assembler and a
//! manifest writer, for tests, the kernel cross-check and example programs.

use crate::crosscheck::asm::{assemble, Inst};
use javm::manifest::{encode, EntrySpec};
use javm::{BlockRules, Code, LengthEncoding, Numbering, Opcode};

fn inst(op: Opcode, ra: u8, rb: u8, imm1: i64) -> Inst {
    Inst { ra, rb, imm1, ..Inst::new(op) }
}

/// `load_imm_64 r, v`.
pub fn li(r: u8, v: u64) -> Inst {
    inst(Opcode::LoadImm64, r, 0, v as i64)
}
/// `ecalli slot`: CALL on a slot of the VM's own table (0: REPLY).
pub fn ecalli(slot: i64) -> Inst {
    inst(Opcode::Ecalli, 0, 0, slot)
}
/// `ecall`: the kernel operation in φ11 on the references in φ12.
pub fn ecall() -> Inst {
    Inst::new(Opcode::Ecall)
}
/// `store_ind_u64 [base + off], src`.
pub fn store64(src: u8, base: u8, off: i64) -> Inst {
    inst(Opcode::StoreIndU64, src, base, off)
}
/// `load_ind_u64 dst, [base + off]`.
pub fn load64(dst: u8, base: u8, off: i64) -> Inst {
    inst(Opcode::LoadIndU64, dst, base, off)
}
/// `add_imm_64 dst, src, imm`.
pub fn add_imm(dst: u8, src: u8, imm: i64) -> Inst {
    inst(Opcode::AddImm64, dst, src, imm)
}
/// `add_64 dst, a, b`.
pub fn add(dst: u8, a: u8, b: u8) -> Inst {
    Inst { ra: a, rb: b, rd: dst, ..Inst::new(Opcode::Add64) }
}
/// `branch_eq_imm r, imm, target` (an instruction index).
pub fn branch_eq_imm(r: u8, imm: i64, target: usize) -> Inst {
    Inst { target, ..inst(Opcode::BranchEqImm, r, 0, imm) }
}
/// `branch_ne_imm r, imm, target` (an instruction index).
pub fn branch_ne_imm(r: u8, imm: i64, target: usize) -> Inst {
    Inst { target, ..inst(Opcode::BranchNeImm, r, 0, imm) }
}
/// `branch_lt_u_imm r, imm, target` (an instruction index).
pub fn branch_lt_u_imm(r: u8, imm: i64, target: usize) -> Inst {
    Inst { target, ..inst(Opcode::BranchLtUImm, r, 0, imm) }
}
/// `jump target` (an instruction index).
pub fn jump(target: usize) -> Inst {
    Inst { target, ..Inst::new(Opcode::Jump) }
}
/// `mov dst, src` (as `add_imm_64 dst, src, 0`).
pub fn mov(dst: u8, src: u8) -> Inst {
    add_imm(dst, src, 0)
}
/// `trap`.
pub fn trap() -> Inst {
    Inst::new(Opcode::Trap)
}
/// `fallthrough`: ends a basic block, so the next instruction may be a branch target.
pub fn fallthrough() -> Inst {
    Inst::new(Opcode::Fallthrough)
}

/// An `ecall` of operation `op` with subject and object references (φ12 = subject << 32 |
/// object), leaving φ7 … φ10 as they are.
pub fn op(op: u64, subject: u32, object: u32) -> Vec<Inst> {
    vec![li(11, op), li(12, u64::from(subject) << 32 | u64::from(object)), ecall()]
}

/// A CODE capability's bytes (u32 lengths) for `program`, which must end in a terminator.
pub fn code_blob(program: &[Inst]) -> Vec<u8> {
    let compact = assemble(program, &[], Numbering::Gp);
    let code = Code::parse(&compact, LengthEncoding::Compact, Numbering::Gp, BlockRules::JAR).expect("assembled programs parse");
    Code::encode(&code.jump_table, &code.code, &code.starts, LengthEncoding::U32)
}

/// One capability of a manifest being written.
pub enum Entry {
    Code { slot: u8, program: Vec<Inst> },
    Data { slot: u8, base_page: u32, pages: u32, writable: bool, init: Vec<u8> },
}

/// A JAR v2 manifest with `memory_pages` in its pool, running the CODE capability in `invoke`.
pub fn manifest(memory_pages: u32, invoke: u8, entries: &[Entry]) -> Vec<u8> {
    let bytes: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| match e {
            Entry::Code { program, .. } => code_blob(program),
            Entry::Data { init, .. } => init.clone(),
        })
        .collect();
    let specs: Vec<EntrySpec> = entries
        .iter()
        .zip(&bytes)
        .map(|(e, b)| match e {
            Entry::Code { slot, .. } => EntrySpec { slot: *slot, kind: 0, base_page: 0, page_count: 0, access: 0, bytes: b },
            Entry::Data { slot, base_page, pages, writable, .. } => {
                EntrySpec { slot: *slot, kind: 1, base_page: *base_page, page_count: *pages, access: u8::from(*writable), bytes: b }
            }
        })
        .collect();
    encode(memory_pages, invoke, &specs)
}
