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
def GasCharge.at (g : GasCharge) (pc : Nat) : Nat :=
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

/-- Runs from `m` for at most `fuel` instructions; `none` if the fuel runs out first. -/
def run (p : Program) (g : GasCharge) (m : Machine) (fuel : Nat) : Option Outcome := Id.run do
  let mut cur := m
  -- Entering mid-block pays for the enclosing block.
  let mut charge := match g with
    | .perInstruction => 1
    | .perBlock _ => g.at (p.blockStartOf m.pc)
  for _ in [:fuel] do
    if cur.gas < charge then
      return some { exit := .outOfGas, machine := cur }
    cur := { cur with gas := cur.gas - charge }
    match step p cur with
    | .next m' =>
      cur := m'
      charge := g.at m'.pc
    | .stop e m' => return some { exit := e, machine := m' }
  return none

end Jar.JAVM
