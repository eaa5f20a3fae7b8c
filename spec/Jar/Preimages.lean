/-!
# Preimage integration (Gray Paper §12.4)

The preimages extrinsic supplies data that services solicited. Each item must be solicited by
its service (a lookup entry for its hash and length that is still empty) and not yet provided;
the items must be sorted by requester, then data, with no duplicates. Providing one stores the
data, records the current timeslot in the lookup entry and counts it in the service statistics.
-/
import Jar.Statistics

namespace Jar

/-- A stored preimage of a service: hash ↦ data. -/
structure PreimagesMapEntry where
  hash : Hash
  blob : ByteArray
  deriving BEq, Repr, Inhabited

/-- The key of a lookup entry: a hash and the length of its preimage. -/
structure LookupMetaMapKey where
  hash : Hash
  length : UInt32
  deriving BEq, Repr, Inhabited

/-- A lookup entry: the timeslots at which the preimage became available or unavailable. An
empty list means solicited but not yet provided. -/
structure LookupMetaMapEntry where
  key : LookupMetaMapKey
  value : Array TimeSlot
  deriving BEq, Repr, Inhabited

/-- The preimage part of a service account (a_p and a_l), both sorted by key. -/
structure Account where
  preimageBlobs : Array PreimagesMapEntry
  preimageRequests : Array LookupMetaMapEntry
  deriving BEq, Repr, Inhabited

/-- δ as a dictionary sorted by service id. -/
structure AccountsMapEntry where
  id : ServiceId
  data : Account
  deriving BEq, Repr, Inhabited

/-- One service's activity in a block (GP 13.7). -/
structure ServiceActivityRecord where
  providedCount : UInt16 := 0
  providedSize : UInt32 := 0
  refinementCount : UInt32 := 0
  refinementGasUsed : Gas := 0
  imports : UInt32 := 0
  extrinsicCount : UInt32 := 0
  extrinsicSize : UInt32 := 0
  exports : UInt32 := 0
  accumulateCount : UInt32 := 0
  accumulateGasUsed : Gas := 0
  deriving BEq, Repr, Inhabited

/-- π_S as a dictionary sorted by service id. -/
structure ServicesStatisticsMapEntry where
  id : ServiceId
  record : ServiceActivityRecord
  deriving BEq, Repr, Inhabited

/-- Why a preimages extrinsic is invalid. -/
inductive PreimagesError where
  | preimageUnneeded
  | preimagesNotSortedUnique
  deriving BEq, Repr, Inhabited

/-- Whether `p` comes strictly before `q` in the required order (requester, then data). -/
def preimageBefore (p q : Preimage) : Bool :=
  p.requester < q.requester || (p.requester == q.requester && p.blob < q.blob)

/-- R (GP 12.30): the service solicited a preimage of `hash` with `length` bytes and has not
received it yet. -/
def isSolicited (accounts : Array AccountsMapEntry) (service : ServiceId) (hash : Hash) (length : Nat) : Bool := Id.run do
  for a in accounts do
    if a.id == service then
      if a.data.preimageBlobs.any (fun e => e.hash == hash) then
        return false
      return a.data.preimageRequests.any (fun e => e.key.hash == hash && e.key.length.toNat == length && e.value.isEmpty)
  return false

/-- Inserts `(hash, blob)` into a preimage dictionary, keeping it sorted by hash. -/
def insertPreimage (entries : Array PreimagesMapEntry) (hash : Hash) (blob : ByteArray) : Array PreimagesMapEntry := Id.run do
  let mut out : Array PreimagesMapEntry := #[]
  let mut placed := false
  for e in entries do
    if !placed && hash < e.hash then
      out := out.push { hash := hash, blob := blob }
      placed := true
    out := out.push e
  if !placed then
    out := out.push { hash := hash, blob := blob }
  return out

/-- The statistics record of `service` (the empty record if it has none yet). -/
def serviceRecord (stats : Array ServicesStatisticsMapEntry) (service : ServiceId) : ServiceActivityRecord := Id.run do
  for e in stats do
    if e.id == service then
      return e.record
  return default

/-- The statistics with `service`'s record set to `record`: replaced, or inserted in id order. -/
def setServiceRecord (stats : Array ServicesStatisticsMapEntry) (service : ServiceId)
    (record : ServiceActivityRecord) : Array ServicesStatisticsMapEntry := Id.run do
  let mut out : Array ServicesStatisticsMapEntry := #[]
  let mut placed := false
  for e in stats do
    if !placed && service <= e.id then
      out := out.push { id := service, record := record }
      placed := true
      if service != e.id then
        out := out.push e
    else
      out := out.push e
  if !placed then
    out := out.push { id := service, record := record }
  return out

/-- The service statistics with one more preimage of `size` bytes provided to `service`;
the entry is created (in id order) if the service has none. -/
def countProvided (stats : Array ServicesStatisticsMapEntry) (service : ServiceId) (size : Nat) : Array ServicesStatisticsMapEntry :=
  let r := serviceRecord stats service
  setServiceRecord stats service { r with
    providedCount := r.providedCount + 1,
    providedSize := r.providedSize + size.toUInt32 }

/-- The lookup entry for (`hash`, `length`) records that the preimage arrived at `slot`; other
entries are unchanged. -/
def markProvided (e : LookupMetaMapEntry) (hash : Hash) (length : Nat) (slot : TimeSlot) : LookupMetaMapEntry :=
  if e.key.hash == hash && e.key.length.toNat == length then { e with value := #[slot] } else e

/-- δ‡ and the preimage counts of π_S (GP 12.28–12.33) for the preimages extrinsic `items` in a
block of timeslot `slot`. -/
def integratePreimages (accounts : Array AccountsMapEntry) (stats : Array ServicesStatisticsMapEntry)
    (items : Array Preimage) (slot : TimeSlot) :
    Except PreimagesError (Array AccountsMapEntry × Array ServicesStatisticsMapEntry) := Id.run do
  for i in [1:items.size] do
    if !preimageBefore items[i - 1]! items[i]! then
      return .error .preimagesNotSortedUnique
  for p in items do
    if !isSolicited accounts p.requester (blake2b256 p.blob) p.blob.size then
      return .error .preimageUnneeded
  let mut accts := accounts
  let mut st := stats
  for p in items do
    let h := blake2b256 p.blob
    let mut next : Array AccountsMapEntry := #[]
    for a in accts do
      if a.id == p.requester then
        let lookup := a.data.preimageRequests.map (fun e => markProvided e h p.blob.size slot)
        next := next.push { a with data := { preimageBlobs := insertPreimage a.data.preimageBlobs h p.blob, preimageRequests := lookup } }
      else
        next := next.push a
    accts := next
    st := countProvided st p.requester p.blob.size
  return .ok (accts, st)

end Jar
