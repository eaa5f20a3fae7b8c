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

end Jar
