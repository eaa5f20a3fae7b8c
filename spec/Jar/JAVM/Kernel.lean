/-!
# The capability kernel (jar1): running VMs

An invocation starts one VM from the manifest and runs whichever VM is active until the root VM
ends or calls a protocol capability. Each VM runs through the seam (`pvmRun`/`pvmResume`), so the
engine behind it (reference, interpreter or recompiler) never changes a result. A run of a VM
ends at an exit; `ecalli` and `ecall` are the kernel's, everything else ends the VM:

* `ecalli s` (10 gas) is CALL on slot `s` of the VM's own table (`s` < 128, else the VM panics);
  slot 0 is REPLY. What a CALL does depends on the capability: HANDLE or CALLABLE runs that VM
  (10 more gas), CODE creates a VM (CREATE), UNTYPED carves pages (RETYPE), a protocol capability
  exits to the host, an empty slot answers WHAT.
* `ecall` (10 gas) is the operation φ₁₁ on the references in φ₁₂: the table operations of
  `KernelOps.lean`, a dynamic CALL (0), and RESUME (13).
* A called VM that ends any other way (trap, panic, out of gas, page fault, halt) returns to its
  caller with a status in φ₈ and a value in φ₇; a page fault or out-of-gas leaves it FAULTED, and
  RESUME runs its faulting instruction again.

A kernel operation the VM cannot pay for stops it out of gas at its `ecalli`/`ecall`.
-/
import Jar.JAVM.KernelOps
import Jar.Accumulate

namespace Jar.JAVM

open Jar

variable [JarVariant]

/-- A capability of the manifest, as the loader validated it. -/
inductive InitialCap where
  | code (slot : Nat) (program : Program)
  /-- Pages `basePage` … `basePage + pageCount − 1`, mapped from the start, holding `init` from
  their first byte. -/
  | data (slot basePage pageCount : Nat) (writable : Bool) (init : ByteArray)
  deriving Inhabited

/-- A JAR v2 manifest: the UNTYPED page budget, the slot of the CODE capability the root VM runs,
and the capabilities. -/
structure CapManifest where
  memoryPages : Nat
  invoke : Nat
  caps : Array InitialCap
  deriving Inhabited

/-- A VM that has not run: zeroed registers, pc 0, no gas. -/
def freshVm (code : Nat) (caps : Array (Option Cap)) (state : VmState) : Vm :=
  { code := code, caps := caps, state := state,
    machine := { regs := Array.replicate 13 0, pc := 0, gas := 0, memory := default }, last := none }

/-- Writes `bytes` over the frames from `first` on, from their first byte. -/
def Kernel.overlay (k : Kernel) (first : Nat) (bytes : ByteArray) : Kernel := Id.run do
  let mut out := k
  for i in [:(bytes.size + PAGE_BYTES - 1) / PAGE_BYTES] do
    let mut page := out.frameBytes (first + i)
    for j in [:PAGE_BYTES] do
      if i * PAGE_BYTES + j < bytes.size then
        page := page.set! j bytes[i * PAGE_BYTES + j]!
    out := out.setFrame (first + i) page
  return out

/-- Starts an invocation: the root VM (id 0) gets protocol capabilities 1 … 28, the manifest's
capabilities (DATA ones carved from the UNTYPED pool in order and mapped), and the rest of the
pool in slot 254 if the budget is not zero. Each DATA page costs `PAGE_GAS` from `gas` (too
little: out of gas). `args` goes into the DATA capability in slot 0, the IPC slot (none there, or
too small: a panic); the root starts at pc 0 with φ₇ = `op`, φ₈ = the arguments' address and
φ₉ = their length. -/
def kernelInit (man : CapManifest) (args : ByteArray) (op gas : Nat) : Except KernelExit Kernel := Id.run do
  let mut caps : Array (Option Cap) := Array.replicate CAP_SLOTS none
  for s in [1:PROTOCOL_SLOTS + 1] do
    caps := caps.set! s (some (.protocol s))
  let mut codes : Array CodeCap := #[]
  -- The DATA capabilities' first frames and initial bytes; `next` is the pool's next frame.
  let mut inits : Array (Nat × ByteArray) := #[]
  let mut next := 0
  let mut rootCode : Option Nat := none
  let mut argsAt : Option (Nat × Nat × Nat) := none
  for c in man.caps do
    match c with
    | .code slot program =>
      if slot == man.invoke then
        rootCode := some codes.size
      caps := caps.set! slot (some (.code codes.size))
      codes := codes.push { program := program, charge := serviceGasCharge program }
    | .data slot basePage pageCount writable init =>
      if slot == 0 then
        argsAt := some (basePage, pageCount, next)
      caps := caps.set! slot (some (.data { frame := next, count := pageCount, base := some basePage, writable := some writable, mapped := Array.replicate pageCount true }))
      inits := inits.push (next, init)
      next := next + pageCount
  let some root := rootCode | return .error .panic
  if next > man.memoryPages then
    return .error .panic
  if gas < next * PAGE_GAS then
    return .error .outOfGas
  if man.memoryPages > 0 then
    caps := caps.set! UNTYPED_SLOT (some .untyped)
  let mut argAddress := 0
  let mut argFrame := 0
  match argsAt with
  | some (basePage, pageCount, frame) =>
    if args.size > pageCount * PAGE_BYTES then
      return .error .panic
    argAddress := basePage * PAGE_BYTES
    argFrame := frame
  | none =>
    if args.size > 0 then
      return .error .panic
  let mut vm := freshVm root caps .running
  vm := { vm with machine := { vm.machine with regs := ((vm.machine.regs.set! 7 op.toUInt64).set! 8 argAddress.toUInt64).set! 9 args.size.toUInt64, gas := gas - next * PAGE_GAS } }
  let mut k : Kernel := { vms := #[vm], codes := codes, frames := #[], untypedNext := next, untypedTotal := man.memoryPages, calls := #[], active := 0 }
  for (frame, init) in inits do
    k := k.overlay frame init
  return .ok (k.overlay argFrame args)

/-- What one kernel step leads to: the kernel runs on, or the invocation stops. -/
inductive KernelStep where
  | next (k : Kernel)
  | stop (o : KernelOutcome)
  deriving Inhabited

/-- Charges `c` gas to VM `v`; `none` if it has less. -/
def Kernel.charge (k : Kernel) (v c : Nat) : Option Kernel :=
  if k.gasOf v < c then none else some (k.setGas v (k.gasOf v - c))

/-- The gas of every VM together: it never grows, so it bounds the kernel's steps. -/
def Kernel.totalGas (k : Kernel) : Nat := k.vms.foldl (fun acc vm => acc + vm.machine.gas) 0

/-- Runs VM `v` on its mapped frames from where it stopped (pc 0 if it never ran). -/
def Kernel.runVm (k : Kernel) (v : Nat) : Option Outcome :=
  let vm := k.vms[v]!
  let code := k.codes[vm.code]!
  let m : Machine := { vm.machine with memory := k.memoryOf v }
  match vm.last with
  | none => pvmRun code.program code.charge m
  | some e => pvmResume code.program code.charge { exit := e, machine := m }

/-- Records that VM `v` stopped with `o`: what it wrote goes back to its frames; its registers, pc,
gas and exit are kept for the next run. -/
def Kernel.stopped (k : Kernel) (v : Nat) (o : Outcome) : Kernel :=
  let k1 := k.writeBack v o.machine.memory
  let vm := k1.vms[v]!
  { k1 with vms := k1.vms.set! v { vm with machine := { o.machine with memory := default }, last := some o.exit } }

/-- The running VM `v` goes on after a kernel operation that set φ₇ to `r7`. -/
def Kernel.answer (k : Kernel) (v : Nat) (r7 : UInt64) : KernelStep := .next (k.setReg v 7 r7)

/-- VM `v` ended with `e` (not a kernel call). The root's end ends the invocation; a called VM
returns to its caller with its unused gas, φ₈ = the status and φ₇ = a value: the child's φ₇ for a
trap or a halt, HUH for a panic, LOW for out of gas, the page's address for a page fault. A passed
capability stays with the child. -/
def Kernel.endVm (k : Kernel) (v : Nat) (e : Exit) : KernelStep :=
  if k.calls.isEmpty then
    match e with
    | .halt => .stop { exit := .halt (k.reg v 7), kernel := k }
    | .outOfGas => .stop { exit := .outOfGas, kernel := k }
    | .pageFault a => .stop { exit := .pageFault a, kernel := k }
    | _ => .stop { exit := .panic, kernel := k }
  else
    let frame := k.calls[k.calls.size - 1]!
    let caller := frame.caller
    let (status, value, state) : UInt64 × UInt64 × VmState := match e with
      | .trap => (STATUS_TRAP, k.reg v 7, VmState.faulted)
      | .outOfGas => (STATUS_OUT_OF_GAS, RESULT_LOW, VmState.faulted)
      | .pageFault a => (STATUS_PAGE_FAULT, a.toUInt64, VmState.faulted)
      | .halt => (STATUS_HALTED, k.reg v 7, VmState.halted)
      | _ => (STATUS_PANIC, RESULT_HUH, VmState.faulted)
    let k1 := ((k.setGas caller (k.gasOf caller + k.gasOf v)).setGas v 0).setState v state
    let k2 := ((k1.setState caller .running).setReg caller 7 value).setReg caller 8 status
    .next { k2 with calls := k2.calls.pop, active := caller }

/-- VM `v` fails at its kernel call with `e` (out of gas, or a panic for a bad `ecalli`), as if
the instruction had stopped it. -/
def Kernel.fail (k : Kernel) (v : Nat) (e : Exit) : KernelStep :=
  let vm := k.vms[v]!
  (({ k with vms := k.vms.set! v { vm with last := some e } }) : Kernel).endVm v e

/-- REPLY by VM `v`: with no caller the invocation halts with φ₇. Otherwise the caller gets φ₇,
φ₈ = 0 and the callee's unused gas, the callee becomes idle (its next CALL continues after this
REPLY), and whatever the callee holds in slot 0 goes back to the slot the caller passed from,
remapped as it was if it is the DATA capability that was passed. -/
def Kernel.reply (k : Kernel) (v : Nat) : KernelStep :=
  if k.calls.isEmpty then .stop { exit := .halt (k.reg v 7), kernel := k }
  else
    let frame := k.calls[k.calls.size - 1]!
    let caller := frame.caller
    let back := if frame.ipcSlot == 0 then none else k.capAt v 0
    let k1 := match back with
      | none => k
      | some c =>
        let arriving : Cap := match c, frame.saved with
          | .data d, some sd => if d.frame == sd.frame && d.count == sd.count then .data sd else c.unmapped
          | _, _ => c.unmapped
        (k.setCap v 0 none).setCap caller frame.ipcSlot (some arriving)
    let k2 := ((k1.setGas caller (k1.gasOf caller + k1.gasOf v)).setGas v 0).setState v .idle
    let k3 := ((k2.setState caller .running).setReg caller 7 (k2.reg v 7)).setReg caller 8 STATUS_REPLY
    .next { k3 with calls := k3.calls.pop, active := caller }

/-- Hands VM `t` (idle, or faulted for RESUME) the running VM `v`'s gas up to `ceiling` and runs
it, `v` waiting. `passFrom` is the slot of `v` whose capability goes to `t`'s slot 0 (0: none). -/
def Kernel.enter (k : Kernel) (v t : Nat) (ceiling : Option Nat) (passFrom : Nat) : Kernel :=
  let gas := k.gasOf v
  let given := match ceiling with
    | some c => min gas c
    | none => gas
  let passed := if passFrom == 0 then none else k.capAt v passFrom
  let (k1, ipc, saved) : Kernel × Nat × Option DataCap := match passed with
    | none => (k, 0, none)
    | some c =>
      let saved : Option DataCap := match c with
        | .data d => some d
        | _ => none
      (((k.setCap v passFrom none).setCap t 0 (some c.unmapped)), passFrom, saved)
  let k2 := ((k1.setGas v (gas - given)).setGas t given).setState v .waiting
  let k3 := k2.setState t .running
  { k3 with calls := k3.calls.push { caller := v, callee := t, ipcSlot := ipc, saved := saved }, active := t }

/-- CALL of VM `t` by the running VM `v` through a HANDLE or CALLABLE with gas ceiling `ceiling`:
`t` must be idle (WHAT otherwise); 10 more gas; φ₇ … φ₁₀ are copied to `t`, and the capability
in `v`'s slot named by the low byte of φ₁₂ (0: none) moves to `t`'s slot 0. -/
def Kernel.callVm (k : Kernel) (v t : Nat) (ceiling : Option Nat) : KernelStep :=
  if t >= k.vms.size || k.stateOf t != .idle then k.answer v RESULT_WHAT
  else
    match k.charge v VM_CALL_GAS with
    | none => k.fail v .outOfGas
    | some k1 =>
      let k2 := (((k1.setReg t 7 (k1.reg v 7)).setReg t 8 (k1.reg v 8)).setReg t 9 (k1.reg v 9)).setReg t 10 (k1.reg v 10)
      .next (k2.enter v t ceiling ((k2.reg v 12).toNat % 256))

/-- RESUME by the running VM `v` of the VM behind the HANDLE in its own slot `s`: that VM must
be faulted by a page fault or out of gas; it runs its faulting instruction again with gas as for
a CALL, and no capability is passed. -/
def Kernel.resumeVm (k : Kernel) (v s : Nat) : KernelStep :=
  match k.capAt v s with
  | some (.handle t ceiling) =>
    let resumable := match k.vms[t]!.last with
      | some (.pageFault _) | some .outOfGas => true
      | _ => false
    if k.stateOf t != .faulted || !resumable then k.answer v RESULT_WHAT
    else
      match k.charge v VM_CALL_GAS with
      | none => k.fail v .outOfGas
      | some k1 => .next (k1.enter v t ceiling 0)
  | _ => k.answer v RESULT_WHAT

/-- CREATE by the running VM `v` from CODE `id`: a new idle VM running that code, with a copy of
each capability of `v`'s slots 0 … 63 chosen by the mask φ₇ (a chosen slot that holds a
capability that cannot be copied answers WHAT), and its HANDLE in the empty slot φ₁₂ (low 32
bits, a reference). φ₇ = that slot. -/
def Kernel.create (k : Kernel) (v id : Nat) : KernelStep := Id.run do
  let some (dv, ds) := k.resolve ((k.reg v 12).toNat % 2 ^ 32) | return k.answer v RESULT_WHAT
  if (k.capAt dv ds).isSome || k.vms.size >= MAX_VMS then
    return k.answer v RESULT_WHAT
  let mask := (k.reg v 7).toNat
  let mut caps : Array (Option Cap) := Array.replicate CAP_SLOTS none
  for i in [:CREATE_SLOTS] do
    if (mask / 2 ^ i) % 2 == 1 then
      match k.capAt v i with
      | some c =>
        if !c.copyable then
          return k.answer v RESULT_WHAT
        caps := caps.set! i (some c)
      | none => pure ()
  let child := k.vms.size
  let k1 : Kernel := { k with vms := k.vms.push (freshVm id caps .idle) }
  return (k1.setCap dv ds (some (.handle child none))).answer v ds.toUInt64

/-- RETYPE by the running VM `v`: φ₇ pages (at least one, at most what the pool has left) carved
from the UNTYPED pool into a new unmapped DATA capability in the empty slot φ₁₂ (low 32 bits, a
reference), for 10 + 1500 gas per page. φ₇ = that slot. As upstream, the pages leave the pool
before the slot is checked. -/
def Kernel.retype (k : Kernel) (v : Nat) : KernelStep :=
  let n := (k.reg v 7).toNat
  if n == 0 || n > k.untypedTotal - k.untypedNext then k.answer v RESULT_WHAT
  else
    match k.charge v (VM_CALL_GAS + n * PAGE_GAS) with
    | none => k.fail v .outOfGas
    | some k1 =>
      let k2 : Kernel := { k1 with untypedNext := k1.untypedNext + n }
      match k2.resolve ((k2.reg v 12).toNat % 2 ^ 32) with
      | some (dv, ds) =>
        if (k2.capAt dv ds).isSome then k2.answer v RESULT_WHAT
        else
          let d : DataCap := { frame := k1.untypedNext, count := n, base := none, writable := none, mapped := Array.replicate n false }
          (k2.setCap dv ds (some (.data d))).answer v ds.toUInt64
      | none => k2.answer v RESULT_WHAT

/-- CALL by the running VM `v` of capability `c`. A DATA capability answers WHAT (upstream's Lean
copies between DATA capabilities here, its Rust answers WHAT). -/
def Kernel.callCap (k : Kernel) (v : Nat) (c : Option Cap) : KernelStep :=
  match c with
  | none => k.answer v RESULT_WHAT
  | some .untyped => k.retype v
  | some (.data _) => k.answer v RESULT_WHAT
  | some (.code id) => k.create v id
  | some (.handle t ceiling) => k.callVm v t ceiling
  | some (.callable t ceiling) => k.callVm v t ceiling
  | some (.protocol id) => .stop { exit := .protocolCall id, kernel := k }

/-- `ecalli imm` by the running VM `v`. -/
def Kernel.ecalli (k : Kernel) (v imm : Nat) : KernelStep :=
  match k.charge v KERNEL_OP_GAS with
  | none => k.fail v .outOfGas
  | some k1 =>
    if imm >= ECALLI_SLOTS then k1.fail v .panic
    else if imm == 0 then k1.reply v
    else k1.callCap v (k1.capAt v imm)

/-- `ecall` by the running VM `v`: operation φ₁₁ on subject φ₁₂ >> 32 and object φ₁₂ mod 2³².
A dynamic CALL may reach into another VM's table only for a protocol capability, and slot 0 of
its own table is REPLY; RESUME names a slot of its own table. -/
def Kernel.ecall (k : Kernel) (v : Nat) : KernelStep :=
  match k.charge v KERNEL_OP_GAS with
  | none => k.fail v .outOfGas
  | some k1 =>
    let op := (k1.reg v 11).toNat
    let r12 := (k1.reg v 12).toNat
    let subject := r12 / 2 ^ 32
    let object := r12 % 2 ^ 32
    if op == OP_CALL then
      match k1.resolve subject with
      | none => k1.answer v RESULT_WHAT
      | some (sv, ss) =>
        if sv == v && ss == 0 then k1.reply v
        else
          let c := k1.capAt sv ss
          let remoteOk := match c with
            | some (.protocol _) => true
            | _ => false
          if sv != v && !remoteOk then k1.answer v RESULT_WHAT else k1.callCap v c
    else if op == OP_RESUME then
      if subject >= CAP_SLOTS then k1.answer v RESULT_WHAT else k1.resumeVm v subject
    else
      let r7 := (k1.reg v 7).toNat
      let r8 := (k1.reg v 8).toNat
      let r9 := (k1.reg v 9).toNat
      let r10 := (k1.reg v 10).toNat
      match k1.manage op subject object r7 r8 r9 r10 with
      | some k2 => k2.answer v RESULT_OK
      | none => k1.answer v RESULT_WHAT

/-- Runs the active VM to its next exit and acts on it. -/
def Kernel.step (k : Kernel) : KernelStep :=
  let v := k.active
  match k.runVm v with
  | none => .stop { exit := .panic, kernel := k }
  | some o =>
    let k1 := k.stopped v o
    match o.exit with
    | .hostCall imm => k1.ecalli v imm
    | .ecall => k1.ecall v
    | e => k1.endVm v e

/-- Runs the kernel until the invocation stops. Every kernel call costs gas and gas is never
created, so the steps are bounded; the fuel only says so. -/
def kernelRun (k : Kernel) : KernelOutcome := Id.run do
  let mut cur := k
  for _ in [:k.totalGas / 5 + 4] do
    match cur.step with
    | .next k1 => cur := k1
    | .stop o => return o
  return { exit := .panic, kernel := cur }

/-- Continues after a protocol call: the host's answer goes to the calling VM's φ₇ and φ₈. -/
def kernelProtocolReturn (k : Kernel) (r7 r8 : UInt64) : KernelOutcome :=
  kernelRun ((k.setReg k.active 7 r7).setReg k.active 8 r8)
