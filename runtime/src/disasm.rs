//! Assembly text for decoded instructions, for `jarkit run --trace`, cross-check reports and
//! disassembly listings: `add_64 r9, r7, r8`, `load_ind_u32 r7, [r8 + 0x10]`, `branch_eq r7, r8, @42`.

use crate::isa::{OpcodeInfo, OperandClass};
use crate::program::{Code, Instruction};
use crate::Opcode;

fn imm(v: u64) -> String {
    let s = v as i64;
    if (-4096..=4096).contains(&s) {
        s.to_string()
    } else {
        format!("{v:#x}")
    }
}

fn offset(base: u8, v: u64) -> String {
    let s = v as i64;
    match s {
        0 => format!("[r{base}]"),
        s if s < 0 && s > -4096 => format!("[r{base} - {}]", -s),
        _ => format!("[r{base} + {}]", imm(v)),
    }
}

fn is_load(op: Opcode) -> bool {
    let n = op.name();
    n.starts_with("load_") && !n.starts_with("load_imm")
}

fn is_store(op: Opcode) -> bool {
    op.name().starts_with("store")
}

/// The assembly text of `i`.
pub fn format(i: &Instruction) -> String {
    let name = i.op.name();
    let (a, b, d) = (i.ra, i.rb, i.rd);
    let operands = match i.op.class() {
        OperandClass::NoArgs => String::new(),
        OperandClass::OneImm => imm(i.imm1),
        OperandClass::OneRegExtImm => format!("r{a}, {:#x}", i.imm1),
        OperandClass::TwoImm => format!("[{:#x}], {}", i.imm1 as u32, imm(i.imm2)),
        OperandClass::OneOffset => format!("@{}", i.target),
        OperandClass::OneRegOneImm if i.op == Opcode::JumpInd => offset(a, i.imm1).trim_matches(|c| c == '[' || c == ']').to_string(),
        OperandClass::OneRegOneImm if is_load(i.op) => format!("r{a}, [{:#x}]", i.imm1 as u32),
        OperandClass::OneRegOneImm if is_store(i.op) => format!("[{:#x}], r{a}", i.imm1 as u32),
        OperandClass::OneRegOneImm => format!("r{a}, {}", imm(i.imm1)),
        OperandClass::OneRegTwoImm => format!("{}, {}", offset(a, i.imm1), imm(i.imm2)),
        OperandClass::OneRegImmOffset => format!("r{a}, {}, @{}", imm(i.imm1), i.target),
        OperandClass::TwoReg => format!("r{d}, r{a}"),
        OperandClass::TwoRegOneImm if is_load(i.op) => format!("r{a}, {}", offset(b, i.imm1)),
        OperandClass::TwoRegOneImm if is_store(i.op) => format!("{}, r{a}", offset(b, i.imm1)),
        OperandClass::TwoRegOneImm => format!("r{a}, r{b}, {}", imm(i.imm1)),
        OperandClass::TwoRegOneOffset => format!("r{a}, r{b}, @{}", i.target),
        OperandClass::TwoRegTwoImm => format!("r{a}, {}, {}", imm(i.imm1), offset(b, i.imm2).trim_matches(|c| c == '[' || c == ']')),
        OperandClass::ThreeReg => format!("r{d}, r{a}, r{b}"),
    };
    if operands.is_empty() {
        name
    } else {
        format!("{name} {operands}")
    }
}

/// A listing of `code`: one line per instruction with its pc, and the jump table.
pub fn listing(code: &Code) -> String {
    let table = code.numbering.decode_table();
    let mut out = String::new();
    for pc in 0..code.code.len() as u32 {
        if code.is_start(pc) {
            let text = match code.opcode_at(pc, &table) {
                Some(op) => format(&code.decode(pc, op)),
                None => format!("invalid opcode {:#04x}", code.code[pc as usize]),
            };
            out.push_str(&format!("{pc:>6}: {text}\n"));
        }
    }
    if !code.jump_table.is_empty() {
        out.push_str(&format!("jump table: {:?}\n", code.jump_table));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ins(op: Opcode, ra: u8, rb: u8, rd: u8, imm1: u64, imm2: u64, target: u32) -> Instruction {
        Instruction { op, ra, rb, rd, imm1, imm2, target }
    }

    #[test]
    fn operands_read_like_assembly() {
        assert_eq!(format(&ins(Opcode::Add64, 7, 8, 9, 0, 0, 0)), "add_64 r9, r7, r8");
        assert_eq!(format(&ins(Opcode::LoadIndU32, 7, 8, 0, 16, 0, 0)), "load_ind_u32 r7, [r8 + 16]");
        assert_eq!(format(&ins(Opcode::StoreIndU8, 7, 1, 0, (-8i64) as u64, 0, 0)), "store_ind_u8 [r1 - 8], r7");
        assert_eq!(format(&ins(Opcode::BranchEq, 7, 8, 0, 0, 0, 42)), "branch_eq r7, r8, @42");
        assert_eq!(format(&ins(Opcode::JumpInd, 0, 0, 0, 0, 0, 0)), "jump_ind r0");
        assert_eq!(format(&ins(Opcode::LoadImm64, 3, 0, 0, 0xdead_beef, 0, 0)), "load_imm_64 r3, 0xdeadbeef");
        assert_eq!(format(&ins(Opcode::MoveReg, 8, 0, 7, 0, 0, 0)), "move_reg r7, r8");
        assert_eq!(format(&ins(Opcode::Trap, 0, 0, 0, 0, 0, 0)), "trap");
        assert_eq!(format(&ins(Opcode::LoadImm, 7, 0, 0, 5, 0, 0)), "load_imm r7, 5");
        assert_eq!(format(&ins(Opcode::LoadI8, 7, 0, 0, 0x20000, 0, 0)), "load_i8 r7, [0x20000]");
        assert_eq!(format(&ins(Opcode::Ecalli, 0, 0, 0, 3, 0, 0)), "ecalli 3");
    }
}
