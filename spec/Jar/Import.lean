/-!
# Block import: the state transition of a whole block (Gray Paper §4.2, §5, §6.4–6.5)

The header is checked first: it follows its parent (the last recent block) in a later slot,
commits to the prior state root and to its extrinsic, and is sealed by the slot's sealing key
(a ticket's VRF or the fallback key) with an entropy VRF chained to the seal. Then the
sub-transitions run in the GP's dependency order: Safrole (τ′, η′, κ′, λ′, γ′), disputes (ψ′,
ρ†), assurances (ρ‡ and the reports now available), guarantees (ρ′), accumulation (ω′, ξ′, θ′),
recent history (β′), preimages (δ′), authorizations (α′) and statistics (π′). The markers the
header carries must be the ones Safrole and disputes produce. A block the spec rejects leaves
the state as it was; the error says why.
-/
import Jar.Accumulate
import Jar.Encoding
import Jar.Statistics
import Jar.Authorizations
import Jar.Preimages

namespace Jar

variable [JarVariant]

/-- Why a block cannot be imported. -/
inductive ImportError where
  /-- The header's slot is not after the parent's. -/
  | slotNotAfterParent
  /-- The header's parent is not the most recent block. -/
  | badParent
  /-- The header's prior state root is not the root of the state it is imported on. -/
  | badParentStateRoot
  /-- The header's extrinsic hash does not commit to the block's extrinsic. -/
  | badExtrinsicHash
  /-- The author index names no validator. -/
  | badAuthorIndex
  /-- The slot's fallback sealing key is not the author's. -/
  | badSealKey
  /-- The seal is not the author's VRF signature for the slot's sealing key (or its output is
  not the slot's ticket). -/
  | badSeal
  /-- The entropy source is not the author's VRF signature over the seal's output. -/
  | badEntropySource
  /-- The epoch marker is not the one the state gives. -/
  | badEpochMark
  /-- The winning-tickets marker is not the one the state gives. -/
  | badTicketsMark
  /-- The offenders marker is not the one the disputes give. -/
  | badOffendersMark
  /-- More tickets than a block may carry (K). -/
  | tooManyTickets
  | safrole (e : SafroleError)
  | disputes (e : DisputesError)
  | assurances (e : AssurancesError)
  | reports (e : ReportsError)
  | preimages (e : PreimagesError)
  deriving BEq, Repr, Inhabited

/-- The header hash (GP 5.3: blake2b-256 of the header's encoding). -/
def headerHash (h : Header) : Hash := blake2b256 (encodeHeader h)

/-- H_x (GP 5.4): the hash of the extrinsic's parts, the guarantees by their reports' hashes. -/
def extrinsicHash (x : Extrinsic) : Hash := Id.run do
  let mut g := encodeCompactNat x.guarantees.size
  for r in x.guarantees do
    g := g ++ (workReportHash r.report).data ++ encodeU32LE r.slot.toNat ++ encodeSignatures r.signatures
  return blake2b256 ((blake2b256 (encodeTickets x.tickets)).data ++ (blake2b256 (encodePreimages x.preimages)).data
    ++ (blake2b256 g).data ++ (blake2b256 (encodeAssurances x.assurances)).data ++ (blake2b256 (encodeDisputes x.disputes)).data)

/-- The Safrole view of the state. -/
def safroleStateOf (s : ChainState) : SafroleState :=
  { tau := s.tau, eta := s.entropy, lambda := s.previous, kappa := s.active, gammaK := s.gamma.pendingKeys,
    iota := s.queued, gammaA := s.gamma.tickets, gammaS := s.gamma.sealKeys, gammaZ := s.gamma.ringRoot }

/-- The seal and entropy checks (GP 6.15–6.20) under the posterior sealing keys `sealKeys`,
active set `kappa'` and third entropy `eta3'`: the entropy source's VRF output (Y(H_v)), which
Safrole accumulates. -/
def checkSeal (h : Header) (sealKeys : TicketsOrKeys) (kappa' : Array ValidatorKeys) (eta3' : Hash) :
    Except ImportError Hash := Id.run do
  if h.authorIndex.toNat >= kappa'.size then
    return .error .badAuthorIndex
  let author := kappa'[h.authorIndex.toNat]!.bandersnatch
  let unsigned := encodeUnsignedHeader h
  let i := slotInEpoch h.slot.toNat
  let mut sealOutput : Hash := default
  match sealKeys with
  | .tickets t =>
    let ticket := t[i]!
    let message := "jam_ticket_seal".toUTF8 ++ eta3'.data ++ ByteArray.mk #[ticket.attempt]
    match bandersnatchVrfOutput author message unsigned h.seal with
    | none => return .error .badSeal
    | some y =>
      if y != ticket.id then
        return .error .badSeal
      sealOutput := y
  | .keys k =>
    if k[i]! != author then
      return .error .badSealKey
    match bandersnatchVrfOutput author ("jam_fallback_seal".toUTF8 ++ eta3'.data) unsigned h.seal with
    | none => return .error .badSeal
    | some y => sealOutput := y
  match bandersnatchVrfOutput author ("jam_entropy".toUTF8 ++ sealOutput.data) ByteArray.empty h.entropySource with
  | none => return .error .badEntropySource
  | some y => return .ok y

/-- A service item's value, if the state has one at `key`. -/
def findItem (items : Array KeyValue) (key : ByteArray) : Option ByteArray := Id.run do
  for kv in items do
    if kv.key == key then
      return some kv.value
  return none

/-- The items with the value at `key` set (replaced, or inserted in key order). -/
def setItem (items : Array KeyValue) (key : StateKey) (value : ByteArray) : Array KeyValue := Id.run do
  let mut out : Array KeyValue := #[]
  let mut placed := false
  for kv in items do
    if !placed && key <= kv.key then
      out := out.push { key := key, value := value }
      placed := true
      if kv.key != key then
        out := out.push kv
    else
      out := out.push kv
  if !placed then
    out := out.push { key := key, value := value }
  return out

/-- The service a service item's key belongs to (E₄(s) is interleaved into the key's first
eight bytes). -/
def itemService (key : ByteArray) : ServiceId :=
  (key[0]!.toNat + 256 * key[2]!.toNat + 65536 * key[4]!.toNat + 16777216 * key[6]!.toNat).toUInt32

/-- The part of the state accumulation may change: each account with the items under its keys
(their names unknown to the trie), ι, φ and χ. -/
def partialStateOf (s : ChainState) : PartialState := Id.run do
  let mut accounts : Array AccountEntry := s.services.map (fun a => ({ id := a.id, account := { info := a.info, items := #[] } } : AccountEntry))
  for kv in s.items do
    let owner := itemService kv.key
    match findAccount accounts owner with
    | some a => accounts := setAccount accounts owner { a with items := a.items.push { key := kv.key, value := kv.value, name := ItemName.unknown } }
    | none => accounts := accounts
  return { accounts := accounts, staging := s.queued, authQueues := s.authQueues.map (fun q => q), privileges := s.privileges }

/-- The state with accumulation's partial state written back: the accounts' records and items
(items of services with no account stay as they were), ι, φ and χ. -/
def withPartialState (s : ChainState) (e : PartialState) : ChainState := Id.run do
  let owners := s.services.map (fun a => a.id)
  let mut items : Array KeyValue := #[]
  for kv in s.items do
    if !owners.contains (itemService kv.key) then
      items := items.push kv
  for a in e.accounts do
    for i in a.account.items do
      items := setItem items i.key i.value
  return { s with services := e.accounts.map (fun a => ({ id := a.id, info := a.account.info } : ServiceAccountEntry)),
    items := items, queued := e.staging, authQueues := e.authQueues, privileges := e.privileges }

/-- The preimage view of the services the extrinsic names: their solicited lookup records and
stored preimages for the extrinsic's items, read from the state's items. -/
def preimageAccounts (s : ChainState) (items : Array Preimage) : Array AccountsMapEntry := Id.run do
  let mut out : Array AccountsMapEntry := #[]
  for a in s.services do
    let mut blobs : Array PreimagesMapEntry := #[]
    let mut requests : Array LookupMetaMapEntry := #[]
    for p in items do
      if p.requester == a.id then
        let h := blake2b256 p.blob
        match findItem s.items (preimageKey a.id h) with
        | some blob => blobs := blobs.push { hash := h, blob := blob }
        | none => blobs := blobs
        match findItem s.items (lookupKey a.id h p.blob.size) with
        | some v =>
          match decodeTimeslots v with
          | some slots => requests := requests.push { key := { hash := h, length := p.blob.size.toUInt32 }, value := slots }
          | none => requests := requests
        | none => requests := requests
    out := out.push { id := a.id, data := { preimageBlobs := blobs, preimageRequests := requests } }
  return out

/-- The state's items with the preimage view written back. -/
def writePreimages (items : Array KeyValue) (accounts : Array AccountsMapEntry) : Array KeyValue := Id.run do
  let mut out := items
  for a in accounts do
    for b in a.data.preimageBlobs do
      out := setItem out (preimageKey a.id b.hash) b.blob
    for r in a.data.preimageRequests do
      out := setItem out (lookupKey a.id r.key.hash r.key.length.toNat) (encodeTimeslots r.value)
  return out

/-- A core's per-block record in the state's compact form. -/
def coreStateOf (r : CoreActivityRecord) : CoreActivityState :=
  { daLoad := r.daLoad.toNat, popularity := r.popularity.toNat, imports := r.imports.toNat,
    extrinsicCount := r.extrinsicCount.toNat, extrinsicSize := r.extrinsicSize.toNat, exports := r.exports.toNat,
    bundleSize := r.bundleSize.toNat, gasUsed := r.gasUsed.toNat }

/-- A service's per-block record in the state's compact form. -/
def serviceStateOf (e : ServicesStatisticsMapEntry) : ServiceStatsEntry :=
  let r := e.record
  { id := e.id, record := { providedCount := r.providedCount.toNat, providedSize := r.providedSize.toNat,
      refinementCount := r.refinementCount.toNat, refinementGasUsed := r.refinementGasUsed.toNat,
      imports := r.imports.toNat, extrinsicCount := r.extrinsicCount.toNat, extrinsicSize := r.extrinsicSize.toNat,
      exports := r.exports.toNat, accumulateCount := r.accumulateCount.toNat, accumulateGasUsed := r.accumulateGasUsed.toNat } }

/-- π′_C's availability part (GP 13.9–13.10): each core's assurance count (popularity) and the
data its newly available reports put in the DA layer. -/
def countAvailability (cores : Array CoreActivityRecord) (assurances : Array AvailAssurance)
    (available : Array WorkReport) : Array CoreActivityRecord := Id.run do
  let mut out := cores
  for c in [:cores.size] do
    let mut popularity := 0
    for a in assurances do
      if bitAt a.bitfield c then
        popularity := popularity + 1
    let mut load := 0
    for w in available do
      if w.coreIndex == c then
        load := load + w.packageSpec.length.toNat + W_G * ((w.packageSpec.exportsCount.toNat * 65 + 63) / 64)
    out := out.set! c { out[c]! with popularity := popularity.toUInt16, daLoad := load.toUInt32 }
  return out

/-- Imports block `b` on state `s` whose root is `priorRoot` (GP 4.1): the posterior state, or
why the block is invalid. -/
def importBlock (s : ChainState) (b : Block) (priorRoot : Hash) : Except ImportError ChainState := Id.run do
  let h := b.header
  let x := b.extrinsic
  -- The header's place in the chain (GP 5.2, 5.8, 5.4).
  if h.slot.toNat <= s.tau.toNat then
    return .error .slotNotAfterParent
  let n := s.recent.history.size
  if n > 0 && s.recent.history[n - 1]!.headerHash != h.parent then
    return .error .badParent
  if h.parentStateRoot != priorRoot then
    return .error .badParentStateRoot
  if extrinsicHash x != h.extrinsicHash then
    return .error .badExtrinsicHash
  if x.tickets.size > K_MAX_TICKETS then
    return .error .tooManyTickets
  -- The seal, under the posterior sealing keys (GP 6.15–6.20).
  let sf := safroleStateOf s
  let change := epochOf h.slot.toNat > epochOf s.tau.toNat
  let kappa' := if change then s.gamma.pendingKeys else s.active
  let eta2' := if change then s.entropy[1]! else s.entropy[2]!
  let eta3' := if change then s.entropy[2]! else s.entropy[3]!
  let mut entropy : Hash := default
  match checkSeal h (nextSealKeys sf h.slot eta2' kappa') kappa' eta3' with
  | .error e => return .error e
  | .ok y => entropy := y
  -- Disputes (GP §10): ψ′ and ρ†; their offenders are the header's marker.
  let mut judgements := s.judgements
  let mut pending := s.pending
  match applyDisputes s.judgements s.pending s.tau s.active s.previous x.disputes with
  | .error e => return .error (.disputes e)
  | .ok (psi', offenders, rho) =>
    if offenders != h.offendersMark then
      return .error .badOffendersMark
    judgements := psi'
    pending := rho
  -- Safrole (GP §6) with ψ′'s offenders; its markers are the header's.
  let mut sf' := sf
  match applySafrole sf h.slot entropy x.tickets judgements.offenders with
  | .error e => return .error (.safrole e)
  | .ok (marks, post) =>
    if marks.epochMark != h.epochMark then
      return .error .badEpochMark
    if marks.ticketsMark != h.ticketsMark then
      return .error .badTicketsMark
    sf' := post
  -- Assurances (GP §11.2): ρ‡ and the reports now available.
  let mut available : Array WorkReport := #[]
  match applyAssurances pending sf'.kappa x.assurances h.slot h.parent with
  | .error e => return .error (.assurances e)
  | .ok (w, rho) =>
    available := w
    pending := rho
  -- Guarantees (GP §11.4): ρ′, against β with the prior state root filled in.
  let recentFixed := fixParentStateRoot s.recent priorRoot
  let mut known : Array Hash := #[]
  for blk in recentFixed.history do
    for p in blk.reported do
      known := known.push p.hash
  let mut taken : Array Hash := #[]
  for x in s.accumulated do
    taken := taken ++ x
  for q in s.ready do
    for r in q do
      taken := taken.push (reportPackage r.report)
  for c in pending do
    match c with
    | some a => taken := taken.push (reportPackage a.report)
    | none => taken := taken
  let accounts := s.services.map (fun a => ({ id := a.id, data := { service := a.info } } : ServiceInfoEntry))
  let mut reported : Array ReportedPackage := #[]
  let mut coreStats : Array CoreActivityRecord := Array.replicate C default
  let mut serviceStats : Array ServicesStatisticsMapEntry := #[]
  match applyGuarantees x.guarantees pending sf'.kappa sf'.lambda sf'.eta judgements.offenders recentFixed
      s.authPools accounts coreStats serviceStats h.slot known taken with
  | .error e => return .error (.reports e)
  | .ok (r, _, rho, cs, ss) =>
    reported := r
    pending := rho
    coreStats := cs
    serviceStats := ss
  -- Accumulation (GP §12): what is accumulatable now is accumulated on the partial state, with
  -- the posterior entropy η′₀, and the queues move.
  let acc := accumulateBlock available s.ready s.accumulated (partialStateOf s) s.tau h.slot sf'.eta[0]!
  let s1 := withPartialState s acc.state
  for e in acc.statistics do
    let r := serviceRecord serviceStats e.id
    serviceStats := setServiceRecord serviceStats e.id { r with
      accumulateCount := e.record.accumulateCount, accumulateGasUsed := e.record.accumulateGasUsed }
  -- Recent history (GP §7) with the accumulation outputs' root.
  let recent' := updateRecentHistory s.recent (headerHash h) priorRoot acc.root
    (reported.map (fun p => ({ hash := p.workPackageHash, exportsRoot := p.segmentTreeRoot } : ReportedWorkPackage)))
  -- Preimages (GP §12.4), after accumulation.
  let mut items := s1.items
  match integratePreimages (preimageAccounts s1 x.preimages) serviceStats x.preimages h.slot with
  | .error e => return .error (.preimages e)
  | .ok (accts, ss) =>
    items := writePreimages items accts
    serviceStats := ss
  -- Authorizations (GP §8): the authorizers the guarantees used leave their pools.
  let used := x.guarantees.map (fun g => ({ core := g.report.coreIndex.toUInt16, authHash := g.report.authorizerHash } : CoreAuthorizer))
  let pools' := updateAuthPools s.authPools s.authQueues h.slot used
  -- Statistics (GP §13).
  let (current', last') := updateValidatorStats s.statistics.current s.statistics.last s.tau h.slot h.authorIndex x
  let cores' := countAvailability coreStats x.assurances available
  let statistics' : Statistics := { current := current', last := last', cores := cores'.map (fun c => coreStateOf c),
    services := serviceStats.map (fun e => serviceStateOf e) }
  return .ok { s1 with
    authPools := pools', recent := recent',
    gamma := { pendingKeys := sf'.gammaK, ringRoot := sf'.gammaZ, sealKeys := sf'.gammaS, tickets := sf'.gammaA },
    judgements := judgements, entropy := sf'.eta, active := sf'.kappa, previous := sf'.lambda,
    pending := pending, tau := h.slot, statistics := statistics', ready := acc.ready, accumulated := acc.accumulated,
    lastOutputs := acc.outputs, items := items }

end Jar
