/-!
# JAVM gas: the single-pass pipeline model (jar080, jar1)

Under the per-block gas models a basic block's cost is computed once, when the program is
loaded, by simulating how a simple out-of-order core would run the block. The single-pass model
(JAR's consensus model) walks the block once:

* decoding takes `slots` of a 4-wide decoder; when the previous instruction left it full, a new
  cycle starts;
* an instruction starts when the cycle has come and its source registers are ready, and its
  results are ready `cycles` later (only the last writer of a register counts: implicit
  renaming);
* `move_reg` costs no execution: its destination becomes ready when its source is.

The block costs max(last result − 3, 1). Execution units, the reorder buffer and the dispatch
width of the full pipeline model are ignored.

The per-instruction table below names registers as the cost model sees them: `ra` is the low
nibble of the byte after the opcode, `rb` its high nibble, `rd` the low nibble of the byte after
that; `ra` is always the destination and `rb`, `rd` the sources, even for three-register
instructions whose real destination is the third byte. That is consensus behaviour and is
copied exactly. Memory accesses cost 25 cycles (the smallest memory tier).
-/
import Jar.JAVM.Run

namespace Jar.JAVM

/-- How the cost model sees one instruction. -/
structure CostInfo where
  cycles : Nat
  slots : Nat
  dst : Array Nat := #[]
  srcs : Array Nat := #[]
  /-- `move_reg`: forwards readiness from source to destination. -/
  isMove : Bool := false
  deriving Inhabited

/-- Cycles of a memory access (memory tier of up to 8 MiB). -/
def MEM_CYCLES : Nat := 25

/-- "1 or 2 slots": one when the destination is among the sources. -/
def slotsIfReused (dst : Nat) (srcs : Array Nat) (same other : Nat) : Nat :=
  if srcs.contains dst then same else other

/-- The cost-model view of the instruction `op` at `pc`. -/
def costInfo (p : Program) (pc : Nat) (op : Opcode) : CostInfo :=
  let b1 := p.byteAt (pc + 1)
  let ra := min 12 (b1 % 16)
  let rb := min 12 (b1 / 16)
  let rd := p.threeRegDest pc
  let two := #[rb, rd]
  let one := #[rb]
  -- A conditional branch costs 1 when it targets a `trap` or `unlikely`, else 20.
  let branchCycles :=
    match p.opcodeAt (p.decode pc op).target with
    | some .trap => 1
    | some .unlikely => 1
    | _ => 20
  match op with
  | .trap => { cycles := 2, slots := 1 }
  | .fallthrough => { cycles := 2, slots := 1 }
  | .unlikely => { cycles := 40, slots := 1 }
  | .ecalli => { cycles := 100, slots := 4 }
  | .jump => { cycles := 15, slots := 1 }
  | .loadImmJump => { cycles := 15, slots := 1, dst := #[ra] }
  | .jumpInd => { cycles := 22, slots := 1 }
  | .loadImmJumpInd => { cycles := 22, slots := 1, dst := #[ra], srcs := one }
  | .loadU8 | .loadI8 | .loadU16 | .loadI16 | .loadU32 | .loadI32 | .loadU64
  | .loadIndU8 | .loadIndI8 | .loadIndU16 | .loadIndI16 | .loadIndU32 | .loadIndI32 | .loadIndU64 =>
    { cycles := MEM_CYCLES, slots := 1, dst := #[ra], srcs := one }
  | .storeU8 | .storeU16 | .storeU32 | .storeU64
  | .storeIndU8 | .storeIndU16 | .storeIndU32 | .storeIndU64 =>
    { cycles := MEM_CYCLES, slots := 1, srcs := #[ra, rb] }
  | .storeImmU8 | .storeImmU16 | .storeImmU32 | .storeImmU64 => { cycles := MEM_CYCLES, slots := 1 }
  | .storeImmIndU8 | .storeImmIndU16 | .storeImmIndU32 | .storeImmIndU64 =>
    { cycles := MEM_CYCLES, slots := 1, srcs := #[ra] }
  | .loadImm => { cycles := 1, slots := 1, dst := #[ra] }
  | .loadImm64 => { cycles := 1, slots := 2, dst := #[ra] }
  | .moveReg => { cycles := 0, slots := 1, dst := #[ra], srcs := one, isMove := true }
  | .branchEqImm | .branchNeImm | .branchLtUImm | .branchLeUImm | .branchGeUImm
  | .branchGtUImm | .branchLtSImm | .branchLeSImm | .branchGeSImm | .branchGtSImm =>
    { cycles := branchCycles, slots := 1, srcs := #[ra] }
  | .branchEq | .branchNe | .branchLtU | .branchLtS | .branchGeU | .branchGeS =>
    { cycles := branchCycles, slots := 1, srcs := #[ra, rb] }
  | .add64 | .sub64 | .and | .xor | .or =>
    { cycles := 1, slots := slotsIfReused ra two 1 2, dst := #[ra], srcs := two }
  | .add32 | .sub32 => { cycles := 2, slots := slotsIfReused ra two 2 3, dst := #[ra], srcs := two }
  | .andImm | .xorImm | .orImm | .addImm64 | .shloLImm64 | .shloRImm64 | .sharRImm64
  | .rotR64Imm | .zeroExtend16 =>
    { cycles := 1, slots := slotsIfReused ra one 1 2, dst := #[ra], srcs := one }
  | .addImm32 | .shloLImm32 | .shloRImm32 | .sharRImm32 | .rotR32Imm =>
    { cycles := 2, slots := slotsIfReused ra one 2 3, dst := #[ra], srcs := one }
  | .countSetBits64 | .countSetBits32 | .leadingZeroBits64 | .leadingZeroBits32
  | .signExtend8 | .signExtend16 =>
    { cycles := 1, slots := 1, dst := #[ra], srcs := one }
  | .trailingZeroBits64 | .trailingZeroBits32 => { cycles := 2, slots := 1, dst := #[ra], srcs := one }
  | .shloL64 | .shloR64 | .sharR64 | .rotL64 | .rotR64 =>
    { cycles := 1, slots := if rb == ra then 2 else 3, dst := #[ra], srcs := two }
  | .shloL32 | .shloR32 | .sharR32 | .rotL32 | .rotR32 =>
    { cycles := 2, slots := if rb == ra then 3 else 4, dst := #[ra], srcs := two }
  | .shloLImmAlt64 | .shloRImmAlt64 | .sharRImmAlt64 | .rotR64ImmAlt =>
    { cycles := 1, slots := 3, dst := #[ra], srcs := one }
  | .shloLImmAlt32 | .shloRImmAlt32 | .sharRImmAlt32 | .rotR32ImmAlt =>
    { cycles := 2, slots := 4, dst := #[ra], srcs := one }
  | .setLtU | .setLtS => { cycles := 3, slots := 3, dst := #[ra], srcs := two }
  | .setLtUImm | .setLtSImm | .setGtUImm | .setGtSImm => { cycles := 3, slots := 3, dst := #[ra], srcs := one }
  | .cmovIz | .cmovNz => { cycles := 2, slots := 2, dst := #[ra], srcs := two }
  | .cmovIzImm | .cmovNzImm => { cycles := 2, slots := 3, dst := #[ra], srcs := one }
  | .max | .maxU | .min | .minU => { cycles := 3, slots := slotsIfReused ra two 2 3, dst := #[ra], srcs := two }
  | .andInv | .orInv => { cycles := 2, slots := 3, dst := #[ra], srcs := two }
  | .xnor => { cycles := 2, slots := slotsIfReused ra two 2 3, dst := #[ra], srcs := two }
  | .negAddImm64 => { cycles := 2, slots := 3, dst := #[ra], srcs := one }
  | .negAddImm32 => { cycles := 3, slots := 4, dst := #[ra], srcs := one }
  | .mul64 => { cycles := 3, slots := slotsIfReused ra two 1 2, dst := #[ra], srcs := two }
  | .mulImm64 => { cycles := 3, slots := slotsIfReused ra one 1 2, dst := #[ra], srcs := one }
  | .mul32 => { cycles := 4, slots := slotsIfReused ra two 2 3, dst := #[ra], srcs := two }
  | .mulImm32 => { cycles := 4, slots := slotsIfReused ra one 2 3, dst := #[ra], srcs := one }
  | .mulUpperSS | .mulUpperUU => { cycles := 4, slots := 4, dst := #[ra], srcs := two }
  | .mulUpperSU => { cycles := 6, slots := 4, dst := #[ra], srcs := two }
  | .divU32 | .divS32 | .remU32 | .remS32 | .divU64 | .divS64 | .remU64 | .remS64 =>
    { cycles := 60, slots := 4, dst := #[ra], srcs := two }
  -- JAR's default row: one cycle, one slot, no registers. Listed by name (no wildcard) so that
  -- a new instruction stops the build until the table says what it costs.
  | .ecall | .sbrk | .reverseBytes => { cycles := 1, slots := 1 }

/-- The cost of the basic block starting at `start` under the single-pass model. -/
def blockCostSinglePass (p : Program) (start : Nat) : Nat := Id.run do
  let mut regDone : Array Nat := Array.replicate 13 0
  let mut cycle := 0
  let mut decodeUsed := 0
  let mut maxDone := 0
  let mut pc := start
  -- Each iteration moves past at least one byte, so this bound is never reached.
  for _ in [:p.code.size + 1] do
    match p.opcodeAt pc with
    | none => break
    | some op =>
      let c := costInfo p pc op
      if decodeUsed >= 4 then
        cycle := cycle + 1
        decodeUsed := c.slots
      else
        decodeUsed := decodeUsed + c.slots
      if c.isMove then
        regDone := regDone.set! c.dst[0]! regDone[c.srcs[0]!]!
      else
        let mut begin := cycle
        for s in c.srcs do
          begin := max begin regDone[s]!
        let done := begin + c.cycles
        for d in c.dst do
          regDone := regDone.set! d done
        maxDone := max maxDone done
      if p.endsBlock op || pc >= p.code.size then
        break
      pc := pc + 1 + p.skip pc
  return max (maxDone - 3) 1

/-- The cost of every basic block of `p` under the single-pass model, by start pc. -/
def blockCostsSinglePass (p : Program) : Array (Nat × Nat) := Id.run do
  let mut out : Array (Nat × Nat) := #[]
  for pc in [:p.code.size] do
    if p.isBlockStart pc then
      out := out.push (pc, blockCostSinglePass p pc)
  return out

end Jar.JAVM
