/-!
# The capability kernel (jar1): the operations on capability tables

`ecall` with φ₁₁ = the operation and φ₁₂ = two capability references, the subject in its high 32
bits and the object in its low 32 bits (as upstream's kernel reads them). Each operation here
either succeeds (the VM then gets φ₇ = OK) or changes nothing (φ₇ = WHAT): `none`. The operations
that run VMs (CALL, RESUME) are in `Kernel.lean`.

A DATA capability that changes table loses its mapping (its base and access stay fixed), so no
frame is ever visible to two VMs.
-/
import Jar.JAVM.KernelState

namespace Jar.JAVM

/-- `ecall` operation codes (φ₁₁). GRANT and REVOKE (8, 9) were removed upstream; DIRTY (12) is
reserved and, as upstream, answers WHAT. -/
def OP_CALL : Nat := 0
def OP_MAP : Nat := 2
def OP_UNMAP : Nat := 3
def OP_SPLIT : Nat := 4
def OP_DROP : Nat := 5
def OP_MOVE : Nat := 6
def OP_COPY : Nat := 7
def OP_DOWNGRADE : Nat := 10
def OP_SET_MAX_GAS : Nat := 11
def OP_DIRTY : Nat := 12
def OP_RESUME : Nat := 13

/-- `c` as it arrives in another table: a DATA capability unmapped, anything else as it is. -/
def Cap.unmapped (c : Cap) : Cap :=
  match c with
  | .data d => .data { d with mapped := Array.replicate d.count false }
  | other => other

/-- MAP (φ₇ = base page, φ₈ = first page within the capability, φ₉ = page count, φ₁₀ = access:
0 read-only, 1 read-write) of the DATA capability at `(v, s)` into VM `v`'s address space. At
least one page; base and access must equal those of any earlier MAP, and the whole capability
must fit the address space at that base; no page may already be mapped by another capability of
the same table. Mapping a page twice is harmless. -/
def Kernel.mapData (k : Kernel) (v s : Nat) (base first count access : Nat) : Option Kernel := Id.run do
  let some (.data d) := k.capAt v s | return none
  if access > 1 || count == 0 || first > d.count || count > d.count - first then
    return none
  let writable := access == 1
  match d.base with
  | some b => if b != base then return none
  | none => if base > ADDRESS_SPACE_PAGES || d.count > ADDRESS_SPACE_PAGES - base then return none
  match d.writable with
  | some w => if w != writable then return none
  | none => pure ()
  let mut mapped := d.mapped
  for i in [first:first + count] do
    if k.pageTaken v s (base + i) then
      return none
    mapped := mapped.set! i true
  return some (k.setCap v s (some (.data { d with base := some base, writable := some writable, mapped := mapped })))

/-- UNMAP (φ₇ = first page within the capability, φ₈ = page count); base and access stay. -/
def Kernel.unmapData (k : Kernel) (v s : Nat) (first count : Nat) : Option Kernel := Id.run do
  let some (.data d) := k.capAt v s | return none
  if first > d.count || count > d.count - first then
    return none
  let mut mapped := d.mapped
  for i in [first:first + count] do
    mapped := mapped.set! i false
  return some (k.setCap v s (some (.data { d with mapped := mapped })))

/-- SPLIT the DATA capability at `(v, s)` at page `cut` (φ₇): it keeps its first `cut` pages and the
rest becomes a new capability in the empty object slot `(ov, os)`. Only a wholly unmapped
capability splits, and both halves must hold a page. The high half keeps the addresses it had
(base + `cut`) and the access. -/
def Kernel.splitData (k : Kernel) (v s : Nat) (ov os : Nat) (cut : Nat) : Option Kernel := Id.run do
  let some (.data d) := k.capAt v s | return none
  if cut == 0 || cut >= d.count || d.mapped.any (fun m => m) || (k.capAt ov os).isSome then
    return none
  let highBase : Option Nat := match d.base with
    | some b => some (b + cut)
    | none => none
  let low : DataCap := { d with count := cut, mapped := Array.replicate cut false }
  let high : DataCap := { frame := d.frame + cut, count := d.count - cut, base := highBase, writable := d.writable, mapped := Array.replicate (d.count - cut) false }
  return some ((k.setCap v s (some (.data low))).setCap ov os (some (.data high)))

/-- DROP the capability at `(v, s)`. A dropped DATA capability's frames are gone for good
(upstream leaks them too). Dropping a HANDLE retires its VM, which no CALLABLE then reaches; a VM
on the call stack (running or waiting) cannot be dropped. -/
def Kernel.dropCap (k : Kernel) (v s : Nat) : Option Kernel := Id.run do
  match k.capAt v s with
  | none => return none
  | some (.handle target _) =>
    let st := k.stateOf target
    if st == .running || st == .waiting then
      return none
    return some ((k.setCap v s none).setState target .dropped)
  | some _ => return some (k.setCap v s none)

/-- MOVE the capability at `(v, s)` to the empty slot `(ov, os)`. -/
def Kernel.moveCap (k : Kernel) (v s : Nat) (ov os : Nat) : Option Kernel := Id.run do
  let some c := k.capAt v s | return none
  if (k.capAt ov os).isSome || (v == ov && s == os) then
    return none
  let moved := if v == ov then c else c.unmapped
  return some ((k.setCap v s none).setCap ov os (some moved))

/-- COPY the copyable capability at `(v, s)` to the empty slot `(ov, os)`. -/
def Kernel.copyCap (k : Kernel) (v s : Nat) (ov os : Nat) : Option Kernel := Id.run do
  let some c := k.capAt v s | return none
  if !c.copyable || (k.capAt ov os).isSome then
    return none
  return some (k.setCap ov os (some c))

/-- DOWNGRADE the HANDLE at `(v, s)`: a CALLABLE of the same VM, with its gas ceiling, in the
empty slot `(ov, os)`. -/
def Kernel.downgrade (k : Kernel) (v s : Nat) (ov os : Nat) : Option Kernel := Id.run do
  let some (.handle target ceiling) := k.capAt v s | return none
  if (k.capAt ov os).isSome then
    return none
  return some (k.setCap ov os (some (.callable target ceiling)))

/-- SET_MAX_GAS of the HANDLE at `(v, s)` to φ₇: the most gas a CALL of it hands over. Later
DOWNGRADEs copy it; existing CALLABLEs keep theirs. -/
def Kernel.setMaxGas (k : Kernel) (v s : Nat) (gas : Nat) : Option Kernel := Id.run do
  let some (.handle target _) := k.capAt v s | return none
  return some (k.setCap v s (some (.handle target (some gas))))

/-- The management operation `op` on subject reference `subject` and object reference `object`
with the running VM's φ₇ … φ₁₀ (`none`: WHAT). CALL and RESUME are not here. -/
def Kernel.manage (k : Kernel) (op subject object : Nat) (r7 r8 r9 r10 : Nat) : Option Kernel := Id.run do
  let some (v, s) := k.resolve subject | return none
  if op == OP_MAP then
    return k.mapData v s r7 r8 r9 r10
  if op == OP_UNMAP then
    return k.unmapData v s r7 r8
  if op == OP_DROP then
    return k.dropCap v s
  if op == OP_SET_MAX_GAS then
    return k.setMaxGas v s r7
  let some (ov, os) := k.resolve object | return none
  if op == OP_SPLIT then
    return k.splitData v s ov os r7
  if op == OP_MOVE then
    return k.moveCap v s ov os
  if op == OP_COPY then
    return k.copyCap v s ov os
  if op == OP_DOWNGRADE then
    return k.downgrade v s ov os
  return none

end Jar.JAVM
