/-!
# Constants

Protocol-wide constants that do not depend on the variant (Gray Paper Appendix I.4.4), and
accessors for the size parameters of the variant in scope.
-/
import Jar.Variant

namespace Jar

/-- P: the slot period in seconds. -/
def P_SLOT_SECONDS : Nat := 6
/-- A: the audit tranche period in seconds. -/
def A_AUDIT_PERIOD : Nat := 8
/-- F: the audit bias factor. -/
def F_AUDIT_BIAS : Nat := 2
/-- W_A: the maximum size of is-authorized code in bytes. -/
def W_A : Nat := 64000
/-- W_B: the maximum size of an encoded work package with extrinsics, in bytes. -/
def W_B : Nat := 13791360
/-- W_C: the maximum size of service code in bytes. -/
def W_C : Nat := 4000000
/-- W_M: the maximum number of imports in a work package. -/
def W_M : Nat := 3072
/-- W_R: the maximum total size of a work report's output blobs in bytes. -/
def W_R : Nat := 49152
/-- W_T: the size of a transfer memo in bytes. -/
def W_T : Nat := 128
/-- W_X: the maximum number of exports in a work package. -/
def W_X : Nat := 3072
/-- Z_P: the JAVM page size. -/
def Z_P : Nat := 4096
/-- Z_Z: the JAVM zone size (GP segmented layout). -/
def Z_Z : Nat := 65536
/-- Z_I: the maximum size of a JAVM argument input. -/
def Z_I : Nat := 2 ^ 24
/-- Z_A: the dynamic jump alignment. -/
def Z_A : Nat := 2
/-- The number of JAVM registers. -/
def REGISTER_COUNT : Nat := 13
/-- S (GP 0.7.2): the least service index `new` hands out without the registrar's privilege; the
indices below it are the registrar's to choose. -/
def S_MIN : Nat := 65536
/-- The JAM epoch (1200 UTC on January 1, 2025) in Unix seconds. -/
def JAM_EPOCH_UNIX : Nat := 1735732800

section
variable [JarVariant]

/-- V of the variant in scope. -/
abbrev V [j : JarVariant] : Nat := j.params.V
/-- C of the variant in scope. -/
abbrev C [j : JarVariant] : Nat := j.params.C
/-- E of the variant in scope. -/
abbrev E [j : JarVariant] : Nat := j.params.E
/-- N: the ticket attempts each validator has per epoch. -/
abbrev N_TICKETS [j : JarVariant] : Nat := j.params.N_TICKETS
/-- Y: the slot within an epoch at which ticket submission ends. -/
abbrev Y_TAIL [j : JarVariant] : Nat := j.params.Y_TAIL
/-- K: the most tickets one block may carry. -/
abbrev K_MAX_TICKETS [j : JarVariant] : Nat := j.params.K_MAX_TICKETS
/-- R: the core rotation period. -/
abbrev R_ROTATION [j : JarVariant] : Nat := j.params.R_ROTATION
/-- H of the variant in scope. -/
abbrev H_RECENT [j : JarVariant] : Nat := j.params.H_RECENT
/-- O of the variant in scope. -/
abbrev O_POOL [j : JarVariant] : Nat := j.params.O_POOL
/-- Q of the variant in scope. -/
abbrev Q_QUEUE [j : JarVariant] : Nat := j.params.Q_QUEUE
/-- G_A of the variant in scope: the accumulation gas of one work report's results at most. -/
abbrev G_A [j : JarVariant] : Nat := j.params.G_A
/-- J of the variant in scope: a work report's dependencies at most. -/
abbrev J [j : JarVariant] : Nat := j.params.J
/-- L of the variant in scope: how many slots old a lookup anchor may be. -/
abbrev L_MAX_ANCHOR [j : JarVariant] : Nat := j.params.L_MAX_ANCHOR
/-- U of the variant in scope: the slots after which a pending report times out. -/
abbrev U_TIMEOUT [j : JarVariant] : Nat := j.params.U_TIMEOUT
/-- G_I of the variant in scope: the gas of is-authorized. -/
abbrev G_I [j : JarVariant] : Nat := j.params.G_I
/-- G_R of the variant in scope: the gas of refinement. -/
abbrev G_R [j : JarVariant] : Nat := j.params.G_R
/-- G_T of the variant in scope: the accumulation gas of a whole block at least. -/
abbrev G_T [j : JarVariant] : Nat := j.params.G_T
/-- I of the variant in scope: the work items of a package at most. -/
abbrev I_MAX_ITEMS [j : JarVariant] : Nat := j.params.I
/-- T of the variant in scope: the extrinsics of a package at most. -/
abbrev T_MAX_EXTRINSICS [j : JarVariant] : Nat := j.params.T
/-- D of the variant in scope: the slots after which an unreferenced preimage may be expunged. -/
abbrev D_EXPUNGE [j : JarVariant] : Nat := j.params.D_EXPUNGE
/-- B_I of the variant in scope: the deposit per storage item. -/
abbrev B_I [j : JarVariant] : Nat := j.params.B_I
/-- B_L of the variant in scope: the deposit per storage byte. -/
abbrev B_L [j : JarVariant] : Nat := j.params.B_L
/-- B_S of the variant in scope: the base deposit of a service. -/
abbrev B_S [j : JarVariant] : Nat := j.params.B_S
/-- W_P of the variant in scope. -/
abbrev W_P [j : JarVariant] : Nat := j.params.W_P
/-- W_E of the variant in scope. -/
abbrev W_E [j : JarVariant] : Nat := j.params.W_E

/-- The number of validators that forms a super-majority, ⌊2V/3⌋ + 1. -/
abbrev validatorsSuperMajority [JarVariant] : Nat := 2 * V / 3 + 1

/-- The number of bytes of a bitfield with one bit per core, ⌈C/8⌉. -/
abbrev availBitfieldBytes [JarVariant] : Nat := (C + 7) / 8

/-- W_G: the size of an exported segment, W_P · W_E. -/
def W_G [JarVariant] : Nat := W_P * W_E

/-- The timeslot index within its epoch. -/
def slotInEpoch [JarVariant] (slot : Nat) : Nat := slot % E

/-- The epoch a timeslot belongs to. -/
def epochOf [JarVariant] (slot : Nat) : Nat := slot / E

end

end Jar
