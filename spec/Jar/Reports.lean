/-!
# Work reports: guarantees (Gray Paper §11.3–11.4)

A guarantee puts a work report on its core, signed by two or three of the validators assigned
to that core. Validators are assigned to cores per rotation of R slots: the validator indices
map to cores ⌊C·i/V⌋, shuffled by an entropy and rotated by the rotation's index within the
epoch. A guarantee of the current rotation uses η₂ and the current validators; one of the
previous rotation uses η₂ and the current validators if that rotation is in this epoch, else η₃
and the previous validators. Offenders' keys sign nothing.

The guarantees must be sorted by core; each report must be for a free core (no pending report,
or a timed-out one) whose authorizer pool holds its authorizer, fit the gas, size and dependency
limits, name existing services with their code, anchor on a recent block with its state and
Beefy roots, and be a new package whose prerequisites and segment-root lookups are known. The
reports then occupy their cores, the packages are output with their segment roots (sorted by
package hash), the guarantors' keys are the reporters (sorted, once each), and the core and service statistics count the work.
-/
import Jar.Disputes
import Jar.History
import Jar.Shuffle

namespace Jar

variable [JarVariant]

/-- The service account fields the guarantees need (part of GP's service account). -/
structure ServiceInfo where
  /-- The account's format version (GP 0.7.1, #472); written back unchanged. -/
  version : UInt8
  codeHash : Hash
  balance : UInt64
  minItemGas : Gas
  minMemoGas : Gas
  bytes : UInt64
  depositOffset : UInt64
  items : UInt32
  creationSlot : TimeSlot
  lastAccumulationSlot : TimeSlot
  parentService : ServiceId
  deriving BEq, Repr, Inhabited

structure ServiceData where
  service : ServiceInfo
  deriving BEq, Repr, Inhabited

/-- δ, as far as the guarantees read it: service id ↦ account. -/
structure ServiceInfoEntry where
  id : ServiceId
  data : ServiceData
  deriving BEq, Repr, Inhabited

/-- One core's activity in a block (GP 13.8). -/
structure CoreActivityRecord where
  daLoad : UInt32 := 0
  popularity : UInt16 := 0
  imports : UInt16 := 0
  extrinsicCount : UInt16 := 0
  extrinsicSize : UInt32 := 0
  exports : UInt16 := 0
  bundleSize : UInt32 := 0
  gasUsed : Gas := 0
  deriving BEq, Repr, Inhabited

/-- A package reported in this block and the root of the segments it exported. -/
structure ReportedPackage where
  workPackageHash : Hash
  segmentTreeRoot : Hash
  deriving BEq, Repr, Inhabited

/-- Why a guarantees extrinsic is invalid. -/
inductive ReportsError where
  | badCoreIndex
  | futureReportSlot
  | reportEpochBeforeLast
  | insufficientGuarantees
  | outOfOrderGuarantee
  | notSortedOrUniqueGuarantors
  | wrongAssignment
  | coreEngaged
  | anchorNotRecent
  | badServiceId
  | badCodeHash
  | dependencyMissing
  | duplicatePackage
  | badStateRoot
  | badBeefyMmrRoot
  | coreUnauthorized
  | badValidatorIndex
  | workReportGasTooHigh
  | serviceItemGasTooLow
  | tooManyDependencies
  | segmentRootLookupInvalid
  | badSignature
  | workReportTooBig
  | bannedValidator
  | lookupAnchorNotRecent
  | missingWorkResults
  deriving BEq, Repr, Inhabited

/-- The core of each validator for the rotation holding slot `t`, from `entropy` (GP 11.19–20). -/
def coreAssignments (entropy : Hash) (t : Nat) : Array Nat :=
  let byIndex := (Array.range V).map (fun i => C * i / V)
  let shuffled : Array Nat := shuffle byIndex entropy
  let rotation := (t % E) / R_ROTATION
  shuffled.map (fun c => (c + rotation) % C)

/-- One rotation's guarantors: each validator's core, and the validators' keys. -/
structure Assignment where
  cores : Array Nat
  keys : Array ValidatorKeys
  deriving BEq, Repr, Inhabited

/-- The assignment of the rotation holding block slot `slot` (G, GP 11.21). -/
def currentAssignment (entropy : Array Hash) (kappa : Array ValidatorKeys) (slot : Nat) : Assignment :=
  { cores := coreAssignments entropy[2]! slot, keys := kappa }

/-- The assignment of the rotation before `slot`'s (G*, GP 11.22): η₂ and the current
validators if that rotation is in this epoch, else η₃ and the previous validators. -/
def previousAssignment (entropy : Array Hash) (kappa lambda : Array ValidatorKeys) (slot : Nat) :
    Assignment :=
  let previous := slot - R_ROTATION
  if epochOf previous == epochOf slot then { cores := coreAssignments entropy[2]! previous, keys := kappa }
  else { cores := coreAssignments entropy[3]! previous, keys := lambda }

/-- The service statistics with one more refined work result of `r`'s service counted. -/
def countRefinement (stats : Array ServicesStatisticsMapEntry) (r : WorkResult) :
    Array ServicesStatisticsMapEntry :=
  let old := serviceRecord stats r.serviceId
  let l := r.refineLoad
  setServiceRecord stats r.serviceId { old with
    refinementCount := old.refinementCount + 1,
    refinementGasUsed := old.refinementGasUsed + l.gasUsed.toUInt64,
    imports := old.imports + l.imports.toUInt32,
    extrinsicCount := old.extrinsicCount + l.extrinsicCount.toUInt32,
    extrinsicSize := old.extrinsicSize + l.extrinsicSize.toUInt32,
    exports := old.exports + l.exports.toUInt32 }

/-- A core's statistics with `report`'s work counted. -/
def countReport (s : CoreActivityRecord) (report : WorkReport) : CoreActivityRecord := Id.run do
  let mut out := { s with bundleSize := s.bundleSize + report.packageSpec.length }
  for r in report.results do
    let l := r.refineLoad
    out := { out with
      imports := out.imports + l.imports.toUInt16,
      extrinsicCount := out.extrinsicCount + l.extrinsicCount.toUInt16,
      extrinsicSize := out.extrinsicSize + l.extrinsicSize.toUInt32,
      exports := out.exports + l.exports.toUInt16,
      gasUsed := out.gasUsed + l.gasUsed.toUInt64 }
  return out

/-- The account of service `id`, if it exists. -/
def findService (accounts : Array ServiceInfoEntry) (id : ServiceId) : Option ServiceInfo := Id.run do
  for a in accounts do
    if a.id == id then
      return some a.data.service
  return none

/-- The recent block with header hash `h`, if there is one. -/
def findBlock (recent : RecentBlocks) (h : Hash) : Option BlockInfo := Id.run do
  for b in recent.history do
    if b.headerHash == h then
      return some b
  return none

/-- Checks one guarantee's report against the state (everything but the package checks, which
need the whole extrinsic). -/
def checkReport (g : ReportGuarantee) (pending : Array (Option AvailabilityAssignment))
    (authPools : Array (Array Hash)) (accounts : Array ServiceInfoEntry) (recent : RecentBlocks)
    (slot : TimeSlot) : Except ReportsError Unit := Id.run do
  let w := g.report
  let c := w.coreIndex
  -- A report carries one to I work results (GP 11.2).
  if w.results.isEmpty then
    return .error .missingWorkResults
  let engaged := match pending[c]! with
    | some asg => slot.toNat < asg.timeout.toNat + U_TIMEOUT
    | none => false
  if engaged then
    return .error .coreEngaged
  if !authPools[c]!.contains w.authorizerHash then
    return .error .coreUnauthorized
  -- The gas is checked term by term against what is left of G_A, so the sum stays within
  -- G_A (a plain sum of hostile 64-bit values would not fit a 64-bit Nat).
  let mut gas := 0
  let mut size := w.authOutput.size
  for r in w.results do
    if r.accumulateGas.toNat > G_A - gas then
      return .error .workReportGasTooHigh
    gas := gas + r.accumulateGas.toNat
    size := size + (match r.result with
      | .ok out => out.size
      | _ => 0)
  for r in w.results do
    let some service := findService accounts r.serviceId | return .error .badServiceId
    if r.codeHash != service.codeHash then
      return .error .badCodeHash
    if r.accumulateGas < service.minItemGas then
      return .error .serviceItemGasTooLow
  if size > W_R then
    return .error .workReportTooBig
  if w.context.prerequisites.size + w.segmentRootLookup.size > J then
    return .error .tooManyDependencies
  let some block := findBlock recent w.context.anchor | return .error .anchorNotRecent
  if block.stateRoot != w.context.stateRoot then
    return .error .badStateRoot
  if block.beefyRoot != w.context.beefyRoot then
    return .error .badBeefyMmrRoot
  if w.context.lookupAnchorSlot.toNat + L_MAX_ANCHOR < slot.toNat then
    return .error .lookupAnchorNotRecent
  return .ok ()

/-- Checks one guarantee's signatures: two or three validators, sorted, assigned to the report's
core for the rotation of the guarantee's slot, not offenders, each signing the report's hash.
Their keys are returned (the reporters). -/
def checkGuarantors (g : ReportGuarantee) (current previous : Assignment)
    (offenders : Array Ed25519Public) (slot : TimeSlot) :
    Except ReportsError (Array Ed25519Public) := Id.run do
  if g.signatures.size < 2 || g.signatures.size > 3 then
    return .error .insufficientGuarantees
  for k in [1:g.signatures.size] do
    if g.signatures[k - 1]!.validatorIndex >= g.signatures[k]!.validatorIndex then
      return .error .notSortedOrUniqueGuarantors
  if g.slot.toNat > slot.toNat then
    return .error .futureReportSlot
  if g.slot.toNat + R_ROTATION < R_ROTATION * (slot.toNat / R_ROTATION) then
    return .error .reportEpochBeforeLast
  let assignment := if slot.toNat / R_ROTATION == g.slot.toNat / R_ROTATION then current else previous
  let cores := assignment.cores
  let keys := assignment.keys
  let message := "jam_guarantee".toUTF8 ++ (workReportHash g.report).data
  let mut signers : Array Ed25519Public := #[]
  for s in g.signatures do
    let v := s.validatorIndex.toNat
    if v >= keys.size then
      return .error .badValidatorIndex
    let key := keys[v]!.ed25519
    if offenders.contains key then
      return .error .bannedValidator
    if cores[v]! != g.report.coreIndex then
      return .error .wrongAssignment
    if !ed25519Verify key message s.signature then
      return .error .badSignature
    signers := signers.push key
  return .ok signers

/-- `xs` (sorted by package hash) with `x` added in order: the reported packages are a set. -/
def insertReported (xs : Array ReportedPackage) (x : ReportedPackage) : Array ReportedPackage := Id.run do
  let mut out : Array ReportedPackage := #[]
  let mut placed := false
  for e in xs do
    if !placed && x.workPackageHash < e.workPackageHash then
      out := out.push x
      placed := true
    out := out.push e
  if !placed then
    out := out.push x
  return out

/-- A segment-root lookup as the package it names. -/
def lookupAsReported (l : SegmentRootLookupItem) : ReportedPackage :=
  { workPackageHash := l.workPackageHash, segmentTreeRoot := l.segmentTreeRoot }

/-- Whether a block's reported packages include the lookup's package with its segment root. -/
def historyHas (reported : Array ReportedWorkPackage) (l : SegmentRootLookupItem) : Bool :=
  reported.any (fun r => r.hash == l.workPackageHash && r.exportsRoot == l.segmentTreeRoot)

/-- Applies the guarantees extrinsic (GP 11.4) at block slot `slot`: the packages reported, the
reporters' keys (sorted, once each), the pending reports, and the core and service statistics.
`known` are the packages the recent blocks reported (which a new report may not repeat and may
depend on); `taken` are the other packages a new report may not repeat (GP 11.41: those
accumulated in the last E blocks, waiting in the ready queue, or pending on a core). -/
def applyGuarantees (guarantees : Array ReportGuarantee) (pending : Array (Option AvailabilityAssignment))
    (kappa lambda : Array ValidatorKeys) (entropy : Array Hash) (offenders : Array Ed25519Public)
    (recent : RecentBlocks) (authPools : Array (Array Hash)) (accounts : Array ServiceInfoEntry)
    (coreStats : Array CoreActivityRecord) (serviceStats : Array ServicesStatisticsMapEntry)
    (slot : TimeSlot) (known taken : Array Hash) :
    Except ReportsError (Array ReportedPackage × Array Ed25519Public × Array (Option AvailabilityAssignment)
      × Array CoreActivityRecord × Array ServicesStatisticsMapEntry) := Id.run do
  -- The two rotations a guarantee may belong to, computed once for the whole extrinsic.
  let current := currentAssignment entropy kappa slot.toNat
  let previous := previousAssignment entropy kappa lambda slot.toNat
  let mut reporters : Array Ed25519Public := #[]
  let mut packages : Array Hash := #[]
  let mut reported : Array ReportedPackage := #[]
  for n in [:guarantees.size] do
    let g := guarantees[n]!
    let c := g.report.coreIndex
    if c >= C then
      return .error .badCoreIndex
    if n > 0 && c <= guarantees[n - 1]!.report.coreIndex then
      return .error .outOfOrderGuarantee
    match checkGuarantors g current previous offenders slot with
    | .error e => return .error e
    | .ok keys =>
      for k in keys do
        if !reporters.contains k then
          reporters := insertSorted reporters k
    match checkReport g pending authPools accounts recent slot with
    | .error e => return .error e
    | .ok _ => packages := packages
    let p := g.report.packageSpec
    if packages.contains p.hash || known.contains p.hash || taken.contains p.hash then
      return .error .duplicatePackage
    packages := packages.push p.hash
    reported := insertReported reported { workPackageHash := p.hash, segmentTreeRoot := p.exportsRoot }
  -- Dependencies: earlier packages, or this block's.
  for g in guarantees do
    for d in g.report.context.prerequisites do
      if !(known.contains d || packages.contains d) then
        return .error .dependencyMissing
    for l in g.report.segmentRootLookup do
      let inBlock := reported.any (fun r => r == lookupAsReported l)
      let inHistory := recent.history.any (fun b => historyHas b.reported l)
      if !(inBlock || inHistory) then
        return .error .segmentRootLookupInvalid
  -- The reports take their cores; statistics count them.
  let mut cores := pending
  let mut coreOut := coreStats
  let mut serviceOut := serviceStats
  for g in guarantees do
    let c := g.report.coreIndex
    cores := cores.set! c (some { report := g.report, timeout := slot })
    coreOut := coreOut.set! c (countReport coreOut[c]! g.report)
    for r in g.report.results do
      serviceOut := countRefinement serviceOut r
  return .ok (reported, reporters, cores, coreOut, serviceOut)

end Jar
