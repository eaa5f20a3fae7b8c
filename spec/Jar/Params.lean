/-!
# Protocol parameters

The numeric parameters that distinguish chain sizes (Gray Paper Appendix I.4.4). A variant picks
one `Params` value; every rule that depends on the chain size reads it from there.
-/

namespace Jar

/-- The size parameters of a JAM chain. Names follow the Gray Paper symbols. -/
structure Params where
  /-- V: the number of validators. Unit: validators. -/
  V : Nat
  /-- C: the number of cores. Unit: cores. -/
  C : Nat
  /-- E: the epoch length in timeslots. Unit: timeslots. -/
  E : Nat
  /-- N: the number of ticket entries per validator. Unit: tickets. -/
  N_TICKETS : Nat
  /-- Y: the slot after which no more tickets are accepted in an epoch. Unit: timeslots. -/
  Y_TAIL : Nat
  /-- K: the maximum number of tickets in one extrinsic. Unit: tickets. -/
  K_MAX_TICKETS : Nat
  /-- R: the core rotation period in timeslots. Unit: timeslots. -/
  R_ROTATION : Nat
  /-- H: the number of recent blocks kept in history. Unit: blocks. -/
  H_RECENT : Nat
  /-- G_A: the gas allotted to one service's accumulation. Unit: gas. -/
  G_A : Nat
  /-- G_I: the gas allotted to is-authorized. Unit: gas. -/
  G_I : Nat
  /-- G_R: the gas allotted to refinement. Unit: gas. -/
  G_R : Nat
  /-- G_T: the total accumulation gas per block. Unit: gas. -/
  G_T : Nat
  /-- O: the size of each core's authorizer pool. Unit: authorizers. -/
  O_POOL : Nat
  /-- Q: the size of each core's authorizer queue. Unit: authorizers. -/
  Q_QUEUE : Nat
  /-- I: the maximum number of work items in a package. Unit: work items. -/
  I : Nat
  /-- J: the maximum number of dependencies of a work report. Unit: dependencies. -/
  J : Nat
  /-- T: the maximum number of extrinsics in a work package. Unit: extrinsics. -/
  T : Nat
  /-- U: the availability timeout in timeslots. Unit: timeslots. -/
  U_TIMEOUT : Nat
  /-- D: the period after which an unreferenced preimage may be expunged. Unit: timeslots. -/
  D_EXPUNGE : Nat
  /-- L: the maximum age of a lookup anchor in timeslots. Unit: timeslots. -/
  L_MAX_ANCHOR : Nat
  /-- B_I: the deposit per storage item. Unit: balance units. -/
  B_I : Nat
  /-- B_L: the deposit per storage byte. Unit: balance units. -/
  B_L : Nat
  /-- B_S: the base deposit of a service. Unit: balance units. -/
  B_S : Nat
  /-- W_P: the number of erasure-coded pieces in a segment. Unit: pieces. -/
  W_P : Nat
  /-- W_E: the basic size of erasure-coded pieces in bytes: two bytes per data shard. It is a
  parameter (684 full, 4 tiny) because the tiny chain erasure-codes into 6 shards of which 2 hold
  data, as the w3f tiny erasure vectors show, and it keeps the segment size W_G = W_P · W_E at
  4104 bytes on both chains. Upstream's Lean has it as the constant 684, which with tiny's W_P of
  1026 would make a tiny segment 701,784 bytes. Unit: bytes. -/
  W_E : Nat
  deriving BEq, Repr, Inhabited

/-- The full-size chain. -/
def Params.full : Params := {
  V := 1023, C := 341, E := 600, N_TICKETS := 2, Y_TAIL := 500, K_MAX_TICKETS := 16,
  R_ROTATION := 10, H_RECENT := 8, G_A := 10000000, G_I := 50000000, G_R := 5000000000,
  G_T := 3500000000, O_POOL := 8, Q_QUEUE := 80, I := 16, J := 8, T := 128, U_TIMEOUT := 5,
  D_EXPUNGE := 19200, L_MAX_ANCHOR := 14400, B_I := 10, B_L := 1, B_S := 100, W_P := 6,
  W_E := 684
}

/-- The tiny test chain: the full chain with the twelve size parameters that differ. -/
def Params.tiny : Params := { Params.full with
  V := 6, C := 2, E := 12, N_TICKETS := 3, Y_TAIL := 10, K_MAX_TICKETS := 3, R_ROTATION := 4,
  G_R := 1000000000, G_T := 20000000, D_EXPUNGE := 32, W_P := 1026, W_E := 4
}

end Jar
