/-!
# JAVM instruction set

The one definition of the JAVM's instructions: every instruction kind, its assembler name, its
operand class (how the bytes after the opcode are read, GP A.5.1–A.5.13), whether it ends a basic
block, and its opcode byte in each numbering. Codegen turns this file into the `Opcode` enum that
the runtime's decoder and interpreter match on, so a new constructor here stops the Rust build
until every backend handles it.

Two numberings exist: the Gray Paper's (GP 0.7.2 and upstream JAR: `sbrk` = 101, the bit-count
group at 102–111), and PolkaVM's JamV1 (as in the polkavm-spectool vectors and polkavm-linker
0.37 output: no `sbrk`, the bit-count group at 101–110). `unlikely` (2) and `ecall` (3) are
JAR's additions.
-/
import Jar.Types

namespace Jar.JAVM

/-- How the bytes after an opcode are interpreted. -/
inductive OperandClass where
  | noArgs
  | oneImm
  | oneRegExtImm
  | twoImm
  | oneOffset
  | oneRegOneImm
  | oneRegTwoImm
  | oneRegImmOffset
  | twoReg
  | twoRegOneImm
  | twoRegOneOffset
  | twoRegTwoImm
  | threeReg
  deriving BEq, Repr, Inhabited

/-- One JAVM instruction kind, independent of its opcode byte. -/
inductive Opcode where
  | trap
  | fallthrough
  | unlikely
  | ecall
  | ecalli
  | loadImm64
  | storeImmU8
  | storeImmU16
  | storeImmU32
  | storeImmU64
  | jump
  | jumpInd
  | loadImm
  | loadU8
  | loadI8
  | loadU16
  | loadI16
  | loadU32
  | loadI32
  | loadU64
  | storeU8
  | storeU16
  | storeU32
  | storeU64
  | storeImmIndU8
  | storeImmIndU16
  | storeImmIndU32
  | storeImmIndU64
  | loadImmJump
  | branchEqImm
  | branchNeImm
  | branchLtUImm
  | branchLeUImm
  | branchGeUImm
  | branchGtUImm
  | branchLtSImm
  | branchLeSImm
  | branchGeSImm
  | branchGtSImm
  | moveReg
  | sbrk
  | countSetBits64
  | countSetBits32
  | leadingZeroBits64
  | leadingZeroBits32
  | trailingZeroBits64
  | trailingZeroBits32
  | signExtend8
  | signExtend16
  | zeroExtend16
  | reverseBytes
  | storeIndU8
  | storeIndU16
  | storeIndU32
  | storeIndU64
  | loadIndU8
  | loadIndI8
  | loadIndU16
  | loadIndI16
  | loadIndU32
  | loadIndI32
  | loadIndU64
  | addImm32
  | andImm
  | xorImm
  | orImm
  | mulImm32
  | setLtUImm
  | setLtSImm
  | shloLImm32
  | shloRImm32
  | sharRImm32
  | negAddImm32
  | setGtUImm
  | setGtSImm
  | shloLImmAlt32
  | shloRImmAlt32
  | sharRImmAlt32
  | cmovIzImm
  | cmovNzImm
  | addImm64
  | mulImm64
  | shloLImm64
  | shloRImm64
  | sharRImm64
  | negAddImm64
  | shloLImmAlt64
  | shloRImmAlt64
  | sharRImmAlt64
  | rotR64Imm
  | rotR64ImmAlt
  | rotR32Imm
  | rotR32ImmAlt
  | branchEq
  | branchNe
  | branchLtU
  | branchLtS
  | branchGeU
  | branchGeS
  | loadImmJumpInd
  | add32
  | sub32
  | mul32
  | divU32
  | divS32
  | remU32
  | remS32
  | shloL32
  | shloR32
  | sharR32
  | add64
  | sub64
  | mul64
  | divU64
  | divS64
  | remU64
  | remS64
  | shloL64
  | shloR64
  | sharR64
  | and
  | xor
  | or
  | mulUpperSS
  | mulUpperUU
  | mulUpperSU
  | setLtU
  | setLtS
  | cmovIz
  | cmovNz
  | rotL64
  | rotL32
  | rotR64
  | rotR32
  | andInv
  | orInv
  | xnor
  | max
  | maxU
  | min
  | minU
  deriving BEq, Repr, Inhabited

/-- The assembler name (Gray Paper spelling). -/
def Opcode.name (op : Opcode) : String :=
  match op with
  | .trap => "trap"
  | .fallthrough => "fallthrough"
  | .unlikely => "unlikely"
  | .ecall => "ecall"
  | .ecalli => "ecalli"
  | .loadImm64 => "load_imm_64"
  | .storeImmU8 => "store_imm_u8"
  | .storeImmU16 => "store_imm_u16"
  | .storeImmU32 => "store_imm_u32"
  | .storeImmU64 => "store_imm_u64"
  | .jump => "jump"
  | .jumpInd => "jump_ind"
  | .loadImm => "load_imm"
  | .loadU8 => "load_u8"
  | .loadI8 => "load_i8"
  | .loadU16 => "load_u16"
  | .loadI16 => "load_i16"
  | .loadU32 => "load_u32"
  | .loadI32 => "load_i32"
  | .loadU64 => "load_u64"
  | .storeU8 => "store_u8"
  | .storeU16 => "store_u16"
  | .storeU32 => "store_u32"
  | .storeU64 => "store_u64"
  | .storeImmIndU8 => "store_imm_ind_u8"
  | .storeImmIndU16 => "store_imm_ind_u16"
  | .storeImmIndU32 => "store_imm_ind_u32"
  | .storeImmIndU64 => "store_imm_ind_u64"
  | .loadImmJump => "load_imm_jump"
  | .branchEqImm => "branch_eq_imm"
  | .branchNeImm => "branch_ne_imm"
  | .branchLtUImm => "branch_lt_u_imm"
  | .branchLeUImm => "branch_le_u_imm"
  | .branchGeUImm => "branch_ge_u_imm"
  | .branchGtUImm => "branch_gt_u_imm"
  | .branchLtSImm => "branch_lt_s_imm"
  | .branchLeSImm => "branch_le_s_imm"
  | .branchGeSImm => "branch_ge_s_imm"
  | .branchGtSImm => "branch_gt_s_imm"
  | .moveReg => "move_reg"
  | .sbrk => "sbrk"
  | .countSetBits64 => "count_set_bits_64"
  | .countSetBits32 => "count_set_bits_32"
  | .leadingZeroBits64 => "leading_zero_bits_64"
  | .leadingZeroBits32 => "leading_zero_bits_32"
  | .trailingZeroBits64 => "trailing_zero_bits_64"
  | .trailingZeroBits32 => "trailing_zero_bits_32"
  | .signExtend8 => "sign_extend_8"
  | .signExtend16 => "sign_extend_16"
  | .zeroExtend16 => "zero_extend_16"
  | .reverseBytes => "reverse_bytes"
  | .storeIndU8 => "store_ind_u8"
  | .storeIndU16 => "store_ind_u16"
  | .storeIndU32 => "store_ind_u32"
  | .storeIndU64 => "store_ind_u64"
  | .loadIndU8 => "load_ind_u8"
  | .loadIndI8 => "load_ind_i8"
  | .loadIndU16 => "load_ind_u16"
  | .loadIndI16 => "load_ind_i16"
  | .loadIndU32 => "load_ind_u32"
  | .loadIndI32 => "load_ind_i32"
  | .loadIndU64 => "load_ind_u64"
  | .addImm32 => "add_imm_32"
  | .andImm => "and_imm"
  | .xorImm => "xor_imm"
  | .orImm => "or_imm"
  | .mulImm32 => "mul_imm_32"
  | .setLtUImm => "set_lt_u_imm"
  | .setLtSImm => "set_lt_s_imm"
  | .shloLImm32 => "shlo_l_imm_32"
  | .shloRImm32 => "shlo_r_imm_32"
  | .sharRImm32 => "shar_r_imm_32"
  | .negAddImm32 => "neg_add_imm_32"
  | .setGtUImm => "set_gt_u_imm"
  | .setGtSImm => "set_gt_s_imm"
  | .shloLImmAlt32 => "shlo_l_imm_alt_32"
  | .shloRImmAlt32 => "shlo_r_imm_alt_32"
  | .sharRImmAlt32 => "shar_r_imm_alt_32"
  | .cmovIzImm => "cmov_iz_imm"
  | .cmovNzImm => "cmov_nz_imm"
  | .addImm64 => "add_imm_64"
  | .mulImm64 => "mul_imm_64"
  | .shloLImm64 => "shlo_l_imm_64"
  | .shloRImm64 => "shlo_r_imm_64"
  | .sharRImm64 => "shar_r_imm_64"
  | .negAddImm64 => "neg_add_imm_64"
  | .shloLImmAlt64 => "shlo_l_imm_alt_64"
  | .shloRImmAlt64 => "shlo_r_imm_alt_64"
  | .sharRImmAlt64 => "shar_r_imm_alt_64"
  | .rotR64Imm => "rot_r_64_imm"
  | .rotR64ImmAlt => "rot_r_64_imm_alt"
  | .rotR32Imm => "rot_r_32_imm"
  | .rotR32ImmAlt => "rot_r_32_imm_alt"
  | .branchEq => "branch_eq"
  | .branchNe => "branch_ne"
  | .branchLtU => "branch_lt_u"
  | .branchLtS => "branch_lt_s"
  | .branchGeU => "branch_ge_u"
  | .branchGeS => "branch_ge_s"
  | .loadImmJumpInd => "load_imm_jump_ind"
  | .add32 => "add_32"
  | .sub32 => "sub_32"
  | .mul32 => "mul_32"
  | .divU32 => "div_u_32"
  | .divS32 => "div_s_32"
  | .remU32 => "rem_u_32"
  | .remS32 => "rem_s_32"
  | .shloL32 => "shlo_l_32"
  | .shloR32 => "shlo_r_32"
  | .sharR32 => "shar_r_32"
  | .add64 => "add_64"
  | .sub64 => "sub_64"
  | .mul64 => "mul_64"
  | .divU64 => "div_u_64"
  | .divS64 => "div_s_64"
  | .remU64 => "rem_u_64"
  | .remS64 => "rem_s_64"
  | .shloL64 => "shlo_l_64"
  | .shloR64 => "shlo_r_64"
  | .sharR64 => "shar_r_64"
  | .and => "and"
  | .xor => "xor"
  | .or => "or"
  | .mulUpperSS => "mul_upper_s_s"
  | .mulUpperUU => "mul_upper_u_u"
  | .mulUpperSU => "mul_upper_s_u"
  | .setLtU => "set_lt_u"
  | .setLtS => "set_lt_s"
  | .cmovIz => "cmov_iz"
  | .cmovNz => "cmov_nz"
  | .rotL64 => "rot_l_64"
  | .rotL32 => "rot_l_32"
  | .rotR64 => "rot_r_64"
  | .rotR32 => "rot_r_32"
  | .andInv => "and_inv"
  | .orInv => "or_inv"
  | .xnor => "xnor"
  | .max => "max"
  | .maxU => "max_u"
  | .min => "min"
  | .minU => "min_u"

/-- The operand class that decides how the instruction's bytes are read. -/
def Opcode.operands (op : Opcode) : OperandClass :=
  match op with
  | .trap => .noArgs
  | .fallthrough => .noArgs
  | .unlikely => .noArgs
  | .ecall => .noArgs
  | .ecalli => .oneImm
  | .loadImm64 => .oneRegExtImm
  | .storeImmU8 => .twoImm
  | .storeImmU16 => .twoImm
  | .storeImmU32 => .twoImm
  | .storeImmU64 => .twoImm
  | .jump => .oneOffset
  | .jumpInd => .oneRegOneImm
  | .loadImm => .oneRegOneImm
  | .loadU8 => .oneRegOneImm
  | .loadI8 => .oneRegOneImm
  | .loadU16 => .oneRegOneImm
  | .loadI16 => .oneRegOneImm
  | .loadU32 => .oneRegOneImm
  | .loadI32 => .oneRegOneImm
  | .loadU64 => .oneRegOneImm
  | .storeU8 => .oneRegOneImm
  | .storeU16 => .oneRegOneImm
  | .storeU32 => .oneRegOneImm
  | .storeU64 => .oneRegOneImm
  | .storeImmIndU8 => .oneRegTwoImm
  | .storeImmIndU16 => .oneRegTwoImm
  | .storeImmIndU32 => .oneRegTwoImm
  | .storeImmIndU64 => .oneRegTwoImm
  | .loadImmJump => .oneRegImmOffset
  | .branchEqImm => .oneRegImmOffset
  | .branchNeImm => .oneRegImmOffset
  | .branchLtUImm => .oneRegImmOffset
  | .branchLeUImm => .oneRegImmOffset
  | .branchGeUImm => .oneRegImmOffset
  | .branchGtUImm => .oneRegImmOffset
  | .branchLtSImm => .oneRegImmOffset
  | .branchLeSImm => .oneRegImmOffset
  | .branchGeSImm => .oneRegImmOffset
  | .branchGtSImm => .oneRegImmOffset
  | .moveReg => .twoReg
  | .sbrk => .twoReg
  | .countSetBits64 => .twoReg
  | .countSetBits32 => .twoReg
  | .leadingZeroBits64 => .twoReg
  | .leadingZeroBits32 => .twoReg
  | .trailingZeroBits64 => .twoReg
  | .trailingZeroBits32 => .twoReg
  | .signExtend8 => .twoReg
  | .signExtend16 => .twoReg
  | .zeroExtend16 => .twoReg
  | .reverseBytes => .twoReg
  | .storeIndU8 => .twoRegOneImm
  | .storeIndU16 => .twoRegOneImm
  | .storeIndU32 => .twoRegOneImm
  | .storeIndU64 => .twoRegOneImm
  | .loadIndU8 => .twoRegOneImm
  | .loadIndI8 => .twoRegOneImm
  | .loadIndU16 => .twoRegOneImm
  | .loadIndI16 => .twoRegOneImm
  | .loadIndU32 => .twoRegOneImm
  | .loadIndI32 => .twoRegOneImm
  | .loadIndU64 => .twoRegOneImm
  | .addImm32 => .twoRegOneImm
  | .andImm => .twoRegOneImm
  | .xorImm => .twoRegOneImm
  | .orImm => .twoRegOneImm
  | .mulImm32 => .twoRegOneImm
  | .setLtUImm => .twoRegOneImm
  | .setLtSImm => .twoRegOneImm
  | .shloLImm32 => .twoRegOneImm
  | .shloRImm32 => .twoRegOneImm
  | .sharRImm32 => .twoRegOneImm
  | .negAddImm32 => .twoRegOneImm
  | .setGtUImm => .twoRegOneImm
  | .setGtSImm => .twoRegOneImm
  | .shloLImmAlt32 => .twoRegOneImm
  | .shloRImmAlt32 => .twoRegOneImm
  | .sharRImmAlt32 => .twoRegOneImm
  | .cmovIzImm => .twoRegOneImm
  | .cmovNzImm => .twoRegOneImm
  | .addImm64 => .twoRegOneImm
  | .mulImm64 => .twoRegOneImm
  | .shloLImm64 => .twoRegOneImm
  | .shloRImm64 => .twoRegOneImm
  | .sharRImm64 => .twoRegOneImm
  | .negAddImm64 => .twoRegOneImm
  | .shloLImmAlt64 => .twoRegOneImm
  | .shloRImmAlt64 => .twoRegOneImm
  | .sharRImmAlt64 => .twoRegOneImm
  | .rotR64Imm => .twoRegOneImm
  | .rotR64ImmAlt => .twoRegOneImm
  | .rotR32Imm => .twoRegOneImm
  | .rotR32ImmAlt => .twoRegOneImm
  | .branchEq => .twoRegOneOffset
  | .branchNe => .twoRegOneOffset
  | .branchLtU => .twoRegOneOffset
  | .branchLtS => .twoRegOneOffset
  | .branchGeU => .twoRegOneOffset
  | .branchGeS => .twoRegOneOffset
  | .loadImmJumpInd => .twoRegTwoImm
  | .add32 => .threeReg
  | .sub32 => .threeReg
  | .mul32 => .threeReg
  | .divU32 => .threeReg
  | .divS32 => .threeReg
  | .remU32 => .threeReg
  | .remS32 => .threeReg
  | .shloL32 => .threeReg
  | .shloR32 => .threeReg
  | .sharR32 => .threeReg
  | .add64 => .threeReg
  | .sub64 => .threeReg
  | .mul64 => .threeReg
  | .divU64 => .threeReg
  | .divS64 => .threeReg
  | .remU64 => .threeReg
  | .remS64 => .threeReg
  | .shloL64 => .threeReg
  | .shloR64 => .threeReg
  | .sharR64 => .threeReg
  | .and => .threeReg
  | .xor => .threeReg
  | .or => .threeReg
  | .mulUpperSS => .threeReg
  | .mulUpperUU => .threeReg
  | .mulUpperSU => .threeReg
  | .setLtU => .threeReg
  | .setLtS => .threeReg
  | .cmovIz => .threeReg
  | .cmovNz => .threeReg
  | .rotL64 => .threeReg
  | .rotL32 => .threeReg
  | .rotR64 => .threeReg
  | .rotR32 => .threeReg
  | .andInv => .threeReg
  | .orInv => .threeReg
  | .xnor => .threeReg
  | .max => .threeReg
  | .maxU => .threeReg
  | .min => .threeReg
  | .minU => .threeReg

/-- Whether the instruction ends a basic block: the GP's set T, plus `unlikely`. -/
def Opcode.isTerminator (op : Opcode) : Bool :=
  match op with
  | .trap => true
  | .fallthrough => true
  | .unlikely => true
  | .jump => true
  | .jumpInd => true
  | .loadImmJump => true
  | .branchEqImm => true
  | .branchNeImm => true
  | .branchLtUImm => true
  | .branchLeUImm => true
  | .branchGeUImm => true
  | .branchGtUImm => true
  | .branchLtSImm => true
  | .branchLeSImm => true
  | .branchGeSImm => true
  | .branchGtSImm => true
  | .branchEq => true
  | .branchNe => true
  | .branchLtU => true
  | .branchLtS => true
  | .branchGeU => true
  | .branchGeS => true
  | .loadImmJumpInd => true
  -- Every other instruction, by name (no wildcard): a new instruction must say whether it ends
  -- a block before the spec builds.
  | .ecall | .ecalli | .loadImm64 | .storeImmU8 | .storeImmU16 | .storeImmU32 | .storeImmU64
  | .loadImm | .loadU8 | .loadI8 | .loadU16 | .loadI16 | .loadU32 | .loadI32 | .loadU64
  | .storeU8 | .storeU16 | .storeU32 | .storeU64 | .storeImmIndU8 | .storeImmIndU16
  | .storeImmIndU32 | .storeImmIndU64 | .moveReg | .sbrk | .countSetBits64 | .countSetBits32
  | .leadingZeroBits64 | .leadingZeroBits32 | .trailingZeroBits64 | .trailingZeroBits32
  | .signExtend8 | .signExtend16 | .zeroExtend16 | .reverseBytes | .storeIndU8 | .storeIndU16
  | .storeIndU32 | .storeIndU64 | .loadIndU8 | .loadIndI8 | .loadIndU16 | .loadIndI16
  | .loadIndU32 | .loadIndI32 | .loadIndU64 | .addImm32 | .andImm | .xorImm | .orImm | .mulImm32
  | .setLtUImm | .setLtSImm | .shloLImm32 | .shloRImm32 | .sharRImm32 | .negAddImm32
  | .setGtUImm | .setGtSImm | .shloLImmAlt32 | .shloRImmAlt32 | .sharRImmAlt32 | .cmovIzImm
  | .cmovNzImm | .addImm64 | .mulImm64 | .shloLImm64 | .shloRImm64 | .sharRImm64 | .negAddImm64
  | .shloLImmAlt64 | .shloRImmAlt64 | .sharRImmAlt64 | .rotR64Imm | .rotR64ImmAlt | .rotR32Imm
  | .rotR32ImmAlt | .add32 | .sub32 | .mul32 | .divU32 | .divS32 | .remU32 | .remS32 | .shloL32
  | .shloR32 | .sharR32 | .add64 | .sub64 | .mul64 | .divU64 | .divS64 | .remU64 | .remS64
  | .shloL64 | .shloR64 | .sharR64 | .and | .xor | .or | .mulUpperSS | .mulUpperUU | .mulUpperSU
  | .setLtU | .setLtS | .cmovIz | .cmovNz | .rotL64 | .rotL32 | .rotR64 | .rotR32 | .andInv
  | .orInv | .xnor | .max | .maxU | .min | .minU => false

/-- The opcode byte in the Gray Paper numbering. -/
def Opcode.gpByte (op : Opcode) : Nat :=
  match op with
  | .trap => 0
  | .fallthrough => 1
  | .unlikely => 2
  | .ecall => 3
  | .ecalli => 10
  | .loadImm64 => 20
  | .storeImmU8 => 30
  | .storeImmU16 => 31
  | .storeImmU32 => 32
  | .storeImmU64 => 33
  | .jump => 40
  | .jumpInd => 50
  | .loadImm => 51
  | .loadU8 => 52
  | .loadI8 => 53
  | .loadU16 => 54
  | .loadI16 => 55
  | .loadU32 => 56
  | .loadI32 => 57
  | .loadU64 => 58
  | .storeU8 => 59
  | .storeU16 => 60
  | .storeU32 => 61
  | .storeU64 => 62
  | .storeImmIndU8 => 70
  | .storeImmIndU16 => 71
  | .storeImmIndU32 => 72
  | .storeImmIndU64 => 73
  | .loadImmJump => 80
  | .branchEqImm => 81
  | .branchNeImm => 82
  | .branchLtUImm => 83
  | .branchLeUImm => 84
  | .branchGeUImm => 85
  | .branchGtUImm => 86
  | .branchLtSImm => 87
  | .branchLeSImm => 88
  | .branchGeSImm => 89
  | .branchGtSImm => 90
  | .moveReg => 100
  | .sbrk => 101
  | .countSetBits64 => 102
  | .countSetBits32 => 103
  | .leadingZeroBits64 => 104
  | .leadingZeroBits32 => 105
  | .trailingZeroBits64 => 106
  | .trailingZeroBits32 => 107
  | .signExtend8 => 108
  | .signExtend16 => 109
  | .zeroExtend16 => 110
  | .reverseBytes => 111
  | .storeIndU8 => 120
  | .storeIndU16 => 121
  | .storeIndU32 => 122
  | .storeIndU64 => 123
  | .loadIndU8 => 124
  | .loadIndI8 => 125
  | .loadIndU16 => 126
  | .loadIndI16 => 127
  | .loadIndU32 => 128
  | .loadIndI32 => 129
  | .loadIndU64 => 130
  | .addImm32 => 131
  | .andImm => 132
  | .xorImm => 133
  | .orImm => 134
  | .mulImm32 => 135
  | .setLtUImm => 136
  | .setLtSImm => 137
  | .shloLImm32 => 138
  | .shloRImm32 => 139
  | .sharRImm32 => 140
  | .negAddImm32 => 141
  | .setGtUImm => 142
  | .setGtSImm => 143
  | .shloLImmAlt32 => 144
  | .shloRImmAlt32 => 145
  | .sharRImmAlt32 => 146
  | .cmovIzImm => 147
  | .cmovNzImm => 148
  | .addImm64 => 149
  | .mulImm64 => 150
  | .shloLImm64 => 151
  | .shloRImm64 => 152
  | .sharRImm64 => 153
  | .negAddImm64 => 154
  | .shloLImmAlt64 => 155
  | .shloRImmAlt64 => 156
  | .sharRImmAlt64 => 157
  | .rotR64Imm => 158
  | .rotR64ImmAlt => 159
  | .rotR32Imm => 160
  | .rotR32ImmAlt => 161
  | .branchEq => 170
  | .branchNe => 171
  | .branchLtU => 172
  | .branchLtS => 173
  | .branchGeU => 174
  | .branchGeS => 175
  | .loadImmJumpInd => 180
  | .add32 => 190
  | .sub32 => 191
  | .mul32 => 192
  | .divU32 => 193
  | .divS32 => 194
  | .remU32 => 195
  | .remS32 => 196
  | .shloL32 => 197
  | .shloR32 => 198
  | .sharR32 => 199
  | .add64 => 200
  | .sub64 => 201
  | .mul64 => 202
  | .divU64 => 203
  | .divS64 => 204
  | .remU64 => 205
  | .remS64 => 206
  | .shloL64 => 207
  | .shloR64 => 208
  | .sharR64 => 209
  | .and => 210
  | .xor => 211
  | .or => 212
  | .mulUpperSS => 213
  | .mulUpperUU => 214
  | .mulUpperSU => 215
  | .setLtU => 216
  | .setLtS => 217
  | .cmovIz => 218
  | .cmovNz => 219
  | .rotL64 => 220
  | .rotL32 => 221
  | .rotR64 => 222
  | .rotR32 => 223
  | .andInv => 224
  | .orInv => 225
  | .xnor => 226
  | .max => 227
  | .maxU => 228
  | .min => 229
  | .minU => 230

/-- The opcode byte in PolkaVM's JamV1 numbering (`none`: not in that numbering). -/
def Opcode.jamV1Byte (op : Opcode) : Option Nat :=
  match op with
  | .trap => some 0
  | .fallthrough => some 1
  | .unlikely => some 2
  | .ecall => none
  | .ecalli => some 10
  | .loadImm64 => some 20
  | .storeImmU8 => some 30
  | .storeImmU16 => some 31
  | .storeImmU32 => some 32
  | .storeImmU64 => some 33
  | .jump => some 40
  | .jumpInd => some 50
  | .loadImm => some 51
  | .loadU8 => some 52
  | .loadI8 => some 53
  | .loadU16 => some 54
  | .loadI16 => some 55
  | .loadU32 => some 56
  | .loadI32 => some 57
  | .loadU64 => some 58
  | .storeU8 => some 59
  | .storeU16 => some 60
  | .storeU32 => some 61
  | .storeU64 => some 62
  | .storeImmIndU8 => some 70
  | .storeImmIndU16 => some 71
  | .storeImmIndU32 => some 72
  | .storeImmIndU64 => some 73
  | .loadImmJump => some 80
  | .branchEqImm => some 81
  | .branchNeImm => some 82
  | .branchLtUImm => some 83
  | .branchLeUImm => some 84
  | .branchGeUImm => some 85
  | .branchGtUImm => some 86
  | .branchLtSImm => some 87
  | .branchLeSImm => some 88
  | .branchGeSImm => some 89
  | .branchGtSImm => some 90
  | .moveReg => some 100
  | .sbrk => none
  | .countSetBits64 => some 101
  | .countSetBits32 => some 102
  | .leadingZeroBits64 => some 103
  | .leadingZeroBits32 => some 104
  | .trailingZeroBits64 => some 105
  | .trailingZeroBits32 => some 106
  | .signExtend8 => some 107
  | .signExtend16 => some 108
  | .zeroExtend16 => some 109
  | .reverseBytes => some 110
  | .storeIndU8 => some 120
  | .storeIndU16 => some 121
  | .storeIndU32 => some 122
  | .storeIndU64 => some 123
  | .loadIndU8 => some 124
  | .loadIndI8 => some 125
  | .loadIndU16 => some 126
  | .loadIndI16 => some 127
  | .loadIndU32 => some 128
  | .loadIndI32 => some 129
  | .loadIndU64 => some 130
  | .addImm32 => some 131
  | .andImm => some 132
  | .xorImm => some 133
  | .orImm => some 134
  | .mulImm32 => some 135
  | .setLtUImm => some 136
  | .setLtSImm => some 137
  | .shloLImm32 => some 138
  | .shloRImm32 => some 139
  | .sharRImm32 => some 140
  | .negAddImm32 => some 141
  | .setGtUImm => some 142
  | .setGtSImm => some 143
  | .shloLImmAlt32 => some 144
  | .shloRImmAlt32 => some 145
  | .sharRImmAlt32 => some 146
  | .cmovIzImm => some 147
  | .cmovNzImm => some 148
  | .addImm64 => some 149
  | .mulImm64 => some 150
  | .shloLImm64 => some 151
  | .shloRImm64 => some 152
  | .sharRImm64 => some 153
  | .negAddImm64 => some 154
  | .shloLImmAlt64 => some 155
  | .shloRImmAlt64 => some 156
  | .sharRImmAlt64 => some 157
  | .rotR64Imm => some 158
  | .rotR64ImmAlt => some 159
  | .rotR32Imm => some 160
  | .rotR32ImmAlt => some 161
  | .branchEq => some 170
  | .branchNe => some 171
  | .branchLtU => some 172
  | .branchLtS => some 173
  | .branchGeU => some 174
  | .branchGeS => some 175
  | .loadImmJumpInd => some 180
  | .add32 => some 190
  | .sub32 => some 191
  | .mul32 => some 192
  | .divU32 => some 193
  | .divS32 => some 194
  | .remU32 => some 195
  | .remS32 => some 196
  | .shloL32 => some 197
  | .shloR32 => some 198
  | .sharR32 => some 199
  | .add64 => some 200
  | .sub64 => some 201
  | .mul64 => some 202
  | .divU64 => some 203
  | .divS64 => some 204
  | .remU64 => some 205
  | .remS64 => some 206
  | .shloL64 => some 207
  | .shloR64 => some 208
  | .sharR64 => some 209
  | .and => some 210
  | .xor => some 211
  | .or => some 212
  | .mulUpperSS => some 213
  | .mulUpperUU => some 214
  | .mulUpperSU => some 215
  | .setLtU => some 216
  | .setLtS => some 217
  | .cmovIz => some 218
  | .cmovNz => some 219
  | .rotL64 => some 220
  | .rotL32 => some 221
  | .rotR64 => some 222
  | .rotR32 => some 223
  | .andInv => some 224
  | .orInv => some 225
  | .xnor => some 226
  | .max => some 227
  | .maxU => some 228
  | .min => some 229
  | .minU => some 230

/-- The instruction with Gray Paper opcode byte `b` (`none`: invalid, executing it panics). -/
def Opcode.ofGpByte (b : Nat) : Option Opcode :=
  match b with
  | 0 => some .trap
  | 1 => some .fallthrough
  | 2 => some .unlikely
  | 3 => some .ecall
  | 10 => some .ecalli
  | 20 => some .loadImm64
  | 30 => some .storeImmU8
  | 31 => some .storeImmU16
  | 32 => some .storeImmU32
  | 33 => some .storeImmU64
  | 40 => some .jump
  | 50 => some .jumpInd
  | 51 => some .loadImm
  | 52 => some .loadU8
  | 53 => some .loadI8
  | 54 => some .loadU16
  | 55 => some .loadI16
  | 56 => some .loadU32
  | 57 => some .loadI32
  | 58 => some .loadU64
  | 59 => some .storeU8
  | 60 => some .storeU16
  | 61 => some .storeU32
  | 62 => some .storeU64
  | 70 => some .storeImmIndU8
  | 71 => some .storeImmIndU16
  | 72 => some .storeImmIndU32
  | 73 => some .storeImmIndU64
  | 80 => some .loadImmJump
  | 81 => some .branchEqImm
  | 82 => some .branchNeImm
  | 83 => some .branchLtUImm
  | 84 => some .branchLeUImm
  | 85 => some .branchGeUImm
  | 86 => some .branchGtUImm
  | 87 => some .branchLtSImm
  | 88 => some .branchLeSImm
  | 89 => some .branchGeSImm
  | 90 => some .branchGtSImm
  | 100 => some .moveReg
  | 101 => some .sbrk
  | 102 => some .countSetBits64
  | 103 => some .countSetBits32
  | 104 => some .leadingZeroBits64
  | 105 => some .leadingZeroBits32
  | 106 => some .trailingZeroBits64
  | 107 => some .trailingZeroBits32
  | 108 => some .signExtend8
  | 109 => some .signExtend16
  | 110 => some .zeroExtend16
  | 111 => some .reverseBytes
  | 120 => some .storeIndU8
  | 121 => some .storeIndU16
  | 122 => some .storeIndU32
  | 123 => some .storeIndU64
  | 124 => some .loadIndU8
  | 125 => some .loadIndI8
  | 126 => some .loadIndU16
  | 127 => some .loadIndI16
  | 128 => some .loadIndU32
  | 129 => some .loadIndI32
  | 130 => some .loadIndU64
  | 131 => some .addImm32
  | 132 => some .andImm
  | 133 => some .xorImm
  | 134 => some .orImm
  | 135 => some .mulImm32
  | 136 => some .setLtUImm
  | 137 => some .setLtSImm
  | 138 => some .shloLImm32
  | 139 => some .shloRImm32
  | 140 => some .sharRImm32
  | 141 => some .negAddImm32
  | 142 => some .setGtUImm
  | 143 => some .setGtSImm
  | 144 => some .shloLImmAlt32
  | 145 => some .shloRImmAlt32
  | 146 => some .sharRImmAlt32
  | 147 => some .cmovIzImm
  | 148 => some .cmovNzImm
  | 149 => some .addImm64
  | 150 => some .mulImm64
  | 151 => some .shloLImm64
  | 152 => some .shloRImm64
  | 153 => some .sharRImm64
  | 154 => some .negAddImm64
  | 155 => some .shloLImmAlt64
  | 156 => some .shloRImmAlt64
  | 157 => some .sharRImmAlt64
  | 158 => some .rotR64Imm
  | 159 => some .rotR64ImmAlt
  | 160 => some .rotR32Imm
  | 161 => some .rotR32ImmAlt
  | 170 => some .branchEq
  | 171 => some .branchNe
  | 172 => some .branchLtU
  | 173 => some .branchLtS
  | 174 => some .branchGeU
  | 175 => some .branchGeS
  | 180 => some .loadImmJumpInd
  | 190 => some .add32
  | 191 => some .sub32
  | 192 => some .mul32
  | 193 => some .divU32
  | 194 => some .divS32
  | 195 => some .remU32
  | 196 => some .remS32
  | 197 => some .shloL32
  | 198 => some .shloR32
  | 199 => some .sharR32
  | 200 => some .add64
  | 201 => some .sub64
  | 202 => some .mul64
  | 203 => some .divU64
  | 204 => some .divS64
  | 205 => some .remU64
  | 206 => some .remS64
  | 207 => some .shloL64
  | 208 => some .shloR64
  | 209 => some .sharR64
  | 210 => some .and
  | 211 => some .xor
  | 212 => some .or
  | 213 => some .mulUpperSS
  | 214 => some .mulUpperUU
  | 215 => some .mulUpperSU
  | 216 => some .setLtU
  | 217 => some .setLtS
  | 218 => some .cmovIz
  | 219 => some .cmovNz
  | 220 => some .rotL64
  | 221 => some .rotL32
  | 222 => some .rotR64
  | 223 => some .rotR32
  | 224 => some .andInv
  | 225 => some .orInv
  | 226 => some .xnor
  | 227 => some .max
  | 228 => some .maxU
  | 229 => some .min
  | 230 => some .minU
  | _ => none

/-- The instruction with JamV1 opcode byte `b`. -/
def Opcode.ofJamV1Byte (b : Nat) : Option Opcode :=
  match b with
  | 0 => some .trap
  | 1 => some .fallthrough
  | 2 => some .unlikely
  | 10 => some .ecalli
  | 20 => some .loadImm64
  | 30 => some .storeImmU8
  | 31 => some .storeImmU16
  | 32 => some .storeImmU32
  | 33 => some .storeImmU64
  | 40 => some .jump
  | 50 => some .jumpInd
  | 51 => some .loadImm
  | 52 => some .loadU8
  | 53 => some .loadI8
  | 54 => some .loadU16
  | 55 => some .loadI16
  | 56 => some .loadU32
  | 57 => some .loadI32
  | 58 => some .loadU64
  | 59 => some .storeU8
  | 60 => some .storeU16
  | 61 => some .storeU32
  | 62 => some .storeU64
  | 70 => some .storeImmIndU8
  | 71 => some .storeImmIndU16
  | 72 => some .storeImmIndU32
  | 73 => some .storeImmIndU64
  | 80 => some .loadImmJump
  | 81 => some .branchEqImm
  | 82 => some .branchNeImm
  | 83 => some .branchLtUImm
  | 84 => some .branchLeUImm
  | 85 => some .branchGeUImm
  | 86 => some .branchGtUImm
  | 87 => some .branchLtSImm
  | 88 => some .branchLeSImm
  | 89 => some .branchGeSImm
  | 90 => some .branchGtSImm
  | 100 => some .moveReg
  | 101 => some .countSetBits64
  | 102 => some .countSetBits32
  | 103 => some .leadingZeroBits64
  | 104 => some .leadingZeroBits32
  | 105 => some .trailingZeroBits64
  | 106 => some .trailingZeroBits32
  | 107 => some .signExtend8
  | 108 => some .signExtend16
  | 109 => some .zeroExtend16
  | 110 => some .reverseBytes
  | 120 => some .storeIndU8
  | 121 => some .storeIndU16
  | 122 => some .storeIndU32
  | 123 => some .storeIndU64
  | 124 => some .loadIndU8
  | 125 => some .loadIndI8
  | 126 => some .loadIndU16
  | 127 => some .loadIndI16
  | 128 => some .loadIndU32
  | 129 => some .loadIndI32
  | 130 => some .loadIndU64
  | 131 => some .addImm32
  | 132 => some .andImm
  | 133 => some .xorImm
  | 134 => some .orImm
  | 135 => some .mulImm32
  | 136 => some .setLtUImm
  | 137 => some .setLtSImm
  | 138 => some .shloLImm32
  | 139 => some .shloRImm32
  | 140 => some .sharRImm32
  | 141 => some .negAddImm32
  | 142 => some .setGtUImm
  | 143 => some .setGtSImm
  | 144 => some .shloLImmAlt32
  | 145 => some .shloRImmAlt32
  | 146 => some .sharRImmAlt32
  | 147 => some .cmovIzImm
  | 148 => some .cmovNzImm
  | 149 => some .addImm64
  | 150 => some .mulImm64
  | 151 => some .shloLImm64
  | 152 => some .shloRImm64
  | 153 => some .sharRImm64
  | 154 => some .negAddImm64
  | 155 => some .shloLImmAlt64
  | 156 => some .shloRImmAlt64
  | 157 => some .sharRImmAlt64
  | 158 => some .rotR64Imm
  | 159 => some .rotR64ImmAlt
  | 160 => some .rotR32Imm
  | 161 => some .rotR32ImmAlt
  | 170 => some .branchEq
  | 171 => some .branchNe
  | 172 => some .branchLtU
  | 173 => some .branchLtS
  | 174 => some .branchGeU
  | 175 => some .branchGeS
  | 180 => some .loadImmJumpInd
  | 190 => some .add32
  | 191 => some .sub32
  | 192 => some .mul32
  | 193 => some .divU32
  | 194 => some .divS32
  | 195 => some .remU32
  | 196 => some .remS32
  | 197 => some .shloL32
  | 198 => some .shloR32
  | 199 => some .sharR32
  | 200 => some .add64
  | 201 => some .sub64
  | 202 => some .mul64
  | 203 => some .divU64
  | 204 => some .divS64
  | 205 => some .remU64
  | 206 => some .remS64
  | 207 => some .shloL64
  | 208 => some .shloR64
  | 209 => some .sharR64
  | 210 => some .and
  | 211 => some .xor
  | 212 => some .or
  | 213 => some .mulUpperSS
  | 214 => some .mulUpperUU
  | 215 => some .mulUpperSU
  | 216 => some .setLtU
  | 217 => some .setLtS
  | 218 => some .cmovIz
  | 219 => some .cmovNz
  | 220 => some .rotL64
  | 221 => some .rotL32
  | 222 => some .rotR64
  | 223 => some .rotR32
  | 224 => some .andInv
  | 225 => some .orInv
  | 226 => some .xnor
  | 227 => some .max
  | 228 => some .maxU
  | 229 => some .min
  | 230 => some .minU
  | _ => none

/-- Decoding inverts the numbering (Lean checks it for every instruction). -/
theorem ofGpByte_gpByte (op : Opcode) : Opcode.ofGpByte op.gpByte = some op := by
  cases op <;> rfl

end Jar.JAVM
