/-!
# Accumulation (Gray Paper §12.2–12.3, B.7)

A block accumulates its accumulatable reports (W*, `AccumulateQueue.lean`) in rounds (∆+): each
round takes the longest prefix of the reports left whose gas fits the budget, and accumulates
every service those reports name, every always-accumulate service (first round only) and every
service a transfer of the previous round goes to — all from the same state, as if in parallel
(∆*). One service's accumulation (∆1) runs its code (Ψ_A) with the gas of its inputs: its
transfers first, then its operands. The rounds' results merge by the GP's rules: each service
keeps its own account and the accounts it created, services it ejected go, the privileged
services decide their privileges, provided preimages land at the end of the round.

Service code runs through the seam (`JAVM/Seam.lean`), so the engine behind it — the generated
reference, javm's interpreter or its recompiler — is the caller's choice and never changes the
result.
-/
import Jar.HostCalls

namespace Jar

open Jar.JAVM

variable [JarVariant]

/-- How the guest's run ended, and the gas left. -/
inductive InvocationEnd where
  /-- A regular halt with the output the guest pointed φ₇, φ₈ at (empty if not readable). -/
  | halt (output : ByteArray)
  | panic
  | outOfGas
  deriving BEq, Repr, Inhabited

/-- What one service's accumulation gives (GP B.7's C, and ∆1). -/
structure ServiceOutcome where
  state : PartialState
  transfers : Array DeferredTransfer
  yield : Option Hash
  gasUsed : Nat
  provisions : Array Provision
  deriving BEq, Repr, Inhabited

/-- The gas model the variant charges service code by. -/
def serviceGasCharge (p : Program) : GasCharge :=
  match GAS_MODEL with
  | .perInstruction => .perInstruction
  | .basicBlockSinglePass => .perBlock (blockCostsSinglePass p)
  | .basicBlockFull => .perBlock (blockCostsPipeline p)

/-- Runs service code `p` from `m` to its end (Ψ_H with accumulation's host calls), and returns
the end, the gas left and the context pair. Each host call costs gas, so the number of calls
is bounded by the gas; the fuel only says so to Lean. -/
def runService (p : Program) (m : Machine) (ctx : Implications) (t : TimeSlot) (eta0 : Hash)
    (inputs : Array AccumulateInput) : InvocationEnd × Nat × Implications × Implications := Id.run do
  let g := serviceGasCharge p
  let mut x := ctx
  let mut y := ctx
  let mut o := pvmRun p g m
  for _ in [:m.gas / HOST_CALL_GAS + 2] do
    let some out := o | return (.panic, 0, x, y)
    match out.exit with
    | .hostCall n =>
      let st := accumulateHostCall n out.machine x y t eta0 inputs
      x := st.x
      y := st.y
      match st.outcome with
      | .proceed => o := pvmResume p g { out with machine := st.machine }
      | .panic => return (.panic, st.machine.gas, x, y)
      | .outOfGas => return (.outOfGas, 0, x, y)
    | .halt =>
      let mem := out.machine.memory
      let ptr := hostReg out.machine 7
      let len := hostReg out.machine 8
      let output := if rangeAccessible mem ptr len false then readBytes mem ptr len else ByteArray.empty
      return (.halt output, out.machine.gas, x, y)
    | .outOfGas => return (.outOfGas, 0, x, y)
    | _ => return (.panic, out.machine.gas, x, y)
  return (.panic, 0, x, y)

/-- The first index `new` hands out in an accumulation of service `s` at slot `t` (GP B.7's I):
from the hash of E₄(s) ⌢ η′₀ ⌢ E₄(t), into the public range, past the accounts there are. -/
def firstFreeId (d : Array AccountEntry) (s : ServiceId) (eta0 : Hash) (t : TimeSlot) : ServiceId :=
  let h := blake2b256 (encodeU32LE s.toNat ++ eta0.data ++ encodeU32LE t.toNat)
  checkIndex d (decodeU32LE h.data 0 % (2 ^ 32 - S_MIN - 2 ^ 8) + S_MIN)

/-- Ψ_A (GP B.7): accumulates service `s` at slot `t` with gas `gas` on inputs `inputs`. Its
incoming transfers are credited first; without code (or with code over W_C) nothing else
happens. A run that panics or runs out of gas leaves the context of its last checkpoint. -/
def accumulateService (u : PartialState) (t : TimeSlot) (s : ServiceId) (gas : Nat)
    (inputs : Array AccumulateInput) (eta0 : Hash) : ServiceOutcome := Id.run do
  let mut credit := 0
  for i in inputs do
    match i with
    | .transfer tr => credit := capAdd credit tr.amount.toNat
    | .operand _ => credit := credit
  let mut u' := u
  match findAccount u.accounts s with
  | none => return { state := u, transfers := #[], yield := none, gasUsed := 0, provisions := #[] }
  | some a =>
    u' := { u with accounts := setAccount u.accounts s { a with info := { a.info with balance := a.info.balance + credit.toUInt64 } } }
  let unchanged : ServiceOutcome := { state := u', transfers := #[], yield := none, gasUsed := 0, provisions := #[] }
  let own := (findAccount u'.accounts s).getD default
  let some blob := own.preimageOf s own.info.codeHash | return unchanged
  let some (meta, code) := parseServiceCode blob | return unchanged
  -- W_C bounds the code c of E(↕m, c), not its metadata.
  if blob.size - (encodeCompactNat meta.size).size - meta.size > W_C then
    return unchanged
  let args := encodeCompactNat t.toNat ++ encodeCompactNat s.toNat ++ encodeCompactNat inputs.size
  let some p := parseProgram code.code .gp ECALLI_ENDS_BLOCK | return unchanged
  let some m := standardMachine code args 5 gas | return unchanged
  let ctx : Implications := { id := s, state := u', nextFreeId := firstFreeId u'.accounts s eta0 t,
    transfers := #[], yield := none, provisions := #[] }
  let (e, left, x, y) := runService p m ctx t eta0 inputs
  let used := gas - left
  match e with
  | .halt output =>
    let yield := if output.size == 32 then some (hashOfBytes output) else x.yield
    return { state := x.state, transfers := x.transfers, yield := yield, gasUsed := used, provisions := x.provisions }
  | _ => return { state := y.state, transfers := y.transfers, yield := y.yield, gasUsed := used, provisions := y.provisions }

/-- The gas service `s` accumulates with always (U(f_s, 0)). -/
def freeGasOf (free : Array AlwaysAccumulate) (s : ServiceId) : Nat := Id.run do
  for f in free do
    if f.id == s then
      return f.gas.toNat
  return 0

/-- ∆1 (GP 12.21): service `s`'s accumulation in a round: its transfers, then an operand for each
of its digests in `reports`, with their gas and its free gas. -/
def accumulateOne (e : PartialState) (transfers : Array DeferredTransfer) (reports : Array WorkReport)
    (free : Array AlwaysAccumulate) (s : ServiceId) (t : TimeSlot) (eta0 : Hash) : ServiceOutcome := Id.run do
  let mut gas := freeGasOf free s
  let mut inputs : Array AccumulateInput := #[]
  for tr in transfers do
    if tr.dest == s then
      gas := capAdd gas tr.gas.toNat
      inputs := inputs.push (.transfer tr)
  for r in reports do
    for d in r.results do
      if d.serviceId == s then
        gas := capAdd gas d.accumulateGas.toNat
        inputs := inputs.push (.operand { packageHash := r.packageSpec.hash, segmentRoot := r.packageSpec.exportsRoot,
          authorizerHash := r.authorizerHash, payloadHash := d.payloadHash, gasLimit := d.accumulateGas.toNat,
          result := d.result, authOutput := r.authOutput })
  return accumulateService e t s gas inputs eta0

/-- `ids` with `s` added, in order, once. -/
def insertId (ids : Array ServiceId) (s : ServiceId) : Array ServiceId := Id.run do
  if ids.contains s then
    return ids
  let mut out : Array ServiceId := #[]
  let mut placed := false
  for x in ids do
    if !placed && s < x then
      out := out.push s
      placed := true
    out := out.push x
  if !placed then
    out := out.push s
  return out

/-- The gas one service used in a round. -/
structure ServiceGas where
  id : ServiceId
  gas : Nat
  deriving BEq, Repr, Inhabited

/-- A service's outcome in a round. -/
structure ServiceRound where
  id : ServiceId
  outcome : ServiceOutcome
  deriving BEq, Repr, Inhabited

/-- What a round (∆*) gives. -/
structure RoundOutcome where
  state : PartialState
  transfers : Array DeferredTransfer
  outputs : Array AccumulationOutput
  gasUsed : Array ServiceGas
  deriving BEq, Repr, Inhabited

/-- The outcome of service `s` in a round; a service that did not accumulate changed nothing. -/
def outcomeOf (rounds : Array ServiceRound) (e : PartialState) (s : ServiceId) : PartialState := Id.run do
  for r in rounds do
    if r.id == s then
      return r.outcome.state
  return e

/-- R (GP 12.17): the manager's choice `a` if it changed the privilege `o`, else the holder's `b`. -/
def mergePrivilege (o a b : ServiceId) : ServiceId := if a == o then b else a

/-- P (GP 12.18): the provided preimages stored, each where it is still solicited. -/
def applyProvisions (d : Array AccountEntry) (ps : Array Provision) (t : TimeSlot) : Array AccountEntry := Id.run do
  let mut out := d
  for p in ps do
    match findAccount out p.service with
    | none => out := out
    | some a =>
      let h := blake2b256 p.blob
      match a.requestOf p.service h p.blob.size with
      | some slots =>
        if slots.isEmpty then
          out := setAccount out p.service ((a.putPreimage p.service h p.blob).setRequest p.service h p.blob.size #[t])
      | none => out := out
  return out

/-- ∆* (GP 12.17): one round, every service accumulating from the same state `e`. -/
def accumulateRound (e : PartialState) (transfers : Array DeferredTransfer) (reports : Array WorkReport)
    (free : Array AlwaysAccumulate) (t : TimeSlot) (eta0 : Hash) : RoundOutcome := Id.run do
  let mut ids : Array ServiceId := #[]
  for r in reports do
    for d in r.results do
      ids := insertId ids d.serviceId
  for f in free do
    ids := insertId ids f.id
  for tr in transfers do
    ids := insertId ids tr.dest
  let mut rounds : Array ServiceRound := #[]
  for s in ids do
    rounds := rounds.push { id := s, outcome := accumulateOne e transfers reports free s t eta0 }
  let d := e.accounts
  -- (d ∪ n) \ m: each service's own account and the ones it created, less those it removed.
  let mut accounts := d
  for r in rounds do
    for a in r.outcome.state.accounts do
      if a.id == r.id || !hasAccount d a.id then
        accounts := setAccount accounts a.id a.account
  for r in rounds do
    for a in d do
      if !hasAccount r.outcome.state.accounts a.id then
        accounts := removeAccount accounts a.id
  let mut provisions : Array Provision := #[]
  let mut transfers' : Array DeferredTransfer := #[]
  let mut outputs : Array AccumulationOutput := #[]
  let mut gasUsed : Array ServiceGas := #[]
  for r in rounds do
    provisions := provisions ++ r.outcome.provisions
    transfers' := transfers' ++ r.outcome.transfers
    gasUsed := gasUsed.push { id := r.id, gas := r.outcome.gasUsed }
    match r.outcome.yield with
    | some h => outputs := outputs.push { service := r.id, hash := h }
    | none => outputs := outputs
  accounts := applyProvisions accounts provisions t
  -- The privileges: the manager's result decides, except where it left a privilege as it was
  -- and the privilege's holder changed it.
  let p := e.privileges
  let byManager := (outcomeOf rounds e p.bless).privileges
  let mut assign : Array ServiceId := #[]
  let mut queues := e.authQueues
  for c in [:p.assign.size] do
    let holder := outcomeOf rounds e p.assign[c]!
    assign := assign.push (mergePrivilege p.assign[c]! byManager.assign[c]! holder.privileges.assign[c]!)
    queues := queues.set! c holder.authQueues[c]!
  let designator := outcomeOf rounds e p.designate
  let registrar := outcomeOf rounds e p.register
  let privileges' : Privileges := { bless := byManager.bless, assign := assign,
    designate := mergePrivilege p.designate byManager.designate designator.privileges.designate,
    register := mergePrivilege p.register byManager.register registrar.privileges.register,
    alwaysAcc := byManager.alwaysAcc }
  return { state := { accounts := accounts, staging := designator.staging, authQueues := queues, privileges := privileges' },
    transfers := transfers', outputs := outputs, gasUsed := gasUsed }

/-- The accumulation gas of a report's digests. -/
def reportGas (r : WorkReport) : Nat := Id.run do
  let mut g := 0
  for d in r.results do
    g := capAdd g d.accumulateGas.toNat
  return g

/-- What the rounds of a block (∆+) give: how many reports were accumulated, the state, the
outputs and each round's gas per service. -/
structure SequenceOutcome where
  count : Nat
  state : PartialState
  outputs : Array AccumulationOutput
  gasUsed : Array ServiceGas
  deriving BEq, Repr, Inhabited

/-- ∆+ (GP 12.16): rounds until nothing is left to accumulate: each takes the longest prefix of
the reports left whose gas fits the budget; the budget loses what each round used and gains the
gas its transfers carry to the next. Each round either accumulates a report or spends gas, so
the rounds are bounded; the fuel only says so to Lean. -/
def accumulateRounds (budget : Nat) (reports : Array WorkReport) (e : PartialState) (free : Array AlwaysAccumulate)
    (t : TimeSlot) (eta0 : Hash) : SequenceOutcome := Id.run do
  let mut g := budget
  let mut rest := reports
  let mut state := e
  let mut f := free
  let mut transfers : Array DeferredTransfer := #[]
  let mut count := 0
  let mut outputs : Array AccumulationOutput := #[]
  let mut gasUsed : Array ServiceGas := #[]
  for _ in [:reports.size + budget / HOST_CALL_GAS + 2] do
    let mut i := 0
    let mut sum := 0
    for r in rest do
      if capAdd sum (reportGas r) > g then
        break
      sum := capAdd sum (reportGas r)
      i := i + 1
    if transfers.size + i + f.size == 0 then
      break
    let round := accumulateRound state transfers (rest.extract 0 i) f t eta0
    let mut used := 0
    for u in round.gasUsed do
      used := capAdd used u.gas
    let mut carried := 0
    for tr in transfers do
      carried := capAdd carried tr.gas.toNat
    g := capAdd g carried - used
    count := count + i
    rest := rest.extract i rest.size
    state := round.state
    transfers := round.transfers
    f := #[]
    outputs := outputs ++ round.outputs
    gasUsed := gasUsed ++ round.gasUsed
  return { count := count, state := state, outputs := outputs, gasUsed := gasUsed }

/-- What accumulating a block's available reports gives (GP 12.16–12.27). -/
structure AccumulationOutcome where
  ready : Array (Array ReadyRecord)
  accumulated : Array (Array Hash)
  /-- The partial state after accumulation, every accumulated service's last-accumulation slot
  set (δ‡, ι′, φ′, χ′). -/
  state : PartialState
  /-- θ′: the services' accumulation outputs, by service then hash. -/
  outputs : Array AccumulationOutput
  /-- The root of θ′ the recent history's MMR takes (M_B with keccak). -/
  root : Hash
  /-- This block's accumulation statistics of each service that accumulated (G(s), N(s)). -/
  statistics : Array ServicesStatisticsMapEntry
  deriving BEq, Repr, Inhabited

/-- Whether output `a` comes before `b` in θ′. -/
def outputBefore (a b : AccumulationOutput) : Bool :=
  a.service < b.service || (a.service == b.service && a.hash < b.hash)

/-- `outputs` with `o` inserted in order. -/
def insertOutput (outputs : Array AccumulationOutput) (o : AccumulationOutput) : Array AccumulationOutput := Id.run do
  let mut out : Array AccumulationOutput := #[]
  let mut placed := false
  for x in outputs do
    if !placed && outputBefore o x then
      out := out.push o
      placed := true
    out := out.push x
  if !placed then
    out := out.push o
  return out

/-- Accumulation of a block of slot `slot`, after one of slot `tau`, in which the reports
`available` became available (GP §12): what is accumulatable now is accumulated from the
partial state `e` with entropy η′₀ `eta0`, and the queues move. -/
def accumulateBlock (available : Array WorkReport) (ready : Array (Array ReadyRecord))
    (accumulated : Array (Array Hash)) (e : PartialState) (tau slot : TimeSlot) (eta0 : Hash) :
    AccumulationOutcome := Id.run do
  let plan := planAccumulation available ready accumulated slot
  let free := e.privileges.alwaysAcc
  let mut freeGas := 0
  for f in free do
    freeGas := capAdd freeGas f.gas.toNat
  let budget := max G_T (capAdd (G_A * C) freeGas)
  let seq := accumulateRounds budget plan.accumulatable e free slot eta0
  let done := plan.accumulatable.extract 0 seq.count
  let (ready', accumulated') := advanceQueues plan done ready accumulated tau slot
  -- S (GP 12.23–12.25): each service's gas over the rounds and its digests accumulated.
  let mut ids : Array ServiceId := #[]
  for u in seq.gasUsed do
    ids := insertId ids u.id
  for r in done do
    for d in r.results do
      ids := insertId ids d.serviceId
  let mut stats : Array ServicesStatisticsMapEntry := #[]
  let mut accounts := seq.state.accounts
  for s in ids do
    let mut g := 0
    for u in seq.gasUsed do
      if u.id == s then
        g := capAdd g u.gas
    let mut n := 0
    for r in done do
      for d in r.results do
        if d.serviceId == s then
          n := n + 1
    if g != 0 || n != 0 then
      stats := stats.push { id := s, record := { accumulateCount := n.toUInt32, accumulateGasUsed := g.toUInt64 } }
      match findAccount accounts s with
      | some a => accounts := setAccount accounts s { a with info := { a.info with lastAccumulationSlot := slot } }
      | none => accounts := accounts
  let mut outputs : Array AccumulationOutput := #[]
  for o in seq.outputs do
    if !outputs.contains o then
      outputs := insertOutput outputs o
  return { ready := ready', accumulated := accumulated', state := { seq.state with accounts := accounts },
    outputs := outputs, root := outputsRoot outputs, statistics := stats }

/-! The accumulate vectors give the accounts as views; these convert them. -/

/-- The partial state of a vector's accounts and privileges (no staging keys or queues). -/
def partialStateOfViews (views : Array ServiceAccountMapEntry) (privileges : Privileges) : PartialState :=
  { accounts := views.map (fun v => ({ id := v.id, account := accountOfView v.id v.data } : AccountEntry)),
    staging := #[], authQueues := Array.replicate C #[], privileges := privileges }

/-- The views of a partial state's accounts. -/
def viewsOfPartialState (e : PartialState) : Array ServiceAccountMapEntry :=
  e.accounts.map (fun a => ({ id := a.id, data := viewOfAccount a.account } : ServiceAccountMapEntry))

end Jar
