/-!
# Safrole: the sealing-key contest (Gray Paper §6)

Each block advances the entropy accumulator η₀ with the block's VRF output. At an epoch boundary
the validator sets rotate (queued ι → pending γ_k, with offenders' keys zeroed; pending → active
κ; active → previous λ), the ring root γ_z is recomputed from the new pending keys, the three
epoch entropies shift, and the sealing keys of the new epoch are chosen: the tickets of the
contest, outside-in, if the previous epoch ran to its ticket tail and filled the accumulator,
else the fallback keys drawn from η₂ and the active set.

Within an epoch, before the tail slot Y, blocks carry tickets: ring-VRF proofs, by an anonymous
pending validator, of an attempt number under η₂. A ticket's id is the proof's VRF output; the
accumulator γ_a keeps the E lowest ids. The header marks the first block of an epoch (the epoch
marker) and the first block past the tail of a full contest (the winning-tickets marker).
-/
import Jar.Block
import Jar.Shuffle

namespace Jar

variable [JarVariant]

/-- γ_s: the sealing keys of the epoch, one per slot: the contest's tickets, or the fallback
Bandersnatch keys. -/
inductive TicketsOrKeys where
  | tickets (t : SeqN E TicketBody)
  | keys (k : SeqN E BandersnatchPublic)
  deriving BEq, Repr, Inhabited

/-- The state Safrole reads and writes (GP 6.3, with τ, η, κ, λ and ι). -/
structure SafroleState where
  /-- τ: the slot of the most recent block. -/
  tau : TimeSlot
  /-- η: the entropy accumulator and the three most recent epochs' entropies. -/
  eta : SeqN 4 Hash
  /-- λ: the previous epoch's validators. -/
  lambda : SeqN V ValidatorKeys
  /-- κ: the active validators. -/
  kappa : SeqN V ValidatorKeys
  /-- γ_k: the validators of the next epoch. -/
  gammaK : SeqN V ValidatorKeys
  /-- ι: the validators queued behind them. -/
  iota : SeqN V ValidatorKeys
  /-- γ_a: the ticket accumulator, sorted by id, at most E entries. -/
  gammaA : Array TicketBody
  /-- γ_s: this epoch's sealing keys. -/
  gammaS : TicketsOrKeys
  /-- γ_z: the ring root of γ_k's Bandersnatch keys. -/
  gammaZ : BandersnatchRingRoot
  deriving BEq, Repr, Inhabited

/-- The header markers Safrole decides (GP 6.27, 6.28). -/
structure SafroleMarks where
  epochMark : Option EpochMark
  ticketsMark : Option (SeqN E TicketBody)
  deriving BEq, Repr, Inhabited

/-- Why a block is invalid for Safrole. -/
inductive SafroleError where
  | badSlot
  | unexpectedTicket
  | badTicketOrder
  | badTicketProof
  | badTicketAttempt
  | reserved
  | duplicateTicket
  deriving BEq, Repr, Inhabited

/-- Z (GP 6.25): the outside-in order of a sequence: first, last, second, second last, … -/
def outsideIn {α : Type} [Inhabited α] (s : Array α) : Array α := Id.run do
  let mut out : Array α := #[]
  for i in [:s.size] do
    if i % 2 == 0 then
      out := out.push s[i / 2]!
    else
      out := out.push s[s.size - 1 - i / 2]!
  return out

/-- F (GP 6.26): the fallback sealing keys, slot `i`'s key being the Bandersnatch key of the
validator at the first four bytes (little-endian) of H(r ⌢ E₄(i)), modulo the set's size. -/
def fallbackKeys (r : Hash) (keys : Array ValidatorKeys) : Array BandersnatchPublic := Id.run do
  let mut out : Array BandersnatchPublic := #[]
  for i in [:E] do
    let digest := blake2b256 (r.data ++ encodeU32LE i)
    out := out.push keys[decodeU32LE digest.data 0 % keys.size]!.bandersnatch
  return out

/-- Φ (GP 6.14): the key sets with every offender's keys replaced by zeros. -/
def withoutOffenders (keys : Array ValidatorKeys) (offenders : Array Ed25519Public) : Array ValidatorKeys :=
  keys.map (fun k => if offenders.contains k.ed25519 then default else k)

/-- The epoch marker's view of a validator: its Bandersnatch and Ed25519 keys. -/
def markValidator (k : ValidatorKeys) : EpochMarkValidator :=
  { bandersnatch := k.bandersnatch, ed25519 := k.ed25519 }

/-- `xs` (sorted by id) with ticket `t` inserted in order. -/
def insertTicket (xs : Array TicketBody) (t : TicketBody) : Array TicketBody := Id.run do
  let mut out : Array TicketBody := #[]
  let mut placed := false
  for x in xs do
    if !placed && t.id < x.id then
      out := out.push t
      placed := true
    out := out.push x
  if !placed then
    out := out.push t
  return out

/-- The VRF input a ticket proves (GP 6.29): the ticket-seal context, η₂ and the attempt. -/
def ticketMessage (eta2 : Hash) (attempt : UInt8) : ByteArray :=
  "jam_ticket_seal".toUTF8 ++ eta2.data ++ ByteArray.mk #[attempt]

/-- The ticket bodies of a tickets extrinsic (GP 6.29–6.33): each attempt below N, each proof
valid for the ring `root` under `eta2`, the ids strictly ascending. -/
def ticketBodies (tickets : Array TicketEnvelope) (root : BandersnatchRingRoot) (eta2 : Hash) :
    Except SafroleError (Array TicketBody) := Id.run do
  let mut out : Array TicketBody := #[]
  for t in tickets do
    if t.attempt.toNat >= N_TICKETS then
      return .error .badTicketAttempt
    match bandersnatchRingVrfOutput V root (ticketMessage eta2 t.attempt) ByteArray.empty t.signature with
    | none => return .error .badTicketProof
    | some id => out := out.push { id := id, attempt := t.attempt }
  for i in [1:out.size] do
    if !(out[i - 1]!.id < out[i]!.id) then
      return .error .badTicketOrder
  return .ok out

/-- γ′_s (GP 6.24) for a block of slot `slot`: unchanged within an epoch; at a boundary, the
tickets outside-in after a full contest that ran to its tail (the epoch right before), else the
fallback keys from η′₂ and κ′. The block's seal is checked against these keys. -/
def nextSealKeys (s : SafroleState) (slot : TimeSlot) (eta2' : Hash) (kappa' : Array ValidatorKeys) : TicketsOrKeys :=
  let e := epochOf s.tau.toNat
  let e' := epochOf slot.toNat
  if e' <= e then s.gammaS
  else if e' == e + 1 && slotInEpoch s.tau.toNat >= Y_TAIL && s.gammaA.size == E then TicketsOrKeys.tickets (outsideIn s.gammaA)
  else TicketsOrKeys.keys (fallbackKeys eta2' kappa')

/-- Safrole (GP §6) for a block of slot `slot` whose entropy VRF output is `entropy` and whose
tickets extrinsic is `tickets`, with the posterior offenders ψ'_o: the header markers and the
new state. -/
def applySafrole (s : SafroleState) (slot : TimeSlot) (entropy : Hash) (tickets : Array TicketEnvelope)
    (offenders : Array Ed25519Public) : Except SafroleError (SafroleMarks × SafroleState) := Id.run do
  if slot.toNat <= s.tau.toNat then
    return .error .badSlot
  let e := epochOf s.tau.toNat
  let m := slotInEpoch s.tau.toNat
  let e' := epochOf slot.toNat
  let m' := slotInEpoch slot.toNat
  let change := e' > e
  -- η′ (6.22, 6.23): the accumulator takes the block's entropy; epochs shift at a boundary.
  let eta0 := blake2b256 (s.eta[0]!.data ++ entropy.data)
  let eta' := if change then #[eta0, s.eta[0]!, s.eta[1]!, s.eta[2]!] else #[eta0, s.eta[1]!, s.eta[2]!, s.eta[3]!]
  -- The key sets (6.13) and the ring root of the new pending set.
  let gammaK' := if change then withoutOffenders s.iota offenders else s.gammaK
  let kappa' := if change then s.gammaK else s.kappa
  let lambda' := if change then s.kappa else s.lambda
  let gammaZ' := if change then bandersnatchRingRoot (gammaK'.map (fun k => k.bandersnatch)) else s.gammaZ
  let gammaS' := nextSealKeys s slot eta'[2]! kappa'
  -- The markers (6.27, 6.28).
  let epochMark : Option EpochMark := if change then
      some { entropy := s.eta[0]!, ticketsEntropy := s.eta[1]!, validators := gammaK'.map (fun k => markValidator k) }
    else none
  let ticketsMark : Option (Array TicketBody) :=
    if e' == e && m < Y_TAIL && Y_TAIL <= m' && s.gammaA.size == E then some (outsideIn s.gammaA) else none
  -- The tickets (6.29–6.35): only before the tail, proven against the new ring and η′₂, new
  -- to the accumulator, which keeps the E lowest ids.
  if tickets.size > 0 && m' >= Y_TAIL then
    return .error .unexpectedTicket
  let mut bodies : Array TicketBody := #[]
  match ticketBodies tickets gammaZ' eta'[2]! with
  | .error err => return .error err
  | .ok b => bodies := b
  let base : Array TicketBody := if change then #[] else s.gammaA
  for t in bodies do
    if base.any (fun x => x.id == t.id) then
      return .error .duplicateTicket
  let mut acc := base
  for t in bodies do
    acc := insertTicket acc t
  let state' : SafroleState := { tau := slot, eta := eta', lambda := lambda', kappa := kappa', gammaK := gammaK',
    iota := s.iota, gammaA := acc.extract 0 E, gammaS := gammaS', gammaZ := gammaZ' }
  return .ok ({ epochMark := epochMark, ticketsMark := ticketsMark }, state')

end Jar
