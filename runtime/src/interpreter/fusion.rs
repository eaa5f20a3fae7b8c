//! Superinstructions: short runs of instructions that compiled code emits together (a rotate
//! spelled as two shifts and an `or`, an add and its carry, a wide multiply, an index scaled and
//! added, consecutive loads and stores, a counter and its loop branch) executed by one record, so
//! the interpreter dispatches once for the run instead of once per instruction.
//!
//! A fused record executes its instructions one after the other with exactly their own
//! semantics, each reading its own record (operands, pc), so the result is the sequential one
//! by construction; nothing is specialised on registers. Only the last instruction of a run may
//! transfer control, and a run never spans a block boundary, so under block-metered gas the
//! records it skips charge nothing. An instruction that exits part-way (a fault, a host call)
//! exits from its own record, and resuming there continues sequentially.

use crate::isa::{Opcode, OpcodeInfo, OperandClass};

/// Calls `$m!` with every record kind: the instructions (the spec's `Opcode`s, by name; `Kind::of`
/// matches on `Opcode` without a wildcard, so an instruction added to the spec stops the build
/// until it is listed here and the interpreter executes it), then every fused run: its three
/// kinds (see [`Fusion`]) and its instructions in order, each with the operand field naming the
/// register it writes (`none` if it writes none; a test checks these against [`destination`]).
/// Longer runs come first so that predecoding prefers them.
macro_rules! with_kinds {
    ($m:ident) => {
        $m! {
            [
                Trap, Fallthrough, Unlikely, Ecall, Ecalli, LoadImm64, StoreImmU8, StoreImmU16,
                StoreImmU32, StoreImmU64, Jump, JumpInd, LoadImm, LoadU8, LoadI8, LoadU16, LoadI16,
                LoadU32, LoadI32, LoadU64, StoreU8, StoreU16, StoreU32, StoreU64, StoreImmIndU8,
                StoreImmIndU16, StoreImmIndU32, StoreImmIndU64, LoadImmJump, BranchEqImm, BranchNeImm,
                BranchLtUImm, BranchLeUImm, BranchGeUImm, BranchGtUImm, BranchLtSImm, BranchLeSImm,
                BranchGeSImm, BranchGtSImm, MoveReg, Sbrk, CountSetBits64, CountSetBits32,
                LeadingZeroBits64, LeadingZeroBits32, TrailingZeroBits64, TrailingZeroBits32,
                SignExtend8, SignExtend16, ZeroExtend16, ReverseBytes, StoreIndU8, StoreIndU16,
                StoreIndU32, StoreIndU64, LoadIndU8, LoadIndI8, LoadIndU16, LoadIndI16, LoadIndU32,
                LoadIndI32, LoadIndU64, AddImm32, AndImm, XorImm, OrImm, MulImm32, SetLtUImm,
                SetLtSImm, ShloLImm32, ShloRImm32, SharRImm32, NegAddImm32, SetGtUImm, SetGtSImm,
                ShloLImmAlt32, ShloRImmAlt32, SharRImmAlt32, CmovIzImm, CmovNzImm, AddImm64, MulImm64,
                ShloLImm64, ShloRImm64, SharRImm64, NegAddImm64, ShloLImmAlt64, ShloRImmAlt64,
                SharRImmAlt64, RotR64Imm, RotR64ImmAlt, RotR32Imm, RotR32ImmAlt, BranchEq, BranchNe,
                BranchLtU, BranchLtS, BranchGeU, BranchGeS, LoadImmJumpInd, Add32, Sub32, Mul32,
                DivU32, DivS32, RemU32, RemS32, ShloL32, ShloR32, SharR32, Add64, Sub64, Mul64, DivU64,
                DivS64, RemU64, RemS64, ShloL64, ShloR64, SharR64, And, Xor, Or, MulUpperSS,
                MulUpperUU, MulUpperSU, SetLtU, SetLtS, CmovIz, CmovNz, RotL64, RotL32, RotR64, RotR32,
                AndInv, OrInv, Xnor, Max, MaxU, Min, MinU,
            ]
            {
                // `x >> k | x << (64 - k)`: a rotate in RV64 code without the bit-manipulation
                // extension.
                RotateRightImm64 (RotateRightImm64ViaA, RotateRightImm64ViaB): [ShloRImm64 ra, ShloLImm64 ra, Or rd],
                RotateLeftImm64 (RotateLeftImm64ViaA, RotateLeftImm64ViaB): [ShloLImm64 ra, ShloRImm64 ra, Or rd],
                // Multi-precision arithmetic: a sum and its carry, a 64 × 64 → 128 product,
                // accumulation.
                AddCarry64 (AddCarry64ViaA, AddCarry64ViaB): [Add64 rd, SetLtU rd],
                CarryAdd64 (CarryAdd64ViaA, CarryAdd64ViaB): [SetLtU rd, Add64 rd],
                MulWide64 (MulWide64ViaA, MulWide64ViaB): [Mul64 rd, MulUpperUU rd],
                MulAdd64 (MulAdd64ViaA, MulAdd64ViaB): [Mul64 rd, Add64 rd],
                MulUpperAdd64 (MulUpperAdd64ViaA, MulUpperAdd64ViaB): [MulUpperUU rd, Add64 rd],
                AddAdd64 (AddAdd64ViaA, AddAdd64ViaB): [Add64 rd, Add64 rd],
                // Address arithmetic: an index scaled and added to a base, pointer bumps.
                ScaleIndex64 (ScaleIndex64ViaA, ScaleIndex64ViaB): [ShloLImm64 ra, Add64 rd],
                AddImmAddImm64 (AddImmAddImm64ViaA, AddImmAddImm64ViaB): [AddImm64 ra, AddImm64 ra],
                AddLoad64 (AddLoad64ViaA, AddLoad64ViaB): [Add64 rd, LoadIndU64 ra],
                MoveMove (MoveMoveViaA, MoveMoveViaB): [MoveReg rd, MoveReg rd],
                // Loop control: a counter and its branch.
                CountBranchNeImm (CountBranchNeImmViaA, CountBranchNeImmViaB): [AddImm64 ra, BranchNeImm none],
                CountBranchNe (CountBranchNeViaA, CountBranchNeViaB): [AddImm64 ra, BranchNe none],
                AddBranchLtU (AddBranchLtUViaA, AddBranchLtUViaB): [Add64 rd, BranchLtU none],
                // Memory traffic: spills and reloads, copies, streaming through a buffer.
                StoreLoad64 (StoreLoad64ViaA, StoreLoad64ViaB): [StoreIndU64 none, LoadIndU64 ra],
                LoadLoad64 (LoadLoad64ViaA, LoadLoad64ViaB): [LoadIndU64 ra, LoadIndU64 ra],
                StoreStore64 (StoreStore64ViaA, StoreStore64ViaB): [StoreIndU64 none, StoreIndU64 none],
                LoadAdd64 (LoadAdd64ViaA, LoadAdd64ViaB): [LoadIndU64 ra, Add64 rd],
                LoadAddImm64 (LoadAddImm64ViaA, LoadAddImm64ViaB): [LoadIndU64 ra, AddImm64 ra],
                StoreAddImm64 (StoreAddImm64ViaA, StoreAddImm64ViaB): [StoreIndU64 none, AddImm64 ra],
                LoadXor64 (LoadXor64ViaA, LoadXor64ViaB): [LoadIndU64 ra, Xor rd],
                XorStore64 (XorStore64ViaA, XorStore64ViaB): [Xor rd, StoreIndU64 none],
                LoadByteOr (LoadByteOrViaA, LoadByteOrViaB): [LoadIndU8 ra, Or rd],
                // PolkaVM's `unlikely` is a hint inside a block (it ends a block in JAR's
                // numbering, where these never match): it marks the cold side of a branch, which
                // then goes on.
                UnlikelyLoad64 (UnlikelyLoad64ViaA, UnlikelyLoad64ViaB): [Unlikely none, LoadIndU64 ra],
                UnlikelyLoadI32 (UnlikelyLoadI32ViaA, UnlikelyLoadI32ViaB): [Unlikely none, LoadIndI32 ra],
                UnlikelyAddImm64 (UnlikelyAddImm64ViaA, UnlikelyAddImm64ViaB): [Unlikely none, AddImm64 ra],
            }
        }
    };
}
pub(crate) use with_kinds;

/// A fused run and its three kinds. Besides `plain`, `via_a` is used when each instruction of
/// the run after the first names, as its `ra` operand, the register the instruction before it
/// writes ([`destination`]), and `via_b` likewise with `rb`: the interpreter then tells the
/// compiler that the two register numbers are equal, so the value is passed on in a host
/// register instead of being stored and loaded again (a store-to-load round trip on the
/// critical path of every dependent pair).
#[derive(Copy, Clone, Debug)]
pub struct Fusion {
    pub plain: Kind,
    pub via_a: Kind,
    pub via_b: Kind,
    pub run: &'static [Opcode],
    /// The field each instruction of the run writes, as the interpreter reads it: "ra", "rd"
    /// or "none".
    pub writes: &'static [&'static str],
}

/// Which operand of each later instruction of a run names the register written just before it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// No such relation is known.
    Plain,
    Ra,
    Rb,
}

/// Which operand field of a record names the register an instruction writes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Field {
    Ra,
    Rd,
}

/// The field naming the register `op` writes, if it writes exactly one (the interpreter's
/// convention: two- and three-register forms write `rd`, forms with immediates write `ra`).
#[inline(always)]
pub fn destination(op: Opcode) -> Option<Field> {
    use OperandClass::*;
    use Opcode::*;
    if op.is_terminator() {
        // Branches write nothing; `load_imm_jump` and `load_imm_jump_ind` end a run anyway.
        return None;
    }
    if matches!(op, StoreU8 | StoreU16 | StoreU32 | StoreU64 | StoreIndU8 | StoreIndU16 | StoreIndU32 | StoreIndU64) {
        return None;
    }
    match op.class() {
        NoArgs | OneImm | TwoImm | OneOffset | OneRegImmOffset | TwoRegOneOffset => None,
        OneRegExtImm | OneRegOneImm | TwoRegOneImm => Some(Field::Ra),
        TwoReg | ThreeReg => Some(Field::Rd),
        OneRegTwoImm | TwoRegTwoImm => None,
    }
}

/// The longest fused run (the cross-check draws runs of at most this many instructions).
pub const MAX_RUN: usize = 3;

macro_rules! define_kind {
    ([$($one:ident),* $(,)?] {$($name:ident ($via_a:ident, $via_b:ident): [$first:ident $first_writes:ident $(, $op:ident $writes:ident)*]),* $(,)?}) => {
        /// What a record executes: one instruction, an invalid opcode (which panics), or a fused
        /// run, in one of three forms (see [`Fusion`]). A plain one-byte enum, so the interpreter
        /// dispatches with a single jump table.
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Kind {
            $($one,)*
            Invalid,
            $($name, $via_a, $via_b,)*
        }

        impl Kind {
            /// The kind that executes `op` alone.
            pub fn of(op: Opcode) -> Kind {
                match op {
                    $(Opcode::$one => Kind::$one,)*
                }
            }

            /// The instruction a record of this kind holds: its own, or a fused run's first
            /// (`None` for an invalid opcode).
            pub fn opcode(self) -> Option<Opcode> {
                match self {
                    $(Kind::$one => Some(Opcode::$one),)*
                    Kind::Invalid => None,
                    $(Kind::$name | Kind::$via_a | Kind::$via_b => Some(Opcode::$first),)*
                }
            }
        }

        /// Every fused run.
        pub const FUSIONS: &[Fusion] = &[$(Fusion { plain: Kind::$name, via_a: Kind::$via_a, via_b: Kind::$via_b, run: &[Opcode::$first $(, Opcode::$op)*], writes: &[stringify!($first_writes) $(, stringify!($writes))*] }),*];
    };
}
with_kinds!(define_kind);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listed_destinations_are_the_instructions_own() {
        for f in FUSIONS {
            for (op, writes) in f.run.iter().zip(f.writes) {
                let expected = match destination(*op) {
                    Some(Field::Ra) => "ra",
                    Some(Field::Rd) => "rd",
                    None => "none",
                };
                assert_eq!(*writes, expected, "{:?}: {op:?}", f.plain);
            }
        }
    }

    #[test]
    fn a_kind_is_one_byte_and_every_opcode_has_one() {
        assert_eq!(std::mem::size_of::<Kind>(), 1);
        let mut kinds: Vec<Kind> = Opcode::ALL.iter().map(|&op| Kind::of(op)).collect();
        kinds.dedup();
        assert_eq!(kinds.len(), Opcode::ALL.len(), "two opcodes share a kind");
        for op in Opcode::ALL {
            assert_eq!(Kind::of(op).opcode(), Some(op));
        }
        for f in FUSIONS {
            for kind in [f.plain, f.via_a, f.via_b] {
                assert_eq!(kind.opcode(), Some(f.run[0]), "{kind:?}");
            }
        }
        assert_eq!(Kind::Invalid.opcode(), None);
    }

    #[test]
    fn only_the_last_instruction_of_a_run_transfers_control() {
        for Fusion { plain: kind, run: ops, .. } in FUSIONS {
            assert!((2..=MAX_RUN).contains(&ops.len()), "{kind:?} fuses {} instructions", ops.len());
            for op in &ops[..ops.len() - 1] {
                // `unlikely` is a terminator only in JAR's numbering, where a run starting with
                // it can never match (the next instruction starts a block).
                let ok = !op.is_terminator() || *op == Opcode::Unlikely;
                assert!(ok, "{kind:?}: {op:?} transfers control before the end of the run");
                assert!(!matches!(op, Opcode::Trap | Opcode::Ecalli | Opcode::Ecall | Opcode::Sbrk), "{kind:?}: {op:?} exits or remaps memory mid-run");
            }
        }
    }
}
