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
  -- ξ′_{E−1} is a set of package hashes: stored in order, each once.
  let mut doneSet : Array Hash := #[]
  for h in justDone do
    if !doneSet.contains h then
      doneSet := insertSorted doneSet h
  accumulated' := accumulated'.push doneSet
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

/-- A storage entry of a service (a_s), by its unhashed key, as the vectors print it. -/
structure StorageMapEntry where
  key : ByteArray
  value : ByteArray
  deriving BEq, Repr, Inhabited

/-- A service account as the accumulate vectors print it: its record, storage, preimages and
requests, each by name. -/
structure AccountView where
  service : ServiceInfo
  storage : Array StorageMapEntry
  preimageBlobs : Array PreimagesMapEntry
  preimageRequests : Array LookupMetaMapEntry
  deriving BEq, Repr, Inhabited

/-- An account view by service id. -/
structure ServiceAccountMapEntry where
  id : ServiceId
  data : AccountView
  deriving BEq, Repr, Inhabited

/-- The root of accumulation outputs (GP 7.3): M_B over E₄(service) ⌢ hash, keccak. -/
def outputsRoot (outputs : Array AccumulationOutput) : Hash :=
  balancedMerkleKeccak (outputs.map (fun o => encodeU32LE o.service.toNat ++ o.hash.data))

end Jar
