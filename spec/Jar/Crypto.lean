/-!
# Cryptographic primitives

Hash functions the spec calls. Each is an `@[extern]` primitive: Lean links the symbol, and
codegen turns a call into a call of the same-named function in `jarkit-spec`'s `prims` module.
-/
import Jar.Types

namespace Jar

/-- blake2b with a 256-bit digest (GP H). -/
@[extern "jarkit_blake2b256"]
opaque blake2b256 : ByteArray → Hash

/-- keccak-256, the original Keccak padding as Ethereum uses it (GP H_K): the hash of the
recent-history Merkle mountain range. -/
@[extern "jarkit_keccak256"]
opaque keccak256 : ByteArray → Hash

/-- Ed25519 signature verification (GP: E_k⟨m⟩), under the ZIP-215 rules: whether the signature
is the key's signature of the message. -/
@[extern "jarkit_ed25519_verify"]
opaque ed25519Verify : Ed25519Public → ByteArray → Ed25519Signature → Bool

/-- The ring root of Bandersnatch keys (GP O, §6.5): the KZG commitment over BLS12-381 (the
Zcash SRS of 2¹¹ powers) to the ring of `keys`, in order. A key that is not a curve point stands
for the ring's padding point, so a zeroed offender key still occupies its place. -/
@[extern "jarkit_bandersnatch_ring_root"]
opaque bandersnatchRingRoot : Array BandersnatchPublic → BandersnatchRingRoot

/-- Ring-VRF verification (GP 𝕍̄, Appendix G): for a ring of `ringSize` keys with root `root`,
whether `proof` is a ring-VRF proof of the VRF input `message` with additional data `aux` by a
member of the ring; if it is, its output hash (the first 32 bytes of Y), else `none`. -/
@[extern "jarkit_bandersnatch_ring_vrf_output"]
opaque bandersnatchRingVrfOutput : Nat → BandersnatchRingRoot → ByteArray → ByteArray → BandersnatchRingSignature → Option Hash

/-- Bandersnatch (IETF) VRF verification (GP 𝕍, Appendix G): whether `signature` is `key`'s VRF
signature of the input `message` with additional data `aux`; if it is, its output hash (the
first 32 bytes of Y), else `none`. -/
@[extern "jarkit_bandersnatch_vrf_output"]
opaque bandersnatchVrfOutput : BandersnatchPublic → ByteArray → ByteArray → BandersnatchSignature → Option Hash

end Jar
