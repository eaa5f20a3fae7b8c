/-!
# The capability kernel (jar1): its state

jar1 runs a program as a tree of VMs that hold capabilities, after seL4. This file is what the
kernel knows: the kinds of capability, each VM's 256-slot table, the physical pages behind DATA
capabilities, the call stack, and how a VM's address space follows from the DATA capabilities it
holds. `KernelOps.lean` changes capability tables; `Kernel.lean` runs VMs.

Pages are modelled precisely. A DATA capability names a run of physical pages (frames) in one
store shared by every VM; MAP makes some of them visible in the address space of the VM whose
table holds the capability, at a base page fixed by its first MAP. No page is ever copied between
VMs: a VM runs on exactly the frames it has mapped, and what it writes goes back to those frames
when it stops, so a capability moved to another VM carries what was written through it. Since
DATA capabilities are move-only and a mapping belongs to the table that holds the capability, a
frame is visible to at most one VM at a time.

Facts (numbers, register contract, slot layout) follow upstream's JAVM v2 as recorded in
`reference/upstream-javm-notes.md` §1; where upstream's Lean and Rust differ or are silent, the
choice is jarkit's and says so.
-/
import Jar.JAVM.Seam

namespace Jar.JAVM

/-- Slots in every VM's capability table. -/
def CAP_SLOTS : Nat := 256
/-- Slots 1 … 28 start out holding the protocol capabilities (system calls), id = slot. -/
def PROTOCOL_SLOTS : Nat := 28
/-- The slot that holds the invocation's UNTYPED capability. -/
def UNTYPED_SLOT : Nat := 254
/-- `ecalli` names a slot of the caller's own table below this. -/
def ECALLI_SLOTS : Nat := 128
/-- CREATE copies capabilities from the slots below this, chosen by a 64-bit mask. -/
def CREATE_SLOTS : Nat := 64
/-- At most this many VMs per invocation. -/
def MAX_VMS : Nat := 65535
/-- Gas of `ecalli` and of `ecall`, on top of the block's. -/
def KERNEL_OP_GAS : Nat := 10
/-- Further gas of a CALL of a VM, of RESUME and of RETYPE. -/
def VM_CALL_GAS : Nat := 10
/-- Gas per page a DATA capability takes from the UNTYPED pool (at start and by RETYPE). -/
def PAGE_GAS : Nat := 1500
/-- The pages of the 32-bit address space. -/
def ADDRESS_SPACE_PAGES : Nat := 1048576

/-- Result codes in φ₇ (GP's host-call codes). -/
def RESULT_OK : UInt64 := 0
def RESULT_WHAT : UInt64 := 0xFFFFFFFFFFFFFFFE
def RESULT_LOW : UInt64 := 0xFFFFFFFFFFFFFFF8
def RESULT_HUH : UInt64 := 0xFFFFFFFFFFFFFFF7

/-- How a called VM ended, in its caller's φ₈. 0 is REPLY. `STATUS_HALTED` is jarkit's: upstream's
Lean treats a child's halt as a panic and its Rust leaves φ₈ unchanged. -/
def STATUS_REPLY : UInt64 := 0
def STATUS_TRAP : UInt64 := 1
def STATUS_PANIC : UInt64 := 2
def STATUS_OUT_OF_GAS : UInt64 := 3
def STATUS_PAGE_FAULT : UInt64 := 4
def STATUS_HALTED : UInt64 := 6

/-- A DATA capability: `count` frames from `frame`, and where they are mapped. -/
structure DataCap where
  /-- The first of its frames in the kernel's store. -/
  frame : Nat
  count : Nat
  /-- The guest page its page 0 sits at: fixed by its first MAP, kept through UNMAP and moves. -/
  base : Option Nat
  /-- Whether it maps writable: fixed by its first MAP. -/
  writable : Option Bool
  /-- Which of its pages are mapped into the address space of the VM whose table holds it. -/
  mapped : Array Bool
  deriving BEq, Repr, Inhabited

/-- A capability. UNTYPED, CODE, CALLABLE and protocol capabilities may be copied; DATA and
HANDLE only moved. -/
inductive Cap where
  /-- The invocation's page pool; CALL on it is RETYPE. -/
  | untyped
  | data (d : DataCap)
  /-- A program (an index into the kernel's codes); CALL on it is CREATE. -/
  | code (id : Nat)
  /-- The one owning reference to a VM: CALL runs it, and the management operations act on it. -/
  | handle (vm : Nat) (maxGas : Option Nat)
  /-- A reference to a VM that can only CALL it. -/
  | callable (vm : Nat) (maxGas : Option Nat)
  /-- A system call: CALL exits to the host with `id`, which travels with the capability. -/
  | protocol (id : Nat)
  deriving BEq, Repr, Inhabited

/-- Whether COPY (and CREATE's inheritance) may duplicate `c`. -/
def Cap.copyable (c : Cap) : Bool :=
  match c with
  | .untyped | .code _ | .callable _ _ | .protocol _ => true
  | .data _ | .handle _ _ => false

/-- A VM's state. Only an idle VM accepts a CALL, so no VM is ever entered twice and the call
graph stays acyclic. `dropped` is jarkit's: a VM whose HANDLE was dropped, never run again. -/
inductive VmState where
  | idle
  | running
  | waiting
  | halted
  | faulted
  | dropped
  deriving BEq, Repr, Inhabited

/-- A VM: the program it runs, its capability table, its registers, pc and gas, and how its last
run stopped (`none` before its first run: it then starts at pc 0). Its memory is not stored: it
is the frames its DATA capabilities map. -/
structure Vm where
  code : Nat
  caps : Array (Option Cap)
  state : VmState
  machine : Machine
  last : Option Exit
  deriving Inhabited

/-- A program as the kernel runs it: the code and its gas table under the variant's model. -/
structure CodeCap where
  program : Program
  charge : GasCharge
  deriving Inhabited

/-- One CALL in progress. -/
structure CallFrame where
  caller : Nat
  callee : Nat
  /-- The caller's slot whose capability went to the callee's slot 0 (0: none was passed). -/
  ipcSlot : Nat
  /-- The mapping of a passed DATA capability, restored when that capability comes back. -/
  saved : Option DataCap
  deriving Inhabited

/-- The kernel: every VM (index = VM id), the programs, the frames that hold data (a frame
without an entry reads as zeros; `Page.index` is the frame number), the UNTYPED pool as a bump
allocator, the call stack and the VM that runs. -/
structure Kernel where
  vms : Array Vm
  codes : Array CodeCap
  frames : Array Page
  untypedNext : Nat
  untypedTotal : Nat
  calls : Array CallFrame
  active : Nat
  deriving Inhabited

/-- How an invocation stops: the root VM's end, or a protocol call for the host to answer. -/
inductive KernelExit where
  | halt (value : UInt64)
  | panic
  | outOfGas
  | pageFault (address : Nat)
  | protocolCall (id : Nat)
  deriving BEq, Repr, Inhabited

/-- The kernel when it stopped, and why. -/
structure KernelOutcome where
  exit : KernelExit
  kernel : Kernel
  deriving Inhabited

/-- Register `r` of VM `v`. -/
def Kernel.reg (k : Kernel) (v r : Nat) : UInt64 := k.vms[v]!.machine.regs[r]!

/-- Sets register `r` of VM `v`. -/
def Kernel.setReg (k : Kernel) (v r : Nat) (x : UInt64) : Kernel :=
  let vm := k.vms[v]!
  { k with vms := k.vms.set! v { vm with machine := { vm.machine with regs := vm.machine.regs.set! r x } } }

/-- The capability in slot `s` of VM `v`. -/
def Kernel.capAt (k : Kernel) (v s : Nat) : Option Cap := k.vms[v]!.caps[s]!

/-- Puts `c` (or nothing) in slot `s` of VM `v`. -/
def Kernel.setCap (k : Kernel) (v s : Nat) (c : Option Cap) : Kernel :=
  let vm := k.vms[v]!
  { k with vms := k.vms.set! v { vm with caps := vm.caps.set! s c } }

/-- The state of VM `v`. -/
def Kernel.stateOf (k : Kernel) (v : Nat) : VmState := k.vms[v]!.state

def Kernel.setState (k : Kernel) (v : Nat) (s : VmState) : Kernel :=
  let vm := k.vms[v]!
  { k with vms := k.vms.set! v { vm with state := s } }

def Kernel.gasOf (k : Kernel) (v : Nat) : Nat := k.vms[v]!.machine.gas

def Kernel.setGas (k : Kernel) (v g : Nat) : Kernel :=
  let vm := k.vms[v]!
  { k with vms := k.vms.set! v { vm with machine := { vm.machine with gas := g } } }

/-- A capability reference (32 bits): byte 0 is the slot; bytes 1, 2 and 3 are a path of HANDLE
slots taken in that order from the running VM's table, a 0 byte ending the path (so slot 0 is
never a hop, and a hop after a 0 is refused). Every hop must be a HANDLE of a VM that is neither
running nor waiting (nor dropped). The result is the VM whose table is meant and the slot. -/
def Kernel.resolve (k : Kernel) (ref : Nat) : Option (Nat × Nat) := Id.run do
  let mut v := k.active
  let mut ended := false
  for i in [1:4] do
    let hop := (ref / 2 ^ (8 * i)) % 256
    if hop == 0 then
      ended := true
    else
      if ended then
        return none
      match k.capAt v hop with
      | some (.handle target _) =>
        let s := k.stateOf target
        if s == .running || s == .waiting || s == .dropped then
          return none
        v := target
      | _ => return none
  return some (v, ref % 256)

/-- Whether guest page `g` of VM `v` is mapped by a DATA capability in a slot other than `skip`. -/
def Kernel.pageTaken (k : Kernel) (v skip g : Nat) : Bool := Id.run do
  let caps := k.vms[v]!.caps
  for s in [:CAP_SLOTS] do
    if s != skip then
      match caps[s]! with
      | some (.data d) =>
        match d.base with
        | some b =>
          if b <= g && g < b + d.count && d.mapped[g - b]! then
            return true
        | none => pure ()
      | _ => pure ()
  return false

/-- The position of frame `f` in the store, if it holds data. -/
def Kernel.findFrame (k : Kernel) (f : Nat) : Option Nat := Id.run do
  for i in [:k.frames.size] do
    if k.frames[i]!.index == f then
      return some i
  return none

/-- The 4096 bytes of frame `f`. -/
def Kernel.frameBytes (k : Kernel) (f : Nat) : ByteArray :=
  match k.findFrame f with
  | some i => k.frames[i]!.data
  | none => ByteArray.mk (Array.replicate PAGE_BYTES 0)

/-- Sets the contents of frame `f` (4096 bytes). -/
def Kernel.setFrame (k : Kernel) (f : Nat) (data : ByteArray) : Kernel :=
  match k.findFrame f with
  | some i => { k with frames := k.frames.set! i { index := f, data := data } }
  | none => { k with frames := k.frames.push { index := f, data := data } }

/-- The address space of VM `v`: every page its DATA capabilities map, with their frames'
contents (frames without data stay absent and read as zeros). -/
def Kernel.memoryOf (k : Kernel) (v : Nat) : Memory := Id.run do
  let mut regions : Array Region := #[]
  let mut pages : Array Page := #[]
  for c in k.vms[v]!.caps do
    match c with
    | some (.data d) =>
      match d.base with
      | some b =>
        let w := d.writable.getD false
        for i in [:d.count] do
          if d.mapped[i]! then
            regions := regions.push { first := b + i, count := 1, writable := w }
            match k.findFrame (d.frame + i) with
            | some j => pages := pages.push { index := b + i, data := k.frames[j]!.data }
            | none => pure ()
      | none => pure ()
    | _ => pure ()
  return { regions := regions, pages := pages, guard := 0, heapTop := none }

/-- Writes what VM `v` left in `mem` back to the frames it maps writable: a page `mem` holds
goes to its frame, and a page it does not hold reads as zeros, so its frame is cleared. -/
def Kernel.writeBack (k : Kernel) (v : Nat) (mem : Memory) : Kernel := Id.run do
  let mut out := k
  for c in k.vms[v]!.caps do
    match c with
    | some (.data d) =>
      match d.base, d.writable with
      | some b, some true =>
        for i in [:d.count] do
          if d.mapped[i]! then
            match mem.findPage (b + i) with
            | some j => out := out.setFrame (d.frame + i) mem.pages[j]!.data
            | none =>
              if (out.findFrame (d.frame + i)).isSome then
                out := out.setFrame (d.frame + i) (ByteArray.mk (Array.replicate PAGE_BYTES 0))
      | _, _ => pure ()
    | _ => pure ()
  return out

end Jar.JAVM
