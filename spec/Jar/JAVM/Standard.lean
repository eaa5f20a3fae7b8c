/-!
# The standard program (GP A.7, the function Y)

A service's code is a standard program: `E₃(|o|) ⌢ E₃(|w|) ⌢ E₂(z) ⌢ E₃(s) ⌢ o ⌢ w ⌢ E₄(|c|) ⌢ c`
with read-only data `o`, read-write data `w`, `z` extra heap pages, `s` stack bytes and the code
blob `c`; a service's code preimage puts a length-prefixed metadata blob in front. The program
starts in a segmented memory above a guard zone of Z_Z = 2¹⁶ bytes:

| region | start | size | access |
|---|---|---|---|
| read-only data | Z_Z | P(\|o\|) | read |
| read-write data and heap | 2·Z_Z + Z(\|o\|) | P(\|w\| + z·Z_P) | write |
| stack | 2³² − 2·Z_Z − Z_I − P(s) | P(s) | write |
| arguments | 2³² − Z_Z − Z_I | P(\|a\|) | read |

(P rounds up to pages, Z to zones, Z_I = 2²⁴ bounds the arguments.) It all has to fit:
5·Z_Z + Z(\|o\|) + Z(\|w\| + z·Z_P) + Z(s) + Z_I ≤ 2³². The registers start as φ₀ = 2³² − 2¹⁶ (the
halt address), φ₁ = the stack top, φ₇ = the arguments' address, φ₈ = their length, the others 0;
`sbrk`'s heap top starts at the end of the read-write region.
-/
import Jar.JAVM.Step

namespace Jar.JAVM

/-- Z_Z: the zone size of the standard layout. -/
def ZONE_BYTES : Nat := 65536
/-- Z_I: the most argument bytes. -/
def MAX_INPUT_BYTES : Nat := 2 ^ 24

/-- A parsed standard program. -/
structure StandardProgram where
  roData : ByteArray
  rwData : ByteArray
  heapPages : Nat
  stackBytes : Nat
  /-- The code blob (jump table, code, bitmask). -/
  code : ByteArray
  deriving Inhabited

/-- P: `x` rounded up to whole pages. -/
def pageRound (x : Nat) : Nat := (x + PAGE_BYTES - 1) / PAGE_BYTES * PAGE_BYTES

/-- Z: `x` rounded up to whole zones. -/
def zoneRound (x : Nat) : Nat := (x + ZONE_BYTES - 1) / ZONE_BYTES * ZONE_BYTES

/-- The little-endian number in the `n` bytes of `b` at `pos`. -/
def leBytes (b : ByteArray) (pos n : Nat) : Nat := Id.run do
  let mut acc := 0
  for k in [:n] do
    acc := acc + b[pos + k]!.toNat * 2 ^ (8 * k)
  return acc

/-- Reads a standard program; `none` unless the lengths account for every byte. -/
def parseStandard (blob : ByteArray) : Option StandardProgram := Id.run do
  if blob.size < 11 then
    return none
  let roLen := leBytes blob 0 3
  let rwLen := leBytes blob 3 3
  let roStart := 11
  let codeLenAt := roStart + roLen + rwLen
  if codeLenAt + 4 > blob.size then
    return none
  let codeLen := leBytes blob codeLenAt 4
  if codeLenAt + 4 + codeLen != blob.size then
    return none
  return some {
    roData := blob.extract roStart (roStart + roLen),
    rwData := blob.extract (roStart + roLen) codeLenAt,
    heapPages := leBytes blob 6 2,
    stackBytes := leBytes blob 8 3,
    code := blob.extract (codeLenAt + 4) blob.size }

/-- Reads a service's code preimage: the metadata (E(↕m)), then the standard program. -/
def parseServiceCode (blob : ByteArray) : Option (ByteArray × StandardProgram) := Id.run do
  let some (n, pos) := readCompact blob 0 | return none
  if pos + n > blob.size then
    return none
  match parseStandard (blob.extract (pos + n) blob.size) with
  | none => return none
  | some p => return some (blob.extract pos (pos + n), p)

/-- The pages that hold `data` when it is placed at page-aligned address `base`, each padded to
a whole page. -/
def pagesOf (base : Nat) (data : ByteArray) : Array Page := Id.run do
  let mut out : Array Page := #[]
  for k in [:(data.size + PAGE_BYTES - 1) / PAGE_BYTES] do
    let chunk := data.extract (k * PAGE_BYTES) ((k + 1) * PAGE_BYTES)
    out := out.push { index := base / PAGE_BYTES + k, data := chunk ++ ByteArray.mk (Array.replicate (PAGE_BYTES - chunk.size) 0) }
  return out

/-- The machine a standard program starts as (Y), at pc `pc` with `gas` and the arguments
`args`; `none` if the layout does not fit the address space. -/
def standardMachine (p : StandardProgram) (args : ByteArray) (pc gas : Nat) : Option Machine := Id.run do
  let rwSize := p.rwData.size + p.heapPages * PAGE_BYTES
  let total := 5 * ZONE_BYTES + zoneRound p.roData.size + zoneRound rwSize + zoneRound p.stackBytes + MAX_INPUT_BYTES
  if total > 2 ^ 32 || args.size > MAX_INPUT_BYTES then
    return none
  let roBase := ZONE_BYTES
  let rwBase := 2 * ZONE_BYTES + zoneRound p.roData.size
  let rwLen := pageRound rwSize
  let stackTop := 2 ^ 32 - 2 * ZONE_BYTES - MAX_INPUT_BYTES
  let stackLen := pageRound p.stackBytes
  let argsBase := 2 ^ 32 - ZONE_BYTES - MAX_INPUT_BYTES
  let regions : Array Region := #[
    { first := roBase / PAGE_BYTES, count := pageRound p.roData.size / PAGE_BYTES, writable := false },
    { first := rwBase / PAGE_BYTES, count := rwLen / PAGE_BYTES, writable := true },
    { first := (stackTop - stackLen) / PAGE_BYTES, count := stackLen / PAGE_BYTES, writable := true },
    { first := argsBase / PAGE_BYTES, count := pageRound args.size / PAGE_BYTES, writable := false }]
  let pages := pagesOf roBase p.roData ++ pagesOf rwBase p.rwData ++ pagesOf argsBase args
  let mut regs : Array UInt64 := Array.replicate 13 0
  let halt := HALT_ADDRESS
  regs := regs.set! 0 halt.toUInt64
  regs := regs.set! 1 stackTop.toUInt64
  regs := regs.set! 7 argsBase.toUInt64
  regs := regs.set! 8 args.size.toUInt64
  return some { regs := regs, pc := pc, gas := gas,
    memory := { regions := regions, pages := pages, guard := ZONE_BYTES, heapTop := some (rwBase + rwLen) } }

end Jar.JAVM
