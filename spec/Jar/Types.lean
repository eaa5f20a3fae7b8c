/-!
# Core types

Hashes, keys and the records that blocks, work reports and the state are built from (Gray Paper
§4–§11). JSON field names of the generated Rust types are the snake_case of these field names,
which is what the w3f vectors use.
-/
import Jar.Constants

namespace Jar

/-- A 32-byte blake2b-256 (or keccak-256) digest. -/
abbrev Hash := OctetSeq 32
/-- An Ed25519 public key. -/
abbrev Ed25519Public := OctetSeq 32
/-- A Bandersnatch public key. -/
abbrev BandersnatchPublic := OctetSeq 32
/-- A BLS12-381 public key. -/
abbrev BlsPublic := OctetSeq 144
/-- Opaque validator metadata. -/
abbrev ValidatorMetadata := OctetSeq 128
/-- A Bandersnatch VRF signature. -/
abbrev BandersnatchSignature := OctetSeq 96
/-- A timeslot index. -/
abbrev TimeSlot := UInt32
/-- A validator index. -/
abbrev ValidatorIndex := UInt16
/-- A core index. -/
abbrev CoreIndex := UInt16
/-- A service identifier. -/
abbrev ServiceId := UInt32
/-- An amount of gas. -/
abbrev Gas := UInt64
/-- An Ed25519 signature. -/
abbrev Ed25519Signature := OctetSeq 64
/-- A Bandersnatch ring-VRF signature (a ticket proof). -/
abbrev BandersnatchRingSignature := OctetSeq 784
/-- A Bandersnatch ring root (GP γ_z): the KZG commitment to a validator set's keys. -/
abbrev BandersnatchRingRoot := OctetSeq 144

/-- The keys of one validator (GP 6.8). -/
structure ValidatorKeys where
  bandersnatch : BandersnatchPublic
  ed25519 : Ed25519Public
  bls : BlsPublic
  metadata : ValidatorMetadata
  deriving BEq, Repr, Inhabited

/-- The context a work package was refined in (GP 11.4). -/
structure RefineContext where
  anchor : Hash
  stateRoot : Hash
  beefyRoot : Hash
  lookupAnchor : Hash
  lookupAnchorSlot : TimeSlot
  prerequisites : Array Hash
  deriving BEq, Repr, Inhabited

/-- The availability specification of a work package (GP 11.5). -/
structure AvailabilitySpec where
  hash : Hash
  length : UInt32
  erasureRoot : Hash
  exportsRoot : Hash
  exportsCount : UInt16
  deriving BEq, Repr, Inhabited

/-- The top-level state components that the first sub-transitions read (GP 4.4). -/
structure State where
  /-- τ: the most recent timeslot. -/
  tau : TimeSlot := 0
  /-- η: the entropy accumulator and the three most recent epoch entropies. -/
  eta : Array Hash := #[]
  /-- κ: the active validators. -/
  kappa : Array ValidatorKeys := #[]
  /-- λ: the previous epoch's validators. -/
  lambda : Array ValidatorKeys := #[]
  /-- ι: the validators queued for the next epoch. -/
  iota : Array ValidatorKeys := #[]
  /-- α: the authorizer pool of each core. -/
  authPools : Array (Array Hash) := #[]
  /-- φ: the authorizer queue of each core. -/
  authQueues : Array (Array Hash) := #[]
  deriving BEq, Repr, Inhabited

end Jar
