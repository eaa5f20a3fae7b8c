/-!
# JAVM memory

The 2³² bytes of a JAVM instance as pages of 4 KiB, each absent, read-only or writable. Both memory
models are this one structure: the GP's segmented layout maps its regions as pages above a guard
zone (accesses below 0x10000 panic), and the linear model (jar080) maps one writable region from
address 0 with no guard zone. An access of n bytes wraps modulo 2³²; if any byte is inaccessible
the access does nothing and the first such byte (in access order) decides the outcome: a panic
inside the guard zone, otherwise a page fault at the start of its page.
-/
import Jar.JAVM.Program

namespace Jar.JAVM

/-- The JAVM page size. -/
def PAGE_BYTES : Nat := 4096

/-- One mapped page. -/
structure Page where
  /-- The page number (address / 4096). -/
  index : Nat
  writable : Bool
  /-- Exactly 4096 bytes. -/
  data : ByteArray
  deriving Inhabited

/-- A memory: the mapped pages (in any order, each index at most once) and the guard zone. -/
structure Memory where
  pages : Array Page
  /-- Accesses to addresses below `guard` panic rather than fault. -/
  guard : Nat
  deriving Inhabited

/-- Why a memory access failed. -/
inductive MemFault where
  | panic
  | pageFault (address : Nat)
  deriving BEq, Repr, Inhabited

/-- The position of page `index` in `m.pages`. -/
def Memory.findPage (m : Memory) (index : Nat) : Option Nat := Id.run do
  for i in [:m.pages.size] do
    if m.pages[i]!.index == index then
      return some i
  return none

/-- The first byte of `[addr, addr + n)` (wrapping) that the access may not touch. -/
def Memory.firstBad (m : Memory) (addr n : Nat) (write : Bool) : Option Nat := Id.run do
  for k in [:n] do
    let a := (addr + k) % 2 ^ 32
    match m.findPage (a / PAGE_BYTES) with
    | none => return some a
    | some i =>
      if write && !m.pages[i]!.writable then
        return some a
  return none

/-- The fault of touching the inaccessible byte `a`. -/
def Memory.faultAt (m : Memory) (a : Nat) : MemFault :=
  if a < m.guard then .panic else .pageFault (a / PAGE_BYTES * PAGE_BYTES)

/-- The `n`-byte little-endian value at `addr`. -/
def Memory.load (m : Memory) (addr n : Nat) : Except MemFault UInt64 := Id.run do
  match m.firstBad addr n false with
  | some a => return .error (m.faultAt a)
  | none =>
    let mut v : UInt64 := 0
    for k in [:n] do
      let a := (addr + k) % 2 ^ 32
      let page := m.pages[(m.findPage (a / PAGE_BYTES)).getD 0]!
      v := v ||| (page.data[a % PAGE_BYTES]!.toUInt64 <<< (8 * k).toUInt64)
    return .ok v

/-- Writes the low `n` bytes of `v` at `addr`, little-endian. -/
def Memory.store (m : Memory) (addr n : Nat) (v : UInt64) : Except MemFault Memory := Id.run do
  match m.firstBad addr n true with
  | some a => return .error (m.faultAt a)
  | none =>
    let mut pages := m.pages
    for k in [:n] do
      let a := (addr + k) % 2 ^ 32
      let i := (m.findPage (a / PAGE_BYTES)).getD 0
      let page := pages[i]!
      let byte := ((v >>> (8 * k).toUInt64) &&& 0xFF).toUInt8
      pages := pages.set! i { page with data := page.data.set! (a % PAGE_BYTES) byte }
    return .ok { m with pages := pages }

end Jar.JAVM
