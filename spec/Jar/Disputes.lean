/-!
# Disputes (Gray Paper §10)

The disputes extrinsic records judgements on work reports and punishes validators who signed
the wrong thing.

* A **verdict** is a super-majority of judgements (⌊2V/3⌋ + 1) on one report, signed by the
  validators of the current epoch (age = this epoch) or of the previous one (age = the last
  epoch), each over `"jam_valid" ‖ report` or `"jam_invalid" ‖ report`, sorted by validator
  with none twice. The number of valid votes decides it: all of them (good), none (bad) or a
  third of the validators (wonky); any other split is invalid. Verdicts are sorted by report,
  and a report already judged cannot be judged again.
* A **culprit** is a guarantor of a bad report, proven by its signature over
  `"jam_guarantee" ‖ report`; every new bad verdict needs at least two.
* A **fault** is an auditor whose signed vote contradicts the verdict; every new good verdict
  needs at least one.
* Culprits and faults name keys of the current or previous validators that are not offenders
  yet, sorted by key with none twice.

Afterwards the report goes to the good, bad or wonky set, the culprits' and faults' keys join
the offenders (and are the header's offenders mark, in extrinsic order), and a core whose pending
report was judged bad or wonky drops it.
-/
import Jar.Assurances

namespace Jar

variable [JarVariant]

/-- ψ: the reports judged so far and the punished validators, each a sorted set. -/
structure DisputesRecords where
  good : Array Hash
  bad : Array Hash
  wonky : Array Hash
  offenders : Array Ed25519Public
  deriving BEq, Repr, Inhabited

/-- Why a disputes extrinsic is invalid. -/
inductive DisputesError where
  | alreadyJudged
  | badVoteSplit
  | verdictsNotSortedUnique
  | judgementsNotSortedUnique
  | culpritsNotSortedUnique
  | faultsNotSortedUnique
  | notEnoughCulprits
  | notEnoughFaults
  | culpritsVerdictNotBad
  | faultVerdictWrong
  | offenderAlreadyReported
  | badJudgementAge
  | badValidatorIndex
  | badSignature
  | badGuarantorKey
  | badAuditorKey
  deriving BEq, Repr, Inhabited

/-- The hash of a work report (of its encoding), as cores and verdicts name it. -/
@[extern "jarkit_work_report_hash"]
opaque workReportHash : WorkReport → Hash

/-- `xs` (sorted) with `x` added in order. -/
def insertSorted (xs : Array Hash) (x : Hash) : Array Hash := Id.run do
  let mut out : Array Hash := #[]
  let mut placed := false
  for e in xs do
    if !placed && x < e then
      out := out.push x
      placed := true
    out := out.push e
  if !placed then
    out := out.push x
  return out

/-- The message a judgement signs. -/
def judgementMessage (vote : Bool) (target : Hash) : ByteArray :=
  (if vote then "jam_valid".toUTF8 else "jam_invalid".toUTF8) ++ target.data

/-- Whether `key` is an Ed25519 key of one of `validators`. -/
def isValidatorKey (validators : Array ValidatorKeys) (key : Ed25519Public) : Bool :=
  validators.any (fun v => v.ed25519 == key)

/-- The verdicts of `disputes` checked, with each report's valid-vote count. -/
def checkVerdicts (disputes : DisputesExtrinsic) (records : DisputesRecords) (tau : TimeSlot)
    (kappa lambda : Array ValidatorKeys) : Except DisputesError (Array (Hash × Nat)) := Id.run do
  let epoch := epochOf tau.toNat
  let mut out : Array (Hash × Nat) := #[]
  for v in disputes.verdicts do
    let keys := if v.age.toNat == epoch then kappa
      else if v.age.toNat + 1 == epoch then lambda
      else #[]
    if keys.isEmpty then
      return .error .badJudgementAge
    let mut previous : Option Nat := none
    let mut valid := 0
    for j in v.votes do
      let i := j.index.toNat
      if i >= keys.size then
        return .error .badValidatorIndex
      if previous.isSome && i <= previous.getD 0 then
        return .error .judgementsNotSortedUnique
      previous := some i
      if !ed25519Verify keys[i]!.ed25519 (judgementMessage j.vote v.target) j.signature then
        return .error .badSignature
      if j.vote then
        valid := valid + 1
    out := out.push (v.target, valid)
  for k in [1:out.size] do
    if !(out[k - 1]!.1 < out[k]!.1) then
      return .error .verdictsNotSortedUnique
  for r in out do
    if records.good.contains r.1 || records.bad.contains r.1 || records.wonky.contains r.1 then
      return .error .alreadyJudged
    if !(r.2 == 0 || r.2 == V / 3 || r.2 == validatorsSuperMajority) then
      return .error .badVoteSplit
  return .ok out

/-- Applies the disputes extrinsic: the new records, the offenders mark, and the pending reports
with those judged bad or wonky removed. -/
def applyDisputes (records : DisputesRecords) (pending : Array (Option AvailabilityAssignment))
    (tau : TimeSlot) (kappa lambda : Array ValidatorKeys) (disputes : DisputesExtrinsic) :
    Except DisputesError
      (DisputesRecords × Array Ed25519Public × Array (Option AvailabilityAssignment)) := Id.run do
  let mut verdicts : Array (Hash × Nat) := #[]
  match checkVerdicts disputes records tau kappa lambda with
  | .error e => return .error e
  | .ok vs => verdicts := vs
  let mut good := records.good
  let mut bad := records.bad
  let mut wonky := records.wonky
  for r in verdicts do
    if r.2 == validatorsSuperMajority then
      good := insertSorted good r.1
    else if r.2 == 0 then
      bad := insertSorted bad r.1
    else
      wonky := insertSorted wonky r.1
  let everyone := kappa ++ lambda
  let mut offenders := records.offenders
  let mut mark : Array Ed25519Public := #[]
  -- Culprits.
  for k in [1:disputes.culprits.size] do
    if !(disputes.culprits[k - 1]!.key < disputes.culprits[k]!.key) then
      return .error .culpritsNotSortedUnique
  for c in disputes.culprits do
    if !bad.contains c.target then
      return .error .culpritsVerdictNotBad
    if records.offenders.contains c.key then
      return .error .offenderAlreadyReported
    if !isValidatorKey everyone c.key then
      return .error .badGuarantorKey
    if !ed25519Verify c.key ("jam_guarantee".toUTF8 ++ c.target.data) c.signature then
      return .error .badSignature
    offenders := insertSorted offenders c.key
    mark := mark.push c.key
  -- Faults.
  for k in [1:disputes.faults.size] do
    if !(disputes.faults[k - 1]!.key < disputes.faults[k]!.key) then
      return .error .faultsNotSortedUnique
  for f in disputes.faults do
    let isBad := bad.contains f.target
    if !(isBad || good.contains f.target) || isBad != f.vote then
      return .error .faultVerdictWrong
    if records.offenders.contains f.key then
      return .error .offenderAlreadyReported
    if !isValidatorKey everyone f.key then
      return .error .badAuditorKey
    if !ed25519Verify f.key (judgementMessage f.vote f.target) f.signature then
      return .error .badSignature
    offenders := insertSorted offenders f.key
    mark := mark.push f.key
  -- Enough culprits for each new bad verdict, and faults for each new good one.
  for r in verdicts do
    if r.2 == 0 && (disputes.culprits.filter (fun c => c.target == r.1)).size < 2 then
      return .error .notEnoughCulprits
    if r.2 == validatorsSuperMajority && (disputes.faults.filter (fun f => f.target == r.1)).size < 1 then
      return .error .notEnoughFaults
  -- Cores drop reports judged bad or wonky.
  let mut cores := pending
  for c in [:pending.size] do
    let some asg := pending[c]! | continue
    let h := workReportHash asg.report
    if verdicts.any (fun r => r.1 == h && r.2 != validatorsSuperMajority) then
      cores := cores.set! c none
  return .ok ({ good := good, bad := bad, wonky := wonky, offenders := offenders }, mark, cores)

end Jar
