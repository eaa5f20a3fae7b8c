/-!
# JAVM execution: one instruction

The machine state and the effect of every instruction (Gray Paper A.5–A.6), as a pure function
from a state to the next state or an exit. Gas is not charged here (see `Run.lean`): a step only
executes. When a step exits, the state's `pc` is the pc of the instruction that caused the exit.
-/
import Jar.JAVM.Memory

namespace Jar.JAVM

/-- Dynamic jumps to this address halt the machine (GP: 2³² − 2¹⁶). -/
def HALT_ADDRESS : Nat := 0xFFFF0000

/-- Registers φ₀…φ₁₂, the pc, the gas left and the memory. -/
structure Machine where
  regs : Array UInt64
  pc : Nat
  gas : Nat
  memory : Memory
  deriving Inhabited

/-- Why execution stopped. -/
inductive Exit where
  | halt
  | trap
  | panic
  | outOfGas
  | pageFault (address : Nat)
  | hostCall (id : Nat)
  | ecall
  deriving BEq, Repr, Inhabited

/-- The result of one step. -/
inductive StepResult where
  | next (m : Machine)
  | stop (e : Exit) (m : Machine)

/-- Register `r`. -/
def Machine.reg (m : Machine) (r : Nat) : UInt64 := m.regs[r]!

/-- Continue at `pc'` with register `r` set to `v`. -/
def setReg (m : Machine) (r : Nat) (v : UInt64) (pc' : Nat) : StepResult :=
  .next { m with regs := m.regs.set! r v, pc := pc' }

/-- Continue at `pc'` unchanged. -/
def goto (m : Machine) (pc' : Nat) : StepResult := .next { m with pc := pc' }

/-- Take a static branch: its target must start a basic block, or the machine panics — when
the branch is taken, or under `Program.eagerTargets` whenever it is reached. -/
def branch (p : Program) (m : Machine) (taken : Bool) (target next : Nat) : StepResult :=
  if (taken || p.eagerTargets) && !p.isJumpTarget target then .stop .panic m
  else if taken then goto m target
  else goto m next

/-- A dynamic jump to `address` (GP A.11): the halt address halts; otherwise the address must be
a non-zero even index into the jump table whose entry starts a basic block. -/
def djump (p : Program) (m : Machine) (address : Nat) : StepResult :=
  if address == HALT_ADDRESS then .stop .halt m
  else if address == 0 || address % 2 != 0 || address / 2 > p.jumpTable.size then .stop .panic m
  else
    let target := p.jumpTable[address / 2 - 1]!
    if p.isJumpTarget target then goto m target else .stop .panic m

/-- A memory fault as an exit. -/
def faultExit (f : MemFault) : Exit :=
  match f with
  | .panic => .panic
  | .pageFault a => .pageFault a

/-- Load `n` bytes at `address` into register `r`, sign-extending when `signed`. -/
def loadTo (m : Machine) (r address n : Nat) (signed : Bool) (next : Nat) : StepResult :=
  match m.memory.load (address % 2 ^ 32) n with
  | .error f => .stop (faultExit f) m
  | .ok v => setReg m r (if signed then sextBytes v n else v) next

/-- Store the low `n` bytes of `v` at `address`. -/
def storeAt (m : Machine) (address n : Nat) (v : UInt64) (next : Nat) : StepResult :=
  match m.memory.store (address % 2 ^ 32) n v with
  | .error f => .stop (faultExit f) m
  | .ok mem => .next { m with memory := mem, pc := next }

/-- The low 32 bits. -/
def lo32 (x : UInt64) : UInt64 := x &&& 0xFFFFFFFF

/-- `a + b` as an address modulo 2³². -/
def addr (a b : UInt64) : Nat := (a + b).toNat % 2 ^ 32

/-- Signed maximum and minimum. -/
def maxS (a b : UInt64) : UInt64 := if slt a b then b else a
def minS (a b : UInt64) : UInt64 := if slt a b then a else b

/-- Execute the instruction `i` (decoded at `m.pc`). -/
def execute (p : Program) (m : Machine) (i : Instr) : StepResult :=
  let n := i.next
  let a := m.reg i.ra
  let b := m.reg i.rb
  let imm := i.imm1
  match i.op with
  | .trap => .stop .trap m
  | .fallthrough => goto m n
  | .unlikely => goto m n
  | .ecall => .stop .ecall m
  | .ecalli => .stop (.hostCall (imm.toNat % 2 ^ 32)) m
  | .loadImm64 => setReg m i.ra imm n
  | .storeImmU8 => storeAt m (imm.toNat) 1 i.imm2 n
  | .storeImmU16 => storeAt m (imm.toNat) 2 i.imm2 n
  | .storeImmU32 => storeAt m (imm.toNat) 4 i.imm2 n
  | .storeImmU64 => storeAt m (imm.toNat) 8 i.imm2 n
  | .jump => branch p m true i.target n
  | .jumpInd => djump p m (addr a imm)
  | .loadImm => setReg m i.ra imm n
  | .loadU8 => loadTo m i.ra imm.toNat 1 false n
  | .loadI8 => loadTo m i.ra imm.toNat 1 true n
  | .loadU16 => loadTo m i.ra imm.toNat 2 false n
  | .loadI16 => loadTo m i.ra imm.toNat 2 true n
  | .loadU32 => loadTo m i.ra imm.toNat 4 false n
  | .loadI32 => loadTo m i.ra imm.toNat 4 true n
  | .loadU64 => loadTo m i.ra imm.toNat 8 false n
  | .storeU8 => storeAt m imm.toNat 1 a n
  | .storeU16 => storeAt m imm.toNat 2 a n
  | .storeU32 => storeAt m imm.toNat 4 a n
  | .storeU64 => storeAt m imm.toNat 8 a n
  | .storeImmIndU8 => storeAt m (addr a imm) 1 i.imm2 n
  | .storeImmIndU16 => storeAt m (addr a imm) 2 i.imm2 n
  | .storeImmIndU32 => storeAt m (addr a imm) 4 i.imm2 n
  | .storeImmIndU64 => storeAt m (addr a imm) 8 i.imm2 n
  -- The register is written before the jump is checked: a bad target panics with φA set (as the
  -- polkavm-spectool vectors require).
  | .loadImmJump => branch p { m with regs := m.regs.set! i.ra imm } true i.target n
  | .branchEqImm => branch p m (a == imm) i.target n
  | .branchNeImm => branch p m (a != imm) i.target n
  | .branchLtUImm => branch p m (a < imm) i.target n
  | .branchLeUImm => branch p m (a <= imm) i.target n
  | .branchGeUImm => branch p m (a >= imm) i.target n
  | .branchGtUImm => branch p m (a > imm) i.target n
  | .branchLtSImm => branch p m (slt a imm) i.target n
  | .branchLeSImm => branch p m (!slt imm a) i.target n
  | .branchGeSImm => branch p m (!slt a imm) i.target n
  | .branchGtSImm => branch p m (slt imm a) i.target n
  -- Two-register forms: rd is the low nibble, ra the high one.
  | .moveReg => setReg m i.rd a n
  -- rd := the old heap top after growing it by φA bytes; layouts without a heap panic.
  | .sbrk =>
    match m.memory.sbrk a.toNat with
    | none => .stop .panic m
    | some (top, mem) => .next { m with memory := mem, regs := m.regs.set! i.rd top.toUInt64, pc := n }
  | .countSetBits64 => setReg m i.rd (popcount a 64) n
  | .countSetBits32 => setReg m i.rd (popcount (lo32 a) 32) n
  | .leadingZeroBits64 => setReg m i.rd (clz a 64) n
  | .leadingZeroBits32 => setReg m i.rd (clz (lo32 a) 32) n
  | .trailingZeroBits64 => setReg m i.rd (ctz a 64) n
  | .trailingZeroBits32 => setReg m i.rd (ctz (lo32 a) 32) n
  | .signExtend8 => setReg m i.rd (sextBytes a 1) n
  | .signExtend16 => setReg m i.rd (sextBytes a 2) n
  | .zeroExtend16 => setReg m i.rd (a &&& 0xFFFF) n
  | .reverseBytes => setReg m i.rd (reverseBytes a) n
  -- Two registers and an immediate: ra is the low nibble (value or destination), rb the high.
  | .storeIndU8 => storeAt m (addr b imm) 1 a n
  | .storeIndU16 => storeAt m (addr b imm) 2 a n
  | .storeIndU32 => storeAt m (addr b imm) 4 a n
  | .storeIndU64 => storeAt m (addr b imm) 8 a n
  | .loadIndU8 => loadTo m i.ra (addr b imm) 1 false n
  | .loadIndI8 => loadTo m i.ra (addr b imm) 1 true n
  | .loadIndU16 => loadTo m i.ra (addr b imm) 2 false n
  | .loadIndI16 => loadTo m i.ra (addr b imm) 2 true n
  | .loadIndU32 => loadTo m i.ra (addr b imm) 4 false n
  | .loadIndI32 => loadTo m i.ra (addr b imm) 4 true n
  | .loadIndU64 => loadTo m i.ra (addr b imm) 8 false n
  | .addImm32 => setReg m i.ra (sext32 (b + imm)) n
  | .andImm => setReg m i.ra (b &&& imm) n
  | .xorImm => setReg m i.ra (b ^^^ imm) n
  | .orImm => setReg m i.ra (b ||| imm) n
  | .mulImm32 => setReg m i.ra (sext32 (b * imm)) n
  | .setLtUImm => setReg m i.ra (if b < imm then 1 else 0) n
  | .setLtSImm => setReg m i.ra (if slt b imm then 1 else 0) n
  | .shloLImm32 => setReg m i.ra (sext32 (lo32 b <<< (imm &&& 31))) n
  | .shloRImm32 => setReg m i.ra (sext32 (lo32 b >>> (imm &&& 31))) n
  | .sharRImm32 => setReg m i.ra (sar32 b imm) n
  | .negAddImm32 => setReg m i.ra (sext32 (imm - b)) n
  | .setGtUImm => setReg m i.ra (if b > imm then 1 else 0) n
  | .setGtSImm => setReg m i.ra (if slt imm b then 1 else 0) n
  | .shloLImmAlt32 => setReg m i.ra (sext32 (lo32 imm <<< (b &&& 31))) n
  | .shloRImmAlt32 => setReg m i.ra (sext32 (lo32 imm >>> (b &&& 31))) n
  | .sharRImmAlt32 => setReg m i.ra (sar32 imm b) n
  | .cmovIzImm => setReg m i.ra (if b == 0 then imm else a) n
  | .cmovNzImm => setReg m i.ra (if b != 0 then imm else a) n
  | .addImm64 => setReg m i.ra (b + imm) n
  | .mulImm64 => setReg m i.ra (b * imm) n
  | .shloLImm64 => setReg m i.ra (b <<< (imm &&& 63)) n
  | .shloRImm64 => setReg m i.ra (b >>> (imm &&& 63)) n
  | .sharRImm64 => setReg m i.ra (sar64 b imm) n
  | .negAddImm64 => setReg m i.ra (imm - b) n
  | .shloLImmAlt64 => setReg m i.ra (imm <<< (b &&& 63)) n
  | .shloRImmAlt64 => setReg m i.ra (imm >>> (b &&& 63)) n
  | .sharRImmAlt64 => setReg m i.ra (sar64 imm b) n
  | .rotR64Imm => setReg m i.ra (rotr64 b imm) n
  | .rotR64ImmAlt => setReg m i.ra (rotr64 imm b) n
  | .rotR32Imm => setReg m i.ra (rotr32 b imm) n
  | .rotR32ImmAlt => setReg m i.ra (rotr32 imm b) n
  | .branchEq => branch p m (a == b) i.target n
  | .branchNe => branch p m (a != b) i.target n
  | .branchLtU => branch p m (a < b) i.target n
  | .branchLtS => branch p m (slt a b) i.target n
  | .branchGeU => branch p m (a >= b) i.target n
  | .branchGeS => branch p m (!slt a b) i.target n
  -- φA := imm1, then jump to (old φB) + imm2; φA is set even when the jump panics.
  | .loadImmJumpInd => djump p { m with regs := m.regs.set! i.ra imm } (addr b i.imm2)
  -- Three registers: rd := f(ra, rb).
  | .add32 => setReg m i.rd (sext32 (a + b)) n
  | .sub32 => setReg m i.rd (sext32 (a - b)) n
  | .mul32 => setReg m i.rd (sext32 (a * b)) n
  | .divU32 => setReg m i.rd (if lo32 b == 0 then 0xFFFFFFFFFFFFFFFF else sext32 (lo32 a / lo32 b)) n
  | .divS32 => setReg m i.rd (divS32 a b) n
  | .remU32 => setReg m i.rd (sext32 (remU (lo32 a) (lo32 b))) n
  | .remS32 => setReg m i.rd (remS32 a b) n
  | .shloL32 => setReg m i.rd (sext32 (lo32 a <<< (b &&& 31))) n
  | .shloR32 => setReg m i.rd (sext32 (lo32 a >>> (b &&& 31))) n
  | .sharR32 => setReg m i.rd (sar32 a b) n
  | .add64 => setReg m i.rd (a + b) n
  | .sub64 => setReg m i.rd (a - b) n
  | .mul64 => setReg m i.rd (a * b) n
  | .divU64 => setReg m i.rd (divU a b) n
  | .divS64 => setReg m i.rd (divS a b) n
  | .remU64 => setReg m i.rd (remU a b) n
  | .remS64 => setReg m i.rd (remS a b) n
  | .shloL64 => setReg m i.rd (a <<< (b &&& 63)) n
  | .shloR64 => setReg m i.rd (a >>> (b &&& 63)) n
  | .sharR64 => setReg m i.rd (sar64 a b) n
  | .and => setReg m i.rd (a &&& b) n
  | .xor => setReg m i.rd (a ^^^ b) n
  | .or => setReg m i.rd (a ||| b) n
  | .mulUpperSS => setReg m i.rd (mulUpperSS a b) n
  | .mulUpperUU => setReg m i.rd (mulUpperUU a b) n
  | .mulUpperSU => setReg m i.rd (mulUpperSU a b) n
  | .setLtU => setReg m i.rd (if a < b then 1 else 0) n
  | .setLtS => setReg m i.rd (if slt a b then 1 else 0) n
  | .cmovIz => setReg m i.rd (if b == 0 then a else m.reg i.rd) n
  | .cmovNz => setReg m i.rd (if b != 0 then a else m.reg i.rd) n
  | .rotL64 => setReg m i.rd (rotl64 a b) n
  | .rotL32 => setReg m i.rd (rotl32 a b) n
  | .rotR64 => setReg m i.rd (rotr64 a b) n
  | .rotR32 => setReg m i.rd (rotr32 a b) n
  | .andInv => setReg m i.rd (a &&& (b ^^^ 0xFFFFFFFFFFFFFFFF)) n
  | .orInv => setReg m i.rd (a ||| (b ^^^ 0xFFFFFFFFFFFFFFFF)) n
  | .xnor => setReg m i.rd ((a ^^^ b) ^^^ 0xFFFFFFFFFFFFFFFF) n
  | .max => setReg m i.rd (maxS a b) n
  | .maxU => setReg m i.rd (if a < b then b else a) n
  | .min => setReg m i.rd (minS a b) n
  | .minU => setReg m i.rd (if a < b then a else b) n

/-- One step: decode the instruction at `m.pc` (an invalid opcode, or a pc that is not an
instruction start, panics) and execute it. -/
def step (p : Program) (m : Machine) : StepResult :=
  match p.opcodeAt m.pc with
  | none => .stop .panic m
  | some op => execute p m (p.decode m.pc op)

end Jar.JAVM
