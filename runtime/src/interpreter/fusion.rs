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

use crate::isa::Opcode;

/// Calls `$m!` with every record kind: the instructions (the spec's `Opcode`s, by name; `Kind::of`
/// matches on `Opcode` without a wildcard, so an instruction added to the spec stops the build
/// until it is listed here and the interpreter executes it), then every fused run, a name and
/// its opcodes in order. Longer runs come first so that predecoding prefers them.
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
                RotateRightImm64: [ShloRImm64, ShloLImm64, Or],
                RotateLeftImm64: [ShloLImm64, ShloRImm64, Or],
                // Multi-precision arithmetic: a sum and its carry, a 64 × 64 → 128 product,
                // accumulation.
                AddCarry64: [Add64, SetLtU],
                CarryAdd64: [SetLtU, Add64],
                MulWide64: [Mul64, MulUpperUU],
                MulAdd64: [Mul64, Add64],
                MulUpperAdd64: [MulUpperUU, Add64],
                AddAdd64: [Add64, Add64],
                // Address arithmetic: an index scaled and added to a base, pointer bumps.
                ScaleIndex64: [ShloLImm64, Add64],
                AddImmAddImm64: [AddImm64, AddImm64],
                AddLoad64: [Add64, LoadIndU64],
                MoveMove: [MoveReg, MoveReg],
                // Loop control: a counter and its branch.
                CountBranchNeImm: [AddImm64, BranchNeImm],
                CountBranchNe: [AddImm64, BranchNe],
                AddBranchLtU: [Add64, BranchLtU],
                // Memory traffic: spills and reloads, copies, streaming through a buffer.
                StoreLoad64: [StoreIndU64, LoadIndU64],
                LoadLoad64: [LoadIndU64, LoadIndU64],
                StoreStore64: [StoreIndU64, StoreIndU64],
                LoadAdd64: [LoadIndU64, Add64],
                LoadAddImm64: [LoadIndU64, AddImm64],
                StoreAddImm64: [StoreIndU64, AddImm64],
                LoadXor64: [LoadIndU64, Xor],
                XorStore64: [Xor, StoreIndU64],
                LoadByteOr: [LoadIndU8, Or],
                // PolkaVM's `unlikely` is a hint inside a block (it ends a block in JAR's
                // numbering, where these never match): it marks the cold side of a branch, which
                // then goes on.
                UnlikelyLoad64: [Unlikely, LoadIndU64],
                UnlikelyLoadI32: [Unlikely, LoadIndI32],
                UnlikelyAddImm64: [Unlikely, AddImm64],
            }
        }
    };
}
pub(crate) use with_kinds;

/// The longest fused run (the cross-check draws runs of at most this many instructions).
pub const MAX_RUN: usize = 3;

macro_rules! define_kind {
    ([$($one:ident),* $(,)?] {$($name:ident: [$($op:ident),*]),* $(,)?}) => {
        /// What a record executes: one instruction, an invalid opcode (which panics), or a fused
        /// run. A plain one-byte enum, so the interpreter dispatches with a single jump table.
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Kind {
            $($one,)*
            Invalid,
            $($name,)*
        }

        impl Kind {
            /// The kind that executes `op` alone.
            pub fn of(op: Opcode) -> Kind {
                match op {
                    $(Opcode::$one => Kind::$one,)*
                }
            }
        }

        /// Every fused kind with the instructions it runs.
        pub const FUSIONS: &[(Kind, &[Opcode])] = &[$((Kind::$name, &[$(Opcode::$op),*])),*];
    };
}
with_kinds!(define_kind);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::OpcodeInfo;

    #[test]
    fn a_kind_is_one_byte_and_every_opcode_has_one() {
        assert_eq!(std::mem::size_of::<Kind>(), 1);
        let mut kinds: Vec<Kind> = Opcode::ALL.iter().map(|&op| Kind::of(op)).collect();
        kinds.dedup();
        assert_eq!(kinds.len(), Opcode::ALL.len(), "two opcodes share a kind");
    }

    #[test]
    fn only_the_last_instruction_of_a_run_transfers_control() {
        for (kind, ops) in FUSIONS {
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
