/-!
# Recent history (Gray Paper §7)

The last H blocks: header hash, the accumulation-output Merkle mountain range's super-peak
(the BEEFY root), the posterior state root and the work packages reported. The MMR itself is
kept as its list of peaks.
-/
import Jar.Crypto

namespace Jar

/-- A work package reported in a block: its hash and its exports root. -/
structure ReportedWorkPackage where
  hash : Hash
  exportsRoot : Hash
  deriving BEq, Repr, Inhabited

/-- One recent block (GP 7.1). -/
structure BlockInfo where
  headerHash : Hash
  beefyRoot : Hash
  stateRoot : Hash
  reported : Array ReportedWorkPackage
  deriving BEq, Repr, Inhabited

/-- A Merkle mountain range: peak `i` covers 2^i leaves, `none` where there is no such peak. -/
structure Mmr where
  peaks : Array (Option Hash)
  deriving BEq, Repr, Inhabited

/-- β: the recent blocks and the accumulation-output MMR. -/
structure RecentBlocks where
  history : Array BlockInfo
  mmr : Mmr
  deriving BEq, Repr, Inhabited

/-- Appends `leaf` to the MMR (GP E.8, A): carry the merged hash upwards until an empty slot. -/
def mmrAppend (peaks : Array (Option Hash)) (leaf : Hash) : Array (Option Hash) := Id.run do
  let mut out := peaks
  let mut carry := leaf
  for i in [:peaks.size] do
    match peaks[i]! with
    | none =>
      return out.set! i (some carry)
    | some p =>
      carry := keccak256 (p.data ++ carry.data)
      out := out.set! i none
  return out.push (some carry)

/-- The super-peak of an MMR (GP E.10, M_R): the zero hash for no peaks, the peak itself for one,
and otherwise keccak("peak" ‖ super-peak of all but the last ‖ last), lowest peak first. -/
def superPeak (peaks : Array (Option Hash)) : Hash := Id.run do
  let mut acc : Option Hash := none
  for p in peaks do
    match p with
    | none => continue
    | some h =>
      match acc with
      | none => acc := some h
      | some a => acc := some (keccak256 ("peak".toUTF8 ++ a.data ++ h.data))
  return acc.getD default

/-- β′ (GP 7.2–7.8): fix the previous block's state root, append the accumulation root to the MMR,
and record this block, keeping the last H. -/
def updateRecentHistory [JarVariant] (beta : RecentBlocks) (headerHash parentStateRoot accumulateRoot : Hash)
    (reported : Array ReportedWorkPackage) : RecentBlocks :=
  let n := beta.history.size
  let fixed := if n == 0 then beta.history
    else beta.history.set! (n - 1) { beta.history[n - 1]! with stateRoot := parentStateRoot }
  let peaks := mmrAppend beta.mmr.peaks accumulateRoot
  let entry : BlockInfo := { headerHash := headerHash, beefyRoot := superPeak peaks, stateRoot := default, reported := reported }
  { history := takeLast (fixed.push entry) H_RECENT, mmr := { peaks := peaks } }

end Jar
