/-!
# The accumulation queue (Gray Paper §12.1–12.2)

Reports that became available in a block are accumulated at once if they depend on nothing
(no prerequisites, no segment-root lookups); the others wait in the ready queue ω, one slot of
E, until every package they depend on has been accumulated. ξ remembers the packages accumulated
in each of the last E blocks. This file decides *which* reports are accumulatable in a block (W*)
and how ω and ξ move; running the services' code on them is accumulation proper.
-/
import Jar.State
import Jar.Preimages

namespace Jar

variable [JarVariant]

/-- The package hash of a report. -/
def reportPackage (w : WorkReport) : Hash := w.packageSpec.hash

/-- P (GP 12.9): the packages of some reports. -/
def packagesOf (ws : Array WorkReport) : Array Hash :=
  ws.map (fun w => reportPackage w)

/-- D (GP 12.5): a report with the packages it depends on (its prerequisites and the packages of
its segment-root lookups). -/
def withDependencies (w : WorkReport) : ReadyRecord := Id.run do
  let mut deps := w.context.prerequisites
  for l in w.segmentRootLookup do
    deps := deps.push l.workPackageHash
  return { report := w, dependencies := deps }

/-- E (GP 12.7): the records without those whose package is in `done`, and with every
dependency in `done` removed from the rest. -/
def editQueue (records : Array ReadyRecord) (done : Array Hash) : Array ReadyRecord := Id.run do
  let mut out : Array ReadyRecord := #[]
  for r in records do
    if !done.contains (reportPackage r.report) then
      out := out.push { r with dependencies := r.dependencies.filter (fun d => !done.contains d) }
  return out

/-- Q (GP 12.8): the reports of `records` that become accumulatable in order: those with no
dependency left, then, with their packages done, those this frees, and so on. The fuel bounds
the rounds by the number of records (each round frees at least one). -/
def accumulatableOrder (records : Array ReadyRecord) : Array WorkReport := Id.run do
  let mut out : Array WorkReport := #[]
  let mut rest := records
  for _ in [:records.size] do
    let free := (rest.filter (fun r => r.dependencies.isEmpty)).map (fun r => r.report)
    if free.isEmpty then
      break
    out := out ++ free
    rest := editQueue rest (packagesOf free)
  return out

/-- The ready queue's records from slot `m` round to slot `m − 1` (ω_{m…} ⌢ ω_{…m}). -/
def readyFrom (ready : Array (Array ReadyRecord)) (m : Nat) : Array ReadyRecord := Id.run do
  let mut out : Array ReadyRecord := #[]
  for i in [:ready.size] do
    out := out ++ ready[(m + i) % ready.size]!
  return out

/-- How a block's available reports split (GP 12.4–12.12): W^! (accumulated at once), W^Q (queued
with what they still wait for) and W* (everything accumulatable now, in order). -/
structure AccumulationPlan where
  immediate : Array WorkReport
  queued : Array ReadyRecord
  accumulatable : Array WorkReport
  deriving BEq, Repr, Inhabited

/-- The plan for reports `available` in a block of slot `slot`, given ω and ξ. -/
def planAccumulation (available : Array WorkReport) (ready : Array (Array ReadyRecord))
    (accumulated : Array (Array Hash)) (slot : TimeSlot) : AccumulationPlan := Id.run do
  let mut done : Array Hash := #[]
  for x in accumulated do
    done := done ++ x
  let immediate := available.filter (fun w => w.context.prerequisites.isEmpty && w.segmentRootLookup.isEmpty)
  let waiting := (available.filter (fun w => !(w.context.prerequisites.isEmpty && w.segmentRootLookup.isEmpty))).map (fun w => withDependencies w)
  let queued := editQueue waiting done
  let m := slotInEpoch slot.toNat
  let candidates := editQueue (readyFrom ready m ++ queued) (packagesOf immediate)
  return { immediate := immediate, queued := queued, accumulatable := immediate ++ accumulatableOrder candidates }

/-- ξ′ and ω′ (GP 12.25–12.27) after a block of slot `slot` (the previous block's `tau`) that
accumulated the reports `done` of its plan. -/
def advanceQueues (plan : AccumulationPlan) (done : Array WorkReport) (ready : Array (Array ReadyRecord))
    (accumulated : Array (Array Hash)) (tau slot : TimeSlot) :
    Array (Array ReadyRecord) × Array (Array Hash) := Id.run do
  let justDone := packagesOf done
  let mut accumulated' : Array (Array Hash) := #[]
  for i in [1:accumulated.size] do
    accumulated' := accumulated'.push accumulated[i]!
  accumulated' := accumulated'.push justDone
  let m := slotInEpoch slot.toNat
  let gap := slot.toNat - tau.toNat
  let mut ready' := ready
  for i in [:E] do
    let k := (m + E - i % E) % E
    if i == 0 then
      ready' := ready'.set! k (editQueue plan.queued justDone)
    else if i < gap then
      ready' := ready'.set! k #[]
    else
      ready' := ready'.set! k (editQueue ready[k]! justDone)
  return (ready', accumulated')

/-- A storage entry of a service (a_s), by its unhashed key. -/
structure StorageMapEntry where
  key : ByteArray
  value : ByteArray
  deriving BEq, Repr, Inhabited

/-- A service account as accumulation sees it: its record, storage, preimages and lookups. -/
structure ServiceAccount where
  service : ServiceInfo
  storage : Array StorageMapEntry
  preimageBlobs : Array PreimagesMapEntry
  preimageRequests : Array LookupMetaMapEntry
  deriving BEq, Repr, Inhabited

/-- δ as accumulation sees it, by service id. -/
structure ServiceAccountMapEntry where
  id : ServiceId
  data : ServiceAccount
  deriving BEq, Repr, Inhabited

/-- What accumulating a block's available reports gives (GP 12.16–12.27). -/
structure AccumulationOutcome where
  ready : Array (Array ReadyRecord)
  accumulated : Array (Array Hash)
  /-- θ′: the services' accumulation outputs. -/
  outputs : Array AccumulationOutput
  /-- The root of θ′ the recent history's MMR takes (M_B with keccak). -/
  root : Hash
  /-- This block's accumulation statistics of each service that accumulated. -/
  statistics : Array ServicesStatisticsMapEntry
  deriving BEq, Repr, Inhabited

/-- Why accumulation cannot go on. -/
inductive AccumulationError where
  /-- Reports are accumulatable, or χ names services accumulated every block: their code must
  run, and running service code (Ψ_A and its host calls) is not yet part of the spec. -/
  | serviceCodeNotInSpecYet
  deriving BEq, Repr, Inhabited

/-- The root of accumulation outputs (GP 7.3): M_B over E₄(service) ⌢ hash, keccak. -/
def outputsRoot (outputs : Array AccumulationOutput) : Hash :=
  balancedMerkleKeccak (outputs.map (fun o => encodeU32LE o.service.toNat ++ o.hash.data))

/-- Accumulation of a block of slot `slot` after one of slot `tau` in which the reports
`available` became available (GP §12): the queues move, and what is accumulatable now is
accumulated. -/
def accumulateBlock (available : Array WorkReport) (ready : Array (Array ReadyRecord))
    (accumulated : Array (Array Hash)) (privileges : Privileges) (tau slot : TimeSlot) :
    Except AccumulationError AccumulationOutcome := Id.run do
  let plan := planAccumulation available ready accumulated slot
  if !plan.accumulatable.isEmpty || !privileges.alwaysAcc.isEmpty then
    return .error .serviceCodeNotInSpecYet
  let done : Array WorkReport := #[]
  let (ready', accumulated') := advanceQueues plan done ready accumulated tau slot
  let outputs : Array AccumulationOutput := #[]
  return .ok { ready := ready', accumulated := accumulated', outputs := outputs, root := outputsRoot outputs, statistics := #[] }

end Jar
