//! A small assembler for generated test programs: instructions with symbolic branch targets
//! become a code blob in the GP numbering, laid out the way the decoder reads each operand class.

use javm::{Code, LengthEncoding, Numbering, Opcode, OpcodeInfo, OperandClass};

/// One instruction with its operands; branch targets are instruction indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inst {
    pub op: Opcode,
    pub ra: u8,
    pub rb: u8,
    pub rd: u8,
    pub imm1: i64,
    pub imm2: i64,
    /// The index of the target instruction (for instructions with a static target).
    pub target: usize,
    /// Emit this byte instead of the opcode's (an invalid opcode).
    pub raw_opcode: Option<u8>,
    /// Extra argument bytes after the operands (a non-canonical encoding: the skip grows, and
    /// decoders read or ignore them by the operand class's rules).
    pub pad: u8,
    /// Bits set where decoding ignores them (a non-canonical encoding): the high nibble of a
    /// three-register instruction's third byte, the unused bits of immediate-length fields.
    pub junk: u8,
}

impl Inst {
    pub fn new(op: Opcode) -> Inst {
        Inst { op, ra: 0, rb: 0, rd: 0, imm1: 0, imm2: 0, target: 0, raw_opcode: None, pad: 0, junk: 0 }
    }
}

/// The shortest little-endian encoding of `v` that sign-extends back to `v` (at most 4 bytes;
/// values outside the 32-bit signed range are truncated, which the generator avoids).
fn imm_bytes(v: i64) -> Vec<u8> {
    let n = (0..=4usize).find(|&n| n == 4 || javm::program::sext(v as u64 & ((1u64 << (8 * n)) - 1), n) == v as u64).unwrap_or(4);
    (v as u64).to_le_bytes()[..n].to_vec()
}

fn offset_bytes(from: u32, to: u32) -> [u8; 4] {
    (to.wrapping_sub(from)).to_le_bytes()
}

fn encode_one(i: &Inst, pc: u32, targets: &[u32], numbering: Numbering) -> Vec<u8> {
    let op = i.raw_opcode.unwrap_or_else(|| i.op.byte(numbering).expect("instructions without a byte in this numbering are marked raw"));
    let (ra, rb, rd) = (i.ra & 15, i.rb & 15, i.rd & 15);
    let target = || targets.get(i.target).copied().unwrap_or(0);
    let mut out = vec![op];
    match i.op.class() {
        OperandClass::NoArgs => {}
        OperandClass::OneImm => out.extend(imm_bytes(i.imm1)),
        OperandClass::OneRegExtImm => {
            out.push(ra);
            out.extend((i.imm1 as u64).to_le_bytes());
        }
        OperandClass::TwoImm => {
            let x = imm_bytes(i.imm1);
            out.push(x.len() as u8 | (i.junk << 3));
            out.extend(x);
            out.extend(imm_bytes(i.imm2));
        }
        OperandClass::OneOffset => out.extend(offset_bytes(pc, target())),
        OperandClass::OneRegOneImm => {
            out.push(ra);
            out.extend(imm_bytes(i.imm1));
        }
        OperandClass::OneRegTwoImm => {
            let x = imm_bytes(i.imm1);
            out.push(ra | (x.len() as u8) << 4 | (i.junk & 1) << 7);
            out.extend(x);
            out.extend(imm_bytes(i.imm2));
        }
        OperandClass::OneRegImmOffset => {
            let x = imm_bytes(i.imm1);
            out.push(ra | (x.len() as u8) << 4);
            out.extend(x);
            out.extend(offset_bytes(pc, target()));
        }
        OperandClass::TwoReg => out.push(rd | ra << 4),
        OperandClass::TwoRegOneImm => {
            out.push(ra | rb << 4);
            out.extend(imm_bytes(i.imm1));
        }
        OperandClass::TwoRegOneOffset => {
            out.push(ra | rb << 4);
            out.extend(offset_bytes(pc, target()));
        }
        OperandClass::TwoRegTwoImm => {
            out.push(ra | rb << 4);
            let x = imm_bytes(i.imm1);
            out.push(x.len() as u8 | (i.junk << 3));
            out.extend(x);
            out.extend(imm_bytes(i.imm2));
        }
        OperandClass::ThreeReg => {
            out.push(ra | rb << 4);
            out.push(rd | (i.junk & 15) << 4);
        }
    }
    // Padding bytes with a pattern of set high bits, which a decoder that reads them notices.
    out.extend((0..i.pad).map(|k| 0x9D ^ k.wrapping_mul(0x35)));
    out
}

/// Assembles `program` with `jump_table` (instruction indices) into a code blob.
pub fn assemble(program: &[Inst], jump_table: &[usize], numbering: Numbering) -> Vec<u8> {
    // Instruction lengths do not depend on targets (offsets are always 4 bytes), so one pass
    // finds every pc.
    let mut pcs = Vec::with_capacity(program.len());
    let mut pc = 0u32;
    for i in program {
        pcs.push(pc);
        pc += encode_one(i, 0, &[], numbering).len() as u32;
    }
    // Index `program.len()` names the end of the code (the implicit trap).
    pcs.push(pc);
    let mut code = Vec::new();
    let mut starts = Vec::new();
    for (i, &pc) in program.iter().zip(&pcs) {
        let bytes = encode_one(i, pc, &pcs, numbering);
        starts.push(true);
        starts.extend(std::iter::repeat_n(false, bytes.len() - 1));
        code.extend(bytes);
    }
    let table: Vec<u32> = jump_table.iter().map(|&k| pcs.get(k).copied().unwrap_or(0)).collect();
    Code::encode(&table, &code, &starts, LengthEncoding::Compact)
}
