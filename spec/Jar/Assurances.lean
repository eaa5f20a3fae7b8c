/-!
# Availability assurances (Gray Paper §11.2.1)

Each validator may attest, for the block's parent, which cores' pending reports it holds its
erasure-coded chunk of: one bit per core. The assurances must anchor on the parent, come from
validators, be sorted by validator with none twice, carry a valid Ed25519 signature of
`"jam_available" ‖ blake2b(anchor ‖ bitfield)`, and set bits only for cores that have a pending
report. A report that a super-majority assures becomes available: it leaves the pending set and
is output. A pending report that is U slots old or more times out and leaves too, without being
output (a stale report that is nevertheless available still counts as available).
-/
import Jar.Block
import Jar.Work

namespace Jar

variable [JarVariant]

/-- Bit `i` of a bitfield, counting from the least significant bit of the first byte (GP C.1's
order for bit strings; the state trie reads its keys the other way, `keyBit`). -/
def bitAt (b : ByteArray) (i : Nat) : Bool :=
  (b[i / 8]!.toNat / 2 ^ (i % 8)) % 2 == 1

/-- A core's pending report and the slot it was reported in. -/
structure AvailabilityAssignment where
  report : WorkReport
  timeout : TimeSlot
  deriving BEq, Repr, Inhabited

/-- Why an assurances extrinsic is invalid. -/
inductive AssurancesError where
  | badAttestationParent
  | badValidatorIndex
  | coreNotEngaged
  | badSignature
  | notSortedOrUniqueAssurers
  deriving BEq, Repr, Inhabited

/-- The message a validator signs to assure `bitfield` for `anchor` (X_A ‖ H(anchor ‖ bitfield)). -/
def assuranceMessage (anchor : Hash) (bitfield : ByteArray) : ByteArray :=
  "jam_available".toUTF8 ++ (blake2b256 (anchor.data ++ bitfield)).data

/-- Applies the assurances extrinsic to the pending reports `assignments` (one per core, after
judgements removed the bad ones) with the current validators, at block `slot` whose parent is
`parent`: the reports that became available, and the pending reports left. -/
def applyAssurances (assignments : Array (Option AvailabilityAssignment))
    (validators : Array ValidatorKeys) (assurances : Array AvailAssurance) (slot : TimeSlot)
    (parent : Hash) :
    Except AssurancesError (Array WorkReport × Array (Option AvailabilityAssignment)) := Id.run do
  let mut counts : Array Nat := Array.replicate assignments.size 0
  let mut previous : Option Nat := none
  for a in assurances do
    if a.anchor != parent then
      return .error .badAttestationParent
    let v := a.validatorIndex.toNat
    if v >= validators.size then
      return .error .badValidatorIndex
    if previous.isSome && v <= previous.getD 0 then
      return .error .notSortedOrUniqueAssurers
    previous := some v
    if !ed25519Verify validators[v]!.ed25519 (assuranceMessage a.anchor a.bitfield) a.signature then
      return .error .badSignature
    for c in [:assignments.size] do
      if bitAt a.bitfield c then
        if assignments[c]!.isNone then
          return .error .coreNotEngaged
        counts := counts.set! c (counts[c]! + 1)
  let mut available : Array WorkReport := #[]
  let mut pending := assignments
  for c in [:assignments.size] do
    let some asg := assignments[c]! | continue
    if counts[c]! >= validatorsSuperMajority then
      available := available.push asg.report
      pending := pending.set! c none
    else if slot.toNat >= asg.timeout.toNat + U_TIMEOUT then
      pending := pending.set! c none
  return .ok (available, pending)

end Jar
