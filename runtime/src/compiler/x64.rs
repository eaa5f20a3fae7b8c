//! A small x86-64 assembler: the instruction forms the compiler emits, with labels and rel32
//! fixups. Only what is used is here; each form is written from the Intel SDM encoding tables.

/// A general-purpose register, by its encoding number.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct R(pub u8);

pub const RAX: R = R(0);
pub const RCX: R = R(1);
pub const RDX: R = R(2);
pub const RBX: R = R(3);
pub const RSP: R = R(4);
pub const RBP: R = R(5);
pub const RSI: R = R(6);
pub const RDI: R = R(7);
pub const R8: R = R(8);
pub const R9: R = R(9);
pub const R10: R = R(10);
pub const R11: R = R(11);
pub const R12: R = R(12);
pub const R13: R = R(13);
pub const R14: R = R(14);
pub const R15: R = R(15);

/// Condition codes (the low nibble of `jcc`, `setcc`, `cmovcc`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Cc {
    B = 0x2,
    Ae = 0x3,
    E = 0x4,
    Ne = 0x5,
    Be = 0x6,
    A = 0x7,
    S = 0x8,
    L = 0xC,
    Ge = 0xD,
    Le = 0xE,
    G = 0xF,
}

/// Two-operand ALU operations: (opcode of `op r/m, r`, `/digit` of `op r/m, imm32`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Alu {
    Add,
    Or,
    /// Add with the carry flag.
    Adc,
    And,
    Sub,
    Xor,
    Cmp,
}

impl Alu {
    fn rr_opcode(self) -> u8 {
        match self {
            Alu::Add => 0x01,
            Alu::Or => 0x09,
            Alu::Adc => 0x11,
            Alu::And => 0x21,
            Alu::Sub => 0x29,
            Alu::Xor => 0x31,
            Alu::Cmp => 0x39,
        }
    }
    fn digit(self) -> u8 {
        match self {
            Alu::Add => 0,
            Alu::Or => 1,
            Alu::Adc => 2,
            Alu::And => 4,
            Alu::Sub => 5,
            Alu::Xor => 6,
            Alu::Cmp => 7,
        }
    }
}

/// Shift and rotate operations (`/digit` of the `D3`/`C1` group).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Shift {
    Rol = 0,
    Ror = 1,
    Shl = 4,
    Shr = 5,
    Sar = 7,
}

/// Operand width.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum W {
    D32,
    Q64,
}

/// A memory operand `[base + index * scale + disp]`.
#[derive(Copy, Clone, Debug)]
pub struct Mem {
    pub base: R,
    pub index: Option<(R, u8)>,
    pub disp: i32,
}

pub fn at(base: R, disp: i32) -> Mem {
    Mem { base, index: None, disp }
}

pub fn indexed(base: R, index: R, scale: u8, disp: i32) -> Mem {
    Mem { base, index: Some((index, scale)), disp }
}

/// A position in the code that jumps can target before it is known.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Label(pub u32);

/// Machine code being assembled.
#[derive(Default)]
pub struct Asm {
    pub code: Vec<u8>,
    /// Offset of each label, once bound.
    labels: Vec<Option<u32>>,
    /// (position of a rel32 field, label it refers to).
    fixups: Vec<(u32, Label)>,
}

thread_local! {
    /// The buffers of the last `Asm` this thread dropped. Compiling a program fills tens of
    /// kilobytes; growing fresh vectors each time spent as long in page faults and copies as
    /// in emitting code.
    static SPARE: std::cell::Cell<Option<Asm>> = const { std::cell::Cell::new(None) };
}

impl Asm {
    /// An empty assembler, reusing this thread's spare buffers when it has them.
    pub fn new() -> Asm {
        let mut asm = SPARE.with(|s| s.take()).unwrap_or_default();
        asm.code.clear();
        asm.labels.clear();
        asm.fixups.clear();
        asm
    }

    pub fn offset(&self) -> u32 {
        self.code.len() as u32
    }

    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() as u32 - 1)
    }

    pub fn bind(&mut self, l: Label) {
        debug_assert!(self.labels[l.0 as usize].is_none(), "label bound twice");
        self.labels[l.0 as usize] = Some(self.offset());
    }

    pub fn label_offset(&self, l: Label) -> Option<u32> {
        self.labels[l.0 as usize]
    }

    /// Resolves every rel32 fixup and gives the finished code; `None` if some label was never
    /// bound.
    pub fn finish(&mut self) -> Option<&[u8]> {
        for &(pos, l) in &self.fixups {
            let target = self.labels[l.0 as usize]?;
            let rel = target as i64 - (pos as i64 + 4);
            self.code[pos as usize..pos as usize + 4].copy_from_slice(&(rel as i32).to_le_bytes());
        }
        self.fixups.clear();
        Some(&self.code)
    }

    /// Hands this assembler's buffers to the next [`Asm::new`] on this thread, unless they grew
    /// past what a large program needs (a thread keeps at most a few MiB for this).
    pub fn recycle(self) {
        const KEEP_AT_MOST: usize = 4 << 20;
        if self.code.capacity() <= KEEP_AT_MOST && self.labels.capacity() <= KEEP_AT_MOST / 8 {
            SPARE.with(|s| s.set(Some(self)));
        }
    }

    fn byte(&mut self, b: u8) {
        self.code.push(b);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.code.extend_from_slice(b);
    }

    fn rel32_to(&mut self, l: Label) {
        self.fixups.push((self.offset(), l));
        self.bytes(&[0; 4]);
    }

    /// REX prefix for a `reg` field, an `rm`/base register and an optional index; emitted when
    /// any bit is set or `force` (64-bit operand size sets W).
    fn rex(&mut self, w: bool, reg: u8, index: u8, base: u8, force: bool) {
        let b = 0x40 | (u8::from(w) << 3) | ((reg >> 3) << 2) | ((index >> 3) << 1) | (base >> 3);
        if b != 0x40 || force {
            self.byte(b);
        }
    }

    fn modrm_rr(&mut self, reg: u8, rm: u8) {
        self.byte(0xC0 | ((reg & 7) << 3) | (rm & 7));
    }

    /// ModRM (+ SIB) + displacement for a memory operand; `reg` is the register or `/digit`
    /// field. The displacement takes its shortest form: none (except with rbp/r13 as base, where
    /// that encoding means something else), 8 bits, or 32.
    fn modrm_mem(&mut self, reg: u8, m: Mem) {
        let reg = (reg & 7) << 3;
        let (md, disp_len) = if m.disp == 0 && m.base.0 & 7 != 5 {
            (0x00, 0)
        } else if i8::try_from(m.disp).is_ok() {
            (0x40, 1)
        } else {
            (0x80, 4)
        };
        match m.index {
            None if m.base.0 & 7 != 4 => {
                self.byte(md | reg | (m.base.0 & 7));
            }
            None => {
                self.byte(md | reg | 4);
                self.byte(0x24); // SIB: no index, base = rsp/r12
            }
            Some((index, scale)) => {
                debug_assert!(index.0 != 4, "rsp cannot be an index");
                let ss = match scale {
                    1 => 0,
                    2 => 1,
                    4 => 2,
                    _ => 3,
                };
                self.byte(md | reg | 4);
                self.byte((ss << 6) | ((index.0 & 7) << 3) | (m.base.0 & 7));
            }
        }
        self.bytes(&m.disp.to_le_bytes()[..disp_len]);
    }

    fn op_rr(&mut self, w: W, opcode: &[u8], reg: R, rm: R) {
        self.rex(w == W::Q64, reg.0, 0, rm.0, false);
        self.bytes(opcode);
        self.modrm_rr(reg.0, rm.0);
    }

    fn op_mem(&mut self, w: W, opcode: &[u8], reg: u8, m: Mem) {
        let index = m.index.map_or(0, |(i, _)| i.0);
        self.rex(w == W::Q64, reg, index, m.base.0, false);
        self.bytes(opcode);
        self.modrm_mem(reg, m);
    }

    // ---- moves ----

    /// `mov dst, src` (the 32-bit form zero-extends).
    pub fn mov(&mut self, w: W, dst: R, src: R) {
        self.op_rr(w, &[0x89], src, dst);
    }

    /// `dst = imm` (64-bit), in the shortest form.
    pub fn mov_imm(&mut self, dst: R, imm: u64) {
        if imm <= u32::MAX as u64 {
            self.rex(false, 0, 0, dst.0, false);
            self.byte(0xB8 + (dst.0 & 7));
            self.bytes(&(imm as u32).to_le_bytes());
        } else if (imm as i64) >= i32::MIN as i64 && (imm as i64) <= i32::MAX as i64 {
            self.rex(true, 0, 0, dst.0, false);
            self.byte(0xC7);
            self.modrm_rr(0, dst.0);
            self.bytes(&(imm as i32).to_le_bytes());
        } else {
            self.rex(true, 0, 0, dst.0, false);
            self.byte(0xB8 + (dst.0 & 7));
            self.bytes(&imm.to_le_bytes());
        }
    }

    pub fn load(&mut self, w: W, dst: R, m: Mem) {
        self.op_mem(w, &[0x8B], dst.0, m);
    }

    pub fn store(&mut self, w: W, m: Mem, src: R) {
        self.op_mem(w, &[0x89], src.0, m);
    }

    /// `mov dword/qword [m], imm32` (the qword form sign-extends).
    pub fn store_imm32(&mut self, w: W, m: Mem, imm: i32) {
        self.op_mem(w, &[0xC7], 0, m);
        self.bytes(&imm.to_le_bytes());
    }

    /// Loads `size` bytes at `m` into `dst`, sign- or zero-extended to 64 bits.
    pub fn load_sized(&mut self, dst: R, m: Mem, size: u8, signed: bool) {
        match (size, signed) {
            (1, false) => self.op_mem(W::D32, &[0x0F, 0xB6], dst.0, m),
            (1, true) => self.op_mem(W::Q64, &[0x0F, 0xBE], dst.0, m),
            (2, false) => self.op_mem(W::D32, &[0x0F, 0xB7], dst.0, m),
            (2, true) => self.op_mem(W::Q64, &[0x0F, 0xBF], dst.0, m),
            (4, false) => self.op_mem(W::D32, &[0x8B], dst.0, m),
            (4, true) => self.op_mem(W::Q64, &[0x63], dst.0, m),
            _ => self.op_mem(W::Q64, &[0x8B], dst.0, m),
        }
    }

    /// Stores the low `size` bytes of `src` at `m` (for a byte of rsp, rbp, rsi or rdi a REX
    /// prefix selects spl, bpl, sil or dil rather than ah, ch, dh or bh).
    pub fn store_sized(&mut self, m: Mem, src: R, size: u8) {
        match size {
            1 => {
                let index = m.index.map_or(0, |(i, _)| i.0);
                self.rex(false, src.0, index, m.base.0, src.0 >= 4);
                self.byte(0x88);
                self.modrm_mem(src.0, m);
            }
            2 => {
                self.byte(0x66);
                self.op_mem(W::D32, &[0x89], src.0, m)
            }
            4 => self.op_mem(W::D32, &[0x89], src.0, m),
            _ => self.op_mem(W::Q64, &[0x89], src.0, m),
        }
    }

    pub fn lea(&mut self, dst: R, m: Mem) {
        self.op_mem(W::Q64, &[0x8D], dst.0, m);
    }

    /// BMI2 `shlx`/`shrx`/`sarx dst, src, count`: a shift by a register other than `cl`, without
    /// touching the flags (the count is masked to the operand width, as the guest's is).
    pub fn shift_x(&mut self, w: W, op: Shift, dst: R, src: R, count: R) {
        let pp = match op {
            Shift::Shl => 1,
            Shift::Sar => 2,
            Shift::Shr => 3,
            _ => unreachable!("no BMI2 form of rotates by a register"),
        };
        self.vex3(dst, src, 0x02, w == W::Q64, count.0, pp);
        self.byte(0xF7);
        self.modrm_rr(dst.0, src.0);
    }

    /// The three-byte VEX prefix (`C4`) of an instruction with `reg` in ModRM.reg, `rm` in
    /// ModRM.rm, opcode map `map` (2: `0F38`, 3: `0F3A`), 64-bit operands if `w`, `vvvv` naming
    /// register `v` (0 when there is none; the field holds it inverted), 128-bit length and prefix
    /// `pp`.
    fn vex3(&mut self, reg: R, rm: R, map: u8, w: bool, v: u8, pp: u8) {
        self.byte(0xC4);
        self.byte((u8::from(reg.0 < 8) << 7) | (1 << 6) | (u8::from(rm.0 < 8) << 5) | map);
        self.byte((u8::from(w) << 7) | ((!v & 15) << 3) | pp);
    }

    /// BMI2 `rorx dst, src, n` (64-bit): a rotate right by an immediate into another register,
    /// without touching the flags.
    pub fn rorx(&mut self, dst: R, src: R, n: u8) {
        // 0F3A, W1, no second source, F2.
        self.vex3(dst, src, 0x03, true, 0, 3);
        self.byte(0xF0);
        self.modrm_rr(dst.0, src.0);
        self.byte(n);
    }

    /// BMI1 `andn dst, inverted, other` (64-bit): `dst = !inverted & other`.
    pub fn andn(&mut self, dst: R, inverted: R, other: R) {
        // 0F38, W1, no prefix.
        self.vex3(dst, other, 0x02, true, inverted.0, 0);
        self.byte(0xF2);
        self.modrm_rr(dst.0, other.0);
    }

    /// `lea dst32, [m]`: the address modulo 2^32, zero-extended.
    pub fn lea32(&mut self, dst: R, m: Mem) {
        self.op_mem(W::D32, &[0x8D], dst.0, m);
    }

    /// `movsxd dst, src32`: sign-extends the low 32 bits.
    pub fn movsxd(&mut self, dst: R, src: R) {
        self.op_rr(W::Q64, &[0x63], dst, src);
    }

    /// `movsx dst, src8/16` or `movzx dst, src16` (64-bit destination).
    pub fn extend(&mut self, dst: R, src: R, size: u8, signed: bool) {
        let op: &[u8] = match (size, signed) {
            (1, true) => &[0x0F, 0xBE],
            (2, true) => &[0x0F, 0xBF],
            (1, false) => &[0x0F, 0xB6],
            _ => &[0x0F, 0xB7],
        };
        // A REX prefix (W) makes register 4-7 mean spl..dil, not ah..bh, as wanted.
        self.rex(true, dst.0, 0, src.0, true);
        self.bytes(op);
        self.modrm_rr(dst.0, src.0);
    }

    // ---- arithmetic ----

    pub fn alu(&mut self, w: W, op: Alu, dst: R, src: R) {
        self.op_rr(w, &[op.rr_opcode()], src, dst);
    }

    /// `op dst, imm` (the sign-extended 8-bit form when the immediate fits).
    pub fn alu_imm(&mut self, w: W, op: Alu, dst: R, imm: i32) {
        self.rex(w == W::Q64, 0, 0, dst.0, false);
        let short = i8::try_from(imm).is_ok();
        self.byte(if short { 0x83 } else { 0x81 });
        self.modrm_rr(op.digit(), dst.0);
        self.imm_8_or_32(imm, short);
    }

    /// `op qword/dword [m], imm` (the sign-extended 8-bit form when the immediate fits).
    pub fn alu_mem_imm(&mut self, w: W, op: Alu, m: Mem, imm: i32) {
        let short = i8::try_from(imm).is_ok();
        self.op_mem(w, &[if short { 0x83 } else { 0x81 }], op.digit(), m);
        self.imm_8_or_32(imm, short);
    }

    fn imm_8_or_32(&mut self, imm: i32, short: bool) {
        if short {
            self.byte(imm as u8);
        } else {
            self.bytes(&imm.to_le_bytes());
        }
    }

    /// `op qword [m], src` (`cmp` sets flags for `[m] - src`).
    pub fn alu_mem(&mut self, op: Alu, m: Mem, src: R) {
        self.op_mem(W::Q64, &[op.rr_opcode()], src.0, m);
    }

    /// `cmp r, qword [m]`: flags for `r - [m]`.
    pub fn cmp_reg_mem(&mut self, r: R, m: Mem) {
        self.op_mem(W::Q64, &[0x3B], r.0, m);
    }

    /// `test r8, imm8` on the low byte of rax, rcx, rdx or rbx.
    pub fn test_low_byte(&mut self, r: R, imm: u8) {
        debug_assert!(r.0 < 4);
        self.byte(0xF6);
        self.modrm_rr(0, r.0);
        self.byte(imm);
    }

    pub fn test(&mut self, w: W, a: R, b: R) {
        self.op_rr(w, &[0x85], b, a);
    }

    pub fn imul(&mut self, w: W, dst: R, src: R) {
        self.op_rr(w, &[0x0F, 0xAF], dst, src);
    }

    /// The one-operand group `F7 /digit` on a register: not 2, mul 4, imul 5, div 6, idiv 7.
    fn group3(&mut self, w: W, digit: u8, r: R) {
        self.rex(w == W::Q64, 0, 0, r.0, false);
        self.byte(0xF7);
        self.modrm_rr(digit, r.0);
    }

    pub fn not(&mut self, w: W, r: R) {
        self.group3(w, 2, r);
    }
    /// `rdx:rax = rax * r` (unsigned).
    pub fn mul_wide(&mut self, r: R) {
        self.group3(W::Q64, 4, r);
    }
    /// `rdx:rax = rax * r` (signed).
    pub fn imul_wide(&mut self, r: R) {
        self.group3(W::Q64, 5, r);
    }
    pub fn div(&mut self, w: W, r: R) {
        self.group3(w, 6, r);
    }
    pub fn idiv(&mut self, w: W, r: R) {
        self.group3(w, 7, r);
    }
    /// `cqo` / `cdq`: sign-extend rax/eax into rdx/edx.
    pub fn sign_extend_into_rdx(&mut self, w: W) {
        if w == W::Q64 {
            self.byte(0x48);
        }
        self.byte(0x99);
    }

    pub fn shift_cl(&mut self, w: W, op: Shift, r: R) {
        self.rex(w == W::Q64, 0, 0, r.0, false);
        self.byte(0xD3);
        self.modrm_rr(op as u8, r.0);
    }

    pub fn shift_imm(&mut self, w: W, op: Shift, r: R, n: u8) {
        self.rex(w == W::Q64, 0, 0, r.0, false);
        self.byte(0xC1);
        self.modrm_rr(op as u8, r.0);
        self.byte(n);
    }

    /// `setcc r8` then `movzx r32, r8` (r must be rax, rcx, rdx or rbx).
    pub fn set(&mut self, cc: Cc, r: R) {
        debug_assert!(r.0 < 4);
        self.bytes(&[0x0F, 0x90 + cc as u8]);
        self.modrm_rr(0, r.0);
        self.bytes(&[0x0F, 0xB6]);
        self.modrm_rr(r.0, r.0);
    }

    /// `setcc al; movzx dst32, al`: the condition as 0 or 1 in any register.
    pub fn set_into(&mut self, cc: Cc, dst: R) {
        self.bytes(&[0x0F, 0x90 + cc as u8]);
        self.modrm_rr(0, RAX.0);
        self.rex(false, dst.0, 0, RAX.0, false);
        self.bytes(&[0x0F, 0xB6]);
        self.modrm_rr(dst.0, RAX.0);
    }

    pub fn cmov(&mut self, cc: Cc, dst: R, src: R) {
        self.op_rr(W::Q64, &[0x0F, 0x40 + cc as u8], dst, src);
    }

    /// `popcnt`, `lzcnt`, `tzcnt` (`F3 0F B8/BD/BC`).
    pub fn bit_count(&mut self, w: W, which: u8, dst: R, src: R) {
        self.byte(0xF3);
        self.op_rr(w, &[0x0F, which], dst, src);
    }

    pub fn bswap(&mut self, r: R) {
        self.rex(true, 0, 0, r.0, false);
        self.bytes(&[0x0F, 0xC8 + (r.0 & 7)]);
    }

    // ---- control ----

    pub fn jmp(&mut self, l: Label) {
        self.byte(0xE9);
        self.rel32_to(l);
    }

    pub fn jcc(&mut self, cc: Cc, l: Label) {
        self.bytes(&[0x0F, 0x80 + cc as u8]);
        self.rel32_to(l);
    }

    pub fn jmp_reg(&mut self, r: R) {
        self.rex(false, 0, 0, r.0, false);
        self.byte(0xFF);
        self.modrm_rr(4, r.0);
    }

    /// `call label` (rel32).
    pub fn call(&mut self, l: Label) {
        self.byte(0xE8);
        self.rel32_to(l);
    }

    pub fn call_mem(&mut self, m: Mem) {
        self.op_mem(W::D32, &[0xFF], 2, m);
    }

    pub fn push(&mut self, r: R) {
        self.rex(false, 0, 0, r.0, false);
        self.byte(0x50 + (r.0 & 7));
    }

    pub fn pop(&mut self, r: R) {
        self.rex(false, 0, 0, r.0, false);
        self.byte(0x58 + (r.0 & 7));
    }

    pub fn ret(&mut self) {
        self.byte(0xC3);
    }

    /// Pads with no-ops (the recommended multi-byte forms) to a multiple of `align` bytes.
    pub fn align(&mut self, align: u32) {
        const NOPS: [&[u8]; 9] = [
            &[],
            &[0x90],
            &[0x66, 0x90],
            &[0x0F, 0x1F, 0x00],
            &[0x0F, 0x1F, 0x40, 0x00],
            &[0x0F, 0x1F, 0x44, 0x00, 0x00],
            &[0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00],
            &[0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00],
            &[0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        ];
        let mut pad = (align - self.offset() % align) % align;
        while pad > 0 {
            let n = pad.min(8);
            self.bytes(NOPS[n as usize]);
            pad -= n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asm(f: impl FnOnce(&mut Asm)) -> Vec<u8> {
        let mut a = Asm::new();
        f(&mut a);
        a.finish().unwrap().to_vec()
    }

    // Expected bytes are from the Intel SDM encodings (checked against a disassembler).
    #[test]
    fn encodings() {
        assert_eq!(asm(|a| a.mov(W::Q64, RAX, RBX)), [0x48, 0x89, 0xD8]);
        assert_eq!(asm(|a| a.mov(W::Q64, R9, R12)), [0x4D, 0x89, 0xE1]);
        assert_eq!(asm(|a| a.alu(W::Q64, Alu::Add, RCX, R8)), [0x4C, 0x01, 0xC1]);
        assert_eq!(asm(|a| a.alu_imm(W::Q64, Alu::Sub, R11, -1)), [0x49, 0x83, 0xEB, 0xFF]);
        assert_eq!(asm(|a| a.alu_imm(W::Q64, Alu::Adc, R9, 0)), [0x49, 0x83, 0xD1, 0x00]);
        assert_eq!(asm(|a| a.alu_imm(W::Q64, Alu::Sub, R11, 0x100)), [0x49, 0x81, 0xEB, 0, 1, 0, 0]);
        assert_eq!(asm(|a| a.alu_mem_imm(W::Q64, Alu::Sub, at(R15, 128), 3)), [0x49, 0x83, 0xAF, 0x80, 0, 0, 0, 3]);
        assert_eq!(asm(|a| a.load(W::Q64, RAX, at(R15, 8))), [0x49, 0x8B, 0x47, 8]);
        assert_eq!(asm(|a| a.load(W::Q64, RDX, indexed(R14, RDX, 8, 0))), [0x49, 0x8B, 0x14, 0xD6]);
        assert_eq!(asm(|a| a.store(W::Q64, at(R12, 0), RAX)), [0x49, 0x89, 0x04, 0x24]);
        assert_eq!(asm(|a| a.mov_imm(RCX, 5)), [0xB9, 5, 0, 0, 0]);
        assert_eq!(asm(|a| a.mov_imm(RAX, u64::MAX)), [0x48, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(asm(|a| a.mov_imm(R10, 1 << 40)), [0x49, 0xBA, 0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!(asm(|a| a.shift_cl(W::Q64, Shift::Shl, RAX)), [0x48, 0xD3, 0xE0]);
        assert_eq!(asm(|a| a.set(Cc::B, RAX)), [0x0F, 0x92, 0xC0, 0x0F, 0xB6, 0xC0]);
        assert_eq!(asm(|a| a.bit_count(W::Q64, 0xB8, RAX, RCX)), [0xF3, 0x48, 0x0F, 0xB8, 0xC1]);
        assert_eq!(asm(|a| a.load_sized(RAX, indexed(RDX, RCX, 1, 0), 1, true)), [0x48, 0x0F, 0xBE, 0x04, 0x0A]);
        assert_eq!(asm(|a| a.load_sized(RBX, indexed(R14, RAX, 1, 0), 1, false)), [0x41, 0x0F, 0xB6, 0x1C, 0x06]);
        assert_eq!(asm(|a| a.lea32(RAX, at(RBX, 0x10))), [0x8D, 0x43, 0x10]);
        assert_eq!(asm(|a| a.set_into(Cc::B, R9)), [0x0F, 0x92, 0xC0, 0x44, 0x0F, 0xB6, 0xC8]);
        assert_eq!(asm(|a| a.lea(R9, indexed(R13, R12, 1, 0))), [0x4F, 0x8D, 0x4C, 0x25, 0x00]);
        assert_eq!(asm(|a| a.store_sized(indexed(R15, RAX, 1, 0), RSI, 1)), [0x41, 0x88, 0x34, 0x07]);
        assert_eq!(asm(|a| a.store_sized(indexed(RAX, RCX, 1, 0), RSI, 1)), [0x40, 0x88, 0x34, 0x08]);
        assert_eq!(asm(|a| a.store_sized(indexed(RAX, RCX, 1, 0), RBX, 1)), [0x88, 0x1C, 0x08]);
        assert_eq!(asm(|a| a.shift_x(W::Q64, Shift::Shl, RAX, RBX, RCX)), [0xC4, 0xE2, 0xF1, 0xF7, 0xC3]);
        assert_eq!(asm(|a| a.shift_x(W::D32, Shift::Shr, R10, R14, R11)), [0xC4, 0x42, 0x23, 0xF7, 0xD6]);
        assert_eq!(asm(|a| a.shift_x(W::Q64, Shift::Sar, RDX, R9, RSI)), [0xC4, 0xC2, 0xCA, 0xF7, 0xD1]);
        assert_eq!(asm(|a| a.rorx(RAX, RBX, 5)), [0xC4, 0xE3, 0xFB, 0xF0, 0xC3, 0x05]);
        assert_eq!(asm(|a| a.rorx(R11, R8, 63)), [0xC4, 0x43, 0xFB, 0xF0, 0xD8, 0x3F]);
        assert_eq!(asm(|a| a.andn(RBX, RAX, R11)), [0xC4, 0xC2, 0xF8, 0xF2, 0xDB]);
        assert_eq!(asm(|a| a.andn(RCX, R9, RDX)), [0xC4, 0xE2, 0xB0, 0xF2, 0xCA]);
        assert_eq!(asm(|a| a.lea32(RAX, at(RAX, 0x100))), [0x8D, 0x80, 0, 1, 0, 0]);
        // rbp/r13 as base have no displacement-free form.
        assert_eq!(asm(|a| a.load(W::D32, RAX, at(R13, 0))), [0x41, 0x8B, 0x45, 0]);
        assert_eq!(asm(|a| a.extend(RAX, RSI, 1, true)), [0x48, 0x0F, 0xBE, 0xC6]);
        assert_eq!(asm(|a| a.push(R15)), [0x41, 0x57]);
        let code = asm(|a| {
            let l = a.label();
            a.bind(l);
            a.jmp(l);
        });
        assert_eq!(code, [0xE9, 0xFB, 0xFF, 0xFF, 0xFF]);
    }
}
