//! The JAVM instruction set, as the Lean spec defines it (`spec/Jar/JAVM/Isa.lean`).
//!
//! `Opcode` and `OperandClass` are generated from the spec: every backend matches on them, so an
//! instruction added to the spec stops the build until each backend handles it. This module adds
//! what the runtime needs on top: byte → instruction tables per numbering, and cached
//! per-instruction facts (the generated functions are `match`es; the tables make them free).
//!
//! Two numberings exist in the wild:
//! - [`Numbering::Gp`]: the Gray Paper numbering used by GP 0.5.4 – 0.7.2 and upstream JAR
//!   (`sbrk` = 101, the bit-count group at 102–111), plus JAR's `unlikely` (2) and `ecall` (3).
//! - [`Numbering::PolkaVm`]: PolkaVM's JamV1 numbering, used by the polkavm-spectool vectors and
//!   by polkavm-linker output: `sbrk` is gone and the bit-count group moved down to 101–110.

pub use jarkit_spec::jar::{Opcode, OperandClass};

use jarkit_spec::jar::{opcode_gp_byte, opcode_is_terminator, opcode_jam_v1_byte, opcode_name, opcode_operands};

/// Which opcode byte means which instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Numbering {
    /// Gray Paper 0.7.2 numbering (with `sbrk`), plus `unlikely` and `ecall`.
    Gp,
    /// PolkaVM JamV1 numbering (no `sbrk`).
    PolkaVm,
}

/// Facts about an instruction, read from the spec's definitions.
pub trait OpcodeInfo: Copy {
    /// The assembler name (Gray Paper spelling).
    fn name(self) -> String;
    /// The operand class that decides how its bytes are read.
    fn class(self) -> OperandClass;
    /// Whether the instruction ends a basic block.
    fn is_terminator(self) -> bool;
    /// The opcode byte in `numbering`, or `None` if that numbering lacks it.
    fn byte(self, numbering: Numbering) -> Option<u8>;
}

impl OpcodeInfo for Opcode {
    fn name(self) -> String {
        opcode_name(self)
    }
    fn class(self) -> OperandClass {
        opcode_operands(self)
    }
    fn is_terminator(self) -> bool {
        opcode_is_terminator(self)
    }
    fn byte(self, numbering: Numbering) -> Option<u8> {
        let b = match numbering {
            Numbering::Gp => Some(opcode_gp_byte(self)),
            Numbering::PolkaVm => opcode_jam_v1_byte(self),
        };
        b.and_then(|n| u8::try_from(n.0).ok())
    }
}

impl Numbering {
    /// The byte → instruction table for this numbering (`None` = invalid opcode, which panics).
    pub fn decode_table(self) -> [Option<Opcode>; 256] {
        let mut table = [None; 256];
        for op in Opcode::ALL {
            if let Some(b) = op.byte(self) {
                table[b as usize] = Some(op);
            }
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numberings_are_injective() {
        for n in [Numbering::Gp, Numbering::PolkaVm] {
            let mut seen = [false; 256];
            for op in Opcode::ALL {
                if let Some(b) = op.byte(n) {
                    assert!(!seen[b as usize], "{n:?}: byte {b} used twice");
                    seen[b as usize] = true;
                }
            }
        }
        assert_eq!(Opcode::ALL.iter().filter(|o| o.byte(Numbering::Gp).is_some()).count(), 141);
        assert_eq!(Opcode::ALL.iter().filter(|o| o.byte(Numbering::PolkaVm).is_some()).count(), 139);
    }

    #[test]
    fn discriminants_are_table_indices() {
        for (i, op) in Opcode::ALL.iter().enumerate() {
            assert_eq!(*op as u8 as usize, i);
        }
    }
}
