/-!
# Notation

Byte strings and sequences of a fixed length. Codegen maps `OctetSeq n` to a Rust `[u8; n]`
newtype, `SeqN n α` / `BytesN n` to `Vec` / `ByteArray` whose binary encoding has no length
prefix, and `CompactNat n` to a `Nat` whose width depends on the codec (see `codegen/SUBSET.md`,
"The binary codec").
-/

namespace Jar

/-- A byte string of exactly `n` bytes. -/
structure OctetSeq (n : Nat) where
  data : ByteArray
  size_eq : data.size = n

end Jar

namespace Jar

/-- A sequence of exactly `n` elements. Lean sees an `Array`; the codec writes the elements with
no length prefix, and the decoder reads exactly `n` of them. The length is usually a parameter of
the variant (`SeqN V ValidatorKeys`). -/
abbrev SeqN (_n : Nat) (α : Type) : Type := Array α

/-- A byte string of exactly `n` bytes whose length depends on the variant (for a length known
in the spec, use `OctetSeq`). The codec writes no length prefix. -/
abbrev BytesN (_n : Nat) : Type := ByteArray

/-- A natural number that the GP codec writes compact and JAR's fixed-width codec (jar1) as `n`
bytes little-endian (`CompactNat 8` for gas, `CompactNat 2` for counts). -/
abbrev CompactNat (_n : Nat) : Type := Nat

/-- The all-zero byte string is the default (`default : Hash` is the zero hash). -/
instance : Inhabited (OctetSeq n) := ⟨⟨ByteArray.mk (Array.replicate n 0), Array.size_replicate⟩⟩

/-- Byte strings compare lexicographically: the order of every sorted dictionary in the state. -/
instance : LT ByteArray := ⟨fun a b => a.toList < b.toList⟩
instance (a b : ByteArray) : Decidable (a < b) := inferInstanceAs (Decidable (a.toList < b.toList))
instance : LT (OctetSeq n) := ⟨fun a b => a.data < b.data⟩
instance (a b : OctetSeq n) : Decidable (a < b) := inferInstanceAs (Decidable (a.data < b.data))
instance : BEq (OctetSeq n) := ⟨fun a b => a.data.toList == b.data.toList⟩

/-- The last `n` elements of `xs` (all of them if there are fewer): the GP's `←n` operator. -/
def takeLast {α : Type} (xs : Array α) (n : Nat) : Array α :=
  xs.extract (xs.size - n) xs.size

end Jar
