//! The hand-tuned interpreter: a loop over predecoded records with registers and gas in locals,
//! generic over the memory model so each model gets its own monomorphised loop.

mod cursor;
pub mod fusion;
pub mod predecode;

use std::sync::Arc;

use crate::memory::{MemFault, Memory};
use crate::outcome::Exit;
use fusion::{with_kinds, Kind, Via};
pub(crate) use cursor::{Cursor, FREE};
use predecode::{Predecoded, NO_INDEX};

/// Number of guest registers.
pub const REGISTER_COUNT: usize = 13;
/// The GP halt address: a dynamic jump here halts the machine.
pub const HALT_ADDRESS: u32 = 0xFFFF_0000;

/// A running guest: registers, gas, memory and where to continue.
pub struct Vm<M: Memory> {
    program: Arc<Predecoded>,
    /// Registers φ0..φ12 (padded to 16 so indexing by a nibble needs no bounds check).
    regs: [u64; 16],
    pub gas: i64,
    pub memory: M,
    /// Where to continue, and what entering there costs.
    cursor: Cursor,
    /// Dynamic jumps to this address halt (GP); `None` disables halting by jump (JAR).
    pub halt_address: Option<u32>,
}

impl<M: Memory> Vm<M> {
    pub fn new(program: Arc<Predecoded>, memory: M, gas: i64) -> Self {
        Vm {
            cursor: Cursor::new(&program),
            program,
            regs: [0; 16],
            gas,
            memory,
            halt_address: Some(HALT_ADDRESS),
        }
    }

    pub fn program(&self) -> &Predecoded {
        &self.program
    }

    pub fn reg(&self, i: usize) -> u64 {
        self.regs[i]
    }

    pub fn set_reg(&mut self, i: usize, value: u64) {
        assert!(i < REGISTER_COUNT, "register index {i} out of range");
        self.regs[i] = value;
    }

    pub fn regs(&self) -> [u64; REGISTER_COUNT] {
        let mut out = [0; REGISTER_COUNT];
        out.copy_from_slice(&self.regs[..REGISTER_COUNT]);
        out
    }

    /// Sets where execution starts; the enclosing block's gas is charged on the next `run`.
    /// Returns false (and leaves the VM to panic on `run`) if `pc` is not an instruction start.
    pub fn set_pc(&mut self, pc: u32) -> bool {
        self.cursor.set_pc(&self.program, pc)
    }

    /// The pc of the instruction that caused the last exit (for `ecalli`, the `ecalli` itself).
    pub fn exit_pc(&self) -> u32 {
        self.cursor.exit_pc()
    }

    /// The pc at which `run` would continue.
    pub fn next_pc(&self) -> Option<u32> {
        self.cursor.next_pc(&self.program)
    }

    /// Runs until the guest exits. After a resumable exit, calling `run` again continues exactly
    /// where the spec says: after `ecalli`/`ecall`, or retrying the faulting or unpaid instruction.
    /// After a final exit (halt, trap, panic) it returns that exit again.
    pub fn run(&mut self) -> Exit {
        let exit = match self.cursor.begin(&self.program, &mut self.gas) {
            Err(exit) => exit,
            Ok(idx) => {
                self.cursor.paid();
                if self.program.per_block {
                    self.run_inner::<true>(idx)
                } else {
                    self.run_inner::<false>(idx)
                }
            }
        };
        self.cursor.finish(exit)
    }

    #[inline(never)]
    /// The run loop. With `PER_BLOCK`, only block starts charge gas, and a block start can only be
    /// reached from a terminator (sequential flow after any other instruction stays inside its
    /// block; an instruction that exits is resumed through `Cursor::begin`, which charges), so gas is
    /// checked only in the terminators' arms.
    fn run_inner<const PER_BLOCK: bool>(&mut self, idx: usize) -> Exit {
        // SAFETY: `self.program` keeps the program alive and this function never replaces it,
        // so the reference outlives the loop. (Cloning the `Arc` instead would cost two atomic
        // operations per call, which a guest making many host calls pays each time.)
        let program: &Predecoded = unsafe { &*Arc::as_ptr(&self.program) };
        let ops = &program.ops[..];
        let mut regs = self.regs;
        let mut gas = self.gas;
        // The loop walks records by pointer: `cur` is the record executing, `next` the one after.
        let base = ops.as_ptr();
        // SAFETY: `run`, the only caller, passes the index `Cursor::begin` returned, which it
        // checked is below `ops.len()`.
        let mut cur: *const predecode::Op = unsafe { base.add(idx) };

        // A register as a place (read or assigned).
        macro_rules! r {
            ($i:expr) => {
                // SAFETY: every register field of a record is at most 12 (predecode clamps them),
                // and `regs` has 16 entries.
                *unsafe { regs.get_unchecked_mut($i as usize) }
            };
        }
        // Leaves the loop: save state, `resume` = record to continue at, `charge` = pay on resume.
        macro_rules! exit {
            ($exit:expr, $resume:expr, $charge:expr) => {{
                self.regs = regs;
                self.gas = gas;
                // SAFETY: `cur` and `$resume` point into `ops` (see the loop's SAFETY note).
                self.cursor.exit_pc = unsafe { (*cur).pc };
                self.cursor.next = unsafe { $resume.offset_from(base) } as u32;
                self.cursor.own_charge = $charge;
                return $exit;
            }};
        }
        macro_rules! mem_fault {
            ($f:expr) => {
                match $f {
                    MemFault::Panic => exit!(Exit::Panic, cur, false),
                    MemFault::PageFault(a) => exit!(Exit::PageFault(a), cur, false),
                }
            };
        }
        // The memory's hot-path view, kept in a local (retaken after `sbrk`, the one call in
        // the loop that may change what it covers).
        let mut fast = self.memory.fast();
        macro_rules! load {
            ($n:literal, $addr:expr, $conv:expr) => {{
                let addr = $addr as u32;
                // SAFETY: `fast` was taken from `self.memory` above or after its last `sbrk`, and
                // the loop calls no other `&mut self.memory` method.
                match unsafe { M::load_fast::<$n>(fast, addr) } {
                    Some(b) => $conv(b),
                    None => match slow_load::<M, $n>(&self.memory, addr) {
                        Ok(b) => $conv(b),
                        Err(f) => mem_fault!(f),
                    },
                }
            }};
        }
        macro_rules! store {
            ($n:literal, $addr:expr, $val:expr) => {
                let addr = $addr as u32;
                let bytes = ($val as u64).to_le_bytes();
                let mut v = [0u8; $n];
                v.copy_from_slice(&bytes[..$n]);
                // SAFETY: as for `load!`.
                if !unsafe { M::store_fast::<$n>(fast, addr, v) } {
                    if let Err(f) = slow_store::<M, $n>(&mut self.memory, addr, v) {
                        mem_fault!(f);
                    }
                }
            };
        }

        // Continue at record `t`, or panic if the target is not a basic-block start.
        macro_rules! goto {
            ($next:ident, $t:expr) => {{
                let t = $t;
                if t == NO_INDEX {
                    exit!(Exit::Panic, cur, false);
                }
                // SAFETY: predecode sets every target to a valid record index or NO_INDEX.
                $next = unsafe { base.add(t as usize) };
            }};
        }

        // A dynamic jump to guest address `addr`: halt, panic, or continue at the jump table's
        // block (GP: the table entry `addr / 2 - 1`, for even non-zero `addr`).
        macro_rules! jump_ind {
            ($next:ident, $addr:expr) => {{
                let addr: u32 = $addr;
                if Some(addr) == self.halt_address {
                    exit!(Exit::Halt, cur, false);
                }
                let slot = (addr / 2) as usize;
                if addr == 0 || addr % 2 != 0 || slot > program.jump_targets.len() {
                    exit!(Exit::Panic, cur, false);
                }
                goto!($next, program.jump_targets[slot - 1]);
                enter!($next);
            }};
        }

        // Pay for entering record `n` (per-block mode, after a terminator).
        macro_rules! enter {
            ($n:expr) => {{
                let n = $n;
                if PER_BLOCK {
                    // SAFETY: `n` points into `ops` (see the loop's SAFETY note).
                    let charge = unsafe { (*n).charge };
                    if charge != 0 {
                        if gas < charge as i64 {
                            cur = n;
                            exit!(Exit::OutOfGas, cur, true);
                        }
                        gas -= charge as i64;
                    }
                }
            }};
        }

        loop {
            // SAFETY: `cur` points into `ops`. It does before the loop. Inside, it becomes either
            // `cur + 1`, which is in range because the last record is the implicit trap and every
            // arm that continues sequentially is not that record (a trap exits; a fused run is
            // followed by the record after its last instruction, and never includes the trap),
            // or a branch or jump-table target, which predecode sets to a valid index or
            // NO_INDEX, and `goto!` exits on NO_INDEX. `ops` (held by `program`) outlives the loop.
            let mut op = unsafe { &*cur };
            let mut next = unsafe { cur.add(1) };

            // Executes instruction `$opcode` with the operands of record `op`: one rule per
            // instruction, so the semantics are written once and a fused run reuses them.
            #[rustfmt::skip]
            macro_rules! exec {
                    (Trap) => {{ exit!(Exit::Trap, cur, false) }};
                    (Fallthrough) => {{ enter!(next) }};
                    (Unlikely) => {{ enter!(next) }};
                    (Ecalli) => {{ exit!(Exit::HostCall(op.imm1 as u32), next, true) }};
                    (Ecall) => {{ exit!(Exit::Ecall, next, true) }};
                    (LoadImm64) => {{ r!(op.ra) = op.imm1 }};
                    (LoadImm) => {{ r!(op.ra) = op.imm1 }};
                    (StoreImmU8) => {{ store!(1, op.imm1, op.imm2); }};
                    (StoreImmU16) => {{ store!(2, op.imm1, op.imm2); }};
                    (StoreImmU32) => {{ store!(4, op.imm1, op.imm2); }};
                    (StoreImmU64) => {{ store!(8, op.imm1, op.imm2); }};
                    (Jump) => {{
                        goto!(next, op.target);
                        enter!(next);
                    }};
                    (JumpInd) => {{
                        let addr = r!(op.ra).wrapping_add(op.imm1) as u32;
                        jump_ind!(next, addr);
                    }};
                    (LoadImmJumpInd) => {{
                        // The target is read before `ra` is written (they may be one register).
                        let addr = r!(op.rb).wrapping_add(op.imm2) as u32;
                        r!(op.ra) = op.imm1;
                        jump_ind!(next, addr);
                    }};
                    (LoadU8) => {{ r!(op.ra) = load!(1, op.imm1, |b: [u8; 1]| b[0] as u64) }};
                    (LoadI8) => {{ r!(op.ra) = load!(1, op.imm1, |b: [u8; 1]| sign_extend_byte(b[0])) }};
                    (LoadU16) => {{ r!(op.ra) = load!(2, op.imm1, |b| u16::from_le_bytes(b) as u64) }};
                    (LoadI16) => {{ r!(op.ra) = load!(2, op.imm1, |b| i16::from_le_bytes(b) as i64 as u64) }};
                    (LoadU32) => {{ r!(op.ra) = load!(4, op.imm1, |b| u32::from_le_bytes(b) as u64) }};
                    (LoadI32) => {{ r!(op.ra) = load!(4, op.imm1, |b| i32::from_le_bytes(b) as i64 as u64) }};
                    (LoadU64) => {{ r!(op.ra) = load!(8, op.imm1, u64::from_le_bytes) }};
                    (StoreU8) => {{ store!(1, op.imm1, r!(op.ra)); }};
                    (StoreU16) => {{ store!(2, op.imm1, r!(op.ra)); }};
                    (StoreU32) => {{ store!(4, op.imm1, r!(op.ra)); }};
                    (StoreU64) => {{ store!(8, op.imm1, r!(op.ra)); }};
                    (StoreImmIndU8) => {{ store!(1, r!(op.ra).wrapping_add(op.imm1), op.imm2); }};
                    (StoreImmIndU16) => {{ store!(2, r!(op.ra).wrapping_add(op.imm1), op.imm2); }};
                    (StoreImmIndU32) => {{ store!(4, r!(op.ra).wrapping_add(op.imm1), op.imm2); }};
                    (StoreImmIndU64) => {{ store!(8, r!(op.ra).wrapping_add(op.imm1), op.imm2); }};
                    (LoadImmJump) => {{
                        r!(op.ra) = op.imm1;
                        goto!(next, op.target);
                        enter!(next);
                    }};
                    (BranchEqImm) => {{ if r!(op.ra) == op.imm1 { goto!(next, op.target) } enter!(next); }};
                    (BranchNeImm) => {{ if r!(op.ra) != op.imm1 { goto!(next, op.target) } enter!(next); }};
                    (BranchLtUImm) => {{ if r!(op.ra) < op.imm1 { goto!(next, op.target) } enter!(next); }};
                    (BranchLeUImm) => {{ if r!(op.ra) <= op.imm1 { goto!(next, op.target) } enter!(next); }};
                    (BranchGeUImm) => {{ if r!(op.ra) >= op.imm1 { goto!(next, op.target) } enter!(next); }};
                    (BranchGtUImm) => {{ if r!(op.ra) > op.imm1 { goto!(next, op.target) } enter!(next); }};
                    (BranchLtSImm) => {{ if (r!(op.ra) as i64) < op.imm1 as i64 { goto!(next, op.target) } enter!(next); }};
                    (BranchLeSImm) => {{ if (r!(op.ra) as i64) <= op.imm1 as i64 { goto!(next, op.target) } enter!(next); }};
                    (BranchGeSImm) => {{ if (r!(op.ra) as i64) >= op.imm1 as i64 { goto!(next, op.target) } enter!(next); }};
                    (BranchGtSImm) => {{ if (r!(op.ra) as i64) > op.imm1 as i64 { goto!(next, op.target) } enter!(next); }};
                    (BranchEq) => {{ if r!(op.ra) == r!(op.rb) { goto!(next, op.target) } enter!(next); }};
                    (BranchNe) => {{ if r!(op.ra) != r!(op.rb) { goto!(next, op.target) } enter!(next); }};
                    (BranchLtU) => {{ if r!(op.ra) < r!(op.rb) { goto!(next, op.target) } enter!(next); }};
                    (BranchLtS) => {{ if signed_less(r!(op.ra), r!(op.rb)) { goto!(next, op.target) } enter!(next); }};
                    (BranchGeU) => {{ if r!(op.ra) >= r!(op.rb) { goto!(next, op.target) } enter!(next); }};
                    (BranchGeS) => {{ if (r!(op.ra) as i64) >= r!(op.rb) as i64 { goto!(next, op.target) } enter!(next); }};
                    // Two-register forms: rd = destination (low nibble), ra = source (high nibble).
                    (MoveReg) => {{ r!(op.rd) = r!(op.ra) }};
                    (Sbrk) => {{
                        match self.memory.sbrk(r!(op.ra)) {
                            Some(top) => r!(op.rd) = top as u64,
                            None => exit!(Exit::Panic, cur, false),
                        }
                        fast = self.memory.fast();
                    }};
                    (CountSetBits64) => {{ r!(op.rd) = r!(op.ra).count_ones() as u64 }};
                    (CountSetBits32) => {{ r!(op.rd) = (r!(op.ra) as u32).count_ones() as u64 }};
                    (LeadingZeroBits64) => {{ r!(op.rd) = r!(op.ra).leading_zeros() as u64 }};
                    (LeadingZeroBits32) => {{ r!(op.rd) = (r!(op.ra) as u32).leading_zeros() as u64 }};
                    (TrailingZeroBits64) => {{ r!(op.rd) = r!(op.ra).trailing_zeros() as u64 }};
                    (TrailingZeroBits32) => {{ r!(op.rd) = (r!(op.ra) as u32).trailing_zeros() as u64 }};
                    (SignExtend8) => {{ r!(op.rd) = r!(op.ra) as u8 as i8 as i64 as u64 }};
                    (SignExtend16) => {{ r!(op.rd) = r!(op.ra) as u16 as i16 as i64 as u64 }};
                    (ZeroExtend16) => {{ r!(op.rd) = r!(op.ra) as u16 as u64 }};
                    (ReverseBytes) => {{ r!(op.rd) = r!(op.ra).swap_bytes() }};
                    (StoreIndU8) => {{ store!(1, r!(op.rb).wrapping_add(op.imm1), r!(op.ra)); }};
                    (StoreIndU16) => {{ store!(2, r!(op.rb).wrapping_add(op.imm1), r!(op.ra)); }};
                    (StoreIndU32) => {{ store!(4, r!(op.rb).wrapping_add(op.imm1), r!(op.ra)); }};
                    (StoreIndU64) => {{ store!(8, r!(op.rb).wrapping_add(op.imm1), r!(op.ra)); }};
                    (LoadIndU8) => {{ r!(op.ra) = load!(1, r!(op.rb).wrapping_add(op.imm1), |b: [u8; 1]| b[0] as u64) }};
                    (LoadIndI8) => {{ r!(op.ra) = load!(1, r!(op.rb).wrapping_add(op.imm1), |b: [u8; 1]| sign_extend_byte(b[0])) }};
                    (LoadIndU16) => {{ r!(op.ra) = load!(2, r!(op.rb).wrapping_add(op.imm1), |b| u16::from_le_bytes(b) as u64) }};
                    (LoadIndI16) => {{ r!(op.ra) = load!(2, r!(op.rb).wrapping_add(op.imm1), |b| i16::from_le_bytes(b) as i64 as u64) }};
                    (LoadIndU32) => {{ r!(op.ra) = load!(4, r!(op.rb).wrapping_add(op.imm1), |b| u32::from_le_bytes(b) as u64) }};
                    (LoadIndI32) => {{ r!(op.ra) = load!(4, r!(op.rb).wrapping_add(op.imm1), |b| i32::from_le_bytes(b) as i64 as u64) }};
                    (LoadIndU64) => {{ r!(op.ra) = load!(8, r!(op.rb).wrapping_add(op.imm1), u64::from_le_bytes) }};
                    // Two-register-plus-immediate forms: ra = f(rb, immediate).
                    (AddImm32) => {{ r!(op.ra) = sext32(r!(op.rb).wrapping_add(op.imm1)) }};
                    (AndImm) => {{ r!(op.ra) = r!(op.rb) & op.imm1 }};
                    (XorImm) => {{ r!(op.ra) = r!(op.rb) ^ op.imm1 }};
                    (OrImm) => {{ r!(op.ra) = r!(op.rb) | op.imm1 }};
                    (MulImm32) => {{ r!(op.ra) = sext32(r!(op.rb).wrapping_mul(op.imm1)) }};
                    (SetLtUImm) => {{ r!(op.ra) = (r!(op.rb) < op.imm1) as u64 }};
                    (SetLtSImm) => {{ r!(op.ra) = ((r!(op.rb) as i64) < op.imm1 as i64) as u64 }};
                    (ShloLImm32) => {{ r!(op.ra) = sext32(((r!(op.rb) as u32) << (op.imm1 & 31)) as u64) }};
                    (ShloRImm32) => {{ r!(op.ra) = sext32(((r!(op.rb) as u32) >> (op.imm1 & 31)) as u64) }};
                    (SharRImm32) => {{ r!(op.ra) = ((r!(op.rb) as u32 as i32) >> (op.imm1 & 31)) as i64 as u64 }};
                    (NegAddImm32) => {{ r!(op.ra) = sext32(op.imm1.wrapping_sub(r!(op.rb))) }};
                    (SetGtUImm) => {{ r!(op.ra) = (r!(op.rb) > op.imm1) as u64 }};
                    (SetGtSImm) => {{ r!(op.ra) = ((r!(op.rb) as i64) > op.imm1 as i64) as u64 }};
                    (ShloLImmAlt32) => {{ r!(op.ra) = sext32(((op.imm1 as u32) << (r!(op.rb) & 31)) as u64) }};
                    (ShloRImmAlt32) => {{ r!(op.ra) = sext32(((op.imm1 as u32) >> (r!(op.rb) & 31)) as u64) }};
                    (SharRImmAlt32) => {{ r!(op.ra) = ((op.imm1 as u32 as i32) >> (r!(op.rb) & 31)) as i64 as u64 }};
                    (CmovIzImm) => {{ r!(op.ra) = if r!(op.rb) == 0 { op.imm1 } else { r!(op.ra) } }};
                    (CmovNzImm) => {{ r!(op.ra) = if r!(op.rb) != 0 { op.imm1 } else { r!(op.ra) } }};
                    (AddImm64) => {{ r!(op.ra) = r!(op.rb).wrapping_add(op.imm1) }};
                    (MulImm64) => {{ r!(op.ra) = r!(op.rb).wrapping_mul(op.imm1) }};
                    (ShloLImm64) => {{ r!(op.ra) = r!(op.rb) << (op.imm1 & 63) }};
                    (ShloRImm64) => {{ r!(op.ra) = r!(op.rb) >> (op.imm1 & 63) }};
                    (SharRImm64) => {{ r!(op.ra) = ((r!(op.rb) as i64) >> (op.imm1 & 63)) as u64 }};
                    (NegAddImm64) => {{ r!(op.ra) = op.imm1.wrapping_sub(r!(op.rb)) }};
                    (ShloLImmAlt64) => {{ r!(op.ra) = op.imm1 << (r!(op.rb) & 63) }};
                    (ShloRImmAlt64) => {{ r!(op.ra) = op.imm1 >> (r!(op.rb) & 63) }};
                    (SharRImmAlt64) => {{ r!(op.ra) = ((op.imm1 as i64) >> (r!(op.rb) & 63)) as u64 }};
                    (RotR64Imm) => {{ r!(op.ra) = r!(op.rb).rotate_right((op.imm1 & 63) as u32) }};
                    (RotR64ImmAlt) => {{ r!(op.ra) = op.imm1.rotate_right((r!(op.rb) & 63) as u32) }};
                    (RotR32Imm) => {{ r!(op.ra) = sext32((r!(op.rb) as u32).rotate_right((op.imm1 & 31) as u32) as u64) }};
                    (RotR32ImmAlt) => {{ r!(op.ra) = sext32((op.imm1 as u32).rotate_right((r!(op.rb) & 31) as u32) as u64) }};
                    // Three-register forms: rd = f(ra, rb).
                    (Add32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); sext32(x.wrapping_add(y)) } }};
                    (Sub32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); sext32(x.wrapping_sub(y)) } }};
                    (Mul32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); sext32(x.wrapping_mul(y)) } }};
                    (DivU32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); let (x32, y32) = (x as u32, y as u32); if y32 == 0 { u64::MAX } else { sext32((x32 / y32) as u64) } } }};
                    (DivS32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); let (x32, y32) = (x as u32, y as u32); { let (p, q) = (x32 as i32, y32 as i32); if q == 0 { u64::MAX } else { p.wrapping_div(q) as i64 as u64 } } } }};
                    (RemU32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); let (x32, y32) = (x as u32, y as u32); if y32 == 0 { sext32(x32 as u64) } else { sext32((x32 % y32) as u64) } } }};
                    (RemS32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); let (x32, y32) = (x as u32, y as u32); { let (p, q) = (x32 as i32, y32 as i32); if q == 0 { p as i64 as u64 } else { p.wrapping_rem(q) as i64 as u64 } } } }};
                    (ShloL32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); let x32 = x as u32; sext32((x32 << (y & 31)) as u64) } }};
                    (ShloR32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); let x32 = x as u32; sext32((x32 >> (y & 31)) as u64) } }};
                    (SharR32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); let x32 = x as u32; ((x32 as i32) >> (y & 31)) as i64 as u64 } }};
                    (Add64) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x.wrapping_add(y) } }};
                    (Sub64) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x.wrapping_sub(y) } }};
                    (Mul64) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x.wrapping_mul(y) } }};
                    (DivU64) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); if y == 0 { u64::MAX } else { x / y } } }};
                    (DivS64) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); if y == 0 { u64::MAX } else { (x as i64).wrapping_div(y as i64) as u64 } } }};
                    (RemU64) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); if y == 0 { x } else { x % y } } }};
                    (RemS64) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); if y == 0 { x } else { (x as i64).wrapping_rem(y as i64) as u64 } } }};
                    (ShloL64) => {{ r!(op.rd) = shift_left_64(r!(op.ra), r!(op.rb)) }};
                    (ShloR64) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x >> (y & 63) } }};
                    (SharR64) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); ((x as i64) >> (y & 63)) as u64 } }};
                    (And) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x & y } }};
                    (Xor) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x ^ y } }};
                    (Or) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x | y } }};
                    (MulUpperSS) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); ((x as i64 as i128 * y as i64 as i128) >> 64) as u64 } }};
                    (MulUpperUU) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); ((x as u128 * y as u128) >> 64) as u64 } }};
                    (MulUpperSU) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); ((x as i64 as i128 * y as u128 as i128) >> 64) as u64 } }};
                    (SetLtU) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); (x < y) as u64 } }};
                    (SetLtS) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); ((x as i64) < y as i64) as u64 } }};
                    (CmovIz) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); if y == 0 { x } else { r!(op.rd) } } }};
                    (CmovNz) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); if y != 0 { x } else { r!(op.rd) } } }};
                    (RotL64) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x.rotate_left((y & 63) as u32) } }};
                    (RotL32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); let x32 = x as u32; sext32(x32.rotate_left((y & 31) as u32) as u64) } }};
                    (RotR64) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x.rotate_right((y & 63) as u32) } }};
                    (RotR32) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); let x32 = x as u32; sext32(x32.rotate_right((y & 31) as u32) as u64) } }};
                    (AndInv) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x & !y } }};
                    (OrInv) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x | !y } }};
                    (Xnor) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); !(x ^ y) } }};
                    (Max) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); (x as i64).max(y as i64) as u64 } }};
                    (MaxU) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x.max(y) } }};
                    (Min) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); (x as i64).min(y as i64) as u64 } }};
                    (MinU) => {{ r!(op.rd) = { let (x, y) = (r!(op.ra), r!(op.rb)); x.min(y) } }};
            }
            // The register number record `op` writes, given the field its instruction writes
            // (`none`: it writes no register; no record names register 255).
            macro_rules! written {
                (none) => {
                    u8::MAX
                };
                ($field:ident) => {
                    op.$field
                };
            }
            // A fused run: its instructions in order, stepping `cur` to each one's record so that
            // an exit reports and resumes there. `$via` says which operand of each later
            // instruction names the register the one before it wrote; predecode chose the kind
            // after checking exactly that, so telling the compiler lets it pass the value on in
            // a host register.
            macro_rules! run {
                ($via:expr; $first:ident $first_writes:ident $(, $rest:ident $rest_writes:ident)*) => {{
                    exec!($first);
                    #[allow(unused_variables, unused_assignments)]
                    let mut written = written!($first_writes);
                    $(
                        cur = next;
                        // SAFETY: the run's records all precede the implicit trap (predecode
                        // checks it), so `cur + 1` is in range.
                        next = unsafe { cur.add(1) };
                        op = unsafe { &*cur };
                        match $via {
                            // SAFETY: `fuse` in predecode gives a record a `via_a` (`via_b`) kind
                            // only if this equality holds at every step of its run, and records
                            // are immutable afterwards.
                            Via::Ra => unsafe { std::hint::assert_unchecked(op.ra == written) },
                            Via::Rb => unsafe { std::hint::assert_unchecked(op.rb == written) },
                            Via::Plain => {}
                        }
                        exec!($rest);
                        #[allow(unused_assignments)]
                        {
                            written = written!($rest_writes);
                        }
                    )*
                }};
            }
            // Dispatches on the record's kind, in one flat `match`.
            macro_rules! dispatch {
                ([$($one:ident),* $(,)?] {$($name:ident ($via_a:ident, $via_b:ident): [$($run:ident $writes:ident),*]),* $(,)?}) => {
                    match op.kind {
                        $(Kind::$one => exec!($one),)*
                        Kind::Invalid => exit!(Exit::Panic, cur, false),
                        $(
                            Kind::$name => run!(Via::Plain; $($run $writes),*),
                            Kind::$via_a => run!(Via::Ra; $($run $writes),*),
                            Kind::$via_b => run!(Via::Rb; $($run $writes),*),
                        )*
                    }
                };
            }
            with_kinds!(dispatch);
            cur = next;
            if !PER_BLOCK {
                // SAFETY: `cur` points into `ops`, as argued at the top of the loop.
                let charge = unsafe { (*cur).charge };
                if charge != 0 {
                    if gas < charge as i64 {
                        exit!(Exit::OutOfGas, cur, true);
                    }
                    gas -= charge as i64;
                }
            }
        }
    }
}

/// A load the memory's fast path declined: the memory decides (a fault, or an access that
/// crosses a page). Out of line, so the loop's arms stay small.
#[cold]
#[inline(never)]
fn slow_load<M: Memory, const N: usize>(memory: &M, addr: u32) -> Result<[u8; N], MemFault> {
    memory.load::<N>(addr)
}

/// A store the memory's fast path declined (see [`slow_load`]).
#[cold]
#[inline(never)]
fn slow_store<M: Memory, const N: usize>(memory: &mut M, addr: u32, value: [u8; N]) -> Result<(), MemFault> {
    memory.store::<N>(addr, value)
}

/// `shlo_l_64` (with the planted bug, the count masked to 5 bits).
#[inline(always)]
fn shift_left_64(x: u64, y: u64) -> u64 {
    #[cfg(feature = "planted-bugs")]
    if crate::planted::active(crate::planted::Bug::ShiftMask) {
        return x << (y & 31);
    }
    x << (y & 63)
}

/// `load_i8`'s extension (with the planted bug, a zero extension).
#[inline(always)]
fn sign_extend_byte(b: u8) -> u64 {
    #[cfg(feature = "planted-bugs")]
    if crate::planted::active(crate::planted::Bug::LoadSignExtension) {
        return b as u64;
    }
    b as i8 as i64 as u64
}

/// `branch_lt_s`'s comparison (with the planted bug, unsigned).
#[inline(always)]
fn signed_less(a: u64, b: u64) -> bool {
    #[cfg(feature = "planted-bugs")]
    if crate::planted::active(crate::planted::Bug::SignedBranch) {
        return a < b;
    }
    (a as i64) < b as i64
}

#[inline(always)]
fn sext32(x: u64) -> u64 {
    x as u32 as i32 as i64 as u64
}
