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

/-- jar080 grows its linear memory by host call, not `sbrk`: `ecalli GROW_HEAP_ID` with φ₇ =
pages. The request costs `GROW_HEAP_GAS_PER_PAGE` per page, paid first (a guest that cannot pay
stops out of gas). Within the blob's maximum heap the region grows by that many zeroed pages and
φ₇ becomes the first new page's address; past it nothing changes and φ₇ becomes
`GROW_HEAP_FAILED`. Id 0 is the one freed when that era renumbered its host calls by one. -/
def GROW_HEAP_ID : Nat := 0
def GROW_HEAP_GAS_PER_PAGE : Nat := 1500
def GROW_HEAP_FAILED : UInt64 := 0xFFFFFFFFFFFFFFFF

/-- A run of mapped pages with one access. -/
structure Region where
  /-- The first page number (address / 4096). -/
  first : Nat
  count : Nat
  writable : Bool
  deriving BEq, Repr, Inhabited

/-- The contents of one page that holds data. -/
structure Page where
  /-- The page number (address / 4096). -/
  index : Nat
  /-- Exactly 4096 bytes. -/
  data : ByteArray
  deriving Inhabited

/-- A memory: which pages are mapped and how (the regions; where they overlap, the later one
decides), the contents of the pages that hold data (a mapped page without an entry reads as
zeros, and gets one when it is first written), the guard zone and the heap top. Mapping is
therefore cheap however large the range, as `sbrk` needs. -/
structure Memory where
  regions : Array Region
  pages : Array Page
  /-- Accesses to addresses below `guard` panic rather than fault. -/
  guard : Nat
  /-- The top of the `sbrk` heap, in layouts that have one (GP 0.7.2's standard layout); `none`
  makes `sbrk` panic (the JAR variants grow memory by host call instead). -/
  heapTop : Option Nat := none
  /-- Which inaccessible byte decides a write that touches several pages. `false`: the first in
  access order that may not be written (the GP). `true`: the first that is not mapped at all,
  and only when every page is mapped the first read-only one (PolkaVM, so the JamV1 profile:
  a store across a read-only page and an unmapped one faults on the unmapped one). -/
  missingFirst : Bool := false
  deriving Inhabited

/-- Why a memory access failed. -/
inductive MemFault where
  | panic
  | pageFault (address : Nat)
  deriving BEq, Repr, Inhabited

/-- The access of page `index`: `none` if unmapped, else whether it is writable. -/
def Memory.accessOf (m : Memory) (index : Nat) : Option Bool := Id.run do
  let mut found : Option Bool := none
  for r in m.regions do
    if r.first <= index && index < r.first + r.count then
      found := some r.writable
  return found

/-- The position of page `index` in `m.pages`, if it holds data. -/
def Memory.findPage (m : Memory) (index : Nat) : Option Nat := Id.run do
  for i in [:m.pages.size] do
    if m.pages[i]!.index == index then
      return some i
  return none

/-- The byte of `[addr, addr + n)` (wrapping) that decides why the access may not happen, if it
may not (see `Memory.missingFirst`). -/
def Memory.firstBad (m : Memory) (addr n : Nat) (write : Bool) : Option Nat := Id.run do
  if m.missingFirst then
    for k in [:n] do
      let a := (addr + k) % 2 ^ 32
      if (m.accessOf (a / PAGE_BYTES)).isNone then
        return some a
  for k in [:n] do
    let a := (addr + k) % 2 ^ 32
    match m.accessOf (a / PAGE_BYTES) with
    | none => return some a
    | some writable =>
      if write && !writable then
        return some a
  return none

/-- The fault of touching the inaccessible byte `a`. -/
def Memory.faultAt (m : Memory) (a : Nat) : MemFault :=
  if a < m.guard then .panic else .pageFault (a / PAGE_BYTES * PAGE_BYTES)

/-- The byte at `a` of a mapped page (zero if the page holds no data). -/
def Memory.byteAt (m : Memory) (a : Nat) : UInt8 :=
  match m.findPage (a / PAGE_BYTES) with
  | none => 0
  | some i => m.pages[i]!.data[a % PAGE_BYTES]!

/-- Writes one byte of a mapped page, giving the page its contents first if it has none. -/
def Memory.setByte (m : Memory) (a : Nat) (b : UInt8) : Memory :=
  match m.findPage (a / PAGE_BYTES) with
  | some i =>
    let page := m.pages[i]!
    { m with pages := m.pages.set! i { page with data := page.data.set! (a % PAGE_BYTES) b } }
  | none =>
    let zeros := ByteArray.mk (Array.replicate PAGE_BYTES 0)
    { m with pages := m.pages.push { index := a / PAGE_BYTES, data := zeros.set! (a % PAGE_BYTES) b } }

/-- The `n`-byte little-endian value at `addr`. -/
def Memory.load (m : Memory) (addr n : Nat) : Except MemFault UInt64 := Id.run do
  match m.firstBad addr n false with
  | some a => return .error (m.faultAt a)
  | none =>
    let mut v : UInt64 := 0
    for k in [:n] do
      v := v ||| ((m.byteAt ((addr + k) % 2 ^ 32)).toUInt64 <<< (8 * k).toUInt64)
    return .ok v

/-- Writes the low `n` bytes of `v` at `addr`, little-endian. -/
def Memory.store (m : Memory) (addr n : Nat) (v : UInt64) : Except MemFault Memory := Id.run do
  match m.firstBad addr n true with
  | some a => return .error (m.faultAt a)
  | none =>
    let mut out := m
    for k in [:n] do
      out := out.setByte ((addr + k) % 2 ^ 32) ((v >>> (8 * k).toUInt64) &&& 0xFF).toUInt8
    return .ok out

/-- Maps pages `first` … `last`, writable or read-only; their contents are kept (new pages read
as zeros). -/
def Memory.mapPages (m : Memory) (first last : Nat) (writable : Bool) : Memory :=
  { m with regions := m.regions.push { first := first, count := last + 1 - first, writable := writable } }

/-- `sbrk n` (GP A.5.9): grows the heap by `n` bytes and returns the previous top, making the new
pages writable. `n = 0` only reads the top. A request that would reach 2³² returns 0 and changes
nothing (the heap top must stay a 32-bit address; upstream's Lean allows exactly 2³², which no
register could hold). `none` when the layout has no heap. -/
def Memory.sbrk (m : Memory) (n : Nat) : Option (Nat × Memory) :=
  match m.heapTop with
  | none => none
  | some top =>
    if n == 0 then some (top, m)
    -- Written as `n ≥ 2³² − top` so that no intermediate value passes 64 bits in the Rust.
    else if n >= 2 ^ 32 - top then some (0, m)
    else
      let firstNew := (top + PAGE_BYTES - 1) / PAGE_BYTES * PAGE_BYTES
      let newTop := top + n
      let grown := if newTop > firstNew then m.mapPages (firstNew / PAGE_BYTES) ((newTop - 1) / PAGE_BYTES) true else m
      some (top, { grown with heapTop := some newTop })

end Jar.JAVM
