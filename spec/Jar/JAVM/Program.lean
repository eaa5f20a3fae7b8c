/-!
# JAVM programs and instruction decoding

A program is a code blob (Gray Paper A.2): `E(|j|) ‖ E₁(z) ‖ E(|c|) ‖ E_z(j) ‖ c ‖ k`, with the
jump table `j` of `z`-byte entries, the code `c` and the bitmask `k` marking instruction starts.
Decoding follows A.5: the skip distance from the bitmask, registers clamped to 12, immediates of
at most four bytes sign-extended, the code read as zeros past its end.
-/
import Jar.JAVM.Arith

namespace Jar.JAVM

/-- Which opcode byte means which instruction, and with it two decoding rules on which the Gray
Paper and PolkaVM part (see `Program.threeRegDest` and `Program.eagerTargets`); each numbering
takes its own profile's rules, so one rule holds per variant in decoding, both gas models and
every engine. -/
inductive Numbering where
  /-- The Gray Paper's (GP 0.7.2, upstream JAR). -/
  | gp
  /-- PolkaVM's JamV1 (polkavm-spectool vectors, polkavm-linker output). -/
  | jamV1
  deriving BEq, Repr, Inhabited

/-- A parsed program. -/
structure Program where
  code : ByteArray
  /-- Bit `i` (byte `i / 8`, bit `i % 8`) marks an instruction start at `i`. -/
  bitmask : ByteArray
  jumpTable : Array Nat
  numbering : Numbering
  /-- Whether `ecalli` and `ecall` end basic blocks (jar080 and later). -/
  ecalliEndsBlock : Bool
  deriving Inhabited

/-- The destination register of a three-register instruction at `pc`. The GP (A.5.13) clamps
the whole third byte, min(12, ζ[pc+2]); PolkaVM reads its low nibble, min(12, ζ[pc+2] mod 16),
so junk in the high nibble changes the GP's destination and not PolkaVM's. -/
def Program.threeRegDest (p : Program) (pc : Nat) : Nat :=
  match p.numbering with
  | .gp => min 12 (p.code[pc + 2]!.toNat)
  | .jamV1 => min 12 (p.code[pc + 2]!.toNat % 16)

/-- Whether a static branch target that does not start a basic block panics at the branch even
when the branch is not taken. PolkaVM validates every static target when it reaches the branch;
the GP checks only the branch taken ("hypotheticals are not considered"). -/
def Program.eagerTargets (p : Program) : Bool := p.numbering == .jamV1

/-- The code byte at `i`, zero past the end (ζ is zero-extended). -/
def Program.byteAt (p : Program) (i : Nat) : Nat := p.code[i]!.toNat

/-- Whether `pc` is the first byte of an instruction. Past the end of the code the bitmask reads
as set (and the code as zeros), so execution that runs off the end meets a `trap`. -/
def Program.isStart (p : Program) (pc : Nat) : Bool :=
  pc >= p.code.size || (p.bitmask[pc / 8]!.toNat / 2 ^ (pc % 8)) % 2 == 1

/-- ℓ: the number of argument bytes, the distance to the next instruction start minus one,
capped at 24. The bitmask counts as set past the end of the code. -/
def Program.skip (p : Program) (pc : Nat) : Nat := Id.run do
  for j in [:24] do
    let pos := pc + 1 + j
    if pos >= p.code.size || p.isStart pos then
      return j
  return 24

/-- The `n`-byte little-endian number at `pos`. -/
def Program.leAt (p : Program) (pos n : Nat) : UInt64 := Id.run do
  let mut acc : UInt64 := 0
  for k in [:n] do
    acc := acc ||| ((p.byteAt (pos + k)).toUInt64 <<< (8 * k).toUInt64)
  return acc

/-- An immediate of `n` ≤ 4 bytes at `pos`, sign-extended (X_n). -/
def Program.immAt (p : Program) (pos n : Nat) : UInt64 := sextBytes (p.leAt pos n) n

/-- The instruction at `pc`, or `none` if `pc` is not an instruction start or its byte is not an
opcode in the program's numbering. -/
def Program.opcodeAt (p : Program) (pc : Nat) : Option Opcode :=
  if !p.isStart pc then none
  else match p.numbering with
    | .gp => Opcode.ofGpByte (p.byteAt pc)
    | .jamV1 => Opcode.ofJamV1Byte (p.byteAt pc)

/-- A decoded instruction: registers, immediates, and the static target of a branch. -/
structure Instr where
  op : Opcode
  ra : Nat := 0
  rb : Nat := 0
  rd : Nat := 0
  imm1 : UInt64 := 0
  imm2 : UInt64 := 0
  target : Nat := 0
  /-- The pc of the next instruction: pc + 1 + ℓ. -/
  next : Nat := 0
  deriving Inhabited

/-- A branch target: `pc` plus a signed offset, modulo 2³². -/
def relTarget (pc : Nat) (offset : UInt64) : Nat := (pc.toUInt64 + offset).toNat % 2 ^ 32

/-- Decodes the operands of `op` at `pc` (GP A.5.1–A.5.13). -/
def Program.decode (p : Program) (pc : Nat) (op : Opcode) : Instr :=
  let l := p.skip pc
  let b1 := p.byteAt (pc + 1)
  let lo := min 12 (b1 % 16)
  let hi := min 12 (b1 / 16)
  let base : Instr := { op := op, next := pc + 1 + l }
  match op.operands with
  | .noArgs => base
  | .oneImm => { base with imm1 := p.immAt (pc + 1) (min 4 l) }
  | .oneRegExtImm => { base with ra := lo, imm1 := p.leAt (pc + 2) 8 }
  | .twoImm =>
    let lx := min 4 (b1 % 8)
    let ly := min 4 (l - (lx + 1))
    { base with imm1 := p.immAt (pc + 2) lx, imm2 := p.immAt (pc + 2 + lx) ly }
  | .oneOffset => { base with target := relTarget pc (p.immAt (pc + 1) (min 4 l)) }
  | .oneRegOneImm => { base with ra := lo, imm1 := p.immAt (pc + 2) (min 4 (l - 1)) }
  | .oneRegTwoImm =>
    let lx := min 4 (hi % 8)
    let ly := min 4 (l - (lx + 1))
    { base with ra := lo, imm1 := p.immAt (pc + 2) lx, imm2 := p.immAt (pc + 2 + lx) ly }
  | .oneRegImmOffset =>
    let lx := min 4 ((b1 / 16) % 8)
    let ly := min 4 (l - (lx + 1))
    let off := p.immAt (pc + 2 + lx) ly
    { base with ra := lo, imm1 := p.immAt (pc + 2) lx, imm2 := off, target := relTarget pc off }
  | .twoReg => { base with rd := lo, ra := hi }
  | .twoRegOneImm => { base with ra := lo, rb := hi, imm1 := p.immAt (pc + 2) (min 4 (l - 1)) }
  | .twoRegOneOffset =>
    { base with ra := lo, rb := hi, target := relTarget pc (p.immAt (pc + 2) (min 4 (l - 1))) }
  | .twoRegTwoImm =>
    let lx := min 4 (p.byteAt (pc + 2) % 8)
    let ly := min 4 (l - (lx + 2))
    { base with ra := lo, rb := hi, imm1 := p.immAt (pc + 3) lx, imm2 := p.immAt (pc + 3 + lx) ly }
  -- The destination is the whole third byte clamped to 12 (as the vectors require).
  | .threeReg => { base with ra := lo, rb := hi, rd := p.threeRegDest pc }

/-- Whether `op` ends a basic block in this program. In PolkaVM's JamV1 instruction set
`unlikely` is a hint at the start of a cold block, not a terminator (the spectool vectors
simulate it inside its block); in JAR's numbering it ends one. -/
def Program.endsBlock (p : Program) (op : Opcode) : Bool :=
  (op.isTerminator && !(op == .unlikely && p.numbering == .jamV1))
    || (p.ecalliEndsBlock && (op == .ecalli || op == .ecall))

/-- Whether `pc` starts a basic block: pc 0, or the instruction after a terminator (or after an
invalid opcode, which execution cannot pass). -/
def Program.isBlockStart (p : Program) (pc : Nat) : Bool := Id.run do
  if pc > p.code.size || !p.isStart pc then
    return false
  if pc == 0 then
    return true
  -- Find the previous instruction start.
  for k in [1:pc + 1] do
    let q := pc - k
    if p.isStart q then
      match p.opcodeAt q with
      | none => return true
      | some op => return p.endsBlock op
  return true

/-- Whether a jump or branch may go to `pc`: a basic-block start, and under PolkaVM's numbering
one inside the code. The GP counts the pc just past the end as a block start when the last
instruction ends a block (execution there meets the implicit `trap`); PolkaVM accepts only
targets that are instructions of the code, so a jump there panics at the jump. -/
def Program.isJumpTarget (p : Program) (pc : Nat) : Bool :=
  p.isBlockStart pc && !(p.numbering == .jamV1 && pc >= p.code.size)

/-- A compact natural (GP C.6) at `pos`: its value and the offset after it. -/
def readCompact (b : ByteArray) (pos : Nat) : Option (Nat × Nat) := Id.run do
  if pos >= b.size then
    return none
  let head := b[pos]!.toNat
  let mut len := 0
  for k in [:8] do
    if (head / 2 ^ (7 - k)) % 2 == 1 then
      len := len + 1
    else
      break
  if pos + 1 + len > b.size then
    return none
  let mut low := 0
  for k in [:len] do
    low := low + b[pos + 1 + k]!.toNat * 2 ^ (8 * k)
  if len == 8 then
    return some (low, pos + 9)
  let high := head % 2 ^ (7 - len)
  return some (high * 2 ^ (8 * len) + low, pos + 1 + len)

/-- Parses a code blob with compact lengths; `none` if it is malformed. -/
def parseProgram (blob : ByteArray) (numbering : Numbering) (ecalliEndsBlock : Bool) : Option Program := Id.run do
  let some (jumpLen, pos) := readCompact blob 0 | return none
  if pos >= blob.size then
    return none
  let z := blob[pos]!.toNat
  if z > 4 || (jumpLen > 0 && z == 0) then
    return none
  let some (codeLen, pos) := readCompact blob (pos + 1) | return none
  -- Lengths larger than the blob cannot be right (and would overflow the arithmetic below).
  if jumpLen > blob.size || codeLen > blob.size then
    return none
  let tableEnd := pos + jumpLen * z
  let codeEnd := tableEnd + codeLen
  let maskEnd := codeEnd + (codeLen + 7) / 8
  if maskEnd != blob.size then
    return none
  let mut table : Array Nat := #[]
  for i in [:jumpLen] do
    let mut entry := 0
    for k in [:z] do
      entry := entry + blob[pos + i * z + k]!.toNat * 2 ^ (8 * k)
    table := table.push entry
  return some {
    code := blob.extract tableEnd codeEnd,
    bitmask := blob.extract codeEnd maskEnd,
    jumpTable := table,
    numbering := numbering,
    ecalliEndsBlock := ecalliEndsBlock }

end Jar.JAVM
