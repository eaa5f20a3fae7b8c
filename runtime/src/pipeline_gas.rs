//! The full pipeline gas model, fast: the machine of `spec/Jar/JAVM/Pipeline.lean` (read its
//! header for the model) simulated in place, with one reorder buffer reused across blocks.
//!
//! The spec's version is generated functional code that copies its machine every cycle; loading
//! ed25519 spent 1.5 ms in it, five times PolkaVM's whole load. This one must give the same cost
//! for every block of every program: `GasCosts::pipeline_spec` runs the spec's, and the tests,
//! the cross-check and the `code` fuzz target compare the two.

use std::collections::HashMap;

use crate::isa::Opcode;
use crate::program::Code;

const DECODE_WIDTH: u32 = 4;
const ROB_SIZE: usize = 32;
const DISPATCH_WIDTH: usize = 5;
const TICK_BOUND: usize = 8192;
const MEM_CYCLES: u32 = 25;

/// Execution units, as counts in the bytes of a word: alu, load, store, mul, div (counts never
/// pass 4, so each byte's top bit is free for the comparison in [`fits`]).
type Units = u64;
const fn units(alu: u64, load: u64, store: u64, mul: u64, div: u64) -> Units {
    alu | load << 8 | store << 16 | mul << 24 | div << 32
}
const NO_UNITS: Units = 0;
const ALU: Units = units(1, 0, 0, 0, 0);
const ALU2: Units = units(2, 0, 0, 0, 0);
const LOAD_UNITS: Units = units(1, 1, 0, 0, 0);
const STORE_UNITS: Units = units(1, 0, 1, 0, 0);
const MUL_UNITS: Units = units(1, 0, 0, 1, 0);
const DIV_UNITS: Units = units(1, 0, 0, 0, 1);
const UNITS_PER_CYCLE: Units = units(4, 4, 4, 1, 1);
const GUARDS: u64 = 0x80_8080_8080;

/// Every count of `need` is at most `free`'s: subtracting from each byte with its top bit set
/// leaves that bit set exactly when the byte did not go below zero.
fn fits(need: Units, free: Units) -> bool {
    ((free | GUARDS) - need) & GUARDS == GUARDS
}

/// How the pipeline sees one instruction (the spec's `PipeOp`).
#[derive(Copy, Clone)]
struct PipeOp {
    latency: u32,
    slots: u32,
    units: Units,
    dst: Option<u8>,
    srcs: [Option<u8>; 3],
    is_move: bool,
    drains: bool,
}

fn op(latency: u32, slots: u32, units: Units, dst: Option<u8>, srcs: [Option<u8>; 2]) -> PipeOp {
    PipeOp { latency, slots, units, dst, srcs: [srcs[0], srcs[1], None], is_move: false, drains: false }
}

/// An opcode byte that is not an instruction ends the block like a `trap`.
const INVALID: PipeOp = PipeOp { latency: 2, slots: 1, units: NO_UNITS, dst: None, srcs: [None, None, None], is_move: false, drains: true };

/// One in-flight instruction's numbers; its phase is a bit in [`Pipe`]'s masks.
#[derive(Copy, Clone, Default)]
struct Entry {
    left: u32,
    units: Units,
    /// The slots of the instructions whose results this one still waits for (a conditional
    /// move also reads its destination); a bit clears when that instruction finishes.
    pending: u32,
    /// The slots of the entries whose `pending` names this one.
    waiters: u32,
}

/// The machine while one block runs through it (the spec's `Pipe`).
///
/// The reorder buffer is a ring: instruction `n` lives in slot `n % ROB_SIZE`. Each phase of
/// the spec's (decoded, waiting, executing, finished, done) is a mask of slots, so a tick
/// visits only the entries that can change (waiting and executing ones) instead of the whole
/// buffer; shifting a mask by the oldest slot gives the spec's oldest-first order. Readiness
/// is kept rather than recomputed: an entry lists its waiters, and `blocked` holds the entries
/// with a result still pending.
struct Pipe {
    cycle: u64,
    slots_left: u32,
    free: Units,
    ring: [Entry; ROB_SIZE],
    /// Instructions retired; the oldest in flight is `retired`, in slot `retired % ROB_SIZE`.
    retired: u32,
    len: usize,
    decoded: u32,
    waiting: u32,
    executing: u32,
    finished: u32,
    done: u32,
    blocked: u32,
    producer: [Option<u32>; 13],
}

const _: () = assert!(ROB_SIZE == 32, "the phase masks are u32");

/// The set bits of `mask`, lowest first.
fn bits(mut mask: u32) -> impl Iterator<Item = u32> {
    std::iter::from_fn(move || {
        let bit = (mask != 0).then(|| mask.trailing_zeros())?;
        mask &= mask - 1;
        Some(bit)
    })
}

impl Pipe {
    fn new() -> Pipe {
        Pipe { cycle: 0, slots_left: 0, free: NO_UNITS, ring: [Entry::default(); ROB_SIZE], retired: 0, len: 0, decoded: 0, waiting: 0, executing: 0, finished: 0, done: 0, blocked: 0, producer: [None; 13] }
    }

    fn reset(&mut self) {
        self.cycle = 0;
        self.slots_left = DECODE_WIDTH;
        self.free = UNITS_PER_CYCLE;
        self.retired = 0;
        self.len = 0;
        (self.decoded, self.waiting, self.executing, self.finished, self.done, self.blocked) = (0, 0, 0, 0, 0, 0);
        self.producer = [None; 13];
    }

    /// The slot of the oldest entry: masks rotated right by it list entries oldest first.
    fn head(&self) -> u32 {
        self.retired % ROB_SIZE as u32
    }

    /// The slot of instruction `dep` if its result is not available yet (it is in flight and
    /// has not finished). Producers are always older than their readers, so a `dep` is never
    /// past the buffer (where the spec would read a default entry, not available).
    fn pending_slot(&self, dep: Option<u32>) -> Option<u32> {
        let n = dep?;
        debug_assert!(n < self.retired + self.len as u32, "a producer is older than its reader");
        let slot = n % ROB_SIZE as u32;
        (n >= self.retired && (self.finished | self.done) & (1 << slot) == 0).then_some(slot)
    }

    fn tick(&mut self, decoded_this_cycle: bool, draining: bool) {
        let head = self.head();
        // Retire the executed prefix: the run of done entries from the oldest.
        let retired_now = self.done.rotate_right(head).trailing_ones().min(self.len as u32);
        if retired_now > 0 {
            let gone = (u32::MAX >> (32 - retired_now)).rotate_left(head);
            self.done &= !gone;
            self.retired += retired_now;
            self.len -= retired_now as usize;
        }
        // Start up to DISPATCH_WIDTH ready entries, oldest first. The spec rescans from the oldest
        // after each start; one forward pass is the same, because starting an entry changes no
        // other entry's readiness (results appear only when latencies pass, below) and free
        // units only shrink, so an entry passed over stays passed over.
        let head = self.head();
        let mut started = 0;
        for age in bits((self.waiting & !self.blocked).rotate_right(head)) {
            if started == DISPATCH_WIDTH {
                break;
            }
            let slot = (age + head) % ROB_SIZE as u32;
            let e = self.ring[slot as usize];
            if fits(e.units, self.free) {
                self.free -= e.units;
                self.waiting &= !(1 << slot);
                self.executing |= 1 << slot;
                started += 1;
            }
        }
        // The clock may jump to the next completion: the least latency left among running
        // entries (a finished one has none left, which keeps the step at one).
        let mut step = 1;
        if !decoded_this_cycle && (draining || retired_now == 0) && self.finished == 0 {
            if let Some(least) = bits(self.executing).map(|slot| self.ring[slot as usize].left).min() {
                step = least;
            }
        }
        // Execute; what was decoded this cycle may start from the next one.
        self.done |= self.finished;
        let mut finished = 0;
        for slot in bits(self.executing) {
            let e = &mut self.ring[slot as usize];
            if e.left <= step {
                self.free += e.units;
                e.left = 0;
                finished |= 1 << slot;
                // Its result is available from the next tick on.
                for w in bits(std::mem::take(&mut e.waiters)) {
                    let waiter = &mut self.ring[w as usize];
                    waiter.pending &= !(1 << slot);
                    if waiter.pending == 0 {
                        self.blocked &= !(1 << w);
                    }
                }
            } else {
                e.left -= step;
            }
        }
        self.executing &= !finished;
        self.finished = finished;
        if decoded_this_cycle {
            self.waiting |= self.decoded;
            self.decoded = 0;
            self.slots_left = DECODE_WIDTH;
        }
        self.cycle += u64::from(step);
    }

    fn make_room(&mut self, slots: u32) {
        if self.slots_left >= slots && self.len < ROB_SIZE {
            return;
        }
        self.tick(true, false);
        for _ in 0..TICK_BOUND {
            if self.len < ROB_SIZE {
                break;
            }
            self.tick(false, false);
        }
    }

    fn drain(&mut self) {
        self.tick(true, true);
        for _ in 0..TICK_BOUND {
            if self.len == 0 {
                break;
            }
            self.tick(false, true);
        }
    }

    fn feed(&mut self, o: &PipeOp) {
        self.make_room(o.slots);
        let producer_of = |p: &Pipe, r: Option<u8>| r.and_then(|r| p.producer[r as usize]);
        if o.is_move {
            let src = producer_of(self, o.srcs[0]);
            self.producer[o.dst.unwrap_or(0) as usize] = src;
            self.slots_left = self.slots_left.saturating_sub(1);
            return;
        }
        let n = self.retired + self.len as u32;
        let slot = n % ROB_SIZE as u32;
        let mut pending = 0;
        for src in o.srcs {
            if let Some(p) = self.pending_slot(producer_of(self, src)) {
                pending |= 1 << p;
                self.ring[p as usize].waiters |= 1 << slot;
            }
        }
        self.ring[slot as usize] = Entry { left: o.latency, units: o.units, pending, waiters: 0 };
        if pending != 0 {
            self.blocked |= 1 << slot;
        }
        self.decoded |= 1 << slot;
        self.len += 1;
        if let Some(d) = o.dst {
            self.producer[d as usize] = Some(n);
        }
        self.slots_left = self.slots_left.saturating_sub(o.slots);
        if o.drains {
            self.drain();
        }
    }
}

/// The code byte at `pos` names `trap` or `unlikely` (the bitmask is not consulted; past the
/// end the byte reads as 0, a `trap`).
fn cold_at(code: &Code, table: &[Option<Opcode>; 256], pos: u64) -> bool {
    let byte = usize::try_from(pos).ok().and_then(|p| code.code.get(p)).copied().unwrap_or(0);
    matches!(table[byte as usize], Some(Opcode::Trap | Opcode::Unlikely))
}

/// The pipeline's view of the instruction `op` at `pc` (the spec's `pipeOpOf`).
fn pipe_op_of(code: &Code, table: &[Option<Opcode>; 256], pc: u32, opcode: Opcode) -> PipeOp {
    use Opcode::*;
    let i = code.decode(pc, opcode);
    let next = u64::from(pc) + 1 + u64::from(code.skip(pc));
    let branch_latency = if cold_at(code, table, next) || cold_at(code, table, u64::from(i.target)) { 1 } else { 20 };
    let (ra, rb, rd) = (Some(i.ra), Some(i.rb), Some(i.rd));
    // Three registers: rd written, ra and rb read; two and an immediate: ra written, rb read;
    // two registers: rd written, ra read.
    let p3 = |latency, slots, units| op(latency, slots, units, rd, [ra, rb]);
    let p2i = |latency, slots, units| op(latency, slots, units, ra, [rb, None]);
    let p2 = |latency, slots, units| op(latency, slots, units, rd, [ra, None]);
    let extra3 = u32::from(i.rd != i.ra && i.rd != i.rb);
    let extra2i = u32::from(i.ra != i.rb);
    let extra2 = u32::from(i.rd != i.ra);
    let base = match opcode {
        Trap | Fallthrough => op(2, 1, NO_UNITS, None, [None, None]),
        Unlikely => op(40, 1, NO_UNITS, None, [None, None]),
        Ecalli | Ecall => op(100, 4, ALU, None, [None, None]),
        Sbrk => p2(100, 4, ALU),
        Jump | LoadImmJump => op(15, 1, NO_UNITS, None, [None, None]),
        JumpInd => op(22, 1, NO_UNITS, None, [ra, None]),
        LoadImmJumpInd => op(22, 1, NO_UNITS, None, [rb, None]),
        LoadImm => op(1, 1, NO_UNITS, ra, [None, None]),
        LoadImm64 => op(1, 2, NO_UNITS, ra, [None, None]),
        MoveReg => PipeOp { latency: 0, slots: 1, units: NO_UNITS, dst: rd, srcs: [ra, None, None], is_move: true, drains: false },
        LoadU8 | LoadI8 | LoadU16 | LoadI16 | LoadU32 | LoadI32 | LoadU64 => op(MEM_CYCLES, 1, LOAD_UNITS, ra, [None, None]),
        LoadIndU8 | LoadIndI8 | LoadIndU16 | LoadIndI16 | LoadIndU32 | LoadIndI32 | LoadIndU64 => p2i(MEM_CYCLES, 1, LOAD_UNITS),
        StoreU8 | StoreU16 | StoreU32 | StoreU64 => op(MEM_CYCLES, 1, STORE_UNITS, None, [ra, None]),
        StoreIndU8 | StoreIndU16 | StoreIndU32 | StoreIndU64 => op(MEM_CYCLES, 1, STORE_UNITS, None, [ra, rb]),
        StoreImmU8 | StoreImmU16 | StoreImmU32 | StoreImmU64 => op(MEM_CYCLES, 1, STORE_UNITS, None, [None, None]),
        StoreImmIndU8 | StoreImmIndU16 | StoreImmIndU32 | StoreImmIndU64 => op(MEM_CYCLES, 1, STORE_UNITS, None, [ra, None]),
        BranchEqImm | BranchNeImm | BranchLtUImm | BranchLeUImm | BranchGeUImm | BranchGtUImm | BranchLtSImm | BranchLeSImm | BranchGeSImm | BranchGtSImm => {
            op(branch_latency, 1, ALU, None, [ra, None])
        }
        BranchEq | BranchNe | BranchLtU | BranchLtS | BranchGeU | BranchGeS => op(branch_latency, 1, ALU, None, [ra, rb]),
        Add64 | Sub64 | And | Xor | Or => p3(1, 1 + extra3, ALU),
        Add32 | Sub32 => p3(2, 2 + extra3, ALU),
        AndImm | XorImm | OrImm | AddImm64 | ShloLImm64 | ShloRImm64 | SharRImm64 | RotR64Imm => p2i(1, 1 + extra2i, ALU),
        ReverseBytes => p2(1, 1 + extra2, ALU),
        AddImm32 | ShloLImm32 | ShloRImm32 | SharRImm32 | RotR32Imm => p2i(2, 2 + extra2i, ALU),
        CountSetBits64 | CountSetBits32 | LeadingZeroBits64 | LeadingZeroBits32 | SignExtend8 | SignExtend16 | ZeroExtend16 => p2(1, 1, ALU),
        TrailingZeroBits64 | TrailingZeroBits32 => p2(2, 1, ALU2),
        ShloL64 | ShloR64 | SharR64 | RotL64 | RotR64 => p3(1, if i.rd != i.ra { 3 } else { 2 }, ALU),
        ShloL32 | ShloR32 | SharR32 | RotL32 | RotR32 => p3(2, if i.rd != i.ra { 4 } else { 3 }, ALU),
        ShloLImmAlt64 | ShloRImmAlt64 | SharRImmAlt64 | RotR64ImmAlt => p2i(1, 3, ALU),
        ShloLImmAlt32 | ShloRImmAlt32 | SharRImmAlt32 | RotR32ImmAlt => p2i(2, 4, ALU),
        SetLtU | SetLtS => p3(3, 3, ALU),
        SetLtUImm | SetLtSImm | SetGtUImm | SetGtSImm => p2i(3, 3, ALU),
        // A conditional move reads the destination it may keep (PolkaVM's simulator too).
        CmovIz | CmovNz => PipeOp { srcs: [rd, ra, rb], ..op(2, 2, ALU, rd, [None, None]) },
        CmovIzImm | CmovNzImm => PipeOp { srcs: [ra, rb, None], ..op(2, 3, ALU, ra, [None, None]) },
        Max | MaxU | Min | MinU => p3(3, 2 + extra3, ALU),
        AndInv | OrInv => p3(2, 3, ALU),
        Xnor => p3(2, 2 + extra3, ALU),
        NegAddImm64 => p2i(2, 3, ALU),
        NegAddImm32 => p2i(3, 4, ALU),
        Mul64 => p3(3, 1 + extra3, MUL_UNITS),
        MulImm64 => p2i(3, 1 + extra2i, MUL_UNITS),
        Mul32 => p3(4, 2 + extra3, MUL_UNITS),
        MulImm32 => p2i(4, 2 + extra2i, MUL_UNITS),
        MulUpperSS | MulUpperUU => p3(4, 4, MUL_UNITS),
        MulUpperSU => p3(6, 4, MUL_UNITS),
        DivU32 | DivS32 | RemU32 | RemS32 | DivU64 | DivS64 | RemU64 | RemS64 => p3(60, 4, DIV_UNITS),
    };
    PipeOp { drains: code.ends_block(opcode), ..base }
}

/// The instruction at `pc` as the spec's `Program.opcodeAt` reads it: past the end of the code
/// the bitmask reads as set and the byte as 0.
fn opcode_at(code: &Code, table: &[Option<Opcode>; 256], pc: u64) -> Option<Opcode> {
    match usize::try_from(pc).ok().filter(|&p| p < code.code.len()) {
        Some(p) => code.opcode_at(p as u32, table),
        None => table[0],
    }
}

/// The cost of every basic block of `code` under the full pipeline model, by start pc.
pub fn block_costs(code: &Code) -> HashMap<u32, u32> {
    let table = code.numbering.decode_table();
    let mut pipe = Pipe::new();
    let mut costs = HashMap::new();
    for (start, _) in code.block_starts().iter().enumerate().take(code.code.len()).filter(|(_, s)| **s) {
        pipe.reset();
        let mut pc = start as u64;
        for _ in 0..=code.code.len() {
            let o = match opcode_at(code, &table, pc) {
                Some(op) => pipe_op_of(code, &table, pc as u32, op),
                None => INVALID,
            };
            pipe.feed(&o);
            if o.drains {
                break;
            }
            pc += 1 + u64::from(code.skip(pc as u32));
        }
        costs.insert(start as u32, pipe.cycle.saturating_sub(3).max(1) as u32);
    }
    costs
}
