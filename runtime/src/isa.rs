//! The JAVM instruction set, defined once.
//!
//! Every instruction is one row of [`instructions!`]: its name, operand class, whether it ends a
//! basic block, and its opcode byte in each numbering. Decoding, disassembly, the interpreter and
//! the gas models all read this table, so a new instruction is one new row (and then a compile
//! error in every backend's `match` until it is handled).
//!
//! Two numberings exist in the wild:
//! - [`Numbering::Gp`]: the Gray Paper numbering used by GP 0.5.4 – 0.7.2 and upstream JAR
//!   (`sbrk` = 101, the bit-count group at 102–111), plus JAR's `unlikely` (2) and `ecall` (3).
//! - [`Numbering::PolkaVm`]: PolkaVM's current JamV1 numbering, used by the polkavm-spectool
//!   vectors: `sbrk` is gone and the bit-count group moved down to 101–110.

/// How the bytes after the opcode are interpreted (Gray Paper A.5.1 – A.5.13).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OperandClass {
    NoArgs,
    OneImm,
    OneRegExtImm,
    TwoImm,
    OneOffset,
    OneRegOneImm,
    OneRegTwoImm,
    OneRegImmOffset,
    TwoReg,
    TwoRegOneImm,
    TwoRegOneOffset,
    TwoRegTwoImm,
    ThreeReg,
}

/// Which opcode byte means which instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Numbering {
    /// Gray Paper 0.7.2 numbering (with `sbrk`), plus `unlikely` and `ecall`.
    Gp,
    /// PolkaVM JamV1 numbering as in the polkavm-spectool vectors (no `sbrk`).
    PolkaVm,
}

macro_rules! instructions {
    ($( $variant:ident = $name:literal, $class:ident, $term:literal, gp $gp:literal, pvm $pvm:literal; )*) => {
        /// One JAVM instruction kind (independent of its opcode byte).
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Opcode { $( $variant, )* }

        impl Opcode {
            /// Every instruction, in table order.
            pub const ALL: &'static [Opcode] = &[ $( Opcode::$variant, )* ];

            /// The assembler name (Gray Paper spelling).
            pub const fn name(self) -> &'static str {
                match self { $( Opcode::$variant => $name, )* }
            }

            /// The operand class that decides how its bytes are read.
            pub const fn class(self) -> OperandClass {
                match self { $( Opcode::$variant => OperandClass::$class, )* }
            }

            /// Whether the instruction ends a basic block (the set T of the Gray Paper,
            /// plus `unlikely`).
            pub const fn is_terminator(self) -> bool {
                match self { $( Opcode::$variant => $term, )* }
            }

            /// The opcode byte in `numbering`, or `None` if that numbering lacks it.
            pub const fn byte(self, numbering: Numbering) -> Option<u8> {
                let b: i16 = match numbering {
                    Numbering::Gp => match self { $( Opcode::$variant => $gp, )* },
                    Numbering::PolkaVm => match self { $( Opcode::$variant => $pvm, )* },
                };
                if b < 0 { None } else { Some(b as u8) }
            }
        }
    };
}

instructions! {
    Trap = "trap", NoArgs, true, gp 0, pvm 0;
    Fallthrough = "fallthrough", NoArgs, true, gp 1, pvm 1;
    Unlikely = "unlikely", NoArgs, true, gp 2, pvm 2;
    Ecall = "ecall", NoArgs, false, gp 3, pvm -1;
    Ecalli = "ecalli", OneImm, false, gp 10, pvm 10;
    LoadImm64 = "load_imm_64", OneRegExtImm, false, gp 20, pvm 20;
    StoreImmU8 = "store_imm_u8", TwoImm, false, gp 30, pvm 30;
    StoreImmU16 = "store_imm_u16", TwoImm, false, gp 31, pvm 31;
    StoreImmU32 = "store_imm_u32", TwoImm, false, gp 32, pvm 32;
    StoreImmU64 = "store_imm_u64", TwoImm, false, gp 33, pvm 33;
    Jump = "jump", OneOffset, true, gp 40, pvm 40;
    JumpInd = "jump_ind", OneRegOneImm, true, gp 50, pvm 50;
    LoadImm = "load_imm", OneRegOneImm, false, gp 51, pvm 51;
    LoadU8 = "load_u8", OneRegOneImm, false, gp 52, pvm 52;
    LoadI8 = "load_i8", OneRegOneImm, false, gp 53, pvm 53;
    LoadU16 = "load_u16", OneRegOneImm, false, gp 54, pvm 54;
    LoadI16 = "load_i16", OneRegOneImm, false, gp 55, pvm 55;
    LoadU32 = "load_u32", OneRegOneImm, false, gp 56, pvm 56;
    LoadI32 = "load_i32", OneRegOneImm, false, gp 57, pvm 57;
    LoadU64 = "load_u64", OneRegOneImm, false, gp 58, pvm 58;
    StoreU8 = "store_u8", OneRegOneImm, false, gp 59, pvm 59;
    StoreU16 = "store_u16", OneRegOneImm, false, gp 60, pvm 60;
    StoreU32 = "store_u32", OneRegOneImm, false, gp 61, pvm 61;
    StoreU64 = "store_u64", OneRegOneImm, false, gp 62, pvm 62;
    StoreImmIndU8 = "store_imm_ind_u8", OneRegTwoImm, false, gp 70, pvm 70;
    StoreImmIndU16 = "store_imm_ind_u16", OneRegTwoImm, false, gp 71, pvm 71;
    StoreImmIndU32 = "store_imm_ind_u32", OneRegTwoImm, false, gp 72, pvm 72;
    StoreImmIndU64 = "store_imm_ind_u64", OneRegTwoImm, false, gp 73, pvm 73;
    LoadImmJump = "load_imm_jump", OneRegImmOffset, true, gp 80, pvm 80;
    BranchEqImm = "branch_eq_imm", OneRegImmOffset, true, gp 81, pvm 81;
    BranchNeImm = "branch_ne_imm", OneRegImmOffset, true, gp 82, pvm 82;
    BranchLtUImm = "branch_lt_u_imm", OneRegImmOffset, true, gp 83, pvm 83;
    BranchLeUImm = "branch_le_u_imm", OneRegImmOffset, true, gp 84, pvm 84;
    BranchGeUImm = "branch_ge_u_imm", OneRegImmOffset, true, gp 85, pvm 85;
    BranchGtUImm = "branch_gt_u_imm", OneRegImmOffset, true, gp 86, pvm 86;
    BranchLtSImm = "branch_lt_s_imm", OneRegImmOffset, true, gp 87, pvm 87;
    BranchLeSImm = "branch_le_s_imm", OneRegImmOffset, true, gp 88, pvm 88;
    BranchGeSImm = "branch_ge_s_imm", OneRegImmOffset, true, gp 89, pvm 89;
    BranchGtSImm = "branch_gt_s_imm", OneRegImmOffset, true, gp 90, pvm 90;
    MoveReg = "move_reg", TwoReg, false, gp 100, pvm 100;
    Sbrk = "sbrk", TwoReg, false, gp 101, pvm -1;
    CountSetBits64 = "count_set_bits_64", TwoReg, false, gp 102, pvm 101;
    CountSetBits32 = "count_set_bits_32", TwoReg, false, gp 103, pvm 102;
    LeadingZeroBits64 = "leading_zero_bits_64", TwoReg, false, gp 104, pvm 103;
    LeadingZeroBits32 = "leading_zero_bits_32", TwoReg, false, gp 105, pvm 104;
    TrailingZeroBits64 = "trailing_zero_bits_64", TwoReg, false, gp 106, pvm 105;
    TrailingZeroBits32 = "trailing_zero_bits_32", TwoReg, false, gp 107, pvm 106;
    SignExtend8 = "sign_extend_8", TwoReg, false, gp 108, pvm 107;
    SignExtend16 = "sign_extend_16", TwoReg, false, gp 109, pvm 108;
    ZeroExtend16 = "zero_extend_16", TwoReg, false, gp 110, pvm 109;
    ReverseBytes = "reverse_bytes", TwoReg, false, gp 111, pvm 110;
    StoreIndU8 = "store_ind_u8", TwoRegOneImm, false, gp 120, pvm 120;
    StoreIndU16 = "store_ind_u16", TwoRegOneImm, false, gp 121, pvm 121;
    StoreIndU32 = "store_ind_u32", TwoRegOneImm, false, gp 122, pvm 122;
    StoreIndU64 = "store_ind_u64", TwoRegOneImm, false, gp 123, pvm 123;
    LoadIndU8 = "load_ind_u8", TwoRegOneImm, false, gp 124, pvm 124;
    LoadIndI8 = "load_ind_i8", TwoRegOneImm, false, gp 125, pvm 125;
    LoadIndU16 = "load_ind_u16", TwoRegOneImm, false, gp 126, pvm 126;
    LoadIndI16 = "load_ind_i16", TwoRegOneImm, false, gp 127, pvm 127;
    LoadIndU32 = "load_ind_u32", TwoRegOneImm, false, gp 128, pvm 128;
    LoadIndI32 = "load_ind_i32", TwoRegOneImm, false, gp 129, pvm 129;
    LoadIndU64 = "load_ind_u64", TwoRegOneImm, false, gp 130, pvm 130;
    AddImm32 = "add_imm_32", TwoRegOneImm, false, gp 131, pvm 131;
    AndImm = "and_imm", TwoRegOneImm, false, gp 132, pvm 132;
    XorImm = "xor_imm", TwoRegOneImm, false, gp 133, pvm 133;
    OrImm = "or_imm", TwoRegOneImm, false, gp 134, pvm 134;
    MulImm32 = "mul_imm_32", TwoRegOneImm, false, gp 135, pvm 135;
    SetLtUImm = "set_lt_u_imm", TwoRegOneImm, false, gp 136, pvm 136;
    SetLtSImm = "set_lt_s_imm", TwoRegOneImm, false, gp 137, pvm 137;
    ShloLImm32 = "shlo_l_imm_32", TwoRegOneImm, false, gp 138, pvm 138;
    ShloRImm32 = "shlo_r_imm_32", TwoRegOneImm, false, gp 139, pvm 139;
    SharRImm32 = "shar_r_imm_32", TwoRegOneImm, false, gp 140, pvm 140;
    NegAddImm32 = "neg_add_imm_32", TwoRegOneImm, false, gp 141, pvm 141;
    SetGtUImm = "set_gt_u_imm", TwoRegOneImm, false, gp 142, pvm 142;
    SetGtSImm = "set_gt_s_imm", TwoRegOneImm, false, gp 143, pvm 143;
    ShloLImmAlt32 = "shlo_l_imm_alt_32", TwoRegOneImm, false, gp 144, pvm 144;
    ShloRImmAlt32 = "shlo_r_imm_alt_32", TwoRegOneImm, false, gp 145, pvm 145;
    SharRImmAlt32 = "shar_r_imm_alt_32", TwoRegOneImm, false, gp 146, pvm 146;
    CmovIzImm = "cmov_iz_imm", TwoRegOneImm, false, gp 147, pvm 147;
    CmovNzImm = "cmov_nz_imm", TwoRegOneImm, false, gp 148, pvm 148;
    AddImm64 = "add_imm_64", TwoRegOneImm, false, gp 149, pvm 149;
    MulImm64 = "mul_imm_64", TwoRegOneImm, false, gp 150, pvm 150;
    ShloLImm64 = "shlo_l_imm_64", TwoRegOneImm, false, gp 151, pvm 151;
    ShloRImm64 = "shlo_r_imm_64", TwoRegOneImm, false, gp 152, pvm 152;
    SharRImm64 = "shar_r_imm_64", TwoRegOneImm, false, gp 153, pvm 153;
    NegAddImm64 = "neg_add_imm_64", TwoRegOneImm, false, gp 154, pvm 154;
    ShloLImmAlt64 = "shlo_l_imm_alt_64", TwoRegOneImm, false, gp 155, pvm 155;
    ShloRImmAlt64 = "shlo_r_imm_alt_64", TwoRegOneImm, false, gp 156, pvm 156;
    SharRImmAlt64 = "shar_r_imm_alt_64", TwoRegOneImm, false, gp 157, pvm 157;
    RotR64Imm = "rot_r_64_imm", TwoRegOneImm, false, gp 158, pvm 158;
    RotR64ImmAlt = "rot_r_64_imm_alt", TwoRegOneImm, false, gp 159, pvm 159;
    RotR32Imm = "rot_r_32_imm", TwoRegOneImm, false, gp 160, pvm 160;
    RotR32ImmAlt = "rot_r_32_imm_alt", TwoRegOneImm, false, gp 161, pvm 161;
    BranchEq = "branch_eq", TwoRegOneOffset, true, gp 170, pvm 170;
    BranchNe = "branch_ne", TwoRegOneOffset, true, gp 171, pvm 171;
    BranchLtU = "branch_lt_u", TwoRegOneOffset, true, gp 172, pvm 172;
    BranchLtS = "branch_lt_s", TwoRegOneOffset, true, gp 173, pvm 173;
    BranchGeU = "branch_ge_u", TwoRegOneOffset, true, gp 174, pvm 174;
    BranchGeS = "branch_ge_s", TwoRegOneOffset, true, gp 175, pvm 175;
    LoadImmJumpInd = "load_imm_jump_ind", TwoRegTwoImm, true, gp 180, pvm 180;
    Add32 = "add_32", ThreeReg, false, gp 190, pvm 190;
    Sub32 = "sub_32", ThreeReg, false, gp 191, pvm 191;
    Mul32 = "mul_32", ThreeReg, false, gp 192, pvm 192;
    DivU32 = "div_u_32", ThreeReg, false, gp 193, pvm 193;
    DivS32 = "div_s_32", ThreeReg, false, gp 194, pvm 194;
    RemU32 = "rem_u_32", ThreeReg, false, gp 195, pvm 195;
    RemS32 = "rem_s_32", ThreeReg, false, gp 196, pvm 196;
    ShloL32 = "shlo_l_32", ThreeReg, false, gp 197, pvm 197;
    ShloR32 = "shlo_r_32", ThreeReg, false, gp 198, pvm 198;
    SharR32 = "shar_r_32", ThreeReg, false, gp 199, pvm 199;
    Add64 = "add_64", ThreeReg, false, gp 200, pvm 200;
    Sub64 = "sub_64", ThreeReg, false, gp 201, pvm 201;
    Mul64 = "mul_64", ThreeReg, false, gp 202, pvm 202;
    DivU64 = "div_u_64", ThreeReg, false, gp 203, pvm 203;
    DivS64 = "div_s_64", ThreeReg, false, gp 204, pvm 204;
    RemU64 = "rem_u_64", ThreeReg, false, gp 205, pvm 205;
    RemS64 = "rem_s_64", ThreeReg, false, gp 206, pvm 206;
    ShloL64 = "shlo_l_64", ThreeReg, false, gp 207, pvm 207;
    ShloR64 = "shlo_r_64", ThreeReg, false, gp 208, pvm 208;
    SharR64 = "shar_r_64", ThreeReg, false, gp 209, pvm 209;
    And = "and", ThreeReg, false, gp 210, pvm 210;
    Xor = "xor", ThreeReg, false, gp 211, pvm 211;
    Or = "or", ThreeReg, false, gp 212, pvm 212;
    MulUpperSS = "mul_upper_s_s", ThreeReg, false, gp 213, pvm 213;
    MulUpperUU = "mul_upper_u_u", ThreeReg, false, gp 214, pvm 214;
    MulUpperSU = "mul_upper_s_u", ThreeReg, false, gp 215, pvm 215;
    SetLtU = "set_lt_u", ThreeReg, false, gp 216, pvm 216;
    SetLtS = "set_lt_s", ThreeReg, false, gp 217, pvm 217;
    CmovIz = "cmov_iz", ThreeReg, false, gp 218, pvm 218;
    CmovNz = "cmov_nz", ThreeReg, false, gp 219, pvm 219;
    RotL64 = "rot_l_64", ThreeReg, false, gp 220, pvm 220;
    RotL32 = "rot_l_32", ThreeReg, false, gp 221, pvm 221;
    RotR64 = "rot_r_64", ThreeReg, false, gp 222, pvm 222;
    RotR32 = "rot_r_32", ThreeReg, false, gp 223, pvm 223;
    AndInv = "and_inv", ThreeReg, false, gp 224, pvm 224;
    OrInv = "or_inv", ThreeReg, false, gp 225, pvm 225;
    Xnor = "xnor", ThreeReg, false, gp 226, pvm 226;
    Max = "max", ThreeReg, false, gp 227, pvm 227;
    MaxU = "max_u", ThreeReg, false, gp 228, pvm 228;
    Min = "min", ThreeReg, false, gp 229, pvm 229;
    MinU = "min_u", ThreeReg, false, gp 230, pvm 230;
}

impl Numbering {
    /// The byte → instruction table for this numbering (`None` = invalid opcode, which panics).
    pub fn decode_table(self) -> [Option<Opcode>; 256] {
        let mut table = [None; 256];
        for &op in Opcode::ALL {
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
            for &op in Opcode::ALL {
                if let Some(b) = op.byte(n) {
                    assert!(!seen[b as usize], "{n:?}: byte {b} used twice");
                    seen[b as usize] = true;
                }
            }
        }
        assert_eq!(Opcode::ALL.iter().filter(|o| o.byte(Numbering::Gp).is_some()).count(), 141);
    }
}
