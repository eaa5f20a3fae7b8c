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

end Jar
