/-!
# Notation

Byte strings of a fixed length. Codegen maps `OctetSeq n` to a Rust `[u8; n]` newtype.
-/

namespace Jar

/-- A byte string of exactly `n` bytes. -/
structure OctetSeq (n : Nat) where
  data : ByteArray
  size_eq : data.size = n

end Jar
