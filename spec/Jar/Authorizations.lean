/-!
# Authorizations (Gray Paper §8)

Each core keeps a pool of at most O authorizer hashes, fed from its queue of Q. In every block a
guarantee for a core uses up the authorizer it names, and the pool then takes the queue entry
selected by the timeslot and drops the oldest entries beyond O.
-/
import Jar.Block

namespace Jar

/-- A core and the authorizer a guarantee for it used (derived from the guarantees extrinsic). -/
structure CoreAuthorizer where
  core : CoreIndex
  authHash : Hash
  deriving BEq, Repr, Inhabited

/-- `pool` without the first occurrence of `h`. A guarantee consumes one entry: if the pool holds
the same authorizer twice, the second stays (GP 8.3 reads the pool as a multiset). -/
def removeFirst (pool : Array Hash) (h : Hash) : Array Hash := Id.run do
  let mut out : Array Hash := #[]
  let mut removed := false
  for x in pool do
    if !removed && x == h then
      removed := true
    else
      out := out.push x
  return out

section
variable [JarVariant]

/-- α′ (GP 8.2–8.3): for each core, remove the authorizers used in this block, append the queue
entry at `slot mod Q`, and keep the last O. -/
def updateAuthPools (pools : SeqN C (Array Hash)) (queues : SeqN C (SeqN Q_QUEUE Hash))
    (slot : TimeSlot) (used : Array CoreAuthorizer) : SeqN C (Array Hash) := Id.run do
  let mut out := pools
  for c in [:pools.size] do
    let mut pool := pools[c]!
    for u in used do
      if u.core.toNat == c then
        pool := removeFirst pool u.authHash
    let next := queues[c]![slot.toNat % Q_QUEUE]!
    out := out.set! c (takeLast (pool.push next) O_POOL)
  return out

end

end Jar
