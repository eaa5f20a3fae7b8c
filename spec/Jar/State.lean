/-!
# The state and its serialization (Gray Paper §4.2, Appendix D)

The whole state σ as typed components, each with the layout the GP's serialization T(σ) gives it,
so that the derived codec of a component's type is exactly its value in the state trie. Component
`i` lives at the key C(i) = [i, 0, 0, …]; service `s`'s account record at C(255, s); every other
service item (storage, preimages, their lookup records) at a key that interleaves E₄(s) with a
hash of the item's name. Those items are opaque here: they stay as their trie entries, found by
the key constructors below. Keys are the 31 bytes the trie reads (`StateKey`'s bytes).
-/
import Jar.Safrole
import Jar.Reports
import Jar.Assurances
import Jar.Trace

namespace Jar

variable [JarVariant]

/-- γ without its shadows in other components: the Safrole state of C(4), in T(σ)'s order. -/
structure SafroleGamma where
  /-- γ_k: the next epoch's validators. -/
  pendingKeys : SeqN V ValidatorKeys
  /-- γ_z: the ring root of γ_k. -/
  ringRoot : BandersnatchRingRoot
  /-- γ_s: this epoch's sealing keys. -/
  sealKeys : TicketsOrKeys
  /-- γ_a: the ticket accumulator. -/
  tickets : Array TicketBody
  deriving BEq, Repr, Inhabited

/-- A service accumulated every block with the given gas (χ_Z). -/
structure AlwaysAccumulate where
  id : ServiceId
  gas : Gas
  deriving BEq, Repr, Inhabited

/-- χ: the privileged services (C(12)). -/
structure Privileges where
  bless : ServiceId
  assign : SeqN C ServiceId
  designate : ServiceId
  register : ServiceId
  alwaysAcc : Array AlwaysAccumulate
  deriving BEq, Repr, Inhabited

/-- One core's activity as the state stores it (π_C, compact numbers). -/
structure CoreActivityState where
  daLoad : Nat
  popularity : Nat
  imports : Nat
  extrinsicCount : Nat
  extrinsicSize : Nat
  exports : Nat
  bundleSize : Nat
  gasUsed : Nat
  deriving BEq, Repr, Inhabited

/-- One service's activity as the state stores it (π_S, compact numbers). -/
structure ServiceActivityState where
  providedCount : Nat
  providedSize : Nat
  refinementCount : Nat
  refinementGasUsed : Nat
  imports : Nat
  extrinsicCount : Nat
  extrinsicSize : Nat
  exports : Nat
  accumulateCount : Nat
  accumulateGasUsed : Nat
  deriving BEq, Repr, Inhabited

/-- π_S's entry for one service. -/
structure ServiceStatsEntry where
  id : ServiceId
  record : ServiceActivityState
  deriving BEq, Repr, Inhabited

/-- π: the activity statistics (C(13)). -/
structure Statistics where
  current : SeqN V ValidatorActivityRecord
  last : SeqN V ValidatorActivityRecord
  cores : SeqN C CoreActivityState
  services : Array ServiceStatsEntry
  deriving BEq, Repr, Inhabited

/-- A report waiting for its dependencies (ω's entries). -/
structure ReadyRecord where
  report : WorkReport
  dependencies : Array Hash
  deriving BEq, Repr, Inhabited

/-- A service's accumulation output (θ's entries). -/
structure AccumulationOutput where
  service : ServiceId
  hash : Hash
  deriving BEq, Repr, Inhabited

/-- δ's account records, by service id. -/
structure ServiceAccountEntry where
  id : ServiceId
  info : ServiceInfo
  deriving BEq, Repr, Inhabited

/-- σ: the whole state. `items` are the service items (storage, preimages, lookup records) as
trie entries, sorted by key. -/
structure ChainState where
  /-- α (C(1)). -/
  authPools : SeqN C (Array Hash)
  /-- φ (C(2)). -/
  authQueues : SeqN C (SeqN Q_QUEUE Hash)
  /-- β (C(3)). -/
  recent : RecentBlocks
  /-- γ (C(4)). -/
  gamma : SafroleGamma
  /-- ψ (C(5)). -/
  judgements : DisputesRecords
  /-- η (C(6)). -/
  entropy : SeqN 4 Hash
  /-- ι (C(7)). -/
  queued : SeqN V ValidatorKeys
  /-- κ (C(8)). -/
  active : SeqN V ValidatorKeys
  /-- λ (C(9)). -/
  previous : SeqN V ValidatorKeys
  /-- ρ (C(10)). -/
  pending : SeqN C (Option AvailabilityAssignment)
  /-- τ (C(11)). -/
  tau : TimeSlot
  /-- χ (C(12)). -/
  privileges : Privileges
  /-- π (C(13)). -/
  statistics : Statistics
  /-- ω (C(14)). -/
  ready : SeqN E (Array ReadyRecord)
  /-- ξ (C(15)). -/
  accumulated : SeqN E (Array Hash)
  /-- θ (C(16)). -/
  lastOutputs : Array AccumulationOutput
  /-- δ's account records (C(255, s)). -/
  services : Array ServiceAccountEntry
  /-- The other service items. -/
  items : Array KeyValue
  deriving BEq, Repr, Inhabited

/-! The components whose type is a fixed-length sequence are serialized through these one-field
structures, which carry the length into the codec (a bare `SeqN` is an `Array` to everything but
a structure's field). -/

/-- α's serialization: C pools, each length-prefixed. -/
structure AuthPoolsComponent where
  pools : SeqN C (Array Hash)
  deriving BEq, Repr, Inhabited

/-- φ's serialization: C queues of Q hashes. -/
structure AuthQueuesComponent where
  queues : SeqN C (SeqN Q_QUEUE Hash)
  deriving BEq, Repr, Inhabited

/-- η's serialization: four hashes. -/
structure EntropyComponent where
  entropy : SeqN 4 Hash
  deriving BEq, Repr, Inhabited

/-- ι's, κ's and λ's serialization: V validators' keys. -/
structure ValidatorsComponent where
  keys : SeqN V ValidatorKeys
  deriving BEq, Repr, Inhabited

/-- ρ's serialization: C optional assignments. -/
structure PendingComponent where
  cores : SeqN C (Option AvailabilityAssignment)
  deriving BEq, Repr, Inhabited

/-- ω's serialization: E slots of ready records. -/
structure ReadyComponent where
  queue : SeqN E (Array ReadyRecord)
  deriving BEq, Repr, Inhabited

/-- ξ's serialization: E slots of accumulated package hashes. -/
structure AccumulatedComponent where
  queue : SeqN E (Array Hash)
  deriving BEq, Repr, Inhabited

/-- C(i) (GP D.1): the key of state component `i`. -/
def componentKey (i : Nat) : ByteArray :=
  (ByteArray.mk #[i.toUInt8]) ++ zeroBytes 30

/-- C(255, s) (GP D.1): the key of service `s`'s account record: 255, then E₄(s) interleaved with
zeros. -/
def serviceAccountKey (s : ServiceId) : ByteArray := Id.run do
  let n := encodeU32LE s.toNat
  let mut out := ByteArray.mk #[(255 : Nat).toUInt8]
  for k in [:4] do
    out := out.push n[k]!
    out := out.push 0
  return out ++ zeroBytes 22

/-- C(s, h) (GP D.1): the key of a service item named `h`: E₄(s) interleaved with the first four
bytes of H(h), then the rest of H(h)'s first 27 bytes. -/
def serviceItemKey (s : ServiceId) (h : ByteArray) : ByteArray := Id.run do
  let n := encodeU32LE s.toNat
  let a := (blake2b256 h).data
  let mut out := ByteArray.empty
  for k in [:4] do
    out := out.push n[k]!
    out := out.push a[k]!
  return out ++ a.extract 4 27

/-- The key of service `s`'s storage entry `key` (GP D.1: named E₄(2³²−1) ⌢ key). -/
def storageKey (s : ServiceId) (key : ByteArray) : ByteArray :=
  serviceItemKey s (encodeU32LE (2 ^ 32 - 1) ++ key)

/-- The key of service `s`'s preimage of `hash` (named E₄(2³²−2) ⌢ hash). -/
def preimageKey (s : ServiceId) (hash : Hash) : ByteArray :=
  serviceItemKey s (encodeU32LE (2 ^ 32 - 2) ++ hash.data)

/-- The key of service `s`'s lookup record for a preimage of `hash` with `length` bytes (named
E₄(length) ⌢ hash). -/
def lookupKey (s : ServiceId) (hash : Hash) (length : Nat) : ByteArray :=
  serviceItemKey s (encodeU32LE length ++ hash.data)

end Jar
