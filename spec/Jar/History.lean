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

/-- The 32 zero bytes of the zero hash. -/
def zeroHashBytes : ByteArray := ByteArray.mk (Array.replicate 32 0)

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

/-- β† (GP 7.5): the most recent block's state root, unknown when it was recorded, filled in
with the prior state root of the block that follows it. -/
def fixParentStateRoot (beta : RecentBlocks) (parentStateRoot : Hash) : RecentBlocks :=
  let n := beta.history.size
  if n == 0 then beta
  else { beta with history := beta.history.set! (n - 1) { beta.history[n - 1]! with stateRoot := parentStateRoot } }

/-- The node of the well-balanced binary Merkle tree over `v[lo:hi]` (GP E.1, N with H_K): a
single leaf as it is; more, keccak("node" ⌢ left ⌢ right), the left half rounded up. -/
partial def balancedNode (v : Array ByteArray) (lo hi : Nat) : ByteArray :=
  if hi - lo == 0 then zeroHashBytes
  else if hi - lo == 1 then v[lo]!
  else
    let mid := lo + (hi - lo + 1) / 2
    (keccak256 ("node".toUTF8 ++ balancedNode v lo mid ++ balancedNode v mid hi)).data

/-- M_B with H_K (GP E.1): the root of the well-balanced Merkle tree of `v`; a single leaf is
hashed, no leaves give the zero hash. -/
def balancedMerkleKeccak (v : Array ByteArray) : Hash :=
  if v.size == 0 then default
  else if v.size == 1 then keccak256 v[0]!
  else
    let mid := (v.size + 1) / 2
    keccak256 ("node".toUTF8 ++ balancedNode v 0 mid ++ balancedNode v mid v.size)

/-- β′ (GP 7.2–7.8): fix the previous block's state root, append the accumulation root to the MMR,
and record this block, keeping the last H. -/
def updateRecentHistory [JarVariant] (beta : RecentBlocks) (headerHash parentStateRoot accumulateRoot : Hash)
    (reported : Array ReportedWorkPackage) : RecentBlocks :=
  let fixed := (fixParentStateRoot beta parentStateRoot).history
  let peaks := mmrAppend beta.mmr.peaks accumulateRoot
  let entry : BlockInfo := { headerHash := headerHash, beefyRoot := superPeak peaks, stateRoot := default, reported := reported }
  { history := takeLast (fixed.push entry) H_RECENT, mmr := { peaks := peaks } }

end Jar
