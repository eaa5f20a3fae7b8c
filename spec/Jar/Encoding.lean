/-!
# Encodings the spec hashes or signs

Some rules hash or sign a value's encoding: the header hash, the seal over the unsigned header,
the extrinsic hash over its parts. The JAM codec is derived from the types (codegen emits it),
so the spec reaches it through these `@[extern]` primitives, each the variant's codec of one
type: the GP's compact codec, or JAR's fixed-width one for jar1.
-/
import Jar.Block
import Jar.Crypto

namespace Jar

/-- E (GP C.6): the compact encoding of a natural number: one byte below 2⁷; below 2^(7(l+1)), a
byte of l leading ones with the high part, then l low bytes; otherwise 255 and eight bytes. -/
def encodeCompactNat (x : Nat) : ByteArray := Id.run do
  if x < 128 then
    return ByteArray.mk #[x.toUInt8]
  for l in [1:8] do
    if x < 2 ^ (7 * (l + 1)) then
      let mut out := ByteArray.mk #[(256 - 2 ^ (8 - l) + x / 2 ^ (8 * l)).toUInt8]
      for k in [:l] do
        out := out.push ((x / 2 ^ (8 * k)) % 256).toUInt8
      return out
  let mut out := ByteArray.mk #[(255 : Nat).toUInt8]
  for k in [:8] do
    out := out.push ((x / 2 ^ (8 * k)) % 256).toUInt8
  return out

/-- E(H) (GP C.22): a header in the variant's codec. Its blake2b-256 is the header hash. -/
@[extern "jarkit_encode_header"]
opaque encodeHeader [JarVariant] : Header → ByteArray

/-- E_U(H) (GP C.23): a header without its seal, in the variant's codec; the seal signs it. -/
@[extern "jarkit_encode_unsigned_header"]
opaque encodeUnsignedHeader [JarVariant] : Header → ByteArray

/-- E(E_T): a tickets extrinsic in the variant's codec. -/
@[extern "jarkit_encode_tickets"]
opaque encodeTickets [JarVariant] : Array TicketEnvelope → ByteArray

/-- E(E_P): a preimages extrinsic in the variant's codec. -/
@[extern "jarkit_encode_preimages"]
opaque encodePreimages [JarVariant] : Array Preimage → ByteArray

/-- E(E_A): an assurances extrinsic in the variant's codec. -/
@[extern "jarkit_encode_assurances"]
opaque encodeAssurances [JarVariant] : Array AvailAssurance → ByteArray

/-- E(E_D): a disputes extrinsic in the variant's codec. -/
@[extern "jarkit_encode_disputes"]
opaque encodeDisputes [JarVariant] : DisputesExtrinsic → ByteArray

/-- E(x) of a guarantor's signature list (↕, then each index and signature) in the variant's
codec. -/
@[extern "jarkit_encode_signatures"]
opaque encodeSignatures [JarVariant] : Array ValidatorSignature → ByteArray

end Jar
