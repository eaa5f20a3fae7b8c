/-!
# The JAM shuffle

The Fisher–Yates shuffle of Gray Paper Appendix F, driven by a sequence of 32-bit words derived
from a 32-byte entropy with blake2b-256.
-/
import Jar.Crypto

namespace Jar

/-- The little-endian encoding of `x` in four bytes (E₄; the value is reduced modulo 2³²). -/
def encodeU32LE (x : Nat) : ByteArray := Id.run do
  let mut out := ByteArray.empty
  for k in [:4] do
    out := out.push ((x / 2 ^ (8 * k)) % 256).toUInt8
  return out

/-- The little-endian number in the four bytes of `bytes` starting at `offset` (bytes past the end
read as zero). -/
def decodeU32LE (bytes : ByteArray) (offset : Nat) : Nat := Id.run do
  let mut acc := 0
  for k in [:4] do
    acc := acc + bytes[offset + k]!.toNat * 2 ^ (8 * k)
  return acc

/-- Word `i` of the shuffle sequence Q (GP F.2): word `i mod 8` of blake2b-256 of the entropy
followed by E₄(⌊i / 8⌋). -/
def shuffleWord (entropy : Hash) (i : Nat) : Nat :=
  let digest := blake2b256 (entropy.data ++ encodeU32LE (i / 8))
  decodeU32LE digest.data (4 * (i % 8))

/-- The Fisher–Yates shuffle of `xs` by `entropy` (GP F.1 and F.3): each step picks the element at
the next sequence word modulo the number left, and moves the last remaining element into its
place. -/
def shuffle {α : Type} [Inhabited α] (xs : Array α) (entropy : Hash) : Array α := Id.run do
  let mut remaining := xs
  let mut out : Array α := #[]
  for i in [:xs.size] do
    let k := shuffleWord entropy i % remaining.size
    out := out.push remaining[k]!
    remaining := remaining.set! k remaining[remaining.size - 1]!
    remaining := remaining.pop
  return out

/-- The shuffled order of `0, 1, …, n − 1`, as used for validator and core assignments. -/
def shuffledIndices (n : Nat) (entropy : Hash) : Array Nat :=
  shuffle (Array.range n) entropy

end Jar
