//! The code blob (Gray Paper A.2 "deblob"): jump table, code bytes and the packed opcode bitmask,
//! plus decoding of single instructions and load-time validation.

use crate::error::LoadError;
use crate::isa::{Numbering, Opcode, OpcodeInfo, OperandClass};
use crate::reader::Reader;

/// How the three length fields of a code blob are encoded.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LengthEncoding {
    /// JAM compact naturals (GP 0.7.2, the vectors).
    Compact,
    /// Fixed u32 little-endian (JAR v1/v2 blobs).
    U32,
}

/// Which load-time rules a program must satisfy beyond being well formed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct BlockRules {
    /// `ecalli` ends a basic block (JAR) or not (GP, PolkaVM).
    pub ecalli_ends_block: bool,
    /// Reject at load time programs whose last instruction is not a terminator or whose jump
    /// table or static branches point outside block starts (JAR). When false (GP), such jumps
    /// panic at run time instead.
    pub strict: bool,
}

impl BlockRules {
    pub const GP: BlockRules = BlockRules { ecalli_ends_block: false, strict: false };
    pub const JAR: BlockRules = BlockRules { ecalli_ends_block: true, strict: true };
}

/// A parsed code blob. Immutable after loading.
#[derive(Clone, Debug)]
pub struct Code {
    pub jump_table: Vec<u32>,
    pub code: Vec<u8>,
    /// One entry per code byte: true where an instruction starts.
    pub starts: Vec<bool>,
    pub numbering: Numbering,
    pub rules: BlockRules,
}

/// Maximum code length we accept (the address space is 32 bits; PolkaVM uses the same bound).
pub const MAX_CODE_LEN: u64 = 1 << 28;
/// Maximum number of jump-table entries.
pub const MAX_JUMP_TABLE_LEN: u64 = 1 << 24;

/// One decoded instruction. Register fields are already clamped to 0..=12; immediates are
/// sign-extended to 64 bits; `target` holds a static branch target (pc-relative already resolved).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    pub op: Opcode,
    pub ra: u8,
    pub rb: u8,
    pub rd: u8,
    pub imm1: u64,
    pub imm2: u64,
    pub target: u32,
}

/// Sign-extends the low `n` bytes (0..=8) of `x`.
#[inline]
pub fn sext(x: u64, n: usize) -> u64 {
    if n == 0 {
        0
    } else if n >= 8 {
        x
    } else {
        let shift = 64 - 8 * n as u32;
        (((x << shift) as i64) >> shift) as u64
    }
}

impl Code {
    /// Parses a code blob: `E(|j|) ‖ E1(z) ‖ E(|c|) ‖ j ‖ c ‖ bitmask`.
    pub fn parse(
        blob: &[u8],
        lengths: LengthEncoding,
        numbering: Numbering,
        rules: BlockRules,
    ) -> Result<Code, LoadError> {
        let mut r = Reader::new(blob);
        let read_len = |r: &mut Reader, what| match lengths {
            LengthEncoding::Compact => r.compact(what),
            LengthEncoding::U32 => r.le(4, what),
        };
        let at = r.position();
        let jump_len = read_len(&mut r, "jump table length")?;
        if jump_len > MAX_JUMP_TABLE_LEN {
            return Err(LoadError::BadField {
                what: "jump table length",
                offset: at,
                value: jump_len,
                rule: "at most 2^24 entries",
            });
        }
        let at = r.position();
        let entry_size = r.u8("jump table entry size")?;
        if entry_size > 4 || (jump_len > 0 && entry_size == 0) {
            return Err(LoadError::BadField {
                what: "jump table entry size",
                offset: at,
                value: entry_size as u64,
                rule: "must be 1 to 4 (0 only with an empty table)",
            });
        }
        let at = r.position();
        let code_len = read_len(&mut r, "code length")?;
        if code_len > MAX_CODE_LEN {
            return Err(LoadError::BadField {
                what: "code length",
                offset: at,
                value: code_len,
                rule: "at most 2^28 bytes",
            });
        }
        // Check sizes before allocating anything proportional to them.
        let table_bytes = jump_len as usize * entry_size as usize;
        let mask_len = (code_len as usize).div_ceil(8);
        let needed = table_bytes + code_len as usize + mask_len;
        if needed > r.remaining() {
            return Err(LoadError::Truncated {
                what: "jump table, code and bitmask",
                offset: r.position(),
                needed,
                available: r.remaining(),
            });
        }
        let mut jump_table = Vec::with_capacity(jump_len as usize);
        for _ in 0..jump_len {
            jump_table.push(r.le(entry_size as usize, "jump table entry")? as u32);
        }
        let code = r.take(code_len as usize, "code")?.to_vec();
        let mask = r.take(mask_len, "bitmask")?;
        r.finish()?;
        let starts = (0..code.len()).map(|i| mask[i / 8] >> (i % 8) & 1 == 1).collect();
        let code = Code { jump_table, code, starts, numbering, rules };
        if rules.strict {
            code.validate()?;
        }
        Ok(code)
    }

    /// Encodes a code blob (the inverse of [`Code::parse`]); used by the assembler and tests.
    pub fn encode(jump_table: &[u32], code: &[u8], starts: &[bool], lengths: LengthEncoding) -> Vec<u8> {
        let mut out = Vec::new();
        let put_len = |out: &mut Vec<u8>, v: u64| match lengths {
            LengthEncoding::Compact => crate::reader::encode_compact(v, out),
            LengthEncoding::U32 => out.extend_from_slice(&(v as u32).to_le_bytes()),
        };
        put_len(&mut out, jump_table.len() as u64);
        let max = jump_table.iter().copied().max().unwrap_or(0);
        let entry = if jump_table.is_empty() { 0 } else { (1..=4).find(|&n| n == 4 || max < 1 << (8 * n)).unwrap() };
        out.push(entry as u8);
        put_len(&mut out, code.len() as u64);
        for &t in jump_table {
            out.extend_from_slice(&t.to_le_bytes()[..entry]);
        }
        out.extend_from_slice(code);
        let mut mask = vec![0u8; code.len().div_ceil(8)];
        for (i, &s) in starts.iter().enumerate() {
            if s {
                mask[i / 8] |= 1 << (i % 8);
            }
        }
        out.extend_from_slice(&mask);
        out
    }

    /// ℓ(pc): the number of argument bytes, i.e. the distance to the next instruction start minus
    /// one, capped at 24. The bitmask counts as set past the end of the code.
    #[inline]
    pub fn skip(&self, pc: u32) -> u32 {
        let pc = pc as usize;
        let mut j = 0;
        while j < 24 {
            match self.starts.get(pc + 1 + j) {
                Some(false) => j += 1,
                _ => break,
            }
        }
        j as u32
    }

    /// Whether `pc` is the first byte of an instruction.
    pub fn is_start(&self, pc: u32) -> bool {
        self.starts.get(pc as usize).copied().unwrap_or(false)
    }

    /// The code byte at `i`, zero past the end (ζ is zero-extended).
    #[inline]
    fn byte(&self, i: usize) -> u8 {
        self.code.get(i).copied().unwrap_or(0)
    }

    fn le_at(&self, at: usize, n: usize) -> u64 {
        (0..n).rev().fold(0u64, |acc, k| (acc << 8) | self.byte(at + k) as u64)
    }

    /// The instruction kind at `pc`, or `None` if `pc` is not an instruction start or its byte is
    /// not an opcode (both panic when executed).
    pub fn opcode_at(&self, pc: u32, table: &[Option<Opcode>; 256]) -> Option<Opcode> {
        if !self.is_start(pc) {
            return None;
        }
        table[self.byte(pc as usize) as usize]
    }

    /// Decodes the operands of `op` at `pc` (Gray Paper A.5).
    pub fn decode(&self, pc: u32, op: Opcode) -> Instruction {
        let p = pc as usize;
        let l = self.skip(pc) as usize;
        let b1 = self.byte(p + 1);
        let lo = (b1 & 15).min(12);
        let hi = (b1 >> 4).min(12);
        let imm = |at: usize, n: usize| sext(self.le_at(at, n), n);
        let rel = |off: u64| pc.wrapping_add(off as u32);
        let mut ins = Instruction { op, ra: 0, rb: 0, rd: 0, imm1: 0, imm2: 0, target: 0 };
        match op.class() {
            OperandClass::NoArgs => {}
            OperandClass::OneImm => ins.imm1 = imm(p + 1, l.min(4)),
            OperandClass::OneRegExtImm => {
                ins.ra = lo;
                ins.imm1 = self.le_at(p + 2, 8);
            }
            OperandClass::TwoImm => {
                let lx = ((b1 & 7) as usize).min(4);
                let ly = l.saturating_sub(lx + 1).min(4);
                ins.imm1 = imm(p + 2, lx);
                ins.imm2 = imm(p + 2 + lx, ly);
            }
            OperandClass::OneOffset => ins.target = rel(imm(p + 1, l.min(4))),
            OperandClass::OneRegOneImm => {
                ins.ra = lo;
                ins.imm1 = imm(p + 2, l.saturating_sub(1).min(4));
            }
            OperandClass::OneRegTwoImm | OperandClass::OneRegImmOffset => {
                ins.ra = lo;
                let lx = (((b1 >> 4) & 7) as usize).min(4);
                let ly = l.saturating_sub(lx + 1).min(4);
                ins.imm1 = imm(p + 2, lx);
                ins.imm2 = imm(p + 2 + lx, ly);
                if op.class() == OperandClass::OneRegImmOffset {
                    ins.target = rel(ins.imm2);
                }
            }
            OperandClass::TwoReg => {
                ins.rd = lo;
                ins.ra = hi;
            }
            OperandClass::TwoRegOneImm => {
                ins.ra = lo;
                ins.rb = hi;
                ins.imm1 = imm(p + 2, l.saturating_sub(1).min(4));
            }
            OperandClass::TwoRegOneOffset => {
                ins.ra = lo;
                ins.rb = hi;
                ins.target = rel(imm(p + 2, l.saturating_sub(1).min(4)));
            }
            OperandClass::TwoRegTwoImm => {
                ins.ra = lo;
                ins.rb = hi;
                let lx = ((self.byte(p + 2) & 7) as usize).min(4);
                let ly = l.saturating_sub(lx + 2).min(4);
                ins.imm1 = imm(p + 3, lx);
                ins.imm2 = imm(p + 3 + lx, ly);
            }
            OperandClass::ThreeReg => {
                ins.ra = lo;
                ins.rb = hi;
                // The spec's `Program.threeRegDest`: the GP clamps the whole byte, PolkaVM its
                // low nibble.
                let d = self.byte(p + 2);
                ins.rd = match self.numbering {
                    Numbering::Gp => d.min(12),
                    Numbering::PolkaVm => (d & 15).min(12),
                };
            }
        }
        ins
    }

    /// The spec's `Program.eagerTargets`: under PolkaVM's rules a static branch whose target
    /// does not start a basic block panics when reached, taken or not; under the GP's only when
    /// taken.
    pub fn eager_targets(&self) -> bool {
        self.numbering == Numbering::PolkaVm
    }

    /// Whether `op` ends a basic block under this program's rules (the spec's
    /// `Program.endsBlock`): in PolkaVM's numbering `unlikely` is a hint inside a block.
    pub fn ends_block(&self, op: Opcode) -> bool {
        (op.is_terminator() && !(op == Opcode::Unlikely && self.numbering == Numbering::PolkaVm))
            || (self.rules.ecalli_ends_block && matches!(op, Opcode::Ecalli | Opcode::Ecall))
    }

    /// Basic-block starts ϖ: pc 0 and the instruction after every terminator (as instruction
    /// starts; an invalid opcode byte also ends a block since execution cannot pass it).
    pub fn block_starts(&self) -> Vec<bool> {
        let table = self.numbering.decode_table();
        let mut out = vec![false; self.code.len()];
        let mut at_start = true;
        for pc in 0..self.code.len() as u32 {
            if !self.is_start(pc) {
                continue;
            }
            if at_start {
                out[pc as usize] = true;
            }
            at_start = match self.opcode_at(pc, &table) {
                Some(op) => self.ends_block(op),
                None => true,
            };
        }
        out
    }

    /// The JAR load-time rules: every instruction is valid, the last one is a terminator, and every
    /// jump-table entry and static branch target is a basic-block start.
    pub fn validate(&self) -> Result<(), LoadError> {
        let table = self.numbering.decode_table();
        let starts = self.block_starts();
        let is_block = |t: u32| starts.get(t as usize).copied().unwrap_or(false);
        let mut last = None;
        for pc in 0..self.code.len() as u32 {
            if !self.is_start(pc) {
                continue;
            }
            let Some(op) = self.opcode_at(pc, &table) else {
                return Err(LoadError::BadCode { pc, rule: format!("invalid opcode byte {}", self.byte(pc as usize)) });
            };
            last = Some((pc, op));
            let has_static_target = matches!(
                op.class(),
                OperandClass::OneOffset | OperandClass::OneRegImmOffset | OperandClass::TwoRegOneOffset
            );
            if has_static_target {
                let t = self.decode(pc, op).target;
                if !is_block(t) {
                    return Err(LoadError::BadCode {
                        pc,
                        rule: format!("{} targets {t}, which is not a basic-block start", op.name()),
                    });
                }
            }
        }
        match last {
            None => return Err(LoadError::BadCode { pc: 0, rule: "the code is empty".into() }),
            Some((pc, op)) if !self.ends_block(op) => {
                return Err(LoadError::BadCode {
                    pc,
                    rule: format!("the last instruction ({}) is not a terminator", op.name()),
                })
            }
            _ => {}
        }
        for (i, &t) in self.jump_table.iter().enumerate() {
            if !is_block(t) {
                return Err(LoadError::BadCode {
                    pc: t,
                    rule: format!("jump table entry {i} is not a basic-block start"),
                });
            }
        }
        Ok(())
    }
}
