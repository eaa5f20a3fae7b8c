//! Lowering predecoded records to x86-64, one record at a time, in record order.
//!
//! Conventions of the generated code:
//! - reserved shape: `r15` holds the guest base and the [`Context`](super::Context) is the page
//!   just below it; `r14` holds the gas; eleven guest registers live in host registers (which
//!   ones is chosen per program, [`RegisterMap`]), the other two in the context; `rax` and
//!   `rcx` are scratch, and `rdx` (a guest register's home) is saved around division and wide
//!   multiplies unless it receives their result;
//! - page-table and linear shapes: `r15` holds the context, `r14` the memory's base (page table
//!   or linear region), ten guest registers live in host registers and three in the context,
//!   and `rax`, `rcx`, `rdx` are scratch;
//! - most instructions work straight on host registers (`binop64`, `binop64_imm`, `lea` forms,
//!   BMI2 shifts), and fall back to reading operands into the scratch registers, computing and
//!   writing back, which handles any aliasing of operands;
//! - each record has a charge label (its gas charge, if any, then its body) and a body label;
//!   jumps go to charge labels, entries from the host to body labels (the host has charged);
//! - exits (host calls, faults, traps, out of gas) are out-of-line stubs that load what happened
//!   into `rax`/`rcx`, store what resuming costs, and leave through one of two shared tails;
//!   slow memory paths call one shared routine per kind of access;
//! - a few idioms of compiled guest code become fewer instructions: an add and its carry
//!   (`setb`, or `adc` into the next add), a rotate written as two shifts and an `or` (`rorx`,
//!   also with a load inside, whose slow path then replays the shifts), a `not` and an `and`
//!   (`andn`). A host may enter at any record, so the records fused away also have their own
//!   code, out of line.
//!
//! The semantics of every instruction are the interpreter's (`interpreter/mod.rs`), which the
//! cross-check holds to the spec; the compiler is cross-checked the same way.

use super::x64::*;
use super::idioms;
use super::{ctx, ExitKind};
use crate::interpreter::predecode::{Op, NO_INDEX};
use crate::interpreter::FREE;
use crate::isa::Opcode;

/// Host registers for guest registers, by shape. The page-table and linear shapes need r14 for
/// the memory and r15 for the context, and keep rdx as a third scratch register: ten guest
/// registers get a host register. The reserved shape reaches its context and its memory through
/// r15 alone (the context is the page below the guest's address 0), keeps the gas in r14, and
/// saves rdx around the few instructions that need it: eleven do.
const HOSTS_10: [R; 10] = [RBX, RBP, R12, R13, RSI, RDI, R8, R9, R10, R11];
const HOSTS_11: [R; 11] = [RBX, RBP, R12, R13, RSI, RDI, R8, R9, R10, R11, RDX];
/// The reserved shape keeps the gas in a register: every block charges it.
pub const GAS_REGISTER: R = R14;
/// Host registers a call to the host may clobber (saved around slow paths).
const CALLER_SAVED: [R; 7] = [RSI, RDI, R8, R9, R10, R11, RDX];

/// Which guest register lives in which host register, chosen per program: the guest registers
/// the program names most often get one, the rest live in the context.
#[derive(Clone, Copy, Debug)]
pub struct RegisterMap {
    host: [Option<R>; 13],
}

impl RegisterMap {
    /// The map for `ops` under `shape`: guest registers ranked by how often instructions name
    /// them, a use inside a loop counting 8 times per level of nesting (a loop: the records
    /// from a backward branch's target to the branch), ties to the lower number; the top ones
    /// are paired with host registers in guest order.
    pub fn for_program(ops: &[Op], shape: Shape) -> RegisterMap {
        use crate::isa::{OpcodeInfo, OperandClass as C};
        let mut nesting = vec![0i32; ops.len() + 1];
        for (head, end) in loops(ops) {
            nesting[head] += 1;
            nesting[end + 1] -= 1;
        }
        let mut depth = 0i32;
        let mut uses = [0u64; 13];
        // How often each register receives a result the hardware leaves in rdx (wide multiplies,
        // divisions): that register is best kept in rdx, which then needs no saving.
        let mut in_rdx = [0u64; 13];
        for (i, op) in ops.iter().enumerate() {
            depth += nesting[i];
            let weight = 1u64 << (3 * depth.clamp(0, 6));
            let Some(opcode) = op.opcode() else { continue };
            {
                use crate::isa::Opcode::*;
                if matches!(opcode, MulUpperSS | MulUpperUU | MulUpperSU | DivU32 | DivS32 | RemU32 | RemS32 | DivU64 | DivS64 | RemU64 | RemS64) {
                    if let Some(c) = in_rdx.get_mut(op.rd as usize) {
                        *c += weight;
                    }
                }
            }
            let named: &[u8] = match opcode.class() {
                C::NoArgs | C::OneImm | C::TwoImm | C::OneOffset => &[],
                C::OneRegExtImm | C::OneRegOneImm | C::OneRegTwoImm | C::OneRegImmOffset => &[op.ra],
                C::TwoReg => &[op.rd, op.ra],
                C::TwoRegOneImm | C::TwoRegOneOffset | C::TwoRegTwoImm => &[op.ra, op.rb],
                C::ThreeReg => &[op.ra, op.rb, op.rd],
            };
            for &g in named {
                if let Some(u) = uses.get_mut(g as usize) {
                    *u += weight;
                }
            }
        }
        let hosts: &[R] = if shape == Shape::Reserved { &HOSTS_11 } else { &HOSTS_10 };
        // Guest registers 0..n start in hosts 0..n; each register past n that is used more than
        // the least-used of those takes that one's host register instead.
        let n = hosts.len();
        let mut host = [None; 13];
        for (g, &r) in hosts.iter().enumerate() {
            host[g] = Some(r);
        }
        for extra in n..13 {
            let Some(victim) = (0..13).filter(|&g| host[g].is_some()).min_by_key(|&g| (uses[g], std::cmp::Reverse(g))) else { break };
            if uses[extra] > uses[victim] {
                host[extra] = host[victim].take();
            }
        }
        let holder = (0..13).find(|&g| host[g] == Some(RDX));
        let best = (0..13).filter(|&g| host[g].is_some() && in_rdx[g] > 0).max_by_key(|&g| (in_rdx[g], std::cmp::Reverse(g)));
        if let (Some(h), Some(b)) = (holder, best) {
            host.swap(h, b);
        }
        RegisterMap { host }
    }

    /// The host register of guest register `g`, if it has one.
    pub fn get(&self, g: u8) -> Option<R> {
        self.host.get(g as usize).copied().flatten()
    }

    /// (guest, host) for every guest register with a host register.
    pub fn pairs(&self) -> impl Iterator<Item = (u8, R)> + '_ {
        self.host.iter().enumerate().filter_map(|(g, r)| r.map(|r| (g as u8, r)))
    }

    /// Whether some guest register lives in `r`.
    pub fn holds(&self, r: R) -> bool {
        self.host.contains(&Some(r))
    }
}

/// The loops of `ops`, as (first record, last record): each backward branch and its target.
fn loops(ops: &[Op]) -> impl Iterator<Item = (usize, usize)> + '_ {
    ops.iter().enumerate().filter(|(i, op)| op.target != NO_INDEX && op.target as usize <= *i).map(|(i, op)| (op.target as usize, i))
}

/// Where generated code finds the context under `shape`: `r15 + context_disp(shape)`.
pub fn context_disp(shape: Shape) -> i32 {
    match shape {
        Shape::Reserved => -(crate::reservation::HEAD as i32),
        _ => 0,
    }
}

/// How compiled code reaches guest memory.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    PageTable,
    Linear,
    /// One reservation of the guest space: an access is one instruction on `r15 + address`, and
    /// a refused one faults into its slow path (`fault.rs`).
    Reserved,
}

/// An out-of-line exit: record `record` exits with `kind`/`arg` (unless the slow path already
/// wrote them) and resumes at `resume`, paying its charge first if `charge`. `refund` is gas the
/// inline code deducted before it knew it could not pay (given back first).
struct Stub {
    label: Label,
    kind: Option<(ExitKind, u32)>,
    record: u32,
    resume: u32,
    charge: bool,
    refund: i32,
}

/// A memory access whose inline check failed: the slow path calls the memory.
struct SlowAccess {
    label: Label,
    back: Label,
    record: u32,
    size: u8,
    signed: bool,
    /// For stores: where the value comes from.
    value: Option<Value>,
    /// For loads: the guest register to write.
    dst: u8,
    /// For a load moved before a rotate's records ([`idioms::rotation_at`]): the first of
    /// them. The slow path does the two shifts before the access, and after it the `or`, then
    /// continues after the rotate (`back`).
    rotation: Option<u32>,
}

#[derive(Copy, Clone)]
enum Value {
    Reg(u8),
    Imm(u64),
}

pub struct Lowering<'a> {
    pub asm: Asm,
    ops: &'a [Op],
    shape: Shape,
    pub charge_labels: Vec<Label>,
    pub body_labels: Vec<Label>,
    stubs: Vec<Stub>,
    slow: Vec<SlowAccess>,
    /// Reserved shape: each access instruction's offset and the slow path a fault there takes.
    pub sites: Vec<(u32, Label)>,
    /// The common exit path (stores pinned registers, returns to the host).
    pub exit: Label,
    pinned: RegisterMap,
    caller_saved: Vec<(u8, R)>,
    /// The context is at `r15 + ctx_disp`.
    ctx_disp: i32,
    /// The host has BMI2 (`shlx` and friends: shifts by any register).
    bmi2: bool,
    /// Records that a later record branches back to.
    loop_heads: Vec<bool>,
    /// Records whose work the record before them did (see [`idioms`]); their own code,
    /// for entering at them directly, is laid out with the cold code.
    fused_away: Vec<bool>,
}

fn imm32(v: u64) -> Option<i32> {
    let s = v as i64;
    (s >= i32::MIN as i64 && s <= i32::MAX as i64).then_some(s as i32)
}

impl<'a> Lowering<'a> {
    pub fn new(ops: &'a [Op], shape: Shape, pinned: RegisterMap, bmi2: bool) -> Self {
        let mut asm = Asm::new();
        let charge_labels = ops.iter().map(|_| asm.label()).collect();
        let body_labels = ops.iter().map(|_| asm.label()).collect();
        let exit = asm.label();
        let caller_saved = pinned.pairs().filter(|(_, r)| CALLER_SAVED.contains(r)).collect();
        Lowering {
            asm,
            ops,
            shape,
            charge_labels,
            body_labels,
            stubs: Vec::new(),
            slow: Vec::new(),
            sites: Vec::new(),
            exit,
            pinned,
            caller_saved,
            loop_heads: {
                let mut heads = vec![false; ops.len()];
                for (head, _) in loops(ops) {
                    heads[head] = true;
                }
                heads
            },
            ctx_disp: context_disp(shape),
            bmi2,
            fused_away: vec![false; ops.len()],
        }
    }

    /// A field of the context (an offset from [`ctx`]).
    fn c(&self, field: i32) -> Mem {
        at(R15, self.ctx_disp + field)
    }

    /// `gas op= imm`, on the gas register (reserved shape) or the context's field.
    fn gas_imm(&mut self, op: Alu, imm: i32) {
        if self.shape == Shape::Reserved {
            self.asm.alu_imm(W::Q64, op, GAS_REGISTER, imm);
        } else {
            let gas = self.c(ctx::GAS);
            self.asm.alu_mem_imm(W::Q64, op, gas, imm);
        }
    }

    /// `gas op= rax` (or `cmp gas, rax`), as [`Self::gas_imm`].
    fn gas_rax(&mut self, op: Alu) {
        if self.shape == Shape::Reserved {
            self.asm.alu(W::Q64, op, GAS_REGISTER, RAX);
        } else {
            let gas = self.c(ctx::GAS);
            self.asm.alu_mem(op, gas, RAX);
        }
    }

    /// Guest register `g`'s slot in the context.
    fn mem_of(&self, g: u8) -> Mem {
        self.c(ctx::REGS + 8 * g as i32)
    }

    /// Whether rdx holds a guest register (saved around instructions that need it).
    fn rdx_pinned(&self) -> bool {
        self.pinned.holds(RDX)
    }

    /// `dst` = the context's address (the first argument of a call to the host).
    fn context_into(&mut self, dst: R) {
        if self.ctx_disp == 0 {
            self.asm.mov(W::Q64, dst, R15);
        } else {
            self.asm.lea(dst, at(R15, self.ctx_disp));
        }
    }

    // ---- guest registers ----

    fn get(&mut self, dst: R, g: u8) {
        match self.pinned.get(g) {
            Some(p) => {
                if p != dst {
                    self.asm.mov(W::Q64, dst, p)
                }
            }
            None => self.asm.load(W::Q64, dst, self.mem_of(g)),
        }
    }

    fn put(&mut self, g: u8, src: R) {
        match self.pinned.get(g) {
            Some(p) => self.asm.mov(W::Q64, p, src),
            None => self.asm.store(W::Q64, self.mem_of(g), src),
        }
    }

    fn put_imm(&mut self, g: u8, v: u64) {
        match self.pinned.get(g) {
            Some(p) => self.asm.mov_imm(p, v),
            None => {
                self.asm.mov_imm(RAX, v);
                self.asm.store(W::Q64, self.mem_of(g), RAX);
            }
        }
    }

    /// `dst op= imm` (64-bit), through `rcx` when the immediate needs more than 32 bits.
    fn alu_imm64(&mut self, op: Alu, dst: R, imm: u64) {
        match imm32(imm) {
            Some(i) => self.asm.alu_imm(W::Q64, op, dst, i),
            None => {
                self.asm.mov_imm(RCX, imm);
                self.asm.alu(W::Q64, op, dst, RCX);
            }
        }
    }

    /// `d = a op b` (64-bit) straight on host registers when `d` is pinned: `mov d, a; op d, b`
    /// (or `op d, a` when `d` is `b` and `op` commutes); else through `rax`.
    fn binop64(&mut self, op: Option<Alu>, d: u8, a: u8, b: u8) {
        let emit = |asm: &mut Asm, dst: R, src: R| match op {
            Some(alu) => asm.alu(W::Q64, alu, dst, src),
            None => asm.imul(W::Q64, dst, src),
        };
        #[allow(unused_mut)]
        let mut commutes = op != Some(Alu::Sub);
        #[cfg(feature = "planted-bugs")]
        if crate::planted::active(crate::planted::Bug::CompiledSubOrder) {
            commutes = true;
        }
        match (self.pinned.get(d), self.pinned.get(a), self.pinned.get(b)) {
            // d = a + b in one instruction.
            (Some(rd), Some(ra), Some(rb)) if op == Some(Alu::Add) && d != a && d != b => {
                self.asm.lea(rd, indexed(ra, rb, 1, 0));
                return;
            }
            _ => {}
        }
        match self.pinned.get(d) {
            Some(rd) if d != b || a == b => {
                self.get(rd, a);
                let src = self.source(b, RCX);
                emit(&mut self.asm, rd, src);
            }
            Some(rd) if commutes => {
                let src = self.source(a, RCX);
                emit(&mut self.asm, rd, src);
            }
            _ => {
                self.get(RAX, a);
                let src = self.source(b, RCX);
                emit(&mut self.asm, RAX, src);
                self.put(d, RAX);
            }
        }
    }

    /// `d = !inverted & other` with BMI1's `andn`.
    fn and_not(&mut self, d: u8, inverted: u8, other: u8) {
        let dst = self.pinned.get(d).unwrap_or(RAX);
        let (a, b) = match (self.pinned.get(inverted), self.pinned.get(other)) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                self.get(RAX, inverted);
                self.get(RCX, other);
                (RAX, RCX)
            }
        };
        self.asm.andn(dst, a, b);
        if self.pinned.get(d).is_none() {
            self.put(d, RAX);
        }
    }

    /// `a = b` shifted (or rotated) by `imm` modulo 64.
    fn shift_imm64(&mut self, shift: Shift, a: u8, b: u8, imm: u64) {
        let dst = self.pinned.get(a).unwrap_or(RAX);
        self.get(dst, b);
        self.asm.shift_imm(W::Q64, shift, dst, (imm & 63) as u8);
        if self.pinned.get(a).is_none() {
            self.put(a, RAX);
        }
    }

    /// `d = x` rotated right by `n` (64-bit).
    fn rotate_right(&mut self, d: u8, x: u8, n: u8) {
        let dst = self.pinned.get(d).unwrap_or(RAX);
        if self.bmi2 {
            let src = self.source(x, RCX);
            self.asm.rorx(dst, src, n);
        } else {
            self.get(dst, x);
            self.asm.shift_imm(W::Q64, Shift::Ror, dst, n);
        }
        if self.pinned.get(d).is_none() {
            self.put(d, RAX);
        }
    }

    /// `f = x + carry flag`, reading `x` only with moves (which leave the flags alone).
    fn add_carry_flag(&mut self, f: u8, x: u8) {
        match self.pinned.get(f) {
            Some(rf) => {
                self.get(rf, x);
                self.asm.alu_imm(W::Q64, Alu::Adc, rf, 0);
            }
            None => {
                self.get(RAX, x);
                self.asm.alu_imm(W::Q64, Alu::Adc, RAX, 0);
                self.put(f, RAX);
            }
        }
    }

    /// `d = a + b` with an `add` (never `lea`), so the carry flag is the sum's carry.
    fn add64_with_carry_flag(&mut self, d: u8, a: u8, b: u8) {
        match self.pinned.get(d) {
            Some(rd) if d != b || a == b => {
                self.get(rd, a);
                let src = self.source(b, RCX);
                self.asm.alu(W::Q64, Alu::Add, rd, src);
            }
            Some(rd) => {
                let src = self.source(a, RCX);
                self.asm.alu(W::Q64, Alu::Add, rd, src);
            }
            None => {
                self.get(RAX, a);
                let src = self.source(b, RCX);
                self.asm.alu(W::Q64, Alu::Add, RAX, src);
                // A store leaves the flags alone.
                self.put(d, RAX);
            }
        }
    }

    /// Guest register `g` = the condition `cc` of the flags, as 0 or 1.
    fn set_reg(&mut self, cc: Cc, g: u8) {
        match self.pinned.get(g) {
            Some(r) => self.asm.set_into(cc, r),
            None => {
                self.asm.set(cc, RAX);
                self.put(g, RAX);
            }
        }
    }

    /// The host register holding guest register `g`: its pinned register, or `scratch` after
    /// loading it there.
    fn source(&mut self, g: u8, scratch: R) -> R {
        match self.pinned.get(g) {
            Some(p) => p,
            None => {
                self.asm.load(W::Q64, scratch, self.mem_of(g));
                scratch
            }
        }
    }

    /// `a = b op imm` (64-bit) straight on `a`'s host register when it is pinned and the
    /// immediate fits 32 bits.
    fn binop64_imm(&mut self, op: Alu, a: u8, b: u8, imm: u64) {
        match (self.pinned.get(a), imm32(imm)) {
            // a = b + imm in one instruction.
            (Some(ra), Some(i)) if op == Alu::Add && a != b && self.pinned.get(b).is_some() => {
                let rb = self.pinned.get(b).unwrap_or(RAX);
                self.asm.lea(ra, at(rb, i));
            }
            (Some(ra), Some(i)) => {
                self.get(ra, b);
                self.asm.alu_imm(W::Q64, op, ra, i);
            }
            // A register in the context updated in place: `op qword [slot], imm`.
            (None, Some(i)) if a == b => {
                let slot = self.mem_of(a);
                self.asm.alu_mem_imm(W::Q64, op, slot, i);
            }
            _ => {
                self.get(RAX, b);
                self.alu_imm64(op, RAX, imm);
                self.put(a, RAX);
            }
        }
    }

    /// The 32-bit result in `eax`, sign-extended into `rax`, written to guest register `g`.
    fn put_sext32(&mut self, g: u8) {
        match self.pinned.get(g) {
            Some(p) => self.asm.movsxd(p, RAX),
            None => {
                self.asm.movsxd(RAX, RAX);
                self.put(g, RAX);
            }
        }
    }

    // ---- exits ----

    fn stub(&mut self, kind: Option<(ExitKind, u32)>, record: u32, resume: u32, charge: bool) -> Label {
        let label = self.asm.label();
        self.stubs.push(Stub { label, kind, record, resume, charge, refund: 0 });
        label
    }

    fn exit_now(&mut self, kind: ExitKind, arg: u32, record: u32, resume: u32, charge: bool) {
        let l = self.stub(Some((kind, arg)), record, resume, charge);
        self.asm.jmp(l);
    }

    /// Jump to record `t`'s charge label, or panic at `i` if `t` is not a block start.
    fn jump_to(&mut self, i: u32, t: u32) {
        if t == NO_INDEX {
            self.exit_now(ExitKind::Panic, 0, i, i, false);
        } else {
            self.asm.jmp(self.charge_labels[t as usize]);
        }
    }

    fn branch_to(&mut self, cc: Cc, i: u32, t: u32) {
        let l = if t == NO_INDEX { self.stub(Some((ExitKind::Panic, 0)), i, i, false) } else { self.charge_labels[t as usize] };
        self.asm.jcc(cc, l);
    }

    // ---- memory ----

    /// Leaves the guest address (32 bits) in `eax`: register `base` (if any) plus `offset`.
    fn address(&mut self, base: Option<u8>, offset: u64) {
        match base.map(|g| (g, self.pinned.get(g))) {
            // A 32-bit `lea` wraps modulo 2^32 and zero-extends, as the guest address does.
            Some((_, Some(p))) => self.asm.lea32(RAX, at(p, offset as u32 as i32)),
            Some((g, None)) => {
                self.get(RAX, g);
                if offset as u32 != 0 {
                    self.asm.alu_imm(W::D32, Alu::Add, RAX, offset as u32 as i32);
                } else {
                    // The address is the register's low 32 bits.
                    self.asm.mov(W::D32, RAX, RAX);
                }
            }
            None => self.asm.mov_imm(RAX, offset as u32 as u64),
        }
    }

    /// Loads `size` bytes at the address in `eax` into guest register `dst`.
    fn load(&mut self, i: u32, size: u8, signed: bool, dst: u8) {
        let slow = self.asm.label();
        let back = self.asm.label();
        #[allow(unused_mut)]
        let mut inline_signed = signed;
        #[cfg(feature = "planted-bugs")]
        if size == 4 && crate::planted::active(crate::planted::Bug::CompiledLoadSign) {
            inline_signed = false;
        }
        match self.shape {
            Shape::PageTable => {
                self.page_entry_and_offset(size, slow);
                self.asm.test(W::Q64, RDX, RDX);
                self.asm.jcc(Cc::E, slow);
                self.asm.alu_imm(W::Q64, Alu::And, RDX, -4096);
                self.asm.load_sized(RAX, indexed(RDX, RCX, 1, 0), size, inline_signed);
            }
            Shape::Linear => {
                self.linear_check(size, slow);
                self.asm.load_sized(RAX, indexed(R14, RCX, 1, 0), size, signed);
            }
            Shape::Reserved => {
                // Straight into the guest register when it is pinned: a faulting load writes
                // nothing, and the slow path writes it instead.
                let target = self.pinned.get(dst).unwrap_or(RAX);
                self.sites.push((self.asm.offset(), slow));
                self.asm.load_sized(target, indexed(R15, RAX, 1, 0), size, inline_signed);
                if target != RAX {
                    self.asm.bind(back);
                    self.slow.push(SlowAccess { label: slow, back, record: i, size, signed, value: None, dst, rotation: None });
                    return;
                }
            }
        }
        self.put(dst, RAX);
        self.asm.bind(back);
        self.slow.push(SlowAccess { label: slow, back, record: i, size, signed, value: None, dst, rotation: None });
    }

    /// Stores `size` bytes of `value` at the address in `eax`.
    fn store(&mut self, i: u32, size: u8, value: Value) {
        let slow = self.asm.label();
        let back = self.asm.label();
        match self.shape {
            Shape::PageTable => {
                self.page_entry_and_offset(size, slow);
                // Writable and not the shared zero frame: flags 0b01 exactly.
                self.asm.test_low_byte(RDX, 2);
                self.asm.jcc(Cc::Ne, slow);
                self.asm.test_low_byte(RDX, 1);
                self.asm.jcc(Cc::E, slow);
                self.asm.alu_imm(W::Q64, Alu::And, RDX, -4096);
                self.asm.alu(W::Q64, Alu::Add, RDX, RCX);
                self.value_into(RCX, value);
                self.asm.store_sized(at(RDX, 0), RCX, size);
            }
            Shape::Linear => {
                self.linear_check(size, slow);
                self.asm.lea(RDX, indexed(R14, RCX, 1, 0));
                self.value_into(RCX, value);
                self.asm.store_sized(at(RDX, 0), RCX, size);
            }
            Shape::Reserved => {
                // Straight from the guest register when it is pinned.
                let src = match value {
                    Value::Reg(g) => self.pinned.get(g),
                    Value::Imm(_) => None,
                };
                let src = src.unwrap_or_else(|| {
                    self.value_into(RCX, value);
                    RCX
                });
                self.sites.push((self.asm.offset(), slow));
                self.asm.store_sized(indexed(R15, RAX, 1, 0), src, size);
            }
        }
        self.asm.bind(back);
        self.slow.push(SlowAccess { label: slow, back, record: i, size, signed: false, value: Some(value), dst: 0, rotation: None });
    }

    fn value_into(&mut self, r: R, value: Value) {
        match value {
            Value::Reg(g) => self.get(r, g),
            Value::Imm(v) => self.asm.mov_imm(r, v),
        }
    }

    /// Page table: `rdx` = the entry of the page of `eax`, `ecx` = the offset in the page;
    /// jumps to `slow` if the access crosses the page end.
    fn page_entry_and_offset(&mut self, size: u8, slow: Label) {
        self.asm.mov(W::D32, RCX, RAX);
        self.asm.alu_imm(W::D32, Alu::And, RCX, 0xFFF);
        if size > 1 {
            self.asm.alu_imm(W::D32, Alu::Cmp, RCX, 4096 - size as i32);
            self.asm.jcc(Cc::A, slow);
        }
        self.asm.mov(W::D32, RDX, RAX);
        self.asm.shift_imm(W::D32, Shift::Shr, RDX, 12);
        self.asm.load(W::Q64, RDX, indexed(R14, RDX, 8, 0));
    }

    /// Linear: `rcx` = the address; jumps to `slow` unless `[addr, addr + size)` is inside.
    fn linear_check(&mut self, size: u8, slow: Label) {
        self.asm.mov(W::D32, RCX, RAX);
        self.asm.lea(RDX, at(RCX, size as i32));
        self.asm.cmp_reg_mem(RDX, self.c(ctx::FAST1));
        self.asm.jcc(Cc::A, slow);
    }

    /// Saves the pinned registers a host call may clobber into their context slots.
    fn save_caller_saved(&mut self) {
        for k in 0..self.caller_saved.len() {
            let (g, r) = self.caller_saved[k];
            self.asm.store(W::Q64, self.mem_of(g), r);
        }
    }

    fn restore_caller_saved(&mut self) {
        for k in 0..self.caller_saved.len() {
            let (g, r) = self.caller_saved[k];
            self.asm.load(W::Q64, r, self.mem_of(g));
        }
    }

    // ---- records ----

    /// Emits record `i`: its charge, then its instruction.
    pub fn record(&mut self, i: u32) {
        if self.fused_away[i as usize] {
            return;
        }
        let op = self.ops[i as usize];
        if self.loop_heads.get(i as usize).copied().unwrap_or(false) {
            // Loop heads start on a 64-byte boundary (the op cache's line), so that a short
            // loop's code is fetched in as few lines as possible whatever precedes it. With 32,
            // memcpy's copy loop crossed a line or not depending on the trampoline's length
            // before it, and ran at 0.067 or 0.045 ms.
            self.asm.align(64);
        }
        self.asm.bind(self.charge_labels[i as usize]);
        if op.charge != 0 {
            let oog = self.stub(Some((ExitKind::OutOfGas, 0)), i, i, true);
            // gas < charge: out of gas, nothing deducted; else gas -= charge.
            match i32::try_from(op.charge) {
                // Deduct, and give it back on the way out if the result went below zero (`sub`
                // sets the flags `cmp` would).
                Ok(charge) => {
                    self.gas_imm(Alu::Sub, charge);
                    self.asm.jcc(Cc::L, oog);
                    if let Some(stub) = self.stubs.last_mut() {
                        stub.refund = charge;
                    }
                }
                Err(_) => {
                    self.asm.mov_imm(RAX, op.charge as u64);
                    self.gas_rax(Alu::Cmp);
                    self.asm.jcc(Cc::L, oog);
                    self.gas_rax(Alu::Sub);
                }
            }
        }
        self.asm.bind(self.body_labels[i as usize]);
        match op.opcode() {
            None => self.exit_now(ExitKind::Panic, 0, i, i, false),
            Some(opcode) => self.instruction(i, &op, opcode),
        }
    }

    fn instruction(&mut self, i: u32, op: &Op, opcode: Opcode) {
        use Opcode::*;
        let (a, b, d) = (op.ra, op.rb, op.rd);
        match opcode {
            Trap => self.exit_now(ExitKind::Trap, 0, i, i, false),
            Fallthrough | Unlikely => {}
            Ecalli => self.exit_now(ExitKind::HostCall, op.imm1 as u32, i, i + 1, true),
            Ecall => self.exit_now(ExitKind::Ecall, 0, i, i + 1, true),
            LoadImm64 | LoadImm => self.put_imm(a, op.imm1),
            StoreImmU8 | StoreImmU16 | StoreImmU32 | StoreImmU64 => {
                self.address(None, op.imm1);
                self.store(i, size_of(opcode), Value::Imm(op.imm2));
            }
            Jump => self.jump_to(i, op.target),
            JumpInd | LoadImmJumpInd => {
                if opcode == JumpInd {
                    self.address(Some(a), op.imm1);
                } else {
                    self.address(Some(b), op.imm2);
                    self.asm.mov(W::Q64, RCX, RAX);
                    self.put_imm(a, op.imm1);
                    self.asm.mov(W::Q64, RAX, RCX);
                }
                self.dynamic_jump(i);
            }
            LoadU8 | LoadI8 | LoadU16 | LoadI16 | LoadU32 | LoadI32 | LoadU64 => {
                self.address(None, op.imm1);
                self.load(i, size_of(opcode), signed_load(opcode), a);
            }
            StoreU8 | StoreU16 | StoreU32 | StoreU64 => {
                self.address(None, op.imm1);
                self.store(i, size_of(opcode), Value::Reg(a));
            }
            StoreImmIndU8 | StoreImmIndU16 | StoreImmIndU32 | StoreImmIndU64 => {
                self.address(Some(a), op.imm1);
                self.store(i, size_of(opcode), Value::Imm(op.imm2));
            }
            LoadImmJump => {
                self.put_imm(a, op.imm1);
                self.jump_to(i, op.target);
            }
            BranchEqImm | BranchNeImm | BranchLtUImm | BranchLeUImm | BranchGeUImm | BranchGtUImm | BranchLtSImm | BranchLeSImm | BranchGeSImm | BranchGtSImm => {
                let ra = self.source(a, RAX);
                self.alu_imm64(Alu::Cmp, ra, op.imm1);
                let cc = match opcode {
                    BranchEqImm => Cc::E,
                    BranchNeImm => Cc::Ne,
                    BranchLtUImm => Cc::B,
                    BranchLeUImm => Cc::Be,
                    BranchGeUImm => Cc::Ae,
                    BranchGtUImm => Cc::A,
                    BranchLtSImm => Cc::L,
                    BranchLeSImm => Cc::Le,
                    BranchGeSImm => Cc::Ge,
                    _ => Cc::G,
                };
                self.branch_to(cc, i, op.target);
            }
            BranchEq | BranchNe | BranchLtU | BranchLtS | BranchGeU | BranchGeS => {
                let ra = self.source(a, RAX);
                let rb = self.source(b, RCX);
                self.asm.alu(W::Q64, Alu::Cmp, ra, rb);
                let cc = match opcode {
                    BranchEq => Cc::E,
                    BranchNe => Cc::Ne,
                    BranchLtU => Cc::B,
                    BranchLtS => Cc::L,
                    BranchGeU => Cc::Ae,
                    _ => Cc::Ge,
                };
                self.branch_to(cc, i, op.target);
            }
            MoveReg => match self.pinned.get(d) {
                Some(rd) => self.get(rd, a),
                None => {
                    self.get(RAX, a);
                    self.put(d, RAX);
                }
            },
            Sbrk => {
                self.get(RAX, a);
                self.save_caller_saved();
                self.asm.mov(W::Q64, RSI, RAX);
                self.context_into(RDI);
                self.asm.call_mem(self.c(ctx::SBRK_FN));
                self.restore_caller_saved();
                // A reservation never moves; a page table neither, but a linear region may.
                if self.shape != Shape::Reserved {
                    self.asm.load(W::Q64, R14, self.c(ctx::FAST0));
                }
                let fail = self.stub(Some((ExitKind::Panic, 0)), i, i, false);
                self.asm.test(W::D32, RAX, RAX);
                self.asm.jcc(Cc::Ne, fail);
                self.asm.load(W::Q64, RAX, self.c(ctx::SCRATCH));
                self.put(d, RAX);
            }
            CountSetBits64 | CountSetBits32 | LeadingZeroBits64 | LeadingZeroBits32 | TrailingZeroBits64 | TrailingZeroBits32 => {
                self.get(RCX, a);
                let w = if matches!(opcode, CountSetBits32 | LeadingZeroBits32 | TrailingZeroBits32) { W::D32 } else { W::Q64 };
                let which = match opcode {
                    CountSetBits64 | CountSetBits32 => 0xB8,
                    LeadingZeroBits64 | LeadingZeroBits32 => 0xBD,
                    _ => 0xBC,
                };
                self.asm.bit_count(w, which, RAX, RCX);
                self.put(d, RAX);
            }
            SignExtend8 | SignExtend16 | ZeroExtend16 => {
                self.get(RCX, a);
                match opcode {
                    SignExtend8 => self.asm.extend(RAX, RCX, 1, true),
                    SignExtend16 => self.asm.extend(RAX, RCX, 2, true),
                    _ => self.asm.extend(RAX, RCX, 2, false),
                }
                self.put(d, RAX);
            }
            ReverseBytes => {
                self.get(RAX, a);
                self.asm.bswap(RAX);
                self.put(d, RAX);
            }
            StoreIndU8 | StoreIndU16 | StoreIndU32 | StoreIndU64 => {
                self.address(Some(b), op.imm1);
                self.store(i, size_of(opcode), Value::Reg(a));
            }
            LoadIndU8 | LoadIndI8 | LoadIndU16 | LoadIndI16 | LoadIndU32 | LoadIndI32 | LoadIndU64 => {
                self.address(Some(b), op.imm1);
                self.load(i, size_of(opcode), signed_load(opcode), a);
            }
            // ra = f(rb, imm)
            AddImm32 => {
                self.get(RAX, b);
                self.asm.alu_imm(W::D32, Alu::Add, RAX, op.imm1 as u32 as i32);
                self.put_sext32(a);
            }
            // `not` into a register and `and` of it into the same register: one `andn`.
            XorImm if idioms::and_not_at(self.ops, i).is_some() => {
                if let Some((d, inverted, other)) = idioms::and_not_at(self.ops, i) {
                    self.and_not(d, inverted, other);
                    self.fused_away[i as usize + 1] = true;
                }
            }
            AndImm | XorImm | OrImm | AddImm64 => {
                let alu = match opcode {
                    AndImm => Alu::And,
                    XorImm => Alu::Xor,
                    OrImm => Alu::Or,
                    _ => Alu::Add,
                };
                self.binop64_imm(alu, a, b, op.imm1);
            }
            MulImm32 | MulImm64 => {
                self.get(RAX, b);
                self.asm.mov_imm(RCX, op.imm1);
                if opcode == MulImm32 {
                    self.asm.imul(W::D32, RAX, RCX);
                    self.put_sext32(a);
                } else {
                    self.asm.imul(W::Q64, RAX, RCX);
                    self.put(a, RAX);
                }
            }
            SetLtUImm | SetLtSImm | SetGtUImm | SetGtSImm => {
                let rb = self.source(b, RAX);
                self.alu_imm64(Alu::Cmp, rb, op.imm1);
                let cc = match opcode {
                    SetLtUImm => Cc::B,
                    SetLtSImm => Cc::L,
                    SetGtUImm => Cc::A,
                    _ => Cc::G,
                };
                self.set_reg(cc, a);
            }
            ShloLImm32 | ShloRImm32 | SharRImm32 | RotR32Imm => {
                self.get(RAX, b);
                self.asm.shift_imm(W::D32, shift_of(opcode), RAX, (op.imm1 & 31) as u8);
                self.put_sext32(a);
            }
            // A rotate written as two shifts and an `or` is one rotate (`rorx`) and the one shift
            // whose result stays visible. Of the two, whichever would overwrite `x` goes second.
            ShloRImm64 | ShloLImm64 if idioms::rotation_at(self.ops, &self.pinned, i).is_some() => {
                if let Some(rot) = idioms::rotation_at(self.ops, &self.pinned, i) {
                    let end = self.asm.label();
                    if let Some(gap) = rot.gap {
                        let load = self.ops[gap as usize];
                        let first_slow = self.slow.len();
                        self.instruction(gap, &load, load.opcode().unwrap_or(opcode));
                        for s in &mut self.slow[first_slow..] {
                            s.rotation = Some(i);
                            s.back = end;
                        }
                        self.fused_away[gap as usize + 1] = true;
                    }
                    let other = self.ops[rot.other as usize];
                    let shift = other.opcode().map_or(Shift::Shl, shift_of);
                    if other.ra == rot.x {
                        self.rotate_right(rot.d, rot.x, rot.right);
                        self.shift_imm64(shift, other.ra, other.rb, other.imm1);
                    } else {
                        self.shift_imm64(shift, other.ra, other.rb, other.imm1);
                        self.rotate_right(rot.d, rot.x, rot.right);
                    }
                    self.fused_away[i as usize + 1] = true;
                    self.fused_away[i as usize + 2] = true;
                    self.asm.bind(end);
                }
            }
            ShloLImm64 | ShloRImm64 | SharRImm64 | RotR64Imm => self.shift_imm64(shift_of(opcode), a, b, op.imm1),
            NegAddImm32 | NegAddImm64 => {
                self.get(RCX, b);
                self.asm.mov_imm(RAX, op.imm1);
                self.asm.alu(W::Q64, Alu::Sub, RAX, RCX);
                if opcode == NegAddImm32 {
                    self.put_sext32(a);
                } else {
                    self.put(a, RAX);
                }
            }
            ShloLImmAlt32 | ShloRImmAlt32 | SharRImmAlt32 | RotR32ImmAlt => {
                self.get(RCX, b);
                self.asm.mov_imm(RAX, op.imm1 as u32 as u64);
                self.asm.shift_cl(W::D32, shift_of(opcode), RAX);
                self.put_sext32(a);
            }
            ShloLImmAlt64 | ShloRImmAlt64 | SharRImmAlt64 | RotR64ImmAlt => {
                self.get(RCX, b);
                self.asm.mov_imm(RAX, op.imm1);
                self.asm.shift_cl(W::Q64, shift_of(opcode), RAX);
                self.put(a, RAX);
            }
            CmovIzImm | CmovNzImm => {
                self.get(RAX, a);
                let rb = self.source(b, RCX);
                self.asm.test(W::Q64, rb, rb);
                // `mov` leaves the flags alone.
                self.asm.mov_imm(RCX, op.imm1);
                self.asm.cmov(if opcode == CmovIzImm { Cc::E } else { Cc::Ne }, RAX, RCX);
                self.put(a, RAX);
            }
            // rd = f(ra, rb)
            Add32 | Sub32 | Mul32 => {
                self.get(RAX, a);
                let rb = self.source(b, RCX);
                match opcode {
                    Add32 => self.asm.alu(W::D32, Alu::Add, RAX, rb),
                    Sub32 => self.asm.alu(W::D32, Alu::Sub, RAX, rb),
                    _ => self.asm.imul(W::D32, RAX, rb),
                }
                self.put_sext32(d);
            }
            ShloL32 | ShloR32 | SharR32 if self.bmi2 => {
                let ra = self.source(a, RAX);
                let rb = self.source(b, RCX);
                self.asm.shift_x(W::D32, shift_of(opcode), RAX, ra, rb);
                self.put_sext32(d);
            }
            ShloL32 | ShloR32 | SharR32 | RotL32 | RotR32 => {
                self.get(RAX, a);
                self.get(RCX, b);
                self.asm.shift_cl(W::D32, shift_of(opcode), RAX);
                self.put_sext32(d);
            }
            // An add and its carry (`set_lt_u c, d, a` after `add d, a, b`): the carry flag of one
            // `add` is the comparison, so the pair is one `add` and one `setb`, or one `add` and
            // one `adc` when the carry only goes into the next add.
            Add64 if idioms::carry_of(self.ops, i).is_some() => {
                let c = idioms::carry_of(self.ops, i).unwrap_or(0);
                self.add64_with_carry_flag(d, a, b);
                self.fused_away[i as usize + 1] = true;
                // Carry propagation (`add f, x, c` next, `c` dead after it) is an `adc`.
                match idioms::carry_sink(self.ops, i, c) {
                    Some((f, x)) => {
                        self.add_carry_flag(f, x);
                        self.fused_away[i as usize + 2] = true;
                    }
                    None => self.set_reg(Cc::B, c),
                }
            }
            Add64 | Sub64 | And | Xor | Or | Mul64 => {
                let alu = match opcode {
                    Add64 => Some(Alu::Add),
                    Sub64 => Some(Alu::Sub),
                    And => Some(Alu::And),
                    Xor => Some(Alu::Xor),
                    Or => Some(Alu::Or),
                    _ => None,
                };
                self.binop64(alu, d, a, b);
            }
            ShloL64 | ShloR64 | SharR64 if self.bmi2 => {
                let ra = self.source(a, RAX);
                let rb = self.source(b, RCX);
                let target = self.pinned.get(d).unwrap_or(RAX);
                self.asm.shift_x(W::Q64, shift_of(opcode), target, ra, rb);
                if target == RAX {
                    self.put(d, RAX);
                }
            }
            ShloL64 | ShloR64 | SharR64 | RotL64 | RotR64 => {
                self.get(RAX, a);
                self.get(RCX, b);
                self.asm.shift_cl(W::Q64, shift_of(opcode), RAX);
                self.put(d, RAX);
            }
            // a & !b
            AndInv => self.and_not(d, b, a),
            OrInv | Xnor => {
                self.get(RAX, a);
                self.get(RCX, b);
                match opcode {
                    OrInv => {
                        self.asm.not(W::Q64, RCX);
                        self.asm.alu(W::Q64, Alu::Or, RAX, RCX);
                    }
                    _ => {
                        self.asm.alu(W::Q64, Alu::Xor, RAX, RCX);
                        self.asm.not(W::Q64, RAX);
                    }
                }
                self.put(d, RAX);
            }
            DivU32 | DivS32 | RemU32 | RemS32 | DivU64 | DivS64 | RemU64 | RemS64 => self.division(opcode, a, b, d),
            MulUpperSS | MulUpperUU | MulUpperSU => {
                // rdx is overwritten anyway when it is the destination's.
                let save_rdx = self.rdx_pinned() && self.pinned.get(d) != Some(RDX);
                if save_rdx {
                    self.asm.push(RDX);
                }
                self.get(RAX, a);
                self.get(RCX, b);
                match opcode {
                    MulUpperSS => self.asm.imul_wide(RCX),
                    MulUpperUU => self.asm.mul_wide(RCX),
                    _ => {
                        // signed × unsigned = unsigned product − (x < 0 ? y << 64 : 0).
                        self.asm.store(W::Q64, self.c(ctx::SCRATCH), RAX);
                        self.asm.mul_wide(RCX);
                        self.asm.load(W::Q64, RAX, self.c(ctx::SCRATCH));
                        self.asm.shift_imm(W::Q64, Shift::Sar, RAX, 63);
                        self.asm.alu(W::Q64, Alu::And, RAX, RCX);
                        self.asm.alu(W::Q64, Alu::Sub, RDX, RAX);
                    }
                }
                if self.pinned.get(d) != Some(RDX) {
                    self.asm.mov(W::Q64, RAX, RDX);
                    if save_rdx {
                        self.asm.pop(RDX);
                    }
                    self.put(d, RAX);
                }
            }
            SetLtU | SetLtS => {
                let ra = self.source(a, RCX);
                let rb = self.source(b, RAX);
                self.asm.alu(W::Q64, Alu::Cmp, ra, rb);
                self.set_reg(if opcode == SetLtU { Cc::B } else { Cc::L }, d);
            }
            CmovIz | CmovNz => {
                self.get(RAX, d);
                let rb = self.source(b, RCX);
                self.asm.test(W::Q64, rb, rb);
                // Loading `a` (a `mov`) leaves the flags alone.
                let ra = self.source(a, RCX);
                self.asm.cmov(if opcode == CmovIz { Cc::E } else { Cc::Ne }, RAX, ra);
                self.put(d, RAX);
            }
            Max | MaxU | Min | MinU => {
                self.get(RAX, a);
                self.get(RCX, b);
                self.asm.alu(W::Q64, Alu::Cmp, RAX, RCX);
                // Replace x by y when y wins.
                let cc = match opcode {
                    Max => Cc::L,
                    MaxU => Cc::B,
                    Min => Cc::G,
                    _ => Cc::A,
                };
                self.asm.cmov(cc, RAX, RCX);
                self.put(d, RAX);
            }
        }
    }

    /// The division family, with the spec's results for a zero divisor and for MIN / −1 (which
    /// the hardware would fault on).
    fn division(&mut self, opcode: Opcode, a: u8, b: u8, d: u8) {
        use Opcode::*;
        let w = if matches!(opcode, DivU32 | DivS32 | RemU32 | RemS32) { W::D32 } else { W::Q64 };
        let signed = matches!(opcode, DivS32 | RemS32 | DivS64 | RemS64);
        let rem = matches!(opcode, RemU32 | RemS32 | RemU64 | RemS64);
        // The hardware divides rdx:rax; a guest register pinned in rdx is kept on the stack
        // (unless it is the destination).
        let save_rdx = self.rdx_pinned() && self.pinned.get(d) != Some(RDX);
        if save_rdx {
            self.asm.push(RDX);
        }
        self.get(RAX, a);
        self.get(RCX, b);
        let by_zero = self.asm.label();
        let by_minus_one = self.asm.label();
        let done = self.asm.label();
        self.asm.test(w, RCX, RCX);
        self.asm.jcc(Cc::E, by_zero);
        if signed {
            self.asm.alu_imm(w, Alu::Cmp, RCX, -1);
            self.asm.jcc(Cc::E, by_minus_one);
            self.asm.sign_extend_into_rdx(w);
            self.asm.idiv(w, RCX);
        } else {
            self.asm.alu(W::D32, Alu::Xor, RDX, RDX);
            self.asm.div(w, RCX);
        }
        if rem {
            self.asm.mov(W::Q64, RAX, RDX);
        }
        self.asm.jmp(done);
        // x / 0 = all ones; x % 0 = x. x / −1 = −x (wrapping); x % −1 = 0.
        self.asm.bind(by_zero);
        if !rem {
            self.asm.mov_imm(RAX, u64::MAX);
        }
        self.asm.jmp(done);
        self.asm.bind(by_minus_one);
        if rem {
            self.asm.alu(W::D32, Alu::Xor, RAX, RAX);
        } else {
            self.asm.alu(w, Alu::Xor, RCX, RCX);
            self.asm.alu(w, Alu::Sub, RCX, RAX);
            self.asm.mov(W::Q64, RAX, RCX);
        }
        // Every path ends here with the result in rax (the 32-bit forms sign-extend it).
        self.asm.bind(done);
        if w == W::D32 {
            self.asm.movsxd(RAX, RAX);
        }
        if save_rdx {
            self.asm.pop(RDX);
        }
        self.put(d, RAX);
    }

    /// The dynamic jump of `jump_ind`: the target address is in `eax`.
    fn dynamic_jump(&mut self, i: u32) {
        let halt = self.stub(Some((ExitKind::Halt, 0)), i, i, false);
        let panic = self.stub(Some((ExitKind::Panic, 0)), i, i, false);
        self.asm.alu_mem(Alu::Cmp, self.c(ctx::HALT_ADDRESS), RAX);
        self.asm.jcc(Cc::E, halt);
        self.asm.test(W::D32, RAX, RAX);
        self.asm.jcc(Cc::E, panic);
        self.asm.test_low_byte(RAX, 1);
        self.asm.jcc(Cc::Ne, panic);
        self.asm.shift_imm(W::D32, Shift::Shr, RAX, 1);
        self.asm.cmp_reg_mem(RAX, self.c(ctx::JUMP_LEN));
        self.asm.jcc(Cc::A, panic);
        self.asm.load(W::Q64, RCX, self.c(ctx::JUMP_NATIVES));
        self.asm.load(W::Q64, RCX, indexed(RCX, RAX, 8, -8));
        self.asm.test(W::Q64, RCX, RCX);
        self.asm.jcc(Cc::E, panic);
        self.asm.jmp_reg(RCX);
    }

    /// Emits the out-of-line code: slow memory paths, exit stubs and the common exit.
    pub fn cold_code(&mut self) {
        // Records fused into the one before them, for a host that enters at one directly: the
        // instruction on its own, then on to the next record.
        for i in 0..self.ops.len() {
            if self.fused_away[i] {
                let op = self.ops[i];
                self.asm.bind(self.charge_labels[i]);
                self.asm.bind(self.body_labels[i]);
                if let Some(opcode) = op.opcode() {
                    self.instruction(i as u32, &op, opcode);
                }
                self.asm.jmp(self.charge_labels[i + 1]);
            }
        }
        // One shared routine per kind of access calls the memory; each site only passes the
        // value, calls it, and branches on the answer (this keeps cold code a fifth the size).
        let mut routines: [Option<Label>; 64] = [None; 64];
        for s in std::mem::take(&mut self.slow) {
            self.asm.bind(s.label);
            // The address is still in eax: the inline checks (or the fault handler) come here
            // before anything changes it. (A rotate's shifts touch only host registers.)
            #[allow(unused_mut)]
            let mut replay = s.rotation;
            #[cfg(feature = "planted-bugs")]
            if crate::planted::active(crate::planted::Bug::CompiledRotateFaultState) {
                replay = None;
            }
            if let Some(first) = replay {
                for k in [first, first + 1] {
                    let shift = self.ops[k as usize];
                    self.shift_imm64(shift.opcode().map_or(Shift::Shl, shift_of), shift.ra, shift.rb, shift.imm1);
                }
            }
            if let Some(v) = s.value {
                self.value_into(RCX, v);
                self.asm.store(W::Q64, self.c(ctx::SCRATCH), RCX);
            }
            let code = s.size as usize | if s.signed { 0x10 } else { 0 } | if s.value.is_some() { 0x20 } else { 0 };
            let routine = *routines[code].get_or_insert_with(|| self.asm.label());
            self.asm.call(routine);
            let fault = self.stub(None, s.record, s.record, false);
            self.asm.test(W::D32, RAX, RAX);
            self.asm.jcc(Cc::Ne, fault);
            if s.value.is_none() {
                self.asm.load(W::Q64, RAX, self.c(ctx::SCRATCH));
                self.put(s.dst, RAX);
            }
            if let Some(first) = s.rotation {
                let or = self.ops[first as usize + 3];
                self.instruction(first + 3, &or, Opcode::Or);
            }
            self.asm.jmp(s.back);
        }
        for (code, routine) in routines.iter().enumerate() {
            if let Some(l) = *routine {
                self.slow_access_routine(l, code as u64);
            }
        }
        // Exit stubs: rax = pc | resume << 32, rcx = kind | arg << 32 (unless a slow path
        // wrote them), and the gas the resume record costs (`Cursor::pay`), so that the host
        // looks nothing up to continue; then one of two shared tails writes them and leaves.
        let tails: Vec<Label> = (0..2).map(|_| self.asm.label()).collect();
        for s in std::mem::take(&mut self.stubs) {
            self.asm.bind(s.label);
            if s.refund != 0 {
                self.gas_imm(Alu::Add, s.refund);
            }
            // The exit's pc, not its record: the host reads it without a lookup.
            let pc = self.ops.get(s.record as usize).map_or(0, |o| o.pc);
            self.asm.mov_imm(RAX, u64::from(pc) | u64::from(s.resume) << 32);
            if let Some((kind, arg)) = s.kind {
                self.asm.mov_imm(RCX, kind as u64 | u64::from(arg) << 32);
            }
            // One 8-byte store: the trampoline copies it out with an 8-byte load, which a
            // narrower store could not forward to (a stall of some twenty cycles per exit).
            let pay = match self.ops.get(s.resume as usize) {
                Some(op) if s.charge => i64::from(op.charge),
                _ => FREE,
            };
            match i32::try_from(pay) {
                Ok(imm) => self.asm.store_imm32(W::Q64, self.c(ctx::PAY), imm),
                // A charge past 2^31 (no real cost model comes near): two halves, slower.
                Err(_) => {
                    self.asm.store_imm32(W::D32, self.c(ctx::PAY), pay as u32 as i32);
                    self.asm.store_imm32(W::D32, self.c(ctx::PAY + 4), (pay >> 32) as i32);
                }
            }
            self.asm.jmp(tails[usize::from(s.kind.is_some())]);
        }
        for (k, &tail) in tails.iter().enumerate() {
            self.asm.bind(tail);
            if k != 0 {
                // exit_kind and exit_arg are adjacent u32s.
                self.asm.store(W::Q64, self.c(ctx::EXIT_KIND), RCX);
            }
            // exit_pc and resume_record likewise.
            self.asm.store(W::Q64, self.c(ctx::EXIT_PC), RAX);
            self.asm.jmp(self.exit);
        }
    }

    /// The shared part of a slow access of kind `code` (see `slow_access`): called with the
    /// address in eax and a store's value in the context's scratch; returns eax = 0, or 1 after
    /// the memory wrote the exit. Saves what the call may clobber of the guest's registers.
    fn slow_access_routine(&mut self, label: Label, code: u64) {
        self.asm.bind(label);
        // The call pushed 8 bytes onto a 16-aligned stack; calls need it aligned again.
        self.asm.alu_imm(W::Q64, Alu::Sub, RSP, 8);
        self.save_caller_saved();
        self.asm.mov(W::D32, RSI, RAX);
        self.context_into(RDI);
        self.asm.mov_imm(RDX, code);
        self.asm.call_mem(self.c(ctx::SLOW_ACCESS_FN));
        self.restore_caller_saved();
        self.asm.alu_imm(W::Q64, Alu::Add, RSP, 8);
        self.asm.ret();
    }
}

fn size_of(op: Opcode) -> u8 {
    use Opcode::*;
    match op {
        StoreImmU8 | LoadU8 | LoadI8 | StoreU8 | StoreImmIndU8 | StoreIndU8 | LoadIndU8 | LoadIndI8 => 1,
        StoreImmU16 | LoadU16 | LoadI16 | StoreU16 | StoreImmIndU16 | StoreIndU16 | LoadIndU16 | LoadIndI16 => 2,
        StoreImmU32 | LoadU32 | LoadI32 | StoreU32 | StoreImmIndU32 | StoreIndU32 | LoadIndU32 | LoadIndI32 => 4,
        _ => 8,
    }
}

fn signed_load(op: Opcode) -> bool {
    use Opcode::*;
    matches!(op, LoadI8 | LoadI16 | LoadI32 | LoadIndI8 | LoadIndI16 | LoadIndI32)
}

fn shift_of(op: Opcode) -> Shift {
    use Opcode::*;
    match op {
        ShloLImm32 | ShloLImm64 | ShloLImmAlt32 | ShloLImmAlt64 | ShloL32 | ShloL64 => Shift::Shl,
        ShloRImm32 | ShloRImm64 | ShloRImmAlt32 | ShloRImmAlt64 | ShloR32 | ShloR64 => Shift::Shr,
        SharRImm32 | SharRImm64 | SharRImmAlt32 | SharRImmAlt64 | SharR32 | SharR64 => Shift::Sar,
        RotL32 | RotL64 => Shift::Rol,
        _ => Shift::Ror,
    }
}
