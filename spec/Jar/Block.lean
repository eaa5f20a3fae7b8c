/-!
# Blocks

The block header (GP 5.1) and the five extrinsics (GP 6.7, 10.2, 11.1, 11.4, 12.1). Lengths that
depend on the chain size are written `SeqN n α` / `BytesN n`, so one declaration serves every
variant and the codec knows to write no length prefix.
-/
import Jar.Work

namespace Jar

variable [JarVariant]

/-- A validator as listed in an epoch marker. -/
structure EpochMarkValidator where
  bandersnatch : BandersnatchPublic
  ed25519 : Ed25519Public
  deriving BEq, Repr, Inhabited

/-- The epoch marker of a header: next epoch's entropy and validators. -/
structure EpochMark where
  entropy : Hash
  ticketsEntropy : Hash
  validators : SeqN V EpochMarkValidator
  deriving BEq, Repr, Inhabited

/-- A Safrole ticket: its VRF output and attempt number. -/
structure TicketBody where
  id : Hash
  attempt : UInt8
  deriving BEq, Repr, Inhabited

/-- A block header (GP 5.1). -/
structure Header where
  parent : Hash
  parentStateRoot : Hash
  extrinsicHash : Hash
  slot : TimeSlot
  epochMark : Option EpochMark
  ticketsMark : Option (SeqN E TicketBody)
  authorIndex : ValidatorIndex
  entropySource : BandersnatchSignature
  offendersMark : Array Ed25519Public
  seal : BandersnatchSignature
  deriving BEq, Repr, Inhabited

/-- A ticket submission: the attempt and its ring-VRF proof. -/
structure TicketEnvelope where
  attempt : UInt8
  signature : BandersnatchRingSignature
  deriving BEq, Repr, Inhabited

/-- One validator's judgment of a work report. -/
structure Judgement where
  vote : Bool
  index : ValidatorIndex
  signature : Ed25519Signature
  deriving BEq, Repr, Inhabited

/-- A verdict: a super-majority of judgments on one report. -/
structure Verdict where
  target : Hash
  age : UInt32
  votes : SeqN validatorsSuperMajority Judgement
  deriving BEq, Repr, Inhabited

/-- A guarantor of a report judged bad. -/
structure Culprit where
  target : Hash
  key : Ed25519Public
  signature : Ed25519Signature
  deriving BEq, Repr, Inhabited

/-- An auditor whose judgment contradicts the verdict. -/
structure Fault where
  target : Hash
  vote : Bool
  key : Ed25519Public
  signature : Ed25519Signature
  deriving BEq, Repr, Inhabited

/-- The disputes extrinsic (GP 10.2). -/
structure DisputesExtrinsic where
  verdicts : Array Verdict
  culprits : Array Culprit
  faults : Array Fault
  deriving BEq, Repr, Inhabited

/-- A preimage supplied for a service. -/
structure Preimage where
  requester : ServiceId
  blob : ByteArray
  deriving BEq, Repr, Inhabited

/-- One validator's availability assurance: a bit per core. -/
structure AvailAssurance where
  anchor : Hash
  bitfield : BytesN availBitfieldBytes
  validatorIndex : ValidatorIndex
  signature : Ed25519Signature
  deriving BEq, Repr, Inhabited

/-- A guarantor's signature on a report. -/
structure ValidatorSignature where
  validatorIndex : ValidatorIndex
  signature : Ed25519Signature
  deriving BEq, Repr, Inhabited

/-- A guaranteed work report (GP 11.4). -/
structure ReportGuarantee where
  report : WorkReport
  slot : TimeSlot
  signatures : Array ValidatorSignature
  deriving BEq, Repr, Inhabited

/-- The extrinsic data of a block. -/
structure Extrinsic where
  tickets : Array TicketEnvelope
  preimages : Array Preimage
  guarantees : Array ReportGuarantee
  assurances : Array AvailAssurance
  disputes : DisputesExtrinsic
  deriving BEq, Repr, Inhabited

/-- A block: a header and its extrinsic. -/
structure Block where
  header : Header
  extrinsic : Extrinsic
  deriving BEq, Repr, Inhabited

end Jar
