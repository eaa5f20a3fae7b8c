/-!
# Validator activity statistics (Gray Paper §13)

π_V counts, per validator, what it did in the current epoch; π_L keeps the previous epoch's
counts. Both are reset and rotated when a block opens a new epoch.
-/
import Jar.Block

namespace Jar

/-- One validator's activity in an epoch (GP 13.1). -/
structure ValidatorActivityRecord where
  blocks : UInt32 := 0
  tickets : UInt32 := 0
  preImages : UInt32 := 0
  preImagesSize : UInt32 := 0
  guarantees : UInt32 := 0
  assurances : UInt32 := 0
  deriving BEq, Repr, Inhabited

section
variable [JarVariant]

/-- π′_V and π′_L (GP 13.3–13.5) after a block of timeslot `slot` by validator `author` with
extrinsic `ext`, where `tau` is the previous block's timeslot. A guarantor is credited once per
block however many reports it signed; an assurer once per assurance. -/
def updateValidatorStats (curr last : SeqN V ValidatorActivityRecord) (tau slot : TimeSlot)
    (author : ValidatorIndex) (ext : Extrinsic) :
    SeqN V ValidatorActivityRecord × SeqN V ValidatorActivityRecord := Id.run do
  let newEpoch := epochOf slot.toNat != epochOf tau.toNat
  let last' := if newEpoch then curr else last
  let mut stats : Array ValidatorActivityRecord := if newEpoch then Array.replicate V default else curr
  let mut preimageBytes : Nat := 0
  for p in ext.preimages do
    preimageBytes := preimageBytes + p.blob.size
  let a := stats[author.toNat]!
  stats := stats.set! author.toNat { a with
    blocks := a.blocks + 1,
    tickets := a.tickets + ext.tickets.size.toUInt32,
    preImages := a.preImages + ext.preimages.size.toUInt32,
    preImagesSize := a.preImagesSize + preimageBytes.toUInt32 }
  let mut credited : Array Nat := #[]
  for g in ext.guarantees do
    for s in g.signatures do
      let v := s.validatorIndex.toNat
      if !credited.contains v then
        credited := credited.push v
        let r := stats[v]!
        stats := stats.set! v { r with guarantees := r.guarantees + 1 }
  for x in ext.assurances do
    let v := x.validatorIndex.toNat
    let r := stats[v]!
    stats := stats.set! v { r with assurances := r.assurances + 1 }
  return (stats, last')

end

end Jar
