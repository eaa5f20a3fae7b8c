/-!
# JAVM execution: running until an exit

Gas is charged before an instruction runs; if the gas left is less than the charge, the machine
stops with `outOfGas` and nothing is deducted. Under the per-instruction model (GP 0.7.2) every
instruction costs 1. Under a per-block model each basic block costs a number fixed in advance (a
table computed by a gas model, or supplied by the caller as the polkavm-spectool vectors do),
charged when control enters the block; starting in the middle of a block charges the enclosing
block.
-/
import Jar.JAVM.Step

namespace Jar.JAVM

/-- How gas is charged. -/
inductive GasCharge where
  | perInstruction
  /-- The cost of each basic block, by the pc that starts it (blocks not listed cost nothing). -/
  | perBlock (costs : Array (Nat × Nat))

/-- The charge for entering the instruction at `pc`. -/
def GasCharge.costAt (g : GasCharge) (pc : Nat) : Nat :=
  match g with
  | .perInstruction => 1
  | .perBlock costs => Id.run do
    for (start, cost) in costs do
      if start == pc then
        return cost
    return 0

/-- The start of the basic block that contains `pc`. -/
def Program.blockStartOf (p : Program) (pc : Nat) : Nat := Id.run do
  for k in [:pc + 1] do
    if p.isBlockStart (pc - k) then
      return pc - k
  return 0

/-- How a run ended: the exit and the machine at that point (`pc` is the pc of the instruction
that caused the exit). -/
structure Outcome where
  exit : Exit
  machine : Machine
  deriving Inhabited

/-- One instruction under a gas model: the machine after it with the charge for the next, or
how the run ended. -/
inductive ChargedStep where
  | next (m : Machine) (charge : Nat)
  | stop (o : Outcome)
  deriving Inhabited

/-- Runs the instruction at `m.pc` after paying `charge` for it; with less gas than that, the run
ends out of gas and nothing is paid. -/
def stepCharged (p : Program) (g : GasCharge) (m : Machine) (charge : Nat) : ChargedStep :=
  if m.gas < charge then .stop { exit := .outOfGas, machine := m }
  else
    match step p { m with gas := m.gas - charge } with
    | .next m' => .next m' (g.costAt m'.pc)
    | .stop e m' => .stop { exit := e, machine := m' }

/-- Runs from `m`, paying `firstCharge` for the first instruction and the model's charge for every
later one, for at most `fuel` instructions; `none` if the fuel runs out first. -/
def runCharged (p : Program) (g : GasCharge) (m : Machine) (firstCharge fuel : Nat) : Option Outcome := Id.run do
  let mut cur := m
  let mut charge := firstCharge
  for _ in [:fuel] do
    match stepCharged p g cur charge with
    | .next m' c =>
      cur := m'
      charge := c
    | .stop o => return some o
  return none

/-- The charge for starting at `pc`: entering mid-block pays for the enclosing block. -/
def GasCharge.entry (g : GasCharge) (p : Program) (pc : Nat) : Nat :=
  match g with
  | .perInstruction => 1
  | .perBlock _ => g.costAt (p.blockStartOf pc)

/-- Runs from `m` (starting at `m.pc`) for at most `fuel` instructions. -/
def run (p : Program) (g : GasCharge) (m : Machine) (fuel : Nat) : Option Outcome :=
  runCharged p g m (g.entry p m.pc) fuel

/-- Where a run continues after a resumable exit (the host may have changed registers and memory
in between), and what its first instruction pays: after a host call or `ecall`, the next
instruction, paying for it as usual; after a page fault, the faulting instruction again without
paying twice; after running out of gas, the same instruction, paying for it. Other exits are
final: `none`. -/
def resumePoint (p : Program) (g : GasCharge) (o : Outcome) : Option (Machine × Nat) :=
  let m := o.machine
  match o.exit with
  | .hostCall _ | .ecall =>
    match p.opcodeAt m.pc with
    | none => none
    | some op =>
      let next := (p.decode m.pc op).next
      some ({ m with pc := next }, g.costAt next)
  | .pageFault _ => some (m, 0)
  | .outOfGas => some (m, g.entry p m.pc)
  | _ => none

/-- Continues after a resumable exit, from its `resumePoint`. -/
def resume (p : Program) (g : GasCharge) (o : Outcome) (fuel : Nat) : Option Outcome :=
  match resumePoint p g o with
  | some (m, charge) => runCharged p g m charge fuel
  | none => none

end Jar.JAVM
